//! `cargo xtask ci`'s step for the Rust client as its users meet it:
//! * `cargo doc -p rollcall-client --no-deps` with warnings denied (broken links, bad HTML);
//! * `crates/client/examples/tour.rs` built with each TLS choice the crate offers (the default
//!   rustls with aws-lc, rustls with ring, no TLS) and run against a live `rollcall serve` on a
//!   fresh SQLite database, with bearers minted by `rollcall token`, as the README tells a
//!   newcomer to do; the ring and no-TLS builds must not compile aws-lc, their reason to exist.

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::Duration,
};

const SECRET: &str = "cargo-xtask-example-secret-not-for-production";

/// A build of the example: what it is called, and the cargo flags that choose it.
const VARIANTS: [(&str, &[&str]); 3] = [
    ("rustls with aws-lc (the default)", &[]),
    (
        "rustls with ring",
        &["--no-default-features", "--features", "rustls-ring"],
    ),
    ("no TLS", &["--no-default-features"]),
];

/// Runs the step; the error says what failed and where to look.
pub fn run(cargo: &str) -> Result<(), String> {
    eprintln!("==> client: cargo doc -p rollcall-client --no-deps (RUSTDOCFLAGS=-D warnings)");
    status(
        Command::new(cargo)
            .args(["doc", "-q", "-p", "rollcall-client", "--no-deps"])
            .env("RUSTDOCFLAGS", "-D warnings"),
        "document rollcall-client without warnings",
    )?;
    let target =
        PathBuf::from(std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into()));
    let dir = target.join("example");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut examples = Vec::new();
    for (i, (name, flags)) in VARIANTS.into_iter().enumerate() {
        if !flags.is_empty() {
            without_aws_lc(cargo, name, flags)?;
        }
        eprintln!("==> client: build examples/tour.rs with {name}");
        // Every build is uplifted to the same `target/debug/examples/tour`: keep a copy of each.
        let copy = dir.join(format!("tour-{i}"));
        std::fs::copy(build_example(cargo, flags)?, &copy)
            .map_err(|e| format!("cannot copy the example to {}: {e}", copy.display()))?;
        examples.push((name, copy));
    }
    status(
        Command::new(cargo).args(["build", "-q", "-p", "rollcall"]),
        "build rollcall",
    )?;
    let rollcall = target.join("debug").join("rollcall");
    let server = Server::start(&rollcall, &dir)?;
    let admin = bearer(&rollcall, 1, "admin@example.com")?;
    let jane = bearer(&rollcall, 3, "jane@example.com")?;
    for (name, example) in examples {
        eprintln!(
            "==> client: examples/tour.rs ({name}) against {}",
            server.base
        );
        status(
            Command::new(&example)
                .env("ROLLCALL_URL", &server.base)
                .env("ROLLCALL_BEARER", &admin)
                .env("ROLLCALL_INVITEE_BEARER", &jane),
            &format!(
                "run examples/tour.rs built with {name} (the server's log: {})",
                dir.join("server.log").display()
            ),
        )?;
    }
    Ok(())
}

/// Fails when the client's dependency tree with `flags` holds aws-lc.
fn without_aws_lc(cargo: &str, name: &str, flags: &[&str]) -> Result<(), String> {
    let out = Command::new(cargo)
        .args(["tree", "-q", "-p", "rollcall-client", "-e", "normal,build"])
        .args(["--prefix", "none", "--format", "{p}"])
        .args(flags)
        .output()
        .map_err(|e| format!("cannot run cargo tree: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo tree -p rollcall-client {} failed: {}",
            flags.join(" "),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let tree = String::from_utf8_lossy(&out.stdout);
    match tree.lines().find(|l| l.starts_with("aws-lc")) {
        Some(crate_) => Err(format!(
            "rollcall-client built with {name} ({}) depends on {crate_}: that choice exists to avoid aws-lc's C build",
            flags.join(" ")
        )),
        None => Ok(()),
    }
}

/// Builds the example with `flags`; answers the path of its executable.
fn build_example(cargo: &str, flags: &[&str]) -> Result<PathBuf, String> {
    let out = Command::new(cargo)
        .args(["build", "-q", "-p", "rollcall-client", "--example", "tour"])
        .args(["--message-format", "json-render-diagnostics"])
        .args(flags)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "could not build examples/tour.rs with {}: see above",
            flags.join(" ")
        ));
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["target"]["name"] == "tour")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| "cargo built examples/tour.rs but named no executable".into())
}

/// A bearer for `user` with a verified `email`, from `rollcall token`.
fn bearer(rollcall: &Path, user: u32, email: &str) -> Result<String, String> {
    let out = Command::new(rollcall)
        .args(["token", "--user", &user.to_string(), "--email", email])
        .env("ROLLCALL_JWT_SECRET", SECRET)
        .output()
        .map_err(|e| format!("cannot run rollcall token: {e}"))?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("export ROLLCALL_BEARER="))
        .map(str::to_owned)
        .ok_or_else(|| {
            format!(
                "rollcall token printed no ROLLCALL_BEARER: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        })
}

fn status(command: &mut Command, what: &str) -> Result<(), String> {
    match command.status() {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(format!("could not {what}: {s}")),
        Err(e) => Err(format!("could not {what}: {e}")),
    }
}

/// `rollcall serve` on a fresh SQLite database in `dir`, killed when dropped; its log goes to
/// `dir/server.log`.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(rollcall: &Path, dir: &Path) -> Result<Self, String> {
        let mut child = Command::new(rollcall)
            .args(["serve", "--workers", "2"])
            .env(
                "DATABASE_URL",
                format!("sqlite://{}/rollcall.db?mode=rwc", dir.display()),
            )
            .env("ROLLCALL_JWT_SECRET", SECRET)
            .env("ROLLCALL_BIND", "127.0.0.1:0")
            .env("ROLLCALL_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", rollcall.display()))?;
        let stderr = child.stderr.take().ok_or("the server's stderr is piped")?;
        let log_path = dir.join("server.log");
        let mut log = std::fs::File::create(&log_path)
            .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(base) = line.strip_prefix("Rollcall listening on ") {
                    let _ = tx.send(base.trim().to_owned());
                }
                let _ = std::io::Write::write_all(&mut log, format!("{line}\n").as_bytes());
            }
        });
        let mut server = Self {
            child,
            base: String::new(),
        };
        server.base = rx.recv_timeout(Duration::from_secs(60)).map_err(|_| {
            format!(
                "rollcall serve did not say where it listens within a minute; see {}",
                log_path.display()
            )
        })?;
        Ok(server)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
