//! Rollcall's background work, run inside `rollcall serve` and alone as `rollcall worker`: the
//! email outbox worker, the webhook worker (`webhooks`) and the invitation expiry sweep.
//!
//! The worker claims due messages under a lease (on PostgreSQL with `FOR UPDATE SKIP LOCKED`,
//! so replicas share the work and never hold the same message), renders each from its templates,
//! hands it to the mail server (or writes an `.eml` file), and records the outcome: sent, retried
//! later on the schedule (transient failures), failed (permanent ones, or the last attempt), or
//! skipped (its invitation is no longer pending). Outcomes are recorded in the same write as the
//! next claim (`pipeline`), many at a time. Delivery is at least once: a worker that dies
//! after the server took a message but before recording it leaves the message to be sent again,
//! with the same `Message-ID`, once its lease ends. Stopping finishes the messages being sent.

mod mailer;
mod pipeline;
mod schedule;
mod telemetry;
mod templates;
mod webhooks;

use std::{path::PathBuf, sync::Arc, time::Duration};

use app::{
    App,
    delivery::{Attempt, Prepared},
};
use domain::model::{MailKind, OutboxMessage};
use minijinja::Value;
use serde_json::json;
use tokio::sync::watch;

use crate::pipeline::Pace;

pub use mailer::{Mailer, SendError};
pub use schedule::Schedule;
pub use telemetry::describe as describe_metrics;
pub use templates::{Rendered, Templates};
pub use webhooks::{HookSettings, HookWorker};

/// How the worker runs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `ROLLCALL_SMTP_URL`; `None`: `.eml` files in `mail_dir`.
    pub smtp_url: Option<String>,
    pub mail_dir: PathBuf,
    /// `ROLLCALL_EMAIL_FROM`.
    pub from: String,
    /// `ROLLCALL_EMAIL_TEMPLATES`: a folder of per-locale overrides.
    pub templates: Option<PathBuf>,
    /// `ROLLCALL_INVITATION_URL`: the accept link, `{token}` standing for the token.
    pub invitation_url: String,
    /// `ROLLCALL_EMAIL_RETRY_SCHEDULE`.
    pub schedule: Schedule,
    /// How often the worker looks for due messages when it found none.
    pub poll: Duration,
    /// How long a claimed message is held before another worker may take it.
    pub lease: chrono::Duration,
    /// `ROLLCALL_EMAIL_CONCURRENCY`: messages being sent at once, each on its own SMTP
    /// connection (the pool holds as many).
    pub concurrency: usize,
    /// How often the expiry sweep runs.
    pub sweep_every: Duration,
    /// How often the queue gauges are read from the database
    /// (`ROLLCALL_QUEUE_GAUGE_INTERVAL_MS`).
    pub gauges_every: Duration,
    /// The webhook worker.
    pub webhooks: HookSettings,
}

/// Emails sent at once by default. Each send waits about 40 ms that no machine spends: lettre
/// (0.11.23) writes a message's body and its closing dot separately without `TCP_NODELAY`, so
/// Nagle holds the dot until the server's delayed acknowledgement of the body (fixed upstream,
/// lettre pull request 1159, not yet released). Many connections at once hide that wait.
pub const DEFAULT_EMAIL_CONCURRENCY: usize = 64;

/// The default sender.
pub const DEFAULT_FROM: &str = "Rollcall <no-reply@localhost>";
/// The default accept link.
pub const DEFAULT_INVITATION_URL: &str = "http://localhost:3000/invitations/accept?token={token}";

impl Settings {
    /// Defaults for `.eml` files in `mail_dir`.
    pub fn files(mail_dir: PathBuf) -> Self {
        Self {
            smtp_url: None,
            mail_dir,
            from: DEFAULT_FROM.to_owned(),
            templates: None,
            invitation_url: DEFAULT_INVITATION_URL.to_owned(),
            schedule: Schedule::default(),
            poll: Duration::from_secs(1),
            lease: chrono::Duration::seconds(60),
            concurrency: DEFAULT_EMAIL_CONCURRENCY,
            sweep_every: Duration::from_secs(60),
            gauges_every: Duration::from_secs(10),
            webhooks: HookSettings::default(),
        }
    }
}

/// The background worker: emails, webhooks and the expiry sweep.
pub struct Worker {
    app: App,
    hooks: HookWorker,
    mailer: Arc<Mailer>,
    templates: Arc<Templates>,
    settings: Settings,
}

impl Worker {
    /// A worker over `app`; refuses a bad configuration (SMTP URL, sender, templates) now.
    pub fn new(app: App, settings: Settings) -> Result<Self, String> {
        if !settings.invitation_url.contains("{token}") {
            return Err(format!(
                "ROLLCALL_INVITATION_URL={:?} has no {{token}}: the accept link needs it",
                settings.invitation_url
            ));
        }
        let mailer = Mailer::new(
            settings.smtp_url.as_deref(),
            settings.mail_dir.clone(),
            &settings.from,
            u32::try_from(settings.concurrency).unwrap_or(u32::MAX),
        )?;
        let templates = Templates::new(settings.templates.as_deref())?;
        Ok(Self {
            hooks: HookWorker::new(app.clone(), settings.webhooks.clone())?,
            app,
            mailer: Arc::new(mailer),
            templates: Arc::new(templates),
            settings,
        })
    }

    /// Where emails go, for the start-up message.
    pub fn describe(&self) -> String {
        self.mailer.describe()
    }

    /// Runs until `stop` turns true; then finishes the messages and deliveries being sent,
    /// records them and returns.
    pub async fn run(self, stop: watch::Receiver<bool>) {
        let worker = Arc::new(self);
        let hooks = tokio::spawn(worker.hooks.clone().run(stop.clone()));
        let gauges = tokio::spawn(telemetry::refresh(
            worker.app.clone(),
            worker.settings.gauges_every,
            stop.clone(),
        ));
        let sweeps = tokio::spawn(Arc::clone(&worker).sweep_every(stop.clone()));
        let pace = Pace {
            concurrency: worker.settings.concurrency,
            poll: worker.settings.poll,
        };
        let lease = worker.settings.lease;
        pipeline::run(
            pace,
            stop,
            |finished: Vec<(i64, Attempt)>, free| {
                let app = worker.app.clone();
                async move {
                    app.delivery_record_and_claim(&finished, lease, free as u64)
                        .await
                        .map_err(|e| {
                            tracing::warn!(error = %e, outcomes = finished.len(), "recording and claiming emails failed; the outcomes are recorded next turn");
                            finished
                        })
                }
            },
            |message| {
                let worker = Arc::clone(&worker);
                async move { worker.deliver(message).await }
            },
        )
        .await;
        tracing::info!("the email worker stopped");
        if hooks.await.is_err() {
            tracing::warn!("the webhook worker ended abnormally");
        }
        let _ = sweeps.await;
        let _ = gauges.await;
    }

    /// Runs the expiry sweep now and every `sweep_every` until `stop` turns true.
    async fn sweep_every(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        while !*stop.borrow() {
            self.sweep().await;
            tokio::select! {
                _ = tokio::time::sleep(self.settings.sweep_every) => {}
                changed = stop.changed() => if changed.is_err() { return },
            }
        }
    }

    /// Rewrites pending invitations past their expiry, with their events.
    async fn sweep(&self) {
        loop {
            match self.app.invitation_expire_due(500).await {
                Ok(0) => return,
                Ok(n) => tracing::info!(
                    expired = n,
                    "invitations past their expiry were marked expired"
                ),
                Err(e) => {
                    tracing::warn!(error = %e, "the expiry sweep failed; it runs again later");
                    return;
                }
            }
        }
    }

    /// Sends one claimed message and answers what became of it.
    async fn deliver(&self, message: OutboxMessage) -> (i64, Attempt) {
        let (id, kind, attempts) = (message.id, message.kind, message.attempts);
        let attempt = match self.app.delivery_prepare(message).await {
            Ok(Ok(prepared)) => self.attempt(&prepared).await,
            Ok(Err(reason)) => Attempt::Unwanted { reason },
            // Tried again on the schedule, as any transient failure.
            Err(e) => Attempt::Failed {
                error: format!("the email could not be prepared: {e}"),
                retry_in: self.settings.schedule.retry_in(attempts + 1),
            },
        };
        telemetry::email_delivered(kind, &attempt);
        match &attempt {
            Attempt::Sent => tracing::info!(message = id, kind = kind.as_str(), "email sent"),
            Attempt::Failed { error, retry_in } => {
                tracing::warn!(message = id, kind = kind.as_str(), %error, retry_in_seconds = retry_in.map(|d| d.num_seconds()), "email not sent")
            }
            Attempt::Unwanted { reason } => {
                tracing::info!(message = id, kind = kind.as_str(), %reason, "email skipped")
            }
        }
        (id, attempt)
    }

    async fn attempt(&self, prepared: &Prepared) -> Attempt {
        let message = &prepared.message;
        let rendered = match self.templates.render(
            message.kind,
            message.locale.as_ref(),
            &context(message, prepared, &self.settings.invitation_url),
        ) {
            Ok(r) => r,
            Err(error) => {
                return Attempt::Failed {
                    error,
                    retry_in: None,
                };
            }
        };
        match self
            .mailer
            .send(&message.recipient, &message.message_id, &rendered)
            .await
        {
            Ok(()) => Attempt::Sent,
            Err(SendError::Permanent(error)) => Attempt::Failed {
                error,
                retry_in: None,
            },
            Err(SendError::Transient(error)) => Attempt::Failed {
                error,
                retry_in: self.settings.schedule.retry_in(message.attempts + 1),
            },
        }
    }
}

/// What a template sees.
fn context(message: &OutboxMessage, prepared: &Prepared, invitation_url: &str) -> Value {
    let p = &message.payload;
    let name = |person: &serde_json::Value| {
        let full = format!(
            "{} {}",
            person["firstName"].as_str().unwrap_or_default(),
            person["lastName"].as_str().unwrap_or_default()
        );
        let full = full.trim().to_owned();
        (!full.is_empty()).then_some(full)
    };
    let link = prepared
        .token
        .as_ref()
        .map(|t| invitation_url.replace("{token}", t.expose()));
    let expires_at = p["expiresAt"]
        .as_str()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.format("%B %-d, %Y at %H:%M UTC").to_string());
    Value::from_serialize(match message.kind {
        MailKind::Invitation => json!({
            "organization": p["organizationName"],
            "role": p["role"].as_str().unwrap_or("member").replace('_', " "),
            "expires_at": expires_at,
            "link": link,
            "inviter_name": name(&p["inviter"]),
            "inviter_email": p["inviter"]["email"],
            "recipient": message.recipient.as_str(),
        }),
        MailKind::Added => json!({
            "organization": p["organizationName"],
            "member_name": name(&p["member"]),
            "added_by_name": name(&p["addedBy"]),
            "recipient": message.recipient.as_str(),
        }),
    })
}
