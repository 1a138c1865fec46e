//! Members of an organization: the list, role and permission changes, removal and leaving, and
//! the rule that an organization keeps at least one administrator.

use rollcall_client::{Client, types};

use crate::helpers::{
    TestApp, Who, create_organization, create_team, delete_member, every_page_with, list_members,
    problem, set_role, update_member, view_organization,
};

/// `user` joins through an invitation as `role`, in `teams`; returns its client.
async fn join(
    app: &TestApp,
    founder: &Client,
    org: uuid::Uuid,
    user: i64,
    role: types::Role,
    teams: Vec<types::TeamAssignment>,
) -> Client {
    app.join(
        founder,
        org,
        user,
        &format!("user{user}@example.com"),
        role,
        teams,
    )
    .await
}

/// User 2 joins `org` as a second administrator, in no team; returns its client.
async fn second_administrator(app: &TestApp, founder: &Client, org: uuid::Uuid) -> Client {
    join(app, founder, org, 2, types::Role::Administrator, vec![]).await
}

/// The founder makes the team "Ops" in `org`, and Jane (user 2) joins as a member, in it as
/// `role`; returns the team and Jane's client.
async fn jane_in_ops(
    app: &TestApp,
    founder: &Client,
    org: uuid::Uuid,
    role: types::TeamRole,
) -> (types::Team, Client) {
    let team = create_team(founder, org, "Ops").await;
    let ops = types::TeamAssignment {
        team_id: team.id,
        role,
    };
    let jane = join(app, founder, org, 2, types::Role::Member, vec![ops]).await;
    (team, jane)
}

fn change(role: Option<types::Role>) -> types::UpdateMemberRequest {
    types::UpdateMemberRequest {
        role,
        permissions: None,
    }
}

#[actix_web::test]
async fn members_are_listed_with_roles_permissions_and_teams() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let (team, jane) = jane_in_ops(&app, &founder, org.id, types::TeamRole::Viewer).await;
    let page = list_members(&jane, org.id).await.unwrap().into_inner();
    assert!(page.next_cursor.is_none());
    let got: Vec<_> = page
        .data
        .iter()
        .map(|m| (m.user_id, m.role, m.teams.len()))
        .collect();
    assert_eq!(
        got,
        vec![
            (1, types::Role::Administrator, 0),
            (2, types::Role::Member, 1)
        ]
    );
    assert_eq!(page.data[1].teams[0].team_id, team.id);
}

#[actix_web::test]
async fn member_pages_walk_every_member_exactly_once_while_members_are_added() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    for user in 2..=9 {
        join(&app, &founder, org.id, user, types::Role::Member, vec![]).await;
    }
    let mut next_user = 10;
    let pages = every_page_with(
        founder.member_list().organization_id(org.id),
        3,
        // Someone joins between pages.
        async || {
            if next_user < 12 {
                join(
                    &app,
                    &founder,
                    org.id,
                    next_user,
                    types::Role::Member,
                    vec![],
                )
                .await;
                next_user += 1;
            }
        },
    )
    .await;
    let seen: Vec<_> = pages.iter().flatten().map(|m| m.user_id).collect();
    assert_eq!(
        seen,
        (1..next_user).collect::<Vec<_>>(),
        "every member once, in order, including those who joined meanwhile"
    );
}

#[actix_web::test]
async fn an_administrator_changes_a_members_role_and_permissions() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    join(&app, &founder, org.id, 2, types::Role::Member, vec![]).await;
    let body = types::UpdateMemberRequest {
        role: Some(types::Role::Manager),
        permissions: Some(types::PermissionsInput {
            group: 3,
            read: Some(vec![types::ModuleId(2), types::ModuleId(1)]),
            manage: None,
        }),
    };
    let m = update_member(&founder, org.id, 2, body)
        .await
        .unwrap()
        .into_inner();
    assert_eq!((m.role, m.permissions.group), (types::Role::Manager, 3));
    assert_eq!(
        m.permissions.read.iter().map(|i| i.0).collect::<Vec<_>>(),
        [1, 2]
    );
    assert!(m.permissions.manage.is_empty());
}

#[actix_web::test]
async fn managers_change_members_but_not_administrators_nor_grant_ids_they_do_not_manage() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let manager = join(&app, &founder, org.id, 2, types::Role::Manager, vec![]).await;
    join(&app, &founder, org.id, 3, types::Role::Member, vec![]).await;
    let ok = set_role(&manager, org.id, 3, types::Role::BillingManager)
        .await
        .unwrap();
    assert_eq!(ok.into_inner().role, types::Role::BillingManager);
    assert_eq!(
        problem(set_role(&manager, org.id, 1, types::Role::Member).await).0,
        403
    );
    assert_eq!(
        problem(set_role(&manager, org.id, 3, types::Role::Administrator).await).0,
        403
    );
    let grant = types::UpdateMemberRequest {
        role: None,
        permissions: Some(types::PermissionsInput {
            group: 0,
            read: Some(vec![types::ModuleId(7)]),
            manage: None,
        }),
    };
    assert_eq!(
        problem(update_member(&manager, org.id, 3, grant).await).0,
        403
    );
    assert_eq!(problem(delete_member(&manager, org.id, 1).await).0, 403);
}

#[actix_web::test]
async fn the_last_administrator_can_neither_be_demoted_nor_leave() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let (status, p) = problem(set_role(&founder, org.id, 1, types::Role::Member).await);
    assert_eq!(status, 409, "{}", p.detail);
    assert_eq!(problem(delete_member(&founder, org.id, 1).await).0, 409);
    // With a second administrator, the first may step down.
    second_administrator(&app, &founder, org.id).await;
    let m = set_role(&founder, org.id, 1, types::Role::Member)
        .await
        .unwrap();
    assert_eq!(m.into_inner().role, types::Role::Member);
}

#[actix_web::test]
async fn two_administrators_demoting_each_other_at_once_leave_exactly_one() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let second = second_administrator(&app, &founder, org.id).await;
    let (a, b) = futures_util::join!(
        set_role(&founder, org.id, 2, types::Role::Member),
        set_role(&second, org.id, 1, types::Role::Member),
    );
    let ok = [a.is_ok(), b.is_ok()].iter().filter(|x| **x).count();
    assert_eq!(ok, 1, "exactly one demotion succeeds");
    let admins = app.query::<i64>("SELECT COUNT(*) AS v FROM memberships WHERE role = 'administrator' AND deleted_at IS NULL").await;
    assert_eq!(admins[0], 1);
}

#[actix_web::test]
async fn a_member_may_leave_and_then_loses_access_and_teams() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let (_, jane) = jane_in_ops(&app, &founder, org.id, types::TeamRole::Developer).await;
    assert_eq!(
        problem(delete_member(&jane, org.id, 1).await).0,
        403,
        "a member removes only itself"
    );
    assert_eq!(delete_member(&jane, org.id, 2).await.unwrap().status(), 204);
    assert_eq!(problem(view_organization(&jane, org.id).await).0, 404);
    let left = app
        .query::<i64>("SELECT COUNT(*) AS v FROM team_memberships WHERE user_id = 2")
        .await;
    assert_eq!(left[0], 0);
    assert_eq!(
        problem(delete_member(&founder, org.id, 2).await).0,
        404,
        "already gone"
    );
}

#[actix_web::test]
async fn an_empty_update_answers_the_member_unchanged_and_records_nothing() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let second = join(&app, &founder, org.id, 2, types::Role::Member, vec![]).await;
    let events = app
        .query::<i64>("SELECT COUNT(*) AS v FROM audit_events")
        .await;
    let member = update_member(&founder, org.id, 2, change(None))
        .await
        .expect("an empty change, like an empty merge patch, is a no-op")
        .into_inner();
    assert_eq!(member.role, types::Role::Member);
    assert_eq!(
        app.query::<i64>("SELECT COUNT(*) AS v FROM audit_events")
            .await,
        events,
        "nothing changed, so nothing is audited"
    );
    // The rules still apply to an empty change: a member may not change another member.
    join(&app, &founder, org.id, 3, types::Role::Member, vec![]).await;
    let (status, _) = problem(update_member(&second, org.id, 3, change(None)).await);
    assert_eq!(status, 403);
}

#[actix_web::test]
async fn members_of_another_organization_are_not_found() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    join(&app, &founder, org.id, 2, types::Role::Member, vec![]).await;
    let other = app.client(&Who::verified(5, "other@example.com"));
    create_organization(&other, "Other").await;
    assert_eq!(problem(list_members(&other, org.id).await).0, 404);
    assert_eq!(
        problem(set_role(&other, org.id, 2, types::Role::Manager).await).0,
        404
    );
    assert_eq!(problem(delete_member(&other, org.id, 2).await).0, 404);
    let still = list_members(&founder, org.id).await.unwrap().into_inner();
    assert_eq!(still.data.len(), 2, "nothing changed");
}
