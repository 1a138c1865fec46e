//! What a verified bearer says, read from its JSON claims through configurable paths: the
//! subject (a Rollcall user id, or an identity provider's own `sub`), the email and whether the
//! provider verified it, the names, and the roles. Providers put these in different places
//! (Keycloak's roles in `realm_access.roles`, Auth0's email in a namespaced claim), so each is a
//! dotted path (`ROLLCALL_JWT_ROLES_CLAIM`, `ROLLCALL_JWT_EMAIL_CLAIM`,
//! `ROLLCALL_JWT_USER_ID_CLAIM`); a claim whose own name has dots (`https://x.example/email`) is
//! found too.

use domain::{Error, Result, UserId};
use serde_json::Value;

/// The longest `sub` accepted (OpenID Connect Core §2: at most 255 ASCII characters).
const MAX_SUBJECT: usize = 255;

/// Where a bearer's claims are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimPaths {
    /// The claim that carries the Rollcall user id instead of `sub` mapping through
    /// `identities` (`ROLLCALL_JWT_USER_ID_CLAIM`); `None`: `sub`.
    pub user_id: Option<String>,
    /// The email (`ROLLCALL_JWT_EMAIL_CLAIM`, default `email`); whether it is verified is the
    /// same path with `_verified` appended (`email_verified`).
    pub email: String,
    /// The roles (`ROLLCALL_JWT_ROLES_CLAIM`, default `roles`): an array of strings, or one
    /// string of space-separated roles.
    pub roles: String,
}

impl Default for ClaimPaths {
    fn default() -> Self {
        Self {
            user_id: None,
            email: "email".into(),
            roles: "roles".into(),
        }
    }
}

/// An identity provider's name for a person: its issuer and its `sub` there.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
}

/// Who a bearer speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A Rollcall user id (HS256 bearers' `sub`, or the user-id claim).
    User(UserId),
    /// A provider's subject, mapped to a user through `identities`.
    External(Identity),
}

/// A verified bearer's claims, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub subject: Subject,
    pub email: Option<String>,
    pub email_verified: bool,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub roles: Vec<String>,
}

impl ClaimPaths {
    /// Reads `claims`. `external`: a `sub` is a provider's subject (keys from a provider), not a
    /// Rollcall user id (HS256 with the secret).
    pub(crate) fn read(&self, claims: &Value, external: bool) -> Result<Verified> {
        let email_path = format!("{}_verified", self.email);
        Ok(Verified {
            subject: self.subject(claims, external)?,
            email: lookup(claims, &self.email)
                .and_then(Value::as_str)
                .map(str::to_owned),
            email_verified: matches!(lookup(claims, &email_path), Some(Value::Bool(true)))
                || lookup(claims, &email_path).and_then(Value::as_str) == Some("true"),
            given_name: text(claims, "given_name"),
            family_name: text(claims, "family_name"),
            roles: roles(lookup(claims, &self.roles)),
        })
    }

    fn subject(&self, claims: &Value, external: bool) -> Result<Subject> {
        if let Some(path) = &self.user_id {
            let value = lookup(claims, path).ok_or_else(|| {
                unauthenticated(format!(
                    "lacks the `{path}` claim that carries the Rollcall user id (ROLLCALL_JWT_USER_ID_CLAIM)"
                ))
            })?;
            return user_id(value, path).map(Subject::User);
        }
        let sub = claims
            .get("sub")
            .ok_or_else(|| unauthenticated("lacks the `sub` claim".into()))?;
        if !external {
            return user_id(sub, "sub").map(Subject::User);
        }
        let subject = sub
            .as_str()
            .filter(|s| !s.is_empty() && s.len() <= MAX_SUBJECT)
            .ok_or_else(|| {
                unauthenticated(format!(
                    "has a `sub` that is not a string of 1 to {MAX_SUBJECT} characters"
                ))
            })?;
        let issuer = claims
            .get("iss")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                unauthenticated("lacks the `iss` claim that names its identity provider".into())
            })?;
        Ok(Subject::External(Identity {
            issuer: issuer.to_owned(),
            subject: subject.to_owned(),
        }))
    }
}

fn unauthenticated(what: String) -> Error {
    Error::Unauthenticated(format!("the bearer token {what}"))
}

/// A Rollcall user id: a JSON number or a string of digits.
fn user_id(value: &Value, claim: &str) -> Result<UserId> {
    let id = match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    id.and_then(|id| UserId::parse(id).ok()).ok_or_else(|| {
        unauthenticated(format!(
            "has a `{claim}` that is not a Rollcall user id (a positive integer, as a number or a string of digits)"
        ))
    })
}

fn text(claims: &Value, name: &str) -> Option<String> {
    claims.get(name).and_then(Value::as_str).map(str::to_owned)
}

fn roles(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(s)) => s.split_whitespace().map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}

/// The value at the dotted `path` in `claims`. At each level a whole remaining path that is a
/// claim's own name wins (`https://rollcall.example/roles`), then each prefix up to a dot, left
/// to right (`realm_access.roles`).
pub(crate) fn lookup<'v>(claims: &'v Value, path: &str) -> Option<&'v Value> {
    let object = claims.as_object()?;
    if let Some(v) = object.get(path) {
        return Some(v);
    }
    path.match_indices('.').find_map(|(at, _)| {
        object
            .get(&path[..at])
            .and_then(|inner| lookup(inner, &path[at + 1..]))
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_dotted_path_reaches_nested_and_namespaced_claims() {
        let claims = json!({
            "realm_access": {"roles": ["backoffice"]},
            "https://rollcall.example/email": "a@example.com",
            "app": {"https://x.example/roles": "a b"},
        });
        assert_eq!(
            lookup(&claims, "realm_access.roles"),
            Some(&json!(["backoffice"]))
        );
        assert_eq!(
            lookup(&claims, "https://rollcall.example/email"),
            Some(&json!("a@example.com"))
        );
        assert_eq!(
            roles(lookup(&claims, "app.https://x.example/roles")),
            ["a", "b"]
        );
        assert_eq!(lookup(&claims, "realm_access.missing"), None);
    }

    #[test]
    fn the_verified_flag_sits_beside_the_email_and_may_be_a_string() {
        let paths = ClaimPaths {
            email: "https://rollcall.example/email".into(),
            ..ClaimPaths::default()
        };
        let read = paths
            .read(
                &json!({"sub": "auth0|1", "iss": "https://t.example/",
                        "https://rollcall.example/email": "a@example.com",
                        "https://rollcall.example/email_verified": "true"}),
                true,
            )
            .unwrap();
        assert_eq!(read.email.as_deref(), Some("a@example.com"));
        assert!(read.email_verified);
        assert_eq!(
            read.subject,
            Subject::External(Identity {
                issuer: "https://t.example/".into(),
                subject: "auth0|1".into()
            })
        );
    }

    #[test]
    fn a_subject_is_a_user_id_with_the_secret_and_a_providers_name_with_its_keys() {
        let paths = ClaimPaths::default();
        let claims = json!({"sub": "42", "iss": "https://idp.example"});
        assert_eq!(
            paths.read(&claims, false).unwrap().subject,
            Subject::User(UserId::parse(42).unwrap())
        );
        assert!(matches!(
            paths.read(&claims, true).unwrap().subject,
            Subject::External(_)
        ));
        assert!(paths.read(&json!({"sub": "auth0|x"}), false).is_err());
        assert!(
            paths.read(&json!({"sub": "auth0|x"}), true).is_err(),
            "no iss"
        );
        assert!(
            paths
                .read(&json!({"sub": "x".repeat(256), "iss": "i"}), true)
                .is_err()
        );
    }

    #[test]
    fn a_user_id_claim_replaces_the_subject_everywhere() {
        let paths = ClaimPaths {
            user_id: Some("app.rollcall_id".into()),
            ..ClaimPaths::default()
        };
        let read = paths
            .read(
                &json!({"sub": "auth0|x", "iss": "i", "app": {"rollcall_id": 7}}),
                true,
            )
            .unwrap();
        assert_eq!(read.subject, Subject::User(UserId::parse(7).unwrap()));
        assert!(
            paths
                .read(&json!({"sub": "auth0|x", "iss": "i"}), true)
                .is_err()
        );
    }
}
