//! The contract as served: the drift check, `/openapi.json` and Swagger UI.

use utoipa::OpenApi;

use crate::helpers::TestApp;

#[test]
fn the_handlers_declare_exactly_the_document() {
    let handlers = serde_json::to_value(rollcall::ApiDoc::openapi()).unwrap();
    let differences = contract::drift(&handlers);
    assert!(differences.is_empty(), "{}", contract::report(&differences));
}

#[actix_web::test]
async fn openapi_json_serves_the_hand_maintained_document() {
    let app = TestApp::spawn().await;
    let http = reqwest::Client::new();
    let served: serde_json::Value = http
        .get(format!("{}/openapi.json", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(served, contract::document());
    assert_eq!(served["openapi"], "3.0.3");
}

#[actix_web::test]
async fn swagger_ui_is_served_from_the_binary_and_points_at_the_document() {
    let app = TestApp::spawn().await;
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = no_redirect
        .get(format!("{}/docs", app.base))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection());
    assert_eq!(r.headers()["location"], "/docs/");
    let http = reqwest::Client::new();
    let page = http
        .get(format!("{}/docs/", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("swagger-ui"));
    let init = http
        .get(format!("{}/docs/swagger-initializer.js", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(init.contains("/openapi.json"), "{init}");
    let bundle = http
        .get(format!("{}/docs/swagger-ui-bundle.js", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(bundle.status(), 200);
    assert!(
        bundle.bytes().await.unwrap().len() > 500_000,
        "the vendored bundle is served"
    );
}
