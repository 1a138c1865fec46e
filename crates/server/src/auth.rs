//! Credentials. Two JWTs, both HS256 with `ROLLCALL_JWT_SECRET` in the embedded default:
//! * the **bearer** (`Authorization: Bearer …`), issued by the identity provider: `sub` (a
//!   Rollcall user id), `exp`, optional `email`, `email_verified`, `given_name`, `family_name`,
//!   `roles` (`backoffice` opens `/bo/`);
//! * the **session** (`x-session-token`), self-contained: `userId` (must equal the bearer's
//!   `sub`), `sessionId`, `iat`, `exp`, optional `organizationId` (the organization `/ad/` paths
//!   act on).
//!
//! Ids in claims may be JSON strings or numbers. Expiry is checked against the server's clock.
//! The extractors here turn headers into a verified caller or a 401/403 problem.

use std::{future::Future, pin::Pin};

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use chrono::{DateTime, Utc};
use domain::{Email, Error, OrganizationId, Result, UserId, model::Membership};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Deserializer, Serialize, de::DeserializeOwned};

use crate::{AppState, problem::ApiError};

/// The role claim that opens the back office.
pub const BACKOFFICE_ROLE: &str = "backoffice";
/// The header that carries the session token.
pub const SESSION_HEADER: &str = "x-session-token";

/// The keys both tokens are signed and verified with, and the bearer's expected issuer and
/// audience when configured.
#[derive(Clone)]
pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    issuer: Option<String>,
    audience: Option<String>,
}

impl Keys {
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

/// Signs tokens from the local secret (the `rollcall token` command and the tests).
pub struct Minter<'a>(pub &'a Keys);

impl Minter<'_> {
    pub fn bearer(&self, claims: &BearerClaims) -> Result<String> {
        self.0.sign(claims)
    }
    pub fn session(&self, claims: &SessionClaims) -> Result<String> {
        self.0.sign(claims)
    }
}

/// How long a session issued by `POST /users-organizations/v1/sessions` lives.
pub const SESSION_LIFETIME: chrono::Duration = chrono::Duration::hours(12);

/// A caller with a verified bearer token.
#[derive(Debug, Clone)]
pub struct Caller {
    pub claims: BearerClaims,
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
    pub fn new_profile(&self) -> Result<domain::model::NewUser> {
        Ok(domain::model::NewUser {
            email: self.verified_email()?,
            first_name: self.claims.given_name.clone().unwrap_or_default(),
            last_name: self.claims.family_name.clone().unwrap_or_default(),
        })
    }

    pub fn is_backoffice(&self) -> bool {
        self.claims.roles.iter().any(|r| r == BACKOFFICE_ROLE)
    }
}

fn state(req: &HttpRequest) -> web::Data<AppState> {
    req.app_data::<web::Data<AppState>>()
        .expect("AppState is registered")
        .clone()
}

pub(crate) fn bearer(req: &HttpRequest, st: &AppState) -> Result<Caller> {
    let header = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .ok_or_else(|| Error::Unauthenticated("send `Authorization: Bearer <token>`".into()))?;
    let token = header
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            Error::Unauthenticated("the Authorization header must be `Bearer <token>`".into())
        })?;
    let claims = st
        .keys
        .verify::<BearerClaims>(token, "bearer token", st.clock.now(), true)?;
    Ok(Caller { claims })
}

/// The caller of a request whose credentials all verify: the bearer and, on the
/// `users-organizations/v1` paths that need one, the session. Middleware that must not act for
/// an unauthenticated request (idempotency keys) asks this first.
pub(crate) fn authenticated(req: &HttpRequest, st: &AppState) -> Result<Caller> {
    let caller = bearer(req, st)?;
    let path = req.path();
    if path.starts_with("/users-organizations/v1/") && path != "/users-organizations/v1/sessions" {
        session(req, st, &caller)?;
    }
    Ok(caller)
}

fn session(req: &HttpRequest, st: &AppState, caller: &Caller) -> Result<SessionClaims> {
    let token = req
        .headers()
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| Error::Unauthenticated(format!("send the `{SESSION_HEADER}` header")))?;
    let claims =
        st.keys
            .verify::<SessionClaims>(token.trim(), "session token", st.clock.now(), false)?;
    if claims.user_id != caller.id() {
        return Err(Error::Unauthenticated(
            "the session belongs to another user than the bearer".into(),
        ));
    }
    Ok(claims)
}

type Extracted<T> = Pin<Box<dyn Future<Output = std::result::Result<T, ApiError>>>>;

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = std::future::Ready<std::result::Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(bearer(req, &state(req)).map_err(ApiError::from))
    }
}

/// A back-office caller: bearer with the `backoffice` role, and a valid session of that user.
#[derive(Debug, Clone)]
pub struct BackOffice {
    pub caller: Caller,
}

impl FromRequest for BackOffice {
    type Error = ApiError;
    type Future = std::future::Ready<std::result::Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let st = state(req);
        let result = bearer(req, &st).and_then(|caller| {
            session(req, &st, &caller)?;
            if !caller.is_backoffice() {
                return Err(Error::Forbidden(format!(
                    "the back office needs the `{BACKOFFICE_ROLE}` role"
                )));
            }
            Ok(Self { caller })
        });
        std::future::ready(result.map_err(ApiError::from))
    }
}

/// A caller acting in the session's organization, where it is a live member.
#[derive(Debug, Clone)]
pub struct OrgSession {
    pub caller: Caller,
    pub membership: Membership,
}

impl FromRequest for OrgSession {
    type Error = ApiError;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let st = state(req);
        let checked = bearer(req, &st).and_then(|caller| {
            let claims = session(req, &st, &caller)?;
            Ok((caller, claims))
        });
        Box::pin(async move {
            let (caller, claims) = checked?;
            let org = claims.organization_id.ok_or_else(|| {
                Error::Forbidden(
                    "the session names no organization; get one for an organization you belong to"
                        .into(),
                )
            })?;
            let membership = st
                .store
                .live_membership(caller.id(), org)
                .await?
                .ok_or_else(|| {
                    Error::Forbidden(format!(
                        "the session's organization {org} is not one you are a member of"
                    ))
                })?;
            Ok(Self { caller, membership })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(keys: &Keys, extra: serde_json::Value) -> String {
        let mut claims = serde_json::json!({"sub": "1", "exp": Utc::now().timestamp() + 60});
        claims
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        keys.sign(&claims).unwrap()
    }

    fn bearer_ok(keys: &Keys, t: &str) -> bool {
        keys.verify::<BearerClaims>(t, "bearer token", Utc::now(), true)
            .is_ok()
    }

    #[test]
    fn an_audience_is_ignored_unless_one_is_configured() {
        let keys = Keys::hs256("s");
        assert!(bearer_ok(
            &keys,
            &token(&keys, serde_json::json!({"aud": "anything", "iss": "x"}))
        ));
    }

    #[test]
    fn a_configured_issuer_and_audience_are_required_and_checked() {
        let keys =
            Keys::hs256("s").expecting(Some("https://idp.example".into()), Some("rollcall".into()));
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
        let keys = Keys::hs256("s");
        let hs512 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &serde_json::json!({"sub": "1", "exp": Utc::now().timestamp() + 60}),
            &EncodingKey::from_secret(b"s"),
        )
        .unwrap();
        assert!(!bearer_ok(&keys, &hs512));
    }
}
