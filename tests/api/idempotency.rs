//! `Idempotency-Key` on creating POSTs: replays of the first answer, 422 for another body, a
//! refused request that leaves the key free, scope per caller, 24 hours, exactly one creation
//! under concurrent retries, and invitation tokens that are rotated rather than stored.

use chrono::Duration;
use rollcall_client::{Client, types};

use crate::helpers::{
    TestApp, Who, bo_create_user, create_organization_keyed, delete_member, problem, revoke,
    set_role, view_invitation,
};

/// A fresh server whose back office (its client and session, answered) created the profile
/// jane@example.com under the Idempotency-Key `key`.
async fn jane_created_under(key: &str) -> (TestApp, Client, String) {
    let app = TestApp::spawn().await;
    let (bo, session) = app.backoffice();
    bo_create_user(&bo, &session, "jane@example.com", Some(key))
        .await
        .expect("jane created");
    (app, bo, session)
}

#[actix_web::test]
async fn the_same_key_and_body_replay_the_first_answer_and_create_nothing_more() {
    let app = TestApp::spawn().await;
    let (bo, session) = app.backoffice();
    let send = || bo_create_user(&bo, &session, "jane@example.com", Some("key-1"));
    let first = send().await.unwrap();
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("idempotency-replayed").is_none());
    let first = first.into_inner().data;
    let again = send().await.unwrap();
    assert_eq!(again.status(), 201, "the first status again");
    assert_eq!(again.headers()["idempotency-replayed"], "true");
    assert_eq!(again.into_inner().data.id, first.id);
    assert_eq!(app.counts().await[0], 1, "one user");
}

#[actix_web::test]
async fn the_same_key_with_another_body_is_a_422_and_changes_nothing() {
    let (app, bo, session) = jane_created_under("key-1").await;
    let (status, p) =
        problem(bo_create_user(&bo, &session, "john@example.com", Some("key-1")).await);
    assert_eq!(status, 422);
    assert_eq!(
        p.type_,
        "https://rollcall.dev/problems/idempotency-key-reused"
    );
    assert_eq!(app.counts().await[0], 1);
}

#[actix_web::test]
async fn a_refused_request_leaves_its_key_free_for_the_corrected_one() {
    let app = TestApp::spawn().await;
    let (bo, session) = app.backoffice();
    // The generated client checks the email pattern itself: the refused body goes raw.
    let refused = app
        .post_json_with(
            &bo,
            "/users-organizations/v1/bo/users",
            &[("x-session-token", &session), ("idempotency-key", "key-1")],
            br#"{"email": "not-an-email", "firstName": "J", "lastName": "D"}"#.to_vec(),
        )
        .await;
    assert_eq!(refused.status, 422);
    assert_eq!(refused.problem().errors[0].field, "email");
    let corrected = bo_create_user(&bo, &session, "jane@example.com", Some("key-1"))
        .await
        .unwrap();
    assert_eq!(corrected.status(), 201, "not a 422 for another body");
    assert!(corrected.headers().get("idempotency-replayed").is_none());
    assert_eq!(app.counts().await[0], 1);
}

#[actix_web::test]
async fn a_key_belongs_to_its_caller_and_path() {
    let (app, _, _) = jane_created_under("shared").await;
    let other = app.client(&Who::backoffice(9001));
    let session = app.session(9001, None);
    let theirs = bo_create_user(&other, &session, "john@example.com", Some("shared"))
        .await
        .unwrap();
    assert_eq!(theirs.status(), 201);
    assert!(
        theirs.headers().get("idempotency-replayed").is_none(),
        "another caller's key is another key"
    );
    assert_eq!(app.counts().await[0], 2);
}

async fn create_org(c: &rollcall_client::Client) -> types::Organization {
    create_organization_keyed(c, "org-key", "Acme")
        .await
        .unwrap()
        .into_inner()
}

#[actix_web::test]
async fn an_answer_is_kept_for_24_hours() {
    let app = TestApp::spawn().await;
    let founder = app.client(&Who::verified(1, "founder@example.com"));
    let first = create_org(&founder).await;
    app.advance(Duration::hours(23));
    let founder = app.client(&Who::verified(1, "founder@example.com"));
    assert_eq!(create_org(&founder).await.id, first.id);
    app.advance(Duration::hours(2));
    let founder = app.client(&Who::verified(1, "founder@example.com"));
    assert_ne!(
        create_org(&founder).await.id,
        first.id,
        "after 24 hours the key is new again"
    );
    assert_eq!(app.counts().await[1], 2);
}

#[actix_web::test]
async fn a_replayed_invitation_carries_a_new_token_and_no_token_is_ever_stored() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let invite = || invite_jane(&founder, org.id, None);
    let first = invite().await.unwrap().into_inner();
    let replayed = invite().await.unwrap();
    assert_eq!(replayed.headers()["idempotency-replayed"], "true");
    let replayed = replayed.into_inner();
    assert_eq!(replayed.id, first.id, "the same invitation");
    assert_ne!(replayed.token, first.token, "a new token");
    assert_eq!(replayed.token.len(), 43);
    let anon = app.anonymous();
    let lookup = |t: &str| {
        anon.invitation_lookup()
            .body(types::InvitationTokenRequest::builder().token(t.to_owned()))
            .send()
    };
    assert_eq!(
        problem(lookup(&first.token).await).0,
        404,
        "the first token died"
    );
    assert_eq!(lookup(&replayed.token).await.unwrap().status(), 200);
    let stored = app.database_bytes().await;
    for t in [&first.token, &replayed.token] {
        assert!(
            !stored.windows(t.len()).any(|w| w == t.as_bytes()),
            "a raw token is in the database"
        );
    }
    assert_eq!(app.counts().await[3], 1, "one invitation");
}

#[actix_web::test]
async fn concurrent_retries_with_one_key_create_exactly_once() {
    let app = TestApp::spawn().await;
    let (bo, session) = app.backoffice();
    let attempts = (0..20).map(|_| {
        bo.bo_organization_create()
            .x_session_token(session.clone())
            .idempotency_key("one-org")
            .body(types::CreateOrganizationRequest::builder().name("Acme"))
            .send()
    });
    let results = futures_util::future::join_all(attempts).await;
    let mut ids = Vec::new();
    for r in results {
        match r {
            Ok(ok) => ids.push(ok.into_inner().data.id),
            Err(rollcall_client::Error::ErrorResponse(rv)) => {
                assert_eq!(rv.status(), 409, "a retry while the first runs")
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "every success is the same organization");
    assert_eq!(app.counts().await[1], 1, "one organization");
}

#[actix_web::test]
async fn a_malformed_key_is_a_400() {
    let app = TestApp::spawn().await;
    let founder = app.client(&Who::verified(1, "founder@example.com"));
    for key in ["has space", &"k".repeat(256)] {
        let r = app
            .post_json_with(
                &founder,
                "/organization",
                &[("idempotency-key", key)],
                br#"{"name":"A"}"#.to_vec(),
            )
            .await;
        assert_eq!(r.status, 400, "{key}");
        r.problem();
    }
    assert_eq!(app.counts().await[1], 0);
}

/// A manager (user 2) of the founder's organization, and its client.
async fn manager_of(app: &TestApp, founder: &Client, org: uuid::Uuid) -> Client {
    app.join_as(
        founder,
        org,
        2,
        "manager@acme.example",
        types::Role::Manager,
    )
    .await
}

/// A founded organization (see [`TestApp::spawn_founded`]) whose manager (user 2, see
/// [`manager_of`]) invited jane with the key `jane-once`; the manager's client and the invitation.
async fn jane_invited_by_a_manager() -> (
    TestApp,
    Client,
    types::Organization,
    Client,
    types::InvitationWithToken,
) {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let manager = manager_of(&app, &founder, org.id).await;
    let sent = jane_invited(&manager, org.id, None).await;
    (app, founder, org, manager, sent)
}

/// `inviter` invites jane with the key `jane-once`, which must succeed; returns the invitation.
async fn jane_invited(
    inviter: &Client,
    org: uuid::Uuid,
    expires_in: Option<i64>,
) -> types::InvitationWithToken {
    invite_jane(inviter, org, expires_in)
        .await
        .expect("invited")
        .into_inner()
}

/// `inviter` invites jane with the key `jane-once`.
async fn invite_jane(
    inviter: &Client,
    org: uuid::Uuid,
    expires_in: Option<i64>,
) -> Result<
    rollcall_client::ResponseValue<types::InvitationWithToken>,
    rollcall_client::Error<types::Problem>,
> {
    inviter
        .invitation_create()
        .organization_id(org)
        .idempotency_key("jane-once")
        .body(
            types::InviteRequest::builder()
                .email("jane@example.com")
                .role(types::Role::Member)
                .expires_in_seconds(expires_in),
        )
        .send()
        .await
}

/// The status an invitation token looks up as, or the lookup's HTTP status when it fails.
async fn looks_up_as(app: &TestApp, token: &str) -> Result<types::InvitationStatus, u16> {
    match app
        .anonymous()
        .invitation_lookup()
        .body(types::InvitationTokenRequest::builder().token(token.to_owned()))
        .send()
        .await
    {
        Ok(found) => Ok(found.into_inner().status),
        Err(e) => Err(problem::<()>(Err(e)).0),
    }
}

#[actix_web::test]
async fn a_replay_by_a_removed_manager_is_refused_and_rotates_nothing() {
    let (app, founder, org, manager, sent) = jane_invited_by_a_manager().await;
    delete_member(&founder, org.id, 2).await.unwrap();
    let (status, p) = problem(invite_jane(&manager, org.id, None).await);
    assert_eq!(status, 404, "{}", p.detail);
    assert_eq!(
        looks_up_as(&app, &sent.token).await,
        Ok(types::InvitationStatus::Pending),
        "the token jane holds still works"
    );
    assert_eq!(
        app.query::<i64>("SELECT COUNT(*) AS v FROM invitations WHERE email = 'jane@example.com'")
            .await,
        [1],
        "one invitation to jane"
    );
}

#[actix_web::test]
async fn a_replay_by_a_demoted_manager_is_refused_and_rotates_nothing() {
    let (app, founder, org, manager, sent) = jane_invited_by_a_manager().await;
    set_role(&founder, org.id, 2, types::Role::Member)
        .await
        .unwrap();
    let (status, p) = problem(invite_jane(&manager, org.id, None).await);
    assert_eq!(status, 403, "{}", p.detail);
    assert_eq!(
        looks_up_as(&app, &sent.token).await,
        Ok(types::InvitationStatus::Pending)
    );
}

#[actix_web::test]
async fn a_replay_never_revives_an_expired_invitation() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let sent = jane_invited(&founder, org.id, Some(3600)).await;
    app.advance(Duration::hours(2));
    // The founder's bearer expired with the clock: a fresh one, the same caller.
    let founder = app.client(&Who::verified(1, "founder@acme.example"));
    let (status, p) = problem(invite_jane(&founder, org.id, Some(3600)).await);
    assert_eq!(status, 409, "{}", p.detail);
    assert_eq!(
        p.invitation_id,
        Some(sent.id),
        "the problem names the invitation"
    );
    assert!(p.detail.contains("expired"), "{}", p.detail);
    let view = view_invitation(&founder, org.id, sent.id)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(view.status, types::InvitationStatus::Expired);
    assert_eq!(view.expires_at, sent.expires_at, "no new expiry");
    assert_eq!(
        looks_up_as(&app, &sent.token).await,
        Ok(types::InvitationStatus::Expired),
        "the token was not rotated"
    );
}

#[actix_web::test]
async fn a_replay_of_a_finished_invitation_names_it_and_changes_nothing() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let sent = jane_invited(&founder, org.id, None).await;
    revoke(&founder, org.id, sent.id).await.unwrap();
    let (status, p) = problem(invite_jane(&founder, org.id, None).await);
    assert_eq!(status, 409);
    assert_eq!(p.invitation_id, Some(sent.id));
    assert!(p.detail.contains("revoked"), "{}", p.detail);
    assert_eq!(
        looks_up_as(&app, &sent.token).await,
        Ok(types::InvitationStatus::Revoked)
    );
}
