//! `Process`: the real `rollcall serve` (or `rollcall worker`) as a child process over a given
//! database, for what an in-process server cannot show: two replicas on one database, a SIGKILL
//! or a SIGTERM mid-load, the process's own metrics and log lines. Tokens are minted with the
//! suite's secret against the wall clock, as a real caller's are. `invite_until_stopped` keeps
//! invitations in flight while a process is stopped.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, ExitStatus, Stdio},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use app::{BearerClaims, Credentials};
use domain::UserId;
use rollcall_client::Client;

use crate::helpers::{SECRET, create_organization, send_invite};

pub struct Process {
    child: Child,
    pub base: String,
    /// Every line it wrote on stderr so far.
    log: Arc<Mutex<Vec<String>>>,
    /// The thread reading its stderr; it ends when the process does.
    reader: Option<std::thread::JoinHandle<()>>,
}

/// How a process ended, and everything it wrote on stderr.
pub struct Exited {
    pub status: ExitStatus,
    pub log: Vec<String>,
}

impl Process {
    /// Starts `rollcall serve` on `database_url` with `env` on top, and waits until `/readyz`
    /// answers 200.
    pub async fn start(database_url: &str, env: &[(&str, &str)]) -> Self {
        Self::start_command(database_url, &["serve", "--workers", "2"], env).await
    }

    /// Starts `rollcall worker` (the background work, `/healthz`, `/readyz` and `/metrics`) on
    /// `database_url` with `env` on top, and waits until `/readyz` answers 200.
    pub async fn start_worker(database_url: &str, env: &[(&str, &str)]) -> Self {
        Self::start_command(database_url, &["worker"], env).await
    }

    async fn start_command(database_url: &str, args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_rollcall-process"));
        // A directory of its own: what it writes beside itself (`.eml` files) stays there.
        let cwd = std::env::temp_dir().join(format!("rollcall-process-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&cwd).expect("a working directory");
        command
            .current_dir(&cwd)
            .args(args)
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
        let log = Arc::new(Mutex::new(Vec::new()));
        let kept = log.clone();
        let reader = std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                kept.lock().expect("the log").push(line.clone());
                // With ROLLCALL_LOG_FORMAT=json the start-up lines are JSON too.
                let text = serde_json::from_str::<serde_json::Value>(&line)
                    .ok()
                    .and_then(|v| v["message"].as_str().map(str::to_owned))
                    .unwrap_or_else(|| line.clone());
                let addr = text
                    .strip_prefix("Rollcall listening on ")
                    .or_else(|| text.strip_prefix("Rollcall worker listening on "));
                if let Some(addr) = addr {
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
        let process = Self {
            child,
            base,
            log,
            reader: Some(reader),
        };
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

    /// The lines it wrote on stderr so far.
    pub fn log_lines(&self) -> Vec<String> {
        self.log.lock().expect("the log").clone()
    }

    /// SIGTERM, then waits for the process to exit (a minute at most) and answers how it did,
    /// with every line it wrote.
    pub async fn terminate(mut self) -> Exited {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(sent.is_ok_and(|s| s.success()), "kill -TERM {pid} failed");
        let until = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().expect("waitpid") {
                if let Some(reader) = self.reader.take() {
                    let _ = reader.join();
                }
                return Exited {
                    status,
                    log: self.log_lines(),
                };
            }
            assert!(
                Instant::now() < until,
                "the process did not exit within a minute of SIGTERM"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
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

/// Acme, created through `process` by a verified founder (user 1, founder@acme.example), and
/// the founder's client.
pub async fn founded(process: &Process) -> (Client, rollcall_client::types::Organization) {
    let founder = client(&process.base, 1, "founder@acme.example");
    let org = create_organization(&founder, "Acme").await;
    (founder, org)
}

/// What [`invite_until_stopped`] saw.
pub struct Load<T> {
    /// The invitations answered 201, in the order the answers came.
    pub acks: Vec<uuid::Uuid>,
    /// How many requests were sent.
    pub sent: usize,
    /// How many requests the stopped server refused (their connections closed or never made).
    pub refused: usize,
    /// What `stop` answered.
    pub stopped: T,
}

/// `founder` invites `{label}-{worker}-{n}@{domain}` into `org` with `workers` requests in flight
/// at every moment; once `acknowledged` are answered 201, `stop` ends the server while the rest
/// are in flight. Every answer must be a 201 until then; from then on, each worker stops at the
/// first request the server refuses.
pub async fn invite_until_stopped<T>(
    founder: &Client,
    org: uuid::Uuid,
    (label, domain): (&str, &str),
    workers: usize,
    acknowledged: usize,
    stop: impl Future<Output = T>,
) -> Load<T> {
    let acks = Mutex::new(Vec::new());
    let (sent, refused) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let stopping = AtomicBool::new(false);
    let inviters = (0..workers).map(|w| {
        let (acks, sent, refused, stopping) = (&acks, &sent, &refused, &stopping);
        async move {
            for n in 0.. {
                sent.fetch_add(1, Ordering::SeqCst);
                match send_invite(founder, org, &format!("{label}-{w}-{n}@{domain}")).await {
                    Ok(created) => {
                        assert_eq!(created.status(), 201);
                        acks.lock().unwrap().push(created.into_inner().id);
                    }
                    // The server is stopped: whatever this request did is not acknowledged.
                    Err(rollcall_client::Error::CommunicationError(_))
                        if stopping.load(Ordering::SeqCst) =>
                    {
                        refused.fetch_add(1, Ordering::SeqCst);
                        break;
                    }
                    Err(e) => panic!("an invitation failed before the server was stopped: {e:?}"),
                }
            }
        }
    });
    let stopper = async {
        while acks.lock().unwrap().len() < acknowledged {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        stopping.store(true, Ordering::SeqCst);
        stop.await
    };
    let (_, stopped) = futures_util::join!(futures_util::future::join_all(inviters), stopper);
    Load {
        acks: acks.into_inner().unwrap(),
        sent: sent.into_inner(),
        refused: refused.into_inner(),
        stopped,
    }
}
