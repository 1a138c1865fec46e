//! Sessions (`x-session-token`): Rollcall's own HS256 tokens, issued to a live member for the
//! organization it acts on, or, with no organization, to a back-office operator for `/bo/`.

use domain::{Error, OrganizationId, Result};
use wire::Envelope;

use crate::{App, Caller, SESSION_LIFETIME, SessionClaims, identity::ensure_user_id};

impl App {
    /// `POST /users-organizations/v1/sessions`: a session acting on `organization`, which the
    /// caller must be a live member of (403 otherwise); without one, a back-office session
    /// (`organizationId` null, good only on `/bo/` paths; 403 without the back-office role). A
    /// back-office operator whose provider identity has no user yet is given a user id here.
    pub async fn session_create(
        &self,
        caller: &Caller,
        organization: Option<OrganizationId>,
    ) -> Result<Envelope<wire::Session>> {
        let user = match organization {
            Some(org) => {
                let not_member =
                    || Error::Forbidden(format!("you are not a member of organization {org}"));
                let user = caller.user().ok_or_else(not_member)?;
                if self
                    .store()
                    .read()
                    .live_membership(user, org)
                    .await?
                    .is_none()
                {
                    return Err(not_member());
                }
                user
            }
            None if caller.is_backoffice() => match caller.user() {
                Some(user) => user,
                None => {
                    let (caller, ctx) = (caller.clone(), self.context(caller));
                    self.store()
                        .write(move |tx| {
                            Box::pin(async move { ensure_user_id(tx, &caller, &ctx).await })
                        })
                        .await?
                }
            },
            None => {
                return Err(Error::Forbidden(
                    "name the organization the session acts on (`organizationId`); only a back-office operator gets a session without one"
                        .into(),
                ));
            }
        };
        let now = self.now();
        let claims = SessionClaims::new(user, organization, now, SESSION_LIFETIME);
        let token = self.credentials().session_token(&claims)?;
        Ok(Envelope::from(wire::Session {
            token,
            expires_at: now + SESSION_LIFETIME,
            organization_id: organization.map(OrganizationId::get),
        }))
    }
}
