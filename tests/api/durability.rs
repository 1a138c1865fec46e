//! Durability under SIGKILL: invitations are created at full speed, the server is killed
//! mid-load with no chance to flush anything, and restarted on the same database; every
//! invitation that was answered 201 must be there, with its audit event and its count against
//! the quota (one transaction), its email and its webhook delivered after the restart, and
//! SQLite's file must pass `PRAGMA integrity_check`. Runs on
//! the suite's database: SQLite, and PostgreSQL in the PostgreSQL pass.

use std::{collections::HashSet, time::Duration};

use sea_orm::{ConnectionTrait, Database, Statement};
use uuid::Uuid;

use crate::{
    database::{TestDatabase, count, invitation_ids},
    helpers::{create_organization, create_organization_keyed, send_invite},
    processes::{Process, client, founded, invite_until_stopped},
};

/// Kills per test, and how many invitations must be acknowledged before each kill.
const ROUNDS: usize = 3;
const ACKNOWLEDGED_BEFORE_KILL: usize = 300;
/// Requests in flight at once.
const WORKERS: usize = 16;

/// The quota is raised: this test is about durability, not about the hourly limit.
const ENV: &[(&str, &str)] = &[("ROLLCALL_INVITATIONS_PER_HOUR", "100000000")];

#[actix_web::test]
async fn every_acknowledged_invitation_survives_sigkill_mid_load() {
    let database = TestDatabase::create().await;
    let mut process = Process::start(&database.url, ENV).await;
    let org = create_organization(&client(&process.base, 1, "founder@acme.example"), "Acme").await;
    let mut acknowledged = Vec::new();
    let mut attempted = 0;
    for round in 0..ROUNDS {
        let (acks, attempts) = load_then_kill(process, org.id, round).await;
        attempted += attempts;
        acknowledged.extend(acks);
        if !database.is_postgres() {
            let db = Database::connect(&database.url)
                .await
                .expect("the file opens");
            let check = db
                .query_one_raw(Statement::from_string(
                    db.get_database_backend(),
                    "PRAGMA integrity_check",
                ))
                .await
                .expect("integrity_check runs")
                .expect("one row");
            assert_eq!(
                check.try_get::<String>("", "integrity_check").unwrap(),
                "ok"
            );
            db.close().await.ok();
        }
        process = Process::start(&database.url, ENV).await;
        let db = Database::connect(&database.url)
            .await
            .expect("a connection");
        let stored: HashSet<Uuid> = invitation_ids(&db).await;
        let missing: Vec<&Uuid> = acknowledged
            .iter()
            .filter(|id| !stored.contains(id))
            .collect();
        assert!(
            missing.is_empty(),
            "after kill {}: {} of {} acknowledged invitations are missing: {missing:?}",
            round + 1,
            missing.len(),
            acknowledged.len()
        );
        let audited = count(
            &db,
            "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'invitation.created'",
        )
        .await;
        let counted = count(
            &db,
            "SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) AS n FROM rate_limits WHERE bucket LIKE 'invitations:%'",
        )
        .await;
        let rows = i64::try_from(stored.len()).unwrap();
        assert_eq!(
            (audited, counted),
            (rows, rows),
            "each stored invitation has its audit event and its quota count, and nothing else does"
        );
        eprintln!(
            "kill {}: {} requests sent so far, {} acknowledged, {} rows stored, all acknowledged present",
            round + 1,
            attempted,
            acknowledged.len(),
            stored.len()
        );
        db.close().await.ok();
    }
    // The restarted server serves what survived.
    let listed = client(&process.base, 1, "founder@acme.example")
        .invitation_list()
        .organization_id(org.id)
        .limit(std::num::NonZeroU64::new(100).unwrap())
        .send()
        .await
        .expect("the restarted server lists invitations")
        .into_inner();
    assert_eq!(listed.data.len(), 100);
}

/// Creates invitations with `WORKERS` requests in flight until `ACKNOWLEDGED_BEFORE_KILL` are
/// answered 201, then SIGKILLs the server while the rest are in flight. Returns the ids
/// answered 201 and the number of requests sent.
async fn load_then_kill(process: Process, org: Uuid, round: usize) -> (Vec<Uuid>, usize) {
    let founder = client(&process.base, 1, "founder@acme.example");
    let label = format!("load-{round}");
    let load = invite_until_stopped(
        &founder,
        org,
        (&label, "durable.example"),
        WORKERS,
        ACKNOWLEDGED_BEFORE_KILL,
        async move { process.kill() },
    )
    .await;
    (load.acks, load.sent)
}

/// The process dies at the worst moment: right after the unit of work of a keyed request
/// committed, before anyone was answered (an injected fault, `ROLLCALL_FAULT`). The client
/// retries with the same key on a restarted process and must get the first answer, replayed,
/// never a second run of the change.
#[actix_web::test]
async fn a_crash_after_commit_never_runs_a_keyed_request_twice() {
    let database = TestDatabase::create().await;
    let create = |base: String| async move {
        let founder = client(&base, 1, "founder@acme.example");
        create_organization_keyed(&founder, "create-acme-once", "Acme").await
    };
    // No background work: the fault must strike the request's commit, not a worker's.
    let armed = Process::start(
        &database.url,
        &[
            ("ROLLCALL_FAULT", "abort-after-commit"),
            ("ROLLCALL_BACKGROUND", "false"),
        ],
    )
    .await;
    let lost = create(armed.base.clone()).await;
    assert!(
        matches!(lost, Err(rollcall_client::Error::CommunicationError(_))),
        "the process died before answering: {lost:?}"
    );
    drop(armed);
    let restarted = Process::start(&database.url, &[]).await;
    let retried = create(restarted.base.clone())
        .await
        .expect("the retry is answered");
    assert_eq!(retried.status(), 201, "the first answer's status");
    assert_eq!(retried.headers()["idempotency-replayed"], "true");
    let db = Database::connect(&database.url)
        .await
        .expect("the database opens");
    assert_eq!(
        count(&db, "SELECT COUNT(*) AS n FROM organizations").await,
        1,
        "one organization, however often the request was sent"
    );
    let org = retried.into_inner();
    let again = create(restarted.base.clone())
        .await
        .expect("answered")
        .into_inner();
    assert_eq!(again.id, org.id, "every answer names the same organization");
}

/// The email worker is killed (SIGKILL, with the whole server) in the middle of a batch, with
/// messages handed to the mail server but not yet recorded as sent, and others claimed but not
/// yet tried. After a restart, once the dead worker's leases end, every invitation's email
/// arrives: at least once, none lost, each with the same `Message-ID` on every attempt.
#[actix_web::test]
async fn sigkill_of_the_email_worker_mid_batch_loses_no_email() {
    const EMAILS: usize = 40;
    let database = TestDatabase::create().await;
    let sink = crate::peers::SmtpSink::start();
    sink.control(serde_json::json!({"delay_ms": 150}));
    let url = sink.url();
    let env = [
        ("ROLLCALL_SMTP_URL", url.as_str()),
        ("ROLLCALL_EMAIL_LEASE_SECONDS", "2"),
        ("ROLLCALL_EMAIL_RETRY_SCHEDULE", "1s"),
        ("ROLLCALL_WORKER_POLL_MS", "50"),
    ];
    let process = Process::start(&database.url, &env).await;
    let (founder, org) = founded(&process).await;
    for n in 0..EMAILS {
        send_invite(&founder, org.id, &format!("person{n}@example.com"))
            .await
            .expect("invited");
    }
    sink.wait_for(3, Duration::from_secs(30)).await;
    process.kill();
    let before_restart = sink.received().len();
    assert!(
        before_restart < EMAILS,
        "killed mid-batch ({before_restart} sent)"
    );
    let _restarted = Process::start(&database.url, &env).await;
    let until = std::time::Instant::now() + Duration::from_secs(60);
    let recipients = loop {
        let got: HashSet<String> = sink
            .received()
            .into_iter()
            .flat_map(|m| m.rcpt_tos)
            .collect();
        if got.len() == EMAILS || std::time::Instant::now() > until {
            break got;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(recipients.len(), EMAILS, "every invitation's email arrived");
    let mut ids_by_recipient = std::collections::HashMap::<String, HashSet<String>>::new();
    for m in sink.received() {
        for r in m.rcpt_tos {
            ids_by_recipient
                .entry(r)
                .or_default()
                .insert(m.message_id.clone());
        }
    }
    assert!(
        ids_by_recipient.values().all(|ids| ids.len() == 1),
        "a resent email keeps its Message-ID"
    );
    let db = Database::connect(&database.url).await.expect("opens");
    let until = std::time::Instant::now() + Duration::from_secs(30);
    while count(
        &db,
        "SELECT COUNT(*) AS n FROM outbox_messages WHERE status = 'sent'",
    )
    .await
        < EMAILS as i64
    {
        assert!(
            std::time::Instant::now() < until,
            "every email is recorded as sent"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The server (API and webhook worker in one process) is killed while a stream of invitations
/// is being made and their `invitation.created` events delivered, some in flight, some not yet
/// claimed. After a restart, every acknowledged invitation's event arrives at the receiver,
/// verified: deliveries are written with their event, so none is lost.
#[actix_web::test]
async fn sigkill_under_a_stream_of_invitations_loses_no_webhook() {
    let database = TestDatabase::create().await;
    let receiver = crate::peers::HookReceiver::start();
    let env = [
        ENV[0],
        ("ROLLCALL_WEBHOOK_ALLOW_PRIVATE", "true"),
        ("ROLLCALL_WEBHOOK_TIMEOUT_SECONDS", "1"),
        ("ROLLCALL_WEBHOOK_LEASE_SECONDS", "2"),
        ("ROLLCALL_WEBHOOK_RETRY_SCHEDULE", "1s"),
        ("ROLLCALL_WORKER_POLL_MS", "50"),
    ];
    let process = Process::start(&database.url, &env).await;
    let (founder, org) = founded(&process).await;
    receiver
        .register_for_invitations(&founder, org.id, "a", 20)
        .await;
    let (acknowledged, _) = load_then_kill(process, org.id, 0).await;
    let delivered = |hooks: &[crate::peers::Hook]| -> HashSet<Uuid> {
        hooks
            .iter()
            .filter_map(|h| h.body["data"]["id"].as_str()?.parse().ok())
            .collect()
    };
    let before = delivered(&receiver.received()).len();
    assert!(
        before < acknowledged.len(),
        "killed with deliveries still to make ({before} of {} delivered)",
        acknowledged.len()
    );
    let _restarted = Process::start(&database.url, &env).await;
    let hooks = receiver
        .wait_until(
            Duration::from_secs(120),
            "every acknowledged invitation's event",
            |h| {
                let got = delivered(h);
                acknowledged.iter().all(|id| got.contains(id))
            },
        )
        .await;
    assert!(
        hooks.iter().all(|h| h.verified == [true]),
        "every delivery verifies"
    );
    eprintln!(
        "webhooks: {} acknowledged, {before} delivered before the kill, {} requests in all",
        acknowledged.len(),
        hooks.len()
    );
}
