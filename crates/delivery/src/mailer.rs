//! How a rendered email leaves: over SMTP (lettre, rustls, a pooled connection), or, without
//! `ROLLCALL_SMTP_URL`, as an `.eml` file in a folder (the embedded stand-in for a mail server,
//! so that a newcomer sees the invitation email without running one). Failures are sorted the
//! way a retry needs: transient (a connection or timeout, an SMTP 4xx) or permanent (an SMTP
//! 5xx, an address the server will never take).

use std::{path::PathBuf, time::Duration};

use domain::Email;
use lettre::{
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, MultiPart},
    transport::smtp::PoolConfig,
};

use crate::templates::Rendered;

/// Why a send did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// Try again later: the server could not be reached, timed out, or answered 4xx.
    Transient(String),
    /// Do not try again: the server refused for good (5xx), or the message cannot be built.
    Permanent(String),
}

/// Where emails go.
pub enum Mailer {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
    },
    Files {
        transport: AsyncFileTransport<Tokio1Executor>,
        dir: PathBuf,
        from: Mailbox,
    },
}

impl Mailer {
    /// SMTP at `smtp_url` (`smtp://user:pass@host:587?tls=required`, `smtps://…`,
    /// `smtp://host:2525` for a plain loopback server), else `.eml` files in `mail_dir`.
    /// `from` is the sender, `Name <address>`; `connections` is how many SMTP connections the
    /// pool may hold, one per message being sent.
    pub fn new(
        smtp_url: Option<&str>,
        mail_dir: PathBuf,
        from: &str,
        connections: u32,
    ) -> Result<Self, String> {
        let from: Mailbox = from.parse().map_err(|e| {
            format!("ROLLCALL_EMAIL_FROM={from:?} is not a mailbox such as `Rollcall <no-reply@example.com>`: {e}")
        })?;
        match smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| {
                        format!("ROLLCALL_SMTP_URL is not an SMTP URL such as smtp://user:pass@host:587?tls=required: {e}")
                    })?
                    .timeout(Some(Duration::from_secs(15)))
                    .pool_config(PoolConfig::new().max_size(connections.max(1)))
                    .build();
                Ok(Self::Smtp { transport, from })
            }
            None => {
                std::fs::create_dir_all(&mail_dir).map_err(|e| {
                    format!("cannot create the mail folder {}: {e}", mail_dir.display())
                })?;
                Ok(Self::Files {
                    transport: AsyncFileTransport::new(&mail_dir),
                    dir: mail_dir,
                    from,
                })
            }
        }
    }

    /// Where emails go, for the start-up message.
    pub fn describe(&self) -> String {
        match self {
            Self::Smtp { .. } => "SMTP (ROLLCALL_SMTP_URL)".to_owned(),
            Self::Files { dir, .. } => format!(".eml files in {}", dir.display()),
        }
    }

    /// Sends `rendered` to `to` with the stable `message_id` (the same on every attempt).
    pub async fn send(
        &self,
        to: &Email,
        message_id: &str,
        rendered: &Rendered,
    ) -> Result<(), SendError> {
        let from = match self {
            Self::Smtp { from, .. } | Self::Files { from, .. } => from.clone(),
        };
        let to: Mailbox = to
            .as_str()
            .parse()
            .map_err(|e| SendError::Permanent(format!("the recipient is not an address: {e}")))?;
        let message = Message::builder()
            .from(from)
            .to(to)
            .subject(rendered.subject.clone())
            .message_id(Some(message_id.to_owned()))
            .multipart(MultiPart::alternative_plain_html(
                rendered.text.clone(),
                rendered.html.clone(),
            ))
            .map_err(|e| SendError::Permanent(format!("the message cannot be built: {e}")))?;
        match self {
            Self::Smtp { transport, .. } => transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| classify(&e)),
            Self::Files { transport, .. } => {
                transport.send(message).await.map(|_| ()).map_err(|e| {
                    SendError::Transient(format!("the .eml file could not be written: {e}"))
                })
            }
        }
    }
}

fn classify(e: &lettre::transport::smtp::Error) -> SendError {
    let text = format!("SMTP: {e}");
    if e.is_permanent() {
        SendError::Permanent(text)
    } else {
        SendError::Transient(text)
    }
}
