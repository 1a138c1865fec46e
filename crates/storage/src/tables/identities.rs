//! Identities: `(issuer, subject)` of an identity provider → a Rollcall user id. Written once per
//! identity and never changed; the first writer wins (INSERT … ON CONFLICT DO NOTHING), so
//! concurrent first requests of one identity on any replica agree on one user.

use chrono::{DateTime, Utc};
use domain::{Error, Result, UserId};
use sea_orm::{EntityTrait, QueryTrait, Set};

use super::Db;
use crate::{entities::identities, store::internal};

impl<C: sea_orm::ConnectionTrait> Db<'_, C> {
    /// The user the provider `issuer`'s `subject` is, when it has been linked.
    pub async fn identity_user(&self, issuer: &str, subject: &str) -> Result<Option<UserId>> {
        self.first(identities::Entity::find_by_id((
            issuer.to_owned(),
            subject.to_owned(),
        )))
        .await?
        .map(|row| UserId::parse(row.user_id).map_err(internal))
        .transpose()
    }

    /// Links `(issuer, subject)` to `user` unless it is linked already, and answers the user it
    /// is linked to now: `user`, or the one a concurrent request linked first (on PostgreSQL the
    /// insert waits for that transaction, then does nothing).
    pub async fn link_identity(
        &self,
        issuer: &str,
        subject: &str,
        user: UserId,
        now: DateTime<Utc>,
    ) -> Result<UserId> {
        let row = identities::ActiveModel {
            issuer: Set(issuer.to_owned()),
            subject: Set(subject.to_owned()),
            user_id: Set(user.get()),
            created_at: Set(now),
        };
        let linked = identities::Entity::insert(row)
            .on_conflict_do_nothing_on([identities::Column::Issuer, identities::Column::Subject])
            .build(self.backend());
        self.execute(linked).await?;
        self.identity_user(issuer, subject).await?.ok_or_else(|| {
            Error::Internal(format!(
                "the identity {subject:?} of {issuer:?} was neither linked nor found"
            ))
        })
    }
}
