//! Project automation, run as `cargo xtask <command>`:
//! * `drift`: compare `openapi/rollcall.yaml` with what the handlers declare. Exit 0 when they
//!   agree, 1 when they drift (each difference printed with its JSON pointer), 2 when a
//!   document cannot be read.
//! * `dump`: print the handlers' declared document (utoipa's OpenAPI 3.1 JSON).
//! * `ci`: everything CI checks: fmt, clippy with warnings denied, drift, the whole test suite.

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
        _ => fail(2, "usage: cargo xtask drift | dump | ci"),
    }
}

fn fail(code: u8, message: &str) -> ExitCode {
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

/// Runs each step in order and stops at the first that fails. Tests run under cargo-nextest
/// when it is installed (one summary line for the whole run), else under `cargo test`.
fn ci() -> ExitCode {
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
    let steps: [(&str, Vec<&str>); 4] = [
        ("format", vec!["fmt", "--all", "--check"]),
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
        ),
        ("drift", vec!["run", "-q", "-p", "xtask", "--", "drift"]),
        ("tests", tests),
    ];
    for (name, args) in steps {
        eprintln!("==> {name}: cargo {}", args.join(" "));
        match Command::new(&cargo).args(&args).status() {
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
    }
    eprintln!("==> ci: every step passed");
    ExitCode::SUCCESS
}
