//! Teams of an organization.

use domain::{
    OrganizationId, Result,
    model::{Context, Team},
    names::TeamName,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use uuid::Uuid;

use super::{Store, audit, db_err};
use crate::entities::teams;

impl Store {
    /// Creates a team in `org`.
    pub async fn create_team(
        &self,
        org: OrganizationId,
        name: &TeamName,
        ctx: &Context,
    ) -> Result<Team> {
        let txn = self.write.begin().await.map_err(db_err)?;
        let row = teams::ActiveModel {
            id: Set(Uuid::new_v4()),
            organization_id: Set(org.get()),
            name: Set(name.as_str().to_owned()),
            created_at: Set(ctx.now),
            updated_at: Set(ctx.now),
        }
        .insert(&txn)
        .await
        .map_err(db_err)?;
        audit(
            &txn,
            ctx,
            Some(org),
            "team.created",
            format!("team:{}", row.id),
        )
        .await?;
        txn.commit().await.map_err(db_err)?;
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
