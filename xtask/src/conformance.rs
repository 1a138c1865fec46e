//! `cargo xtask ci`, step "strict response validation": every answer the integration tests
//! received through the generated client on the SQLite pass (recorded by the proxy in
//! tests/api/recording.rs into `target/conformance/exchanges`) is validated against the
//! document by openapi-core (tests/conformance/, pinned requirements installed into
//! target/conformance/venv). A self-test first shows the validation refuses each kind of
//! non-conforming answer.

use std::{path::PathBuf, process::Command};

use crate::{run, tools};

/// The variable that turns recording on in the test binary (tests/api/recording.rs).
pub const EXCHANGES_ENV: &str = "ROLLCALL_TEST_EXCHANGES";

/// A fresh, empty folder for the SQLite pass's exchanges (absolute: tests run in their crate's
/// folder).
pub fn fresh_exchanges() -> Result<PathBuf, String> {
    let dir = std::env::current_dir()
        .map_err(|e| e.to_string())?
        .join(tools::target())
        .join("conformance")
        .join("exchanges");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir)
}

pub fn validate(exchanges: &std::path::Path) -> Result<(), String> {
    let python = tools::venv(
        "tests/conformance/requirements.txt",
        &tools::target().join("conformance").join("venv"),
    )?;
    run(
        Command::new(&python).arg("tests/conformance/selftest.py"),
        "show that the strict validation refuses every kind of non-conforming answer",
    )?;
    run(
        Command::new(&python)
            .arg("tests/conformance/validate.py")
            .arg(exchanges),
        "validate every answer the tests received against openapi/rollcall.yaml (see the failures above)",
    )
}
