//! The `rollcall` command line: `rollcall serve` runs the service (the API and the background
//! work); `rollcall worker` runs only the background work (emails, the expiry sweep) with
//! `/healthz`, `/readyz` and `/metrics`; `rollcall token` mints a bearer and a session token from the
//! configured secret, for trying the API locally. It lives in the library so that the process
//! tests run exactly this code as their server.

use std::{
    net::TcpListener,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use crate::config::{LogFormat, Settings};
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
    /// Run only the background work: send queued emails and mark expired invitations; answer
    /// `/healthz`, `/readyz` and `/metrics` on ROLLCALL_BIND. Any number may run beside `serve`
    /// replicas.
    Worker,
    /// Print `export` lines for a bearer (ROLLCALL_BEARER) and a session (ROLLCALL_SESSION).
    Token(TokenArgs),
}

/// What `rollcall token` mints its two tokens from.
#[derive(clap::Args)]
struct TokenArgs {
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
}

/// Runs the command line (`std::env::args`) and answers the process's exit code.
pub fn main() -> std::process::ExitCode {
    let format = match crate::config::log_format() {
        Ok(format) => format,
        Err(e) => {
            eprintln!("rollcall: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    init_logs(format);
    let cli = Cli::parse();
    let result = Settings::from_env().and_then(|settings| match cli.command {
        Command::Serve { workers } => serve(settings, workers, true),
        Command::Worker => serve(settings, Some(1), false),
        Command::Token(args) => token(&settings, args),
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            line("ERROR", &format!("rollcall: {e}"));
            std::process::ExitCode::FAILURE
        }
    }
}

/// Log lines on stderr, filtered by `ROLLCALL_LOG`: for people, or one JSON object per line
/// (`ROLLCALL_LOG_FORMAT=json`; the event's fields at the top level beside `timestamp`, `level`,
/// `target` and `message`).
fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ROLLCALL_LOG")
        .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => logs
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
        LogFormat::Json => {
            JSON_LOGS.store(true, Ordering::Relaxed);
            logs.json()
                .flatten_event(true)
                .with_current_span(false)
                .with_span_list(false)
                .init()
        }
    }
}

/// Whether log lines are JSON: then the start-up lines are too.
static JSON_LOGS: AtomicBool = AtomicBool::new(false);

/// A start-up line on stderr: as it is for people, or as a JSON log line (whatever the filter,
/// like the text line) when logs are JSON, so that every line of the log parses.
fn say(text: &str) {
    line("INFO", text);
}

/// `text` on stderr, as a JSON log line at `level` when logs are JSON.
fn line(level: &str, text: &str) {
    if JSON_LOGS.load(Ordering::Relaxed) {
        let event = serde_json::json!({
            "timestamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            "level": level,
            "message": text.trim(),
            "target": "rollcall::cli",
        });
        eprintln!("{event}");
    } else {
        eprintln!("{text}");
    }
}

fn serve(settings: Settings, workers: Option<usize>, api: bool) -> Result<(), String> {
    let workers =
        workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, usize::from));
    actix_web::rt::System::new().block_on(run(settings, workers, api))
}

/// Serves (the API, or only the health endpoints of a worker process) and runs the background
/// work beside it. On SIGTERM or SIGINT the server stops taking requests and finishes those in
/// flight; then the worker finishes the emails it is sending, and the process exits.
async fn run(settings: Settings, workers: usize, api: bool) -> Result<(), String> {
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
    let worker = delivery::Worker::new(app.clone(), settings.delivery.clone())?;
    let what = if api { "Rollcall" } else { "Rollcall worker" };
    say(&format!("{what} listening on http://{addr}"));
    if api {
        say(&format!("  Swagger UI:  http://{addr}/docs/"));
    }
    say(&format!(
        "  database:    {}",
        settings.redacted_database_url()
    ));
    say(&format!("  JWT secret:  {}", settings.secret_source));
    say(&format!("  emails:      {}", worker.describe()));
    if api {
        match &settings.identity.provider {
            Some(source) => say(&format!(
                "  bearers:     verified with the keys of {source} only"
            )),
            None => say(
                "  mint tokens: eval \"$(rollcall token --user 1 --email you@example.com --backoffice)\"",
            ),
        }
    }
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let run_worker = settings.background || !api;
    if !run_worker {
        say("  background:  off (ROLLCALL_BACKGROUND=false); `rollcall worker` sends the emails");
    }
    let background = actix_web::rt::spawn(async move {
        if run_worker {
            worker.run(stopped).await;
        }
    });
    let server = if api {
        crate::serve_with(listener, app, workers, &settings.serve)
    } else {
        crate::serve_health(listener, app, &settings.serve)
    }
    .map_err(|e| e.to_string())?;
    actix_web::rt::spawn(crate::stop_on_signals(server.handle()));
    let served = server.await.map_err(|e| e.to_string());
    let _ = stop.send(true);
    if background.await.is_err() {
        tracing::warn!("the background worker ended abnormally");
    }
    served
}

/// Mints and prints the two tokens of `rollcall token`.
fn token(settings: &Settings, args: TokenArgs) -> Result<(), String> {
    let TokenArgs {
        user,
        organization,
        email,
        first_name,
        last_name,
        backoffice,
        ttl,
    } = args;
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
