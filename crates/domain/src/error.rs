//! The one error type of Rollcall. Every failure a caller can see is one of these variants;
//! `server` maps each to an HTTP status and an RFC 9457 problem in one place.

/// A field that failed validation: a JSON-pointer-like path and a sentence saying what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Everything that can go wrong, by what the caller should do about it. Each variant is one
/// class of problem with a stable name ([`Error::class`]): clients branch on it (as the `type`
/// URI of the problem), never on the wording of the detail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A request that is malformed as a whole (a bad path parameter, a forged cursor): 400.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// A request larger than the operation takes (more rows than a bulk operation allows): 413,
    /// and nothing is done.
    #[error("too large: {0}")]
    TooLarge(String),
    /// A well-formed request with invalid fields: 422, each field named.
    #[error("invalid request: {}", .0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// An `Idempotency-Key` sent again with another request body: 422.
    #[error("idempotency key reused: {0}")]
    KeyReused(String),
    /// Missing, malformed, expired or forged credentials: 401.
    #[error("unauthenticated: {0}")]
    Unauthenticated(String),
    /// Authenticated, but the caller's role or token does not allow this: 403.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The invitation was sent to another email address than the caller's: 403.
    #[error("email mismatch: {0}")]
    EmailMismatch(String),
    /// The caller's bearer carries no verified email where one is needed: 403.
    #[error("email unverified: {0}")]
    EmailUnverified(String),
    /// The resource does not exist, or the caller may not know it exists: 404.
    #[error("not found: {0}")]
    NotFound(String),
    /// The request conflicts with the current state in a way no other class names (two
    /// requests at the same moment): 409.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The person is a live member already: 409.
    #[error("already a member: {0}")]
    AlreadyMember(String),
    /// The email belongs to another profile: 409.
    #[error("email taken: {0}")]
    EmailTaken(String),
    /// The change would leave the organization without a live administrator: 409.
    #[error("last administrator: {0}")]
    LastAdministrator(String),
    /// The request conflicts with an invitation, named so that the client can act on it:
    /// `pending` — one is pending for that email already (resend or revoke it); otherwise the
    /// invitation is no longer pending (revoke, resend, or a replayed invite). 409 with
    /// `invitationId`.
    #[error("conflict: {detail}")]
    InvitationConflict {
        invitation_id: uuid::Uuid,
        pending: bool,
        detail: String,
    },
    /// The invitation can no longer be used: expired, revoked, declined or accepted (by
    /// someone else): 410.
    #[error("gone: {detail}")]
    InvitationGone {
        status: crate::InvitationStatus,
        detail: String,
    },
    /// A quota is used up until its window ends, `retry_after_secs` from now: 429.
    #[error("rate limited: {detail}")]
    RateLimited {
        detail: String,
        retry_after_secs: u64,
    },
    /// The database cannot be reached: 503; the caller may retry.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// The identity provider's keys cannot be had (never fetched, or more than a day past
    /// freshness while it is down), so no bearer can be verified: 503. The message names the
    /// provider and why, and is sent.
    #[error("identity provider unavailable: {0}")]
    ProviderUnavailable(String),
    /// A bug or an unexpected storage failure: 500. The message is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// The stable name of the error's class: the last segment of its problem `type` URI.
    pub fn class(&self) -> &'static str {
        use crate::InvitationStatus as S;
        match self {
            Self::BadRequest(_) => "malformed-request",
            Self::TooLarge(_) => "payload-too-large",
            Self::Invalid(_) => "validation",
            Self::KeyReused(_) => "idempotency-key-reused",
            Self::Unauthenticated(_) => "unauthenticated",
            Self::Forbidden(_) => "forbidden",
            Self::EmailMismatch(_) => "email-mismatch",
            Self::EmailUnverified(_) => "email-unverified",
            Self::NotFound(_) => "not-found",
            Self::Conflict(_) => "conflict",
            Self::AlreadyMember(_) => "already-member",
            Self::EmailTaken(_) => "email-taken",
            Self::LastAdministrator(_) => "last-administrator",
            Self::InvitationConflict { pending: true, .. } => "invitation-pending",
            Self::InvitationConflict { pending: false, .. } => "invitation-not-pending",
            Self::InvitationGone { status, .. } => match status {
                S::Accepted => "invitation-accepted",
                S::Declined => "invitation-declined",
                S::Revoked => "invitation-revoked",
                S::Expired | S::Pending => "invitation-expired",
            },
            Self::RateLimited { .. } => "quota-exceeded",
            Self::Unavailable(_) | Self::ProviderUnavailable(_) => "unavailable",
            Self::Internal(_) => "internal",
        }
    }

    /// One invalid field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }

    /// Prefixes every field of an `Invalid` error with `parent` (`email` → `body/email`).
    #[must_use]
    pub fn at(self, parent: &str) -> Self {
        match self {
            Self::Invalid(fields) => Self::Invalid(
                fields
                    .into_iter()
                    .map(|f| FieldError::new(join_field(parent, &f.field), f.message))
                    .collect(),
            ),
            other => other,
        }
    }
}

fn join_field(parent: &str, child: &str) -> String {
    match (parent.is_empty(), child.is_empty()) {
        (true, _) => child.to_owned(),
        (_, true) => parent.to_owned(),
        _ => format!("{parent}.{child}"),
    }
}

/// Collects field errors from several parses and fails with all of them at once.
#[derive(Default)]
pub struct Validator(Vec<FieldError>);

impl Validator {
    /// Runs one parse; remembers its field errors under `field` and returns the value if valid.
    pub fn check<T>(&mut self, field: &str, parsed: Result<T>) -> Option<T> {
        match parsed {
            Ok(v) => Some(v),
            Err(Error::Invalid(errors)) => {
                self.0.extend(
                    errors
                        .into_iter()
                        .map(|f| FieldError::new(join_field(field, &f.field), f.message)),
                );
                None
            }
            Err(other) => {
                self.0.push(FieldError::new(field, other.to_string()));
                None
            }
        }
    }

    /// `Ok(())` when nothing failed, else every collected field error.
    pub fn finish(self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(self.0))
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validator_reports_every_failed_field_with_its_path() {
        let mut v = Validator::default();
        assert_eq!(v.check("name", Ok::<_, Error>(1)), Some(1));
        assert_eq!(v.check::<()>("email", Err(Error::invalid("", "bad"))), None);
        assert_eq!(
            v.check::<()>("permissions", Err(Error::invalid("read", "too many"))),
            None
        );
        assert_eq!(
            v.finish(),
            Err(Error::Invalid(vec![
                FieldError::new("email", "bad"),
                FieldError::new("permissions.read", "too many")
            ]))
        );
    }
}
