//! `Process`: the real `rollcall serve` as a child process over a given database, for what an
//! in-process server cannot show: two replicas on one database, and a SIGKILL mid-load.
//! Tokens are minted with the suite's secret against the wall clock, as a real caller's are.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use app::{BearerClaims, Credentials};
use domain::UserId;
use rollcall_client::Client;

use crate::helpers::SECRET;

pub struct Process {
    child: Child,
    pub base: String,
}

impl Process {
    /// Starts `rollcall serve` on `database_url` with `env` on top, and waits until `/readyz`
    /// answers 200.
    pub async fn start(database_url: &str, env: &[(&str, &str)]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_rollcall-process"));
        // A directory of its own: what it writes beside itself (`.eml` files) stays there.
        let cwd = std::env::temp_dir().join(format!("rollcall-process-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&cwd).expect("a working directory");
        command
            .current_dir(&cwd)
            .arg("serve")
            .arg("--workers")
            .arg("2")
            .env("DATABASE_URL", database_url)
            .env("ROLLCALL_JWT_SECRET", SECRET)
            .env("ROLLCALL_BIND", "127.0.0.1:0")
            .env("ROLLCALL_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("rollcall-process starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("Rollcall listening on ") {
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(addr.trim().to_owned());
                    }
                } else if !line.starts_with("  ") {
                    eprintln!("[rollcall] {line}");
                }
            }
        });
        let base = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the server says where it listens within a minute");
        let process = Self { child, base };
        process.wait_ready(Duration::from_secs(30)).await;
        process
    }

    /// Waits until `/readyz` answers 200; panics after `limit`.
    pub async fn wait_ready(&self, limit: Duration) {
        assert!(
            ready_within(&self.base, limit).await,
            "{} was not ready within {limit:?}",
            self.base
        );
    }

    /// SIGKILL: no shutdown, no flush, no goodbye.
    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether `base`'s `/readyz` answers 200 within `limit`.
pub async fn ready_within(base: &str, limit: Duration) -> bool {
    let http = reqwest::Client::new();
    let until = Instant::now() + limit;
    while Instant::now() < until {
        if let Ok(res) = http.get(format!("{base}/readyz")).send().await
            && res.status() == 200
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// A bearer for `user` with a verified `email`, valid for an hour of the wall clock.
pub fn bearer(user: i64, email: &str) -> String {
    Credentials::hs256(SECRET)
        .bearer_token(&BearerClaims::local(
            UserId::parse(user).unwrap(),
            Some(email.to_owned()),
            (Some("Test".into()), Some("User".into())),
            false,
            chrono::Utc::now(),
            chrono::Duration::hours(1),
        ))
        .unwrap()
}

/// The generated client for `base` with `user`'s bearer.
pub fn client(base: &str, user: i64, email: &str) -> Client {
    rollcall_client::with_bearer(base, &bearer(user, email))
        .expect("a minted bearer makes a client")
}
