//! Bearer and session checks beyond the matrix of `forged.rs` (which forges every credential of
//! every operation): ids in claims may be strings or numbers, a session naming no organization
//! cannot act on `/ad/` paths, and a session issued by `POST /users-organizations/v1/sessions`
//! works there.

use app::{BearerClaims, SessionClaims};
use rollcall_client::types;
use serde_json::json;

use crate::helpers::{TestApp, Who, ad_invite, problem};

fn seed_000_body() -> types::InviteUserOrganizationRequest {
    serde_json::from_value(json!({"firstName": "John", "lastName": "Doe", "email": "test@mail.com", "permissions": {"group": 0}})).unwrap()
}

async fn org_with_admin(app: &TestApp) -> (i64, i64) {
    let (org, _, admin) = app.org_with_user("Acme", "admin@acme.example", 1).await;
    (org, admin)
}

#[actix_web::test]
async fn ids_in_claims_may_be_strings_or_numbers() {
    let app = TestApp::spawn().await;
    let (org, admin) = org_with_admin(&app).await;
    let bearer: BearerClaims =
        serde_json::from_value(json!({"sub": admin.to_string(), "exp": app.now_ts() + 60}))
            .unwrap();
    let session: SessionClaims = serde_json::from_value(json!({
        "userId": admin, "sessionId": "abcdef123456", "iat": app.now_ts(), "exp": app.now_ts() + 60, "organizationId": org.to_string()
    }))
    .unwrap();
    let client =
        rollcall_client::with_bearer(&app.client_base, &app.bearer_claims(bearer)).unwrap();
    let res = ad_invite(&client, app.session_claims(session), seed_000_body())
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
}

#[actix_web::test]
async fn a_session_naming_no_organization_cannot_act_on_the_ad_paths() {
    let app = TestApp::spawn().await;
    let (_, admin) = org_with_admin(&app).await;
    let before = app.counts().await;
    let (status, p) = problem(
        ad_invite(
            &app.client(&Who::user(admin)),
            app.session(admin, None),
            seed_000_body(),
        )
        .await,
    );
    assert_eq!(status, 403, "{}", p.detail);
    assert_eq!(app.counts().await, before);
}

#[actix_web::test]
async fn a_bearer_gets_a_session_for_an_organization_it_belongs_to_and_uses_it() {
    let app = TestApp::spawn().await;
    let (org, admin) = org_with_admin(&app).await;
    let client = app.client(&Who::user(admin));
    let body = types::CreateSessionRequest {
        organization_id: Some(org),
    };
    let session = client.session_create().body(body).send().await.unwrap();
    assert_eq!(session.status(), 201);
    let session = session.into_inner().data;
    assert_eq!(session.organization_id, Some(org));
    let invited = ad_invite(&client, session.token, seed_000_body())
        .await
        .unwrap();
    assert_eq!(invited.status(), 201, "the issued session works on /ad/");
}
