//! The email drain: how fast the worker empties a full outbox into a real SMTP server. `rollcall
//! serve` (background work off) takes 10,000 invitations through the API, each queueing its
//! email; then `rollcall worker` sends them to postfix's `smtp-sink` (fast enough not to be the
//! bound; installed with apt-get when missing), and the time until the last is recorded as sent
//! is measured.

use std::{
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use super::{
    Bench, SECRET,
    backlog::{Backlog, Drained},
    load, seed,
};

const EMAILS: u64 = 10_000;

/// Queues `EMAILS` invitation emails on a fresh SQLite database and drains them.
pub fn drain(b: &Bench) -> Result<Drained, String> {
    ensure_smtp_sink()?;
    let sink_addr = load::free_addr()?;
    let _sink = SmtpSink::start(&sink_addr)?;
    let smtp = format!("smtp://{sink_addr}");
    let backlog = Backlog {
        name: "emails",
        env: &[("ROLLCALL_EMAILS_PER_RECIPIENT_PER_DAY", "1000000000")],
        worker_env: &[("ROLLCALL_SMTP_URL", &smtp)],
        done: "SELECT COUNT(*) AS n FROM outbox_messages WHERE status = 'sent'",
        expected: EMAILS,
        what: "emails sent",
    };
    backlog.drain(b, async |api| {
        let org = seed::organization(api, &seed::Tokens::new(SECRET), 1, "Drain").await?;
        seed::invite_many(api, &org, "drain", EMAILS).await?;
        println!("  queued {EMAILS} invitation emails");
        Ok(())
    })
}

/// postfix's `smtp-sink`, accepting and discarding.
struct SmtpSink(Child);

/// Where Debian's postfix puts it (not on every user's PATH).
const SMTP_SINK: &str = "/usr/sbin/smtp-sink";

impl SmtpSink {
    fn start(addr: &str) -> Result<Self, String> {
        let mut command = Command::new(SMTP_SINK);
        // As root, smtp-sink insists on dropping its privileges to a user named with -u.
        if super::is_root() {
            command.args(["-u", "nobody"]);
        }
        let mut child = command
            .args([addr, "256"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {SMTP_SINK}: {e}"))?;
        let until = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(addr).is_err() {
            let exited = child.try_wait().ok().flatten().is_some();
            if exited || Instant::now() > until {
                let _ = child.kill();
                let mut said = String::new();
                if let Some(mut stderr) = child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut stderr, &mut said);
                }
                return Err(format!(
                    "smtp-sink did not listen on {addr}: {}",
                    said.trim()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(Self(child))
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// postfix's `smtp-sink`, installed with apt-get (postfix itself left unconfigured) when
/// missing.
fn ensure_smtp_sink() -> Result<(), String> {
    if Path::new(SMTP_SINK).exists() {
        return Ok(());
    }
    println!("smtp-sink is missing: apt-get install -y postfix (unconfigured)");
    let install = "echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix";
    let _ = Command::new("sh").args(["-c", install]).status();
    if Path::new(SMTP_SINK).exists() {
        Ok(())
    } else {
        Err("postfix's smtp-sink is missing; install it (Debian: apt-get install postfix) and rerun".into())
    }
}
