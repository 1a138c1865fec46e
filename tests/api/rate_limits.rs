//! The invitation quota: per organization, per fixed hour, counted in the database (so every
//! replica shares it). Past it, 429 problem+json with `Retry-After`, and nothing is created.

use chrono::Duration;
use rollcall_client::types;

use crate::helpers::{
    TestApp, Who, ad_invite, create_organization, invited, problem, quota, send_invite,
};

#[actix_web::test]
async fn invitations_past_the_hourly_quota_are_429_with_retry_after_and_create_nothing() {
    let (app, founder, org) = TestApp::spawn_founded_with(quota(3)).await;
    for i in 0..3 {
        send_invite(&founder, org.id, &format!("u{i}@example.com"))
            .await
            .expect("within the quota");
    }
    let before = app.counts().await;
    let res = app
        .post_json(
            &founder,
            &format!("/organization/{}/invite", org.id),
            br#"{"email":"u3@example.com","role":"member"}"#.to_vec(),
        )
        .await;
    assert_eq!(res.status, 429);
    let p = res.problem();
    assert!(p.detail.contains("invitations"), "{}", p.detail);
    let retry: i64 = res.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After is whole seconds");
    assert!((1..=3600).contains(&retry), "Retry-After {retry}");
    assert_eq!(
        app.counts().await,
        before,
        "a refused invitation creates nothing"
    );

    // The quota is the organization's: another one invites as usual.
    let other = app.client(&Who::verified(50, "ops@globex.example"));
    let globex = create_organization(&other, "Globex").await;
    send_invite(&other, globex.id, "u3@example.com")
        .await
        .expect("another organization has its own quota");

    // After the window, Acme may invite again.
    app.advance(Duration::seconds(retry));
    let founder = app.client(&Who::verified(1, "founder@acme.example"));
    send_invite(&founder, org.id, "u3@example.com")
        .await
        .expect("a new hour, a new quota");
}

#[actix_web::test]
async fn a_refused_invitation_does_not_use_the_quota() {
    let (_app, founder, org) = TestApp::spawn_founded_with(quota(2)).await;
    invited(&founder, org.id, "jane@example.com").await;
    for _ in 0..5 {
        let (status, _) = problem(send_invite(&founder, org.id, "jane@example.com").await);
        assert_eq!(status, 409, "a second pending invitation of one email");
    }
    send_invite(&founder, org.id, "joe@example.com")
        .await
        .expect("the 409s counted for nothing");
    let (status, _) = problem(send_invite(&founder, org.id, "jim@example.com").await);
    assert_eq!(status, 429);
}

#[actix_web::test]
async fn seed_000_invitations_count_against_the_same_quota() {
    let app = TestApp::spawn_with(quota(1)).await;
    let (org, _, admin) = app.org_with_user("Acme", "admin@acme.example", 1).await;
    let body = |email: &str| -> types::InviteUserOrganizationRequest {
        serde_json::from_value(serde_json::json!({
            "firstName": "John", "lastName": "Doe", "email": email, "permissions": {"group": 0}
        }))
        .unwrap()
    };
    let client = app.client(&Who::user(admin));
    let send = |email: &'static str| ad_invite(&client, app.session(admin, Some(org)), body(email));
    send("one@example.com").await.expect("within the quota");
    let before = app.counts().await;
    let (status, _) = problem(send("two@example.com").await);
    assert_eq!(status, 429);
    assert_eq!(app.counts().await, before);
}
