//! Swagger UI in a real browser: headless Chromium (Debian's `chromium`, driven through
//! `chromedriver` by WebDriver) loads `/docs`, must render every operation of
//! `openapi/rollcall.yaml`, and "Try it out" on an organization, after entering a minted bearer
//! in the Authorize dialog, must answer 200 with that organization. The rendered operation is
//! saved as `target/swagger-ui/organization_view.png`.
//!
//! `cargo xtask ci` installs the browser when it is missing. Run alone, the test fails with the
//! command to install it rather than passing without a browser.

use std::{
    collections::BTreeSet,
    net::{TcpListener, TcpStream},
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

use crate::helpers::{TestApp, Who};

/// Where Debian puts the browser and its driver; `ROLLCALL_CHROMIUM` and
/// `ROLLCALL_CHROMEDRIVER` point elsewhere.
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

const INSTALL_HINT: &str = "install Debian's headless browser with `apt-get install -y chromium chromium-driver` (cargo xtask ci does it), or set ROLLCALL_CHROMIUM and ROLLCALL_CHROMEDRIVER";

/// How long the page may take for each step (the first load parses the whole document).
const STEP: Duration = Duration::from_secs(30);

/// A chromedriver process on a free port, killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start() -> Self {
        let binary = std::env::var("ROLLCALL_CHROMEDRIVER").unwrap_or_else(|_| CHROMEDRIVER.into());
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(&binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {binary} ({e}): {INSTALL_HINT}"));
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "{binary} did not listen on port {port} within 20 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    async fn browser(&self) -> Client {
        let chromium = std::env::var("ROLLCALL_CHROMIUM").unwrap_or_else(|_| CHROMIUM.into());
        assert!(
            std::path::Path::new(&chromium).exists(),
            "no browser at {chromium}: {INSTALL_HINT}"
        );
        let capabilities = json!({
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1400,1800"]
            }
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .unwrap_or_else(|e| panic!("chromedriver could not start {chromium}: {e}"))
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every operationId the document declares.
fn documented_operations() -> BTreeSet<String> {
    let document = contract::document();
    document["paths"]
        .as_object()
        .expect("paths")
        .values()
        .flat_map(|item| item.as_object().expect("a path item").values())
        .filter_map(|op| op.get("operationId").and_then(Value::as_str))
        .map(str::to_owned)
        .collect()
}

/// Finds `css` (waiting for it to appear) and clicks it.
async fn click(browser: &Client, css: &str) {
    browser
        .wait()
        .at_most(STEP)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("Swagger UI shows no `{css}`: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("cannot click `{css}`: {e}"));
}

/// Polls `script` (a JavaScript expression) until it is truthy; returns its value.
async fn until(browser: &Client, what: &str, script: &str) -> Value {
    let started = Instant::now();
    loop {
        let value = browser
            .execute(&format!("return {script};"), vec![])
            .await
            .expect("the page runs scripts");
        if !(value.is_null() || value == json!(false) || value == json!("")) {
            return value;
        }
        assert!(started.elapsed() < STEP, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn artifact(name: &str) -> PathBuf {
    let target = std::env::var("CARGO_TARGET_DIR").map_or_else(
        |_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    );
    let dir = target.join("swagger-ui");
    std::fs::create_dir_all(&dir).expect("the artifact directory");
    dir.join(name)
}

#[actix_web::test]
async fn swagger_ui_lists_every_operation_and_tries_one_with_a_minted_bearer() {
    let app = TestApp::spawn().await;
    let (_, org) = app.founded().await;
    let bearer = app.bearer(&Who::verified(1, "founder@acme.example"));
    let driver = Driver::start();
    let browser = driver.browser().await;

    browser
        .goto(&format!("{}/docs/", app.base))
        .await
        .expect("the page loads");
    // Swagger UI gives each operation's block the id `operations-<tag>-<operationId>`.
    let rendered = until(
        &browser,
        "the operations to render",
        "(() => { const ids = [...document.querySelectorAll('.opblock')].map(e => e.id); return ids.length ? ids : null })()",
    )
    .await;
    let rendered: Vec<&str> = rendered
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let documented = documented_operations();
    let missing: Vec<&String> = documented
        .iter()
        .filter(|op| !rendered.iter().any(|id| id.ends_with(&format!("-{op}"))))
        .collect();
    assert!(
        missing.is_empty(),
        "Swagger UI does not list {missing:?} (it rendered {rendered:?})"
    );
    assert_eq!(rendered.len(), documented.len(), "{rendered:?}");

    // Authorize: the dialog's one field is the bearer scheme's value.
    click(&browser, "button.btn.authorize").await;
    browser
        .wait()
        .at_most(STEP)
        .for_element(Locator::Css(".modal-ux input"))
        .await
        .expect("the Authorize dialog has an input")
        .send_keys(&bearer)
        .await
        .expect("the bearer is typed");
    click(&browser, ".modal-ux button.authorize").await;
    click(&browser, ".modal-ux button.btn-done").await;

    // Try it out on viewing the organization.
    let block = rendered
        .iter()
        .find(|id| id.ends_with("-organization_view"))
        .expect("organization_view is rendered");
    let block = format!("#{}", block.replace(' ', "\\ "));
    click(&browser, &format!("{block} .opblock-summary-control")).await;
    click(&browser, &format!("{block} button.try-out__btn")).await;
    browser
        .wait()
        .at_most(STEP)
        .for_element(Locator::Css(&format!(
            "{block} input[placeholder='organizationId']"
        )))
        .await
        .expect("the organizationId field")
        .send_keys(&org.id.to_string())
        .await
        .expect("the id is typed");
    click(&browser, &format!("{block} button.execute")).await;
    let status = until(
        &browser,
        "the live response",
        &format!(
            "document.querySelector(\"{block} .live-responses-table tbody .response-col_status\")?.innerText"
        ),
    )
    .await;
    let body = until(
        &browser,
        "the response body",
        &format!(
            "document.querySelector(\"{block} .live-responses-table .response-col_description pre\")?.innerText"
        ),
    )
    .await;

    let shot = browser
        .find(Locator::Css(&block))
        .await
        .expect("the operation's block")
        .screenshot()
        .await
        .expect("a screenshot");
    std::fs::write(artifact("organization_view.png"), &shot).expect("the screenshot is saved");
    browser.close().await.expect("the browser closes");

    assert_eq!(status.as_str().map(str::trim), Some("200"), "{body}");
    let shown: Value = serde_json::from_str(body.as_str().expect("text")).expect("JSON shown");
    assert_eq!(shown["id"], json!(org.id));
    assert_eq!(shown["name"], json!("Acme"));
    assert!(shot.starts_with(b"\x89PNG"), "the screenshot is a PNG");
}
