//! Bad requests, beyond what `hostile.rs` sends to every operation: a 422 names every invalid
//! field at once, a nested array where an object belongs is named, a charset parameter is
//! fine, a wrong method is a 405 with `Allow`, an unknown path a 404 problem, and every problem
//! carries its request id.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, Who, team_create};

/// An administrator of a fresh organization, with headers for `/ad/invite`.
async fn admin(app: &TestApp) -> (rollcall_client::Client, String, uuid::Uuid) {
    let (org, uuid, admin) = app.org_with_user("Acme", "admin@acme.example", 1).await;
    (
        app.client(&Who::user(admin)),
        app.session(admin, Some(org)),
        uuid,
    )
}

const INVITE: &str = "/users-organizations/v1/ad/invite";

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
        .post_json_with(
            &client,
            INVITE,
            &[("x-session-token", &session)],
            body.to_string(),
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
async fn a_nested_array_where_an_object_belongs_is_a_422_naming_the_field() {
    // serde reads a struct from an array of its fields: `"permissions": [0]` would be read as
    // `{"group": 0}`, and `[teamId, role]` as a team assignment.
    let app = TestApp::spawn().await;
    let (client, session, uuid) = admin(&app).await;
    let team = team_create(&client, uuid, "Platform")
        .await
        .unwrap()
        .into_inner()
        .id;
    let before = app.counts().await;
    let seed_000 =
        json!({"firstName": "J", "lastName": "D", "email": "j@example.com", "permissions": [0]});
    let seed_002 =
        json!({"email": "j@example.com", "role": "member", "teamAssignments": [[team, "viewer"]]});
    for (path, body, field) in [
        (INVITE.to_owned(), seed_000, "permissions"),
        (
            format!("/organization/{uuid}/invite"),
            seed_002,
            "teamAssignments.0",
        ),
    ] {
        let r = app
            .post_json_with(
                &client,
                &path,
                &[("x-session-token", &session)],
                body.to_string(),
            )
            .await;
        assert_eq!(r.status, 422, "{body}");
        let fields: Vec<String> = r.problem().errors.iter().map(|e| e.field.clone()).collect();
        assert_eq!(fields, [field], "{body}");
    }
    assert_eq!(app.counts().await, before);
}

#[actix_web::test]
async fn a_charset_parameter_on_the_json_media_type_is_accepted() {
    let app = TestApp::spawn().await;
    let (client, session, _) = admin(&app).await;
    let body = json!({"firstName": "J", "lastName": "D", "email": "j@example.com", "permissions": {"group": 0}});
    let r = app
        .raw(
            &client,
            Method::POST,
            INVITE,
            &[
                ("content-type", "application/json; charset=utf-8"),
                ("x-session-token", &session),
            ],
            Some(body.to_string().into_bytes()),
        )
        .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.bytes));
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
