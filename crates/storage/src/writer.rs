//! The SQLite write path's own thread, and group commit. Every unit of work runs on this thread,
//! on a rusqlite connection of its own (`Writing`): each statement runs at once, where through
//! sqlx it was a round trip to that connection's thread (and perf put a fifth of that thread's
//! time in the kernel's task switches). A unit of work's futures therefore never wait on the
//! database; the units follow each other on a thread that does nothing else.
//!
//! Units of work that queue up while one runs are run together: one transaction, each unit in a
//! savepoint of its own (a unit that fails is rolled back to its savepoint and leaves nothing
//! behind), one commit for them all. A commit writes every page the units changed to the WAL
//! once, where one commit each wrote the shared pages (an index's last leaf, the quota row) once
//! per unit. Every caller hears of its unit only after that commit: nothing is acknowledged
//! before it is committed, and if the commit fails, every unit of the batch answers its error.
//! A unit that panics is rolled back like one that failed (its caller hears that the writer
//! dropped it); the others are kept, and the writer goes on.

use std::{
    collections::VecDeque,
    future::Future,
    panic::AssertUnwindSafe,
    pin::Pin,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use futures_util::FutureExt as _;

use domain::{Error, Result};
use rusqlite::OpenFlags;
use tokio::sync::mpsc;

use crate::{
    local::{LocalError, open},
    store::{OrganizationCache, Tx, Txn},
    tables::Db,
};

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

/// The writer thread's SQLite connection: every unit of work's statements run on it, on that
/// thread, at once. (The lock is never contended: only the writer thread takes it. It makes the
/// connection shareable with the unit of work's future, which must be `Send`.)
pub(crate) struct Writing {
    conn: Mutex<rusqlite::Connection>,
    /// Whether a transaction is open: the write connection is in use (metrics).
    busy: AtomicBool,
}

impl Writing {
    /// Opens the database file at `path` for writing: WAL, `synchronous=NORMAL` (a commit
    /// survives a crash of the process), foreign keys, statement journals in memory.
    pub(crate) fn open(path: &str, busy_timeout: Duration) -> Result<Self> {
        let conn = open(path, OpenFlags::SQLITE_OPEN_READ_WRITE, busy_timeout)
            .and_then(|conn| {
                conn.execute_batch(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;",
                )?;
                Ok(conn)
            })
            .map_err(LocalError::into_error)?;
        Ok(Self {
            conn: Mutex::new(conn),
            busy: AtomicBool::new(false),
        })
    }

    /// Runs `f` on the connection.
    pub(crate) fn with<T>(
        &self,
        f: impl FnOnce(&rusqlite::Connection) -> Result<T, LocalError>,
    ) -> Result<T, LocalError> {
        // Never held across an await; a panic while holding it leaves the connection usable.
        f(&self.conn.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Runs `sql` (transaction control: no values, no rows), its statement cached.
    fn control(&self, sql: &str) -> Result<()> {
        self.with(|conn| Ok(conn.prepare_cached(sql)?.raw_execute().map(|_| ())?))
            .map_err(LocalError::into_error)
    }

    /// Whether no transaction is open (SQLite may roll one back by itself after some failures:
    /// a full disk, an I/O error).
    fn outside_transaction(&self) -> bool {
        self.with(|conn| Ok(conn.is_autocommit())).unwrap_or(true)
    }
}

/// The writer thread of one store, where its units of work run (SQLite).
#[derive(Clone)]
pub(crate) struct Writer {
    units: mpsc::UnboundedSender<Unit>,
    writing: Arc<Writing>,
}

impl Writer {
    /// Starts the writer thread on `writing`; it ends when the last `Writer` clone is dropped.
    pub(crate) fn start(writing: Writing, organizations: OrganizationCache) -> Result<Self> {
        let writing = Arc::new(writing);
        let (units, mut queue) = mpsc::unbounded_channel::<Unit>();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Internal(format!("cannot start the writer runtime: {e}")))?;
        let on_thread = Arc::clone(&writing);
        std::thread::Builder::new()
            .name("rollcall-writer".into())
            .spawn(move || {
                pin_to_last_core();
                runtime.block_on(async move {
                    let mut waiting = VecDeque::new();
                    loop {
                        if waiting.is_empty() {
                            match queue.recv().await {
                                Some(unit) => waiting.push_back(unit),
                                None => break,
                            }
                        }
                        while let Ok(unit) = queue.try_recv() {
                            waiting.push_back(unit);
                        }
                        let take = waiting.len().min(MOST_PER_COMMIT);
                        let units = waiting.drain(..take).collect();
                        commit_together(&on_thread, &organizations, units).await;
                    }
                });
            })
            .map_err(|e| Error::Internal(format!("cannot start the writer thread: {e}")))?;
        Ok(Self { units, writing })
    }

    /// Queues `unit` on the writer thread, to run in a transaction. The unit answers its caller
    /// itself.
    pub(crate) fn submit(&self, unit: Unit) -> Result<()> {
        self.units.send(unit).map_err(|_| stopped())
    }

    /// Whether a transaction is open now.
    pub(crate) fn in_use(&self) -> bool {
        self.writing.busy.load(Ordering::Relaxed)
    }
}

fn stopped() -> Error {
    Error::Unavailable("the database writer has stopped".into())
}

/// Runs `units` in one transaction on `writing`, each in a savepoint of its own, and commits
/// once; then answers each. Every statement runs on this thread, at once: a unit of work's
/// futures never wait on the database.
async fn commit_together(writing: &Writing, organizations: &OrganizationCache, units: Vec<Unit>) {
    // IMMEDIATE: the write lock is taken now (or waited for, within the busy timeout), never
    // halfway through a unit, where a second process writing could only be answered "busy".
    if let Err(e) = writing.control("BEGIN IMMEDIATE") {
        for unit in units {
            (unit(Err(e.clone())).await.answer)(Ok(()));
        }
        return;
    }
    writing.busy.store(true, Ordering::Relaxed);
    let txn = Txn::writing(writing);
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
        // Nothing is released before the commit, so the newest savepoint of that name is this
        // unit's.
        let ran = match (!alone).then(|| writing.control("SAVEPOINT unit")) {
            Some(Err(e)) => {
                // Without its savepoint the unit cannot be undone alone (`ROLLBACK TO` would
                // undo the unit before it): the batch is not committed.
                broken = Some(e.clone());
                answers.push(unit(Err(e)).await.answer);
                continue;
            }
            Some(Ok(())) | None => AssertUnwindSafe(unit(Ok(Db::new(&txn, organizations))))
                .catch_unwind()
                .await
                .unwrap_or_else(|_| Ran {
                    ok: false,
                    answer: Box::new(|_| {}),
                }),
        };
        kept |= ran.ok;
        if !ran.ok
            && !alone
            && let Err(e) = writing.control("ROLLBACK TO unit")
        {
            // The transaction itself is gone: no unit of this batch is kept.
            broken = Some(e);
        }
        if broken.is_none() && writing.outside_transaction() {
            broken = Some(Error::Unavailable(
                "SQLite rolled the transaction back; try again".into(),
            ));
        }
        answers.push(ran.answer);
    }
    let committed = match broken {
        Some(e) => {
            let _ = writing.control("ROLLBACK");
            Err(e)
        }
        // Every unit failed: each answers its own error, whatever this says.
        None if !kept => {
            let _ = writing.control("ROLLBACK");
            Ok(())
        }
        None => writing.control("COMMIT").inspect_err(|_| {
            // A commit that failed (busy) leaves the transaction open.
            if !writing.outside_transaction() {
                let _ = writing.control("ROLLBACK");
            }
        }),
    };
    writing.busy.store(false, Ordering::Relaxed);
    #[cfg(feature = "fault-injection")]
    if kept && committed.is_ok() {
        crate::store::fault::after_commit();
    }
    for answer in answers {
        answer(committed.clone());
    }
}

/// Keeps the writer thread on one core of several, the last: the HTTP workers, on every core,
/// hand it their units of work and it does nothing else. (Measured when statements still went to
/// sqlx's connection thread, which inherited this pinning: 1,900 against 2,750 invitations/s on
/// a 2-core VM.)
fn pin_to_last_core() {
    if let Some(last) = core_affinity::get_core_ids()
        .filter(|cores| cores.len() > 1)
        .and_then(|cores| cores.last().copied())
    {
        core_affinity::set_for_current(last);
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use domain::{Email, OrganizationName, Permissions, Role, model::NewUser};

    use crate::store::Scratch;

    use super::*;

    fn user(i: usize) -> NewUser {
        NewUser {
            email: Email::parse(&format!("user{i}@example.com")).unwrap(),
            first_name: "Ada".into(),
            last_name: format!("L{i}"),
        }
    }

    /// Units of work queued together share a transaction: one that fails or panics after
    /// writing leaves nothing behind, and every other is kept.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_unit_that_fails_in_a_batch_leaves_nothing_and_the_others_are_kept() {
        let scratch = Scratch::new("writer").await;
        let store = &scratch.store;
        let writes = (0..48).map(|i| {
            let store = store.clone();
            async move {
                store
                    .write(move |tx| {
                        Box::pin(async move {
                            tx.insert_user(&user(i), Utc::now()).await?;
                            match i % 4 {
                                1 => Err(Error::Conflict(format!("unit {i} refuses"))),
                                3 => panic!("unit {i} panics after writing"),
                                _ => Ok(()),
                            }
                        })
                    })
                    .await
            }
        });
        let answers = futures_util::future::join_all(writes).await;
        for (i, answer) in answers.into_iter().enumerate() {
            let kept = store.read().user_by_email(&user(i).email).await.unwrap();
            match i % 4 {
                1 => assert!(matches!(answer, Err(Error::Conflict(_))), "{i}: {answer:?}"),
                3 => assert!(matches!(answer, Err(Error::Internal(_))), "{i}: {answer:?}"),
                _ => assert!(answer.is_ok(), "{i}: {answer:?}"),
            }
            assert_eq!(kept.is_some(), i % 2 == 0, "unit {i}: kept {kept:?}");
        }
    }

    /// The writer's connection enforces what the schema says: a second live membership breaks
    /// the unique index and reads as the conflict it is, and a membership of a user that does
    /// not exist breaks the foreign key.
    #[tokio::test]
    async fn the_writer_enforces_unique_indexes_and_foreign_keys() {
        let scratch = Scratch::new("writer").await;
        let store = &scratch.store;
        let perms = Permissions::default();
        let twice = store
            .write(move |tx| {
                Box::pin(async move {
                    let now = Utc::now();
                    let org = tx
                        .insert_organization(&OrganizationName::parse("Acme").unwrap(), now)
                        .await?;
                    let ada = tx.insert_user(&user(1), now).await?;
                    tx.insert_membership(ada.id, org.id, Role::Member, &perms, now)
                        .await?;
                    tx.insert_membership(ada.id, org.id, Role::Member, &perms, now)
                        .await
                })
            })
            .await;
        assert!(matches!(twice, Err(Error::AlreadyMember(_))), "{twice:?}");
        let perms = Permissions::default();
        let nobody = store
            .write(move |tx| {
                Box::pin(async move {
                    let now = Utc::now();
                    let org = tx
                        .insert_organization(&OrganizationName::parse("Acme").unwrap(), now)
                        .await?;
                    let ghost = domain::UserId::parse(999_999).unwrap();
                    tx.insert_membership(ghost, org.id, Role::Member, &perms, now)
                        .await
                })
            })
            .await;
        assert!(
            matches!(&nobody, Err(Error::Internal(e)) if e.contains("FOREIGN KEY")),
            "{nobody:?}"
        );
    }
}
