//! The data `cargo xtask bench` loads a server with: organizations, users and a few invitations
//! through the API (as a client would), tokens minted from the server's secret, and the many
//! invitations the accept and scale runs need bulk-loaded through `storage` (not the API).

use std::{io::Write, path::Path};

use app::{BearerClaims, Credentials, SessionClaims};
use chrono::{DateTime, Duration, Utc};
use domain::{Email, InvitationToken, OrganizationId, UserId, model::Context};
use serde_json::{Value, json};
use storage::{SeedInvitation, Store, StoreOptions};
use uuid::Uuid;

/// Signs bearers and sessions the server accepts.
pub struct Tokens {
    credentials: Credentials,
    now: DateTime<Utc>,
}

impl Tokens {
    pub fn new(secret: &str) -> Self {
        Self {
            credentials: Credentials::hs256(secret),
            now: Utc::now(),
        }
    }

    /// A bearer for `user` with the verified `email`, valid for a day.
    pub fn bearer(&self, user: i64, email: &str) -> Result<String, String> {
        let user = UserId::parse(user).map_err(|e| e.to_string())?;
        let claims = BearerClaims::local(
            user,
            Some(email.to_owned()),
            (None, None),
            false,
            self.now,
            Duration::days(1),
        );
        self.credentials
            .bearer_token(&claims)
            .map_err(|e| e.to_string())
    }

    /// A session of `user` acting on organization `org`.
    pub fn session(&self, user: i64, org: i64) -> Result<String, String> {
        let claims = SessionClaims::new(
            UserId::parse(user).map_err(|e| e.to_string())?,
            Some(OrganizationId::parse(org).map_err(|e| e.to_string())?),
            self.now,
            Duration::days(1),
        );
        self.credentials
            .session_token(&claims)
            .map_err(|e| e.to_string())
    }
}

/// A client of the server under test, for the seeding calls.
pub struct Api {
    base: String,
    http: reqwest::Client,
}

impl Api {
    pub fn new(base: &str) -> Self {
        Self {
            base: base.to_owned(),
            http: reqwest::Client::new(),
        }
    }

    /// `POST path` with `body` as the bearer's; the answer's JSON, or what went wrong.
    pub async fn post(&self, path: &str, bearer: &str, body: Value) -> Result<Value, String> {
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(bearer)
            .json(&body)
            .send()
            .await
            .map_err(|e| format!("POST {path}: {e}"))?;
        let status = res.status();
        let text = res.text().await.map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!("POST {path} answered {status}: {text}"));
        }
        serde_json::from_str(&text).map_err(|e| format!("POST {path}: {e}: {text}"))
    }
}

/// An organization created through the API, with its administrator.
pub struct Organization {
    pub uuid: Uuid,
    pub admin: i64,
    pub bearer: String,
    pub session: String,
}

/// Creates organization `name` through the API; user `admin` becomes its administrator.
pub async fn organization(
    api: &Api,
    tokens: &Tokens,
    admin: i64,
    name: &str,
) -> Result<Organization, String> {
    let bearer = tokens.bearer(admin, &format!("admin{admin}@bench.example"))?;
    let org = api
        .post("/organization", &bearer, json!({ "name": name }))
        .await?;
    let uuid = org["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("POST /organization answered no id: {org}"))?;
    let numeric_id = org["numericId"]
        .as_i64()
        .ok_or_else(|| format!("POST /organization answered no numericId: {org}"))?;
    Ok(Organization {
        uuid,
        admin,
        session: tokens.session(admin, numeric_id)?,
        bearer,
    })
}

/// Invites `email` through the API and has user `user` (whose bearer carries that email)
/// accept: a second member of `org`, as a client makes one.
pub async fn member(
    api: &Api,
    tokens: &Tokens,
    org: &Organization,
    user: i64,
    email: &str,
) -> Result<(), String> {
    let inv = api
        .post(
            &format!("/organization/{}/invite", org.uuid),
            &org.bearer,
            json!({ "email": email, "role": "member" }),
        )
        .await?;
    let token = inv["token"]
        .as_str()
        .ok_or_else(|| format!("the invitation answered no token: {inv}"))?;
    api.post(
        "/invitations/accept",
        &tokens.bearer(user, email)?,
        json!({ "token": token }),
    )
    .await?;
    Ok(())
}

/// The store of the server's database, for bulk loading beside it.
pub async fn store(database_url: &str) -> Result<Store, String> {
    Store::connect(database_url, &StoreOptions::default())
        .await
        .map_err(|e| format!("cannot open {database_url} for seeding: {e}"))
}

/// Bulk-loads `count` pending invitations of `org`, numbered from `first`, to
/// `{prefix}-{n}@bench.example`, created one millisecond apart before `end`. Answers each
/// one's id, created time and raw token when `keep_tokens` (else an empty token).
pub async fn invitations(
    store: &Store,
    org: &Organization,
    prefix: &str,
    first: u64,
    count: u64,
    end: DateTime<Utc>,
    keep_tokens: bool,
) -> Result<Vec<(Uuid, DateTime<Utc>, String)>, String> {
    let domain_org = store
        .read()
        .organization_by_uuid(org.uuid)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the seeded organization is not in the database")?;
    let inviter = UserId::parse(org.admin).map_err(|e| e.to_string())?;
    let ctx = Context {
        actor: Some(inviter),
        request_id: "cargo-xtask-bench".into(),
        now: Utc::now(),
    };
    let mut made = Vec::with_capacity(count as usize);
    let chunk = 20_000;
    let mut n = first;
    while n < first + count {
        let upto = (n + chunk).min(first + count);
        let mut rows = Vec::with_capacity((upto - n) as usize);
        for i in n..upto {
            let token = InvitationToken::generate().map_err(|e| e.to_string())?;
            let created_at = end - Duration::milliseconds((first + count - i) as i64);
            let email =
                Email::parse(&format!("{prefix}-{i}@bench.example")).map_err(|e| e.to_string())?;
            rows.push(SeedInvitation {
                id: Uuid::new_v4(),
                email,
                token_hash: token.hash(),
                created_at,
                expires_at: ctx.now + Duration::days(7),
            });
            let raw = if keep_tokens {
                token.expose().to_owned()
            } else {
                String::new()
            };
            made.push((rows[rows.len() - 1].id, created_at, raw));
        }
        store
            .seed_invitations(&domain_org, inviter, &rows, &ctx)
            .await
            .map_err(|e| format!("bulk-loading invitations: {e}"))?;
        n = upto;
    }
    store
        .settle_after_load()
        .await
        .map_err(|e| format!("after bulk-loading invitations: {e}"))?;
    Ok(made)
}

/// Writes one line per item of `lines` to `path`.
pub fn write_lines<I: IntoIterator<Item = String>>(path: &Path, lines: I) -> Result<(), String> {
    let mut f = std::io::BufWriter::new(
        std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?,
    );
    for line in lines {
        writeln!(f, "{line}").map_err(|e| e.to_string())?;
    }
    f.flush().map_err(|e| e.to_string())
}

/// Invites `count` people (`{prefix}-{n}@bench.example`) into `org` through the API, 64
/// requests at a time.
pub async fn invite_many(
    api: &Api,
    org: &Organization,
    prefix: &str,
    count: u64,
) -> Result<(), String> {
    use futures_util::StreamExt;
    let path = format!("/organization/{}/invite", org.uuid);
    let results: Vec<Result<_, String>> = futures_util::stream::iter(0..count)
        .map(|n| {
            let (path, bearer) = (&path, &org.bearer);
            async move {
                api.post(
                    path,
                    bearer,
                    json!({"email": format!("{prefix}-{n}@bench.example"), "role": "member"}),
                )
                .await
            }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    results.into_iter().collect::<Result<Vec<_>, _>>()?;
    Ok(())
}

/// Waits until `SELECT COUNT(*) AS n …` (`count_sql`) on `url` reaches `expected`; answers the
/// count. Gives up after ten minutes, saying how far `what` got.
pub async fn count_until(
    url: &str,
    count_sql: &str,
    expected: u64,
    what: &str,
) -> Result<u64, String> {
    use sea_orm::{ConnectionTrait, Statement};
    let started = std::time::Instant::now();
    let db = sea_orm::Database::connect(url)
        .await
        .map_err(|e| e.to_string())?;
    loop {
        let row = db
            .query_one_raw(Statement::from_string(db.get_database_backend(), count_sql))
            .await
            .map_err(|e| e.to_string())?
            .ok_or("no count")?;
        let n = u64::try_from(row.try_get::<i64>("", "n").map_err(|e| e.to_string())?).unwrap_or(0);
        if n >= expected {
            return Ok(n);
        }
        if started.elapsed() > std::time::Duration::from_secs(600) {
            return Err(format!("only {n} of {expected} {what} in 10 minutes"));
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
