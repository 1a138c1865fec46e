//! Two replicas, one PostgreSQL database: two `rollcall serve` processes raced against each
//! other. Nothing that matters may live in one process's memory, so every race resolves in the
//! database exactly as it does within one process. These tests need PostgreSQL (SQLite is one
//! process's database) and run in the suite's PostgreSQL pass. An identity provider's subject
//! is one user on both replicas, even when its first requests race across them.

use futures_util::future::join_all;
use rollcall_client::{Client, types};
use sea_orm::{Database, DatabaseConnection};

use crate::{
    database::{TestDatabase, count, postgres_url},
    helpers::{
        create_organization, create_organization_keyed, invited_with, set_role, statuses, tally,
    },
    openid::{AUDIENCE, OpenIdProvider, SignIn},
    processes::{Process, client},
};

/// Two `rollcall serve` processes, both with `env`, on a fresh PostgreSQL database; `None` (with
/// a note) when the suite runs on SQLite.
async fn two_processes(env: &[(&str, &str)]) -> Option<(TestDatabase, Process, Process)> {
    if postgres_url().is_none() {
        eprintln!(
            "two replicas need PostgreSQL: this test runs in the PostgreSQL pass (ROLLCALL_TEST_POSTGRES_URL)"
        );
        return None;
    }
    let database = TestDatabase::create().await;
    let (a, b) = futures_util::join!(
        Process::start(&database.url, env),
        Process::start(&database.url, env)
    );
    Some((database, a, b))
}

/// Two replicas (see [`two_processes`]), an organization founded through the first, a
/// connection for counting rows, and the founder's client on replica A and on replica B.
async fn two_replicas(
    env: &[(&str, &str)],
) -> Option<(
    TestDatabase,
    Process,
    Process,
    types::Organization,
    DatabaseConnection,
    [Client; 2],
)> {
    let (database, a, b) = two_processes(env).await?;
    let founders = [
        client(&a.base, 1, "founder@acme.example"),
        client(&b.base, 1, "founder@acme.example"),
    ];
    // Through replica A.
    let org = create_organization(&founders[0], "Acme").await;
    let db = Database::connect(&database.url)
        .await
        .expect("a connection");
    Some((database, a, b, org, db, founders))
}

/// `inviter` invites `email` into `org` as `role`; the invitation with its token.
async fn invite(
    inviter: &Client,
    org: uuid::Uuid,
    email: &str,
    role: types::Role,
) -> types::InvitationWithToken {
    invited_with(
        inviter,
        org,
        types::InviteRequest::builder().email(email).role(role),
    )
    .await
}

#[actix_web::test]
async fn accepts_split_across_two_replicas_make_exactly_one_membership() {
    let Some((_database, a, b, org, db, [founder, _])) = two_replicas(&[]).await else {
        return;
    };
    let sent = invite(&founder, org.id, "jane@example.com", types::Role::Member).await;
    let replicas: [Client; 2] = [
        client(&a.base, 2, "jane@example.com"),
        client(&b.base, 2, "jane@example.com"),
    ];
    let attempts = (0..30).map(|i| {
        replicas[i % 2]
            .invitation_accept()
            .body(types::InvitationTokenRequest::builder().token(sent.token.as_str()))
            .send()
    });
    let got = statuses(&join_all(attempts).await);
    assert_eq!((tally(&got, 201), tally(&got, 200)), (1, 29), "{got:?}");
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) AS n FROM memberships WHERE user_id = 2"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) AS n FROM invitations WHERE status = 'accepted'"
        )
        .await,
        1
    );
}

#[actix_web::test]
async fn invites_of_one_email_across_two_replicas_make_exactly_one_invitation() {
    let Some((_database, _a, _b, org, db, replicas)) = two_replicas(&[]).await else {
        return;
    };
    let attempts = (0..30).map(|i| {
        replicas[i % 2]
            .invitation_create()
            .organization_id(org.id)
            .body(
                types::InviteRequest::builder()
                    .email(if i % 3 == 0 {
                        "JANE@example.com"
                    } else {
                        "jane@example.com"
                    })
                    .role(types::Role::Member),
            )
            .send()
    });
    let got = statuses(&join_all(attempts).await);
    assert_eq!((tally(&got, 201), tally(&got, 409)), (1, 29), "{got:?}");
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM invitations").await, 1);
}

#[actix_web::test]
async fn an_idempotency_key_replayed_on_the_other_replica_returns_the_first_answer() {
    let Some((_database, a, b, _org, db, _)) = two_replicas(&[]).await else {
        return;
    };
    let create = |base: String| async move {
        let ops = client(&base, 7, "ops@globex.example");
        create_organization_keyed(&ops, "globex-2026-11-23", "Globex").await
    };
    let first = create(a.base.clone()).await.expect("created on A");
    let again = create(b.base.clone()).await.expect("replayed on B");
    assert_eq!(first.status(), 201);
    assert_eq!(again.status(), 201);
    let (first, again) = (first.into_inner(), again.into_inner());
    assert_eq!((first.id, first.numeric_id), (again.id, again.numeric_id));
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) AS n FROM organizations WHERE name = 'Globex'"
        )
        .await,
        1
    );
}

#[actix_web::test]
async fn administrators_demoting_each_other_on_two_replicas_leave_exactly_one() {
    let Some((_database, _a, b, org, db, [founder, _])) = two_replicas(&[]).await else {
        return;
    };
    let sent = invite(
        &founder,
        org.id,
        "second@acme.example",
        types::Role::Administrator,
    )
    .await;
    let second = client(&b.base, 2, "second@acme.example");
    second
        .invitation_accept()
        .body(types::InvitationTokenRequest::builder().token(sent.token.as_str()))
        .send()
        .await
        .expect("accepted");
    let demote =
        |c: Client, user: i64| async move { set_role(&c, org.id, user, types::Role::Member).await };
    let (x, y) = futures_util::join!(demote(founder, 2), demote(second, 1));
    assert_eq!(
        [x.is_ok(), y.is_ok()].iter().filter(|ok| **ok).count(),
        1,
        "exactly one demotion succeeds: {x:?} {y:?}"
    );
    assert_eq!(
        count(&db, "SELECT COUNT(*) AS n FROM memberships WHERE role = 'administrator' AND deleted_at IS NULL").await,
        1
    );
}

/// Two replicas, each running the email worker against one real SMTP server, share a few
/// hundred invitation emails through `FOR UPDATE SKIP LOCKED`: every email arrives exactly once.
#[actix_web::test]
async fn two_replicas_send_each_invitation_email_exactly_once() {
    const EMAILS: usize = 300;
    if postgres_url().is_none() {
        eprintln!("two replicas need PostgreSQL: this test runs in the PostgreSQL pass");
        return;
    }
    let database = TestDatabase::create().await;
    let sink = crate::peers::SmtpSink::start();
    let url = sink.url();
    let env = [
        ("ROLLCALL_SMTP_URL", url.as_str()),
        ("ROLLCALL_WORKER_POLL_MS", "20"),
        ("ROLLCALL_INVITATIONS_PER_HOUR", "100000"),
    ];
    let (a, b) = futures_util::join!(
        Process::start(&database.url, &env),
        Process::start(&database.url, &env)
    );
    let founders = [
        client(&a.base, 1, "founder@acme.example"),
        client(&b.base, 1, "founder@acme.example"),
    ];
    let org = create_organization(&founders[0], "Acme").await;
    invite_people(&founders, org.id, EMAILS).await;
    let mails = sink
        .wait_for(EMAILS, std::time::Duration::from_secs(120))
        .await;
    // Some time for a second copy of anything to arrive, were one to be sent.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let mails = if sink.received().len() > mails.len() {
        sink.received()
    } else {
        mails
    };
    let ids: std::collections::HashSet<&str> =
        mails.iter().map(|m| m.message_id.as_str()).collect();
    assert_eq!(mails.len(), EMAILS, "no email twice");
    assert_eq!(ids.len(), EMAILS, "each Message-ID once");
    let db = Database::connect(&database.url).await.expect("connects");
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) AS n FROM outbox_messages WHERE status = 'sent'"
        )
        .await,
        EMAILS as i64
    );
}

/// Two replicas, each running the webhook worker, share the deliveries of a few hundred
/// invitations to one endpoint through `FOR UPDATE SKIP LOCKED`: every event arrives, verified,
/// and none twice (so never twice at once).
#[actix_web::test]
async fn two_replicas_deliver_every_webhook_event_and_none_twice() {
    const INVITES: usize = 200;
    let env = [
        ("ROLLCALL_WEBHOOK_ALLOW_PRIVATE", "true"),
        ("ROLLCALL_WORKER_POLL_MS", "20"),
        ("ROLLCALL_INVITATIONS_PER_HOUR", "100000"),
    ];
    let Some((_database, _a, _b, org, db, founders)) = two_replicas(&env).await else {
        return;
    };
    let receiver = crate::peers::HookReceiver::start();
    receiver
        .register_for_invitations(&founders[0], org.id, "a", 30)
        .await;
    invite_people(&founders, org.id, INVITES).await;
    receiver
        .wait_until(
            std::time::Duration::from_secs(120),
            "every event delivered",
            |h| h.len() >= INVITES,
        )
        .await;
    // Time for a second copy of anything to arrive, were one to be sent.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let hooks = receiver.received();
    let ids: std::collections::HashSet<&str> = hooks.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids.len(), INVITES, "every event once");
    assert_eq!(hooks.len(), INVITES, "no event twice");
    assert!(hooks.iter().all(|h| h.verified == [true] && h.attempt == 1));
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) AS n FROM webhook_deliveries WHERE status = 'succeeded'"
        )
        .await,
        INVITES as i64
    );
}

#[actix_web::test]
async fn an_external_subject_is_one_user_across_two_replicas_even_on_thirty_first_requests() {
    let provider = OpenIdProvider::start();
    let env = [
        ("ROLLCALL_OIDC_ISSUER", provider.issuer.as_str()),
        ("ROLLCALL_JWT_AUDIENCE", AUDIENCE),
        ("ROLLCALL_ORGANIZATIONS_PER_HOUR", "100"),
    ];
    let Some((database, a, b)) = two_processes(&env).await else {
        return;
    };
    let token = provider
        .token(&SignIn::verified("auth0|64f1c2a9e1b0", "ada@example.com"))
        .await;
    let replicas = [
        rollcall_client::with_bearer(&a.base, &token).expect("a bearer makes a client"),
        rollcall_client::with_bearer(&b.base, &token).expect("a bearer makes a client"),
    ];
    let attempts = (0..30).map(|i| {
        replicas[i % 2]
            .organization_create()
            .body(types::CreateOrganizationRequest::builder().name(format!("Org {i}")))
            .send()
    });
    let got = statuses(&join_all(attempts).await);
    assert_eq!(tally(&got, 201), 30, "{got:?}");
    let db = Database::connect(&database.url)
        .await
        .expect("a connection");
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM identities").await, 1);
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM users").await, 1);
    assert_eq!(
        count(&db, "SELECT COUNT(DISTINCT user_id) AS n FROM memberships").await,
        1
    );
    // A later sign-in, on either replica, is that user.
    let later = provider
        .token(&SignIn::verified("auth0|64f1c2a9e1b0", "ada@example.com"))
        .await;
    let mut seen = Vec::new();
    for base in [&a.base, &b.base] {
        let page = rollcall_client::with_bearer(base, &later)
            .expect("a bearer makes a client")
            .me_organization_list()
            .limit(std::num::NonZeroU64::new(100).unwrap())
            .send()
            .await
            .expect("my organizations")
            .into_inner();
        seen.push(page.data.len());
    }
    assert_eq!(seen, [30, 30]);
}

/// Invites person0@example.com, person1@example.com, … (`count` people) into `org` all at once, as a
/// client would (see [`invite_as_a_client_would`]), each through one of `founders` in turn; each
/// must be invited.
async fn invite_people(founders: &[Client; 2], org: uuid::Uuid, count: usize) {
    let emails: Vec<String> = (0..count)
        .map(|n| format!("person{n}@example.com"))
        .collect();
    let invites = emails
        .iter()
        .enumerate()
        .map(|(n, email)| invite_as_a_client_would(&founders[n % 2], org, email));
    for r in join_all(invites).await {
        r.expect("invited");
    }
}

/// Invites `email`, as a well-behaved client does: a 503 (the database busy: two replicas take
/// hundreds of invites of one organization at once, each waiting on its quota row) is sent again
/// after its `Retry-After`, a few times. Anything else is answered as it came.
async fn invite_as_a_client_would(
    client: &Client,
    org: uuid::Uuid,
    email: &str,
) -> Result<
    rollcall_client::ResponseValue<types::InvitationWithToken>,
    rollcall_client::Error<types::Problem>,
> {
    let mut tries = 0;
    loop {
        let answer = crate::helpers::send_invite(client, org, email).await;
        match &answer {
            Err(rollcall_client::Error::ErrorResponse(r)) if r.status() == 503 && tries < 10 => {
                tries += 1;
                let wait = r
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok()?.parse().ok())
                    .unwrap_or(1);
                tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
            }
            _ => return answer,
        }
    }
}

#[actix_web::test]
async fn two_replicas_together_keep_an_endpoints_limit_of_deliveries_in_flight() {
    let env = [
        ("ROLLCALL_WEBHOOK_ALLOW_PRIVATE", "true"),
        ("ROLLCALL_WORKER_POLL_MS", "10"),
        ("ROLLCALL_WEBHOOK_PER_ENDPOINT", "2"),
    ];
    let Some((_database, _a, _b, org, _db, [via_a, _])) = two_replicas(&env).await else {
        return;
    };
    let receiver = crate::peers::HookReceiver::start();
    receiver
        .register_for_invitations(&via_a, org.id, "slow", 20000)
        .await;
    for n in 0..10 {
        invite_as_a_client_would(&via_a, org.id, &format!("person{n}@example.com"))
            .await
            .expect("invited");
    }
    receiver
        .wait_until(
            std::time::Duration::from_secs(10),
            "the endpoint's two slots taken",
            |h| h.len() >= 2,
        )
        .await;
    // Both replicas poll every 10 ms: time for either to take a third, were it to.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(
        receiver.received().len(),
        2,
        "two replicas, one endpoint limited to 2 in flight: 2 requests hang there, no more"
    );
}
