//! A graceful stop: SIGTERM while twenty invitations are in flight at every moment. The process
//! stops accepting, finishes what it had started (answers from then on close their
//! connections), lets the workers stop, and exits 0; every invitation answered 201 is in the
//! database when a new process starts on it. Runs on SQLite, and on PostgreSQL in its pass.

use std::time::Instant;

use sea_orm::Database;
use uuid::Uuid;

use crate::{
    database::{TestDatabase, invitation_ids},
    helpers::send_invite,
    processes::{Load, Process, client, founded, invite_until_stopped},
};

const IN_FLIGHT: usize = 20;
const ACKNOWLEDGED_BEFORE_SIGTERM: usize = 200;
const ENV: &[(&str, &str)] = &[
    ("ROLLCALL_INVITATIONS_PER_HOUR", "100000000"),
    ("ROLLCALL_SHUTDOWN_TIMEOUT_SECONDS", "20"),
];

#[actix_web::test]
async fn sigterm_under_twenty_concurrent_invites_keeps_every_201_and_exits_0() {
    let database = TestDatabase::create().await;
    let process = Process::start(&database.url, ENV).await;
    let (founder, org) = founded(&process).await;
    let Load {
        acks,
        sent,
        refused,
        stopped: (exited, took),
    } = invite_until_stopped(
        &founder,
        org.id,
        ("drain", "stop.example"),
        IN_FLIGHT,
        ACKNOWLEDGED_BEFORE_SIGTERM,
        async move {
            let started = Instant::now();
            let exited = process.terminate().await;
            (exited, started.elapsed())
        },
    )
    .await;
    assert!(
        exited.status.success(),
        "the process exited with {:?}; its last lines: {:#?}",
        exited.status,
        exited.log.iter().rev().take(10).collect::<Vec<_>>()
    );
    let after_sigterm = acks.len() - ACKNOWLEDGED_BEFORE_SIGTERM.min(acks.len());
    // A new process on the same database has every acknowledged invitation.
    let restarted = Process::start(&database.url, ENV).await;
    let db = Database::connect(&database.url)
        .await
        .expect("a connection");
    let stored = invitation_ids(&db).await;
    let missing: Vec<&Uuid> = acks.iter().filter(|id| !stored.contains(id)).collect();
    assert!(
        missing.is_empty(),
        "{} of {} invitations answered 201 are missing after the restart: {missing:?}",
        missing.len(),
        acks.len()
    );
    eprintln!(
        "SIGTERM with {IN_FLIGHT} invitations in flight: exit 0 in {took:?}; {} sent, {} answered 201 ({after_sigterm} of them after the signal was sent), {} refused by the stopped server, {} rows stored",
        sent,
        acks.len(),
        refused,
        stored.len()
    );
    send_invite(
        &client(&restarted.base, 1, "founder@acme.example"),
        org.id,
        "after@stop.example",
    )
    .await
    .expect("the new process serves");
    db.close().await.ok();
}
