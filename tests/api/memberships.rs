//! `/users-organizations/v1/ad/users`: the memberships of the session's organization — list,
//! view, change by scope and permissions, soft delete and restore — under the same invariants
//! as the `/organization` family.

use rollcall_client::{Client, types};

use crate::helpers::{
    TestApp, Who, delete_membership, every_page_with, first_page, problem, restore_membership,
    update_member, update_membership, view_membership,
};

/// An organization (numeric id) with an administrator (user 1) and members 2..=n, each
/// registered through the back office; returns the administrator's client and session.
async fn org_with(app: &TestApp, members: i64) -> (i64, Client, String) {
    let (org, _, admin) = app.org_with_user("Acme", "admin@example.com", 1).await;
    for i in 2..=members {
        let user = app.user(&format!("user{i}@example.com")).await;
        app.register(user, org, 2, &[]).await;
    }
    (
        org,
        app.client(&Who::user(admin)),
        app.session(admin, Some(org)),
    )
}

fn scope(s: i64) -> types::UpdateMembershipRequest {
    types::UpdateMembershipRequest {
        scope: Some(types::Scope::try_from(s).unwrap()),
        permissions: None,
    }
}

#[actix_web::test]
async fn soft_delete_and_restore_round_trip() {
    let app = TestApp::spawn().await;
    let (_, admin, session) = org_with(&app, 2).await;
    let deleted = delete_membership(&admin, &session, 2)
        .await
        .unwrap()
        .into_inner()
        .data;
    assert!(deleted.deleted_at.is_some());
    assert_eq!(problem(view_membership(&admin, &session, 2).await).0, 404);
    let live = first_page(admin.ad_user_list().x_session_token(session.clone())).await;
    assert_eq!(live.iter().map(|m| m.user_id).collect::<Vec<_>>(), vec![1]);
    let all = admin
        .ad_user_list()
        .x_session_token(session.clone())
        .include_deleted(true);
    assert_eq!(first_page(all).await.len(), 2);

    let restored = restore_membership(&admin, &session, 2)
        .await
        .unwrap()
        .into_inner()
        .data;
    assert_eq!(
        (restored.user_id, restored.deleted_at, restored.created_at),
        (2, None, deleted.created_at)
    );
    assert_eq!(
        problem(restore_membership(&admin, &session, 2).await).0,
        409,
        "already live"
    );
    assert_eq!(
        problem(restore_membership(&admin, &session, 99).await).0,
        404,
        "nothing to restore"
    );
}

#[actix_web::test]
async fn writing_scope_2_demotes_an_administrator_and_keeps_a_manager() {
    let app = TestApp::spawn().await;
    let (_, admin, session) = org_with(&app, 3).await;
    let promoted = update_membership(&admin, &session, 2, scope(1))
        .await
        .unwrap()
        .into_inner()
        .data;
    assert_eq!(
        (*promoted.scope, promoted.role),
        (1, types::Role::Administrator)
    );
    let demoted = update_membership(&admin, &session, 2, scope(2))
        .await
        .unwrap()
        .into_inner()
        .data;
    assert_eq!((*demoted.scope, demoted.role), (2, types::Role::Member));
    // A manager (made through the other family's role) stays a manager under scope 2.
    let org_uuid = app
        .query::<uuid::Uuid>("SELECT uuid AS v FROM organizations")
        .await[0];
    update_member(
        &admin,
        org_uuid,
        3,
        types::UpdateMemberRequest {
            role: Some(types::Role::Manager),
            permissions: None,
        },
    )
    .await
    .unwrap();
    let kept = update_membership(&admin, &session, 3, scope(2))
        .await
        .unwrap()
        .into_inner()
        .data;
    assert_eq!((*kept.scope, kept.role), (2, types::Role::Manager));
}

#[actix_web::test]
async fn the_last_administrator_can_neither_be_demoted_nor_deleted_here_either() {
    let app = TestApp::spawn().await;
    let (_, admin, session) = org_with(&app, 1).await;
    assert_eq!(
        problem(update_membership(&admin, &session, 1, scope(2)).await).0,
        409
    );
    assert_eq!(problem(delete_membership(&admin, &session, 1).await).0, 409);
}

#[actix_web::test]
async fn two_administrators_demoting_each_other_at_once_leave_exactly_one() {
    let app = TestApp::spawn().await;
    let (org, first, first_session) = org_with(&app, 2).await;
    update_membership(&first, &first_session, 2, scope(1))
        .await
        .unwrap();
    let second = app.client(&Who::user(2));
    let second_session = app.session(2, Some(org));
    let (a, b) = futures_util::join!(
        first
            .ad_user_update()
            .user_id(2)
            .x_session_token(first_session)
            .body(scope(2))
            .send(),
        second
            .ad_user_update()
            .user_id(1)
            .x_session_token(second_session)
            .body(scope(2))
            .send(),
    );
    assert_eq!([a.is_ok(), b.is_ok()].iter().filter(|ok| **ok).count(), 1);
    let admins = app.query::<i64>("SELECT COUNT(*) AS v FROM memberships WHERE role = 'administrator' AND deleted_at IS NULL").await;
    assert_eq!(admins[0], 1);
}

#[actix_web::test]
async fn lists_filter_by_scope_and_walk_every_member_once_while_members_are_added() {
    let app = TestApp::spawn().await;
    let (org, admin, session) = org_with(&app, 6).await;
    let admins = admin
        .ad_user_list()
        .x_session_token(session.clone())
        .scope(types::Scope::try_from(1).unwrap());
    let admins = first_page(admins).await;
    assert_eq!(
        admins.iter().map(|m| m.user_id).collect::<Vec<_>>(),
        vec![1]
    );
    let mut added = 0;
    let pages = every_page_with(
        admin.ad_user_list().x_session_token(session.clone()),
        2,
        async || {
            if added < 2 {
                let user = app.user(&format!("late{added}@example.com")).await;
                app.register(user, org, 2, &[]).await;
                added += 1;
            }
        },
    )
    .await;
    let seen: Vec<_> = pages.iter().flatten().map(|m| m.user_id).collect();
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no member twice");
    assert_eq!(
        seen.len(),
        8,
        "six members and the two who joined while paging"
    );
}

#[actix_web::test]
async fn members_read_but_cannot_change_memberships() {
    let app = TestApp::spawn().await;
    let (org, _, _) = org_with(&app, 3).await;
    let member = app.client(&Who::user(2));
    let session = app.session(2, Some(org));
    assert_eq!(
        view_membership(&member, &session, 3)
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        problem(update_membership(&member, &session, 3, scope(1)).await).0,
        403
    );
    assert_eq!(
        problem(delete_membership(&member, &session, 3).await).0,
        403
    );
    assert_eq!(
        problem(restore_membership(&member, &session, 3).await).0,
        403
    );
}

#[actix_web::test]
async fn memberships_of_another_organization_are_not_seen_or_touched() {
    let app = TestApp::spawn().await;
    let (_, admin, session) = org_with(&app, 1).await;
    let (_, _, outsider) = app.org_with_user("Other", "outsider@example.com", 2).await;
    assert_eq!(
        problem(view_membership(&admin, &session, outsider).await).0,
        404
    );
    assert_eq!(
        problem(update_membership(&admin, &session, outsider, scope(1)).await).0,
        404
    );
    assert_eq!(
        problem(delete_membership(&admin, &session, outsider).await).0,
        404
    );
    let list = admin
        .ad_user_list()
        .x_session_token(session)
        .include_deleted(true);
    assert!(first_page(list).await.iter().all(|m| m.user_id != outsider));
}

#[actix_web::test]
async fn a_manager_changes_members_but_not_administrators_and_grants_only_ids_it_manages() {
    let app = TestApp::spawn().await;
    let (org, admin, _) = org_with(&app, 4).await;
    let org_uuid = app
        .query::<uuid::Uuid>("SELECT uuid AS v FROM organizations")
        .await[0];
    let make = |role: types::Role, manage: Vec<i64>| types::UpdateMemberRequest {
        role: Some(role),
        permissions: Some(types::PermissionsInput {
            group: 0,
            read: None,
            manage: Some(manage.into_iter().map(types::ModuleId).collect()),
        }),
    };
    update_member(&admin, org_uuid, 2, make(types::Role::Manager, vec![1, 2]))
        .await
        .unwrap();
    update_member(
        &admin,
        org_uuid,
        3,
        make(types::Role::BillingManager, vec![]),
    )
    .await
    .unwrap();
    let manager = app.client(&Who::user(2));
    let session = app.session(2, Some(org));
    let grant = |ids: Vec<i64>| types::UpdateMembershipRequest {
        scope: None,
        permissions: Some(types::PermissionsInput {
            group: 0,
            read: Some(ids.into_iter().map(types::ModuleId).collect()),
            manage: None,
        }),
    };
    let ok = update_membership(&manager, &session, 4, grant(vec![2, 1, 2]))
        .await
        .unwrap()
        .into_inner()
        .data;
    assert_eq!(
        ok.permissions.read.iter().map(|i| i.0).collect::<Vec<_>>(),
        [1, 2],
        "a set: deduplicated and sorted"
    );
    assert_eq!(
        problem(update_membership(&manager, &session, 4, grant(vec![3])).await).0,
        403
    );
    assert_eq!(
        problem(update_membership(&manager, &session, 1, scope(2)).await).0,
        403,
        "not an administrator"
    );
    assert_eq!(
        problem(update_membership(&manager, &session, 4, scope(1)).await).0,
        403,
        "no promotion"
    );
    assert_eq!(
        problem(delete_membership(&manager, &session, 1).await).0,
        403
    );
    assert_eq!(
        delete_membership(&manager, &session, 4)
            .await
            .unwrap()
            .status(),
        200
    );

    let billing = app.client(&Who::user(3));
    let session = app.session(3, Some(org));
    assert_eq!(
        billing
            .ad_user_list()
            .x_session_token(session.clone())
            .send()
            .await
            .unwrap()
            .status(),
        200,
        "reads"
    );
    assert_eq!(
        problem(update_membership(&billing, &session, 2, scope(2)).await).0,
        403
    );
    assert_eq!(
        problem(restore_membership(&billing, &session, 4).await).0,
        403
    );
}
