//! `cargo xtask ci`, step "openapi lint": Redocly CLI (its `recommended` ruleset) and Spectral
//! (`spectral:oas`) on openapi/rollcall.yaml, pinned in tests/lint/package-lock.json and
//! installed into target/lint. Both must find 0 errors and 0 warnings; an exception is written,
//! with its reason, in the ruleset files under tests/lint/.

use std::{path::Path, process::Command};

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::tools;

pub fn run() -> Result<(), String> {
    let bin = tools::npm_ci("tests/lint", &tools::target().join("lint"))?;
    let redocly = redocly(&bin.join("redocly"))?;
    let spectral = spectral(&bin.join("spectral"))?;
    if redocly + spectral > 0 {
        return Err(format!(
            "the linters found {} problem(s) in {} (shown above): fix them, or add an exception with its reason to tests/lint/",
            redocly + spectral,
            contract::DOCUMENT_PATH
        ));
    }
    Ok(())
}

/// `bin lint <ruleset option> <ruleset file> <the document>`: both linters' command line, before
/// its format options.
fn lint_command(bin: &Path, ruleset: [&str; 2]) -> Command {
    let mut c = Command::new(bin);
    c.arg("lint").args(ruleset).arg(contract::DOCUMENT_PATH);
    c
}

/// Runs the linter `name` as `lint` says and parses the JSON report it prints.
fn json_report<T: DeserializeOwned>(name: &str, mut lint: Command) -> Result<T, String> {
    let out = lint
        .output()
        .map_err(|e| format!("cannot run {name}: {e}"))?;
    serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "{name}'s report does not parse ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Redocly's errors and warnings (its exit status counts only errors).
fn redocly(bin: &Path) -> Result<u64, String> {
    let lint = |format: &str| {
        let mut c = lint_command(bin, ["--config", "tests/lint/redocly.yaml"]);
        c.arg(format!("--format={format}"))
            .env("REDOCLY_TELEMETRY", "off")
            .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true");
        c
    };
    let report: Value = json_report("redocly", lint("json"))?;
    let count = |k: &str| report["totals"][k].as_u64().unwrap_or(0);
    let found = count("errors") + count("warnings");
    eprintln!(
        "    redocly (recommended): {} errors, {} warnings, {} excepted in tests/lint/.redocly.lint-ignore.yaml",
        count("errors"),
        count("warnings"),
        count("ignored")
    );
    if found > 0 {
        let _ = lint("stylish").status();
    }
    Ok(found)
}

/// Spectral's errors and warnings (severity 0 and 1).
fn spectral(bin: &Path) -> Result<u64, String> {
    let lint = |format: &str| {
        let mut c = lint_command(bin, ["--ruleset", "tests/lint/.spectral.yaml"]);
        c.args(["--format", format, "--quiet"]);
        c
    };
    let results: Vec<Value> = json_report("spectral", lint("json"))?;
    let count = |severity: u64| {
        results
            .iter()
            .filter(|r| r["severity"].as_u64() == Some(severity))
            .count() as u64
    };
    let (errors, warnings) = (count(0), count(1));
    eprintln!("    spectral (spectral:oas): {errors} errors, {warnings} warnings");
    if errors + warnings > 0 {
        let _ = lint("stylish").status();
    }
    Ok(errors + warnings)
}
