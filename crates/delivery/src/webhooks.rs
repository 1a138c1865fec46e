//! The webhook worker: claims due deliveries under a lease, signs each as the Standard Webhooks
//! specification says (the `standardwebhooks` crate; one signature per active secret), POSTs it
//! with a 15 s timeout, and records the outcome.
//!
//! Many deliveries are in flight at once (`concurrency`), but no more than `per_endpoint` to one
//! endpoint (counted in the database across workers), so a receiver that hangs holds only its
//! own slots. Claims go on while deliveries are in flight: a slot freed is filled at once, in
//! the same write that records the deliveries that finished (`pipeline`).
//!
//! Safety: no proxy, no redirects (a 3xx is a failure), and unless private networks are
//! allowed, the URL must be `https` and every address its host resolves to must be public —
//! checked at each attempt by the resolver itself, so a name that resolves to 127.0.0.1 (DNS
//! rebinding) is refused before any connection is made.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use app::{
    App,
    webhooks::{HookAttempt, HookJob},
};
use domain::webhook::is_public;
use reqwest::{
    StatusCode,
    dns::{Addrs, Name, Resolve, Resolving},
    header::{CONTENT_TYPE, HeaderMap, RETRY_AFTER, USER_AGENT},
};
use tokio::sync::watch;

use crate::{
    Schedule,
    pipeline::{self, Pace},
};

/// How the webhook worker runs.
#[derive(Debug, Clone)]
pub struct HookSettings {
    /// `ROLLCALL_WEBHOOK_RETRY_SCHEDULE`.
    pub schedule: Schedule,
    /// Deliveries in flight at once, in all.
    pub concurrency: usize,
    /// Deliveries in flight at once to one endpoint.
    pub per_endpoint: u32,
    /// How long an attempt may take, connecting and answering.
    pub timeout: Duration,
    /// How long a claimed delivery is held before another worker may take it; longer than
    /// `timeout`.
    pub lease: chrono::Duration,
    /// `ROLLCALL_WEBHOOK_ALLOW_PRIVATE`: `http://` and non-public addresses allowed.
    pub allow_private: bool,
    /// How often the worker looks for due deliveries when it found none.
    pub poll: Duration,
}

impl Default for HookSettings {
    fn default() -> Self {
        Self {
            schedule: Schedule::parse("5s,5m,30m,2h,5h,10h,10h")
                .expect("the default webhook schedule parses"),
            concurrency: 64,
            per_endpoint: 8,
            timeout: Duration::from_secs(15),
            lease: chrono::Duration::seconds(45),
            allow_private: false,
            poll: Duration::from_millis(500),
        }
    }
}

/// Sends webhook deliveries.
#[derive(Clone)]
pub struct HookWorker {
    app: App,
    http: reqwest::Client,
    settings: Arc<HookSettings>,
}

impl HookWorker {
    pub fn new(app: App, settings: HookSettings) -> Result<Self, String> {
        if settings.lease <= chrono::Duration::from_std(settings.timeout).unwrap_or_default() {
            return Err("the webhook lease must be longer than the webhook timeout".into());
        }
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS for webhooks: {e}"))?
        .with_root_certificates(rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        })
        .with_no_client_auth();
        let mut http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .connect_timeout(settings.timeout)
            .timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .pool_max_idle_per_host(settings.per_endpoint as usize);
        if !settings.allow_private {
            http = http.dns_resolver(Arc::new(PublicOnly)).https_only(true);
        }
        Ok(Self {
            app,
            http: http
                .build()
                .map_err(|e| format!("the webhook HTTP client: {e}"))?,
            settings: Arc::new(settings),
        })
    }

    /// Runs until `stop` turns true; then finishes the deliveries in flight, records them and
    /// returns.
    pub async fn run(self, stop: watch::Receiver<bool>) {
        let pace = Pace {
            concurrency: self.settings.concurrency,
            poll: self.settings.poll,
        };
        let (lease, per_endpoint) = (self.settings.lease, self.settings.per_endpoint);
        pipeline::run(
            pace,
            stop,
            |finished: Vec<(HookJob, HookAttempt)>, free| {
                let app = self.app.clone();
                async move {
                    app.webhook_record_and_claim(&finished, lease, per_endpoint, free as u64)
                        .await
                        .map_err(|e| {
                            tracing::warn!(error = %e, outcomes = finished.len(), "recording and claiming webhook deliveries failed; the outcomes are recorded next turn");
                            finished
                        })
                }
            },
            |job| {
                let worker = self.clone();
                async move {
                    let attempt = worker.deliver(&job).await;
                    (job, attempt)
                }
            },
        )
        .await;
        tracing::info!("the webhook worker stopped");
    }

    async fn deliver(&self, job: &HookJob) -> HookAttempt {
        let d = &job.delivery;
        let attempt = self.attempt(job).await;
        crate::telemetry::webhook_delivered(&attempt);
        match &attempt {
            HookAttempt::Delivered { status_code } => {
                tracing::info!(delivery = %d.id, endpoint = %d.endpoint_id, event = %d.event_type, status = status_code, "webhook delivered")
            }
            HookAttempt::Gone => {
                tracing::warn!(delivery = %d.id, endpoint = %d.endpoint_id, "the endpoint answered 410 Gone; it is disabled")
            }
            HookAttempt::Failed {
                error, retry_in, ..
            } => {
                tracing::warn!(delivery = %d.id, endpoint = %d.endpoint_id, %error, retry_in_seconds = retry_in.map(|r| r.num_seconds()), "webhook not delivered")
            }
        }
        attempt
    }

    /// One attempt: sign, POST, and judge the answer.
    async fn attempt(&self, job: &HookJob) -> HookAttempt {
        let d = &job.delivery;
        let failed = |status_code: Option<u16>, error: String, retry_after: Option<Duration>| {
            let retry_in = self
                .settings
                .schedule
                .retry_in(d.attempts + 1)
                .map(|scheduled| {
                    retry_after
                        .and_then(|r| chrono::Duration::from_std(r).ok())
                        .unwrap_or(scheduled)
                });
            HookAttempt::Failed {
                status_code,
                error,
                retry_in,
            }
        };
        if !self.settings.allow_private
            && let Err(e) = d.url.check_public()
        {
            return failed(None, format!("refused: {e}"), None);
        }
        let timestamp = chrono::Utc::now().timestamp();
        let signature = match sign(&job.keys, &d.message_id, timestamp, &d.payload) {
            Ok(s) => s,
            Err(e) => return failed(None, e, None),
        };
        let sent = self
            .http
            .post(d.url.url().clone())
            .header(CONTENT_TYPE, "application/json")
            .header(
                USER_AGENT,
                concat!("Rollcall-Webhooks/", env!("CARGO_PKG_VERSION")),
            )
            .header("webhook-id", &d.message_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(d.payload.clone())
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => return failed(None, describe(e, self.settings.timeout), None),
        };
        let status = response.status();
        if status.is_success() {
            return HookAttempt::Delivered {
                status_code: status.as_u16(),
            };
        }
        if status == StatusCode::GONE {
            return HookAttempt::Gone;
        }
        let retry_after = retry_after(response.headers());
        let mut error = format!("answered {status}");
        if status.is_redirection() {
            error.push_str(" (redirects are not followed: register the final URL)");
        } else if let Some(excerpt) = excerpt(response).await {
            error.push_str(": ");
            error.push_str(&excerpt);
        }
        failed(Some(status.as_u16()), error, retry_after)
    }
}

/// `webhook-signature`: `v1,<base64>` per key, space-separated.
fn sign(keys: &[Vec<u8>], id: &str, timestamp: i64, payload: &str) -> Result<String, String> {
    keys.iter()
        .map(|key| {
            standardwebhooks::Webhook::from_bytes(key.clone())
                .and_then(|w| w.sign(id, timestamp, payload.as_bytes()))
                .map_err(|e| format!("signing failed: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(|s| s.join(" "))
}

/// `Retry-After` in seconds or as an HTTP date, at most a day.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let wait = match value.parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => {
            let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
            (at.with_timezone(&chrono::Utc) - chrono::Utc::now())
                .to_std()
                .unwrap_or_default()
        }
    };
    Some(wait.min(Duration::from_secs(86_400)))
}

/// The start of an error answer's body, for `lastError`.
async fn excerpt(mut response: reqwest::Response) -> Option<String> {
    let mut body = Vec::new();
    while body.len() < 200 {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    let text: String = String::from_utf8_lossy(&body)
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    (!text.trim().is_empty()).then_some(text)
}

/// A failed request, said plainly: the innermost cause names what happened. Never the URL: its
/// path or query may be a secret of the receiver's (many services put one there).
fn describe(e: reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        return format!("no answer within {} s", timeout.as_secs());
    }
    let e = e.without_url();
    let mut causes = Vec::new();
    let mut source: Option<&dyn std::error::Error> = Some(&e);
    while let Some(s) = source {
        let text = s.to_string();
        if !causes.iter().any(|c: &String| c.contains(&text)) {
            causes.push(text);
        }
        source = s.source();
    }
    causes.join(": ")
}

/// Resolves names to their public addresses only: a name with none is refused.
struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let all: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> =
                all.iter().copied().filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                // The addresses go to the operator's log only: the error becomes the delivery's
                // `lastError`, which an organization's administrators read, and naming what an
                // internal name resolves to would make the resolver theirs to query.
                let shown: Vec<String> = all.iter().map(|a| a.ip().to_string()).collect();
                tracing::debug!(%host, addresses = %shown.join(", "), "webhook host has no public address");
                return Err(format!(
                    "{host} resolves to no public address; set ROLLCALL_WEBHOOK_ALLOW_PRIVATE=true to deliver inside a private network"
                )
                .into());
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates_and_is_capped_at_a_day() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, "120".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(120)));
        h.insert(RETRY_AFTER, "999999".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(86_400)));
        let soon = (chrono::Utc::now() + chrono::Duration::seconds(90)).to_rfc2822();
        h.insert(RETRY_AFTER, soon.parse().unwrap());
        let wait = retry_after(&h).unwrap().as_secs();
        assert!((85..=90).contains(&wait), "{wait}");
        h.insert(RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }

    #[tokio::test]
    async fn a_name_that_resolves_to_loopback_is_refused_by_the_resolver() {
        let refused = PublicOnly.resolve("localhost".parse().unwrap()).await;
        let Err(e) = refused else {
            panic!("localhost resolved to a public address")
        };
        assert!(e.to_string().contains("no public address"), "{e}");
    }
}
