//! Teams of an organization.

use chrono::{DateTime, Utc};
use domain::{OrganizationId, Result, model::Team, names::TeamName};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use super::{Store, db_err};
use crate::entities::teams;

impl Store {
    /// Creates a team in `org`.
    pub async fn create_team(
        &self,
        org: OrganizationId,
        name: &TeamName,
        now: DateTime<Utc>,
    ) -> Result<Team> {
        let row = teams::ActiveModel {
            id: Set(Uuid::new_v4()),
            organization_id: Set(org.get()),
            name: Set(name.as_str().to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&self.write)
        .await
        .map_err(db_err)?;
        team_from_row(row)
    }

    /// The organization's teams, oldest first.
    pub async fn teams(&self, org: OrganizationId) -> Result<Vec<Team>> {
        let rows = teams::Entity::find()
            .filter(teams::Column::OrganizationId.eq(org.get()))
            .order_by_asc(teams::Column::CreatedAt)
            .order_by_asc(teams::Column::Id)
            .all(&self.read)
            .await
            .map_err(db_err)?;
        rows.into_iter().map(team_from_row).collect()
    }
}

fn team_from_row(r: teams::Model) -> Result<Team> {
    Ok(Team {
        id: r.id,
        organization_id: OrganizationId::parse(r.organization_id)?,
        name: r.name,
        created_at: r.created_at,
    })
}
