//! `cargo xtask ci`, step "consumers": a TypeScript client (openapi-typescript + openapi-fetch,
//! `tsc --strict`; pinned in tests/consumers/typescript/package-lock.json, installed into
//! target/consumers/typescript) and a Python client (openapi-python-client, pinned in
//! tests/consumers/python/requirements.txt, installed into target/consumers/venv), generated from
//! the document, run the three seed flows against a live `rollcall serve`
//! (tests/consumers/run.py).

use std::process::Command;

use crate::{run, tools};

pub fn run_flows(cargo: &str) -> Result<(), String> {
    let consumers = tools::target().join("consumers");
    let typescript = consumers.join("typescript");
    tools::npm_ci("tests/consumers/typescript", &typescript)?;
    let python = tools::venv(
        "tests/consumers/python/requirements.txt",
        &consumers.join("venv"),
    )?;
    run(
        Command::new(cargo).args(["build", "-q", "-p", "rollcall"]),
        "build rollcall",
    )?;
    run(
        Command::new(&python)
            .arg("tests/consumers/run.py")
            .arg(tools::target().join("debug").join("rollcall"))
            .arg(&typescript),
        "run the seed flows with the TypeScript and Python clients generated from openapi/rollcall.yaml (see above)",
    )
}
