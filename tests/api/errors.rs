//! Every kind of bad request answers its own status as RFC 9457 problem+json, and changes
//! nothing in the database.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, Who};

/// An administrator of a fresh organization, with headers for `/ad/invite`.
async fn admin(app: &TestApp) -> (rollcall_client::Client, String, uuid::Uuid) {
    let (org, uuid) = app.organization("Acme").await;
    let admin = app.user("admin@acme.example").await;
    app.register(admin, org, 1, &[]).await;
    (
        app.client(&Who::user(admin)),
        app.session(admin, Some(org)),
        uuid,
    )
}

const INVITE: &str = "/users-organizations/v1/ad/invite";
const JSON: (&str, &str) = ("content-type", "application/json");

#[actix_web::test]
async fn malformed_or_truncated_json_is_a_400() {
    let app = TestApp::spawn().await;
    let (client, session, _) = admin(&app).await;
    let before = app.counts().await;
    for body in [
        &b"{\"firstName\": "[..],
        b"not json",
        b"{\"a\":1} {}",
        b"\xff\xfe{}",
    ] {
        let r = app
            .raw(
                &client,
                Method::POST,
                INVITE,
                &[JSON, ("x-session-token", &session)],
                Some(body.to_vec()),
            )
            .await;
        assert_eq!(r.status, 400, "{:?}", String::from_utf8_lossy(body));
        assert!(r.problem().detail.contains("not valid JSON"));
    }
    assert_eq!(app.counts().await, before);
}

#[actix_web::test]
async fn an_invalid_field_is_a_422_naming_each_field() {
    let app = TestApp::spawn().await;
    let (client, session, _) = admin(&app).await;
    let before = app.counts().await;
    let body = json!({
        "firstName": "x".repeat(251),
        "lastName": "Doe",
        "email": "not-an-email",
        "permissions": {"group": 9007199254740992_i64, "read": [1, -9007199254740992_i64]}
    });
    let r = app
        .raw(
            &client,
            Method::POST,
            INVITE,
            &[JSON, ("x-session-token", &session)],
            Some(body.to_string().into_bytes()),
        )
        .await;
    assert_eq!(r.status, 422);
    let fields: Vec<String> = r.problem().errors.iter().map(|e| e.field.clone()).collect();
    assert_eq!(
        fields,
        [
            "firstName",
            "email",
            "permissions.group",
            "permissions.read.1"
        ]
    );
    assert_eq!(app.counts().await, before);
}

#[actix_web::test]
async fn a_well_formed_body_of_the_wrong_shape_is_a_422() {
    let app = TestApp::spawn().await;
    let (client, session, uuid) = admin(&app).await;
    let cases = [
        (INVITE, json!([]), "body"),
        (
            INVITE,
            json!({"firstName": "J", "lastName": "D", "email": "j@example.com"}),
            "permissions",
        ),
        (
            INVITE,
            json!({"firstName": 1, "lastName": "D", "email": "j@example.com", "permissions": {"group": 0}}),
            "firstName",
        ),
        (
            INVITE,
            json!({"firstName": "J", "lastName": "D", "email": "j@example.com", "permissions": {"group": 1.5}}),
            "permissions.group",
        ),
        (
            INVITE,
            json!({"firstName": "J", "lastName": "D", "email": null, "permissions": {"group": 0}}),
            "email",
        ),
    ];
    for (path, body, field) in cases {
        let r = app
            .raw(
                &client,
                Method::POST,
                path,
                &[JSON, ("x-session-token", &session)],
                Some(body.to_string().into_bytes()),
            )
            .await;
        assert_eq!(r.status, 422, "{body}");
        assert_eq!(r.problem().errors[0].field, field, "{body}");
    }
    let r = app
        .raw(
            &client,
            Method::POST,
            &format!("/organization/{uuid}/invite"),
            &[JSON],
            Some(
                json!({"email": "j@example.com", "role": "owner"})
                    .to_string()
                    .into_bytes(),
            ),
        )
        .await;
    assert_eq!(r.status, 422, "an unknown enum value");
    assert_eq!(r.problem().errors[0].field, "role");
    // A body whose fields are all optional is still an object: an array or a number is not an
    // empty change.
    let before = app.counts().await;
    for body in ["[]", "[null]", "0", "\"x\""] {
        let r = app
            .raw(
                &client,
                Method::PATCH,
                "/users-organizations/v1/ad/users/1",
                &[JSON, ("x-session-token", &session)],
                Some(body.as_bytes().to_vec()),
            )
            .await;
        assert_eq!(r.status, 422, "{body}");
        assert_eq!(r.problem().errors[0].field, "body", "{body}");
    }
    assert_eq!(app.counts().await, before);
    let r = app
        .raw(
            &client,
            Method::POST,
            &format!("/organization/{uuid}/invite"),
            &[JSON],
            Some(
                json!({"email": "j@example.com", "role": "member", "expiresInSeconds": 60})
                    .to_string()
                    .into_bytes(),
            ),
        )
        .await;
    assert_eq!(r.status, 422, "a lifetime under an hour");
    assert_eq!(r.problem().errors[0].field, "expiresInSeconds");
}

#[actix_web::test]
async fn a_body_over_64_kib_is_a_413() {
    let app = TestApp::spawn().await;
    let (client, session, _) = admin(&app).await;
    let big = json!({"firstName": "x".repeat(70_000), "lastName": "D", "email": "j@example.com", "permissions": {"group": 0}});
    let r = app
        .raw(
            &client,
            Method::POST,
            INVITE,
            &[JSON, ("x-session-token", &session)],
            Some(big.to_string().into_bytes()),
        )
        .await;
    assert_eq!(r.status, 413);
    r.problem();
}

#[actix_web::test]
async fn a_body_that_is_not_json_is_a_415() {
    let app = TestApp::spawn().await;
    let (client, session, _) = admin(&app).await;
    let body = json!({"firstName": "J", "lastName": "D", "email": "j@example.com", "permissions": {"group": 0}}).to_string().into_bytes();
    for headers in [vec![("content-type", "text/plain")], vec![]] {
        let mut h = headers.clone();
        h.push(("x-session-token", &session));
        let r = app
            .raw(&client, Method::POST, INVITE, &h, Some(body.clone()))
            .await;
        assert_eq!(r.status, 415, "{headers:?}");
        r.problem();
    }
    let r = app
        .raw(
            &client,
            Method::POST,
            INVITE,
            &[
                ("content-type", "application/json; charset=utf-8"),
                ("x-session-token", &session),
            ],
            Some(body),
        )
        .await;
    assert_eq!(r.status, 201, "a charset parameter is fine");
}

#[actix_web::test]
async fn malformed_and_out_of_range_path_parameters_are_a_400() {
    let app = TestApp::spawn().await;
    let (bo, session) = app.backoffice();
    for path in [
        "/organization/not-a-uuid",
        "/organization/1234/invite",
        "/users-organizations/v1/bo/users/abc",
        "/users-organizations/v1/bo/users/1.5",
        "/users-organizations/v1/bo/users/9007199254740992",
        "/users-organizations/v1/bo/organizations/-9007199254740992",
        "/users-organizations/v1/bo/users/99999999999999999999999",
    ] {
        let method = if path.ends_with("/invite") {
            Method::POST
        } else {
            Method::GET
        };
        let r = app
            .raw(
                &bo,
                method,
                path,
                &[JSON, ("x-session-token", &session)],
                Some(b"{}".to_vec()),
            )
            .await;
        assert_eq!(r.status, 400, "{path}");
        r.problem();
    }
}

#[actix_web::test]
async fn a_wrong_method_is_a_405_naming_the_allowed_ones() {
    let app = TestApp::spawn().await;
    let client = app.anonymous();
    for (method, path, allow) in [
        (Method::GET, INVITE, "POST"),
        (Method::DELETE, "/healthz", "GET"),
        (Method::PUT, "/organization", "POST"),
        (
            Method::POST,
            "/organization/550e8400-e29b-41d4-a716-446655440000",
            "GET",
        ),
    ] {
        let r = app.raw(&client, method.clone(), path, &[], None).await;
        assert_eq!(r.status, 405, "{method} {path}");
        assert_eq!(r.headers["allow"], allow);
        r.problem();
    }
}

#[actix_web::test]
async fn an_unknown_path_is_a_404_problem() {
    let app = TestApp::spawn().await;
    let r = app
        .raw(&app.anonymous(), Method::GET, "/nowhere", &[], None)
        .await;
    assert_eq!(r.status, 404);
    assert!(r.problem().detail.contains("/nowhere"));
}

#[actix_web::test]
async fn every_problem_carries_the_request_id_of_its_answer() {
    let app = TestApp::spawn().await;
    let r = app
        .raw(
            &app.anonymous(),
            Method::GET,
            "/nowhere",
            &[("x-request-id", "trace-abc-123")],
            None,
        )
        .await;
    assert_eq!(r.headers["x-request-id"], "trace-abc-123");
    assert_eq!(r.problem().request_id, "trace-abc-123");
    let r = app
        .raw(&app.anonymous(), Method::GET, "/nowhere", &[], None)
        .await;
    let id = r.headers["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(r.problem().request_id, id);
    assert_eq!(id.len(), 36, "a fresh uuid");
}
