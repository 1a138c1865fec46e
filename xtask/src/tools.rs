//! Installing the pinned outside tools CI runs (npm packages from a `package-lock.json`, Python
//! packages from a pinned `requirements.txt`) into `target/`, by the project's own command: a
//! clean clone needs nothing installed by hand but Node.js with npm and python3 with venv.
//! Each install is skipped while the pins it was made from are unchanged.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use crate::run;

/// `CARGO_TARGET_DIR`, else `target`.
pub fn target() -> PathBuf {
    PathBuf::from(std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into()))
}

/// `npm ci` of `source`'s package.json and package-lock.json into `into` (its node_modules);
/// returns `into/node_modules/.bin`.
pub fn npm_ci(source: &str, into: &Path) -> Result<PathBuf, String> {
    let lock = read(&format!("{source}/package-lock.json"))?;
    let stamp = into.join(".installed-lock.json");
    let bin = into.join("node_modules").join(".bin");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(lock.as_str()) && bin.exists() {
        return Ok(bin);
    }
    eprintln!(
        "==> npm ci: {source}/package-lock.json into {}",
        into.display()
    );
    std::fs::create_dir_all(into).map_err(|e| format!("cannot create {}: {e}", into.display()))?;
    for file in ["package.json", "package-lock.json"] {
        std::fs::copy(format!("{source}/{file}"), into.join(file))
            .map_err(|e| format!("cannot copy {source}/{file}: {e}"))?;
    }
    run(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(into),
        &format!("install {source}'s pinned npm packages (are Node.js 20+ and npm installed?)"),
    )?;
    std::fs::write(&stamp, &lock).map_err(|e| e.to_string())?;
    Ok(bin)
}

/// The OpenID provider the identity tests run against (npm `oidc-provider`, pinned in
/// tests/identity/package-lock.json), into `target/identity`, where the tests look for it.
pub fn identity_provider() -> Result<(), String> {
    npm_ci("tests/identity", &target().join("identity")).map(|_| ())
}

/// A virtual environment at `venv` with `requirements` installed; returns its python.
pub fn venv(requirements: &str, venv: &Path) -> Result<PathBuf, String> {
    let pins = read(requirements)?;
    let python = venv.join("bin").join("python");
    let stamp = venv.join("requirements.txt");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(pins.as_str()) && python.exists() {
        return Ok(python);
    }
    eprintln!("==> pip: {requirements} into {}", venv.display());
    run(
        Command::new("python3")
            .args(["-m", "venv", "--clear"])
            .arg(venv),
        "create a virtual environment (is python3 with venv installed?)",
    )?;
    run(
        Command::new(&python).args(["-m", "pip", "install", "--quiet", "-r", requirements]),
        &format!("install {requirements} from PyPI"),
    )?;
    std::fs::write(&stamp, &pins).map_err(|e| e.to_string())?;
    Ok(python)
}

fn read(path: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))
}
