//! `POST /organization/{organizationId}/invitations/bulk`: up to 100 invitations in one call,
//! each row answered in order with what a single invite of it would answer, each row its own
//! transaction (quota, event, email), tenant rules as for a single invite, and the call's own
//! limits (100 rows, 1 MiB) refused before anything is created.

use app::Policy;
use rollcall_client::{Client, types};

use crate::helpers::{
    Raw, TestApp, Who, audit_page, create_organization, create_team, invited, quota,
};

/// An invite body for `email` as a member.
fn row(email: &str) -> types::InviteRequest {
    types::InviteRequest::builder()
        .email(email)
        .role(types::Role::Member)
        .try_into()
        .unwrap()
}

async fn bulk(
    client: &Client,
    org: uuid::Uuid,
    rows: Vec<types::InviteRequest>,
) -> Vec<types::BulkInvitationResult> {
    let answer = client
        .invitation_bulk_create()
        .organization_id(org)
        .body_map(|b| b.invitations(rows))
        .send()
        .await
        .expect("the bulk invite answers 200");
    assert_eq!(answer.status(), 200);
    answer.into_inner().results
}

/// The class at the end of a row's problem `type`.
fn class(result: &types::BulkInvitationResult) -> &str {
    let problem = result
        .problem
        .as_ref()
        .expect("a refused row has a problem");
    assert_eq!(problem.status, result.status, "{problem}");
    assert!(result.invitation.is_none());
    problem
        .type_
        .strip_prefix("https://rollcall.dev/problems/")
        .expect("a stable problem type")
}

/// `body` POSTed as JSON to `org`'s bulk invite by `who`, read without the typed client (which
/// would refuse to send what these tests send).
async fn post_bulk(app: &TestApp, who: &Client, org: uuid::Uuid, body: Vec<u8>) -> Raw {
    app.post_json(who, &format!("/organization/{org}/invitations/bulk"), body)
        .await
}

/// The fields a refused bulk invite names, in order.
fn fields(refused: &Raw) -> Vec<String> {
    refused
        .problem()
        .errors
        .into_iter()
        .map(|e| e.field)
        .collect()
}

#[actix_web::test]
async fn each_row_is_answered_in_order_with_what_a_single_invite_would_answer() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let pending = invited(&founder, org.id, "pending@example.com").await;
    app.staff(&founder, org.id, 2, types::Role::Member).await;
    let unknown_team: types::InviteRequest = types::InviteRequest::builder()
        .email("teamless@example.com")
        .role(types::Role::Member)
        .team_assignments(Some(vec![types::TeamAssignment {
            team_id: uuid::Uuid::new_v4(),
            role: types::TeamRole::Viewer,
        }]))
        .try_into()
        .unwrap();
    let invitations_before = app.counts().await[3];

    let results = bulk(
        &founder,
        org.id,
        vec![
            row("Ann@Example.com"),
            row("pending@example.com"),
            row("member@example.com"),
            unknown_team,
            row("bob@example.com"),
            row("ann@example.com"),
        ],
    )
    .await;

    let statuses: Vec<i32> = results.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [201, 409, 409, 404, 201, 409]);
    let ann = results[0].invitation.as_ref().expect("a created row");
    assert_eq!(ann.email, "ann@example.com");
    assert!(results[0].problem.is_none());
    assert_eq!(class(&results[1]), "invitation-pending");
    assert_eq!(
        results[1].problem.as_ref().unwrap().invitation_id,
        Some(pending.id),
        "the 409 names the pending invitation"
    );
    assert_eq!(class(&results[2]), "already-member");
    assert_eq!(class(&results[3]), "not-found");
    assert_eq!(
        results[4].invitation.as_ref().unwrap().email,
        "bob@example.com"
    );
    assert_eq!(class(&results[5]), "invitation-pending");
    assert_eq!(
        results[5].problem.as_ref().unwrap().invitation_id,
        Some(ann.id),
        "a row meets the invitation an earlier row of the same call made"
    );
    assert_eq!(app.counts().await[3], invitations_before + 2);

    // Each created row is a whole invitation: its token works, its email is queued, its event
    // is recorded, as for a single invite.
    let seen = crate::helpers::lookup(&app.anonymous(), &ann.token)
        .await
        .expect("the row's token looks its invitation up")
        .into_inner();
    assert_eq!(seen.email, "ann@example.com");
    assert_eq!(ann.email_delivery.status, types::DeliveryStatus::Queued);
    let queued = app
        .query::<i64>(
            "SELECT COUNT(*) AS v FROM outbox_messages WHERE recipient IN ('ann@example.com', 'bob@example.com')",
        )
        .await;
    assert_eq!(queued, [2], "one email queued per created row");
    let created_events = audit_page(&founder, org.id)
        .await
        .data
        .into_iter()
        .filter(|e| e.action == "invitation.created")
        .count();
    assert_eq!(created_events, 1 + 1 + 2, "pending, member, ann and bob");
}

#[actix_web::test]
async fn a_hundred_rows_are_taken_and_a_hundred_and_one_are_a_413_that_creates_nothing() {
    let app = TestApp::spawn_with(Policy {
        invitations_per_hour: 1_000,
        emails_per_recipient_per_day: 1_000,
        ..Policy::default()
    })
    .await;
    let (founder, org) = app.founded().await;
    let rows = |n: usize, tag: &str| -> Vec<serde_json::Value> {
        (0..n)
            .map(
                |i| serde_json::json!({"email": format!("{tag}{i}@example.com"), "role": "member"}),
            )
            .collect()
    };
    let before = app.counts().await;
    let refused = post_bulk(
        &app,
        &founder,
        org.id,
        serde_json::to_vec(&serde_json::json!({"invitations": rows(101, "a")})).unwrap(),
    )
    .await;
    assert_eq!(refused.status, 413);
    let problem = refused.problem();
    assert_eq!(
        problem.type_,
        "https://rollcall.dev/problems/payload-too-large"
    );
    assert!(problem.detail.contains("at most 100"), "{}", problem.detail);
    assert_eq!(app.counts().await, before, "a refused call creates nothing");

    let results = bulk(
        &founder,
        org.id,
        (0..100)
            .map(|i| row(&format!("b{i}@example.com")))
            .collect(),
    )
    .await;
    assert_eq!(results.len(), 100);
    assert!(results.iter().all(|r| r.status == 201));
    for (i, r) in results.iter().enumerate() {
        assert_eq!(
            r.invitation.as_ref().unwrap().email,
            format!("b{i}@example.com"),
            "results in row order"
        );
    }
    assert_eq!(app.counts().await[3], before[3] + 100);
}

#[actix_web::test]
async fn its_body_may_reach_one_mebibyte_where_other_bodies_stop_at_64_kib() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let team = create_team(&founder, org.id, "Platform").await;
    // 100 team assignments of one team per row (the last one counts): about 7 KiB a row.
    let assignments: Vec<serde_json::Value> = (0..100)
        .map(|_| serde_json::json!({"teamId": team.id, "role": "viewer"}))
        .collect();
    let big_rows: Vec<serde_json::Value> = (0..40)
        .map(|i| {
            serde_json::json!({"email": format!("t{i}@example.com"), "role": "member",
                "teamAssignments": assignments})
        })
        .collect();
    let body = serde_json::to_vec(&serde_json::json!({ "invitations": big_rows })).unwrap();
    assert!(body.len() > 64 * 1024 && body.len() < 1024 * 1024);
    let taken = post_bulk(&app, &founder, org.id, body).await;
    assert_eq!(
        taken.status,
        200,
        "{}",
        String::from_utf8_lossy(&taken.bytes)
    );

    let padding = "x".repeat(1024 * 1024);
    let over = serde_json::to_vec(
        &serde_json::json!({"invitations": [{"email": "z@example.com", "role": "member", "locale": padding}]}),
    )
    .unwrap();
    let before = app.counts().await;
    let refused = post_bulk(&app, &founder, org.id, over).await;
    assert_eq!(refused.status, 413);
    assert_eq!(
        refused.problem().type_,
        "https://rollcall.dev/problems/payload-too-large"
    );
    assert_eq!(app.counts().await, before);

    // A single invite keeps the 64 KiB limit.
    let single = serde_json::to_vec(&serde_json::json!({"email": "s@example.com", "role": "member",
        "teamAssignments": (0..1000).map(|_| serde_json::json!({"teamId": team.id, "role": "viewer"})).collect::<Vec<_>>()}))
    .unwrap();
    assert!(single.len() > 64 * 1024);
    let refused = app
        .post_json(
            &founder,
            &format!("/organization/{}/invite", org.id),
            single,
        )
        .await;
    assert_eq!(refused.status, 413);
}

#[actix_web::test]
async fn an_invalid_row_refuses_the_whole_call_naming_its_field_and_nothing_is_created() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let before = app.counts().await;
    let body = serde_json::json!({"invitations": [
        {"email": "fine@example.com", "role": "member"},
        {"email": "not an email", "role": "member"},
        {"email": "also@example.com", "role": "owner"},
    ]});
    let refused = post_bulk(&app, &founder, org.id, serde_json::to_vec(&body).unwrap()).await;
    assert_eq!(refused.status, 422);
    assert_eq!(
        fields(&refused),
        ["invitations.2.role"],
        "serde stops at the shape error"
    );

    let body = serde_json::json!({"invitations": [
        {"email": "fine@example.com", "role": "member"},
        {"email": "not an email", "role": "member"},
        {"email": "also@example.com", "role": "member", "expiresInSeconds": 5},
    ]});
    let refused = post_bulk(&app, &founder, org.id, serde_json::to_vec(&body).unwrap()).await;
    assert_eq!(refused.status, 422);
    assert_eq!(
        fields(&refused),
        ["invitations.1.email", "invitations.2.expiresInSeconds"],
        "every invalid field of every row at once"
    );

    let empty = post_bulk(&app, &founder, org.id, br#"{"invitations": []}"#.to_vec()).await;
    assert_eq!(empty.status, 422);
    assert_eq!(empty.problem().errors[0].field, "invitations");
    assert_eq!(app.counts().await, before);
}

#[actix_web::test]
async fn another_organization_is_a_404_a_member_a_403_and_a_manager_row_for_an_administrator_a_403()
{
    let (app, founder, org) = TestApp::spawn_founded().await;
    let outsider = app.client(&Who::verified(60, "ops@globex.example"));
    create_organization(&outsider, "Globex").await;
    let member = app.staff(&founder, org.id, 2, types::Role::Member).await;
    let manager = app.staff(&founder, org.id, 3, types::Role::Manager).await;
    let before = app.counts().await;

    for (who, status) in [(&outsider, 404), (&member, 403)] {
        let refused = who
            .invitation_bulk_create()
            .organization_id(org.id)
            .body_map(|b| b.invitations(vec![row("x@example.com")]))
            .send()
            .await;
        let (got, _) = crate::helpers::problem(refused);
        assert_eq!(got, status);
    }
    let anonymous = post_bulk(
        &app,
        &app.anonymous(),
        org.id,
        br#"{"invitations": [{"email": "x@example.com", "role": "member"}]}"#.to_vec(),
    )
    .await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(app.counts().await, before, "refused calls create nothing");

    let admin_row: types::InviteRequest = types::InviteRequest::builder()
        .email("boss@example.com")
        .role(types::Role::Administrator)
        .try_into()
        .unwrap();
    let results = bulk(&manager, org.id, vec![admin_row, row("dev@example.com")]).await;
    assert_eq!(results[0].status, 403);
    assert_eq!(class(&results[0]), "forbidden");
    assert_eq!(results[1].status, 201);
    assert_eq!(app.counts().await[3], before[3] + 1);
}

#[actix_web::test]
async fn the_quota_counts_each_row_and_rows_past_it_are_429_with_retry_after() {
    let (app, founder, org) = TestApp::spawn_founded_with(quota(3)).await;
    invited(&founder, org.id, "first@example.com").await;
    let results = bulk(
        &founder,
        org.id,
        vec![
            row("first@example.com"),
            row("a@example.com"),
            row("b@example.com"),
            row("c@example.com"),
            row("d@example.com"),
        ],
    )
    .await;
    let statuses: Vec<i32> = results.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [409, 201, 201, 429, 429],
        "a refused row uses no quota; each created row uses one"
    );
    for r in &results[3..] {
        assert_eq!(class(r), "quota-exceeded");
        let wait = r.retry_after.expect("a 429 row says when to retry").get();
        assert!((1..=3600).contains(&wait), "retryAfter {wait}");
    }
    app.advance(chrono::Duration::seconds(i64::from(
        results[3].retry_after.unwrap().get(),
    )));
    let founder = app.client(&Who::verified(1, "founder@acme.example"));
    let again = bulk(
        &founder,
        org.id,
        vec![row("c@example.com"), row("d@example.com")],
    )
    .await;
    assert!(
        again.iter().all(|r| r.status == 201),
        "a new hour, a new quota"
    );
}
