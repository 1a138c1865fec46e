//! The back office beyond the seeds: finding users by email, a user's memberships, removing a
//! membership; and seed 000's promise of an invitation email in the outbox.

use rollcall_client::types;
use serde_json::json;

use crate::helpers::{
    PagedList, TestApp, Who, ad_invite, bo_remove_membership, first_page, problem,
};

#[actix_web::test]
async fn the_back_office_finds_a_user_by_email_case_insensitively() {
    let app = TestApp::spawn().await;
    let jane = app.user("jane@example.com").await;
    app.user("john@example.com").await;
    let (bo, session) = app.backoffice();
    for (email, expected) in [
        ("JANE@Example.com", vec![jane]),
        ("nobody@example.com", vec![]),
    ] {
        let found = first_page(
            bo.bo_user_list()
                .x_session_token(session.clone())
                .email(email),
        )
        .await;
        let ids: Vec<_> = found.iter().map(|u| u.id).collect();
        assert_eq!(ids, expected, "{email}");
    }
    let (all, next) = bo
        .bo_user_list()
        .x_session_token(session)
        .sized(1)
        .page()
        .await;
    assert_eq!(all.len(), 1);
    assert!(next.is_some(), "two users, pages of one");
}

#[actix_web::test]
async fn the_back_office_lists_and_removes_a_users_memberships() {
    let app = TestApp::spawn().await;
    let (a, _) = app.organization("A").await;
    let (b, _) = app.organization("B").await;
    let admin = app.user("admin@example.com").await;
    app.register(admin, a, 1, &[]).await;
    app.register(admin, b, 1, &[]).await;
    let jane = app.user("jane@example.com").await;
    app.register(jane, a, 2, &[]).await;
    app.register(jane, b, 2, &[]).await;
    let (bo, session) = app.backoffice();

    let removed = bo_remove_membership(&bo, &session, jane, a).await.unwrap();
    assert!(removed.into_inner().data.deleted_at.is_some());
    let listed = bo
        .bo_user_organization_list()
        .user_id(jane)
        .x_session_token(session.clone());
    let got: Vec<_> = first_page(listed)
        .await
        .iter()
        .map(|m| (m.organization_id, m.deleted_at.is_some()))
        .collect();
    assert_eq!(
        got,
        vec![(a, true), (b, false)],
        "deleted memberships are listed too"
    );

    assert_eq!(
        problem(bo_remove_membership(&bo, &session, jane, a).await).0,
        404,
        "already removed"
    );
    assert_eq!(
        problem(bo_remove_membership(&bo, &session, admin, b).await).0,
        409,
        "the last administrator of B"
    );
    assert_eq!(
        problem(
            bo.bo_user_organization_list()
                .user_id(jane + 100)
                .x_session_token(session.clone())
                .send()
                .await
        )
        .0,
        404
    );

    let stranger = app.client(&Who::user(admin));
    let own = app.session(admin, Some(a));
    assert_eq!(
        problem(
            stranger
                .bo_user_list()
                .x_session_token(own.clone())
                .send()
                .await
        )
        .0,
        403
    );
    assert_eq!(
        problem(bo_remove_membership(&stranger, &own, jane, b).await).0,
        403
    );
}

#[actix_web::test]
async fn seed_000_queues_the_you_were_added_email_in_the_outbox() {
    let app = TestApp::spawn().await;
    let (org, _, admin) = app.org_with_user("Acme", "admin@example.com", 1).await;
    let body: types::InviteUserOrganizationRequest = serde_json::from_value(json!({
        "firstName": "John", "lastName": "Doe", "email": "Test@Mail.com", "permissions": {"group": 0}
    }))
    .unwrap();
    let client = app.client(&Who::user(admin));
    ad_invite(&client, app.session(admin, Some(org)), body.clone())
        .await
        .unwrap();
    let queued = app
        .query::<String>(
            "SELECT kind || ' ' || recipient AS v FROM outbox_messages WHERE sent_at IS NULL",
        )
        .await;
    assert_eq!(queued, vec!["added test@mail.com".to_owned()]);
    // A refused invite (a live member already) promises nothing.
    assert_eq!(
        problem(ad_invite(&client, app.session(admin, Some(org)), body).await).0,
        409
    );
    assert_eq!(
        app.query::<i64>("SELECT COUNT(*) AS v FROM outbox_messages")
            .await[0],
        1
    );
}
