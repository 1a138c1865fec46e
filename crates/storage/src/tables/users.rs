//! Profiles.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::{
    Email, Error, Result, UserId,
    model::{NewUser, User},
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Set, sea_query::OnConflict,
};

use super::{Db, Keyset};
use crate::{entities::users, store::internal};

/// What asking for a profile by id found or made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Profile {
    /// It was made now, in this transaction.
    Created(User),
    /// It was there already (perhaps made a moment ago by a concurrent request).
    Existing(User),
}

impl<C: ConnectionTrait> Db<'_, C> {
    /// A profile by id, deleted or not.
    pub async fn user(&self, id: UserId) -> Result<Option<User>> {
        self.first(users::Entity::find_by_id(id.get()))
            .await?
            .map(user_from_row)
            .transpose()
    }

    /// The profile with this (normalized) email.
    pub async fn user_by_email(&self, email: &Email) -> Result<Option<User>> {
        self.first(users::Entity::find().filter(users::Column::Email.eq(email.as_str())))
            .await?
            .map(user_from_row)
            .transpose()
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
        let query = query.ascending_after(users::Column::Id, after.map(UserId::get));
        self.page(query, limit, user_from_row).await
    }

    /// The profiles of `ids`, by id.
    pub(crate) async fn profiles(&self, ids: &[i64]) -> Result<HashMap<i64, User>> {
        self.rows(users::Entity::find().filter(users::Column::Id.is_in(ids.to_vec())))
            .await?
            .into_iter()
            .map(|u| Ok((u.id, user_from_row(u)?)))
            .collect()
    }

    /// Stores a new profile with a server-assigned id; 409 when the email is taken. The id is
    /// the next of the `users` counter that no profile holds yet (an explicit `sub` may hold
    /// one): never derived from the largest id in use.
    pub async fn insert_user(&self, new: &NewUser, now: DateTime<Utc>) -> Result<User> {
        if self.user_by_email(&new.email).await?.is_some() {
            return Err(Error::EmailTaken(format!(
                "a user with email {} already exists",
                new.email
            )));
        }
        for _ in 0..1000 {
            let id = self.next_id("users").await?;
            match self.insert_unless_taken(id, new, now).await? {
                Some(row) => return user_from_row(row),
                // The id is an explicit `sub`'s: take the next.
                None => continue,
            }
        }
        Err(Error::Internal(
            "a thousand server-assigned user ids in a row are taken".into(),
        ))
    }

    /// The profile with `new`'s email: made now with a server-assigned id, or the one that has
    /// it (perhaps made a moment ago by a concurrent transaction, which the insert waits for on
    /// PostgreSQL). Never a unique violation, which would abort a PostgreSQL transaction: the
    /// insert does nothing on any conflict, and the email or the id says which it was.
    pub async fn profile_by_email_or_new(
        &self,
        new: &NewUser,
        now: DateTime<Utc>,
    ) -> Result<Profile> {
        for _ in 0..1000 {
            if let Some(user) = self.user_by_email(&new.email).await? {
                return Ok(Profile::Existing(user));
            }
            let id = self.next_id("users").await?;
            let mut row = new_row(new, now);
            row.id = Set(id);
            let inserted =
                users::Entity::insert(row).on_conflict(OnConflict::new().do_nothing().to_owned());
            // No row: the email was taken meanwhile (found at the top), or the id is an
            // explicit `sub`'s (take the next).
            if let Some(row) = self
                .returning::<users::Entity, _>(inserted)
                .await?
                .into_iter()
                .next()
            {
                return Ok(Profile::Created(user_from_row(row)?));
            }
        }
        Err(Error::Internal(
            "a thousand server-assigned user ids in a row are taken".into(),
        ))
    }

    /// A server-assigned user id that no profile holds, for a user that has no profile yet.
    pub async fn new_user_id(&self) -> Result<UserId> {
        for _ in 0..1000 {
            let id = UserId::parse(self.next_id("users").await?).map_err(internal)?;
            if self.user(id).await?.is_none() {
                return Ok(id);
            }
        }
        Err(Error::Internal(
            "a thousand server-assigned user ids in a row are taken".into(),
        ))
    }

    /// The next value of the counter `name`.
    async fn next_id(&self, name: &str) -> Result<i64> {
        use sea_orm::{Statement, Value};
        let sql = match self.backend() {
            DbBackend::Postgres => {
                "UPDATE id_sequences SET last = last + 1 WHERE name = $1 RETURNING last"
            }
            _ => "UPDATE id_sequences SET last = last + 1 WHERE name = ? RETURNING last",
        };
        let next = Statement::from_sql_and_values(self.backend(), sql, [Value::from(name)]);
        self.values::<i64>(next)
            .await?
            .first()
            .copied()
            .ok_or_else(|| Error::Internal(format!("the id counter {name:?} is missing")))
    }

    /// The profile `id`, made from `new` when there is none: an upsert by id that waits for a
    /// concurrent transaction making the same profile and then answers that one. 409 when the
    /// email belongs to another user.
    pub async fn ensure_profile(
        &self,
        id: UserId,
        new: &NewUser,
        now: DateTime<Utc>,
    ) -> Result<Profile> {
        match self.insert_unless_taken(id.get(), new, now).await? {
            Some(row) => Ok(Profile::Created(user_from_row(row)?)),
            None => {
                self.user(id).await?.map(Profile::Existing).ok_or_else(|| {
                    Error::Internal(format!("profile {id} neither inserted nor found"))
                })
            }
        }
    }

    /// Inserts the user `id` made from `new` unless that id is taken (then `None`); 409 when
    /// the email belongs to another user.
    async fn insert_unless_taken(
        &self,
        id: i64,
        new: &NewUser,
        now: DateTime<Utc>,
    ) -> Result<Option<users::Model>> {
        let mut row = new_row(new, now);
        row.id = Set(id);
        let inserted = users::Entity::insert(row).on_conflict(
            OnConflict::column(users::Column::Id)
                .do_nothing()
                .to_owned(),
        );
        // No row: the id is taken.
        match self.returning::<users::Entity, _>(inserted).await {
            Ok(rows) => Ok(rows.into_iter().next()),
            Err(e) if e.is_unique_violation() => Err(Error::EmailTaken(format!(
                "a user with email {} already exists",
                new.email
            ))),
            Err(e) => Err(e.into()),
        }
    }
}

fn new_row(new: &NewUser, now: DateTime<Utc>) -> users::ActiveModel {
    users::ActiveModel {
        email: Set(new.email.as_str().to_owned()),
        first_name: Set(new.first_name.clone()),
        last_name: Set(new.last_name.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
        ..Default::default()
    }
}

pub(crate) fn user_from_row(r: users::Model) -> Result<User> {
    Ok(User {
        id: UserId::parse(r.id).map_err(internal)?,
        email: Email::from_stored(r.email),
        first_name: r.first_name,
        last_name: r.last_name,
        created_at: r.created_at,
        updated_at: r.updated_at,
        deleted_at: r.deleted_at,
    })
}
