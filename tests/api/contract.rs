//! The contract as served: the drift check, `/openapi.json` and Swagger UI.

use utoipa::OpenApi;

use crate::helpers::{TestApp, http_get};

#[test]
fn the_handlers_declare_exactly_the_document() {
    let handlers = serde_json::to_value(rollcall::ApiDoc::openapi()).unwrap();
    let differences = contract::drift(&handlers);
    assert!(differences.is_empty(), "{}", contract::report(&differences));
}

#[actix_web::test]
async fn openapi_json_serves_the_hand_maintained_document() {
    let app = TestApp::spawn().await;
    let served: serde_json::Value = http_get(format!("{}/openapi.json", app.base))
        .await
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
    let page = http_get(format!("{}/docs/", app.base)).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("swagger-ui"));
    let init = http_get(format!("{}/docs/swagger-initializer.js", app.base))
        .await
        .text()
        .await
        .unwrap();
    assert!(init.contains("/openapi.json"), "{init}");
    let bundle = http_get(format!("{}/docs/swagger-ui-bundle.js", app.base)).await;
    assert_eq!(bundle.status(), 200);
    assert!(
        bundle.bytes().await.unwrap().len() > 500_000,
        "the vendored bundle is served"
    );
}

/// The document's nullable references (`oneOf: [$ref, {enum: [null]}]`) are `Option`s of the
/// referenced type in the generated Rust client, and `null` decodes as `None`.
#[test]
fn nullable_references_are_options_of_their_type_in_the_rust_client() {
    use rollcall_client::types;
    let lookup = serde_json::json!({
        "organizationId": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
        "organizationName": "Acme",
        "organizationRole": "member",
        "email": "jane@example.com",
        "status": "pending",
        "expiresAt": "2026-12-07T10:00:00Z",
        "inviter": null
    });
    let parsed: types::InvitationLookup = serde_json::from_value(lookup.clone()).unwrap();
    let inviter: Option<types::Inviter> = parsed.inviter;
    assert!(inviter.is_none());
    let mut with_inviter = lookup;
    with_inviter["inviter"] = serde_json::json!({"userId": 1, "firstName": "A", "lastName": "B"});
    let parsed: types::InvitationLookup = serde_json::from_value(with_inviter).unwrap();
    assert_eq!(parsed.inviter.map(|i| i.user_id), Some(1));

    let change: types::UpdateMembershipRequest =
        serde_json::from_value(serde_json::json!({"scope": null, "permissions": null})).unwrap();
    let (scope, permissions): (Option<types::Scope>, Option<types::PermissionsInput>) =
        (change.scope, change.permissions);
    assert!(scope.is_none() && permissions.is_none());
    let change: types::UpdateMemberRequest =
        serde_json::from_value(serde_json::json!({"role": "manager"})).unwrap();
    let role: Option<types::Role> = change.role;
    assert_eq!(role, Some(types::Role::Manager));
}
