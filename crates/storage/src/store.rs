//! `Store`: connection set-up and every query Rollcall makes, one method per use case, each
//! in at most one transaction.
//!
//! SQLite has one writer at a time. Rather than let concurrent writers collide on the database
//! lock (and retry on `SQLITE_BUSY`), writes go through a pool of exactly one connection and
//! queue in-process; reads use their own pool and, in WAL mode, never wait for the writer.
//! On PostgreSQL both pools are one pool.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::Duration,
};

use chrono::{DateTime, Utc};
use domain::{
    Email, Error, OrganizationId, OrganizationName, Permissions, Result, Role, RoleChange, Scope,
    UserId,
    model::{
        AuditEvent, Context, Invitation, Membership, NewUser, Organization, TeamAssignment, User,
    },
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection,
    DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set, SqlErr,
    TransactionTrait,
    sea_query::{Expr, ExprTrait as _},
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};
use sea_orm_migration::MigratorTrait;
use uuid::Uuid;

use crate::{
    entities::{
        audit_events, invitations, memberships, organizations, outbox_messages, rate_limits, users,
    },
    migration::Migrator,
};

mod idempotency_ops;
mod invitations_ops;
mod me_ops;
mod members_ops;
mod seed_ops;
mod writer;
pub use idempotency_ops::{Claim, KeyScope};
pub use invitations_ops::InvitationFilter;
pub use seed_ops::SeedInvitation;
mod teams_ops;

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
    /// Invitations one organization may create per fixed hour, counted in the database.
    pub invitations_per_hour: u32,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(5),
            busy_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(10),
            invitations_per_hour: 1000,
        }
    }
}

/// The database, behind the operations Rollcall needs.
#[derive(Clone)]
pub struct Store {
    write: DatabaseConnection,
    read: DatabaseConnection,
    invitations_per_hour: u32,
    organizations: OrganizationCache,
    writer: writer::Writer,
}

/// Organizations by uuid, as read from the database. An organization row never changes and is
/// never deleted once committed, so a copy can't go stale, on any replica; this saves the
/// lookup most requests start with. Bounded: emptied when it reaches `ORGANIZATIONS_CACHED`.
#[derive(Clone, Default)]
pub(crate) struct OrganizationCache(Arc<RwLock<CachedOrganizations>>);

#[derive(Default)]
struct CachedOrganizations {
    by_uuid: HashMap<Uuid, Organization>,
    uuid_of: HashMap<i64, Uuid>,
}

const ORGANIZATIONS_CACHED: usize = 10_000;

impl OrganizationCache {
    fn get(&self, uuid: &Uuid) -> Option<Organization> {
        self.0.read().ok()?.by_uuid.get(uuid).cloned()
    }

    fn get_by_id(&self, id: OrganizationId) -> Option<Organization> {
        let cached = self.0.read().ok()?;
        cached.by_uuid.get(cached.uuid_of.get(&id.get())?).cloned()
    }

    fn keep(&self, org: &Organization) {
        if let Ok(mut cached) = self.0.write() {
            if cached.by_uuid.len() >= ORGANIZATIONS_CACHED {
                cached.by_uuid.clear();
                cached.uuid_of.clear();
            }
            cached.uuid_of.insert(org.id.get(), org.uuid);
            cached.by_uuid.insert(org.uuid, org.clone());
        }
    }

    /// The organization `id`, from the cache or else read through `db`.
    pub(crate) async fn by_id(
        &self,
        db: &impl ConnectionTrait,
        id: OrganizationId,
    ) -> Result<Option<Organization>> {
        if let Some(org) = self.get_by_id(id) {
            return Ok(Some(org));
        }
        let row = organizations::Entity::find_by_id(id.get())
            .one(db)
            .await
            .map_err(db_err)?;
        let org = row.map(organization_from_row).transpose()?;
        if let Some(org) = &org {
            self.keep(org);
        }
        Ok(org)
    }
}

impl Store {
    /// Connects to `url` (`sqlite://path?mode=rwc` or `postgres://…`) and applies every pending
    /// migration. SQLite runs in WAL mode with `synchronous=NORMAL`: a committed write survives
    /// a crash of the process; a power loss may lose the last commits, never corrupt the file.
    /// On PostgreSQL, replicas starting together take turns to migrate (an advisory lock).
    pub async fn connect(url: &str, options: &StoreOptions) -> Result<Self> {
        let (write, read, writer) = if url.starts_with("sqlite:") {
            // The write connection (and so its thread) is opened on the writer thread.
            let writer = writer::Writer::thread()?;
            let write_options = sqlite_options(url, options, 1);
            let write = writer
                .run(async move { Database::connect(write_options).await.map_err(db_err) })
                .await?;
            // Migrate (and so create the WAL file) before the readers open the database.
            Migrator::up(&write, None).await.map_err(db_err)?;
            let read = Database::connect(sqlite_options(url, options, options.max_connections))
                .await
                .map_err(db_err)?;
            (write, read, writer)
        } else {
            let mut opts = ConnectOptions::new(url);
            opts.max_connections(options.max_connections)
                .min_connections(0)
                .acquire_timeout(options.acquire_timeout)
                .connect_timeout(options.acquire_timeout)
                .statement_timeout(options.statement_timeout)
                .test_before_acquire(true)
                .sqlx_logging(false);
            let db = Database::connect(opts).await.map_err(db_err)?;
            let txn = db.begin().await.map_err(db_err)?;
            txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
                .await
                .map_err(db_err)?;
            Migrator::up(&txn, None).await.map_err(db_err)?;
            txn.commit().await.map_err(db_err)?;
            (db.clone(), db, writer::Writer::in_place())
        };
        Ok(Self {
            write,
            read,
            invitations_per_hour: options.invitations_per_hour,
            organizations: OrganizationCache::default(),
            writer,
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

    // ---- users -------------------------------------------------------------------------

    /// Creates a profile; 409 when the email is taken.
    pub async fn create_user(&self, new: &NewUser, ctx: &Context) -> Result<User> {
        let txn = self.write.begin().await.map_err(db_err)?;
        let user = insert_user(&txn, None, new, ctx.now).await?;
        audit(&txn, ctx, None, "user.created", format!("user:{}", user.id)).await?;
        txn.commit().await.map_err(db_err)?;
        Ok(user)
    }

    /// A page of profiles by id, after `after`, only the one with `email` when given; up to
    /// `limit + 1`.
    pub async fn users(
        &self,
        email: Option<&str>,
        after: Option<UserId>,
        limit: u64,
    ) -> Result<Vec<User>> {
        let mut query = users::Entity::find();
        if let Some(email) = email {
            query = query.filter(users::Column::Email.eq(email.trim().to_lowercase()));
        }
        if let Some(after) = after {
            query = query.filter(users::Column::Id.gt(after.get()));
        }
        let rows = query
            .order_by_asc(users::Column::Id)
            .limit(limit + 1)
            .all(&self.read)
            .await
            .map_err(db_err)?;
        rows.into_iter().map(user_from_row).collect()
    }

    /// A page of one user's memberships, deleted ones included, by membership, after the
    /// position `after`; up to `limit + 1`, each with its position.
    pub async fn memberships_of_user(
        &self,
        user: UserId,
        after: Option<i64>,
        limit: u64,
    ) -> Result<Vec<(i64, Membership)>> {
        let mut query =
            memberships::Entity::find().filter(memberships::Column::UserId.eq(user.get()));
        if let Some(after) = after {
            query = query.filter(memberships::Column::Id.gt(after));
        }
        let rows = query
            .order_by_asc(memberships::Column::Id)
            .limit(limit + 1)
            .all(&self.read)
            .await
            .map_err(db_err)?;
        rows.into_iter()
            .map(|r| Ok((r.id, membership_from_row(r)?)))
            .collect()
    }

    /// A profile by id, deleted or not.
    pub async fn user(&self, id: UserId) -> Result<Option<User>> {
        let row = users::Entity::find_by_id(id.get())
            .one(&self.read)
            .await
            .map_err(db_err)?;
        row.map(user_from_row).transpose()
    }

    /// The caller's profile, created from `new` (its verified email) when it has none yet: an
    /// upsert by id. `new` is asked for only then. 409 when that email belongs to another user.
    pub async fn ensure_profile(
        &self,
        id: UserId,
        new: impl FnOnce() -> Result<NewUser>,
        ctx: &Context,
    ) -> Result<User> {
        if let Some(user) = self.user(id).await? {
            return Ok(user);
        }
        let new = new()?;
        let (write, ctx) = (self.write.clone(), ctx.clone());
        let created = self.writer.run(async move {
            let txn = write.begin().await.map_err(db_err)?;
            let user = insert_user(&txn, Some(id), &new, ctx.now).await?;
            audit(&txn, &ctx, None, "user.created", format!("user:{id}")).await?;
            txn.commit().await.map_err(db_err)?;
            Ok(user)
        });
        match created.await {
            // A concurrent request created the same profile: that one is ours too.
            Err(Error::Conflict(_)) if let Some(user) = self.user(id).await? => Ok(user),
            other => other,
        }
    }

    // ---- organizations -------------------------------------------------------------------

    /// Creates an organization with no members (back office).
    pub async fn create_organization(
        &self,
        name: &OrganizationName,
        ctx: &Context,
    ) -> Result<Organization> {
        let txn = self.write.begin().await.map_err(db_err)?;
        let org = insert_organization(&txn, name, ctx.now).await?;
        audit(
            &txn,
            ctx,
            Some(org.id),
            "organization.created",
            format!("organization:{}", org.uuid),
        )
        .await?;
        txn.commit().await.map_err(db_err)?;
        Ok(org)
    }

    /// Creates an organization whose first administrator is `owner`, in one transaction.
    pub async fn create_organization_with_admin(
        &self,
        owner: UserId,
        name: &OrganizationName,
        ctx: &Context,
    ) -> Result<(Organization, Membership)> {
        let txn = self.write.begin().await.map_err(db_err)?;
        let org = insert_organization(&txn, name, ctx.now).await?;
        let membership = insert_membership(
            &txn,
            owner,
            org.id,
            Role::Administrator,
            &Permissions::default(),
            ctx.now,
        )
        .await?;
        audit(
            &txn,
            ctx,
            Some(org.id),
            "organization.created",
            format!("organization:{}", org.uuid),
        )
        .await?;
        audit(
            &txn,
            ctx,
            Some(org.id),
            "membership.created",
            format!("user:{owner}"),
        )
        .await?;
        txn.commit().await.map_err(db_err)?;
        Ok((org, membership))
    }

    pub async fn organization(&self, id: OrganizationId) -> Result<Option<Organization>> {
        self.organizations.by_id(&self.read, id).await
    }

    pub async fn organization_by_uuid(&self, uuid: Uuid) -> Result<Option<Organization>> {
        if let Some(org) = self.organizations.get(&uuid) {
            return Ok(Some(org));
        }
        let row = organizations::Entity::find()
            .filter(organizations::Column::Uuid.eq(uuid))
            .one(&self.read)
            .await
            .map_err(db_err)?;
        let org = row.map(organization_from_row).transpose()?;
        if let Some(org) = &org {
            self.organizations.keep(org);
        }
        Ok(org)
    }

    // ---- memberships ---------------------------------------------------------------------

    /// The user's live (not deleted) membership of the organization, if any.
    pub async fn live_membership(
        &self,
        user: UserId,
        org: OrganizationId,
    ) -> Result<Option<Membership>> {
        let row = live_membership_row(&self.read, user, org).await?;
        row.map(membership_from_row).transpose()
    }

    /// Seed 001: makes `user` a member of `org` with the role `scope` gives. Restores the most
    /// recent soft-deleted membership if there is one; 404 for an unknown user or organization;
    /// 409 when the user is already a live member.
    pub async fn register_membership(
        &self,
        user: UserId,
        org: OrganizationId,
        scope: Scope,
        permissions: &Permissions,
        ctx: &Context,
    ) -> Result<Membership> {
        let txn = self.write.begin().await.map_err(db_err)?;
        if users::Entity::find_by_id(user.get())
            .one(&txn)
            .await
            .map_err(db_err)?
            .is_none()
        {
            return Err(Error::NotFound(format!("no user has id {user}")));
        }
        if organizations::Entity::find_by_id(org.get())
            .one(&txn)
            .await
            .map_err(db_err)?
            .is_none()
        {
            return Err(Error::NotFound(format!("no organization has id {org}")));
        }
        let membership = add_or_restore_membership(
            &txn,
            user,
            org,
            RoleChange::Scope(scope),
            permissions,
            ctx.now,
        )
        .await?;
        audit(
            &txn,
            ctx,
            Some(org),
            "membership.registered",
            format!("user:{user}"),
        )
        .await?;
        txn.commit().await.map_err(db_err)?;
        Ok(membership)
    }

    /// Seed 000: finds the profile by email (or creates it), then makes it a member of `org`
    /// (scope 2), restoring a soft-deleted membership, and queues the invitation email in the
    /// outbox; 409 for a live member. One transaction.
    pub async fn invite_by_email(
        &self,
        org: OrganizationId,
        profile: &NewUser,
        permissions: &Permissions,
        ctx: &Context,
    ) -> Result<Membership> {
        let txn = self.write.begin().await.map_err(db_err)?;
        let existing = users::Entity::find()
            .filter(users::Column::Email.eq(profile.email.as_str()))
            .one(&txn)
            .await
            .map_err(db_err)?;
        let user = match existing {
            Some(row) => UserId::parse(row.id)?,
            None => {
                let user = insert_user(&txn, None, profile, ctx.now).await?.id;
                audit(&txn, ctx, None, "user.created", format!("user:{user}")).await?;
                user
            }
        };
        let membership = add_or_restore_membership(
            &txn,
            user,
            org,
            RoleChange::Scope(Scope::Standard),
            permissions,
            ctx.now,
        )
        .await?;
        audit(
            &txn,
            ctx,
            Some(org),
            "membership.invited",
            format!("user:{user}"),
        )
        .await?;
        take_invitation_quota(&txn, org, self.invitations_per_hour, ctx.now).await?;
        // The invitation email is promised in the same transaction as the membership.
        outbox_messages::ActiveModel {
            kind: Set("invitation".to_owned()),
            recipient: Set(profile.email.as_str().to_owned()),
            payload: Set(serde_json::json!({
                "organizationId": org.get(),
                "userId": user.get(),
                "firstName": profile.first_name,
                "lastName": profile.last_name,
            })),
            attempts: Set(0),
            created_at: Set(ctx.now),
            sent_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(db_err)?;
        txn.commit().await.map_err(db_err)?;
        Ok(membership)
    }

    /// A page of the organization's audit events, newest first, after the event id `after`;
    /// up to `limit + 1` rows (one more than a page says whether another follows).
    pub async fn audit_events(
        &self,
        org: OrganizationId,
        after: Option<i64>,
        limit: u64,
    ) -> Result<Vec<AuditEvent>> {
        let mut query =
            audit_events::Entity::find().filter(audit_events::Column::OrganizationId.eq(org.get()));
        if let Some(id) = after {
            query = query.filter(audit_events::Column::Id.lt(id));
        }
        let rows = query
            .order_by_desc(audit_events::Column::Id)
            .limit(limit + 1)
            .all(&self.read)
            .await
            .map_err(db_err)?;
        rows.into_iter()
            .map(|r| {
                Ok(AuditEvent {
                    id: r.id,
                    organization_id: r.organization_id.map(OrganizationId::parse).transpose()?,
                    actor: r.actor_id.map(UserId::parse).transpose()?,
                    action: r.action,
                    target: r.target,
                    request_id: r.request_id,
                    created_at: r.created_at,
                })
            })
            .collect()
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
        });
    opts
}

// ---- statements shared by several use cases (inside the caller's transaction) -------------

/// Counts one invitation of `org` in the current fixed hour; 429 once `per_hour` have been
/// created in it. The count is part of the caller's transaction, so a refused or failed
/// invitation counts for nothing, and on PostgreSQL the counter's row serializes concurrent
/// invitations of one organization across replicas.
async fn take_invitation_quota(
    db: &impl ConnectionTrait,
    org: OrganizationId,
    per_hour: u32,
    now: DateTime<Utc>,
) -> Result<()> {
    use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
    const WINDOW: i64 = 3600;
    let bucket = format!("invitations:organization:{org}");
    let window_start = now.timestamp().div_euclid(WINDOW) * WINDOW;
    let upsert = Query::insert()
        .into_table(rate_limits::Entity)
        .columns([
            rate_limits::Column::Bucket,
            rate_limits::Column::WindowStart,
            rate_limits::Column::Count,
        ])
        .values_panic([bucket.clone().into(), window_start.into(), 1i64.into()])
        .on_conflict(
            OnConflict::columns([
                rate_limits::Column::Bucket,
                rate_limits::Column::WindowStart,
            ])
            .value(
                rate_limits::Column::Count,
                ExprTrait::add(
                    Expr::col((rate_limits::Entity, rate_limits::Column::Count)),
                    1,
                ),
            )
            .to_owned(),
        )
        .returning_col(rate_limits::Column::Count)
        .to_owned();
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(backend.build(&upsert))
        .await
        .map_err(db_err)?
        .ok_or_else(|| Error::Internal("the rate-limit upsert returned no row".into()))?;
    let count: i64 = row.try_get("", "count").map_err(db_err)?;
    if count > i64::from(per_hour) {
        return Err(Error::RateLimited {
            detail: format!(
                "this organization has created {per_hour} invitations this hour, its limit; retry after the Retry-After seconds"
            ),
            retry_after_secs: u64::try_from(window_start + WINDOW - now.timestamp())
                .unwrap_or(0)
                .clamp(1, 3600),
        });
    }
    if count == 1 {
        // A new window: forget the ones before it.
        rate_limits::Entity::delete_many()
            .filter(rate_limits::Column::Bucket.eq(bucket))
            .filter(rate_limits::Column::WindowStart.lt(window_start))
            .exec(db)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

/// Makes the rest of the caller's transaction the only one changing `org`'s memberships until
/// it ends, so that checks such as "another administrator remains" hold when it commits. On
/// PostgreSQL this locks the organization's row; SQLite needs nothing, since its writes are
/// serialized through one connection.
async fn lock_organization(db: &impl ConnectionTrait, org: OrganizationId) -> Result<()> {
    if db.get_database_backend() == DbBackend::Postgres {
        organizations::Entity::find_by_id(org.get())
            .lock_exclusive()
            .one(db)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

async fn insert_user(
    db: &impl ConnectionTrait,
    id: Option<UserId>,
    new: &NewUser,
    now: DateTime<Utc>,
) -> Result<User> {
    let mut row = users::ActiveModel {
        email: Set(new.email.as_str().to_owned()),
        first_name: Set(new.first_name.clone()),
        last_name: Set(new.last_name.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
        ..Default::default()
    };
    if let Some(id) = id {
        row.id = Set(id.get());
    }
    let inserted = row.insert(db).await.map_err(|e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            Error::Conflict(format!("a user with email {} already exists", new.email))
        }
        _ => db_err(e),
    })?;
    if id.is_some() && db.get_database_backend() == DbBackend::Postgres {
        // An explicit id does not move PostgreSQL's sequence; keep it ahead of every id in use.
        db.execute_unprepared(
            "SELECT setval(pg_get_serial_sequence('users', 'id'), GREATEST((SELECT MAX(id) FROM users), 1))",
        )
        .await
        .map_err(db_err)?;
    }
    user_from_row(inserted)
}

async fn insert_organization(
    db: &impl ConnectionTrait,
    name: &OrganizationName,
    now: DateTime<Utc>,
) -> Result<Organization> {
    let row = organizations::ActiveModel {
        uuid: Set(Uuid::new_v4()),
        name: Set(name.as_str().to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(db_err)?;
    organization_from_row(row)
}

async fn live_membership_row(
    db: &impl ConnectionTrait,
    user: UserId,
    org: OrganizationId,
) -> Result<Option<memberships::Model>> {
    memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(user.get()))
        .filter(memberships::Column::OrganizationId.eq(org.get()))
        .filter(memberships::Column::DeletedAt.is_null())
        .one(db)
        .await
        .map_err(db_err)
}

fn already_member(user: UserId, org: OrganizationId) -> Error {
    Error::Conflict(format!(
        "user {user} is already a member of organization {org}"
    ))
}

/// Inserts a live membership; the unique live-membership index turns a race into a 409.
async fn insert_membership(
    db: &impl ConnectionTrait,
    user: UserId,
    org: OrganizationId,
    role: Role,
    permissions: &Permissions,
    now: DateTime<Utc>,
) -> Result<Membership> {
    let row = memberships::ActiveModel {
        user_id: Set(user.get()),
        organization_id: Set(org.get()),
        role: Set(role.as_str().to_owned()),
        permissions: Set(serde_json::to_value(permissions).map_err(internal)?),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => already_member(user, org),
        _ => db_err(e),
    })?;
    membership_from_row(row)
}

/// 409 for a live member; else restores the newest soft-deleted membership, or inserts a new
/// one, with the role `role_for` gives.
async fn add_or_restore_membership(
    db: &impl ConnectionTrait,
    user: UserId,
    org: OrganizationId,
    role_for: RoleChange,
    permissions: &Permissions,
    now: DateTime<Utc>,
) -> Result<Membership> {
    // One statement: the live membership if there is one, else the newest deleted one.
    let newest = memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(user.get()))
        .filter(memberships::Column::OrganizationId.eq(org.get()))
        .order_by_desc(Expr::col(memberships::Column::DeletedAt).is_null())
        .order_by_desc(memberships::Column::DeletedAt)
        .one(db)
        .await
        .map_err(db_err)?;
    if newest.as_ref().is_some_and(|r| r.deleted_at.is_none()) {
        return Err(already_member(user, org));
    }
    let Some(row) = newest else {
        return insert_membership(db, user, org, role_for.apply(None), permissions, now).await;
    };
    let role = role_for.apply(Some(stored_role(&row.role)?));
    let mut restore: memberships::ActiveModel = row.into();
    restore.role = Set(role.as_str().to_owned());
    restore.permissions = Set(serde_json::to_value(permissions).map_err(internal)?);
    restore.updated_at = Set(now);
    restore.deleted_at = Set(None);
    let row = restore.update(db).await.map_err(|e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => already_member(user, org),
        _ => db_err(e),
    })?;
    membership_from_row(row)
}

// ---- rows → domain records ---------------------------------------------------------------

fn user_from_row(r: users::Model) -> Result<User> {
    Ok(User {
        id: UserId::parse(r.id)?,
        email: Email::from_stored(r.email),
        first_name: r.first_name,
        last_name: r.last_name,
        created_at: r.created_at,
        updated_at: r.updated_at,
        deleted_at: r.deleted_at,
    })
}

fn organization_from_row(r: organizations::Model) -> Result<Organization> {
    Ok(Organization {
        id: OrganizationId::parse(r.id)?,
        uuid: r.uuid,
        name: r.name,
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}

fn membership_from_row(r: memberships::Model) -> Result<Membership> {
    Ok(Membership {
        user_id: UserId::parse(r.user_id)?,
        organization_id: OrganizationId::parse(r.organization_id)?,
        role: stored_role(&r.role)?,
        permissions: serde_json::from_value(r.permissions).map_err(internal)?,
        created_at: r.created_at,
        updated_at: r.updated_at,
        deleted_at: r.deleted_at,
    })
}

fn invitation_from_row(r: invitations::Model, organization: Organization) -> Result<Invitation> {
    let team_assignments: Vec<TeamAssignment> =
        serde_json::from_value(r.team_assignments).map_err(internal)?;
    Ok(Invitation {
        id: r.id,
        organization,
        email: Email::from_stored(r.email),
        role: stored_role(&r.role)?,
        team_assignments,
        permissions: r
            .permissions
            .map(serde_json::from_value)
            .transpose()
            .map_err(internal)?,
        status: domain::InvitationStatus::parse(&r.status)?,
        invited_by: UserId::parse(r.invited_by)?,
        expires_at: r.expires_at,
        created_at: r.created_at,
    })
}

/// Appends one audit event, in the caller's transaction: the change and its record commit
/// together or not at all.
async fn audit(
    db: &impl ConnectionTrait,
    ctx: &Context,
    org: Option<OrganizationId>,
    action: &str,
    target: String,
) -> Result<()> {
    audit_events::ActiveModel {
        organization_id: Set(org.map(OrganizationId::get)),
        actor_id: Set(ctx.actor.map(UserId::get)),
        action: Set(action.to_owned()),
        target: Set(target),
        request_id: Set(ctx.request_id.clone()),
        created_at: Set(ctx.now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(db_err)?;
    Ok(())
}

fn stored_role(s: &str) -> Result<Role> {
    Role::parse(s).map_err(|_| Error::Internal(format!("stored role {s:?} is unknown")))
}

// ---- errors --------------------------------------------------------------------------------

fn internal(e: impl std::fmt::Display) -> Error {
    Error::Internal(e.to_string())
}

/// A database failure as the caller should see it: 503 when the database cannot be reached,
/// 500 (logged, not shown) for anything else.
fn db_err(e: DbErr) -> Error {
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
