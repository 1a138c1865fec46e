//! Configuration from the environment, with defaults that need none:
//! `ROLLCALL_BIND` (127.0.0.1:8080), `DATABASE_URL` (`sqlite://rollcall.db?mode=rwc`),
//! `ROLLCALL_JWT_SECRET` (when unset with SQLite: a random secret generated at first start and
//! kept in `rollcall.secret` beside the database file), `ROLLCALL_JWT_ISSUER` and
//! `ROLLCALL_JWT_AUDIENCE` (checked in bearers when set).

use std::path::{Path, PathBuf};

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
    /// Where the secret came from, for the start-up message.
    pub secret_source: String,
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
        Ok(Self {
            bind: env("ROLLCALL_BIND").unwrap_or_else(|| DEFAULT_BIND.to_owned()),
            database_url,
            jwt_secret,
            jwt_issuer: env("ROLLCALL_JWT_ISSUER"),
            jwt_audience: env("ROLLCALL_JWT_AUDIENCE"),
            secret_source,
        })
    }
}

/// `rollcall.secret` in the directory of the SQLite file; other databases need the variable.
fn local_secret_path(database_url: &str) -> Result<PathBuf, String> {
    let Some(rest) = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
    else {
        return Err(
            "ROLLCALL_JWT_SECRET is not set: with a database other than SQLite every replica must share one secret; set it"
                .into(),
        );
    };
    let file = rest.split('?').next().unwrap_or_default();
    let dir = match Path::new(file).parent() {
        Some(d) if !file.is_empty() && !file.starts_with(':') && !d.as_os_str().is_empty() => {
            d.to_path_buf()
        }
        _ => PathBuf::from("."),
    };
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
    fn the_local_secret_is_generated_once_and_kept() {
        let dir = std::env::temp_dir().join(format!("rollcall-secret-{}", uuid::Uuid::new_v4()));
        let path = dir.join("rollcall.secret");
        let first = local_secret(&path).unwrap();
        assert_eq!(first.len(), 43);
        assert_eq!(local_secret(&path).unwrap(), first);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
