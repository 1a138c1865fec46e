//! Identity providers, against a real one: `oidc-provider` (npm, OpenID Certified) on loopback
//! (`openid.rs`) publishes discovery and its JWKS and signs the tokens; the server verifies them
//! with the keys it fetched. Each algorithm; `iss`, `aud`, `exp` with its leeway, `nbf`, `crit`;
//! the HS256-with-the-public-key confusion; key rotation, the cache's freshness and its single
//! fetch; the provider down with a warm cache and with a cold one; external subjects mapped to
//! one user (also under 30 concurrent first requests); a seed-000 profile claimed by its owner;
//! roles from a nested claim reaching `/bo/`; the email and user-id claims. The replicas'
//! agreement on one user is in `replicas.rs`.

use app::{
    Policy,
    identity::{ClaimPaths, KeySet, KeySource},
};
use chrono::Duration;
use futures_util::future::join_all;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::Method;
use rollcall_client::{Client, types};
use serde_json::{Value, json};

use crate::{
    helpers::{
        Raw, TestApp, Who, accept, ad_invite, create_organization, create_organization_keyed,
        decline, invited, organization_quota, problem, session_for,
    },
    openid::{ALGORITHMS, AUDIENCE, OpenIdProvider, SignIn},
};

/// A server whose bearers are verified with `provider`'s keys (found by discovery), for the
/// audience the provider's tokens carry, reading claims at `claims`.
async fn served_by(provider: &OpenIdProvider, claims: ClaimPaths, policy: Policy) -> TestApp {
    let issuer = provider.issuer.clone();
    TestApp::spawn_configured(policy, move |keys, clock| {
        keys.expecting(Some(issuer.clone()), Some(AUDIENCE.into()))
            .with_claims(claims)
            .with_provider(KeySet::new(KeySource::Discovery { issuer }, clock).unwrap())
    })
    .await
}

async fn server(provider: &OpenIdProvider) -> TestApp {
    served_by(provider, ClaimPaths::default(), Policy::default()).await
}

fn bearer(app: &TestApp, token: &str) -> Client {
    rollcall_client::with_bearer(&app.client_base, token).expect("a bearer makes a client")
}

/// `GET /me/organizations` with `token`, as sent.
async fn me(app: &TestApp, token: &str) -> Raw {
    app.raw(
        &app.anonymous(),
        Method::GET,
        "/me/organizations",
        &[("authorization", &format!("Bearer {token}"))],
        None,
    )
    .await
}

async fn ready(app: &TestApp) -> u16 {
    app.raw(&app.anonymous(), Method::GET, "/readyz", &[], None)
        .await
        .status
}

/// The names of the organizations `token`'s caller is a member of.
async fn my_organizations(app: &TestApp, token: &str) -> Vec<String> {
    bearer(app, token)
        .me_organization_list()
        .send()
        .await
        .expect("my organizations")
        .into_inner()
        .data
        .into_iter()
        .map(|m| m.organization.name)
        .collect()
}

async fn count(app: &TestApp, table: &str) -> i64 {
    app.query::<i64>(&format!("SELECT COUNT(*) AS v FROM {table}"))
        .await[0]
}

fn refused(raw: &Raw, status: u16, says: &str) {
    let p = raw.problem();
    assert_eq!(raw.status, status, "{}", p.detail);
    assert!(p.detail.contains(says), "{:?} lacks {says:?}", p.detail);
}

#[actix_web::test]
async fn every_algorithm_the_provider_signs_with_is_verified_by_its_key() {
    let provider = OpenIdProvider::start();
    let app = server(&provider).await;
    for alg in ALGORITHMS {
        let sign_in = SignIn {
            alg,
            ..SignIn::verified(&format!("user-{alg}"), "ada@example.com")
        };
        let token = provider.token(&sign_in).await;
        let header = jsonwebtoken::decode_header(&token).unwrap();
        assert_eq!(
            format!("{:?}", header.alg),
            alg,
            "the provider signed with {alg}"
        );
        assert_eq!(header.kid.as_deref(), Some(provider.key(alg).kid.as_str()));
        assert_eq!(me(&app, &token).await.status, 200, "{alg}");
    }
}

#[actix_web::test]
async fn a_bearer_for_another_audience_or_from_another_issuer_is_refused() {
    let provider = OpenIdProvider::start();
    let app = server(&provider).await;
    let other_audience = provider
        .token(&SignIn {
            audience: "another-api".into(),
            ..SignIn::verified("auth0|a", "a@example.com")
        })
        .await;
    refused(&me(&app, &other_audience).await, 401, "audience");
    let now = app.now_ts();
    let good = provider.forge(OpenIdProvider::rs256(), json!({"sub": "auth0|a"}), now);
    assert_eq!(
        me(&app, &good).await.status,
        200,
        "the forged token is well made"
    );
    let elsewhere = provider.forge(
        OpenIdProvider::rs256(),
        json!({"sub": "auth0|a", "iss": "https://evil.example/"}),
        now,
    );
    refused(&me(&app, &elsewhere).await, 401, "issuer");
}

#[actix_web::test]
async fn expiry_allows_the_leeway_and_no_more_and_nbf_is_enforced() {
    let provider = OpenIdProvider::start();
    let app = server(&provider).await;
    let token = provider
        .token(&SignIn {
            ttl_seconds: 60,
            ..SignIn::verified("auth0|e", "e@example.com")
        })
        .await;
    let exp = jsonwebtoken::dangerous::insecure_decode::<Value>(&token)
        .unwrap()
        .claims["exp"]
        .as_i64()
        .unwrap();
    app.advance(Duration::seconds(exp - app.now_ts() + 29));
    assert_eq!(me(&app, &token).await.status, 200, "29 s past exp: leeway");
    app.advance(Duration::seconds(2));
    refused(&me(&app, &token).await, 401, "expired");

    let now = app.now_ts();
    let later = provider.forge(
        OpenIdProvider::rs256(),
        json!({"sub": "auth0|n", "nbf": now + 120}),
        now,
    );
    refused(&me(&app, &later).await, 401, "not valid yet");
    app.advance(Duration::seconds(91));
    assert_eq!(me(&app, &later).await.status, 200, "within 30 s of nbf");
}

#[actix_web::test]
async fn a_token_naming_an_unknown_critical_extension_is_refused() {
    let provider = OpenIdProvider::start();
    let app = server(&provider).await;
    let crit = provider.forge(
        Header {
            crit: Some(vec!["urn:example:must-understand".into()]),
            ..OpenIdProvider::rs256()
        },
        json!({"sub": "auth0|c"}),
        app.now_ts(),
    );
    refused(&me(&app, &crit).await, 401, "crit");
}

#[actix_web::test]
async fn hs256_is_refused_even_when_signed_with_the_providers_public_key_or_the_servers_secret() {
    let provider = OpenIdProvider::start();
    let app = server(&provider).await;
    let rsa = provider.key("RS256");
    let now = app.now_ts();
    let claims =
        json!({"iss": provider.issuer, "aud": AUDIENCE, "sub": "auth0|x", "exp": now + 600});
    let confused = jsonwebtoken::encode(
        &Header {
            kid: Some(rsa.kid.clone()),
            ..Header::new(Algorithm::HS256)
        },
        &claims,
        &EncodingKey::from_secret(rsa.public_pem.as_bytes()).unwrap(),
    )
    .unwrap();
    refused(&me(&app, &confused).await, 401, "shared secret");
    let secret_signed = app.bearer(&Who::verified(1, "a@example.com"));
    refused(&me(&app, &secret_signed).await, 401, "shared secret");
    // An RSA key never verifies an ECDSA signature, whatever the header says.
    let mislabelled = provider.forge(
        Header {
            kid: Some(provider.key("ES256").kid.clone()),
            ..OpenIdProvider::rs256()
        },
        json!({"sub": "auth0|x"}),
        now,
    );
    refused(&me(&app, &mislabelled).await, 401, "verifies only");
}

#[actix_web::test]
async fn a_rotated_key_is_fetched_on_its_unknown_kid_at_most_once_per_30_seconds() {
    let mut provider = OpenIdProvider::start();
    let app = server(&provider).await;
    let before = provider
        .token(&SignIn::verified("auth0|r", "r@example.com"))
        .await;
    assert_eq!(me(&app, &before).await.status, 200);
    provider.rotate();
    let after = provider
        .token(&SignIn::verified("auth0|r", "r@example.com"))
        .await;
    refused(
        &me(&app, &after).await,
        401,
        "not among those the OpenID provider",
    );
    assert_eq!(
        provider.jwks_hits().await,
        0,
        "under 30 s since the last fetch"
    );
    app.advance(Duration::seconds(31));
    assert_eq!(
        me(&app, &after).await.status,
        200,
        "refetched, the new kid is known"
    );
    assert_eq!(provider.jwks_hits().await, 1);
    refused(&me(&app, &before).await, 401, "not among");
    app.advance(Duration::seconds(31));
    refused(&me(&app, &before).await, 401, "not among");
    assert_eq!(provider.jwks_hits().await, 2, "one more try after 30 s");
}

#[actix_web::test]
async fn requests_arriving_during_a_fetch_wait_for_that_one_fetch() {
    let provider = OpenIdProvider::start();
    let tokens = join_all((0..20).map(|i| {
        let provider = &provider;
        async move {
            provider
                .token(&SignIn::verified(&format!("auth0|{i}"), "w@example.com"))
                .await
        }
    }))
    .await;
    let app = server(&provider).await;
    let statuses = join_all(tokens.iter().map(|t| me(&app, t))).await;
    assert!(statuses.iter().all(|r| r.status == 200));
    assert_eq!(provider.jwks_hits().await, 1, "cold: one fetch for all");

    app.advance(Duration::seconds(31));
    let unknown = provider.forge(
        Header {
            kid: Some("not-published".into()),
            ..OpenIdProvider::rs256()
        },
        json!({"sub": "auth0|u"}),
        app.now_ts(),
    );
    let statuses = join_all((0..20).map(|_| me(&app, &unknown))).await;
    assert!(statuses.iter().all(|r| r.status == 401));
    assert_eq!(
        provider.jwks_hits().await,
        2,
        "one refetch for twenty unknown kids"
    );
}

#[actix_web::test]
async fn keys_are_fresh_for_the_answers_max_age_and_ten_minutes_without_one() {
    let provider = OpenIdProvider::start_with(Some(60));
    let app = server(&provider).await;
    let token = provider
        .token(&SignIn::verified("auth0|m", "m@example.com"))
        .await;
    assert_eq!(me(&app, &token).await.status, 200);
    app.advance(Duration::seconds(59));
    assert_eq!(me(&app, &token).await.status, 200);
    assert_eq!(provider.jwks_hits().await, 1);
    app.advance(Duration::seconds(2));
    assert_eq!(me(&app, &token).await.status, 200);
    assert_eq!(provider.jwks_hits().await, 2, "max-age=60 passed");

    let plain = OpenIdProvider::start();
    let app = server(&plain).await;
    let token = plain
        .token(&SignIn::verified("auth0|m", "m@example.com"))
        .await;
    assert_eq!(me(&app, &token).await.status, 200);
    app.advance(Duration::minutes(9));
    assert_eq!(me(&app, &token).await.status, 200);
    assert_eq!(plain.jwks_hits().await, 1);
    app.advance(Duration::minutes(2));
    assert_eq!(me(&app, &token).await.status, 200);
    assert_eq!(plain.jwks_hits().await, 2, "ten minutes passed");
}

#[actix_web::test]
async fn with_the_provider_down_a_warm_cache_serves_for_24_hours_past_freshness() {
    let mut provider = OpenIdProvider::start();
    let app = server(&provider).await;
    let token = provider
        .token(&SignIn {
            ttl_seconds: 3 * 24 * 3600,
            ..SignIn::verified("auth0|d", "d@example.com")
        })
        .await;
    assert_eq!(me(&app, &token).await.status, 200);
    provider.stop();
    app.advance(Duration::minutes(11));
    assert_eq!(me(&app, &token).await.status, 200, "stale keys serve");
    assert_eq!(ready(&app).await, 200, "keys were fetched once");
    app.advance(Duration::hours(24) - Duration::minutes(2));
    assert_eq!(me(&app, &token).await.status, 200, "just under 24 h stale");
    app.advance(Duration::minutes(2));
    let gone = me(&app, &token).await;
    refused(&gone, 503, "cannot be reached");
    assert!(gone.headers.contains_key("retry-after"));
    provider.restart();
    app.advance(Duration::seconds(31));
    assert_eq!(me(&app, &token).await.status, 200, "back with the provider");
}

#[actix_web::test]
async fn stale_keys_serve_at_once_while_a_fetch_hangs_on_a_silent_provider() {
    let mut provider = OpenIdProvider::start();
    let app = server(&provider).await;
    let token = provider
        .token(&SignIn {
            ttl_seconds: 3 * 24 * 3600,
            ..SignIn::verified("auth0|s", "s@example.com")
        })
        .await;
    assert_eq!(me(&app, &token).await.status, 200);
    let silence = provider.go_silent();
    app.advance(Duration::minutes(11));
    // The first request past freshness fetches again, and that fetch hangs on the silent port.
    let fetching = me(&app, &token);
    tokio::pin!(fetching);
    while silence.accepted() == 0 {
        tokio::select! {
            answered = &mut fetching => panic!(
                "answered ({}) before its fetch reached the provider's port",
                answered.status
            ),
            () = tokio::time::sleep(std::time::Duration::from_millis(20)) => {}
        }
    }
    let meanwhile = me(&app, &token).await;
    assert_eq!(
        meanwhile.status,
        200,
        "a stale key serves: {}",
        String::from_utf8_lossy(&meanwhile.bytes)
    );
    assert_eq!(
        silence.closed(),
        0,
        "the second request was answered while the fetch still hung, not after it gave up"
    );
    assert_eq!(
        fetching.await.status,
        200,
        "the fetching request serves its stale key once the fetch times out"
    );
}

#[actix_web::test]
async fn with_the_provider_down_from_the_start_nothing_verifies_and_readyz_is_503() {
    let mut provider = OpenIdProvider::start();
    provider.stop();
    let app = server(&provider).await;
    let token = provider.forge(
        OpenIdProvider::rs256(),
        json!({"sub": "auth0|cold"}),
        app.now_ts(),
    );
    assert_eq!(ready(&app).await, 503);
    refused(&me(&app, &token).await, 503, "never fetched");
    provider.restart();
    assert_eq!(
        ready(&app).await,
        503,
        "the next try is 30 s after the last"
    );
    app.advance(Duration::seconds(31));
    assert_eq!(ready(&app).await, 200);
    assert_eq!(me(&app, &token).await.status, 200);
}

#[actix_web::test]
async fn a_discovery_document_naming_another_issuer_is_not_trusted() {
    let provider = OpenIdProvider::start();
    let slashed = format!("{}/", provider.issuer);
    let app = TestApp::spawn_configured(Policy::default(), move |keys, clock| {
        keys.expecting(Some(slashed.clone()), Some(AUDIENCE.into()))
            .with_provider(KeySet::new(KeySource::Discovery { issuer: slashed }, clock).unwrap())
    })
    .await;
    let token = provider
        .token(&SignIn::verified("auth0|i", "i@example.com"))
        .await;
    refused(&me(&app, &token).await, 503, "names the issuer");
    assert_eq!(ready(&app).await, 503);
}

#[actix_web::test]
async fn a_jwks_url_verifies_without_discovery() {
    let provider = OpenIdProvider::start();
    let (issuer, url) = (provider.issuer.clone(), provider.jwks_url());
    let app = TestApp::spawn_configured(Policy::default(), move |keys, clock| {
        keys.expecting(Some(issuer), Some(AUDIENCE.into()))
            .with_provider(KeySet::new(KeySource::Jwks { url }, clock).unwrap())
    })
    .await;
    let token = provider
        .token(&SignIn {
            alg: "ES384",
            ..SignIn::verified("auth0|j", "j@example.com")
        })
        .await;
    assert_eq!(me(&app, &token).await.status, 200);
}

#[actix_web::test]
async fn external_subjects_map_to_one_user_across_calls() {
    let provider = OpenIdProvider::start();
    let app = server(&provider).await;
    let auth0 = "auth0|64f1c2a9e1b0c3d4e5f60718";
    let first = provider
        .token(&SignIn::verified(auth0, "ada@example.com"))
        .await;
    create_organization(&bearer(&app, &first), "Analytical Engines").await;
    // A later token of the same subject, its email since changed at the provider: same user.
    let later = provider
        .token(&SignIn::verified(auth0, "ada.lovelace@example.com"))
        .await;
    assert_eq!(my_organizations(&app, &later).await, ["Analytical Engines"]);
    let keycloak = "0f8fad5b-d9cb-469f-a165-70867728950e";
    let other = provider
        .token(&SignIn::verified(keycloak, "grace@example.com"))
        .await;
    create_organization(&bearer(&app, &other), "Compilers").await;
    assert_eq!(my_organizations(&app, &other).await, ["Compilers"]);
    assert_eq!(
        (count(&app, "identities").await, count(&app, "users").await),
        (2, 2)
    );
    let emails = app
        .query::<String>(&format!(
            "SELECT u.email AS v FROM identities i JOIN users u ON u.id = i.user_id WHERE i.subject = '{auth0}'"
        ))
        .await;
    assert_eq!(emails, ["ada@example.com"]);
}

#[actix_web::test]
async fn a_new_identitys_keyed_first_request_is_replayed_once_it_has_a_profile() {
    let provider = OpenIdProvider::start();
    let app = server(&provider).await;
    let token = provider
        .token(&SignIn::verified("auth0|keyed", "keyed@example.com"))
        .await;
    let client = bearer(&app, &token);
    let send = || create_organization_keyed(&client, "first-org", "Keyed");
    let first = send().await.expect("created");
    assert!(first.headers().get("idempotency-replayed").is_none());
    let again = send().await.expect("replayed");
    assert_eq!(again.headers()["idempotency-replayed"], "true");
    assert_eq!(again.into_inner().id, first.into_inner().id);
    assert_eq!(count(&app, "organizations").await, 1);
    let actors = app
        .query::<i64>("SELECT DISTINCT actor_id AS v FROM audit_events")
        .await;
    let user = app.query::<i64>("SELECT id AS v FROM users").await;
    assert_eq!(actors, user, "the new profile is the actor of its events");
}

#[actix_web::test]
async fn an_identity_without_a_profile_acts_as_no_user_until_it_accepts_an_invitation() {
    let provider = OpenIdProvider::start();
    let app = server(&provider).await;
    let founder = provider
        .token(&SignIn::verified("auth0|founder", "founder@acme.example"))
        .await;
    let org = create_organization(&bearer(&app, &founder), "Acme").await;
    let sent = invited(&bearer(&app, &founder), org.id, "new@acme.example").await;
    let newcomer = provider
        .token(&SignIn::verified(
            "google-oauth2|1029384756",
            "new@acme.example",
        ))
        .await;
    assert!(my_organizations(&app, &newcomer).await.is_empty());
    let (status, _) = problem(
        bearer(&app, &newcomer)
            .session_create()
            .body(types::CreateSessionRequest {
                organization_id: Some(org.numeric_id),
            })
            .send()
            .await,
    );
    assert_eq!(status, 403);
    assert_eq!(
        (count(&app, "identities").await, count(&app, "users").await),
        (1, 1),
        "only the founder so far"
    );
    let member = accept(&bearer(&app, &newcomer), &sent.token)
        .await
        .expect("accepted")
        .into_inner();
    assert_eq!(member.email, "new@acme.example");
    assert_eq!(my_organizations(&app, &newcomer).await, ["Acme"]);
    assert_eq!(
        (count(&app, "identities").await, count(&app, "users").await),
        (2, 2)
    );
}

#[actix_web::test]
async fn a_profile_made_by_seed_000_is_claimed_by_its_owner_on_first_sign_in() {
    let provider = OpenIdProvider::start();
    let app = server(&provider).await;
    let founder = provider
        .token(&SignIn::verified("auth0|founder", "founder@acme.example"))
        .await;
    let org = create_organization(&bearer(&app, &founder), "Acme").await;
    let session = session_for(&bearer(&app, &founder), org.numeric_id).await;
    let added: types::InviteUserOrganizationRequest = serde_json::from_value(json!({
        "firstName": "Jane", "lastName": "Doe", "email": "jane@acme.example", "permissions": {"group": 0}
    }))
    .unwrap();
    let membership = ad_invite(&bearer(&app, &founder), session, added)
        .await
        .expect("seed 000 adds Jane")
        .into_inner()
        .data;

    // Not verified: no claim.
    let unverified = provider
        .token(&SignIn {
            claims: json!({"email": "jane@acme.example", "email_verified": false}),
            ..SignIn::verified("auth0|impostor", "")
        })
        .await;
    assert!(my_organizations(&app, &unverified).await.is_empty());

    let jane = provider
        .token(&SignIn::verified("auth0|jane", "Jane@Acme.example"))
        .await;
    assert_eq!(my_organizations(&app, &jane).await, ["Acme"]);
    let session = bearer(&app, &jane)
        .session_create()
        .body(types::CreateSessionRequest {
            organization_id: Some(org.numeric_id),
        })
        .send()
        .await
        .expect("Jane gets a session for her organization");
    assert_eq!(session.status(), 201);
    let linked = app
        .query::<i64>("SELECT user_id AS v FROM identities WHERE subject = 'auth0|jane'")
        .await;
    assert_eq!(linked, [membership.user_id]);
    assert_eq!(count(&app, "users").await, 2, "no second Jane");
}

#[actix_web::test]
async fn roles_from_a_nested_claim_reach_the_back_office() {
    let provider = OpenIdProvider::start();
    let claims = ClaimPaths {
        roles: "realm_access.roles".into(),
        ..ClaimPaths::default()
    };
    let app = served_by(&provider, claims, Policy::default()).await;
    let operator = provider
        .token(&SignIn {
            claims: json!({"realm_access": {"roles": ["offline_access", "backoffice"]}}),
            ..SignIn::verified("f81d4fae-7dec-11d0-a765-00a0c91e6bf6", "")
        })
        .await;
    let session = bearer(&app, &operator)
        .session_create()
        .body(types::CreateSessionRequest {
            organization_id: None,
        })
        .send()
        .await
        .expect("a back-office session")
        .into_inner()
        .data
        .token;
    let users = bearer(&app, &operator)
        .bo_user_list()
        .x_session_token(&session)
        .send()
        .await
        .expect("the back office answers");
    assert_eq!(users.status(), 200);
    assert_eq!(
        bearer(&app, &operator)
            .bo_user_list()
            .x_session_token(&session)
            .send()
            .await
            .expect("again, same user")
            .status(),
        200
    );
    assert_eq!(count(&app, "identities").await, 1);
    assert_eq!(
        count(&app, "users").await,
        0,
        "the back office needs no profile"
    );

    let top_level = provider
        .token(&SignIn {
            claims: json!({"roles": ["backoffice"]}),
            ..SignIn::verified("f81d4fae-7dec-11d0-a765-00a0c91e6bf7", "")
        })
        .await;
    let (status, _) = problem(
        bearer(&app, &top_level)
            .session_create()
            .body(types::CreateSessionRequest {
                organization_id: None,
            })
            .send()
            .await,
    );
    assert_eq!(status, 403, "roles are read at realm_access.roles only");
}

#[actix_web::test]
async fn thirty_first_creating_requests_of_one_new_identity_make_one_identity_and_one_profile() {
    let provider = OpenIdProvider::start();
    let app = served_by(&provider, ClaimPaths::default(), organization_quota(100)).await;
    let token = provider
        .token(&SignIn::verified("auth0|rush", "rush@example.com"))
        .await;
    let client = bearer(&app, &token);
    let created = join_all((0..30).map(|i| {
        client
            .organization_create()
            .body(types::CreateOrganizationRequest::builder().name(format!("Org {i}")))
            .send()
    }))
    .await;
    assert!(
        created
            .iter()
            .all(|r| matches!(r, Ok(v) if v.status() == 201))
    );
    assert_eq!(
        (
            count(&app, "identities").await,
            count(&app, "users").await,
            count(&app, "organizations").await
        ),
        (1, 1, 30)
    );
    assert_eq!(
        my_organizations(&app, &token).await.len(),
        20,
        "a page of them"
    );
}

#[actix_web::test]
async fn an_email_in_a_namespaced_claim_is_read_as_auth0_puts_it() {
    let provider = OpenIdProvider::start();
    let claims = ClaimPaths {
        email: "https://rollcall.example/email".into(),
        ..ClaimPaths::default()
    };
    let app = served_by(&provider, claims, Policy::default()).await;
    let token = provider
        .token(&SignIn {
            claims: json!({
                "https://rollcall.example/email": "ns@example.com",
                "https://rollcall.example/email_verified": true,
            }),
            ..SignIn::verified("auth0|ns", "")
        })
        .await;
    create_organization(&bearer(&app, &token), "Namespaced").await;
    let emails = app.query::<String>("SELECT email AS v FROM users").await;
    assert_eq!(emails, ["ns@example.com"]);
}

#[actix_web::test]
async fn a_user_id_claim_names_the_rollcall_user_without_identities() {
    let provider = OpenIdProvider::start();
    let claims = ClaimPaths {
        user_id: Some("app_metadata.rollcall_id".into()),
        ..ClaimPaths::default()
    };
    let app = served_by(&provider, claims, Policy::default()).await;
    let token = provider
        .token(&SignIn {
            claims: json!({"app_metadata": {"rollcall_id": "4242"}, "email": "u@example.com", "email_verified": true}),
            ..SignIn::verified("auth0|uid", "")
        })
        .await;
    create_organization(&bearer(&app, &token), "By id").await;
    let ids = app.query::<i64>("SELECT id AS v FROM users").await;
    assert_eq!(ids, [4242]);
    assert_eq!(count(&app, "identities").await, 0);
    let without = provider
        .token(&SignIn::verified("auth0|uid", "u@example.com"))
        .await;
    refused(&me(&app, &without).await, 401, "app_metadata.rollcall_id");
}

#[actix_web::test]
async fn an_identity_whose_profile_has_another_email_cannot_accept_an_invitation_to_its_token_email()
 {
    let provider = OpenIdProvider::start();
    let app = server(&provider).await;
    let founder = provider
        .token(&SignIn::verified("auth0|founder", "founder@acme.example"))
        .await;
    let org = create_organization(&bearer(&app, &founder), "Acme").await;
    let ada = provider
        .token(&SignIn::verified("auth0|ada", "ada@old.example"))
        .await;
    create_organization(&bearer(&app, &ada), "Ada's").await;
    let sent = invited(&bearer(&app, &founder), org.id, "ada@new.example").await;
    // Ada's email changed at the provider; her profile's did not.
    let renamed = provider
        .token(&SignIn::verified("auth0|ada", "ada@new.example"))
        .await;
    let before = app.counts().await;
    let (status, p) = problem(accept(&bearer(&app, &renamed), &sent.token).await);
    assert_eq!(status, 403);
    assert!(p.type_.ends_with("/email-mismatch"), "{}", p.type_);
    assert!(p.detail.contains("ada@old.example"), "{}", p.detail);
    assert_eq!(app.counts().await, before, "nothing changed");
}

#[actix_web::test]
async fn a_subject_whose_profile_has_another_email_cannot_accept_an_invitation_to_its_token_email()
{
    // The embedded default (HS256, `sub` a user id): user 5's profile is five@old.example.
    let (app, founder, org) = TestApp::spawn_founded().await;
    create_organization(&app.client(&Who::verified(5, "five@old.example")), "Five's").await;
    let sent = invited(&founder, org.id, "five@new.example").await;
    let five = app.client(&Who::verified(5, "five@new.example"));
    let before = app.counts().await;
    let (status, p) = problem(accept(&five, &sent.token).await);
    assert_eq!(status, 403, "{}", p.detail);
    assert!(p.type_.ends_with("/email-mismatch"), "{}", p.type_);
    let (status, _) = problem(decline(&five, &sent.token).await);
    assert_eq!(status, 403);
    let (status, _) = problem(five.me_invitation_list().send().await);
    assert_eq!(status, 403, "none of them could be accepted");
    assert_eq!(app.counts().await, before);
    // Sent to the profile's email, it is accepted, and the member shows that email.
    let sent = invited(&founder, org.id, "five@old.example").await;
    let member = accept(
        &app.client(&Who::verified(5, "five@old.example")),
        &sent.token,
    )
    .await
    .expect("accepted")
    .into_inner();
    assert_eq!(
        (member.user_id, member.email.as_str()),
        (5, "five@old.example")
    );
}
