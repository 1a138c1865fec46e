//! The better-auth organization peer (`../shared/peers/better-auth`), run by its own script with
//! our load settings. It is copied to `target/bench/peer` and installed there once (`npm ci`,
//! then `npm rebuild better-sqlite3`, a few minutes), so the shared directory is never written.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use serde::Deserialize;

use super::{
    load::Settings,
    report::{Latencies, Row},
};

#[derive(Deserialize)]
struct PeerResult {
    label: String,
    #[serde(flatten)]
    latencies: Latencies,
    status: serde_json::Map<String, serde_json::Value>,
    socket_errors: serde_json::Map<String, serde_json::Value>,
}

/// Copies and installs the peer under `target/bench/peer` unless it is there already.
pub fn install(source: &Path, dir: &Path) -> Result<(), String> {
    for tool in ["node", "npm"] {
        if !Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return Err(format!(
                "--peer needs Node.js 20+ and npm ({tool} is missing): apt-get install -y nodejs npm"
            ));
        }
    }
    let installed = dir.join("node_modules/better-auth").is_dir()
        && Command::new("node")
            .args(["-e", "require('better-sqlite3')"])
            .current_dir(dir)
            .output()
            .is_ok_and(|o| o.status.success());
    if installed {
        return Ok(());
    }
    if !source.join("run-peer-bench.sh").is_file() {
        return Err(format!(
            "the peer is not at {}; --peer needs the shared peers directory beside the repository",
            source.display()
        ));
    }
    println!(
        "installing the peer into {} (npm ci + npm rebuild better-sqlite3: a few minutes)…",
        dir.display()
    );
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in std::fs::read_dir(source).map_err(|e| e.to_string())? {
        let entry = entry.map_err(|e| e.to_string())?;
        let name = entry.file_name();
        if entry.path().is_file() {
            std::fs::copy(entry.path(), dir.join(&name)).map_err(|e| e.to_string())?;
        }
    }
    for args in [
        &["ci", "--no-audit", "--no-fund"][..],
        &["rebuild", "better-sqlite3"],
    ] {
        let ok = Command::new("npm")
            .args(args)
            .current_dir(dir)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return Err(format!(
                "`npm {}` failed in {}; fix the network or toolchain (node-gyp needs python3, make and g++) and rerun",
                args.join(" "),
                dir.display()
            ));
        }
    }
    Ok(())
}

/// Runs the peer's own benchmark script with our threads, connections and durations; its raw
/// output lands in `results`.
pub fn run(dir: &Path, results: &Path, s: &Settings) -> Result<Vec<Row>, String> {
    let ok = Command::new("bash")
        .arg(dir.join("run-peer-bench.sh"))
        .current_dir(dir)
        .env("RES", results)
        .env("THREADS", s.threads.to_string())
        .env("CONNS", s.connections.to_string())
        .env("DUR", format!("{}s", s.duration.as_secs()))
        .env("WARM", format!("{}s", s.warm.as_secs()))
        .status()
        .is_ok_and(|st| st.success());
    if !ok {
        return Err(format!(
            "the peer's run-peer-bench.sh failed; see {}",
            results.display()
        ));
    }
    read(results)
}

/// The rows of a finished peer run.
fn read(results: &Path) -> Result<Vec<Row>, String> {
    let metrics = std::fs::read_to_string(results.join("server-metrics.tsv")).unwrap_or_default();
    let mut rows = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(results)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.to_string_lossy().ends_with(".wrk.txt") && !p.to_string_lossy().contains("warmup")
        })
        .collect();
    files.sort();
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|e| e.to_string())?;
        let Some(line) = text.lines().find_map(|l| l.strip_prefix("RESULT ")) else {
            continue;
        };
        let r: PeerResult =
            serde_json::from_str(line).map_err(|e| format!("{}: {e}", file.display()))?;
        let count = |m: &serde_json::Map<String, serde_json::Value>,
                     keep: &dyn Fn(&str) -> bool| {
            m.iter()
                .filter(|(k, _)| keep(k))
                .filter_map(|(_, v)| v.as_u64())
                .sum::<u64>()
        };
        let bad_status = count(&r.status, &|k| k.parse::<u16>().is_ok_and(|c| c >= 400));
        let sockets = count(&r.socket_errors, &|k| k != "status");
        // label, cpu seconds, wall seconds, VmRSS KiB, VmHWM KiB, machine seconds
        let m: Option<Vec<&str>> = metrics
            .lines()
            .map(|l| l.split('\t').collect::<Vec<_>>())
            .find(|f| f.first() == Some(&r.label.as_str()));
        let num = |i: usize| m.as_ref().and_then(|f| f.get(i)?.parse::<f64>().ok());
        let ceiling = r.label == "ceiling";
        rows.push(Row {
            system: if ceiling {
                "peer ceiling"
            } else {
                "better-auth peer"
            }
            .into(),
            database: if ceiling { "-" } else { "sqlite" }.into(),
            operation: r.label.clone(),
            latencies: r.latencies.clone(),
            errors: bad_status + sockets,
            peak_rss_mib: num(4).map(|kib| kib / 1024.0),
            server_cpu_pct: num(1).zip(num(2)).map(|(cpu, wall)| 100.0 * cpu / wall),
            foreign_cpu_pct: None,
            vs_baseline: None,
            vs_peer: None,
        });
    }
    if rows.is_empty() {
        return Err(format!(
            "the peer run left no results in {}",
            results.display()
        ));
    }
    Ok(rows)
}
