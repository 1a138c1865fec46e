//! `cargo xtask ci`, step "openapi lint": Redocly CLI (its `recommended` ruleset) and Spectral
//! (`spectral:oas`) on openapi/rollcall.yaml, pinned in tests/lint/package-lock.json and
//! installed into target/lint. Both must find 0 errors and 0 warnings; an exception is written,
//! with its reason, in the ruleset files under tests/lint/.

use std::process::Command;

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

/// Redocly's errors and warnings (its exit status counts only errors).
fn redocly(bin: &std::path::Path) -> Result<u64, String> {
    let lint = |format: &str| {
        let mut c = Command::new(bin);
        c.args([
            "lint",
            "--config",
            "tests/lint/redocly.yaml",
            contract::DOCUMENT_PATH,
        ])
        .arg(format!("--format={format}"))
        .env("REDOCLY_TELEMETRY", "off")
        .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true");
        c
    };
    let out = lint("json")
        .output()
        .map_err(|e| format!("cannot run redocly: {e}"))?;
    let report: Value = serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "redocly's report does not parse ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
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
fn spectral(bin: &std::path::Path) -> Result<u64, String> {
    let lint = |format: &str| {
        let mut c = Command::new(bin);
        c.args([
            "lint",
            "--ruleset",
            "tests/lint/.spectral.yaml",
            contract::DOCUMENT_PATH,
        ])
        .args(["--format", format, "--quiet"]);
        c
    };
    let out = lint("json")
        .output()
        .map_err(|e| format!("cannot run spectral: {e}"))?;
    let results: Vec<Value> = serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "spectral's report does not parse ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
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
