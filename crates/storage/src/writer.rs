//! The SQLite write path's own thread, and group commit. A write transaction holds the one write
//! connection for every statement it runs, and each statement is a round trip to that
//! connection's thread. Run on an HTTP worker, each round trip's continuation waits behind
//! whatever else that worker has queued (parsing, JSON, other requests), and the connection idles
//! meanwhile. Run here, on a thread that does nothing else, a transaction's statements follow
//! each other at once.
//!
//! Units of work that queue up while one runs are run together: one transaction, each unit in a
//! savepoint of its own (a unit that fails is rolled back to its savepoint and leaves nothing
//! behind), one commit for them all. A commit writes every page the units changed to the WAL
//! once, where one commit each wrote the shared pages (an index's last leaf, the quota row) once
//! per unit. Every caller hears of its unit only after that commit: nothing is acknowledged
//! before it is committed, and if the commit fails, every unit of the batch answers its error.
//! A unit that panics is rolled back like one that failed (its caller hears that the writer
//! dropped it); the others are kept, and the writer goes on.

use std::{collections::VecDeque, future::Future, panic::AssertUnwindSafe, pin::Pin};

use futures_util::FutureExt as _;

use domain::{Error, Result};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, TransactionTrait};
use tokio::sync::{mpsc, oneshot};

use crate::{
    batch::Batched,
    store::{OrganizationCache, Tx, db_err},
    tables::Db,
};

type Job = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The most units of work one commit takes: what bounds the wait of the first of them.
const MOST_PER_COMMIT: usize = 64;

/// A unit of work as the writer runs it, what its caller waits for erased: it runs in the
/// transaction it is given (or is told why there is none) and answers how it went.
pub(crate) type Unit = Box<
    dyn for<'t> FnOnce(Result<Tx<'t>>) -> Pin<Box<dyn Future<Output = Ran> + Send + 't>> + Send,
>;

/// A unit of work that ran: whether it succeeded (its changes are to be kept), and how to answer
/// its caller once the commit's outcome is known.
pub(crate) struct Ran {
    pub(crate) ok: bool,
    pub(crate) answer: Box<dyn FnOnce(Result<()>) + Send>,
}

enum Message {
    /// Any future (opening the write connection), run on its own.
    Job(Job),
    /// A unit of work on `conn`, run with whatever units queue up with it.
    Unit {
        unit: Unit,
        conn: DatabaseConnection,
        organizations: OrganizationCache,
    },
}

/// Where write transactions run: on the writer thread (SQLite) or in place (PostgreSQL, whose
/// pool serves many transactions at once).
#[derive(Clone)]
pub(crate) struct Writer(Option<mpsc::UnboundedSender<Message>>);

impl Writer {
    pub(crate) fn in_place() -> Self {
        Self(None)
    }

    /// Whether units of work go to the writer thread ([`Writer::submit`]) rather than run where
    /// they are awaited.
    pub(crate) fn is_thread(&self) -> bool {
        self.0.is_some()
    }

    /// Starts the writer thread; it ends when the last `Writer` clone is dropped.
    pub(crate) fn thread() -> Result<Self> {
        let (messages, mut queue) = mpsc::unbounded_channel::<Message>();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Internal(format!("cannot start the writer runtime: {e}")))?;
        std::thread::Builder::new()
            .name("rollcall-writer".into())
            .spawn(move || {
                pin_to_last_core();
                runtime.block_on(async move {
                    let mut waiting = VecDeque::new();
                    loop {
                        if waiting.is_empty() {
                            match queue.recv().await {
                                Some(m) => waiting.push_back(m),
                                None => break,
                            }
                        }
                        while let Ok(m) = queue.try_recv() {
                            waiting.push_back(m);
                        }
                        match waiting.pop_front() {
                            Some(Message::Job(job)) => {
                                tokio::spawn(job);
                            }
                            Some(Message::Unit {
                                unit,
                                conn,
                                organizations,
                            }) => {
                                let mut units = vec![unit];
                                while units.len() < MOST_PER_COMMIT
                                    && matches!(waiting.front(), Some(Message::Unit { .. }))
                                {
                                    if let Some(Message::Unit { unit, .. }) = waiting.pop_front() {
                                        units.push(unit);
                                    }
                                }
                                commit_together(&conn, &organizations, units).await;
                            }
                            None => {}
                        }
                    }
                });
            })
            .map_err(|e| Error::Internal(format!("cannot start the writer thread: {e}")))?;
        Ok(Self(Some(messages)))
    }

    /// Runs `work` (opening the write connection) where writes run, and answers its result.
    pub(crate) async fn run<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: Future<Output = Result<T>> + Send + 'static,
    {
        let Some(messages) = &self.0 else {
            return work.await;
        };
        let (done, result) = oneshot::channel();
        messages
            .send(Message::Job(Box::pin(async move {
                let _ = done.send(work.await);
            })))
            .map_err(|_| stopped())?;
        result.await.map_err(|_| stopped())?
    }

    /// Queues `unit` on the writer thread, to run in a transaction on `conn`. The unit answers
    /// its caller itself.
    pub(crate) fn submit(
        &self,
        unit: Unit,
        conn: DatabaseConnection,
        organizations: OrganizationCache,
    ) -> Result<()> {
        self.0
            .as_ref()
            .ok_or_else(stopped)?
            .send(Message::Unit {
                unit,
                conn,
                organizations,
            })
            .map_err(|_| stopped())
    }
}

fn stopped() -> Error {
    Error::Unavailable("the database writer has stopped".into())
}

/// Runs `units` in one transaction on `conn`, each in a savepoint of its own, and commits once;
/// then answers each. The savepoint rides along with the unit's first statement (`Batched`), so
/// a unit of work costs no more round trips than it would alone, and the batch two more in all.
async fn commit_together(
    conn: &DatabaseConnection,
    organizations: &OrganizationCache,
    units: Vec<Unit>,
) {
    let backend = conn.get_database_backend();
    let txn = match conn.begin().await {
        Ok(txn) => txn,
        Err(e) => {
            let e = db_err(e);
            for unit in units {
                (unit(Err(e.clone())).await.answer)(Ok(()));
            }
            return;
        }
    };
    let batched = Batched::new(&txn);
    // A unit alone in its transaction needs no savepoint: if it fails, the transaction is
    // rolled back, as it would be without group commit.
    let alone = units.len() == 1;
    let mut answers = Vec::with_capacity(units.len());
    let mut broken = None;
    let mut kept = false;
    for unit in units {
        if let Some(e) = &broken {
            (unit(Err(Error::clone(e))).await.answer)(Ok(()));
            continue;
        }
        // One name for every unit's savepoint: the statement that carries it is then the same
        // text for every unit, prepared once. Nothing is released before the commit, so the
        // newest savepoint of that name is this unit's.
        let savepoint = (!alone).then(|| Statement::from_string(backend, "SAVEPOINT unit"));
        let deferred = match &savepoint {
            Some(s) => batched.defer(s.clone()).await,
            None => Ok(()),
        };
        let ran = match deferred {
            Ok(()) => AssertUnwindSafe(unit(Ok(Db::new(&batched, organizations))))
                .catch_unwind()
                .await
                .unwrap_or_else(|_| Ran {
                    ok: false,
                    answer: Box::new(|_| {}),
                }),
            Err(e) => unit(Err(db_err(e))).await,
        };
        kept |= ran.ok;
        if !ran.ok {
            // What the unit deferred and never ran is dropped with it; if even its savepoint
            // is among that, the unit changed nothing. (A text that carried the savepoint and
            // failed ran it: sqlx prepares and runs a text's statements one after the other, and
            // the savepoint, first, has nothing to bind or fail on.)
            let never_ran = batched.discard();
            match &savepoint {
                None => {}
                Some(s) if never_ran.first().map(|n| &n.sql) == Some(&s.sql) => {}
                Some(_) => {
                    if let Err(e) = txn.execute_unprepared("ROLLBACK TO unit").await {
                        // The transaction itself is gone: no unit of this batch is kept.
                        broken = Some(db_err(e));
                    }
                }
            }
        }
        answers.push(ran.answer);
    }
    drop(batched);
    let committed = match broken {
        Some(e) => {
            let _ = txn.rollback().await;
            Err(e)
        }
        // Every unit failed: each answers its own error, whatever this says.
        None if !kept => {
            let _ = txn.rollback().await;
            Ok(())
        }
        None => txn.commit().await.map_err(db_err),
    };
    #[cfg(feature = "fault-injection")]
    if kept && committed.is_ok() {
        crate::store::fault::after_commit();
    }
    for answer in answers {
        answer(committed.clone());
    }
}

/// Keeps the writer thread, and the SQLite connection thread it opens (a new thread inherits
/// its creator's CPUs), on one core of several: each statement is a round trip between the two,
/// and waking a thread on another core costs more than the statement itself (measured on a
/// 2-core VM: 1,900 against 2,750 invitations/s).
fn pin_to_last_core() {
    if let Some(last) = core_affinity::get_core_ids()
        .filter(|cores| cores.len() > 1)
        .and_then(|cores| cores.last().copied())
    {
        core_affinity::set_for_current(last);
    }
}
