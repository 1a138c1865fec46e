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

/// Everything that can go wrong, by what the caller should do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A request that is malformed as a whole (a bad path parameter, a forged cursor): 400.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// A well-formed request with invalid fields: 422, each field named.
    #[error("invalid request: {}", .0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// Missing, malformed, expired or forged credentials: 401.
    #[error("unauthenticated: {0}")]
    Unauthenticated(String),
    /// Authenticated, but the caller's role or token does not allow this: 403.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The resource does not exist, or the caller may not know it exists: 404.
    #[error("not found: {0}")]
    NotFound(String),
    /// The request conflicts with the current state (a live membership, a taken email): 409.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The request conflicts with an invitation, named so that the client can act on it (resend
    /// or revoke a pending one; see where a replayed one stands): 409 with `invitationId`.
    #[error("conflict: {detail}")]
    InvitationConflict {
        invitation_id: uuid::Uuid,
        detail: String,
    },
    /// The resource existed but can no longer be used (an expired invitation): 410.
    #[error("gone: {0}")]
    Gone(String),
    /// A quota is used up until its window ends, `retry_after_secs` from now: 429.
    #[error("rate limited: {detail}")]
    RateLimited {
        detail: String,
        retry_after_secs: u64,
    },
    /// The database cannot be reached: 503; the caller may retry.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// A bug or an unexpected storage failure: 500. The message is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
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
