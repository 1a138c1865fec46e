//! `/me/…`: the caller's own organizations and the invitations waiting for it.

use chrono::{DateTime, Utc};
use domain::{OrganizationId, Result};
use uuid::Uuid;
use wire::Page;

use crate::{App, Caller, PageRequest};

impl App {
    /// `GET /me/organizations`: the organizations the caller is a live member of, with its role
    /// there, by organization.
    pub async fn me_organization_list(
        &self,
        caller: &Caller,
        page: PageRequest,
    ) -> Result<Page<wire::MyOrganization>> {
        let after = self.cursors().after::<OrganizationId>(&page)?;
        let rows = match caller.user() {
            Some(user) => {
                self.store()
                    .read()
                    .organizations_of(user, after, page.limit.get())
                    .await?
            }
            // An identity with no profile yet is a member of nothing.
            None => Vec::new(),
        };
        Ok(self
            .cursors()
            .page(rows, page.limit, |(org, _)| org.id)
            .map(|(org, m)| wire::MyOrganization {
                organization: (&org).into(),
                role: m.role.into(),
                permissions: (&m.permissions).into(),
                joined_at: m.created_at,
            }))
    }

    /// `GET /me/invitations`: the pending invitations to the caller's verified email, newest
    /// first (403 without one, or when it is not the caller's profile's: those are the
    /// invitations it can accept).
    pub async fn me_invitation_list(
        &self,
        caller: &Caller,
        page: PageRequest,
    ) -> Result<Page<wire::Invitation>> {
        let email = caller.verified_email()?;
        let after = self.cursors().after::<(DateTime<Utc>, Uuid)>(&page)?;
        let now = self.now();
        let db = self.store().read();
        if let Some(user) = caller.user()
            && let Some(profile) = db.user(user).await?
            && profile.email != email
        {
            return Err(crate::invitations::profile_elsewhere(&profile.email));
        }
        let rows = db
            .invitations_to(&email, after, page.limit.get(), now)
            .await?;
        Ok(self
            .cursors()
            .page(rows, page.limit, |i| (i.created_at, i.id))
            .map(|i| wire::Invitation::new(&i, now)))
    }
}
