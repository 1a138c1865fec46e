//! Real protocol peers the tests talk to, run from the project's own Python environment
//! (`tests/peers/requirements.txt`, installed by `cargo xtask ci` into `target/peers/venv`;
//! `ROLLCALL_TEST_PYTHON` names another interpreter). `SmtpSink` is aiosmtpd on loopback,
//! keeping every message it accepts; `HookReceiver` is an HTTP server that verifies every
//! webhook delivery with the `standardwebhooks` package. What each answers is steered through
//! its control file.

use std::{
    io::{BufRead, BufReader},
    net::TcpListener,
    path::PathBuf,
    process::{Child, ChildStdin, Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::Value;

/// The Python interpreter with the peers installed.
pub fn python() -> PathBuf {
    if let Ok(p) = std::env::var("ROLLCALL_TEST_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/peers/venv/bin/python");
    assert!(
        venv.exists(),
        "the test peers are not installed: run `cargo xtask ci`, or `python3 -m venv target/peers/venv && target/peers/venv/bin/pip install -r tests/peers/requirements.txt`, or set ROLLCALL_TEST_PYTHON"
    );
    venv
}

/// A script of `tests/peers`.
pub fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("peers")
        .join(name)
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("bound")
        .port()
}

/// The records a peer wrote in `dir` (its `.json` files whose names `named` accepts), each read
/// as JSON (`what` says what one is), in the order of their names.
fn records(dir: &std::path::Path, named: impl Fn(&str) -> bool, what: &str) -> Vec<Value> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| {
        p.extension().is_some_and(|e| e == "json")
            && p.file_name().is_some_and(|n| named(&n.to_string_lossy()))
    });
    files.sort();
    files
        .iter()
        .map(|p| serde_json::from_slice(&std::fs::read(p).expect("readable")).expect(what))
        .collect()
}

/// Stops a peer [`spawn_peer`] started, and removes its directory `dir`.
fn stop_peer(child: &mut Child, dir: &std::path::Path) {
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(dir);
}

/// Runs the peer `script` on `port`, keeping what it receives in `dir`; answers once it says it
/// is ready. It stops when its stdin closes (the answered `ChildStdin` dropped) or is killed.
fn spawn_peer(script_name: &str, port: u16, dir: &std::path::Path) -> (Child, ChildStdin) {
    let mut child = Command::new(python())
        .arg(script(script_name))
        .args(["--port", &port.to_string(), "--dir"])
        .arg(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{script_name} starts: {e}"));
    let stdin = child.stdin.take().expect("piped");
    let mut ready = String::new();
    BufReader::new(child.stdout.take().expect("piped"))
        .read_line(&mut ready)
        .unwrap_or_else(|e| panic!("{script_name} says it is ready: {e}"));
    assert_eq!(ready.trim(), "ready", "{script_name} did not start");
    (child, stdin)
}

/// One message the SMTP server accepted.
#[derive(Debug, Clone)]
pub struct Received {
    pub rcpt_tos: Vec<String>,
    pub message_id: String,
    /// The whole message as sent (headers and MIME parts, transfer-encoded).
    pub data: String,
}

impl Received {
    /// The message's parts decoded (quoted-printable and base64 undone), by content type.
    pub fn part(&self, content_type: &str) -> String {
        let parsed = decoded_parts(&self.data);
        parsed
            .into_iter()
            .find(|(ct, _)| ct.starts_with(content_type))
            .map(|(_, body)| body)
            .unwrap_or_else(|| panic!("no {content_type} part in {}", self.data))
    }

    pub fn subject(&self) -> String {
        self.data
            .lines()
            .find_map(|l| l.strip_prefix("Subject: "))
            .unwrap_or_default()
            .to_owned()
    }
}

/// The parts of a MIME message as `(content type, decoded body)`, with Python's email package
/// (a parser we did not write) doing the decoding.
fn decoded_parts(raw: &str) -> Vec<(String, String)> {
    let program = r#"
import email, email.policy, json, sys
m = email.message_from_string(sys.stdin.read(), policy=email.policy.default)
print(json.dumps([[p.get_content_type(), p.get_content()] for p in m.walk() if not p.is_multipart()]))
"#;
    let mut child = Command::new(python())
        .args(["-c", program])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python runs");
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), raw.as_bytes()).unwrap();
    let out = child.wait_with_output().expect("python answers");
    let parts: Vec<(String, String)> =
        serde_json::from_slice(&out.stdout).expect("the parts as JSON");
    parts
}

/// aiosmtpd on loopback, keeping what it accepts.
pub struct SmtpSink {
    child: Child,
    _stdin: ChildStdin,
    pub port: u16,
    pub dir: PathBuf,
}

impl SmtpSink {
    /// Starts on a free port.
    pub fn start() -> Self {
        Self::start_on(free_port())
    }

    /// Starts on `port` (one a test chose earlier, to start the server late).
    pub fn start_on(port: u16) -> Self {
        let dir = std::env::temp_dir().join(format!("rollcall-smtp-{}", uuid::Uuid::new_v4()));
        Self::start_in(port, dir)
    }

    fn start_in(port: u16, dir: PathBuf) -> Self {
        let (child, stdin) = spawn_peer("smtp_sink.py", port, &dir);
        Self {
            child,
            _stdin: stdin,
            port,
            dir,
        }
    }

    /// `smtp://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Steers what it answers from now on (see `tests/peers/smtp_sink.py`).
    pub fn control(&self, control: Value) {
        std::fs::write(self.dir.join("control.json"), control.to_string()).expect("written");
    }

    /// Every message accepted so far, in the order accepted.
    pub fn received(&self) -> Vec<Received> {
        records(&self.dir, |n| n.starts_with("message-"), "a message record")
            .into_iter()
            .map(|v| Received {
                rcpt_tos: serde_json::from_value(v["rcpt_tos"].clone()).unwrap(),
                message_id: v["message_id"].as_str().unwrap_or_default().to_owned(),
                data: v["data"].as_str().unwrap_or_default().to_owned(),
            })
            .collect()
    }

    /// Waits until at least `n` messages arrived; panics after `limit`.
    pub async fn wait_for(&self, n: usize, limit: Duration) -> Vec<Received> {
        let until = Instant::now() + limit;
        loop {
            let got = self.received();
            if got.len() >= n || Instant::now() > until {
                assert!(
                    got.len() >= n,
                    "{} of {n} emails arrived within {limit:?}",
                    got.len()
                );
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        stop_peer(&mut self.child, &self.dir);
    }
}

/// One request the webhook receiver got.
#[derive(Debug, Clone)]
pub struct Hook {
    /// The endpoint (the URL's path without `/`).
    pub endpoint: String,
    pub id: String,
    pub timestamp: i64,
    pub signature: String,
    pub body: Value,
    /// Whether the `standardwebhooks` package verified it with each secret of the control file,
    /// in order.
    pub verified: Vec<bool>,
    /// Which attempt of this `webhook-id` at this endpoint it was (1 for the first).
    pub attempt: u32,
    /// The status it was answered.
    pub answered: u16,
}

/// A webhook receiver on loopback (`tests/peers/webhook_receiver.py`): endpoints are paths,
/// every request is verified with the `standardwebhooks` package and kept.
pub struct HookReceiver {
    child: Child,
    _stdin: ChildStdin,
    pub port: u16,
    pub dir: PathBuf,
}

impl HookReceiver {
    pub fn start() -> Self {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("rollcall-hooks-{}", uuid::Uuid::new_v4()));
        let (child, stdin) = spawn_peer("webhook_receiver.py", port, &dir);
        Self {
            child,
            _stdin: stdin,
            port,
            dir,
        }
    }

    /// The URL of endpoint `name`.
    pub fn url(&self, name: &str) -> String {
        format!("http://127.0.0.1:{}/{name}", self.port)
    }

    /// Steers what it answers from now on (see `tests/peers/webhook_receiver.py`).
    pub fn control(&self, control: Value) {
        let tmp = self.dir.join("control.json.tmp");
        std::fs::write(&tmp, control.to_string()).expect("written");
        std::fs::rename(tmp, self.dir.join("control.json")).expect("renamed");
    }

    /// Registers, through `client`, an endpoint of `org` at `name` for `invitation.created`,
    /// and has it verify with that endpoint's secret and answer after `delay_ms`.
    pub async fn register_for_invitations(
        &self,
        client: &rollcall_client::Client,
        org: uuid::Uuid,
        name: &str,
        delay_ms: u64,
    ) {
        use rollcall_client::types;
        let hook = client
            .webhook_create()
            .organization_id(org)
            .body(
                types::CreateWebhookRequest::builder()
                    .url(self.url(name))
                    .events(Some(vec![types::WebhookEventType::InvitationCreated])),
            )
            .send()
            .await
            .expect("endpoint registered")
            .into_inner();
        self.control(serde_json::json!({
            "endpoints": {name: {"secrets": [hook.secret], "delay_ms": delay_ms}}
        }));
    }

    /// Every request so far, in the order they arrived.
    pub fn received(&self) -> Vec<Hook> {
        let named = |n: &str| n.starts_with(|c: char| c.is_ascii_digit());
        records(&self.dir, named, "a request record")
            .into_iter()
            .map(|v| {
                let header =
                    |name: &str| v["headers"][name].as_str().unwrap_or_default().to_owned();
                Hook {
                    endpoint: v["path"].as_str().unwrap_or_default().to_owned(),
                    id: header("webhook-id"),
                    timestamp: header("webhook-timestamp").parse().unwrap_or_default(),
                    signature: header("webhook-signature"),
                    body: v["body"].clone(),
                    verified: serde_json::from_value(v["verified"].clone()).unwrap_or_default(),
                    attempt: v["attempt"].as_u64().unwrap_or_default() as u32,
                    answered: v["answered"].as_u64().unwrap_or_default() as u16,
                }
            })
            .collect()
    }

    /// Waits until `done` holds of what arrived; panics after `limit`, saying what did arrive.
    pub async fn wait_until(
        &self,
        limit: Duration,
        what: &str,
        done: impl Fn(&[Hook]) -> bool,
    ) -> Vec<Hook> {
        let until = Instant::now() + limit;
        loop {
            let got = self.received();
            if done(&got) {
                return got;
            }
            assert!(
                Instant::now() < until,
                "{what} did not happen within {limit:?}; received: {:#?}",
                got.iter()
                    .map(|h| (&h.endpoint, &h.id, h.body["type"].as_str(), h.answered))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for HookReceiver {
    fn drop(&mut self) {
        stop_peer(&mut self.child, &self.dir);
    }
}
