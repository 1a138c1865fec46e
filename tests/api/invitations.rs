//! The invitation lifecycle through the generated client: invite, look up, accept exactly once,
//! decline, expiry on the server's clock, and one pending invitation per email.

use chrono::Duration;
use rollcall_client::{Client, types};

use crate::helpers::{
    TestApp, Who, accept, ad_invite, create_organization, decline, every_page, first_page,
    invitation_status, invited_with, looked_up, lookup, problem, quota, resend, revoke,
    send_invitation, send_invite, statuses, tally, team_create, update_member, view_invitation,
    view_organization,
};

async fn invite(
    client: &Client,
    org: uuid::Uuid,
    email: &str,
    teams: Vec<types::TeamAssignment>,
) -> types::InvitationWithToken {
    let request = types::InviteRequest::builder()
        .email(email)
        .role(types::Role::Manager)
        .team_assignments(Some(teams));
    invited_with(client, org, request).await
}

#[actix_web::test]
async fn a_newcomer_creates_an_organization_and_a_team_invites_with_it_and_the_invitee_joins() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let team = team_create(&founder, org.id, "Platform").await.unwrap();
    assert_eq!(team.status(), 201);
    let team = team.into_inner();
    let sent = invite(
        &founder,
        org.id,
        "Jane.Doe@Example.com",
        vec![types::TeamAssignment {
            team_id: team.id,
            role: types::TeamRole::Developer,
        }],
    )
    .await;
    assert_eq!(sent.email, "jane.doe@example.com");

    let seen = looked_up(&app.anonymous(), &sent.token).await;
    assert_eq!(
        (
            seen.organization_name.as_str(),
            seen.organization_role,
            seen.status
        ),
        (
            "Acme",
            types::Role::Manager,
            types::InvitationStatus::Pending
        )
    );
    assert_eq!(seen.inviter.map(|i| i.user_id), Some(1));

    let jane = app.client(&Who::verified(2, "JANE.DOE@example.com"));
    let joined = accept(&jane, &sent.token).await.unwrap();
    assert_eq!(joined.status(), 201);
    let member = joined.into_inner();
    assert_eq!(
        (member.user_id, member.email.as_str(), member.role),
        (2, "jane.doe@example.com", types::Role::Manager)
    );
    assert_eq!(member.teams.len(), 1);
    assert_eq!(
        (member.teams[0].team_id, member.teams[0].role),
        (team.id, types::TeamRole::Developer)
    );

    let again = accept(&jane, &sent.token).await.unwrap();
    assert_eq!(
        again.status(),
        200,
        "accepting again answers the same member"
    );
    assert_eq!(again.into_inner().created_at, member.created_at);
    let seen = looked_up(&app.anonymous(), &sent.token).await;
    assert_eq!(seen.status, types::InvitationStatus::Accepted);
    // Jane can now see the organization.
    assert_eq!(
        view_organization(&jane, org.id)
            .await
            .unwrap()
            .into_inner()
            .id,
        org.id
    );
}

#[actix_web::test]
async fn accept_is_exactly_once_under_race() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let mut teams = Vec::new();
    for name in ["A", "B"] {
        let t = team_create(&founder, org.id, name)
            .await
            .unwrap()
            .into_inner();
        teams.push(types::TeamAssignment {
            team_id: t.id,
            role: types::TeamRole::Viewer,
        });
    }
    let sent = invite(&founder, org.id, "jane@example.com", teams).await;
    let jane = app.client(&Who::verified(2, "jane@example.com"));
    let attempts = (0..30).map(|_| accept(&jane, &sent.token));
    let got = statuses(&futures_util::future::join_all(attempts).await);
    assert_eq!(tally(&got, 201), 1, "{got:?}");
    assert_eq!(tally(&got, 200), 29, "{got:?}");
    let memberships = app
        .query::<i64>("SELECT COUNT(*) AS v FROM memberships WHERE user_id = 2")
        .await;
    let team_memberships = app
        .query::<i64>("SELECT COUNT(*) AS v FROM team_memberships WHERE user_id = 2")
        .await;
    assert_eq!((memberships[0], team_memberships[0]), (1, 2));
}

/// Invites that arrive together share one commit on SQLite, each in a savepoint of its own.
/// Among 40 at once, 20 fit the hour's quota of 20; the others are refused, some as a second
/// invitation of one address (refused before they write), the rest past the quota (refused after
/// writing the invitation, its email and its event). A refused one leaves nothing behind, every
/// accepted one is kept whole, and the quota counts only those.
#[actix_web::test]
async fn invites_committed_together_keep_every_accepted_one_and_nothing_of_a_refused_one() {
    let (app, founder, org) = TestApp::spawn_founded_with(quota(20)).await;
    let emails: Vec<String> = (0..40)
        .map(|i| {
            if i % 4 == 0 {
                "same@example.com".to_owned()
            } else {
                format!("guest{i}@example.com")
            }
        })
        .collect();
    let results =
        futures_util::future::join_all(emails.iter().map(|e| send_invite(&founder, org.id, e)))
            .await;
    let got = statuses(&results);
    assert_eq!(tally(&got, 201), 20, "{got:?}");
    assert_eq!(tally(&got, 409) + tally(&got, 429), 20, "{got:?}");
    assert!(tally(&got, 429) >= 10, "{got:?}");
    for (what, sql) in [
        ("invitations", "SELECT COUNT(*) AS v FROM invitations"),
        (
            "invitation.created events",
            "SELECT COUNT(*) AS v FROM audit_events WHERE action = 'invitation.created'",
        ),
        (
            "invitation emails",
            "SELECT COUNT(*) AS v FROM outbox_messages WHERE kind = 'invitation'",
        ),
        (
            "the quota's count",
            "SELECT MAX(count) AS v FROM rate_limits WHERE bucket LIKE 'invitations:%'",
        ),
    ] {
        assert_eq!(app.query::<i64>(sql).await, vec![20], "{what}");
    }
}

#[actix_web::test]
async fn invites_of_one_email_race_to_exactly_one_201() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let attempts = (0..30).map(|i| {
        let email = if i % 2 == 0 {
            "jane@example.com"
        } else {
            "JANE@example.com"
        };
        send_invite(&founder, org.id, email)
    });
    let got = statuses(&futures_util::future::join_all(attempts).await);
    assert_eq!((tally(&got, 201), tally(&got, 409)), (1, 29), "{got:?}");
    assert_eq!(app.counts().await[3], 1);
}

#[actix_web::test]
async fn a_pending_invitation_blocks_another_for_the_same_email_and_the_answer_names_it() {
    let (_app, founder, org) = TestApp::spawn_founded().await;
    let first = invite(&founder, org.id, "jane@example.com", vec![]).await;
    let (status, p) = problem(send_invite(&founder, org.id, " jane@example.com".trim()).await);
    assert_eq!(status, 409);
    assert!(p.detail.contains(&first.id.to_string()), "{}", p.detail);
}

#[actix_web::test]
async fn inviting_a_live_member_is_a_409() {
    let (_app, founder, org) = TestApp::spawn_founded().await;
    let (status, p) = problem(send_invite(&founder, org.id, "founder@acme.example").await);
    assert_eq!(status, 409);
    assert!(p.detail.contains("already a member"), "{}", p.detail);
}

#[actix_web::test]
async fn an_expired_invitation_answers_410_and_no_longer_blocks_a_new_one() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let sent = invite(&founder, org.id, "jane@example.com", vec![]).await;
    app.advance(Duration::days(7));
    let seen = looked_up(&app.anonymous(), &sent.token).await;
    assert_eq!(
        seen.status,
        types::InvitationStatus::Expired,
        "expired without anything rewriting the row"
    );
    let jane = app.client(&Who::verified(2, "jane@example.com"));
    let (status, _) = problem(accept(&jane, &sent.token).await);
    assert_eq!(status, 410);
    let (status, _) = problem(decline(&jane, &sent.token).await);
    assert_eq!(status, 410);
    // A new invitation gets a new token; the old one stays dead. (Tokens minted before the
    // clock moved have expired too: mint fresh bearers.)
    let founder = app.client(&Who::verified(1, "founder@acme.example"));
    let jane = app.client(&Who::verified(2, "jane@example.com"));
    let renewed = invite(&founder, org.id, "jane@example.com", vec![]).await;
    assert_ne!(renewed.id, sent.id);
    assert_eq!(accept(&jane, &renewed.token).await.unwrap().status(), 201);
    assert_eq!(app.counts().await[2], 2, "the founder and Jane");
}

#[actix_web::test]
async fn a_declined_invitation_cannot_be_accepted_and_does_not_block_a_new_one() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let sent = invite(&founder, org.id, "jane@example.com", vec![]).await;
    let jane = app.client(&Who::verified(2, "jane@example.com"));
    let declined = decline(&jane, &sent.token).await.unwrap().into_inner();
    assert_eq!(
        (declined.id, declined.status),
        (sent.id, types::InvitationStatus::Declined)
    );
    let (status, _) = problem(accept(&jane, &sent.token).await);
    assert_eq!(status, 410);
    let (status, _) = problem(decline(&jane, &sent.token).await);
    assert_eq!(status, 410);
    invite(&founder, org.id, "jane@example.com", vec![]).await;
    assert_eq!(app.counts().await[2], 1, "nobody joined");
}

#[actix_web::test]
async fn only_the_invited_verified_email_may_accept_or_decline() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let sent = invite(&founder, org.id, "jane@example.com", vec![]).await;
    let before = app.counts().await;
    let callers = [
        Who::verified(3, "mallory@example.com"),
        Who {
            user: 4,
            email: Some("jane@example.com".into()),
            verified: false,
            backoffice: false,
        },
        Who::user(5),
    ];
    for who in &callers {
        let (status, _) = problem(accept(&app.client(who), &sent.token).await);
        assert_eq!(status, 403);
        let (status, _) = problem(decline(&app.client(who), &sent.token).await);
        assert_eq!(status, 403);
    }
    assert_eq!(
        app.counts().await,
        before,
        "no profile or membership was created"
    );
    let (status, _) = problem(accept(&app.anonymous(), &sent.token).await);
    assert_eq!(status, 401);
}

#[actix_web::test]
async fn an_unknown_token_is_a_404_and_a_malformed_one_a_422() {
    let app = TestApp::spawn().await;
    let unknown = "A".repeat(43);
    let (status, _) = problem(lookup(&app.anonymous(), &unknown).await);
    assert_eq!(status, 404);
    let (status, _) =
        problem(accept(&app.client(&Who::verified(2, "jane@example.com")), &unknown).await);
    assert_eq!(status, 404);
    assert_eq!(
        app.counts().await,
        [0, 0, 0, 0],
        "a bogus token creates no profile"
    );
    let r = app
        .post_json(
            &app.anonymous(),
            "/invitations/lookup",
            br#"{"token": "short"}"#.to_vec(),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.problem().errors[0].field, "token");
}

#[actix_web::test]
async fn teams_cannot_be_created_by_members_or_in_another_organization() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let member = app.staff(&founder, org.id, 2, types::Role::Member).await;
    let (status, _) = problem(team_create(&member, org.id, "X").await);
    assert_eq!(status, 403);
    let stranger = app.client(&Who::verified(3, "stranger@example.com"));
    let (status, _) = problem(team_create(&stranger, org.id, "X").await);
    assert_eq!(status, 404, "another organization's resource is not found");
}

/// A founded organization's invitation to jane@example.com (see [`invite`]), and the same
/// invitation resent by the founder `later`; with the founder's client as of then.
async fn resent_later(
    later: Duration,
) -> (
    TestApp,
    Client,
    types::Organization,
    types::InvitationWithToken,
    types::InvitationWithToken,
) {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let sent = invite(&founder, org.id, "jane@example.com", vec![]).await;
    let founder = app.founder_after(later);
    let resent = resend(&founder, org.id, sent.id)
        .await
        .expect("resent")
        .into_inner();
    (app, founder, org, sent, resent)
}

#[actix_web::test]
async fn resend_gives_a_new_token_and_expiry_and_kills_the_old_token_at_once() {
    let (app, founder, org, sent, resent) = resent_later(Duration::days(3)).await;
    assert_eq!(resent.id, sent.id);
    assert_ne!(resent.token, sent.token);
    assert!(resent.expires_at > sent.expires_at);
    let (status, _) = problem(lookup(&app.anonymous(), &sent.token).await);
    assert_eq!(status, 404, "the old token is dead");
    let jane = app.client(&Who::verified(2, "jane@example.com"));
    assert_eq!(accept(&jane, &resent.token).await.unwrap().status(), 201);
    let (status, _) = problem(resend(&founder, org.id, sent.id).await);
    assert_eq!(status, 409, "an accepted invitation cannot be resent");
}

#[actix_web::test]
async fn an_expired_invitation_can_be_resent() {
    let (app, _, _, _, resent) = resent_later(Duration::days(8)).await;
    assert_eq!(resent.status, types::InvitationStatus::Pending);
    let jane = app.client(&Who::verified(2, "jane@example.com"));
    assert_eq!(accept(&jane, &resent.token).await.unwrap().status(), 201);
}

#[actix_web::test]
async fn a_revoked_invitation_answers_410_to_its_invitee_and_cannot_be_revoked_twice() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let sent = invite(&founder, org.id, "jane@example.com", vec![]).await;
    let revoked = revoke(&founder, org.id, sent.id)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(revoked.status, types::InvitationStatus::Revoked);
    let jane = app.client(&Who::verified(2, "jane@example.com"));
    let (status, _) = problem(accept(&jane, &sent.token).await);
    assert_eq!(status, 410);
    let (status, _) = problem(revoke(&founder, org.id, sent.id).await);
    assert_eq!(status, 409);
    assert_eq!(
        invitation_status(&founder, org.id, sent.id).await,
        types::InvitationStatus::Revoked
    );
}

#[actix_web::test]
async fn cursor_pages_walk_every_invitation_exactly_once_newest_first() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let mut sent = Vec::new();
    for i in 0..25 {
        sent.push(
            invite(&founder, org.id, &format!("person{i}@example.com"), vec![])
                .await
                .id,
        );
        app.advance(Duration::milliseconds(if i % 3 == 0 { 0 } else { 7 })); // some share a createdAt
    }
    let founder = app.client(&Who::verified(1, "founder@acme.example"));
    let pages = every_page(founder.invitation_list().organization_id(org.id), 10).await;
    assert!(pages.iter().all(|page| page.len() <= 10));
    let seen: Vec<_> = pages
        .iter()
        .flatten()
        .map(|i| (i.created_at, i.id))
        .collect();
    assert_eq!(pages.len(), 3);
    let mut expected = seen.clone();
    expected.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, expected, "newest first, ties broken by id");
    let mut ids: Vec<_> = seen.iter().map(|(_, id)| *id).collect();
    ids.sort();
    sent.sort();
    assert_eq!(ids, sent, "every invitation exactly once");
}

#[actix_web::test]
async fn lists_filter_by_several_statuses_including_derived_expiry_and_by_email() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let old = invite(&founder, org.id, "old@example.com", vec![]).await;
    let founder = app.founder_after(Duration::days(8));
    let fresh = invite(&founder, org.id, "Fresh@example.com", vec![]).await;
    let gone = invite(&founder, org.id, "gone@example.com", vec![]).await;
    revoke(&founder, org.id, gone.id).await.unwrap();
    let ids = |statuses: Vec<types::InvitationStatus>| {
        let founder = &founder;
        async move {
            let listed = founder
                .invitation_list()
                .organization_id(org.id)
                .status(statuses);
            let mut v: Vec<_> = first_page(listed).await.iter().map(|i| i.id).collect();
            v.sort();
            v
        }
    };
    use types::InvitationStatus::*;
    assert_eq!(ids(vec![Expired]).await, vec![old.id]);
    assert_eq!(ids(vec![Pending]).await, vec![fresh.id]);
    let mut both = vec![old.id, gone.id];
    both.sort();
    assert_eq!(ids(vec![Expired, Revoked]).await, both);
    let by_email = founder
        .invitation_list()
        .organization_id(org.id)
        .email("FRESH@example.com");
    let by_email = first_page(by_email).await;
    assert_eq!(
        by_email.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![fresh.id]
    );
}

#[actix_web::test]
async fn a_forged_cursor_an_unknown_status_or_a_limit_out_of_range_is_a_400() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    for query in [
        "cursor=forged",
        "cursor=eyJhIjoxfQ",
        "status=lost",
        "limit=0",
        "limit=101",
        "limit=ten",
    ] {
        let r = app
            .raw(
                &founder,
                reqwest::Method::GET,
                &format!("/organization/{}/invitations?{query}", org.id),
                &[],
                None,
            )
            .await;
        assert_eq!(r.status, 400, "{query}");
        r.problem();
    }
}

#[actix_web::test]
async fn views_and_lists_never_carry_a_token() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let sent = invite(&founder, org.id, "jane@example.com", vec![]).await;
    for path in [
        format!("/organization/{}/invitations", org.id),
        format!("/organization/{}/invitations/{}", org.id, sent.id),
    ] {
        let r = app
            .raw(&founder, reqwest::Method::GET, &path, &[], None)
            .await;
        assert_eq!(r.status, 200);
        let text = String::from_utf8(r.bytes).unwrap();
        assert!(text.contains(&sent.id.to_string()));
        assert!(
            !text.contains(&sent.token) && !text.contains("\"token\""),
            "{text}"
        );
    }
}

#[actix_web::test]
async fn invitations_of_another_organization_are_not_found_and_members_may_not_manage_them() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let sent = invite(&founder, org.id, "jane@example.com", vec![]).await;
    let other = app.client(&Who::verified(9, "other@example.com"));
    let other_org = create_organization(&other, "Other").await;
    // An administrator of another organization, addressing this organization: 404.
    assert_eq!(
        problem(other.invitation_list().organization_id(org.id).send().await).0,
        404
    );
    assert_eq!(
        problem(view_invitation(&other, org.id, sent.id).await).0,
        404
    );
    assert_eq!(problem(revoke(&other, org.id, sent.id).await).0, 404);
    assert_eq!(problem(resend(&other, org.id, sent.id).await).0, 404);
    // The same invitation id under the other administrator's own organization: 404 too.
    assert_eq!(
        problem(view_invitation(&other, other_org.id, sent.id).await).0,
        404
    );
    assert_eq!(problem(revoke(&other, other_org.id, sent.id).await).0, 404);
    // A plain member of this organization: 403.
    let member = app.staff(&founder, org.id, 3, types::Role::Member).await;
    assert_eq!(
        problem(
            member
                .invitation_list()
                .organization_id(org.id)
                .send()
                .await
        )
        .0,
        403
    );
    assert_eq!(problem(resend(&member, org.id, sent.id).await).0, 403);
    let still = view_invitation(&founder, org.id, sent.id)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        still.status,
        types::InvitationStatus::Pending,
        "nothing changed"
    );
}

#[actix_web::test]
async fn managers_invite_and_create_teams_but_only_administrators_invite_administrators() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let manager = app.staff(&founder, org.id, 2, types::Role::Manager).await;
    let team = team_create(&manager, org.id, "Ops").await.unwrap();
    assert_eq!(team.status(), 201);
    let body = |email: &str, role| types::InviteRequest::builder().email(email).role(role);
    let ok = send_invitation(&manager, org.id, body("a@example.com", types::Role::Member))
        .await
        .unwrap();
    assert_eq!(ok.status(), 201);
    let (status, p) = problem(
        send_invitation(
            &manager,
            org.id,
            body("b@example.com", types::Role::Administrator),
        )
        .await,
    );
    assert_eq!(status, 403, "{}", p.detail);
    let ok = send_invitation(
        &founder,
        org.id,
        body("b@example.com", types::Role::Administrator),
    )
    .await
    .unwrap();
    assert_eq!(ok.status(), 201);
}

#[actix_web::test]
async fn billing_managers_and_members_read_but_cannot_invite_or_create_teams() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let billing = app
        .staff(&founder, org.id, 2, types::Role::BillingManager)
        .await;
    let member = app.staff(&founder, org.id, 3, types::Role::Member).await;
    let before = app.counts().await;
    for (user, client) in [(2, &billing), (3, &member)] {
        assert_eq!(
            view_organization(client, org.id).await.unwrap().status(),
            200,
            "members read"
        );
        let invite = types::InviteRequest::builder()
            .email("x@example.com")
            .role(types::Role::Member);
        assert_eq!(
            problem(send_invitation(client, org.id, invite).await).0,
            403
        );
        assert_eq!(problem(team_create(client, org.id, "X").await).0, 403);
        // Seed 000 in the users-organizations family: same rule.
        let seed: types::InviteUserOrganizationRequest = serde_json::from_value(serde_json::json!({
            "firstName": "John", "lastName": "Doe", "email": "test@mail.com", "permissions": {"group": 0}
        }))
        .unwrap();
        let session = app.session(user, Some(org.numeric_id));
        assert_eq!(problem(ad_invite(client, session, seed).await).0, 403);
    }
    assert_eq!(app.counts().await, before, "nothing changed");
}

#[actix_web::test]
async fn a_manager_invites_with_only_the_module_ids_it_manages() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let manager = app.staff(&founder, org.id, 2, types::Role::Manager).await;
    let grant = types::UpdateMemberRequest {
        role: None,
        permissions: Some(types::PermissionsInput {
            group: 0,
            read: None,
            manage: Some(vec![types::ModuleId(1), types::ModuleId(2)]),
        }),
    };
    update_member(&founder, org.id, 2, grant).await.unwrap();
    let invite = |email: &str, read: Vec<i64>| {
        types::InviteRequest::builder()
            .email(email)
            .role(types::Role::Member)
            .permissions(Some(types::PermissionsInput {
                group: 0,
                read: Some(read.into_iter().map(types::ModuleId).collect()),
                manage: None,
            }))
    };
    let ok = send_invitation(&manager, org.id, invite("a@example.com", vec![2, 1]))
        .await
        .unwrap()
        .into_inner();
    let granted = ok.permissions.expect("permissions are kept");
    assert_eq!(granted.read.iter().map(|i| i.0).collect::<Vec<_>>(), [1, 2]);
    let before = app.counts().await;
    let (status, _) =
        problem(send_invitation(&manager, org.id, invite("b@example.com", vec![1, 3])).await);
    assert_eq!(status, 403, "module 3 is not the manager's to grant");
    assert_eq!(app.counts().await, before, "nothing was created");
}

#[actix_web::test]
async fn a_refused_accept_leaves_no_profile_and_no_event() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let expired = invite(&founder, org.id, "jane@example.com", vec![]).await;
    let revoked = invite(&founder, org.id, "joe@example.com", vec![]).await;
    revoke(&founder, org.id, revoked.id).await.unwrap();
    app.advance(Duration::days(8));
    let before = app.counts().await;
    let events = || app.query::<String>("SELECT action AS v FROM audit_events ORDER BY id");
    let events_before = events().await;
    // Newcomers with no profile yet: a refused accept must not leave one behind.
    for (user, email, sent) in [
        (5, "jane@example.com", &expired),
        (6, "joe@example.com", &revoked),
    ] {
        let newcomer = app.client(&Who::verified(user, email));
        let (status, _) = problem(accept(&newcomer, &sent.token).await);
        assert_eq!(status, 410, "{email}");
    }
    let stranger = app.client(&Who::verified(7, "someone.else@example.com"));
    let (status, _) = problem(accept(&stranger, &expired.token).await);
    assert_eq!(status, 403);
    assert_eq!(app.counts().await, before, "no profile, no membership");
    assert_eq!(
        events().await,
        events_before,
        "no user.created, nothing else"
    );
}
