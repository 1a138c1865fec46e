//! Bearer and session checks: missing or bad credentials are 401 whichever header it is; a
//! valid caller without the right is 403.

use rollcall::auth::{BearerClaims, SessionClaims};
use rollcall_client::types;
use serde_json::json;

use crate::helpers::{TestApp, Who, problem};

fn seed_000_body() -> types::InviteUserOrganizationRequest {
    serde_json::from_value(json!({"firstName": "John", "lastName": "Doe", "email": "test@mail.com", "permissions": {"group": 0}})).unwrap()
}

async fn org_with_admin(app: &TestApp) -> (i64, i64) {
    let (org, _) = app.organization("Acme").await;
    let admin = app.user("admin@acme.example").await;
    app.register(admin, org, 1, &[]).await;
    (org, admin)
}

#[actix_web::test]
async fn every_operation_needing_a_bearer_answers_401_without_one() {
    let app = TestApp::spawn().await;
    let (org, admin) = org_with_admin(&app).await;
    let anon = app.anonymous();
    let session = app.session(admin, Some(org));
    let uuid = uuid::Uuid::new_v4();
    let results = [
        problem(
            anon.ad_user_invite()
                .x_session_token(session.clone())
                .body(seed_000_body())
                .send()
                .await,
        )
        .0,
        problem(
            anon.bo_user_view()
                .user_id(1)
                .x_session_token(session.clone())
                .send()
                .await,
        )
        .0,
        problem(
            anon.bo_organization_view()
                .organization_id(1)
                .x_session_token(session.clone())
                .send()
                .await,
        )
        .0,
        problem(anon.organization_view().organization_id(uuid).send().await).0,
        problem(
            anon.organization_create()
                .body(types::CreateOrganizationRequest::builder().name("X"))
                .send()
                .await,
        )
        .0,
        problem(
            anon.invitation_create()
                .organization_id(uuid)
                .body(
                    types::InviteRequest::builder()
                        .email("a@example.com")
                        .role(types::Role::Member),
                )
                .send()
                .await,
        )
        .0,
    ];
    assert_eq!(results, [401; 6]);
    assert_eq!(
        app.anonymous()
            .health_view()
            .send()
            .await
            .unwrap()
            .into_inner()
            .status,
        "ok"
    );
}

#[actix_web::test]
async fn forged_expired_and_unsigned_bearers_answer_401() {
    let app = TestApp::spawn().await;
    let (org, admin) = org_with_admin(&app).await;
    let header = r#"{"alg":"none","typ":"JWT"}"#;
    let payload = format!(r#"{{"sub":"{admin}","exp":{}}}"#, app.now_ts() + 3600);
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
    let unsigned = format!("{}.{}.", B64.encode(header), B64.encode(payload));
    let expired = app.bearer_claims(BearerClaims {
        sub: domain::UserId::parse(admin).unwrap(),
        exp: app.now_ts() - 1,
        email: None,
        email_verified: None,
        given_name: None,
        family_name: None,
        roles: vec![],
    });
    let wrong_key = {
        let keys = rollcall::auth::Keys::hs256("another-secret");
        let claims = BearerClaims {
            exp: app.now_ts() + 3600,
            ..serde_json::from_value(json!({"sub": admin, "exp": 0})).unwrap()
        };
        rollcall::auth::Minter(&keys).bearer(&claims).unwrap()
    };
    for (what, token) in [
        ("alg none", unsigned),
        ("expired", expired),
        ("wrong key", wrong_key),
        ("garbage", "garbage".into()),
    ] {
        let client = rollcall_client::with_bearer(&app.base, &token);
        let (status, p) = problem(
            client
                .ad_user_invite()
                .x_session_token(app.session(admin, Some(org)))
                .body(seed_000_body())
                .send()
                .await,
        );
        assert_eq!(status, 401, "{what}: {}", p.detail);
    }
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
    let client = rollcall_client::with_bearer(&app.base, &app.bearer_claims(bearer));
    let res = client
        .ad_user_invite()
        .x_session_token(app.session_claims(session))
        .body(seed_000_body())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
}

#[actix_web::test]
async fn a_missing_expired_or_foreign_session_answers_401() {
    let app = TestApp::spawn().await;
    let (org, admin) = org_with_admin(&app).await;
    let client = app.client(&Who::user(admin));
    let expired = app.session_claims(SessionClaims {
        user_id: domain::UserId::parse(admin).unwrap(),
        session_id: json!(1),
        iat: app.now_ts() - 100,
        exp: app.now_ts() - 1,
        organization_id: Some(domain::OrganizationId::parse(org).unwrap()),
    });
    for (what, session) in [
        ("another user's", app.session(admin + 1, Some(org))),
        ("expired", expired),
        ("garbage", "x.y.z".into()),
        ("forged with another key", {
            let claims: SessionClaims = serde_json::from_value(json!({
                "userId": admin, "sessionId": "s", "iat": app.now_ts(), "exp": app.now_ts() + 60, "organizationId": org
            }))
            .unwrap();
            rollcall::auth::Minter(&rollcall::auth::Keys::hs256("not-the-server-secret"))
                .session(&claims)
                .unwrap()
        }),
    ] {
        let (status, _) = problem(
            client
                .ad_user_invite()
                .x_session_token(session)
                .body(seed_000_body())
                .send()
                .await,
        );
        assert_eq!(status, 401, "{what} session");
    }
}

#[actix_web::test]
async fn a_session_for_an_organization_the_caller_is_not_in_is_refused() {
    let app = TestApp::spawn().await;
    let (_, admin) = org_with_admin(&app).await;
    let (other_org, _) = app.organization("Other").await;
    let before = app.counts().await;
    let (status, p) = problem(
        app.client(&Who::user(admin))
            .ad_user_invite()
            .x_session_token(app.session(admin, Some(other_org)))
            .body(seed_000_body())
            .send()
            .await,
    );
    assert_eq!(status, 403, "{}", p.detail);
    let (status, _) = problem(
        app.client(&Who::user(admin))
            .ad_user_invite()
            .x_session_token(app.session(admin, None))
            .body(seed_000_body())
            .send()
            .await,
    );
    assert_eq!(
        status, 403,
        "a session with no organization cannot act on /ad/"
    );
    assert_eq!(app.counts().await, before);
}

#[actix_web::test]
async fn the_back_office_answers_403_to_a_caller_without_the_backoffice_role() {
    let app = TestApp::spawn().await;
    let (org, admin) = org_with_admin(&app).await;
    let client = app.client(&Who::user(admin));
    let session = app.session(admin, Some(org));
    let before = app.counts().await;
    let (s1, _) = problem(
        client
            .bo_user_view()
            .user_id(admin)
            .x_session_token(session.clone())
            .send()
            .await,
    );
    let (s2, _) = problem(
        client
            .bo_organization_view()
            .organization_id(org)
            .x_session_token(session.clone())
            .send()
            .await,
    );
    let (s3, _) = problem(
        client
            .bo_user_organization_register()
            .user_id(admin)
            .organization_id(org)
            .x_session_token(session.clone())
            .body(
                types::RegisterUserOrganizationRequest::builder()
                    .scope(types::Scope::try_from(1).unwrap())
                    .permissions(types::PermissionsInput::builder().group(0)),
            )
            .send()
            .await,
    );
    let (s4, _) = problem(
        client
            .bo_organization_create()
            .x_session_token(session)
            .body(types::CreateOrganizationRequest::builder().name("X"))
            .send()
            .await,
    );
    assert_eq!([s1, s2, s3, s4], [403; 4]);
    assert_eq!(app.counts().await, before);
}

#[actix_web::test]
async fn a_bearer_gets_a_session_for_an_organization_it_belongs_to_and_uses_it() {
    let app = TestApp::spawn().await;
    let (org, admin) = org_with_admin(&app).await;
    let client = app.client(&Who::user(admin));
    let body = types::CreateSessionRequest {
        organization_id: org,
    };
    let session = client.session_create().body(body).send().await.unwrap();
    assert_eq!(session.status(), 201);
    let session = session.into_inner().data;
    assert_eq!(session.organization_id, org);
    let invited = client
        .ad_user_invite()
        .x_session_token(session.token)
        .body(seed_000_body())
        .send()
        .await
        .unwrap();
    assert_eq!(invited.status(), 201, "the issued session works on /ad/");
}

#[actix_web::test]
async fn no_session_is_issued_for_an_organization_the_caller_is_not_in() {
    let app = TestApp::spawn().await;
    let (_, admin) = org_with_admin(&app).await;
    let (other, _) = app.organization("Other").await;
    let client = app.client(&Who::user(admin));
    let (status, _) = problem(
        client
            .session_create()
            .body(types::CreateSessionRequest {
                organization_id: other,
            })
            .send()
            .await,
    );
    assert_eq!(status, 403);
    let (status, _) = problem(
        app.anonymous()
            .session_create()
            .body(types::CreateSessionRequest {
                organization_id: other,
            })
            .send()
            .await,
    );
    assert_eq!(status, 401);
}
