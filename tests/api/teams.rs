//! Teams and their members: listing, renaming, deleting, adding, changing and removing, with
//! the role rules and tenant isolation.

use rollcall_client::{Client, types};

use crate::helpers::{
    TestApp, Who, create_organization, create_team, delete_member, delete_team, delete_team_member,
    list_team_members, list_teams, problem, put_team_member, update_team,
};

/// `user` joins `org` as a member through an invitation; returns its client.
async fn member(app: &TestApp, founder: &Client, org: uuid::Uuid, user: i64) -> Client {
    app.join(
        founder,
        org,
        user,
        &format!("user{user}@example.com"),
        types::Role::Member,
        vec![],
    )
    .await
}

/// The name of the first team of `org`, as `founder` lists them.
async fn first_team_name(founder: &Client, org: uuid::Uuid) -> String {
    let page = list_teams(founder, org).await.unwrap().into_inner();
    page.data[0].name.clone()
}

#[actix_web::test]
async fn teams_are_listed_renamed_and_deleted_with_their_memberships() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let a = create_team(&founder, org.id, "A").await;
    app.advance(chrono::Duration::milliseconds(1)); // "oldest first" needs distinct createdAt
    let b = create_team(&founder, org.id, "B").await;
    member(&app, &founder, org.id, 2).await;
    put_team_member(&founder, org.id, b.id, 2, types::TeamRole::Viewer)
        .await
        .unwrap();

    let renamed = update_team(
        &founder,
        org.id,
        a.id,
        types::CreateTeamRequest::builder().name("Alpha"),
    )
    .await
    .unwrap()
    .into_inner();
    assert_eq!((renamed.id, renamed.name.as_str()), (a.id, "Alpha"));
    let names: Vec<_> = list_teams(&founder, org.id)
        .await
        .unwrap()
        .into_inner()
        .data
        .iter()
        .map(|t| t.name.clone())
        .collect();
    assert_eq!(names, ["Alpha", "B"]);

    assert_eq!(
        delete_team(&founder, org.id, b.id).await.unwrap().status(),
        204
    );
    let left = app
        .query::<i64>("SELECT COUNT(*) AS v FROM team_memberships")
        .await;
    assert_eq!(left[0], 0, "the team's memberships went with it");
    assert_eq!(problem(delete_team(&founder, org.id, b.id).await).0, 404);
    let page = list_teams(&founder, org.id).await.unwrap().into_inner();
    assert_eq!(
        page.data.iter().map(|t| t.id).collect::<Vec<_>>(),
        vec![a.id]
    );
}

#[actix_web::test]
async fn team_members_are_added_changed_listed_and_removed() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let ops = create_team(&founder, org.id, "Ops").await;
    member(&app, &founder, org.id, 2).await;
    member(&app, &founder, org.id, 3).await;
    let put = |user, role| put_team_member(&founder, org.id, ops.id, user, role);
    assert_eq!(
        put(3, types::TeamRole::Developer)
            .await
            .unwrap()
            .into_inner()
            .role,
        types::TeamRole::Developer
    );
    put(2, types::TeamRole::Viewer).await.unwrap();
    let changed = put(3, types::TeamRole::TeamManager)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (changed.user_id, changed.role, changed.email.as_str()),
        (3, types::TeamRole::TeamManager, "user3@example.com")
    );

    let list = list_team_members(&founder, org.id, ops.id)
        .await
        .unwrap()
        .into_inner();
    let got: Vec<_> = list.data.iter().map(|m| (m.user_id, m.role)).collect();
    assert_eq!(
        got,
        vec![
            (2, types::TeamRole::Viewer),
            (3, types::TeamRole::TeamManager)
        ]
    );

    assert_eq!(
        delete_team_member(&founder, org.id, ops.id, 2)
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(
        problem(delete_team_member(&founder, org.id, ops.id, 2).await).0,
        404
    );
    let list = list_team_members(&founder, org.id, ops.id)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        list.data.iter().map(|m| m.user_id).collect::<Vec<_>>(),
        vec![3]
    );
}

#[actix_web::test]
async fn only_live_members_of_the_organization_join_its_teams() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let ops = create_team(&founder, org.id, "Ops").await;
    create_organization(
        &app.client(&Who::verified(5, "outsider@example.com")),
        "Elsewhere",
    )
    .await;
    let (status, p) =
        problem(put_team_member(&founder, org.id, ops.id, 5, types::TeamRole::Viewer).await);
    assert_eq!(status, 404, "{}", p.detail);
    let left = member(&app, &founder, org.id, 2).await;
    delete_member(&left, org.id, 2).await.unwrap();
    assert_eq!(
        problem(put_team_member(&founder, org.id, ops.id, 2, types::TeamRole::Viewer).await).0,
        404
    );
}

#[actix_web::test]
async fn members_read_teams_but_only_administrators_and_managers_change_them() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let ops = create_team(&founder, org.id, "Ops").await;
    let jane = member(&app, &founder, org.id, 2).await;
    assert_eq!(list_teams(&jane, org.id).await.unwrap().status(), 200);
    assert_eq!(
        list_team_members(&jane, org.id, ops.id)
            .await
            .unwrap()
            .status(),
        200
    );
    let rename = types::CreateTeamRequest::builder().name("Mine");
    assert_eq!(
        problem(update_team(&jane, org.id, ops.id, rename).await).0,
        403
    );
    assert_eq!(problem(delete_team(&jane, org.id, ops.id).await).0, 403);
    assert_eq!(
        problem(put_team_member(&jane, org.id, ops.id, 2, types::TeamRole::TeamManager).await).0,
        403
    );
    assert_eq!(
        problem(delete_team_member(&jane, org.id, ops.id, 1).await).0,
        403
    );
    assert_eq!(
        first_team_name(&founder, org.id).await,
        "Ops",
        "nothing changed"
    );
}

#[actix_web::test]
async fn teams_of_another_organization_are_not_found() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let ops = create_team(&founder, org.id, "Ops").await;
    let other = app.client(&Who::verified(9, "other@example.com"));
    let theirs = create_organization(&other, "Other").await;
    // Through this organization's path: not a member, so 404.
    assert_eq!(problem(list_teams(&other, org.id).await).0, 404);
    assert_eq!(problem(delete_team(&other, org.id, ops.id).await).0, 404);
    // Through its own organization's path: the team is not there, so 404.
    assert_eq!(problem(delete_team(&other, theirs.id, ops.id).await).0, 404);
    assert_eq!(
        problem(list_team_members(&other, theirs.id, ops.id).await).0,
        404
    );
    let rename = types::CreateTeamRequest::builder().name("Taken");
    assert_eq!(
        problem(update_team(&other, theirs.id, ops.id, rename).await).0,
        404
    );
    // Adding or removing a team member through the other organization's path: 404 as well.
    assert_eq!(
        problem(put_team_member(&other, theirs.id, ops.id, 9, types::TeamRole::Viewer).await).0,
        404
    );
    assert_eq!(
        problem(put_team_member(&other, org.id, ops.id, 9, types::TeamRole::Viewer).await).0,
        404
    );
    assert_eq!(
        problem(delete_team_member(&other, theirs.id, ops.id, 1).await).0,
        404
    );
    assert_eq!(first_team_name(&founder, org.id).await, "Ops");
    let rows = app
        .query::<i64>("SELECT COUNT(*) AS v FROM team_memberships")
        .await;
    assert_eq!(rows[0], 0, "no team membership was written");
}
