//! Project automation, run as `cargo xtask <command>`:
//! * `drift`: compare `openapi/rollcall.yaml` with what the handlers declare. Exit 0 when they
//!   agree, 1 when they drift (each difference printed with its JSON pointer), 2 when a
//!   document cannot be read.
//! * `dump`: print the handlers' declared document (utoipa's OpenAPI 3.1 JSON).
//! * `ci`: everything CI checks: fmt, clippy with warnings denied, drift, the document's lint
//!   (Redocly, Spectral: `lint.rs`) and breaking-change verdict (`breaking.rs`), the whole test
//!   suite on SQLite (every answer recorded, then validated by openapi-core: `conformance.rs`)
//!   and then on PostgreSQL (`--sqlite-only` skips the second pass; the Swagger UI test needs
//!   Debian's chromium and chromium-driver, installed here when missing), the schemathesis
//!   contract test against a live server, and the seed flows run by TypeScript and Python
//!   clients generated from the document (`consumers.rs`). Each step prints its time. The
//!   identity tests' OpenID provider (npm `oidc-provider`) is installed first
//!   (`tools::identity_provider`).
//! * `identity-provider`: install only that provider into `target/identity`, for running the
//!   identity tests alone.
//! * `openapi breaking [--base REV]`: which differences from an earlier document break a
//!   client, and whether `info.version`'s major says so (`breaking.rs`); `openapi lint` and
//!   `openapi consumers` run those CI steps alone.
//!   The Rust client's docs and example run against a live server too (`example.rs`).
//! * `bench`: benchmarks against a bare actix-web baseline (and `--peer`, `--postgres`,
//!   `--scale`, `--quick`); see `bench.rs`. Not part of `ci`.

mod bench;
mod breaking;
mod conformance;
mod consumers;
mod example;
mod lint;
mod tools;

use std::process::{Command, ExitCode};

use utoipa::OpenApi;

fn main() -> ExitCode {
    match std::env::args().nth(1).as_deref() {
        Some("drift") => drift(),
        Some("dump") => match serde_json::to_string_pretty(&rollcall::ApiDoc::openapi()) {
            Ok(text) => {
                println!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => fail(2, &format!("cannot serialize the handlers' document: {e}")),
        },
        Some("ci") => ci(),
        Some("identity-provider") => result(tools::identity_provider()),
        Some("bench") => bench::run(&std::env::args().skip(2).collect::<Vec<_>>()),
        Some("openapi") => match std::env::args().nth(2).as_deref() {
            Some("breaking") => breaking::run(&std::env::args().skip(3).collect::<Vec<_>>()),
            Some("lint") => result(lint::run()),
            Some("consumers") => result(consumers::run_flows(
                &std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()),
            )),
            _ => fail(
                2,
                "usage: cargo xtask openapi breaking [--base REV] | lint | consumers",
            ),
        },
        _ => fail(
            2,
            "usage: cargo xtask drift | dump | ci | identity-provider | openapi breaking [--base REV] | openapi lint | openapi consumers | bench [--quick] [--peer] [--postgres] [--scale] | bench --metrics-cost",
        ),
    }
}

fn result(r: Result<(), String>) -> ExitCode {
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(1, &e),
    }
}

pub(crate) fn fail(code: u8, message: &str) -> ExitCode {
    eprintln!("xtask: {message}");
    ExitCode::from(code)
}

fn drift() -> ExitCode {
    let handlers = match serde_json::to_value(rollcall::ApiDoc::openapi()) {
        Ok(v) => v,
        Err(e) => return fail(2, &format!("cannot serialize the handlers' document: {e}")),
    };
    if let Err(e) = contract::parse(contract::DOCUMENT_YAML) {
        return fail(2, &e);
    }
    let differences = contract::drift(&handlers);
    if differences.is_empty() {
        println!(
            "drift: none — {} matches the handlers",
            contract::DOCUMENT_PATH
        );
        ExitCode::SUCCESS
    } else {
        eprint!("{}", contract::report(&differences));
        ExitCode::from(1)
    }
}

/// The PostgreSQL server the second test pass runs on when `ROLLCALL_TEST_POSTGRES_URL` is
/// not set: the local one of a development machine or CI runner.
const DEFAULT_TEST_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Runs each step in order and stops at the first that fails. The test suite runs twice: on
/// SQLite, then on PostgreSQL (`ROLLCALL_TEST_POSTGRES_URL`, default the local server; each
/// test creates and drops a database of its own there). `--sqlite-only` skips the second pass.
/// Tests run under cargo-nextest when it is installed, else under `cargo test`.
fn ci() -> ExitCode {
    let sqlite_only = std::env::args().any(|a| a == "--sqlite-only");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let nextest = Command::new(&cargo)
        .args(["nextest", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    let tests = if nextest {
        vec!["nextest", "run", "--workspace", "--no-fail-fast"]
    } else {
        vec!["test", "--workspace", "--no-fail-fast"]
    };
    // Tests that need PostgreSQL (two replicas, a database taken away) are left out of the
    // SQLite pass rather than reported as passed there.
    let mut sqlite_tests = tests.clone();
    if nextest {
        sqlite_tests.extend(["-E", "not (test(/^replicas::/) | test(/^outage::/))"]);
    } else {
        sqlite_tests.extend(["--", "--skip", "replicas::", "--skip", "outage::"]);
    }
    let postgres = std::env::var("ROLLCALL_TEST_POSTGRES_URL")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_TEST_POSTGRES_URL.to_owned());
    let mut steps: Vec<(&str, Vec<&str>, Option<&str>)> = vec![
        ("format", vec!["fmt", "--all", "--check"], None),
        (
            "lint",
            vec![
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
            None,
        ),
        (
            "drift",
            vec!["run", "-q", "-p", "xtask", "--", "drift"],
            None,
        ),
        ("tests on SQLite", sqlite_tests, None),
    ];
    if !sqlite_only {
        if let Err(e) = reachable(&postgres) {
            return fail(
                2,
                &format!(
                    "PostgreSQL at {postgres} is not reachable ({e}). Set ROLLCALL_TEST_POSTGRES_URL to a server where the user may CREATE DATABASE, or run `cargo xtask ci --sqlite-only`"
                ),
            );
        }
        // Each test waits mostly on PostgreSQL (CREATE DATABASE, commits): more at once.
        let mut postgres_tests = tests;
        if nextest {
            postgres_tests.extend(["--test-threads", "4"]);
        } else {
            postgres_tests.extend(["--", "--test-threads", "4"]);
        }
        steps.push((
            "tests on PostgreSQL",
            postgres_tests,
            Some(postgres.as_str()),
        ));
    }
    if let Err(e) = ensure_browser() {
        return fail(2, &e);
    }
    if let Err(e) = timed("identity provider", tools::identity_provider) {
        return fail(2, &e);
    }
    let exchanges = match conformance::fresh_exchanges() {
        Ok(dir) => dir,
        Err(e) => return fail(2, &e),
    };
    // The protocol peers the tests run (an SMTP server, signature verifiers, a metrics parser).
    let peers = match tools::venv(
        "tests/peers/requirements.txt",
        &tools::target().join("peers").join("venv"),
    ) {
        Ok(python) => python,
        Err(e) => return fail(2, &e),
    };
    // Absolute, but not canonical: the venv's python is a link whose own path is what selects
    // the venv.
    let peers = std::env::current_dir().map_or(peers.clone(), |cwd| cwd.join(&peers));
    for (name, args, postgres) in steps {
        eprintln!("==> {name}: cargo {}", args.join(" "));
        let started = std::time::Instant::now();
        let mut command = Command::new(&cargo);
        command.args(&args).env("ROLLCALL_TEST_PYTHON", &peers);
        match postgres {
            Some(url) => command.env("ROLLCALL_TEST_POSTGRES_URL", url),
            None => command.env_remove("ROLLCALL_TEST_POSTGRES_URL"),
        };
        // The SQLite pass records what the generated client receives, for the strict validation.
        if name == "tests on SQLite" {
            command.env(conformance::EXCHANGES_ENV, &exchanges);
        } else {
            command.env_remove(conformance::EXCHANGES_ENV);
        }
        let status = command.status();
        took(name, started);
        match status {
            Ok(s) if s.success() => {}
            Ok(s) => {
                let hint = match name {
                    "format" => " (run `cargo fmt --all`)",
                    "drift" => " (see the differences above)",
                    _ => "",
                };
                return fail(1, &format!("step `{name}` failed with {s}{hint}"));
            }
            Err(e) => return fail(2, &format!("cannot run cargo: {e}")),
        }
        if name == "drift" {
            if let Err(e) = timed("openapi lint", lint::run) {
                return fail(1, &e);
            }
            eprintln!("==> openapi breaking: cargo xtask openapi breaking");
            let started = std::time::Instant::now();
            let verdict = breaking::run(&[]);
            took("openapi breaking", started);
            if verdict != ExitCode::SUCCESS {
                return fail(1, "step `openapi breaking` failed: see the verdict above");
            }
        }
        if name == "tests on SQLite"
            && let Err(e) = timed("strict response validation", || {
                conformance::validate(&exchanges)
            })
        {
            return fail(1, &e);
        }
    }
    if let Err(e) = timed("client example", || example::run(&cargo)) {
        return fail(1, &e);
    }
    if let Err(e) = timed("schemathesis", || schemathesis(&cargo)) {
        return fail(1, &e);
    }
    if let Err(e) = timed("consumers", || consumers::run_flows(&cargo)) {
        return fail(1, &e);
    }
    eprintln!("==> ci: every step passed");
    ExitCode::SUCCESS
}

/// Runs a step that is not a cargo command, announcing it and its time.
fn timed(name: &str, step: impl FnOnce() -> Result<(), String>) -> Result<(), String> {
    eprintln!("==> {name}");
    let started = std::time::Instant::now();
    let result = step();
    took(name, started);
    result.map_err(|e| format!("step `{name}` failed: {e}"))
}

fn took(name: &str, started: std::time::Instant) {
    eprintln!("==> {name}: {:.1} s", started.elapsed().as_secs_f64());
}

/// The Swagger UI test drives Debian's headless Chromium through chromedriver: installs both
/// (packages `chromium` and `chromium-driver`) when they are missing and apt-get can.
fn ensure_browser() -> Result<(), String> {
    let wanted = [
        ("ROLLCALL_CHROMIUM", "/usr/bin/chromium"),
        ("ROLLCALL_CHROMEDRIVER", "/usr/bin/chromedriver"),
    ];
    let present = || {
        wanted.iter().all(|(var, default)| {
            std::path::Path::new(&std::env::var(var).unwrap_or_else(|_| (*default).into())).exists()
        })
    };
    if present() {
        return Ok(());
    }
    eprintln!("==> browser: apt-get install -y chromium chromium-driver");
    let install = "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver";
    run(
        Command::new("sh").args([
            "-c",
            &format!("if [ \"$(id -u)\" = 0 ]; then {install}; else sudo sh -c '{install}'; fi"),
        ]),
        "install the headless browser for the Swagger UI test (Debian: `apt-get install chromium chromium-driver`; elsewhere set ROLLCALL_CHROMIUM and ROLLCALL_CHROMEDRIVER)",
    )?;
    if present() {
        Ok(())
    } else {
        Err("chromium or chromedriver is still missing after apt-get: set ROLLCALL_CHROMIUM and ROLLCALL_CHROMEDRIVER to their paths".into())
    }
}

/// Whether something listens at the host and port of `url` (`postgres://user@host:port/db`).
fn reachable(url: &str) -> Result<(), String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host_port.is_empty() {
        return Ok(()); // a Unix socket: the tests will say if it does not answer
    }
    let address = if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    };
    let addrs = std::net::ToSocketAddrs::to_socket_addrs(&address)
        .map_err(|e| format!("cannot resolve {address}: {e}"))?;
    for addr in addrs {
        if std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_secs(3)).is_ok() {
            return Ok(());
        }
    }
    Err(format!("nothing answers at {address}"))
}

/// The contract test: schemathesis (pinned in tests/schemathesis/requirements.txt, installed
/// into target/schemathesis/venv on first use or when the pin changes) against the debug
/// `rollcall`, driven by tests/schemathesis/run.py.
fn schemathesis(cargo: &str) -> Result<(), String> {
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    let venv = std::path::Path::new(&target)
        .join("schemathesis")
        .join("venv");
    let python = venv.join("bin").join("python");
    let requirements = std::fs::read_to_string("tests/schemathesis/requirements.txt")
        .map_err(|e| format!("cannot read tests/schemathesis/requirements.txt: {e}"))?;
    let stamp = venv.join("requirements.txt");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(requirements.as_str()) {
        eprintln!(
            "==> schemathesis: installing {} into {}",
            requirements.lines().last().unwrap_or_default(),
            venv.display()
        );
        run(
            Command::new("python3")
                .args(["-m", "venv", "--clear"])
                .arg(&venv),
            "create the virtual environment (is python3 with venv installed?)",
        )?;
        run(
            Command::new(&python).args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "-r",
                "tests/schemathesis/requirements.txt",
            ]),
            "install schemathesis from PyPI",
        )?;
        std::fs::write(&stamp, &requirements).map_err(|e| e.to_string())?;
    }
    eprintln!("==> schemathesis: cargo build -p rollcall, then tests/schemathesis/run.py");
    run(
        Command::new(cargo).args(["build", "-q", "-p", "rollcall"]),
        "build rollcall",
    )?;
    let binary = std::path::Path::new(&target).join("debug").join("rollcall");
    run(
        Command::new(&python)
            .arg("tests/schemathesis/run.py")
            .arg(&binary),
        "pass the schemathesis contract test (see its report above and target/schemathesis/)",
    )
}

pub(crate) fn run(command: &mut Command, what: &str) -> Result<(), String> {
    match command.status() {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(format!("could not {what}: {s}")),
        Err(e) => Err(format!("could not {what}: {e}")),
    }
}
