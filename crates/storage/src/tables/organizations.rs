//! Organizations. A committed organization never changes, so reads go through the process's
//! cache (see `OrganizationCache`).

use chrono::{DateTime, Utc};
use domain::{OrganizationId, OrganizationName, Result, model::Organization};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect, Set,
};
use uuid::Uuid;

use super::Db;
use crate::{
    entities::organizations,
    store::{db_err, internal},
};

impl<C: ConnectionTrait> Db<'_, C> {
    /// The organization `id`.
    pub async fn organization(&self, id: OrganizationId) -> Result<Option<Organization>> {
        if let Some(org) = self.organizations.get_by_id(id) {
            return Ok(Some(org));
        }
        let row = self
            .first(organizations::Entity::find_by_id(id.get()))
            .await?;
        self.cached(row)
    }

    /// The organization with this uuid.
    pub async fn organization_by_uuid(&self, uuid: Uuid) -> Result<Option<Organization>> {
        if let Some(org) = self.organizations.get(&uuid) {
            return Ok(Some(org));
        }
        let row = self
            .first(organizations::Entity::find().filter(organizations::Column::Uuid.eq(uuid)))
            .await?;
        self.cached(row)
    }

    fn cached(&self, row: Option<organizations::Model>) -> Result<Option<Organization>> {
        let org = row.map(organization_from_row).transpose()?;
        if let Some(org) = &org
            && self.caches
        {
            self.organizations.keep(org);
        }
        Ok(org)
    }

    /// Stores a new organization.
    pub async fn insert_organization(
        &self,
        name: &OrganizationName,
        now: DateTime<Utc>,
    ) -> Result<Organization> {
        let row = organizations::ActiveModel {
            uuid: Set(Uuid::new_v4()),
            name: Set(name.as_str().to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        organization_from_row(self.insert_row(row).await?)
    }

    /// Makes the rest of the caller's transaction the only one changing `org`'s memberships
    /// until it ends, so that checks such as "another administrator remains" hold when it
    /// commits. On PostgreSQL this locks the organization's row; SQLite needs nothing, since
    /// its writes are serialized through one connection.
    pub async fn lock_organization(&self, org: OrganizationId) -> Result<()> {
        if self.backend() == DbBackend::Postgres {
            organizations::Entity::find_by_id(org.get())
                .lock_exclusive()
                .one(self.conn)
                .await
                .map_err(db_err)?;
        }
        Ok(())
    }
}

pub(crate) fn organization_from_row(r: organizations::Model) -> Result<Organization> {
    Ok(Organization {
        id: OrganizationId::parse(r.id).map_err(internal)?,
        uuid: r.uuid,
        name: r.name,
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}
