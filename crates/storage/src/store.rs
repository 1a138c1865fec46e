//! `Store`: connection set-up and the two ways in. `read()` answers per-table operations
//! outside any transaction; `write(work)` runs `work` as one unit of work, a transaction that commits when
//! it succeeds and rolls back when it fails. Use cases (`crates/app`) decide what a transaction
//! does; this crate only knows how to store it.
//!
//! SQLite has one writer at a time. Rather than let concurrent writers collide on the database
//! lock (and retry on `SQLITE_BUSY`), units of work queue in-process for one connection on a
//! thread of its own (`writer`); reads never wait for the writer (WAL mode): a read's select
//! runs on the calling thread's own connection (`local`), anything else on the read pool. sqlx's
//! one write connection runs the migrations and bulk loading. On PostgreSQL both pools are one
//! pool and a unit of work runs where it is awaited.

use std::{
    collections::HashMap,
    future::Future,
    pin::Pin,
    sync::{Arc, RwLock},
    time::Duration,
};

use domain::{Error, OrganizationId, Result, model::Organization};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, ExecResult, QueryResult, Statement, TransactionTrait,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};
use sea_orm_migration::MigratorTrait;
use uuid::Uuid;

use crate::{
    local::{Local, file_of},
    migration::Migrator,
    tables::Db,
    writer::{Ran, Unit, Writer, Writing},
};

/// The PostgreSQL advisory lock that serializes migrations among replicas starting together.
const MIGRATION_LOCK: i64 = 0x726f_6c6c_6361_6c6c; // "rollcall"

/// How to connect. The defaults suit one process on a small machine; `rollcall serve` reads
/// each from the environment (see `rollcall::config`).
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Connections for reads (and, on PostgreSQL, for writes too). SQLite writes always go
    /// through one connection of their own.
    pub max_connections: u32,
    /// How long a request waits for a free connection (or for a new one to open) before it
    /// answers 503.
    pub acquire_timeout: Duration,
    /// How long SQLite waits on a lock held by another process before giving up (503).
    pub busy_timeout: Duration,
    /// PostgreSQL's `statement_timeout`: a statement running longer is cancelled (503).
    pub statement_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(5),
            busy_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(10),
        }
    }
}

/// One connection pool's connections: open ones, and of those the idle ones (the rest are in
/// use).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// `read`, `write` (SQLite) or `main` (PostgreSQL).
    pub pool: &'static str,
    pub open: u32,
    pub idle: u32,
}

impl PoolStats {
    fn of<DB: sea_orm::sqlx::Database>(pool: &'static str, p: &sea_orm::sqlx::Pool<DB>) -> Self {
        let open = p.size();
        Self {
            pool,
            open,
            idle: u32::try_from(p.num_idle()).unwrap_or(open).min(open),
        }
    }

    /// Connections lent out now.
    pub fn in_use(&self) -> u32 {
        self.open - self.idle
    }
}

/// A write transaction, as a unit of work sees it: per-table operations inside it.
pub type Tx<'t> = Db<'t, Txn<'t>>;
/// The read pool, as a read sees it.
pub type Reader<'r> = Db<'r, DatabaseConnection>;

/// A boxed future borrowing the transaction it runs in.
pub type WorkFuture<'t, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 't>>;

/// The transaction of a unit of work: sea-orm's on PostgreSQL; on SQLite the writer thread's
/// connection, where `Db`'s own operations run their statements (`Db::here`). sea-orm's calls
/// through it fail there, loudly: every statement of a unit of work goes through `Db`.
pub struct Txn<'t> {
    sea: Option<&'t DatabaseTransaction>,
    pub(crate) writing: Option<&'t Writing>,
}

impl<'t> Txn<'t> {
    pub(crate) fn writing(writing: &'t Writing) -> Self {
        Self {
            sea: None,
            writing: Some(writing),
        }
    }

    fn sea(&self) -> Result<&'t DatabaseTransaction, DbErr> {
        self.sea.ok_or_else(|| {
            DbErr::Custom(
                "a statement went through sea-orm on the SQLite writer; run it with `Db`'s \
                 own operations (execute, returning, values)"
                    .into(),
            )
        })
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Txn<'_> {
    fn get_database_backend(&self) -> DbBackend {
        self.sea
            .map_or(DbBackend::Sqlite, ConnectionTrait::get_database_backend)
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.sea()?.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.sea()?.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.sea()?.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.sea()?.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        true
    }
}

/// The database, behind the operations Rollcall needs.
#[derive(Clone)]
pub struct Store {
    write: DatabaseConnection,
    pub(crate) read: DatabaseConnection,
    organizations: OrganizationCache,
    /// SQLite: where units of work run.
    writer: Option<Writer>,
    /// SQLite: reads run on the calling thread (`local`).
    pub(crate) local: Option<Local>,
}

impl Store {
    /// Connects to `url` (`sqlite://path?mode=rwc` or `postgres://…`) and applies every pending
    /// migration. SQLite runs in WAL mode with `synchronous=NORMAL`: a committed write survives
    /// a crash of the process; a power loss may lose the last commits, never corrupt the file.
    /// On PostgreSQL, replicas starting together take turns to migrate (an advisory lock).
    pub async fn connect(url: &str, options: &StoreOptions) -> Result<Self> {
        let organizations = OrganizationCache::default();
        let (write, read, writer) = if url.starts_with("sqlite:") {
            let file = file_of(url).ok_or_else(|| {
                Error::Internal(format!(
                    "{url}: an in-memory SQLite database is not supported (each connection \
                     would see a database of its own); name a file: sqlite://rollcall.db?mode=rwc"
                ))
            })?;
            let write = Database::connect(sqlite_options(url, options, 1))
                .await
                .map_err(db_err)?;
            // Migrate (and so create the file and its WAL) before anything else opens it.
            Migrator::up(&write, None).await.map_err(db_err)?;
            let read = Database::connect(sqlite_options(url, options, options.max_connections))
                .await
                .map_err(db_err)?;
            let writing = Writing::open(file, options.busy_timeout)?;
            let writer = Writer::start(writing, organizations.clone())?;
            (write, read, Some(writer))
        } else {
            let mut opts = ConnectOptions::new(url);
            opts.max_connections(options.max_connections)
                .min_connections(0)
                .acquire_timeout(options.acquire_timeout)
                .connect_timeout(options.acquire_timeout)
                .statement_timeout(options.statement_timeout)
                // A connection idle that long is pinged before use, so a pool recovers by itself
                // when the database comes back; one in steady use is not (a ping on every
                // acquire was a round trip more for every statement).
                .test_before_acquire_if_idle_for(Duration::from_secs(1))
                .sqlx_logging(false);
            let db = Database::connect(opts).await.map_err(db_err)?;
            let txn = db.begin().await.map_err(db_err)?;
            txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
                .await
                .map_err(db_err)?;
            Migrator::up(&txn, None).await.map_err(db_err)?;
            txn.commit().await.map_err(db_err)?;
            (db.clone(), db, None)
        };
        Ok(Self {
            write,
            read,
            organizations,
            writer,
            local: Local::of(url, options.busy_timeout),
        })
    }

    /// Readiness: the database answers a trivial query within the acquire timeout.
    pub async fn ping(&self) -> Result<()> {
        self.read
            .execute_unprepared("SELECT 1")
            .await
            .map(|_| ())
            .map_err(db_err)
    }

    /// The connection pools as they are now, for metrics: on SQLite `read` and `write` (the
    /// writer thread's one connection, in use while a transaction is open), on PostgreSQL the
    /// one `main` pool. Reads counters only; no query.
    pub fn pool_stats(&self) -> Vec<PoolStats> {
        if let Some(writer) = &self.writer {
            let busy = u32::from(writer.in_use());
            vec![
                PoolStats::of("read", self.read.get_sqlite_connection_pool()),
                PoolStats {
                    pool: "write",
                    open: 1,
                    idle: 1 - busy,
                },
            ]
        } else {
            vec![PoolStats::of(
                "main",
                self.read.get_postgres_connection_pool(),
            )]
        }
    }

    /// Per-table reads (each statement on its own; no transaction): on SQLite, selects on the
    /// calling thread when it asked for that (`local::read_on_this_thread`), the rest over the
    /// read pool.
    pub fn read(&self) -> Reader<'_> {
        Db::reader(
            &self.read,
            &self.organizations,
            self.local.as_ref().and_then(Local::here),
        )
    }

    /// Runs `work` as one unit of work: one transaction, committed when `work` answers `Ok` and
    /// rolled back when it answers an error (so a refused use case leaves nothing behind). On
    /// SQLite it runs on the writer thread, in a savepoint of a transaction that units queued
    /// with it share (group commit, see `writer`). The answer comes only after the commit.
    pub async fn write<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'t> FnOnce(Tx<'t>) -> WorkFuture<'t, T> + Send + 'static,
    {
        if let Some(writer) = &self.writer {
            let (done, answer) = tokio::sync::oneshot::channel();
            let unit: Unit = Box::new(move |tx| {
                Box::pin(async move {
                    let out = match tx {
                        Ok(tx) => work(tx).await,
                        Err(e) => Err(e),
                    };
                    Ran {
                        ok: out.is_ok(),
                        answer: Box::new(move |committed: Result<()>| {
                            let _ = done.send(out.and_then(|value| committed.map(|()| value)));
                        }),
                    }
                })
            });
            writer.submit(unit)?;
            // Dropped unanswered: the unit panicked (rolled back) or the writer stopped.
            return answer.await.map_err(|_| {
                Error::Internal("the database writer dropped this unit of work".into())
            })?;
        }
        let txn = self.write.begin().await.map_err(db_err)?;
        let sea = Txn {
            sea: Some(&txn),
            writing: None,
        };
        let out = work(Db::new(&sea, &self.organizations)).await;
        match out {
            Ok(value) => {
                txn.commit().await.map_err(db_err)?;
                #[cfg(feature = "fault-injection")]
                fault::after_commit();
                Ok(value)
            }
            Err(e) => {
                // Dropping the transaction rolls it back too; saying so is clearer, and a
                // failed rollback does not hide the error that caused it.
                let _ = txn.rollback().await;
                Err(e)
            }
        }
    }
}

impl Store {
    /// A transaction on the write connection, outside any unit of work: bulk loading only.
    pub(crate) async fn begin_raw(&self) -> Result<DatabaseTransaction> {
        self.write.begin().await.map_err(db_err)
    }
}

/// A store on a SQLite file of its own, for a unit test; the file (with its `-wal` and `-shm`)
/// is removed when this is dropped.
#[cfg(test)]
pub(crate) struct Scratch {
    pub(crate) store: Store,
    path: std::path::PathBuf,
}

#[cfg(test)]
impl Scratch {
    pub(crate) async fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!("rollcall-{name}-{}.db", Uuid::new_v4()));
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let store = Store::connect(&url, &StoreOptions::default())
            .await
            .expect("a scratch SQLite store");
        Self { store, path }
    }
}

#[cfg(test)]
impl Drop for Scratch {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.path.display()));
        }
    }
}

/// Faults the test suite injects (feature `fault-injection`).
#[cfg(feature = "fault-injection")]
pub(crate) mod fault {
    /// With `ROLLCALL_FAULT=abort-after-commit`: the process dies between a commit and the
    /// answer to the request that made it.
    pub(crate) fn after_commit() {
        if std::env::var("ROLLCALL_FAULT").as_deref() == Ok("abort-after-commit") {
            eprintln!("ROLLCALL_FAULT=abort-after-commit: aborting after a commit");
            std::process::abort();
        }
    }
}

fn sqlite_options(url: &str, options: &StoreOptions, connections: u32) -> ConnectOptions {
    let busy = options.busy_timeout;
    let mut opts = ConnectOptions::new(url);
    // A SQLite connection is a file handle in this process: it cannot go stale as a network
    // connection can, so it is not pinged before each use (a round trip to its thread).
    opts.max_connections(connections)
        .min_connections(1)
        .acquire_timeout(options.acquire_timeout)
        .test_before_acquire(false)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(move |o| {
            o.create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(busy)
                .foreign_keys(true)
                // Statement journals (a savepoint's, a statement's that may need undoing inside
                // a transaction) in memory: on disk each was a file created, written and
                // deleted, and that was most of the write connection's time (perf).
                .pragma("temp_store", "memory")
        });
    opts
}

/// Organizations by uuid, as read from the database. An organization row never changes and is
/// never deleted once committed, so a copy can't go stale, on any replica; this saves the
/// lookup most requests start with. Bounded: emptied when it reaches `ORGANIZATIONS_CACHED`.
/// Only committed rows enter it: a unit of work that creates an organization does not cache it
/// (its transaction may yet roll back).
#[derive(Clone, Default)]
pub struct OrganizationCache(Arc<RwLock<CachedOrganizations>>);

#[derive(Default)]
struct CachedOrganizations {
    by_uuid: HashMap<Uuid, Organization>,
    uuid_of: HashMap<i64, Uuid>,
}

const ORGANIZATIONS_CACHED: usize = 10_000;

impl OrganizationCache {
    pub(crate) fn get(&self, uuid: &Uuid) -> Option<Organization> {
        self.0.read().ok()?.by_uuid.get(uuid).cloned()
    }

    pub(crate) fn get_by_id(&self, id: OrganizationId) -> Option<Organization> {
        let cached = self.0.read().ok()?;
        cached.by_uuid.get(cached.uuid_of.get(&id.get())?).cloned()
    }

    pub(crate) fn keep(&self, org: &Organization) {
        if let Ok(mut cached) = self.0.write() {
            if cached.by_uuid.len() >= ORGANIZATIONS_CACHED {
                cached.by_uuid.clear();
                cached.uuid_of.clear();
            }
            cached.uuid_of.insert(org.id.get(), org.uuid);
            cached.by_uuid.insert(org.uuid, org.clone());
        }
    }
}

// ---- errors --------------------------------------------------------------------------------

pub(crate) fn internal(e: impl std::fmt::Display) -> Error {
    Error::Internal(e.to_string())
}

/// A database failure as the caller should see it: 503 when the database cannot be reached,
/// 500 (logged, not shown) for anything else.
pub(crate) fn db_err(e: DbErr) -> Error {
    if unavailable(&e) {
        Error::Unavailable(format!("database unavailable: {e}"))
    } else {
        Error::Internal(format!("database error: {e}"))
    }
}

/// Whether `e` says the database could not be reached or could not serve the statement now
/// (a retry may succeed), rather than that the statement itself is wrong.
fn unavailable(e: &DbErr) -> bool {
    use sea_orm::{RuntimeErr, sqlx::Error as Sqlx};
    let runtime = match e {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return true,
        DbErr::Exec(r) | DbErr::Query(r) => r,
        _ => return false,
    };
    let RuntimeErr::SqlxError(e) = runtime else {
        return false;
    };
    match e.as_ref() {
        Sqlx::Io(_)
        | Sqlx::Tls(_)
        | Sqlx::Protocol(_)
        | Sqlx::PoolTimedOut
        | Sqlx::PoolClosed
        | Sqlx::WorkerCrashed
        | Sqlx::BeginFailed => true,
        Sqlx::Database(d) => d.code().is_some_and(|code| {
            // PostgreSQL: 08 connection exception, 53 insufficient resources, 57 operator
            // intervention (shutdown, statement timeout), 28 authorization refused, 40001/40P01
            // serialization failure and deadlock. SQLite: 5 BUSY, 6 LOCKED and their extended
            // codes (the low byte).
            ["08", "53", "57", "28", "40001", "40P01"]
                .iter()
                .any(|p| code.starts_with(p))
                || code.parse::<i32>().is_ok_and(|c| matches!(c & 0xff, 5 | 6))
        }),
        _ => false,
    }
}
