//! What a black-box probe broke, each fixed and held here, on SQLite and PostgreSQL: resend,
//! revoke and restore follow the rules of granting; control characters in names and emails are
//! a client's mistake (never a 503); a body that never finishes is a 408; tokens not valid yet,
//! with unknown critical extensions, or sent twice are refused; organization creation has a
//! quota; claimed names are cleaned and cut; ids the server assigns do not follow the largest
//! `sub`; and every error, actix's own that reach Rollcall included, is problem+json with a
//! stable `type`.

use std::time::Duration;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use rollcall_client::{Client, types};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{
    SECRET, TestApp, Who, accept, create_organization, delete_member, invited, invited_with,
    lookup, organization_quota, problem, resend, restore_membership, revoke, send_invite,
    update_member,
};

const PROBLEMS: &str = "https://rollcall.dev/problems/";

/// A manager (user 2, manage ids [1]) of the founder's organization, and its client.
async fn manager(app: &TestApp, founder: &Client, org: uuid::Uuid) -> Client {
    let manager = app
        .join_as(
            founder,
            org,
            2,
            "manager@acme.example",
            types::Role::Manager,
        )
        .await;
    update_member(
        founder,
        org,
        2,
        types::UpdateMemberRequest::builder().permissions(Some(permissions(&[1]))),
    )
    .await
    .expect("the manager manages module 1");
    manager
}

fn permissions(ids: &[i64]) -> types::PermissionsInput {
    let ids: Vec<types::ModuleId> = ids.iter().map(|i| types::ModuleId(*i)).collect();
    types::PermissionsInput {
        group: 0,
        read: Some(ids.clone()),
        manage: Some(ids),
    }
}

/// `founder` invites `email` as `role` with `manage` ids.
async fn invitation(
    founder: &Client,
    org: uuid::Uuid,
    email: &str,
    role: types::Role,
    manage: &[i64],
) -> types::InvitationWithToken {
    let request = types::InviteRequest::builder()
        .email(email)
        .role(role)
        .permissions(Some(permissions(manage)));
    invited_with(founder, org, request).await
}

#[actix_web::test]
async fn a_manager_resends_and_revokes_only_invitations_it_could_have_sent() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let manager = manager(&app, &founder, org.id).await;
    let invite =
        async |email, role, manage| invitation(&founder, org.id, email, role, manage).await;
    let admin = invite("boss@example.com", types::Role::Administrator, &[]).await;
    let foreign = invite("nine@example.com", types::Role::Member, &[9]).await;
    let own = invite("one@example.com", types::Role::Member, &[1]).await;
    for refused in [&admin, &foreign] {
        let resend = resend(&manager, org.id, refused.id).await;
        assert_eq!(problem(resend).0, 403, "{}", refused.email);
        let revoke = revoke(&manager, org.id, refused.id).await;
        assert_eq!(problem(revoke).0, 403, "{}", refused.email);
    }
    let anon = app.anonymous();
    for kept in [&admin, &foreign] {
        let seen = lookup(&anon, &kept.token)
            .await
            .expect("the first token still works: nothing rotated")
            .into_inner();
        assert_eq!(seen.status, types::InvitationStatus::Pending);
    }
    resend(&manager, org.id, own.id)
        .await
        .expect("one it could have sent");
    revoke(&manager, org.id, own.id)
        .await
        .expect("one it could have sent");
}

/// `client` (user `user`) restores user 3's membership through `users-organizations/v1`.
async fn restore(
    app: &TestApp,
    client: &Client,
    user: i64,
    org: i64,
) -> Result<
    rollcall_client::ResponseValue<types::MembershipEnvelope>,
    rollcall_client::Error<types::Problem>,
> {
    restore_membership(client, &app.session(user, Some(org)), 3).await
}

#[actix_web::test]
async fn a_manager_restores_only_members_whose_rights_it_could_grant() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let manager = manager(&app, &founder, org.id).await;
    let sent = invitation(
        &founder,
        org.id,
        "nine@example.com",
        types::Role::Member,
        &[9],
    )
    .await;
    accept(
        &app.client(&Who::verified(3, "nine@example.com")),
        &sent.token,
    )
    .await
    .expect("accepted");
    delete_member(&founder, org.id, 3).await.expect("removed");
    let (status, p) = problem(restore(&app, &manager, 2, org.numeric_id).await);
    assert_eq!(status, 403, "{}", p.detail);
    assert_eq!(
        app.query::<i64>(
            "SELECT COUNT(*) AS v FROM memberships WHERE user_id = 3 AND deleted_at IS NULL"
        )
        .await,
        [0],
        "still removed"
    );
    let restored = restore(&app, &founder, 1, org.numeric_id)
        .await
        .expect("an administrator may");
    assert_eq!(restored.into_inner().data.permissions.manage.len(), 1);
}

#[actix_web::test]
async fn control_characters_in_names_and_emails_are_refused_on_every_database() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    // The body `{"name": …}`, sent to create an organization and a team.
    let named = async |path: &str, name: &str| {
        let body = json!({ "name": name }).to_string();
        app.post_json(&founder, path, body).await
    };
    for name in [
        "Ac\u{0}me",
        "Tab\there",
        "Evil\u{202E}moc.elgoog",
        "x\u{2066}y",
    ] {
        let bad = named("/organization", name).await;
        assert_eq!(bad.status, 422, "{name:?}");
        assert_eq!(bad.problem().type_, format!("{PROBLEMS}validation"));
        let team = named(&format!("/organization/{}/teams", org.id), name).await;
        assert_eq!(team.status, 422, "{name:?}");
    }
    let (bo, session) = app.backoffice();
    let profile = app
        .post_json_with(
            &bo,
            "/users-organizations/v1/bo/users",
            &[("x-session-token", &session)],
            json!({"firstName": "Ja\u{0}ne", "lastName": "Doe", "email": "jane@example.com"})
                .to_string()
                .into_bytes(),
        )
        .await;
    assert_eq!(profile.status, 422);
    assert_eq!(profile.problem().errors[0].field, "firstName");
    for path in [
        "/users-organizations/v1/bo/users?email=a%00b%40example.com".to_owned(),
        format!(
            "/organization/{}/invitations?email=a%00b%40example.com",
            org.id
        ),
    ] {
        let headers = [("x-session-token", session.as_str())];
        let client = if path.starts_with("/users") {
            &bo
        } else {
            &founder
        };
        let query = app
            .raw(client, reqwest::Method::GET, &path, &headers, None)
            .await;
        assert_eq!(query.status, 400, "{path}");
        assert_eq!(
            query.problem().type_,
            format!("{PROBLEMS}malformed-request")
        );
    }
    assert_eq!(app.counts().await, [1, 1, 1, 0], "nothing was created");
}

#[actix_web::test]
async fn names_claimed_by_a_token_are_cleaned_and_cut_to_250_characters() {
    let app = TestApp::spawn().await;
    let mut claims = app_claims(&app, 7, "long@example.com");
    claims["given_name"] = json!(format!("Ja\u{0}ne{}", "é".repeat(10_000)));
    claims["family_name"] = json!("Doe\u{202E}\u{7}");
    let client = rollcall_client::with_bearer(&app.client_base, &sign(&claims)).unwrap();
    create_organization(&client, "Long Names").await;
    let (bo, session) = app.backoffice();
    let user = bo
        .bo_user_view()
        .user_id(7)
        .x_session_token(session)
        .send()
        .await
        .unwrap()
        .into_inner()
        .data;
    assert_eq!(user.first_name.chars().count(), 250);
    assert!(user.first_name.starts_with("Janeé"));
    assert_eq!(user.last_name, "Doe");
}

/// Bearer claims for `user` with a verified `email`, valid for an hour of the server's clock.
fn app_claims(app: &TestApp, user: i64, email: &str) -> Value {
    json!({
        "sub": user, "exp": app.now_ts() + 3600,
        "email": email, "email_verified": true,
    })
}

fn sign(claims: &Value) -> String {
    jwt(&json!({"alg": "HS256", "typ": "JWT"}), claims)
}

/// A JWT with this header and these claims, signed HS256 with the suite's secret.
fn jwt(header: &Value, claims: &Value) -> String {
    let signing_input = format!(
        "{}.{}",
        B64.encode(header.to_string()),
        B64.encode(claims.to_string())
    );
    let key = jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()).expect("an HMAC key");
    let signature = jsonwebtoken::crypto::sign(
        signing_input.as_bytes(),
        &key,
        jsonwebtoken::Algorithm::HS256,
    )
    .expect("signed");
    format!("{signing_input}.{signature}")
}

/// The status `GET /me/organizations` answers with this bearer.
async fn status_with(app: &TestApp, bearer: &str) -> u16 {
    let client = rollcall_client::Client::new_with_client(
        &app.base,
        reqwest::Client::builder()
            .default_headers(
                [(
                    reqwest::header::AUTHORIZATION,
                    format!("Bearer {bearer}").parse().unwrap(),
                )]
                .into_iter()
                .collect(),
            )
            .build()
            .unwrap(),
    );
    match client.me_organization_list().send().await {
        Ok(r) => r.status().as_u16(),
        Err(e) => problem::<()>(Err(e)).0,
    }
}

#[actix_web::test]
async fn a_token_not_valid_yet_is_refused_and_small_clock_skew_is_forgiven() {
    let app = TestApp::spawn().await;
    let now = app.now_ts();
    let base = app_claims(&app, 5, "skew@example.com");
    let with = |key: &str, value: i64| {
        let mut c = base.clone();
        c[key] = json!(value);
        sign(&c)
    };
    assert_eq!(
        status_with(&app, &with("nbf", now + 120)).await,
        401,
        "nbf two minutes ahead"
    );
    assert_eq!(
        status_with(&app, &with("nbf", now + 10)).await,
        200,
        "nbf within the skew"
    );
    assert_eq!(
        status_with(&app, &with("exp", now - 10)).await,
        200,
        "expired within the skew"
    );
    assert_eq!(
        status_with(&app, &with("exp", now - 61)).await,
        401,
        "expired past the skew"
    );
    let (bo, _) = app.backoffice();
    let session = |nbf: i64| {
        sign(&json!({"userId": 9000, "sessionId": "s", "iat": now, "exp": now + 600, "nbf": nbf}))
    };
    for (nbf, expected) in [(now + 120, 401), (now + 10, 200)] {
        let r = app
            .raw(
                &bo,
                reqwest::Method::GET,
                "/users-organizations/v1/bo/users",
                &[("x-session-token", &session(nbf))],
                None,
            )
            .await;
        assert_eq!(
            r.status,
            expected,
            "a session with nbf {}s ahead",
            nbf - now
        );
    }
}

#[actix_web::test]
async fn a_token_with_an_unknown_critical_extension_is_refused() {
    let app = TestApp::spawn().await;
    let claims = app_claims(&app, 5, "crit@example.com");
    let critical = jwt(
        &json!({"alg": "HS256", "typ": "JWT", "crit": ["urn:example:must-understand"], "urn:example:must-understand": true}),
        &claims,
    );
    assert_eq!(status_with(&app, &critical).await, 401);
    assert_eq!(
        status_with(&app, &sign(&claims)).await,
        200,
        "the same claims without it"
    );
}

#[actix_web::test]
async fn unauthenticated_details_say_what_is_wrong_without_library_internals() {
    let app = TestApp::spawn().await;
    let claims = app_claims(&app, 5, "words@example.com");
    let none = format!(
        "{}.{}.",
        B64.encode(r#"{"alg":"none","typ":"JWT"}"#),
        B64.encode(claims.to_string())
    );
    let mut other = jwt(&json!({"alg": "HS256"}), &claims);
    other.push('x');
    for bearer in [none, other, "garbage".to_owned()] {
        let r = app
            .raw(
                &rollcall_client::with_bearer(&app.client_base, &bearer).unwrap(),
                reqwest::Method::GET,
                "/me/organizations",
                &[],
                None,
            )
            .await;
        let p = r.problem();
        assert_eq!(p.status, 401);
        assert_eq!(p.type_, format!("{PROBLEMS}unauthenticated"));
        for internal in [
            "unknown variant",
            "expected one of",
            "Error(",
            "InvalidToken",
            "Base64",
        ] {
            assert!(!p.detail.contains(internal), "{internal} in {:?}", p.detail);
        }
    }
}

/// `GET path` on the server itself with `headers`, each sent as given (a name may come twice).
async fn get_with(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(format!("{}{path}", app.base));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

#[actix_web::test]
async fn two_authorization_or_session_headers_are_a_400() {
    let app = TestApp::spawn().await;
    let (bo, session) = app.backoffice();
    let bearer = format!("Bearer {}", app.bearer(&Who::backoffice(9000)));
    let other = format!("Bearer {}", app.bearer(&Who::verified(1, "a@example.com")));
    let bearer_twice = [
        ("authorization", bearer.as_str()),
        ("authorization", &other),
    ];
    let twice_bearer = get_with(&app, "/me/organizations", &bearer_twice).await;
    assert_eq!(twice_bearer.status(), 400);
    let session_twice = [
        ("authorization", bearer.as_str()),
        ("x-session-token", &session),
        ("x-session-token", &session),
    ];
    let twice_session = get_with(&app, "/users-organizations/v1/bo/users", &session_twice).await;
    assert_eq!(twice_session.status(), 400);
    let once = bo
        .bo_user_list()
        .x_session_token(session)
        .send()
        .await
        .expect("once is fine");
    assert_eq!(once.status(), 200);
}

#[actix_web::test]
async fn organizations_created_per_user_are_limited_per_hour() {
    let app = TestApp::spawn_with(organization_quota(2)).await;
    let founder = app.client(&Who::verified(1, "founder@acme.example"));
    create_organization(&founder, "One").await;
    create_organization(&founder, "Two").await;
    let third = founder
        .organization_create()
        .body(types::CreateOrganizationRequest::builder().name("Three"))
        .send()
        .await;
    let Err(rollcall_client::Error::ErrorResponse(rv)) = third else {
        panic!("expected a 429, got {third:?}");
    };
    assert_eq!(rv.status(), 429);
    let wait: u64 = rv.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&wait));
    assert_eq!(rv.into_inner().type_, format!("{PROBLEMS}quota-exceeded"));
    let other = app.client(&Who::verified(2, "other@example.com"));
    create_organization(&other, "Theirs").await;
    app.organization("Back office is not limited").await;
    app.organization("Not at all").await;
    app.organization("Really").await;
    assert_eq!(app.counts().await[1], 6, "the refused one was not created");
    app.advance(chrono::Duration::hours(1));
    let founder = app.client(&Who::verified(1, "founder@acme.example"));
    create_organization(&founder, "Next hour").await;
}

#[actix_web::test]
async fn a_bearer_with_the_largest_id_does_not_push_assigned_ids_out_of_range() {
    let app = TestApp::spawn().await;
    const LARGEST: i64 = 9_007_199_254_740_991;
    let huge = app.client(&Who::verified(LARGEST, "huge@example.com"));
    let org = create_organization(&huge, "Huge").await;
    let sent = send_invite(&huge, org.id, "jane@example.com")
        .await
        .expect("invited")
        .into_inner();
    assert_eq!(sent.invited_by, LARGEST);
    let assigned = app.user("assigned@example.com").await;
    assert!(
        assigned < 1_000,
        "a server-assigned id stays small: {assigned}"
    );
    let after_sub = app.client(&Who::verified(assigned + 1, "next@example.com"));
    create_organization(&after_sub, "Next").await;
    let again = app.user("again@example.com").await;
    assert!(
        again != assigned + 1 && again < 1_000,
        "an id a bearer holds is skipped: {again}"
    );
}

#[actix_web::test]
async fn a_body_that_never_finishes_is_a_408_and_others_are_served_meanwhile() {
    let app = TestApp::spawn().await;
    let (founder, _) = app.founded().await;
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /organization HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{",
        app.bearer(&Who::verified(1, "founder@acme.example"))
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    // Meanwhile, others are served.
    founder
        .me_organization_list()
        .send()
        .await
        .expect("another request is served while one body trickles");
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), slow.read_to_end(&mut answer)).await;
    assert!(
        read.is_ok(),
        "the server closes the connection within the deadline"
    );
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("application/problem+json"), "{text}");
    assert!(
        text.contains(&format!("{PROBLEMS}request-timeout")),
        "{text}"
    );
    assert_eq!(app.counts().await[1], 1, "nothing was created");
}

#[actix_web::test]
async fn errors_made_outside_rollcall_code_answer_problem_json_too() {
    let app = TestApp::spawn().await;
    let anon = app.anonymous();
    for path in ["/docs/nonexistent.js", "/no/such/path"] {
        let r = app.raw(&anon, reqwest::Method::GET, path, &[], None).await;
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.problem().type_, format!("{PROBLEMS}not-found"), "{path}");
    }
    let r = app
        .raw(&anon, reqwest::Method::DELETE, "/healthz", &[], None)
        .await;
    assert_eq!(r.status, 405);
    assert_eq!(r.problem().type_, format!("{PROBLEMS}method-not-allowed"));
}

#[actix_web::test]
async fn every_refusal_names_its_class_as_a_stable_type() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let sent = invited(&founder, org.id, "jane@example.com").await;
    let (_, pending) = problem(send_invite(&founder, org.id, "jane@example.com").await);
    assert_eq!(pending.type_, format!("{PROBLEMS}invitation-pending"));
    assert_eq!(pending.invitation_id, Some(sent.id));
    let (_, member) = problem(send_invite(&founder, org.id, "founder@acme.example").await);
    assert_eq!(member.type_, format!("{PROBLEMS}already-member"));
    let stranger = app.client(&Who::verified(8, "stranger@example.com"));
    let (_, mismatch) = problem(accept(&stranger, &sent.token).await);
    assert_eq!(mismatch.type_, format!("{PROBLEMS}email-mismatch"));
    let unverified = app.client(&Who::user(9));
    let (_, p) = problem(accept(&unverified, &sent.token).await);
    assert_eq!(p.type_, format!("{PROBLEMS}email-unverified"));
    let (_, last) = problem(delete_member(&founder, org.id, 1).await);
    assert_eq!(last.type_, format!("{PROBLEMS}last-administrator"));
    revoke(&founder, org.id, sent.id).await.unwrap();
    let jane = app.client(&Who::verified(2, "jane@example.com"));
    let (status, revoked) = problem(accept(&jane, &sent.token).await);
    assert_eq!(
        (status, revoked.type_),
        (410, format!("{PROBLEMS}invitation-revoked"))
    );
    let (_, again) = problem(revoke(&founder, org.id, sent.id).await);
    assert_eq!(again.type_, format!("{PROBLEMS}invitation-not-pending"));
    assert_eq!(again.invitation_id, Some(sent.id));
}
