//! Credentials: who is calling. Two JWTs:
//! * the **bearer** (`Authorization: Bearer …`), issued by the identity provider. In the
//!   embedded default it is HS256 with `ROLLCALL_JWT_SECRET` and its `sub` is a Rollcall user id;
//!   with a provider configured (`ROLLCALL_OIDC_ISSUER` or `ROLLCALL_JWT_JWKS_URL`) it is
//!   verified against that provider's published keys only, the key deciding the algorithm, and
//!   its `(iss, sub)` maps to a user through `identities` (see `identity`). Claims: `exp`,
//!   optional `nbf`, `email`, `email_verified`, `given_name`, `family_name`, roles (`backoffice`
//!   opens `/bo/`), at the paths `ClaimPaths` says;
//! * the **session** (`x-session-token`), self-contained and issued by Rollcall, always HS256
//!   with the secret: `userId` (must be the bearer's user), `sessionId`, `iat`, `exp`, optional
//!   `organizationId` (the organization `/ad/` paths act on).
//!
//! Ids in claims may be JSON strings or numbers. Expiry and not-before are checked against the
//! server's clock with `CLOCK_SKEW` of leeway; a `crit` header is refused. The claims builders
//! here are the only way Rollcall makes tokens: by the session use case and by the
//! `rollcall token` command alike.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use domain::{Email, Error, OrganizationId, Result, UserId, model::NewUser};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Deserializer, Serialize, de::DeserializeOwned};
use serde_json::Value;

use crate::{
    App,
    identity::{ClaimPaths, Identity, KeySet, Subject, Verified},
};

/// The role claim that opens the back office.
pub const BACKOFFICE_ROLE: &str = "backoffice";

/// How far the clocks of an identity provider and this server may disagree: a token is still
/// accepted this long after its `exp`, and this long before its `nbf`.
pub const CLOCK_SKEW: chrono::Duration = chrono::Duration::seconds(30);

/// How long a session issued by `POST /users-organizations/v1/sessions` lives.
pub const SESSION_LIFETIME: chrono::Duration = chrono::Duration::hours(12);

/// The keys tokens are signed and verified with, the bearer's expected issuer and audience when
/// configured, and where its claims are.
#[derive(Clone)]
pub struct Credentials {
    encoding: EncodingKey,
    decoding: DecodingKey,
    issuer: Option<String>,
    audience: Option<String>,
    /// With a provider, bearers are verified against its keys only.
    provider: Option<Arc<KeySet>>,
    claims: ClaimPaths,
}

impl Credentials {
    /// HS256 keys from the secret's UTF-8 bytes.
    pub fn hs256(secret: &str) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret.as_bytes())
                .expect("any bytes are an HMAC key"),
            decoding: DecodingKey::from_secret(secret.as_bytes())
                .expect("any bytes are an HMAC key"),
            issuer: None,
            audience: None,
            provider: None,
            claims: ClaimPaths::default(),
        }
    }

    /// Bearers must carry this `iss` and this `aud` (each only when given).
    #[must_use]
    pub fn expecting(mut self, issuer: Option<String>, audience: Option<String>) -> Self {
        self.issuer = issuer;
        self.audience = audience;
        self
    }

    /// Bearers are verified against `keys` only (the secret still signs and verifies sessions).
    #[must_use]
    pub fn with_provider(mut self, keys: KeySet) -> Self {
        self.provider = Some(Arc::new(keys));
        self
    }

    /// Where bearers carry the user id, the email and the roles.
    #[must_use]
    pub fn with_claims(mut self, claims: ClaimPaths) -> Self {
        self.claims = claims;
        self
    }

    /// The provider's key cache, when one is configured.
    pub fn provider(&self) -> Option<&KeySet> {
        self.provider.as_deref()
    }

    /// A bearer signed with the secret (the `rollcall token` command and the tests).
    pub fn bearer_token(&self, claims: &BearerClaims) -> Result<String> {
        self.sign(claims)
    }

    /// A signed session.
    pub fn session_token(&self, claims: &SessionClaims) -> Result<String> {
        self.sign(claims)
    }

    /// What a bearer that verifies now says: signature (by the secret, or by the provider's key
    /// its `kid` names), `iss` and `aud` when configured, `exp` and `nbf`, then its claims read.
    pub async fn verify_bearer(&self, token: &str, now: DateTime<Utc>) -> Result<Verified> {
        const WHAT: &str = "bearer token";
        refuse_critical_extensions(token, WHAT)?;
        let claims: Value = match &self.provider {
            None => self.decode(token, &self.decoding, Algorithm::HS256, WHAT, true)?,
            Some(keys) => {
                let header = jsonwebtoken::decode_header(token)
                    .map_err(|e| Error::Unauthenticated(format!("the {WHAT} {}", refusal(&e))))?;
                if header.alg.family() == AlgorithmFamily::Hmac {
                    return Err(Error::Unauthenticated(format!(
                        "the {WHAT} is signed with {:?}, a shared secret; this server verifies bearers only with the identity provider's published keys",
                        header.alg
                    )));
                }
                let key = keys.key(header.kid.as_deref()).await?;
                if !key.algorithms.contains(&header.alg) {
                    return Err(Error::Unauthenticated(format!(
                        "the {WHAT} says {:?}, but its key {:?} verifies only {:?}",
                        header.alg,
                        key.kid.as_deref().unwrap_or_default(),
                        key.algorithms
                    )));
                }
                self.decode(token, &key.decoding, header.alg, WHAT, true)?
            }
        };
        let exp = claims
            .get("exp")
            .and_then(Value::as_f64)
            .ok_or_else(|| Error::Unauthenticated(format!("the {WHAT} lacks the `exp` claim")))?;
        let nbf = claims.get("nbf").and_then(Value::as_f64);
        in_time(exp as i64, nbf.map(|n| n as i64), WHAT, now)?;
        self.claims.read(&claims, self.provider.is_some())
    }

    /// The claims of a session that verifies now.
    pub fn verify_session(&self, token: &str, now: DateTime<Utc>) -> Result<SessionClaims> {
        const WHAT: &str = "session token";
        refuse_critical_extensions(token, WHAT)?;
        let claims: SessionClaims =
            self.decode(token, &self.decoding, Algorithm::HS256, WHAT, false)?;
        in_time(claims.exp, claims.nbf, WHAT, now)?;
        Ok(claims)
    }

    /// The claims of `token` when `key` verifies its signature with `alg` (and its `iss` and
    /// `aud` are the configured ones when `check_issuer`). Times are checked by the caller,
    /// against the server's (injectable) clock.
    fn decode<C: DeserializeOwned>(
        &self,
        token: &str,
        key: &DecodingKey,
        alg: Algorithm,
        what: &str,
        check_issuer: bool,
    ) -> Result<C> {
        let mut validation = Validation::new(alg);
        validation.validate_exp = false;
        validation.validate_nbf = false;
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
        jsonwebtoken::decode::<C>(token, key, &validation)
            .map(|t| t.claims)
            .map_err(|e| Error::Unauthenticated(format!("the {what} {}", refusal(&e))))
    }

    fn sign<C: Serialize>(&self, claims: &C) -> Result<String> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|e| Error::Internal(format!("signing a token failed: {e}")))
    }
}

/// 401 unless `now` is before `exp` and not before `nbf`, each with `CLOCK_SKEW` of leeway.
fn in_time(exp: i64, nbf: Option<i64>, what: &str, now: DateTime<Utc>) -> Result<()> {
    let skew = CLOCK_SKEW.num_seconds();
    if exp.saturating_add(skew) <= now.timestamp() {
        return Err(Error::Unauthenticated(format!(
            "the {what} has expired; get a new one"
        )));
    }
    if nbf.is_some_and(|nbf| nbf.saturating_sub(skew) > now.timestamp()) {
        return Err(Error::Unauthenticated(format!(
            "the {what} is not valid yet (its `nbf` is in the future); check the issuer's clock"
        )));
    }
    Ok(())
}

/// A JWT whose header lists critical extensions (`crit`, RFC 7515 §4.1.11) is refused: this
/// server understands none, and a token that says it must be understood cannot be accepted.
fn refuse_critical_extensions(token: &str, what: &str) -> Result<()> {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let header = token
        .split('.')
        .next()
        .and_then(|h| URL_SAFE_NO_PAD.decode(h.trim_end_matches('=')).ok())
        .and_then(|h| serde_json::from_slice::<serde_json::Value>(&h).ok());
    if header.is_some_and(|h| h.get("crit").is_some()) {
        return Err(Error::Unauthenticated(format!(
            "the {what} names critical extensions (`crit`) this server does not understand"
        )));
    }
    Ok(())
}

/// Why a token was refused, in words a client can act on (never the library's internals).
fn refusal(e: &jsonwebtoken::errors::Error) -> String {
    use jsonwebtoken::errors::ErrorKind as K;
    match e.kind() {
        K::InvalidSignature => "has a signature that does not verify".into(),
        K::InvalidAlgorithm | K::InvalidAlgorithmName | K::MissingAlgorithm => {
            "is signed with an algorithm this server does not accept".into()
        }
        K::InvalidIssuer => "was issued by an issuer this server does not trust (`iss`)".into(),
        K::InvalidAudience => "is meant for another audience (`aud`)".into(),
        K::MissingRequiredClaim(claim) => format!("lacks the `{claim}` claim"),
        K::Json(_) => "carries a header or claims this server cannot read: with the shared secret `alg` must be HS256, and a session's `userId` a Rollcall user id".into(),
        _ => "is not a well-formed JWT (three base64url parts: header, claims, signature)".into(),
    }
}

/// The claims of a bearer signed with the secret, as `rollcall token` and the tests mint it.
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
    /// Not valid before this time (seconds since the epoch), when the issuer says so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
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
            nbf: None,
        }
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
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
            nbf: None,
        }
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

/// A caller with a verified bearer, in the request `request_id`: the user it is (none for a
/// provider's identity that has no profile yet), its identity at the provider, and what its
/// bearer says.
#[derive(Debug, Clone)]
pub struct Caller {
    user: Option<UserId>,
    identity: Option<Identity>,
    claims: Verified,
    pub request_id: String,
}

impl Caller {
    /// The Rollcall user this caller is; `None` for an identity with no profile yet, which acts
    /// as no user (a member of nothing) until a creating use case makes its profile.
    pub fn user(&self) -> Option<UserId> {
        self.user
    }

    /// The caller's identity at the identity provider (bearers verified by its keys).
    pub fn identity(&self) -> Option<&Identity> {
        self.identity.as_ref()
    }

    /// What the caller's `Idempotency-Key`s are scoped to: the same before and after its first
    /// creating request gives it a user. A provider's identity (hashed), else the user id.
    pub fn principal(&self) -> String {
        use sha2::{Digest, Sha256};
        match (&self.identity, self.user) {
            (Some(i), _) => {
                let digest = Sha256::digest(format!("{}\n{}", i.issuer, i.subject));
                let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
                format!("identity:{hex}")
            }
            (None, Some(user)) => user.to_string(),
            (None, None) => String::new(),
        }
    }

    /// The bearer's email, only when the identity provider says it is verified.
    pub fn verified_email(&self) -> Result<Email> {
        match (&self.claims.email, self.claims.email_verified) {
            (Some(email), true) => Email::parse(email)
                .map_err(|_| Error::EmailUnverified("the token's verified email is not a valid address".into())),
            _ => Err(Error::EmailUnverified(
                "a profile is created only from a verified email: the bearer needs `email` and `email_verified: true`"
                    .into(),
            )),
        }
    }

    /// The profile a first visit creates: the verified email and the names the token carries,
    /// cleaned of control characters and cut to 250 characters (a profile's limit).
    pub fn new_profile(&self) -> Result<NewUser> {
        let name =
            |claim: &Option<String>| domain::names::cleaned(claim.as_deref().unwrap_or_default());
        Ok(NewUser {
            email: self.verified_email()?,
            first_name: name(&self.claims.given_name),
            last_name: name(&self.claims.family_name),
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
    /// The user the session and the bearer name.
    pub user: UserId,
    /// The organization the session acts on; `None` for a back-office session.
    pub organization: Option<OrganizationId>,
}

impl App {
    /// The caller whose bearer is `bearer`, in the request `request_id`: 401 unless it
    /// verifies (503 when the identity provider's keys cannot be had). A provider's identity is
    /// resolved to its user, and on first sight linked to the profile its verified email names.
    pub async fn caller(&self, bearer: &str, request_id: &str) -> Result<Caller> {
        let claims = self.0.credentials.verify_bearer(bearer, self.now()).await?;
        let (user, identity) = match &claims.subject {
            Subject::User(id) => (Some(*id), None),
            Subject::External(identity) => {
                let email = match (&claims.email, claims.email_verified) {
                    (Some(e), true) => Email::parse(e).ok(),
                    _ => None,
                };
                let user = self.identity_user(identity, email.as_ref()).await?;
                (user, Some(identity.clone()))
            }
        };
        Ok(Caller {
            user,
            identity,
            claims,
            request_id: request_id.to_owned(),
        })
    }

    /// `caller` with the session `session`; 401 unless it verifies and belongs to the caller.
    pub fn session_caller(&self, caller: Caller, session: &str) -> Result<SessionCaller> {
        let claims = self.0.credentials.verify_session(session, self.now())?;
        if caller.user() != Some(claims.user_id) {
            return Err(Error::Unauthenticated(
                "the session belongs to another user than the bearer".into(),
            ));
        }
        Ok(SessionCaller {
            caller,
            user: claims.user_id,
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

    async fn bearer_ok(keys: &Credentials, t: &str) -> bool {
        keys.verify_bearer(t, Utc::now()).await.is_ok()
    }

    #[tokio::test]
    async fn an_audience_is_ignored_unless_one_is_configured() {
        let keys = Credentials::hs256("s");
        assert!(
            bearer_ok(
                &keys,
                &token(&keys, serde_json::json!({"aud": "anything", "iss": "x"}))
            )
            .await
        );
    }

    #[tokio::test]
    async fn a_configured_issuer_and_audience_are_required_and_checked() {
        let keys = Credentials::hs256("s")
            .expecting(Some("https://idp.example".into()), Some("rollcall".into()));
        let good = serde_json::json!({"iss": "https://idp.example", "aud": "rollcall"});
        assert!(bearer_ok(&keys, &token(&keys, good)).await);
        for bad in [
            serde_json::json!({"aud": "rollcall"}),
            serde_json::json!({"iss": "https://evil.example", "aud": "rollcall"}),
            serde_json::json!({"iss": "https://idp.example"}),
            serde_json::json!({"iss": "https://idp.example", "aud": "other"}),
        ] {
            assert!(!bearer_ok(&keys, &token(&keys, bad.clone())).await, "{bad}");
        }
    }

    #[tokio::test]
    async fn a_token_signed_with_another_algorithm_is_refused() {
        let keys = Credentials::hs256("s");
        let hs512 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &serde_json::json!({"sub": "1", "exp": Utc::now().timestamp() + 60}),
            &EncodingKey::from_secret(b"s").unwrap(),
        )
        .unwrap();
        assert!(!bearer_ok(&keys, &hs512).await);
    }

    #[tokio::test]
    async fn expiry_and_not_before_allow_the_clock_skew_and_no_more() {
        let keys = Credentials::hs256("s");
        let now = Utc::now();
        let at = |claims: serde_json::Value, when| {
            let (keys, t) = (keys.clone(), token(&keys, claims));
            async move { keys.verify_bearer(&t, when).await.is_ok() }
        };
        let exp = serde_json::json!({"exp": now.timestamp()});
        assert!(at(exp.clone(), now + CLOCK_SKEW - chrono::Duration::seconds(1)).await);
        assert!(!at(exp, now + CLOCK_SKEW).await);
        let nbf = serde_json::json!({"nbf": now.timestamp() + 60, "exp": now.timestamp() + 600});
        assert!(!at(nbf.clone(), now).await);
        assert!(at(nbf, now + chrono::Duration::seconds(60) - CLOCK_SKEW).await);
        let crit = jsonwebtoken::encode(
            &Header {
                crit: Some(vec!["exp".into()]),
                ..Header::new(Algorithm::HS256)
            },
            &serde_json::json!({"sub": "1", "exp": now.timestamp() + 60}),
            &EncodingKey::from_secret(b"s").unwrap(),
        )
        .unwrap();
        assert!(
            !bearer_ok(&keys, &crit).await,
            "an unknown `crit` is refused"
        );
    }

    #[tokio::test]
    async fn minted_tokens_verify_and_carry_what_was_asked() {
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
            .await
            .unwrap();
        assert_eq!(verified.subject, Subject::User(user));
        assert!(verified.email_verified);
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
        let minted = keys.session_token(&session).unwrap();
        assert!(
            keys.verify_session(&minted, now + SESSION_LIFETIME).is_ok(),
            "at its end, within the clock skew"
        );
        assert!(
            keys.verify_session(&minted, now + SESSION_LIFETIME + CLOCK_SKEW)
                .is_err(),
            "expired past the clock skew"
        );
    }
}
