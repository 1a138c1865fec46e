//! Configuration from the environment, with defaults that need none:
//! `ROLLCALL_BIND` (127.0.0.1:8080), `DATABASE_URL` (`sqlite://rollcall.db?mode=rwc`),
//! `ROLLCALL_JWT_SECRET` (when unset with SQLite: a random secret generated at first start and
//! kept in `rollcall.secret` beside the database file), `ROLLCALL_JWT_ISSUER` and
//! `ROLLCALL_JWT_AUDIENCE` (checked in bearers when set), the identity provider whose keys
//! verify bearers instead of the secret (`ROLLCALL_OIDC_ISSUER` or `ROLLCALL_JWT_JWKS_URL`) and
//! where its claims are (`ROLLCALL_JWT_USER_ID_CLAIM`, `ROLLCALL_JWT_EMAIL_CLAIM`,
//! `ROLLCALL_JWT_ROLES_CLAIM`; see `identity`), and the database's limits:
//!
//! | variable | default | what it bounds |
//! |---|---|---|
//! | `ROLLCALL_DB_MAX_CONNECTIONS` | 8 | connections per process (SQLite: readers; writes use one more) |
//! | `ROLLCALL_DB_ACQUIRE_TIMEOUT_MS` | 5000 | wait for a connection before answering 503 |
//! | `ROLLCALL_DB_STATEMENT_TIMEOUT_MS` | 10000 | PostgreSQL `statement_timeout` (503 when hit) |
//! | `ROLLCALL_SQLITE_BUSY_TIMEOUT_MS` | 5000 | SQLite `busy_timeout`: wait on another process's lock |
//! | `ROLLCALL_INVITATIONS_PER_HOUR` | 1000 | invitations one organization may create per hour (429 past it) |
//! | `ROLLCALL_ORGANIZATIONS_PER_HOUR` | 10 | organizations one user may create per hour (429 past it) |
//! | `ROLLCALL_EMAILS_PER_RECIPIENT_PER_DAY` | 10 | invitation emails one address receives in 24 hours |
//!
//! Email delivery: `ROLLCALL_SMTP_URL` (unset: `.eml` files in `mail/` beside the SQLite file),
//! `ROLLCALL_EMAIL_FROM`, `ROLLCALL_EMAIL_TEMPLATES`, `ROLLCALL_INVITATION_URL`,
//! `ROLLCALL_EMAIL_RETRY_SCHEDULE`, `ROLLCALL_EMAIL_LEASE_SECONDS`, `ROLLCALL_WORKER_POLL_MS`,
//! `ROLLCALL_EMAIL_CONCURRENCY` (64 being sent at once, each on its own SMTP connection),
//! `ROLLCALL_BACKGROUND`.
//!
//! Webhooks: `ROLLCALL_WEBHOOK_RETRY_SCHEDULE` (`5s,5m,30m,2h,5h,10h,10h`),
//! `ROLLCALL_WEBHOOK_ALLOW_PRIVATE` (false: `https://` to public addresses only),
//! `ROLLCALL_WEBHOOK_CONCURRENCY` (64 in flight), `ROLLCALL_WEBHOOK_PER_ENDPOINT` (8 in flight
//! to one endpoint), `ROLLCALL_WEBHOOK_TIMEOUT_SECONDS` (15), `ROLLCALL_WEBHOOK_LEASE_SECONDS`
//! (the timeout and 30 more; it must exceed the timeout).
//!
//! Operations: `ROLLCALL_METRICS_TOKEN` (unset: `/metrics` is open; set: it is required as a
//! bearer), `ROLLCALL_REQUEST_METRICS` (true: requests are counted and timed),
//! `ROLLCALL_QUEUE_GAUGE_INTERVAL_MS` (10000: how often a worker reads the queues' depths),
//! `ROLLCALL_SHUTDOWN_TIMEOUT_SECONDS` (30: how long requests in flight may take to finish on
//! SIGTERM), `ROLLCALL_LOG_FORMAT` (`text` or `json`, read by [`log_format`]).

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use app::identity::{ClaimPaths, KeySource};
use storage::StoreOptions;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://rollcall.db?mode=rwc";

/// Everything `rollcall` reads from its environment.
#[derive(Debug, Clone)]
pub struct Settings {
    pub bind: String,
    pub database_url: String,
    pub jwt_secret: String,
    /// `ROLLCALL_JWT_ISSUER`: when set, bearers must carry this `iss`.
    pub jwt_issuer: Option<String>,
    /// `ROLLCALL_JWT_AUDIENCE`: when set, bearers must carry this `aud`.
    pub jwt_audience: Option<String>,
    /// Where the identity provider publishes the keys bearers are verified with, when one is
    /// configured; and where bearers carry their claims.
    pub identity: Identity,
    /// Where the secret came from, for the start-up message.
    pub secret_source: String,
    /// Pool sizes and timeouts.
    pub store: StoreOptions,
    /// Quotas.
    pub policy: app::Policy,
    /// The email worker.
    pub delivery: delivery::Settings,
    /// `ROLLCALL_BACKGROUND` (default true): whether `rollcall serve` also runs the background
    /// work (emails, the expiry sweep). False when dedicated `rollcall worker` processes do.
    pub background: bool,
    /// The metrics token, request metrics and the shutdown timeout.
    pub serve: crate::ServeOptions,
}

/// How log lines are written (`ROLLCALL_LOG_FORMAT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// For people (the default).
    Text,
    /// One JSON object per line, for a log collector.
    Json,
}

/// `ROLLCALL_LOG_FORMAT`: `text` (default) or `json`.
pub fn log_format() -> Result<LogFormat, String> {
    match env("ROLLCALL_LOG_FORMAT")
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("text") => Ok(LogFormat::Text),
        Some("json") => Ok(LogFormat::Json),
        Some(other) => Err(format!(
            "ROLLCALL_LOG_FORMAT={other:?} is neither text nor json"
        )),
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Settings {
    pub fn from_env() -> Result<Self, String> {
        let database_url = env("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        let (jwt_secret, secret_source) = match env("ROLLCALL_JWT_SECRET") {
            Some(s) => (s, "ROLLCALL_JWT_SECRET".to_owned()),
            None => {
                let path = local_secret_path(&database_url)?;
                (local_secret(&path)?, path.display().to_string())
            }
        };
        let identity = identity()?;
        Ok(Self {
            bind: env("ROLLCALL_BIND").unwrap_or_else(|| DEFAULT_BIND.to_owned()),
            jwt_secret,
            jwt_issuer: identity.issuer(env("ROLLCALL_JWT_ISSUER"))?,
            identity,
            jwt_audience: env("ROLLCALL_JWT_AUDIENCE"),
            secret_source,
            store: store_options()?,
            policy: policy()?,
            delivery: delivery_settings(&database_url)?,
            background: flag("ROLLCALL_BACKGROUND", true)?,
            serve: serve_options()?,
            database_url,
        })
    }

    /// The database URL with any password replaced by `***`, for messages.
    pub fn redacted_database_url(&self) -> String {
        redact(&self.database_url)
    }
}

/// The identity provider and the claims' paths.
#[derive(Debug, Clone, Default)]
pub struct Identity {
    pub provider: Option<KeySource>,
    pub claims: ClaimPaths,
}

fn identity() -> Result<Identity, String> {
    let provider = match (env("ROLLCALL_OIDC_ISSUER"), env("ROLLCALL_JWT_JWKS_URL")) {
        (Some(_), Some(_)) => {
            return Err(
                "set ROLLCALL_OIDC_ISSUER (discovery) or ROLLCALL_JWT_JWKS_URL, not both".into(),
            );
        }
        (Some(issuer), None) => Some(KeySource::Discovery {
            issuer: fetchable("ROLLCALL_OIDC_ISSUER", issuer)?,
        }),
        (None, Some(url)) => Some(KeySource::Jwks {
            url: fetchable("ROLLCALL_JWT_JWKS_URL", url)?,
        }),
        (None, None) => None,
    };
    let defaults = ClaimPaths::default();
    Ok(Identity {
        provider,
        claims: ClaimPaths {
            user_id: env("ROLLCALL_JWT_USER_ID_CLAIM"),
            email: env("ROLLCALL_JWT_EMAIL_CLAIM").unwrap_or(defaults.email),
            roles: env("ROLLCALL_JWT_ROLES_CLAIM").unwrap_or(defaults.roles),
        },
    })
}

impl Identity {
    /// The `iss` bearers must carry: `ROLLCALL_JWT_ISSUER`, or the OpenID issuer (which it must
    /// then equal).
    fn issuer(&self, jwt_issuer: Option<String>) -> Result<Option<String>, String> {
        match (&self.provider, jwt_issuer) {
            (Some(KeySource::Discovery { issuer }), Some(other)) if *issuer != other => {
                Err(format!(
                    "ROLLCALL_JWT_ISSUER={other:?} differs from ROLLCALL_OIDC_ISSUER={issuer:?}: bearers carry one `iss`; unset ROLLCALL_JWT_ISSUER"
                ))
            }
            (Some(KeySource::Discovery { issuer }), _) => Ok(Some(issuer.clone())),
            (_, jwt_issuer) => Ok(jwt_issuer),
        }
    }
}

/// `url` when keys may be fetched from it: https, or http on loopback only (tests, a provider
/// beside the server).
fn fetchable(name: &str, url: String) -> Result<String, String> {
    let loopback = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
        .iter()
        .any(|p| {
            url.strip_prefix(p)
                .is_some_and(|r| r.is_empty() || r.starts_with([':', '/']))
        });
    if url.starts_with("https://") || loopback {
        Ok(url)
    } else {
        Err(format!(
            "{name}={url:?}: the identity provider's keys are fetched over https (http only on loopback)"
        ))
    }
}

fn store_options() -> Result<StoreOptions, String> {
    let defaults = StoreOptions::default();
    let millis = |name: &str, default: Duration| -> Result<Duration, String> {
        Ok(number(name)?.map_or(default, Duration::from_millis))
    };
    Ok(StoreOptions {
        max_connections: number("ROLLCALL_DB_MAX_CONNECTIONS")?
            .map_or(Ok(defaults.max_connections), u32::try_from)
            .map_err(|_| "ROLLCALL_DB_MAX_CONNECTIONS is too large".to_owned())?,
        acquire_timeout: millis("ROLLCALL_DB_ACQUIRE_TIMEOUT_MS", defaults.acquire_timeout)?,
        statement_timeout: millis(
            "ROLLCALL_DB_STATEMENT_TIMEOUT_MS",
            defaults.statement_timeout,
        )?,
        busy_timeout: millis("ROLLCALL_SQLITE_BUSY_TIMEOUT_MS", defaults.busy_timeout)?,
    })
}

fn serve_options() -> Result<crate::ServeOptions, String> {
    let defaults = crate::ServeOptions::default();
    Ok(crate::ServeOptions {
        metrics_token: env("ROLLCALL_METRICS_TOKEN"),
        request_metrics: flag("ROLLCALL_REQUEST_METRICS", defaults.request_metrics)?,
        shutdown_timeout: number("ROLLCALL_SHUTDOWN_TIMEOUT_SECONDS")?
            .map_or(defaults.shutdown_timeout, Duration::from_secs),
    })
}

fn policy() -> Result<app::Policy, String> {
    let defaults = app::Policy::default();
    Ok(app::Policy {
        invitations_per_hour: per_hour(
            "ROLLCALL_INVITATIONS_PER_HOUR",
            defaults.invitations_per_hour,
        )?,
        organizations_per_hour: per_hour(
            "ROLLCALL_ORGANIZATIONS_PER_HOUR",
            defaults.organizations_per_hour,
        )?,
        emails_per_recipient_per_day: per_hour(
            "ROLLCALL_EMAILS_PER_RECIPIENT_PER_DAY",
            defaults.emails_per_recipient_per_day,
        )?,
        webhook_allow_private: flag("ROLLCALL_WEBHOOK_ALLOW_PRIVATE", false)?,
    })
}

fn delivery_settings(database_url: &str) -> Result<delivery::Settings, String> {
    let mail_dir = local_dir(database_url).join("mail");
    let mut settings = delivery::Settings::files(mail_dir);
    settings.smtp_url = env("ROLLCALL_SMTP_URL");
    if let Some(from) = env("ROLLCALL_EMAIL_FROM") {
        settings.from = from;
    }
    settings.templates = env("ROLLCALL_EMAIL_TEMPLATES").map(PathBuf::from);
    if let Some(url) = env("ROLLCALL_INVITATION_URL") {
        settings.invitation_url = url;
    }
    if let Some(schedule) = env("ROLLCALL_EMAIL_RETRY_SCHEDULE") {
        settings.schedule = delivery::Schedule::parse(&schedule)
            .map_err(|e| format!("ROLLCALL_EMAIL_RETRY_SCHEDULE: {e}"))?;
    }
    if let Some(ms) = number("ROLLCALL_WORKER_POLL_MS")? {
        settings.poll = Duration::from_millis(ms);
    }
    if let Some(n) = number("ROLLCALL_EMAIL_CONCURRENCY")? {
        settings.concurrency = usize::try_from(n.max(1)).unwrap_or(usize::MAX);
    }
    if let Some(ms) = number("ROLLCALL_QUEUE_GAUGE_INTERVAL_MS")? {
        settings.gauges_every = Duration::from_millis(ms);
    }
    if let Some(seconds) = number("ROLLCALL_EMAIL_LEASE_SECONDS")? {
        settings.lease = chrono::Duration::seconds(i64::try_from(seconds).unwrap_or(i64::MAX));
    }
    let hooks = &mut settings.webhooks;
    if let Some(schedule) = env("ROLLCALL_WEBHOOK_RETRY_SCHEDULE") {
        hooks.schedule = delivery::Schedule::parse(&schedule)
            .map_err(|e| format!("ROLLCALL_WEBHOOK_RETRY_SCHEDULE: {e}"))?;
    }
    hooks.allow_private = flag("ROLLCALL_WEBHOOK_ALLOW_PRIVATE", false)?;
    if let Some(n) = number("ROLLCALL_WEBHOOK_CONCURRENCY")? {
        hooks.concurrency = usize::try_from(n).unwrap_or(usize::MAX);
    }
    if let Some(n) = number("ROLLCALL_WEBHOOK_PER_ENDPOINT")? {
        hooks.per_endpoint = u32::try_from(n)
            .map_err(|_| "ROLLCALL_WEBHOOK_PER_ENDPOINT is too large".to_owned())?;
    }
    if let Some(ms) = number("ROLLCALL_WORKER_POLL_MS")? {
        hooks.poll = Duration::from_millis(ms);
    }
    if let Some(seconds) = number("ROLLCALL_WEBHOOK_TIMEOUT_SECONDS")? {
        hooks.timeout = Duration::from_secs(seconds);
        hooks.lease =
            chrono::Duration::seconds(i64::try_from(seconds).unwrap_or(i64::MAX / 2) + 30);
    }
    if let Some(seconds) = number("ROLLCALL_WEBHOOK_LEASE_SECONDS")? {
        hooks.lease = chrono::Duration::seconds(i64::try_from(seconds).unwrap_or(i64::MAX));
    }
    Ok(settings)
}

/// A true/false variable, `default` when unset.
fn flag(name: &str, default: bool) -> Result<bool, String> {
    match env(name).as_deref().map(str::to_ascii_lowercase).as_deref() {
        None => Ok(default),
        Some("true" | "1" | "yes") => Ok(true),
        Some("false" | "0" | "no") => Ok(false),
        Some(other) => Err(format!("{name}={other:?} is not true or false")),
    }
}

/// A quota per hour from variable `name`, `default` when unset.
fn per_hour(name: &str, default: u32) -> Result<u32, String> {
    number(name)?
        .map_or(Ok(default), u32::try_from)
        .map_err(|_| format!("{name} is too large"))
}

/// The positive whole number in variable `name`, when it is set.
fn number(name: &str) -> Result<Option<u64>, String> {
    let Some(text) = env(name) else {
        return Ok(None);
    };
    match text.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(Some(n)),
        _ => Err(format!(
            "{name}={text:?} is not a positive whole number; unset it for the default"
        )),
    }
}

fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// The directory of the SQLite file (the working directory for other databases): where the dev
/// secret and the `.eml` files live.
fn local_dir(database_url: &str) -> PathBuf {
    let Some(rest) = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
    else {
        return PathBuf::from(".");
    };
    let file = rest.split('?').next().unwrap_or_default();
    match Path::new(file).parent() {
        Some(d) if !file.is_empty() && !file.starts_with(':') && !d.as_os_str().is_empty() => {
            d.to_path_buf()
        }
        _ => PathBuf::from("."),
    }
}

/// `rollcall.secret` in the directory of the SQLite file; other databases need the variable.
fn local_secret_path(database_url: &str) -> Result<PathBuf, String> {
    if !database_url.starts_with("sqlite:") {
        return Err(
            "ROLLCALL_JWT_SECRET is not set: with a database other than SQLite every replica must share one secret; set it"
                .into(),
        );
    }
    let dir = local_dir(database_url);
    Ok(dir.join("rollcall.secret"))
}

/// Reads the local dev secret, creating it (32 random bytes, owner-readable only) if absent.
fn local_secret(path: &Path) -> Result<String, String> {
    if let Ok(s) = std::fs::read_to_string(path) {
        return Ok(s.trim().to_owned());
    }
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("the OS random source failed: {e}"))?;
    let secret = URL_SAFE_NO_PAD.encode(bytes);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    write_private(path, &secret)
        .map_err(|e| format!("cannot write the secret to {}: {e}", path.display()))?;
    Ok(secret)
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::{io::Write, os::unix::fs::OpenOptionsExt};
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_local_secret_lives_beside_the_sqlite_file() {
        assert_eq!(
            local_secret_path("sqlite://data/x.db?mode=rwc").unwrap(),
            PathBuf::from("data/rollcall.secret")
        );
        assert_eq!(
            local_secret_path("sqlite://rollcall.db?mode=rwc").unwrap(),
            PathBuf::from("./rollcall.secret")
        );
        assert!(local_secret_path("postgres://localhost/x").is_err());
    }

    #[test]
    fn a_database_password_never_reaches_a_message() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/rollcall"),
            "postgres://app:***@db:5432/rollcall"
        );
        assert_eq!(redact("postgres://app@db/x"), "postgres://app@db/x");
        assert_eq!(
            redact("sqlite://rollcall.db?mode=rwc"),
            "sqlite://rollcall.db?mode=rwc"
        );
    }

    #[test]
    fn an_oidc_issuer_is_the_required_iss_and_another_jwt_issuer_refuses_to_start() {
        let oidc = Identity {
            provider: Some(KeySource::Discovery {
                issuer: "https://idp.example/".into(),
            }),
            ..Identity::default()
        };
        assert_eq!(
            oidc.issuer(None).unwrap().as_deref(),
            Some("https://idp.example/")
        );
        assert!(oidc.issuer(Some("https://idp.example/".into())).is_ok());
        assert!(oidc.issuer(Some("https://other.example/".into())).is_err());
        assert_eq!(
            Identity::default()
                .issuer(Some("x".into()))
                .unwrap()
                .as_deref(),
            Some("x")
        );
    }

    #[test]
    fn keys_are_fetched_over_https_or_from_loopback_only() {
        let ok = |u: &str| fetchable("V", u.to_owned()).is_ok();
        assert!(ok("https://tenant.auth0.com/"));
        assert!(ok("http://127.0.0.1:8080/jwks"));
        assert!(ok("http://localhost"));
        assert!(!ok("http://keycloak.internal/realms/x"));
        assert!(!ok("http://localhost.evil.example/"));
        assert!(!ok("ftp://x"));
    }

    #[test]
    fn the_local_secret_is_generated_once_and_kept() {
        let dir = std::env::temp_dir().join(format!("rollcall-secret-{}", uuid::Uuid::new_v4()));
        let path = dir.join("rollcall.secret");
        let first = local_secret(&path).unwrap();
        assert_eq!(first.len(), 43);
        assert_eq!(local_secret(&path).unwrap(), first);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
