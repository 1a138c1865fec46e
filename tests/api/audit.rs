//! The audit log: every change is recorded in its own transaction, with who, what, on what,
//! in which request; failed changes record nothing; tokens never appear.

use rollcall_client::{Client, types};

use crate::helpers::{
    Changes, TestApp, Who, ad_invite, audit_page, create_organization, every_kind_of_change,
    every_page, jane_accepts_a_resent_invitation, list_audit_events, problem, send_invite,
    team_create,
};

async fn actions(client: &Client, org: uuid::Uuid) -> Vec<(String, Option<i64>)> {
    audit_page(client, org)
        .await
        .data
        .iter()
        .map(|e| (e.action.clone(), e.actor_id))
        .collect()
}

#[actix_web::test]
async fn every_change_is_recorded_newest_first_with_its_actor() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    team_create(&founder, org.id, "Ops").await.unwrap();
    jane_accepts_a_resent_invitation(&app, &founder, org.id).await;
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
    let (app, founder, org) = TestApp::spawn_founded().await;
    let r = app
        .post_json_with(
            &founder,
            &format!("/organization/{}/teams", org.id),
            &[("x-request-id", "change-42")],
            br#"{"name": "Ops"}"#.to_vec(),
        )
        .await;
    assert_eq!(r.status, 201);
    let team: types::Team = serde_json::from_slice(&r.bytes).unwrap();
    let page = list_audit_events(&founder, org.id)
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
    let (_app, founder, org) = TestApp::spawn_founded().await;
    let invite = || send_invite(&founder, org.id, "jane@example.com");
    invite().await.unwrap();
    let before = actions(&founder, org.id).await;
    assert_eq!(problem(invite().await).0, 409);
    assert_eq!(actions(&founder, org.id).await, before);
}

#[actix_web::test]
async fn the_audit_log_never_holds_a_token() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let (sent, resent) = jane_accepts_a_resent_invitation(&app, &founder, org.id).await;
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
    let (app, founder, org) = TestApp::spawn_founded().await;
    let manager = app.staff(&founder, org.id, 2, types::Role::Manager).await;
    assert_eq!(problem(list_audit_events(&manager, org.id).await).0, 403);
    let other = app.client(&Who::verified(3, "other@example.com"));
    create_organization(&other, "Other").await;
    assert_eq!(
        problem(list_audit_events(&other, org.id).await).0,
        404,
        "an administrator elsewhere"
    );
}

#[actix_web::test]
async fn audit_pages_walk_every_event_once() {
    let (_app, founder, org) = TestApp::spawn_founded().await;
    for i in 0..5 {
        team_create(&founder, org.id, &format!("T{i}"))
            .await
            .unwrap();
    }
    let pages = every_page(founder.audit_event_list().organization_id(org.id), 3).await;
    let ids: Vec<_> = pages.iter().flatten().map(|e| e.id).collect();
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
    let (org, uuid, admin) = app.org_with_user("Acme", "admin@acme.example", 1).await;
    let seed: types::InviteUserOrganizationRequest = serde_json::from_value(serde_json::json!({
        "firstName": "John", "lastName": "Doe", "email": "test@mail.com", "permissions": {"group": 0}
    }))
    .unwrap();
    let client = app.client(&Who::user(admin));
    let john = ad_invite(&client, app.session(admin, Some(org)), seed)
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

/// Every event of the organization, oldest first, as `(type, data)`.
async fn events(client: &Client, org: uuid::Uuid) -> Vec<(String, serde_json::Value)> {
    let mut page = audit_page(client, org).await;
    assert!(page.next_cursor.is_none(), "one page holds them all");
    page.data.reverse();
    page.data
        .into_iter()
        .map(|e| {
            assert_eq!(e.type_.to_string(), e.action, "type and action agree");
            (
                e.action,
                serde_json::Value::Object(e.data.expect("a snapshot")),
            )
        })
        .collect()
}

#[actix_web::test]
async fn every_event_carries_its_type_and_the_public_object_as_data() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let Changes {
        founder,
        team,
        jane,
        joe,
        ann,
        short,
        ops,
    } = every_kind_of_change(&app, &founder, &org).await;

    let got = events(&founder, org.id).await;
    let types: Vec<&str> = got.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        [
            "organization.created",
            "membership.created",
            "team.created",
            "team.renamed",
            "invitation.created",
            "invitation.resent",
            "invitation.accepted",
            "membership.created",
            "invitation.created",
            "invitation.declined",
            "invitation.created",
            "invitation.revoked",
            "team_membership.set",
            "team_membership.deleted",
            "team.deleted",
            "membership.updated",
            "membership.deleted",
            "membership.invited",
            "membership.deleted",
            "membership.restored",
            "membership.registered",
            "invitation.created",
            "invitation.expired",
            "invitation.created",
        ]
    );
    let org_uuid = org.id.to_string();
    for (kind, data) in &got {
        assert_eq!(data["organizationId"], org_uuid.as_str(), "{kind}: {data}");
        assert!(data.get("token").is_none(), "{kind} carries no token");
        let resource = kind.split('.').next().unwrap();
        match resource {
            "invitation" => assert!(
                data["email"].is_string() && data["status"].is_string(),
                "{kind}: {data}"
            ),
            "membership" => assert!(
                data["userId"].is_i64() && data["role"].is_string(),
                "{kind}: {data}"
            ),
            "team" => assert!(
                data["id"].is_string() && data["name"].is_string(),
                "{kind}: {data}"
            ),
            "team_membership" => assert_eq!(data["teamId"], team.id.to_string(), "{kind}: {data}"),
            "organization" => assert_eq!(data["name"], "Acme"),
            other => panic!("an unexpected resource {other}"),
        }
    }
    let status_of = |kind: &str, id: uuid::Uuid| {
        got.iter()
            .find(|(t, d)| t == kind && d["id"] == id.to_string())
            .map(|(_, d)| d["status"].clone())
    };
    for (kind, id, status) in [
        ("invitation.accepted", jane.id, "accepted"),
        ("invitation.declined", joe.id, "declined"),
        ("invitation.revoked", ann.id, "revoked"),
        ("invitation.expired", short.id, "expired"),
    ] {
        assert_eq!(status_of(kind, id), Some(status.into()), "{kind}");
    }
    let snapshot = |kind: &str| got.iter().find(|(t, _)| t == kind).unwrap().1.clone();
    assert_eq!(snapshot("team.renamed")["name"], "Operations");
    assert_eq!(snapshot("membership.updated")["role"], "manager");
    assert_eq!(snapshot("team_membership.set")["role"], "developer");
    assert_eq!(snapshot("membership.invited")["email"], "john@example.com");
    assert_eq!(snapshot("membership.registered")["userId"], ops);
}
