//! What every command runs with: the server's URL, the credentials, the output format and how
//! long to wait on a busy server; and the generated clients made from them.

use std::time::Duration;

use rollcall_client::{Client, anonymous, with_bearer, with_session};

use crate::failure::Failure;

/// The global options, each also read from the environment.
#[derive(clap::Args, Clone)]
pub struct Options {
    /// The server's base URL.
    #[arg(
        long,
        env = "ROLLCALL_URL",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    pub url: String,
    /// A bearer token (the token alone, without `Bearer `).
    #[arg(long, env = "ROLLCALL_BEARER", hide_env_values = true, global = true)]
    pub token: Option<String>,
    /// A session token, for `memberships` and `backoffice` (`rollcallctl sessions create`).
    #[arg(long, env = "ROLLCALL_SESSION", hide_env_values = true, global = true)]
    pub session: Option<String>,
    /// Print the API's objects as JSON, one document per command, instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    /// How long to wait in all, in seconds, on answers that say to retry later (429 and 503
    /// with `Retry-After`) before giving up.
    #[arg(long, value_name = "SECONDS", default_value_t = 60, global = true)]
    pub max_wait: u64,
}

/// The options of this run.
pub struct Ctx {
    options: Options,
}

impl Ctx {
    pub fn new(options: Options) -> Self {
        Self { options }
    }

    /// Whether to print JSON rather than tables.
    pub fn json(&self) -> bool {
        self.options.json
    }

    /// The longest a call waits, in all, on a server that says to retry later.
    pub fn max_wait(&self) -> Duration {
        Duration::from_secs(self.options.max_wait)
    }

    /// A client that sends the bearer.
    pub fn client(&self) -> Result<Client, Failure> {
        Ok(with_bearer(&self.options.url, self.bearer()?)?)
    }

    /// A client that sends the bearer and the session (`/users-organizations/v1`).
    pub fn v1(&self) -> Result<Client, Failure> {
        let session = self.options.session.as_deref().ok_or_else(|| {
            Failure::usage(
                "no session token: pass --session or set ROLLCALL_SESSION (`rollcallctl sessions create <organization id>` makes one)",
            )
        })?;
        Ok(with_session(&self.options.url, self.bearer()?, session)?)
    }

    /// A client without credentials.
    pub fn anonymous(&self) -> Result<Client, Failure> {
        Ok(anonymous(&self.options.url)?)
    }

    fn bearer(&self) -> Result<&str, Failure> {
        self.options.token.as_deref().ok_or_else(|| {
            Failure::usage(
                "no bearer token: pass --token or set ROLLCALL_BEARER (locally, `rollcall token --user 1 --email you@example.com` prints one)",
            )
        })
    }
}
