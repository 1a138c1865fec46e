//! `/me/…`: a caller's own organizations and the invitations waiting for its verified email.

use chrono::Duration;
use rollcall_client::types;

use crate::helpers::{
    TestApp, Who, create_organization, every_page, first_page, invited, problem, send_invite_for,
};

#[actix_web::test]
async fn my_organizations_are_those_i_am_a_live_member_of_with_my_role() {
    let app = TestApp::spawn().await;
    let founder = app.client(&Who::verified(1, "founder@example.com"));
    let mut orgs = Vec::new();
    for name in ["A", "B", "C"] {
        orgs.push(create_organization(&founder, name).await);
    }
    let jane = app
        .join_as(
            &founder,
            orgs[1].id,
            2,
            "jane@example.com",
            types::Role::BillingManager,
        )
        .await;

    let got: Vec<_> = first_page(jane.me_organization_list())
        .await
        .iter()
        .map(|o| (o.organization.id, o.role))
        .collect();
    assert_eq!(got, vec![(orgs[1].id, types::Role::BillingManager)]);

    let pages = every_page(founder.me_organization_list(), 2).await;
    let all: Vec<_> = pages
        .iter()
        .flatten()
        .map(|o| o.organization.name.clone())
        .collect();
    assert_eq!(all, ["A", "B", "C"]);
}

#[actix_web::test]
async fn my_invitations_are_the_pending_ones_to_my_verified_email() {
    let app = TestApp::spawn().await;
    let founder = app.client(&Who::verified(1, "founder@example.com"));
    let org = create_organization(&founder, "A").await;
    let invite = |email: &'static str| send_invite_for(&founder, org.id, email, Some(3600));
    let old = invite("jane@example.com").await.unwrap().into_inner();
    app.advance(Duration::hours(2));
    let founder = app.client(&Who::verified(1, "founder@example.com"));
    let fresh = invited(&founder, org.id, "JANE@example.com").await;
    invited(&founder, org.id, "someone.else@example.com").await;
    let jane = app.client(&Who::verified(2, "Jane@Example.com"));
    let mine = jane.me_invitation_list().send().await.unwrap().into_inner();
    assert_eq!(
        mine.data.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![fresh.id],
        "not the expired one, not someone else's"
    );
    assert_ne!(old.id, fresh.id);

    let unverified = app.client(&Who {
        user: 3,
        email: Some("jane@example.com".into()),
        verified: false,
        backoffice: false,
    });
    assert_eq!(problem(unverified.me_invitation_list().send().await).0, 403);
}
