//! Credentials: who is calling. Two JWTs, both HS256 with `ROLLCALL_JWT_SECRET` in the embedded
//! default:
//! * the **bearer** (`Authorization: Bearer …`), issued by the identity provider: `sub` (a
//!   Rollcall user id), `exp`, optional `email`, `email_verified`, `given_name`, `family_name`,
//!   `roles` (`backoffice` opens `/bo/`);
//! * the **session** (`x-session-token`), self-contained and issued by Rollcall: `userId` (must
//!   equal the bearer's `sub`), `sessionId`, `iat`, `exp`, optional `organizationId` (the
//!   organization `/ad/` paths act on).
//!
//! Ids in claims may be JSON strings or numbers. Expiry is checked against the server's clock.
//! The claims builders here are the only way tokens are made: by the session use case and by
//! the `rollcall token` command alike.

use chrono::{DateTime, Utc};
use domain::{Email, Error, OrganizationId, Result, UserId, model::NewUser};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Deserializer, Serialize, de::DeserializeOwned};

use crate::App;

/// The role claim that opens the back office.
pub const BACKOFFICE_ROLE: &str = "backoffice";

/// How long a session issued by `POST /users-organizations/v1/sessions` lives.
pub const SESSION_LIFETIME: chrono::Duration = chrono::Duration::hours(12);

/// The keys both tokens are signed and verified with, and the bearer's expected issuer and
/// audience when configured.
#[derive(Clone)]
pub struct Credentials {
    encoding: EncodingKey,
    decoding: DecodingKey,
    issuer: Option<String>,
    audience: Option<String>,
}

impl Credentials {
    /// HS256 keys from the secret's UTF-8 bytes.
    pub fn hs256(secret: &str) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            issuer: None,
            audience: None,
        }
    }

    /// Bearers must carry this `iss` and this `aud` (each only when given).
    #[must_use]
    pub fn expecting(mut self, issuer: Option<String>, audience: Option<String>) -> Self {
        self.issuer = issuer;
        self.audience = audience;
        self
    }

    /// A signed bearer (the `rollcall token` command and the tests).
    pub fn bearer_token(&self, claims: &BearerClaims) -> Result<String> {
        self.sign(claims)
    }

    /// A signed session.
    pub fn session_token(&self, claims: &SessionClaims) -> Result<String> {
        self.sign(claims)
    }

    /// The claims of a bearer that verifies now.
    pub fn verify_bearer(&self, token: &str, now: DateTime<Utc>) -> Result<BearerClaims> {
        self.verify(token, "bearer token", now, true)
    }

    /// The claims of a session that verifies now.
    pub fn verify_session(&self, token: &str, now: DateTime<Utc>) -> Result<SessionClaims> {
        self.verify(token, "session token", now, false)
    }

    fn verify<C: DeserializeOwned + Expiring>(
        &self,
        token: &str,
        what: &str,
        now: DateTime<Utc>,
        check_issuer: bool,
    ) -> Result<C> {
        let mut validation = Validation::new(Algorithm::HS256);
        // Expiry is checked below against the server's (injectable) clock.
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        validation.validate_aud = false;
        if check_issuer {
            if let Some(iss) = &self.issuer {
                validation.set_issuer(&[iss]);
                validation.required_spec_claims.insert("iss".into());
            }
            if let Some(aud) = &self.audience {
                validation.set_audience(&[aud]);
                validation.validate_aud = true;
                validation.required_spec_claims.insert("aud".into());
            }
        }
        let claims = jsonwebtoken::decode::<C>(token, &self.decoding, &validation)
            .map_err(|e| Error::Unauthenticated(format!("the {what} is not a valid token: {e}")))?
            .claims;
        if claims.exp() <= now.timestamp() {
            return Err(Error::Unauthenticated(format!(
                "the {what} has expired; get a new one"
            )));
        }
        Ok(claims)
    }

    fn sign<C: Serialize>(&self, claims: &C) -> Result<String> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|e| Error::Internal(format!("signing a token failed: {e}")))
    }
}

trait Expiring {
    fn exp(&self) -> i64;
}

/// A bearer token's claims.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BearerClaims {
    #[serde(deserialize_with = "flexible_user_id")]
    pub sub: UserId,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
}

impl BearerClaims {
    /// A bearer for `user`, valid `ttl` from `now`, with a verified `email` when given, names,
    /// and the back-office role when asked: what `rollcall token` mints for local use.
    pub fn local(
        user: UserId,
        email: Option<String>,
        names: (Option<String>, Option<String>),
        backoffice: bool,
        now: DateTime<Utc>,
        ttl: chrono::Duration,
    ) -> Self {
        Self {
            sub: user,
            exp: (now + ttl).timestamp(),
            email_verified: email.as_ref().map(|_| true),
            email,
            given_name: names.0,
            family_name: names.1,
            roles: if backoffice {
                vec![BACKOFFICE_ROLE.to_owned()]
            } else {
                Vec::new()
            },
        }
    }
}

impl Expiring for BearerClaims {
    fn exp(&self) -> i64 {
        self.exp
    }
}

/// A session token's claims.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionClaims {
    #[serde(deserialize_with = "flexible_user_id")]
    pub user_id: UserId,
    pub session_id: serde_json::Value,
    #[serde(default)]
    pub iat: i64,
    pub exp: i64,
    #[serde(
        default,
        deserialize_with = "flexible_org_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub organization_id: Option<OrganizationId>,
}

impl SessionClaims {
    /// A new session of `user` acting on `organization` (none: back office only), issued now
    /// and living `ttl`.
    pub fn new(
        user: UserId,
        organization: Option<OrganizationId>,
        now: DateTime<Utc>,
        ttl: chrono::Duration,
    ) -> Self {
        Self {
            user_id: user,
            session_id: serde_json::Value::String(uuid::Uuid::new_v4().to_string()),
            iat: now.timestamp(),
            exp: (now + ttl).timestamp(),
            organization_id: organization,
        }
    }
}

impl Expiring for SessionClaims {
    fn exp(&self) -> i64 {
        self.exp
    }
}

/// An id claim as a JSON number or a string of digits.
#[derive(Deserialize)]
#[serde(untagged)]
enum IdClaim {
    Number(i64),
    Text(String),
}

impl IdClaim {
    fn value(self) -> std::result::Result<i64, String> {
        match self {
            IdClaim::Number(n) => Ok(n),
            IdClaim::Text(s) => s
                .trim()
                .parse()
                .map_err(|_| format!("{s:?} is not an integer id")),
        }
    }
}

fn flexible_user_id<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<UserId, D::Error> {
    let v = IdClaim::deserialize(d)?
        .value()
        .map_err(serde::de::Error::custom)?;
    UserId::parse(v).map_err(serde::de::Error::custom)
}

fn flexible_org_id<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<OrganizationId>, D::Error> {
    match Option::<IdClaim>::deserialize(d)? {
        None => Ok(None),
        Some(c) => {
            let v = c.value().map_err(serde::de::Error::custom)?;
            OrganizationId::parse(v)
                .map(Some)
                .map_err(serde::de::Error::custom)
        }
    }
}

/// A caller with a verified bearer, in the request `request_id`.
#[derive(Debug, Clone)]
pub struct Caller {
    pub claims: BearerClaims,
    pub request_id: String,
}

impl Caller {
    pub fn id(&self) -> UserId {
        self.claims.sub
    }

    /// The bearer's email, only when the identity provider says it is verified.
    pub fn verified_email(&self) -> Result<Email> {
        match (&self.claims.email, self.claims.email_verified) {
            (Some(email), Some(true)) => Email::parse(email)
                .map_err(|_| Error::Forbidden(format!("the token's email {email:?} is not a valid address"))),
            _ => Err(Error::Forbidden(
                "a profile is created only from a verified email: the bearer needs `email` and `email_verified: true`"
                    .into(),
            )),
        }
    }

    /// The profile a first visit creates: the verified email and the names the token carries.
    pub fn new_profile(&self) -> Result<NewUser> {
        Ok(NewUser {
            email: self.verified_email()?,
            first_name: self.claims.given_name.clone().unwrap_or_default(),
            last_name: self.claims.family_name.clone().unwrap_or_default(),
        })
    }

    pub fn is_backoffice(&self) -> bool {
        self.claims.roles.iter().any(|r| r == BACKOFFICE_ROLE)
    }
}

/// A caller with a verified bearer and a verified session of the same user.
#[derive(Debug, Clone)]
pub struct SessionCaller {
    pub caller: Caller,
    /// The organization the session acts on; `None` for a back-office session.
    pub organization: Option<OrganizationId>,
}

impl App {
    /// The caller whose bearer is `bearer`, in the request `request_id`; 401 unless it verifies.
    pub fn caller(&self, bearer: &str, request_id: &str) -> Result<Caller> {
        let claims = self.0.credentials.verify_bearer(bearer, self.now())?;
        Ok(Caller {
            claims,
            request_id: request_id.to_owned(),
        })
    }

    /// `caller` with the session `session`; 401 unless it verifies and belongs to the caller.
    pub fn session_caller(&self, caller: Caller, session: &str) -> Result<SessionCaller> {
        let claims = self.0.credentials.verify_session(session, self.now())?;
        if claims.user_id != caller.id() {
            return Err(Error::Unauthenticated(
                "the session belongs to another user than the bearer".into(),
            ));
        }
        Ok(SessionCaller {
            caller,
            organization: claims.organization_id,
        })
    }

    pub(crate) fn credentials(&self) -> &Credentials {
        &self.0.credentials
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(keys: &Credentials, extra: serde_json::Value) -> String {
        let mut claims = serde_json::json!({"sub": "1", "exp": Utc::now().timestamp() + 60});
        claims
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        keys.sign(&claims).unwrap()
    }

    fn bearer_ok(keys: &Credentials, t: &str) -> bool {
        keys.verify_bearer(t, Utc::now()).is_ok()
    }

    #[test]
    fn an_audience_is_ignored_unless_one_is_configured() {
        let keys = Credentials::hs256("s");
        assert!(bearer_ok(
            &keys,
            &token(&keys, serde_json::json!({"aud": "anything", "iss": "x"}))
        ));
    }

    #[test]
    fn a_configured_issuer_and_audience_are_required_and_checked() {
        let keys = Credentials::hs256("s")
            .expecting(Some("https://idp.example".into()), Some("rollcall".into()));
        let good = serde_json::json!({"iss": "https://idp.example", "aud": "rollcall"});
        assert!(bearer_ok(&keys, &token(&keys, good)));
        for bad in [
            serde_json::json!({"aud": "rollcall"}),
            serde_json::json!({"iss": "https://evil.example", "aud": "rollcall"}),
            serde_json::json!({"iss": "https://idp.example"}),
            serde_json::json!({"iss": "https://idp.example", "aud": "other"}),
        ] {
            assert!(!bearer_ok(&keys, &token(&keys, bad.clone())), "{bad}");
        }
    }

    #[test]
    fn a_token_signed_with_another_algorithm_is_refused() {
        let keys = Credentials::hs256("s");
        let hs512 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &serde_json::json!({"sub": "1", "exp": Utc::now().timestamp() + 60}),
            &EncodingKey::from_secret(b"s"),
        )
        .unwrap();
        assert!(!bearer_ok(&keys, &hs512));
    }

    #[test]
    fn minted_tokens_verify_and_carry_what_was_asked() {
        let keys = Credentials::hs256("s");
        let now = Utc::now();
        let user = UserId::parse(7).unwrap();
        let bearer = BearerClaims::local(
            user,
            Some("a@example.com".into()),
            (Some("A".into()), None),
            true,
            now,
            chrono::Duration::minutes(5),
        );
        let verified = keys
            .verify_bearer(&keys.bearer_token(&bearer).unwrap(), now)
            .unwrap();
        assert_eq!(verified.sub, user);
        assert_eq!(verified.email_verified, Some(true));
        assert_eq!(verified.roles, [BACKOFFICE_ROLE]);
        let org = OrganizationId::parse(3).unwrap();
        let session = SessionClaims::new(user, Some(org), now, SESSION_LIFETIME);
        let verified = keys
            .verify_session(&keys.session_token(&session).unwrap(), now)
            .unwrap();
        assert_eq!(
            (verified.user_id, verified.organization_id),
            (user, Some(org))
        );
        assert!(
            keys.verify_session(
                &keys.session_token(&session).unwrap(),
                now + SESSION_LIFETIME
            )
            .is_err(),
            "expired at its end"
        );
    }
}
