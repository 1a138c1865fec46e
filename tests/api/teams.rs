//! Teams and their members: listing, renaming, deleting, adding, changing and removing, with
//! the role rules and tenant isolation.

use rollcall_client::{Client, types};

use crate::helpers::{
    TestApp, Who, create_organization, create_team, delete_member, list_teams, problem, update_team,
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

fn role(r: types::TeamRole) -> types::PutTeamMemberRequest {
    types::PutTeamMemberRequest { role: r }
}

#[actix_web::test]
async fn teams_are_listed_renamed_and_deleted_with_their_memberships() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let a = create_team(&founder, org.id, "A").await;
    app.advance(chrono::Duration::milliseconds(1)); // "oldest first" needs distinct createdAt
    let b = create_team(&founder, org.id, "B").await;
    member(&app, &founder, org.id, 2).await;
    founder
        .team_member_put()
        .organization_id(org.id)
        .team_id(b.id)
        .user_id(2)
        .body(role(types::TeamRole::Viewer))
        .send()
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
        founder
            .team_delete()
            .organization_id(org.id)
            .team_id(b.id)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let left = app
        .query::<i64>("SELECT COUNT(*) AS v FROM team_memberships")
        .await;
    assert_eq!(left[0], 0, "the team's memberships went with it");
    assert_eq!(
        problem(
            founder
                .team_delete()
                .organization_id(org.id)
                .team_id(b.id)
                .send()
                .await
        )
        .0,
        404
    );
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
    let put = |user: i64, r| {
        founder
            .team_member_put()
            .organization_id(org.id)
            .team_id(ops.id)
            .user_id(user)
            .body(role(r))
            .send()
    };
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

    let list = founder
        .team_member_list()
        .organization_id(org.id)
        .team_id(ops.id)
        .send()
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
        founder
            .team_member_delete()
            .organization_id(org.id)
            .team_id(ops.id)
            .user_id(2)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(
        problem(
            founder
                .team_member_delete()
                .organization_id(org.id)
                .team_id(ops.id)
                .user_id(2)
                .send()
                .await
        )
        .0,
        404
    );
    let list = founder
        .team_member_list()
        .organization_id(org.id)
        .team_id(ops.id)
        .send()
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
    let (status, p) = problem(
        founder
            .team_member_put()
            .organization_id(org.id)
            .team_id(ops.id)
            .user_id(5)
            .body(role(types::TeamRole::Viewer))
            .send()
            .await,
    );
    assert_eq!(status, 404, "{}", p.detail);
    let left = member(&app, &founder, org.id, 2).await;
    delete_member(&left, org.id, 2).await.unwrap();
    assert_eq!(
        problem(
            founder
                .team_member_put()
                .organization_id(org.id)
                .team_id(ops.id)
                .user_id(2)
                .body(role(types::TeamRole::Viewer))
                .send()
                .await
        )
        .0,
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
        jane.team_member_list()
            .organization_id(org.id)
            .team_id(ops.id)
            .send()
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
    assert_eq!(
        problem(
            jane.team_delete()
                .organization_id(org.id)
                .team_id(ops.id)
                .send()
                .await
        )
        .0,
        403
    );
    assert_eq!(
        problem(
            jane.team_member_put()
                .organization_id(org.id)
                .team_id(ops.id)
                .user_id(2)
                .body(role(types::TeamRole::TeamManager))
                .send()
                .await
        )
        .0,
        403
    );
    assert_eq!(
        problem(
            jane.team_member_delete()
                .organization_id(org.id)
                .team_id(ops.id)
                .user_id(1)
                .send()
                .await
        )
        .0,
        403
    );
    assert_eq!(
        list_teams(&founder, org.id)
            .await
            .unwrap()
            .into_inner()
            .data[0]
            .name,
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
    assert_eq!(
        problem(
            other
                .team_delete()
                .organization_id(org.id)
                .team_id(ops.id)
                .send()
                .await
        )
        .0,
        404
    );
    // Through its own organization's path: the team is not there, so 404.
    assert_eq!(
        problem(
            other
                .team_delete()
                .organization_id(theirs.id)
                .team_id(ops.id)
                .send()
                .await
        )
        .0,
        404
    );
    assert_eq!(
        problem(
            other
                .team_member_list()
                .organization_id(theirs.id)
                .team_id(ops.id)
                .send()
                .await
        )
        .0,
        404
    );
    let rename = types::CreateTeamRequest::builder().name("Taken");
    assert_eq!(
        problem(update_team(&other, theirs.id, ops.id, rename).await).0,
        404
    );
    // Adding or removing a team member through the other organization's path: 404 as well.
    let put = types::PutTeamMemberRequest {
        role: types::TeamRole::Viewer,
    };
    assert_eq!(
        problem(
            other
                .team_member_put()
                .organization_id(theirs.id)
                .team_id(ops.id)
                .user_id(9)
                .body(put.clone())
                .send()
                .await
        )
        .0,
        404
    );
    assert_eq!(
        problem(
            other
                .team_member_put()
                .organization_id(org.id)
                .team_id(ops.id)
                .user_id(9)
                .body(put)
                .send()
                .await
        )
        .0,
        404
    );
    assert_eq!(
        problem(
            other
                .team_member_delete()
                .organization_id(theirs.id)
                .team_id(ops.id)
                .user_id(1)
                .send()
                .await
        )
        .0,
        404
    );
    assert_eq!(
        list_teams(&founder, org.id)
            .await
            .unwrap()
            .into_inner()
            .data[0]
            .name,
        "Ops"
    );
    let rows = app
        .query::<i64>("SELECT COUNT(*) AS v FROM team_memberships")
        .await;
    assert_eq!(rows[0], 0, "no team membership was written");
}
