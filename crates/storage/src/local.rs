//! Statements on the calling thread (SQLite). sqlx hands every statement to its connection's
//! own thread and waits for the answer to come back: for a statement that takes microseconds,
//! the two hand-offs are most of its cost. Here a thread has a rusqlite connection of its own
//! and a statement runs on it at once, prepared once and cached: each HTTP worker thread a
//! read-only one, opened on its first read (`Local`), and the writer thread the one every unit
//! of work runs on (`writer::Writing`). `Here` is either; the functions below run a statement on
//! it.
//!
//! The statements are the ones the per-table operations already build with sea-orm, rendered
//! for SQLite, and the rows become the same `E::Model` (each value set on its column, typed as
//! the entity declares it), so an operation is written once and runs on either path. Values are
//! bound and read as sqlx stores them: UUIDs as 16-byte blobs, times as RFC 3339 text, JSON as
//! text.
//!
//! Only threads that ask for it read this way (`read_on_this_thread`): the HTTP workers, which
//! ask as actix starts each. A synchronous read holds its thread, so the background work
//! (emails, webhooks, gauges, all on one thread) keeps the pool's asynchronous reads, where a
//! slow read waits without holding up the rest.
//!
//! WAL mode lets the read connections read while the writer writes; each read is its own read
//! transaction, ended when its statement is reset, so it sees every commit acknowledged before it
//! began. Only the read pool's operations read here (`Store::read`), never a unit of work's.

use std::{
    cell::RefCell,
    sync::{Arc, Weak},
    time::Duration,
};

use chrono::{DateTime, SecondsFormat, Utc};
use domain::Error;
use rusqlite::{OpenFlags, config::DbConfig, types::Value as Sql};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ColumnType, EntityTrait, IdenStatic, Iterable, Statement,
    TryIntoModel, Value,
};

use crate::{store::internal, writer::Writing};

/// Statements each thread's connection keeps prepared.
const STATEMENTS_CACHED: usize = 64;

/// The database file the threads' connections read. Each thread tells one store's connection
/// from another's (a test process runs several) by this `Arc`.
#[derive(Clone)]
pub(crate) struct Local(Arc<Source>);

struct Source {
    path: String,
    busy_timeout: Duration,
}

thread_local! {
    /// Whether this thread's reads run here (`read_on_this_thread`).
    static READS_HERE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// This thread's connections, one per live store it has read from.
    static CONNECTIONS: RefCell<Vec<(Weak<Source>, rusqlite::Connection)>> =
        const { RefCell::new(Vec::new()) };
}

/// From now on, `Store::read()` on this thread runs its selects on this thread (SQLite). For
/// threads that serve requests: call it where each HTTP worker starts.
pub fn read_on_this_thread() {
    READS_HERE.set(true);
}

impl Local {
    /// These reads, when this thread asked for them (`read_on_this_thread`).
    pub(crate) fn here(&self) -> Option<&Self> {
        READS_HERE.get().then_some(self)
    }

    /// Reads of the database at `url` (`sqlite://path?…`); none for an in-memory database,
    /// which another connection would not see.
    pub(crate) fn of(url: &str, busy_timeout: Duration) -> Option<Self> {
        Some(Self(Arc::new(Source {
            path: file_of(url)?.to_owned(),
            busy_timeout,
        })))
    }

    /// Runs `read` on this thread's connection to the database, opening it first if need be.
    fn with<T>(
        &self,
        read: impl FnOnce(&rusqlite::Connection) -> Result<T, LocalError>,
    ) -> Result<T, LocalError> {
        CONNECTIONS.with_borrow_mut(|connections| {
            // Connections of dropped stores go; every `Weak` left points at a live store.
            connections.retain(|(source, _)| source.strong_count() > 0);
            let at = match connections
                .iter()
                .position(|(source, _)| std::ptr::eq(source.as_ptr(), Arc::as_ptr(&self.0)))
            {
                Some(at) => at,
                None => {
                    connections.push((Arc::downgrade(&self.0), self.open()?));
                    connections.len() - 1
                }
            };
            read(&connections[at].1)
        })
    }

    fn open(&self) -> Result<rusqlite::Connection, LocalError> {
        open(
            &self.0.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY,
            self.0.busy_timeout,
        )
    }
}

/// A connection to the database file at `path`, for one thread (`flags`: read-only or
/// read-write), its statements prepared once and cached.
pub(crate) fn open(
    path: &str,
    flags: OpenFlags,
    busy_timeout: Duration,
) -> Result<rusqlite::Connection, LocalError> {
    let conn =
        rusqlite::Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(busy_timeout)?;
    conn.set_prepared_statement_cache_capacity(STATEMENTS_CACHED);
    // A plan that does not depend on the values bound. Without it, SQLite marks a statement
    // whose `LIMIT ?` it read as an integer stale at every new binding and compiles it again at
    // its next step: that was most of a local read's time (perf: `sqlite3Reprepare`).
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    Ok(conn)
}

/// The file of the SQLite database at `url` (`sqlite://path?…`); none for an in-memory
/// database, which another connection would not see.
pub(crate) fn file_of(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or(url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path.contains(":memory:") || url.contains("mode=memory") {
        return None;
    }
    Some(path)
}

/// A SQLite connection of this thread's, where statements run at once: the HTTP worker's own
/// for reads, or the writer thread's, inside the transaction of a unit of work.
#[derive(Clone, Copy)]
pub(crate) enum Here<'c> {
    Read(&'c Local),
    Write(&'c Writing),
}

impl Here<'_> {
    pub(crate) fn run<T>(
        self,
        f: impl FnOnce(&rusqlite::Connection) -> Result<T, LocalError>,
    ) -> Result<T, LocalError> {
        match self {
            Self::Read(local) => local.with(f),
            Self::Write(writing) => writing.with(f),
        }
    }
}

/// `statement` prepared (once per connection) with its values bound as sqlx binds them.
fn prepared(
    conn: &rusqlite::Connection,
    statement: Statement,
) -> Result<rusqlite::CachedStatement<'_>, LocalError> {
    let mut stmt = conn.prepare_cached(&statement.sql)?;
    for (i, value) in statement.values.into_iter().flat_map(|v| v.0).enumerate() {
        stmt.raw_bind_parameter(i + 1, bound(value)?)?;
    }
    Ok(stmt)
}

/// Every row `statement` answers, as `E`'s models.
pub(crate) fn models<E: Readable>(
    conn: &rusqlite::Connection,
    statement: Statement,
) -> Result<Vec<E::Model>, LocalError> {
    Ok(models_and::<E>(conn, statement, None)?
        .into_iter()
        .map(|(model, _)| model)
        .collect())
}

/// Every row `statement` answers, as `E`'s models, each with the integer in its column
/// `extra` when one is named. With `extra`, columns that are not `E`'s are passed over.
pub(crate) fn models_and<E: Readable>(
    conn: &rusqlite::Connection,
    statement: Statement,
    extra: Option<&str>,
) -> Result<Vec<(E::Model, i64)>, LocalError> {
    let mut stmt = prepared(conn, statement)?;
    let names = stmt.column_names();
    let (columns, extra_at) = match extra {
        None => (columns::<E>(&names)?, None),
        Some(extra) => {
            let mut kept = Vec::new();
            for (i, name) in names.iter().enumerate() {
                if let Ok(c) = column::<E>(name) {
                    kept.push((i, c, Kind::of_column(&c)?));
                }
            }
            let at = names.iter().position(|n| *n == extra).ok_or_else(|| {
                LocalError::Other(format!("the statement answers no column {extra}"))
            })?;
            (
                kept.into_iter().map(|(i, c, k)| (c, k, i)).collect(),
                Some(at),
            )
        }
    };
    let mut rows = stmt.raw_query();
    let mut models = Vec::new();
    while let Some(row) = rows.next()? {
        let mut model = <E::ActiveModel as ActiveModelTrait>::default();
        for (column, kind, i) in &columns {
            model
                .try_set(*column, kind.read(row, *i)?)
                .map_err(unreadable::<E>)?;
        }
        let n = match extra_at {
            Some(at) => row.get(at)?,
            None => 0,
        };
        models.push((model.try_into_model().map_err(unreadable::<E>)?, n));
    }
    Ok(models)
}

/// Runs `statement`, which answers no rows; answers how many rows it changed.
pub(crate) fn execute(
    conn: &rusqlite::Connection,
    statement: Statement,
) -> Result<u64, LocalError> {
    let changed = prepared(conn, statement)?.raw_execute()?;
    Ok(u64::try_from(changed).unwrap_or(u64::MAX))
}

/// The first column of every row `statement` answers.
pub(crate) fn column_values<T: rusqlite::types::FromSql>(
    conn: &rusqlite::Connection,
    statement: Statement,
) -> Result<Vec<T>, LocalError> {
    let mut stmt = prepared(conn, statement)?;
    let mut rows = stmt.raw_query();
    let mut values = Vec::new();
    while let Some(row) = rows.next()? {
        values.push(row.get(0)?);
    }
    Ok(values)
}

/// An entity whose rows can be read here: its models are built column by column.
pub(crate) trait Readable: EntityTrait<ActiveModel: TryIntoModel<Self::Model>> {}

impl<E: EntityTrait<ActiveModel: TryIntoModel<E::Model>>> Readable for E {}

/// Why a statement on a connection of this thread's failed: SQLite's error, or a value it could
/// not carry.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LocalError {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error("{0}")]
    Other(String),
}

impl LocalError {
    /// As the caller should see it: 503 when the database cannot be read now (locked past the
    /// busy timeout, or gone), as through the pool; 500 for anything else.
    pub(crate) fn into_error(self) -> Error {
        use rusqlite::ErrorCode::{CannotOpen, DatabaseBusy, DatabaseLocked};
        match &self {
            Self::Sqlite(e)
                if matches!(
                    e.sqlite_error_code(),
                    Some(DatabaseBusy | DatabaseLocked | CannotOpen)
                ) =>
            {
                Error::Unavailable(format!("database unavailable: {e}"))
            }
            _ => internal(format!("SQLite: {self}")),
        }
    }

    /// Whether the statement broke a unique constraint (or a primary key's).
    pub(crate) fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            Self::Sqlite(rusqlite::Error::SqliteFailure(e, _))
                if matches!(
                    e.extended_code,
                    rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                )
        )
    }
}

/// `E`'s columns named `names`, in their order, each with how its values are read and where. A
/// select of the whole entity lists them in the entity's order, which is checked first; other
/// selects look each name up.
fn columns<E: EntityTrait>(names: &[&str]) -> Result<Vec<(E::Column, Kind, usize)>, LocalError> {
    let in_order: Vec<E::Column> = E::Column::iter().take(names.len()).collect();
    let found = if in_order.len() == names.len()
        && in_order.iter().zip(names).all(|(c, n)| c.as_str() == *n)
    {
        in_order
    } else {
        names
            .iter()
            .map(|name| column::<E>(name))
            .collect::<Result<_, _>>()?
    };
    found
        .into_iter()
        .enumerate()
        .map(|(i, c)| Ok((c, Kind::of_column(&c)?, i)))
        .collect()
}

/// `E`'s column `name`.
fn column<E: EntityTrait>(name: &str) -> Result<E::Column, LocalError> {
    E::Column::iter()
        .find(|c| c.as_str() == name)
        .ok_or_else(|| {
            LocalError::Other(format!(
                "{name} is not a column of {}",
                E::default().table_name()
            ))
        })
}

fn unreadable<E: EntityTrait>(e: sea_orm::DbErr) -> LocalError {
    LocalError::Other(format!("a row of {}: {e}", E::default().table_name()))
}

/// `value` as sqlx would bind it on SQLite.
fn bound(value: Value) -> Result<Sql, LocalError> {
    fn or_null<T>(v: Option<T>, f: impl FnOnce(T) -> Sql) -> Sql {
        v.map_or(Sql::Null, f)
    }
    Ok(match value {
        Value::Bool(v) => or_null(v, |b| Sql::Integer(i64::from(b))),
        Value::TinyInt(v) => or_null(v, |i| Sql::Integer(i.into())),
        Value::SmallInt(v) => or_null(v, |i| Sql::Integer(i.into())),
        Value::Int(v) => or_null(v, |i| Sql::Integer(i.into())),
        Value::BigInt(v) => or_null(v, Sql::Integer),
        Value::TinyUnsigned(v) => or_null(v, |i| Sql::Integer(i.into())),
        Value::SmallUnsigned(v) => or_null(v, |i| Sql::Integer(i.into())),
        Value::Unsigned(v) => or_null(v, |i| Sql::Integer(i.into())),
        Value::BigUnsigned(v) => match v.map(i64::try_from).transpose() {
            Ok(v) => or_null(v, Sql::Integer),
            Err(_) => return Err(LocalError::Other("an unsigned value past i64".into())),
        },
        Value::Float(v) => or_null(v, |f| Sql::Real(f.into())),
        Value::Double(v) => or_null(v, Sql::Real),
        Value::String(v) => or_null(v, Sql::Text),
        Value::Char(v) => or_null(v, |c| Sql::Text(c.to_string())),
        Value::Bytes(v) => or_null(v, Sql::Blob),
        Value::Uuid(v) => or_null(v, |u| Sql::Blob(u.as_bytes().to_vec())),
        Value::ChronoDateTimeUtc(v) => or_null(v, |t| Sql::Text(rfc3339(&t))),
        Value::Json(v) => or_null(v, |j| Sql::Text(j.to_string())),
        other => {
            return Err(LocalError::Other(format!(
                "no local binding for {other:?}; read it through the pool"
            )));
        }
    })
}

/// A time as sqlx writes it to SQLite, so that text comparisons agree.
fn rfc3339(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

/// How a column's values are read: the sea-orm value its entity's type asks for.
#[derive(Debug, Clone, Copy)]
enum Kind {
    BigInt,
    Int,
    SmallInt,
    Bool,
    Double,
    Text,
    Bytes,
    Uuid,
    Time,
    Json,
}

impl Kind {
    /// How `column`'s values are read, as its entity declares its type.
    fn of_column<C: ColumnTrait>(column: &C) -> Result<Self, LocalError> {
        let ty = column.def().get_column_type().clone();
        Self::of(&ty).ok_or_else(|| {
            LocalError::Other(format!(
                "column {} ({ty:?}) has no local reading: add its type to `Kind`",
                column.as_str()
            ))
        })
    }

    /// Column `i` of `row`, read as this kind.
    fn read(self, row: &rusqlite::Row<'_>, i: usize) -> Result<Value, LocalError> {
        Ok(match self {
            Self::BigInt => Value::BigInt(row.get(i)?),
            Self::Int => Value::Int(row.get(i)?),
            Self::SmallInt => Value::SmallInt(row.get(i)?),
            Self::Bool => Value::Bool(row.get(i)?),
            Self::Double => Value::Double(row.get(i)?),
            Self::Text => Value::String(row.get(i)?),
            Self::Bytes => Value::Bytes(row.get(i)?),
            Self::Uuid => Value::Uuid(row.get(i)?),
            Self::Time => Value::ChronoDateTimeUtc(time(row, i)?),
            Self::Json => Value::Json(row.get::<_, Option<serde_json::Value>>(i)?.map(Box::new)),
        })
    }

    /// The kind of a column of type `ty`; none for a type no entity of ours uses.
    fn of(ty: &ColumnType) -> Option<Self> {
        Some(match ty {
            ColumnType::BigInteger => Self::BigInt,
            ColumnType::Integer => Self::Int,
            ColumnType::SmallInteger => Self::SmallInt,
            ColumnType::Boolean => Self::Bool,
            ColumnType::Double => Self::Double,
            ColumnType::String(_) | ColumnType::Text | ColumnType::Char(_) => Self::Text,
            ColumnType::Blob | ColumnType::Binary(_) | ColumnType::VarBinary(_) => Self::Bytes,
            ColumnType::Uuid => Self::Uuid,
            ColumnType::TimestampWithTimeZone => Self::Time,
            ColumnType::Json | ColumnType::JsonBinary => Self::Json,
            _ => return None,
        })
    }
}

/// Column `i` of `row` as a time. sqlx writes RFC 3339, which chrono parses directly, several
/// times faster than rusqlite's general reading (a format string interpreted each time: 13% of a
/// list's CPU in perf); anything else (an older row, SQLite's own `CURRENT_TIMESTAMP`) goes that
/// general way.
fn time(row: &rusqlite::Row<'_>, i: usize) -> Result<Option<DateTime<Utc>>, LocalError> {
    if let rusqlite::types::ValueRef::Text(text) = row.get_ref(i)?
        && let Ok(text) = std::str::from_utf8(text)
        && let Ok(t) = DateTime::parse_from_rfc3339(text)
    {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    Ok(row.get(i)?)
}

#[cfg(test)]
mod tests {
    use chrono::Duration as Days;
    use domain::{
        Email, OrganizationName, Permissions, Role,
        model::{Context, NewUser},
    };
    use sea_orm::{
        ColumnTrait as _, DbBackend, QueryFilter as _, QueryOrder as _, QueryTrait as _, Select,
    };

    use super::*;
    use crate::{SeedInvitation, Store, entities::*, store::Scratch};

    /// Every row of `E` read on this thread, and through the pool: the same models.
    async fn agree<E: Readable>(store: &Store, query: Select<E>) -> usize
    where
        E::Model: PartialEq + std::fmt::Debug,
    {
        let local = store.local.as_ref().expect("a file database reads locally");
        let statement = query.clone().build(DbBackend::Sqlite);
        let here = local.with(|conn| models::<E>(conn, statement)).unwrap();
        let pooled = query.all(&store.read).await.unwrap();
        assert_eq!(here, pooled, "{}", E::default().table_name());
        here.len()
    }

    #[tokio::test]
    async fn local_reads_find_what_the_pool_finds() {
        let scratch = Scratch::new("local").await;
        let store = &scratch.store;
        let now = Utc::now();
        let (org, user) = store
            .write(move |tx| {
                Box::pin(async move {
                    let org = tx
                        .insert_organization(&OrganizationName::parse("Acme").unwrap(), now)
                        .await?;
                    let new = NewUser {
                        email: Email::parse("ada@example.com").unwrap(),
                        first_name: "Ada".into(),
                        last_name: "L".into(),
                    };
                    let user = tx.insert_user(&new, now).await?;
                    let perms = Permissions::default();
                    tx.insert_membership(user.id, org.id, Role::Administrator, &perms, now)
                        .await?;
                    Ok((org, user))
                })
            })
            .await
            .unwrap();
        // Half expired, half not; times with and without fractions of a second.
        let rows: Vec<SeedInvitation> = (0..40)
            .map(|i| SeedInvitation {
                id: uuid::Uuid::new_v4(),
                email: Email::parse(&format!("guest{i}@example.com")).unwrap(),
                token_hash: format!("hash{i}"),
                created_at: now - Days::milliseconds(i * 1500),
                expires_at: now + Days::seconds(if i % 2 == 0 { 60 } else { -60 }),
            })
            .collect();
        let ctx = Context {
            actor: Some(user.id),
            request_id: "local".into(),
            now,
        };
        store
            .seed_invitations(&org, user.id, &rows, &ctx)
            .await
            .unwrap();

        agree(store, organizations::Entity::find()).await;
        agree(store, users::Entity::find()).await;
        agree(store, memberships::Entity::find()).await;
        assert_eq!(agree(store, audit_events::Entity::find()).await, 40);
        let all = invitations::Entity::find().order_by_desc(invitations::Column::CreatedAt);
        assert_eq!(agree(store, all).await, 40);
        let live = invitations::Entity::find().filter(invitations::Column::ExpiresAt.gt(now));
        assert_eq!(
            agree(store, live).await,
            20,
            "times compare as sqlx stored them"
        );
        let one = invitations::Entity::find_by_id(rows[7].id)
            .filter(invitations::Column::OrganizationId.eq(org.id.get()));
        assert_eq!(
            agree(store, one).await,
            1,
            "a uuid binds as the blob sqlx stored"
        );
    }

    /// The names and kinds of `E`'s columns that have no local reading.
    fn unreadable_columns<E: EntityTrait>() -> Vec<String> {
        E::Column::iter()
            .filter(|c| Kind::of(c.def().get_column_type()).is_none())
            .map(|c| format!("{}.{}", E::default().table_name(), c.as_str()))
            .collect()
    }

    #[test]
    fn every_column_of_every_entity_has_a_local_reading() {
        macro_rules! unreadable {
            ($($table:ident),*) => { [$(unreadable_columns::<$table::Entity>()),*].concat() };
        }
        #[rustfmt::skip]
        let unreadable = unreadable![
            users, organizations, memberships, teams, team_memberships, invitations, audit_events,
            idempotency_keys, outbox_messages, rate_limits, webhook_endpoints, webhook_deliveries,
            identities
        ];
        assert!(
            unreadable.is_empty(),
            "add these types to `Kind`: {unreadable:?}"
        );
    }

    #[test]
    fn times_read_as_sqlx_writes_them_and_as_sqlite_writes_them() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let read = |sql: &str| {
            conn.query_row(sql, [], |row| Ok(time(row, 0).unwrap()))
                .unwrap()
        };
        let sqlx = read("SELECT '2026-12-01T04:05:06.123456+00:00'").unwrap();
        assert_eq!(rfc3339(&sqlx), "2026-12-01T04:05:06.123456+00:00");
        let offset = read("SELECT '2026-12-01T05:05:06+01:00'").unwrap();
        assert_eq!(rfc3339(&offset), "2026-12-01T04:05:06+00:00");
        let sqlite = read("SELECT '2026-12-01 04:05:06'").unwrap();
        assert_eq!(rfc3339(&sqlite), "2026-12-01T04:05:06+00:00");
        assert_eq!(read("SELECT NULL"), None);
    }

    #[test]
    fn a_time_is_bound_as_sqlx_writes_it() {
        let t = DateTime::parse_from_rfc3339("2026-12-01T04:05:06.123456Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(rfc3339(&t), "2026-12-01T04:05:06.123456+00:00");
    }

    #[test]
    fn only_a_thread_that_asked_reads_on_itself() {
        let local = Local::of("sqlite://x.db", Duration::ZERO).unwrap();
        let asked = std::thread::scope(|s| {
            let other = s.spawn(|| local.here().is_some()).join().unwrap();
            let asking = s
                .spawn(|| {
                    read_on_this_thread();
                    local.here().is_some()
                })
                .join()
                .unwrap();
            (other, asking)
        });
        assert_eq!(asked, (false, true));
    }

    #[test]
    fn an_in_memory_database_has_no_local_reads() {
        assert!(Local::of("sqlite::memory:", Duration::ZERO).is_none());
        assert!(Local::of("sqlite://x.db?mode=memory", Duration::ZERO).is_none());
        assert!(Local::of("postgres://localhost/test", Duration::ZERO).is_none());
        assert!(Local::of("sqlite://data/rollcall.db?mode=rwc", Duration::ZERO).is_some());
    }
}
