//! The audit log: every change is recorded in its own transaction, with who, what, on what,
//! in which request; failed changes record nothing; tokens never appear.

use rollcall_client::{Client, types};

use crate::helpers::{TestApp, Who, problem};

async fn actions(client: &Client, org: uuid::Uuid) -> Vec<(String, Option<i64>)> {
    let page = client
        .audit_event_list()
        .organization_id(org)
        .limit(std::num::NonZeroU64::new(100).unwrap())
        .send()
        .await
        .unwrap()
        .into_inner();
    page.data
        .iter()
        .map(|e| (e.action.clone(), e.actor_id))
        .collect()
}

fn token(t: &str) -> types::InvitationTokenRequest {
    types::InvitationTokenRequest::builder()
        .token(t)
        .try_into()
        .unwrap()
}

#[actix_web::test]
async fn every_change_is_recorded_newest_first_with_its_actor() {
    let app = TestApp::spawn().await;
    let (founder, org) = app.founded().await;
    founder
        .team_create()
        .organization_id(org.id)
        .body(types::CreateTeamRequest::builder().name("Ops"))
        .send()
        .await
        .unwrap();
    let sent = founder
        .invitation_create()
        .organization_id(org.id)
        .body(
            types::InviteRequest::builder()
                .email("jane@example.com")
                .role(types::Role::Member),
        )
        .send()
        .await
        .unwrap()
        .into_inner();
    let resent = founder
        .invitation_resend()
        .organization_id(org.id)
        .invitation_id(sent.id)
        .send()
        .await
        .unwrap()
        .into_inner();
    app.client(&Who::verified(2, "jane@example.com"))
        .invitation_accept()
        .body(token(&resent.token))
        .send()
        .await
        .unwrap();
    let expected: Vec<(String, Option<i64>)> = [
        ("membership.created", 2),
        ("invitation.accepted", 2),
        ("invitation.resent", 1),
        ("invitation.created", 1),
        ("team.created", 1),
        ("membership.created", 1),
        ("organization.created", 1),
    ]
    .iter()
    .map(|(a, u)| ((*a).to_owned(), Some(*u)))
    .collect();
    assert_eq!(actions(&founder, org.id).await, expected);
}

#[actix_web::test]
async fn an_event_carries_the_request_id_of_the_change() {
    let app = TestApp::spawn().await;
    let (founder, org) = app.founded().await;
    let r = app
        .raw(
            &founder,
            reqwest::Method::POST,
            &format!("/organization/{}/teams", org.id),
            &[
                ("content-type", "application/json"),
                ("x-request-id", "change-42"),
            ],
            Some(br#"{"name": "Ops"}"#.to_vec()),
        )
        .await;
    assert_eq!(r.status, 201);
    let team: types::Team = serde_json::from_slice(&r.bytes).unwrap();
    let page = founder
        .audit_event_list()
        .organization_id(org.id)
        .send()
        .await
        .unwrap()
        .into_inner();
    let event = &page.data[0];
    assert_eq!(
        (event.action.as_str(), event.request_id.as_str()),
        ("team.created", "change-42")
    );
    assert_eq!(event.target, format!("team:{}", team.id));
}

#[actix_web::test]
async fn a_refused_change_records_nothing() {
    let app = TestApp::spawn().await;
    let (founder, org) = app.founded().await;
    let invite = || {
        founder
            .invitation_create()
            .organization_id(org.id)
            .body(
                types::InviteRequest::builder()
                    .email("jane@example.com")
                    .role(types::Role::Member),
            )
            .send()
    };
    invite().await.unwrap();
    let before = actions(&founder, org.id).await;
    assert_eq!(problem(invite().await).0, 409);
    assert_eq!(actions(&founder, org.id).await, before);
}

#[actix_web::test]
async fn the_audit_log_never_holds_a_token() {
    let app = TestApp::spawn().await;
    let (founder, org) = app.founded().await;
    let sent = founder
        .invitation_create()
        .organization_id(org.id)
        .body(
            types::InviteRequest::builder()
                .email("jane@example.com")
                .role(types::Role::Member),
        )
        .send()
        .await
        .unwrap()
        .into_inner();
    let resent = founder
        .invitation_resend()
        .organization_id(org.id)
        .invitation_id(sent.id)
        .send()
        .await
        .unwrap()
        .into_inner();
    app.client(&Who::verified(2, "jane@example.com"))
        .invitation_accept()
        .body(token(&resent.token))
        .send()
        .await
        .unwrap();
    let rows = app
        .query::<String>(
            "SELECT action || ' ' || target || ' ' || request_id AS v FROM audit_events",
        )
        .await;
    assert!(rows.len() >= 5, "{rows:?}");
    for t in [&sent.token, &resent.token] {
        assert!(rows.iter().all(|r| !r.contains(t.as_str())), "{rows:?}");
    }
}

#[actix_web::test]
async fn only_administrators_of_the_organization_read_its_audit_log() {
    let app = TestApp::spawn().await;
    let (founder, org) = app.founded().await;
    let manager = app
        .join(
            &founder,
            org.id,
            2,
            "manager@example.com",
            types::Role::Manager,
            vec![],
        )
        .await;
    assert_eq!(
        problem(
            manager
                .audit_event_list()
                .organization_id(org.id)
                .send()
                .await
        )
        .0,
        403
    );
    let other = app.client(&Who::verified(3, "other@example.com"));
    other
        .organization_create()
        .body(types::CreateOrganizationRequest::builder().name("Other"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        problem(
            other
                .audit_event_list()
                .organization_id(org.id)
                .send()
                .await
        )
        .0,
        404,
        "an administrator elsewhere"
    );
}

#[actix_web::test]
async fn audit_pages_walk_every_event_once() {
    let app = TestApp::spawn().await;
    let (founder, org) = app.founded().await;
    for i in 0..5 {
        founder
            .team_create()
            .organization_id(org.id)
            .body(types::CreateTeamRequest::builder().name(format!("T{i}")))
            .send()
            .await
            .unwrap();
    }
    let (mut ids, mut cursor) = (Vec::new(), None::<String>);
    loop {
        let mut req = founder
            .audit_event_list()
            .organization_id(org.id)
            .limit(std::num::NonZeroU64::new(3).unwrap());
        if let Some(c) = cursor.take() {
            req = req.cursor(c);
        }
        let page = req.send().await.unwrap().into_inner();
        ids.extend(page.data.iter().map(|e| e.id));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(
        ids.len(),
        7,
        "organization, founder's membership, five teams"
    );
    let mut sorted = ids.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    sorted.dedup();
    assert_eq!(ids, sorted, "newest first, each once");
}

#[actix_web::test]
async fn changes_through_the_users_organizations_family_are_recorded_too() {
    let app = TestApp::spawn().await;
    let (org, uuid) = app.organization("Acme").await;
    let admin = app.user("admin@acme.example").await;
    app.register(admin, org, 1, &[]).await;
    let seed: types::InviteUserOrganizationRequest = serde_json::from_value(serde_json::json!({
        "firstName": "John", "lastName": "Doe", "email": "test@mail.com", "permissions": {"group": 0}
    }))
    .unwrap();
    let client = app.client(&Who::user(admin));
    let john = client
        .ad_user_invite()
        .x_session_token(app.session(admin, Some(org)))
        .body(seed)
        .send()
        .await
        .unwrap()
        .into_inner()
        .data;
    let got = actions(&client, uuid).await;
    assert_eq!(
        got,
        vec![
            ("membership.invited".to_owned(), Some(admin)),
            ("membership.registered".to_owned(), Some(9000)),
            ("organization.created".to_owned(), Some(9000)),
        ],
        "the back office acts as its bearer's subject"
    );
    let targets = app
        .query::<String>("SELECT target AS v FROM audit_events WHERE action = 'membership.invited'")
        .await;
    assert_eq!(targets, vec![format!("user:{}", john.user_id)]);
}
