//! A graceful stop: SIGTERM while twenty invitations are in flight at every moment. The process
//! stops accepting, finishes what it had started (answers from then on close their
//! connections), lets the workers stop, and exits 0; every invitation answered 201 is in the
//! database when a new process starts on it. Runs on SQLite, and on PostgreSQL in its pass.

use std::{
    collections::HashSet,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use sea_orm::{ConnectionTrait, Database, Statement};
use uuid::Uuid;

use crate::{
    database::TestDatabase,
    helpers::send_invite,
    processes::{Process, client, founded},
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
    let acks = Arc::new(Mutex::new(Vec::new()));
    let (sent, refused) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let stopping = Arc::new(AtomicBool::new(false));
    let inviters = (0..IN_FLIGHT).map(|w| {
        let (founder, acks, sent, refused, stopping) = (
            founder.clone(),
            acks.clone(),
            sent.clone(),
            refused.clone(),
            stopping.clone(),
        );
        async move {
            for n in 0.. {
                sent.fetch_add(1, Ordering::SeqCst);
                match send_invite(&founder, org.id, &format!("drain-{w}-{n}@stop.example")).await {
                    Ok(created) => {
                        assert_eq!(created.status(), 201);
                        acks.lock().unwrap().push(created.into_inner().id);
                    }
                    // The server stopped accepting: nothing more is acknowledged.
                    Err(rollcall_client::Error::CommunicationError(_))
                        if stopping.load(Ordering::SeqCst) =>
                    {
                        refused.fetch_add(1, Ordering::SeqCst);
                        break;
                    }
                    Err(e) => panic!("an invitation failed: {e:?}"),
                }
            }
        }
    });
    let terminator = {
        let (acks, stopping) = (acks.clone(), stopping.clone());
        async move {
            while acks.lock().unwrap().len() < ACKNOWLEDGED_BEFORE_SIGTERM {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            stopping.store(true, Ordering::SeqCst);
            let started = Instant::now();
            let exited = process.terminate().await;
            (exited, started.elapsed())
        }
    };
    let (_, (exited, took)) =
        futures_util::join!(futures_util::future::join_all(inviters), terminator);
    assert!(
        exited.status.success(),
        "the process exited with {:?}; its last lines: {:#?}",
        exited.status,
        exited.log.iter().rev().take(10).collect::<Vec<_>>()
    );
    let acks = acks.lock().unwrap().clone();
    let after_sigterm = acks.len() - ACKNOWLEDGED_BEFORE_SIGTERM.min(acks.len());
    // A new process on the same database has every acknowledged invitation.
    let restarted = Process::start(&database.url, ENV).await;
    let db = Database::connect(&database.url)
        .await
        .expect("a connection");
    let stored: HashSet<Uuid> = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT id FROM invitations",
        ))
        .await
        .expect("invitations read")
        .iter()
        .map(|r| r.try_get::<Uuid>("", "id").expect("an id"))
        .collect();
    let missing: Vec<&Uuid> = acks.iter().filter(|id| !stored.contains(id)).collect();
    assert!(
        missing.is_empty(),
        "{} of {} invitations answered 201 are missing after the restart: {missing:?}",
        missing.len(),
        acks.len()
    );
    eprintln!(
        "SIGTERM with {IN_FLIGHT} invitations in flight: exit 0 in {took:?}; {} sent, {} answered 201 ({after_sigterm} of them after the signal was sent), {} refused by the stopped server, {} rows stored",
        sent.load(Ordering::SeqCst),
        acks.len(),
        refused.load(Ordering::SeqCst),
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
