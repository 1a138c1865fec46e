//! A write transaction whose appends ride along with the next statement. On SQLite every
//! statement is a round trip to the connection's thread, and that hand-off, not the statement,
//! is what a unit of work waits on. An append whose answer nobody reads (an event, its webhook
//! deliveries, a queued email) is therefore kept here and sent in the same round trip as the
//! statement that follows it, or just before the commit: sqlx runs a text of several statements
//! in one hand-off, binding each its own parameters in turn.
//!
//! Order is kept: what was deferred runs before whatever the unit of work runs next, so every
//! statement sees what came before it, and a deferred statement that fails fails the unit of
//! work (it rolls back) just as it would have failed at once. On PostgreSQL, whose protocol
//! takes one statement with parameters at a time, nothing waits: a deferred statement runs
//! where it is deferred.

use std::sync::{
    Mutex, PoisonError,
    atomic::{AtomicBool, Ordering},
};

use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, ExecResult, QueryResult, Statement,
};

/// A transaction, with the statements waiting to ride along with its next one.
pub struct Batched<'t> {
    txn: &'t DatabaseTransaction,
    deferred: Mutex<Vec<Statement>>,
    /// Whether deferred statements failed where the statement that ran them answered its own
    /// outcome (an `execute`): the unit of work fails then, whatever that caller made of it.
    failed: AtomicBool,
}

impl<'t> Batched<'t> {
    pub(crate) fn new(txn: &'t DatabaseTransaction) -> Self {
        Self {
            txn,
            deferred: Mutex::default(),
            failed: AtomicBool::new(false),
        }
    }

    /// Runs `stmt`, whose answer nobody reads, with the next statement (SQLite) or now
    /// (PostgreSQL). Its placeholders must be `?`, as sea-query writes them for SQLite.
    pub(crate) async fn defer(&self, stmt: Statement) -> Result<(), DbErr> {
        if self.txn.get_database_backend() == DbBackend::Sqlite {
            debug_assert!(
                !stmt.sql.contains('$'),
                "a deferred statement's placeholders are `?`: {}",
                stmt.sql
            );
            self.waiting().push(stmt);
            Ok(())
        } else {
            self.txn.execute_raw(stmt).await.map(|_| ())
        }
    }

    /// Runs what is still deferred: before the commit, which is not a statement that can carry
    /// it.
    pub(crate) async fn flush(&self) -> Result<(), DbErr> {
        let ran = match joined(self.take()) {
            Some(batch) => self.txn.execute_raw(batch).await.map(|_| ()),
            None => Ok(()),
        };
        if ran.is_err() {
            self.failed.store(true, Ordering::Relaxed);
        }
        ran
    }

    /// Whether a deferred statement failed in this transaction.
    pub(crate) fn has_failed(&self) -> bool {
        self.failed.load(Ordering::Relaxed)
    }

    /// Drops what is deferred, and answers it: the unit of work that deferred it failed.
    pub(crate) fn discard(&self) -> Vec<Statement> {
        self.take()
    }

    fn waiting(&self) -> std::sync::MutexGuard<'_, Vec<Statement>> {
        // The lock is never held across an await, and a panic while holding it leaves a valid
        // list behind.
        self.deferred.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn take(&self) -> Vec<Statement> {
        std::mem::take(&mut *self.waiting())
    }

    /// `stmt` with what is deferred before it, as one text, when it can carry them: a
    /// statement with numbered placeholders (`$1`) cannot, since sqlx binds those by absolute
    /// position; what is deferred then runs first, on its own.
    async fn carrying(&self, stmt: Statement) -> Result<Statement, DbErr> {
        let mut batch = self.take();
        if batch.is_empty() {
            return Ok(stmt);
        }
        if stmt.sql.contains('$') {
            self.waiting().extend(batch);
            self.flush().await?;
            return Ok(stmt);
        }
        batch.push(stmt);
        Ok(joined(batch).expect("not empty"))
    }
}

/// The statements as one text, their parameters in order.
fn joined(statements: Vec<Statement>) -> Option<Statement> {
    let backend = statements.first()?.db_backend;
    let mut sql = String::new();
    let mut values = Vec::new();
    for s in statements {
        if !sql.is_empty() {
            sql.push_str(";\n");
        }
        sql.push_str(&s.sql);
        values.extend(s.values.map(|v| v.0).unwrap_or_default());
    }
    Some(Statement::from_sql_and_values(backend, sql, values))
}

#[async_trait::async_trait]
impl ConnectionTrait for Batched<'_> {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    /// What is deferred runs first, on its own: sqlx sums the rows affected over every
    /// statement of a text, and the caller asked about `stmt`'s alone.
    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.flush().await?;
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.flush().await?;
        self.txn.execute_unprepared(sql).await
    }

    /// Carries what is deferred: those statements return no rows, so the first row is
    /// `stmt`'s.
    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        let stmt = self.carrying(stmt).await?;
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let stmt = self.carrying(stmt).await?;
        self.txn.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
}
