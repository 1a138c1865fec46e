//! The three seed operations, with the seed pages' example bodies, and their rules.

use chrono::Duration;
use rollcall_client::types;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::helpers::{
    TestApp, Who, ad_invite, bo_create_user, bo_register, bo_view_organization, bo_view_user,
    problem, send_invitation, send_invite, send_invite_for, statuses, tally, view_organization,
};

/// An organization with an administrator (user id returned) acting through a session.
async fn org_with_admin(app: &TestApp) -> (i64, uuid::Uuid, i64) {
    let (org, uuid, admin) = app.org_with_user("Acme", "admin@acme.example", 1).await;
    (org, uuid, admin)
}

/// A fresh server with the organization Acme and the profile jane@example.com, not a member of
/// it, made through the back office; returns the organization's and the profile's numeric ids.
async fn acme_and_jane() -> (TestApp, i64, i64) {
    let app = TestApp::spawn().await;
    let (org, _) = app.organization("Acme").await;
    let user = app.user("jane@example.com").await;
    (app, org, user)
}

fn seed_000_body() -> types::InviteUserOrganizationRequest {
    serde_json::from_value(json!({
        "firstName": "John", "lastName": "Doe", "email": "test@mail.com", "permissions": {"group": 0}
    }))
    .unwrap()
}

#[actix_web::test]
async fn seed_000_creates_the_profile_and_a_scope_2_membership() {
    let app = TestApp::spawn().await;
    let (org, _, admin) = org_with_admin(&app).await;
    let res = ad_invite(
        &app.client(&Who::user(admin)),
        app.session(admin, Some(org)),
        seed_000_body(),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 201);
    let m = res.into_inner().data;
    assert_eq!(
        (m.organization_id, *m.scope, m.role),
        (org, 2, types::Role::Member)
    );
    assert_eq!(
        (
            m.permissions.group,
            m.permissions.read.len(),
            m.permissions.manage.len()
        ),
        (0, 0, 0)
    );
    assert!(m.deleted_at.is_none());
    let user = app
        .store
        .read()
        .user(domain::UserId::parse(m.user_id).unwrap())
        .await
        .unwrap()
        .expect("the profile exists");
    assert_eq!(
        (
            user.email.as_str(),
            user.first_name.as_str(),
            user.last_name.as_str()
        ),
        ("test@mail.com", "John", "Doe")
    );
}

#[actix_web::test]
async fn seed_000_finds_an_existing_profile_by_email_case_insensitively() {
    let app = TestApp::spawn().await;
    let (org, _, admin) = org_with_admin(&app).await;
    let existing = app.user("jane@example.com").await;
    let mut body = seed_000_body();
    body.email = "Jane@Example.com".try_into().unwrap();
    let m = ad_invite(
        &app.client(&Who::user(admin)),
        app.session(admin, Some(org)),
        body,
    )
    .await
    .unwrap();
    assert_eq!(m.into_inner().data.user_id, existing);
}

#[actix_web::test]
async fn seed_000_answers_409_for_a_live_member_and_restores_a_deleted_one() {
    let app = TestApp::spawn().await;
    let (org, _, admin) = org_with_admin(&app).await;
    let client = app.client(&Who::user(admin));
    let invite = || ad_invite(&client, app.session(admin, Some(org)), seed_000_body());
    let first = invite().await.unwrap().into_inner().data;
    let (status, p) = problem(invite().await);
    assert_eq!(status, 409);
    assert!(p.detail.contains("already a member"), "{}", p.detail);

    app.advance(Duration::minutes(5));
    app.remove_member(org, first.user_id).await;
    let restored = invite().await.unwrap();
    assert_eq!(restored.status(), 201);
    let restored = restored.into_inner().data;
    assert_eq!(restored.user_id, first.user_id);
    assert_eq!(
        restored.created_at, first.created_at,
        "the old membership came back"
    );
    assert!(restored.deleted_at.is_none());
    assert_eq!(app.counts().await[2], 2, "no membership row was added");
}

#[actix_web::test]
async fn seed_000_is_refused_to_a_member() {
    let app = TestApp::spawn().await;
    let (org, _, _) = org_with_admin(&app).await;
    let member = app.user("member@acme.example").await;
    app.register(member, org, 2, &[]).await;
    let before = app.counts().await;
    let (status, _) = problem(
        ad_invite(
            &app.client(&Who::user(member)),
            app.session(member, Some(org)),
            seed_000_body(),
        )
        .await,
    );
    assert_eq!(status, 403);
    assert_eq!(app.counts().await, before);
}

#[actix_web::test]
async fn seed_001_registers_a_user_with_the_seed_example_body() {
    let (app, org, user) = acme_and_jane().await;
    let (bo, session) = app.backoffice();
    let body: types::RegisterUserOrganizationRequest = serde_json::from_value(
        json!({"scope": 1, "permissions": {"group": 0, "manage": [1, 2], "read": [1, 2]}}),
    )
    .unwrap();
    let res = bo_register(&bo, &session, user, org, body).await.unwrap();
    assert_eq!(res.status(), 201);
    let m = res.into_inner().data;
    assert_eq!(
        (m.user_id, m.organization_id, *m.scope, m.role),
        (user, org, 1, types::Role::Administrator)
    );
    let ids = |v: &[types::ModuleId]| v.iter().map(|i| i.0).collect::<Vec<_>>();
    assert_eq!(
        (ids(&m.permissions.read), ids(&m.permissions.manage)),
        (vec![1, 2], vec![1, 2])
    );
}

#[actix_web::test]
async fn seed_001_stores_module_ids_as_sorted_sets() {
    let (app, org, user) = acme_and_jane().await;
    let m = app.register(user, org, 2, &[3, 1, 3, 2]).await;
    assert_eq!(
        m.permissions.manage.iter().map(|i| i.0).collect::<Vec<_>>(),
        [1, 2, 3]
    );
}

#[actix_web::test]
async fn seed_001_answers_404_for_an_unknown_user_or_organization() {
    let (app, org, user) = acme_and_jane().await;
    let (bo, session) = app.backoffice();
    for (u, o, what) in [
        (user + 1000, org, "user"),
        (user, org + 1000, "organization"),
    ] {
        let body = types::RegisterUserOrganizationRequest::builder()
            .scope(types::Scope::try_from(2).unwrap())
            .permissions(types::PermissionsInput::builder().group(0));
        let (status, p) = problem(bo_register(&bo, &session, u, o, body).await);
        assert_eq!(status, 404);
        assert!(p.detail.contains(what), "{}", p.detail);
    }
}

#[actix_web::test]
async fn seed_001_answers_409_for_a_live_membership_and_restores_a_deleted_one_with_its_role() {
    let app = TestApp::spawn().await;
    let (org, _, user) = app.org_with_user("Acme", "jane@example.com", 1).await;
    // A second administrator, so that Jane (an administrator) may be removed.
    let other = app.user("other@example.com").await;
    app.register(other, org, 1, &[]).await;
    let (bo, session) = app.backoffice();
    let body = || {
        types::RegisterUserOrganizationRequest::builder()
            .scope(types::Scope::try_from(2).unwrap())
            .permissions(types::PermissionsInput::builder().group(7))
    };
    let (status, _) = problem(bo_register(&bo, &session, user, org, body()).await);
    assert_eq!(status, 409);

    app.remove_member(org, user).await;
    let m = bo_register(&bo, &session, user, org, body()).await.unwrap();
    assert_eq!(m.status(), 201);
    let m = m.into_inner().data;
    // Scope 2 written over an administrator makes a member (DESIGN.md, "membership").
    assert_eq!(
        (*m.scope, m.role, m.permissions.group),
        (2, types::Role::Member, 7)
    );
    assert!(m.deleted_at.is_none());
}

#[actix_web::test]
async fn seed_002_creates_a_pending_invitation_whose_token_is_stored_only_as_its_hash() {
    let app = TestApp::spawn().await;
    let (_, uuid, admin) = org_with_admin(&app).await;
    let body = types::InviteRequest::builder()
        .email("jane.doe@example.com")
        .role(types::Role::Administrator);
    let res = send_invitation(&app.client(&Who::user(admin)), uuid, body)
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let inv = res.into_inner();
    assert_eq!(inv.status, types::InvitationStatus::Pending);
    assert_eq!(
        (inv.organization_id, inv.organization_name.as_str()),
        (uuid, "Acme")
    );
    assert_eq!(
        (inv.organization_role, inv.email.as_str(), inv.invited_by),
        (types::Role::Administrator, "jane.doe@example.com", admin)
    );
    assert!(inv.team_assignments.is_empty() && inv.permissions.is_none());
    let now = {
        use domain::Clock;
        app.clock.now()
    };
    assert_eq!(
        inv.expires_at,
        now + Duration::days(7),
        "the default lifetime is 7 days"
    );
    assert_eq!(inv.token.len(), 43, "32 bytes in URL-safe base64");

    let hashes = app
        .query::<String>("SELECT token_hash AS v FROM invitations")
        .await;
    let expected: String = Sha256::digest(inv.token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(hashes, vec![expected]);
    let stored = app.database_bytes().await;
    let contains = |needle: &str| stored.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(
        contains(&hashes[0]),
        "the search sees what is stored (the hash)"
    );
    assert!(
        !contains(&inv.token),
        "the raw token appears nowhere in the database files"
    );
}

#[actix_web::test]
async fn seed_002_honours_a_requested_lifetime() {
    let app = TestApp::spawn().await;
    let (_, uuid, admin) = org_with_admin(&app).await;
    let admin = app.client(&Who::user(admin));
    let inv = send_invite_for(&admin, uuid, "jane@example.com", Some(3600))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(inv.expires_at - inv.created_at, Duration::hours(1));
}

#[actix_web::test]
async fn seed_002_answers_404_for_a_team_that_is_not_in_the_organization() {
    let app = TestApp::spawn().await;
    let (_, uuid, admin) = org_with_admin(&app).await;
    let body: types::InviteRequest = serde_json::from_value(json!({
        "email": "jane.doe@example.com",
        "role": "administrator",
        "teamAssignments": [
            {"teamId": "550e8400-e29b-41d4-a716-446655440000", "role": "developer"},
            {"teamId": "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "role": "team_manager"}
        ]
    }))
    .unwrap();
    let before = app.counts().await;
    let (status, p) = problem(send_invitation(&app.client(&Who::user(admin)), uuid, body).await);
    assert_eq!(status, 404);
    assert!(
        p.detail.contains("550e8400-e29b-41d4-a716-446655440000"),
        "{}",
        p.detail
    );
    assert_eq!(app.counts().await, before);
}

#[actix_web::test]
async fn seed_002_is_refused_to_a_member() {
    let app = TestApp::spawn().await;
    let (_, uuid, member) = app.org_with_user("Acme", "member@acme.example", 2).await;
    let before = app.counts().await;
    let (status, _) =
        problem(send_invite(&app.client(&Who::user(member)), uuid, "x@example.com").await);
    assert_eq!(status, 403);
    assert_eq!(app.counts().await, before);
}

#[actix_web::test]
async fn organizations_of_others_answer_404_not_403() {
    let app = TestApp::spawn().await;
    let (_, uuid, _) = org_with_admin(&app).await;
    let stranger = app.user("stranger@example.com").await;
    let client = app.client(&Who::user(stranger));
    let (status, _) = problem(view_organization(&client, uuid).await);
    assert_eq!(status, 404);
    let (status, _) = problem(send_invite(&client, uuid, "x@example.com").await);
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn creating_an_organization_makes_the_caller_its_administrator_with_a_profile_from_a_verified_email()
 {
    let app = TestApp::spawn().await;
    let who = Who::verified(77, "Founder@Example.com");
    let client = app.client(&who);
    let res = client
        .organization_create()
        .body(types::CreateOrganizationRequest::builder().name("Founders"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let org = res.into_inner();
    assert_eq!(org.name, "Founders");
    let user = app
        .store
        .read()
        .user(domain::UserId::parse(77).unwrap())
        .await
        .unwrap()
        .expect("profile created");
    assert_eq!(user.email.as_str(), "founder@example.com");
    let m = app
        .store
        .read()
        .live_membership(
            user.id,
            domain::OrganizationId::parse(org.numeric_id).unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(m.role, domain::Role::Administrator);
    let viewed = view_organization(&client, org.id)
        .await
        .unwrap()
        .into_inner();
    assert_eq!((viewed.id, viewed.numeric_id), (org.id, org.numeric_id));
}

#[actix_web::test]
async fn a_profile_is_never_created_from_an_unverified_or_taken_email() {
    let app = TestApp::spawn().await;
    let body = || types::CreateOrganizationRequest::builder().name("X");
    let unverified = Who {
        user: 5,
        email: Some("a@example.com".into()),
        verified: false,
        backoffice: false,
    };
    let (status, _) = problem(
        app.client(&unverified)
            .organization_create()
            .body(body())
            .send()
            .await,
    );
    assert_eq!(status, 403);
    let (status, _) = problem(
        app.client(&Who::user(6))
            .organization_create()
            .body(body())
            .send()
            .await,
    );
    assert_eq!(status, 403);
    app.user("taken@example.com").await;
    let (status, _) = problem(
        app.client(&Who::verified(7, "taken@example.com"))
            .organization_create()
            .body(body())
            .send()
            .await,
    );
    assert_eq!(status, 409);
    assert_eq!(
        app.counts().await,
        [1, 0, 0, 0],
        "nothing but the back-office user exists"
    );
}

#[actix_web::test]
async fn back_office_creates_and_views_users_and_organizations() {
    let app = TestApp::spawn().await;
    let (bo, session) = app.backoffice();
    let id = app.user("Jane@Example.com").await;
    let user = bo_view_user(&bo, &session, id)
        .await
        .unwrap()
        .into_inner()
        .data;
    assert_eq!(
        (user.id, user.email.as_str(), user.deleted_at),
        (id, "jane@example.com", None)
    );
    let (status, _) = problem(bo_create_user(&bo, &session, "JANE@example.com", None).await);
    assert_eq!(status, 409, "emails are unique after normalization");

    let (org, uuid) = app.organization("Acme").await;
    let viewed = bo_view_organization(&bo, &session, org)
        .await
        .unwrap()
        .into_inner()
        .data;
    assert_eq!(
        (viewed.id, viewed.uuid, viewed.name.as_str()),
        (org, uuid, "Acme")
    );
    let (status, _) = problem(bo_view_organization(&bo, &session, org + 1).await);
    assert_eq!(status, 404);
    let (status, _) = problem(bo_view_user(&bo, &session, id + 1).await);
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn seed_001_registers_exactly_once_under_a_race() {
    let (app, org, user) = acme_and_jane().await;
    let (bo, session) = app.backoffice();
    let attempts = (0..30).map(|_| {
        let body = types::RegisterUserOrganizationRequest::builder()
            .scope(types::Scope::try_from(2).unwrap())
            .permissions(types::PermissionsInput::builder().group(0));
        bo_register(&bo, &session, user, org, body)
    });
    let got = statuses(&futures_util::future::join_all(attempts).await);
    assert_eq!((tally(&got, 201), tally(&got, 409)), (1, 29), "{got:?}");
    assert_eq!(app.counts().await[2], 1, "one membership row");
}

#[actix_web::test]
async fn seed_000_creates_one_profile_and_one_membership_under_a_race() {
    let app = TestApp::spawn().await;
    let (org, _, admin) = org_with_admin(&app).await;
    let client = app.client(&Who::user(admin));
    let session = app.session(admin, Some(org));
    let attempts = (0..30).map(|_| ad_invite(&client, session.clone(), seed_000_body()));
    let got = statuses(&futures_util::future::join_all(attempts).await);
    assert_eq!(tally(&got, 201), 1, "{got:?}");
    assert!(got.iter().all(|s| *s == 201 || *s == 409), "{got:?}");
    // Profiles: the administrator and the invitee (the back office needs none); two memberships.
    assert_eq!(app.counts().await, [2, 1, 2, 0]);
}
