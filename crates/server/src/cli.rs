//! The `rollcall` command line: `rollcall serve` runs the service; `rollcall token` mints a
//! bearer and a session token from the configured secret, for trying the API locally. It lives
//! in the library so that the process tests run exactly this code as their server.

use std::{net::TcpListener, sync::Arc};

use crate::config::Settings;
use app::{App, BearerClaims, Credentials, SessionClaims, identity::KeySet};
use clap::{Parser, Subcommand};
use domain::{Clock, OrganizationId, SystemClock, UserId};

#[derive(Parser)]
#[command(
    name = "rollcall",
    version,
    about = "Organization membership and invitation service"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (SQLite `rollcall.db` in the working directory unless DATABASE_URL says otherwise).
    Serve {
        /// Worker threads (default: one per core).
        #[arg(long, env = "ROLLCALL_WORKERS")]
        workers: Option<usize>,
    },
    /// Print `export` lines for a bearer (ROLLCALL_BEARER) and a session (ROLLCALL_SESSION).
    Token {
        /// The user id (`sub` of the bearer, `userId` of the session).
        #[arg(long)]
        user: i64,
        /// The organization the session acts on (`/ad/` paths).
        #[arg(long)]
        organization: Option<i64>,
        /// A verified email for the bearer (needed to create a profile).
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        first_name: Option<String>,
        #[arg(long)]
        last_name: Option<String>,
        /// Give the bearer the `backoffice` role.
        #[arg(long)]
        backoffice: bool,
        /// Lifetime of both tokens, in seconds.
        #[arg(long, default_value_t = 3600)]
        ttl: i64,
    },
}

/// Runs the command line (`std::env::args`) and answers the process's exit code.
pub fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ROLLCALL_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    let result = Settings::from_env().and_then(|settings| match cli.command {
        Command::Serve { workers } => serve(settings, workers),
        Command::Token {
            user,
            organization,
            email,
            first_name,
            last_name,
            backoffice,
            ttl,
        } => token(
            &settings,
            user,
            organization,
            email,
            first_name,
            last_name,
            backoffice,
            ttl,
        ),
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rollcall: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn serve(settings: Settings, workers: Option<usize>) -> Result<(), String> {
    let workers =
        workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, usize::from));
    actix_web::rt::System::new().block_on(run(settings, workers))
}

async fn run(settings: Settings, workers: usize) -> Result<(), String> {
    let store = storage::Store::connect(&settings.database_url, &settings.store)
        .await
        .map_err(|e| {
            format!(
                "cannot open the database {}: {e}",
                settings.redacted_database_url()
            )
        })?;
    let listener = TcpListener::bind(&settings.bind)
        .map_err(|e| format!("cannot listen on {}: {e}", settings.bind))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let mut credentials = Credentials::hs256(&settings.jwt_secret)
        .expecting(settings.jwt_issuer.clone(), settings.jwt_audience.clone())
        .with_claims(settings.identity.claims.clone());
    if let Some(source) = &settings.identity.provider {
        credentials = credentials.with_provider(KeySet::new(source.clone(), clock.clone())?);
    }
    let app = App::new(
        store,
        clock,
        credentials,
        &settings.jwt_secret,
        settings.policy.clone(),
    );
    eprintln!("Rollcall listening on http://{addr}");
    eprintln!("  Swagger UI:  http://{addr}/docs/");
    eprintln!("  database:    {}", settings.redacted_database_url());
    eprintln!("  JWT secret:  {}", settings.secret_source);
    match &settings.identity.provider {
        Some(source) => eprintln!("  bearers:     verified with the keys of {source} only"),
        None => eprintln!(
            "  mint tokens: eval \"$(rollcall token --user 1 --email you@example.com --backoffice)\""
        ),
    }
    let server = crate::serve(listener, app, workers).map_err(|e| e.to_string())?;
    server.await.map_err(|e| e.to_string())
}

#[allow(clippy::too_many_arguments)]
fn token(
    settings: &Settings,
    user: i64,
    organization: Option<i64>,
    email: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    backoffice: bool,
    ttl: i64,
) -> Result<(), String> {
    if settings.identity.provider.is_some() {
        eprintln!(
            "rollcall: an identity provider is configured: the server refuses this bearer (get one from the provider); the session is good for a user id the provider's bearer maps to"
        );
    }
    let credentials = Credentials::hs256(&settings.jwt_secret);
    let now = SystemClock.now();
    let ttl = chrono::Duration::seconds(ttl);
    let sub = UserId::parse(user).map_err(|e| format!("--user: {e}"))?;
    let organization = organization
        .map(OrganizationId::parse)
        .transpose()
        .map_err(|e| format!("--organization: {e}"))?;
    let bearer = BearerClaims::local(sub, email, (first_name, last_name), backoffice, now, ttl);
    let session = SessionClaims::new(sub, organization, now, ttl);
    println!(
        "export ROLLCALL_BEARER={}",
        credentials
            .bearer_token(&bearer)
            .map_err(|e| e.to_string())?
    );
    println!(
        "export ROLLCALL_SESSION={}",
        credentials
            .session_token(&session)
            .map_err(|e| e.to_string())?
    );
    Ok(())
}
