//! Identity providers: bearers signed by a provider's published keys (`keys`), what their claims
//! say (`claims`), and who they are in Rollcall — the `identities` table maps a provider's
//! `(iss, sub)` to a Rollcall user id.
//!
//! How an identity becomes a user:
//! * **first sight, verified email of an existing profile**: the identity is linked to that
//!   profile when the caller is resolved (`App::caller`), so a profile made by seed 000 or the
//!   back office is its owner's from the first request on (one idempotent insert, the only write
//!   outside a use case);
//! * **no such profile**: the identity acts as no user (no memberships, `/me/organizations`
//!   empty) until a creating use case (accepting an invitation, creating an organization) makes
//!   its profile from the verified email and links it, in that use case's unit of work;
//! * **a back-office operator without a user** gets a user id (no profile) with its back-office
//!   session, since a session names a user.
//!
//! Every link is `INSERT … ON CONFLICT DO NOTHING` and then read back, so concurrent first
//! requests on any replica agree on one user. HS256 bearers (the embedded default) and bearers
//! whose user id is in `ROLLCALL_JWT_USER_ID_CLAIM` never go through `identities`.

mod claims;
mod keys;

pub use claims::{ClaimPaths, Identity, Subject, Verified};
pub use keys::{DEFAULT_MAX_AGE, KeySet, KeySource, REFETCH_INTERVAL, STALE_FOR};

use domain::{
    Result, UserId,
    model::{Context, User},
};
use storage::{Profile, Tx};

use crate::{App, Caller, events::user_created};

impl App {
    /// The user `identity` is: its link, or a new link to the profile its verified `email`
    /// names. `None`: an identity with no profile yet.
    pub(crate) async fn identity_user(
        &self,
        identity: &Identity,
        verified_email: Option<&domain::Email>,
    ) -> Result<Option<UserId>> {
        let db = self.store().read();
        if let Some(user) = db
            .identity_user(&identity.issuer, &identity.subject)
            .await?
        {
            return Ok(Some(user));
        }
        let Some(email) = verified_email else {
            return Ok(None);
        };
        let Some(profile) = db.user_by_email(email).await? else {
            return Ok(None);
        };
        let (identity_, now) = (identity.clone(), self.now());
        let user = self
            .store()
            .write(move |tx| {
                Box::pin(async move {
                    tx.link_identity(&identity_.issuer, &identity_.subject, profile.id, now)
                        .await
                })
            })
            .await?;
        tracing::info!(issuer = %identity.issuer, subject = %identity.subject, user = %user, "linked an identity to the profile with its verified email");
        Ok(Some(user))
    }
}

/// The caller's profile, inside a creating use case's unit of work: its own, or one made from
/// its bearer's verified email (403 without one) with its `user.created` event. A provider's
/// identity with no user yet is linked to the profile with that email, made now if there is
/// none; a Rollcall user id without a profile gets one, 409 when the email is another user's.
/// A refused use case rolls all of it back.
pub(crate) async fn ensure_profile(tx: Tx<'_>, caller: &Caller, ctx: &Context) -> Result<User> {
    let user = match (caller.user(), caller.identity()) {
        (Some(user), _) => Some(user),
        (None, Some(identity)) => {
            tx.identity_user(&identity.issuer, &identity.subject)
                .await?
        }
        (None, None) => None,
    };
    if let Some(user) = user {
        if let Some(profile) = tx.user(user).await? {
            return Ok(profile);
        }
        let made = tx
            .ensure_profile(user, &caller.new_profile()?, ctx.now)
            .await?;
        return created(tx, made, ctx).await;
    }
    let identity = caller.identity().ok_or_else(|| {
        domain::Error::Internal("a caller has neither a user id nor an identity".into())
    })?;
    let made = tx
        .profile_by_email_or_new(&caller.new_profile()?, ctx.now)
        .await?;
    let ours = profile_of(&made).id;
    let linked = tx
        .link_identity(&identity.issuer, &identity.subject, ours, ctx.now)
        .await?;
    if linked == ours {
        return created(tx, made, ctx).await;
    }
    // Another request linked this identity first, to another user (its token had another
    // email): that user is the caller. A profile made here would be no one's: roll back.
    match (made, tx.user(linked).await?) {
        (Profile::Existing(_), Some(profile)) => Ok(profile),
        _ => Err(domain::Error::Conflict(
            "this identity was linked to another user by a request at the same time; retry".into(),
        )),
    }
}

fn profile_of(p: &Profile) -> &User {
    match p {
        Profile::Created(u) | Profile::Existing(u) => u,
    }
}

/// The profile, with its `user.created` event when it was made now.
async fn created(tx: Tx<'_>, profile: Profile, ctx: &Context) -> Result<User> {
    match profile {
        Profile::Existing(user) => Ok(user),
        Profile::Created(user) => {
            let ctx = Context {
                actor: ctx.actor.or(Some(user.id)),
                ..ctx.clone()
            };
            user_created(tx, &ctx, &user).await?;
            Ok(user)
        }
    }
}

/// The caller's user id inside a unit of work, given one (a new one, no profile) when its
/// identity has none: for a back-office session, which must name a user.
pub(crate) async fn ensure_user_id(tx: Tx<'_>, caller: &Caller, ctx: &Context) -> Result<UserId> {
    if let Some(user) = caller.user() {
        return Ok(user);
    }
    let identity = caller.identity().ok_or_else(|| {
        domain::Error::Internal("a caller has neither a user id nor an identity".into())
    })?;
    if let Some(user) = tx
        .identity_user(&identity.issuer, &identity.subject)
        .await?
    {
        return Ok(user);
    }
    let id = tx.new_user_id().await?;
    tx.link_identity(&identity.issuer, &identity.subject, id, ctx.now)
        .await
}
