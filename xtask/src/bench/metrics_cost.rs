//! `cargo xtask bench --metrics-cost`: what the request-metrics middleware costs on the view
//! invitation operation, with `ROLLCALL_REQUEST_METRICS` on and off, measured two ways so that
//! noise cannot decide it:
//!
//! 1. **Instructions per request** (callgrind): the release server runs under
//!    `valgrind --tool=callgrind`; after a warm-up its counters are zeroed
//!    (`callgrind_control --zero`), a fixed number of view requests is sent one after another,
//!    and the counters are dumped (`callgrind_control --dump`). Instructions do not depend on
//!    what else the machine is doing; rounds alternate on and off.
//! 2. **Throughput** (wrk): two servers on the same seeded database, one with the middleware and
//!    one without, loaded in alternating runs (on, off, then off, on, …), each run's spread
//!    reported.
//!
//! Both use the bench's view-invitation load: 1,000 invitations viewed in turn by their
//! organization's administrator.

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::{Duration, Instant},
};

use chrono::Utc;
use serde_json::json;

use super::{
    Bench, SECRET, fresh_database,
    load::{self, Load, Server},
    seed,
};

/// Requests measured per callgrind round, after `WARM_REQUESTS`.
const MEASURED_REQUESTS: usize = 2_000;
const WARM_REQUESTS: usize = 300;
const CALLGRIND_ROUNDS: usize = 3;
const WRK_ROUNDS: usize = 5;

/// The seeded database and what loads it.
struct Seeded {
    url: String,
    bearer: String,
    paths: Vec<String>,
    paths_file: PathBuf,
}

pub fn run(b: &Bench) -> Result<(), String> {
    super::ensure_tool("valgrind", "--version")?;
    let dir = b.out.join("metrics-cost");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let seeded = seed_views(b, &dir)?;
    println!(
        "\ninstructions per view-invitation request (callgrind, {MEASURED_REQUESTS} requests after {WARM_REQUESTS} warm-up, one worker)"
    );
    let mut instructions = (Vec::new(), Vec::new());
    for round in 0..CALLGRIND_ROUNDS {
        for on in order(round) {
            let per = callgrind_round(b, &dir, &seeded, on, round)?;
            println!(
                "  round {} metrics {:<3} {per:>12.0} instructions/request",
                round + 1,
                label(on)
            );
            if on {
                instructions.0.push(per);
            } else {
                instructions.1.push(per);
            }
        }
    }
    println!(
        "\nthroughput (wrk -t{} -c{}, {} s warm-up + {} s, {WRK_ROUNDS} alternating runs each)",
        b.settings.threads,
        b.settings.connections,
        warm().as_secs(),
        measured().as_secs()
    );
    let throughput = wrk_rounds(b, &dir, &seeded)?;
    let (on_i, off_i) = (stats(&instructions.0), stats(&instructions.1));
    let (on_t, off_t) = (stats(&throughput.0), stats(&throughput.1));
    let instr_cost = 100.0 * (on_i.mean / off_i.mean - 1.0);
    let rps_change = 100.0 * (on_t.mean / off_t.mean - 1.0);
    println!("\nmetrics middleware on view invitation (target: ≤ 3%)");
    println!(
        "  instructions/request: on {} | off {} → +{instr_cost:.2}% (worst pair +{:.2}%)",
        on_i.show(0),
        off_i.show(0),
        100.0 * (on_i.max / off_i.min - 1.0)
    );
    println!(
        "  requests/s:           on {} | off {} → on is {rps_change:+.2}% of off (within the runs' spread unless it exceeds it)",
        on_t.show(0),
        off_t.show(0)
    );
    let report = json!({
        "date": Utc::now().to_rfc3339(),
        "operation": "view invitation",
        "callgrind": {
            "requests_per_round": MEASURED_REQUESTS,
            "warm_up": WARM_REQUESTS,
            "on": instructions.0, "off": instructions.1,
            "cost_pct": instr_cost,
        },
        "wrk": {
            "threads": b.settings.threads, "connections": b.settings.connections,
            "seconds": measured().as_secs(),
            "on": throughput.0, "off": throughput.1,
            "on_vs_off_pct": rps_change,
        },
    });
    let file = dir.join("metrics-cost.json");
    std::fs::write(&file, format!("{report:#}\n")).map_err(|e| e.to_string())?;
    println!("\nwrote {}", file.display());
    Ok(())
}

fn label(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}

/// On then off in even rounds, off then on in odd ones: a drift of the machine during the run
/// falls on both sides.
fn order(round: usize) -> [bool; 2] {
    if round.is_multiple_of(2) {
        [true, false]
    } else {
        [false, true]
    }
}

fn warm() -> Duration {
    Duration::from_secs(2)
}

fn measured() -> Duration {
    Duration::from_secs(10)
}

/// A fresh SQLite database with an organization and 1,000 invitations (seeded through a server
/// started for it, then bulk-loaded), and the view paths.
fn seed_views(b: &Bench, dir: &Path) -> Result<Seeded, String> {
    let (url, _) = fresh_database(b, "sqlite", "metrics-cost/db")?;
    let server = super::start_rollcall(b, &url, &dir.join("seed.log"))?;
    let tokens = seed::Tokens::new(SECRET);
    let api = seed::Api::new(&server.base);
    let (org, made) = b.rt.block_on(async {
        let org = seed::organization(&api, &tokens, 1, "Bench").await?;
        let store = seed::store(&url).await?;
        let made = seed::invitations(&store, &org, "view", 0, 1_000, Utc::now(), false).await?;
        Ok::<_, String>((org, made))
    })?;
    drop(server);
    let paths: Vec<String> = made
        .iter()
        .map(|(id, ..)| format!("/organization/{}/invitations/{id}", org.uuid))
        .collect();
    let paths_file = dir.join("view-paths.txt");
    seed::write_lines(&paths_file, paths.iter().cloned())?;
    println!("  seeded an organization with 1,000 invitations");
    Ok(Seeded {
        url,
        bearer: org.bearer,
        paths,
        paths_file,
    })
}

/// The environment of a measured server: the bench's, background work off (nothing but the
/// requests runs), and the middleware on or off.
fn env(seeded: &Seeded, addr: &str, on: bool) -> Vec<(String, String)> {
    [
        ("DATABASE_URL", seeded.url.as_str()),
        ("ROLLCALL_JWT_SECRET", SECRET),
        ("ROLLCALL_BIND", addr),
        ("ROLLCALL_BACKGROUND", "false"),
        (
            "ROLLCALL_REQUEST_METRICS",
            if on { "true" } else { "false" },
        ),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .to_vec()
}

/// One callgrind round: instructions per request, all threads together.
fn callgrind_round(
    b: &Bench,
    dir: &Path,
    seeded: &Seeded,
    on: bool,
    round: usize,
) -> Result<f64, String> {
    let addr = load::free_addr()?;
    let out = dir.join(format!("callgrind.{}.{round}.out", label(on)));
    let out_arg = format!("--callgrind-out-file={}", out.display());
    let rollcall = b.rollcall.display().to_string();
    let server = Server::start(
        Path::new("valgrind"),
        &[
            "--tool=callgrind",
            &out_arg,
            &rollcall,
            "serve",
            "--workers",
            "1",
        ],
        &env(seeded, &addr, on),
        &dir.join(format!("callgrind.{}.{round}.log", label(on))),
        &addr,
        "/readyz",
    )?;
    let pid = server.pid().to_string();
    let http = reqwest::Client::new();
    let get = |n: usize| {
        let req = http
            .get(format!(
                "{}{}",
                server.base,
                seeded.paths[n % seeded.paths.len()]
            ))
            .bearer_auth(&seeded.bearer);
        async move {
            let res = req.send().await.map_err(|e| e.to_string())?;
            if res.status() != 200 {
                return Err(format!("a view answered {}", res.status()));
            }
            res.bytes().await.map_err(|e| e.to_string()).map(|_| ())
        }
    };
    b.rt.block_on(async {
        for n in 0..WARM_REQUESTS {
            get(n).await?;
        }
        Ok::<_, String>(())
    })?;
    callgrind_control(&["--zero", &pid])?;
    b.rt.block_on(async {
        for n in 0..MEASURED_REQUESTS {
            get(WARM_REQUESTS + n).await?;
        }
        Ok::<_, String>(())
    })?;
    callgrind_control(&["--dump=measured", &pid])?;
    let instructions = dumped_instructions(&out)?;
    drop(server);
    Ok(instructions as f64 / MEASURED_REQUESTS as f64)
}

fn callgrind_control(args: &[&str]) -> Result<(), String> {
    let out = Command::new("callgrind_control")
        .args(args)
        .output()
        .map_err(|e| format!("callgrind_control: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "callgrind_control {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// The instruction count (`totals:`) of the dump callgrind wrote beside `out` (`out.1`),
/// waiting for it to be whole.
fn dumped_instructions(out: &Path) -> Result<u64, String> {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = out.parent().ok_or("the dump has no directory")?;
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        let dumps: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| e.to_string())?
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .is_some_and(|f| f.to_string_lossy().starts_with(&format!("{name}.")))
            })
            .collect();
        for dump in dumps {
            let text = std::fs::read_to_string(&dump).unwrap_or_default();
            // `totals:` is the file's last line: once it is there, the dump is whole.
            let total = text.lines().find_map(|l| {
                l.strip_prefix("totals:")
                    .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
            });
            if let Some(total) = total {
                return Ok(total);
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Err(format!("callgrind wrote no dump beside {}", out.display()))
}

/// Alternating wrk runs against two servers on the seeded database; requests/s with the
/// middleware on and off.
fn wrk_rounds(b: &Bench, dir: &Path, seeded: &Seeded) -> Result<(Vec<f64>, Vec<f64>), String> {
    let start = |on: bool| -> Result<Server, String> {
        let addr = load::free_addr()?;
        Server::start(
            &b.rollcall,
            &["serve"],
            &env(seeded, &addr, on),
            &dir.join(format!("wrk.{}.log", label(on))),
            &addr,
            "/readyz",
        )
    };
    let (with, without) = (start(true)?, start(false)?);
    load::wait_quiet();
    let settings = load::Settings {
        warm: warm(),
        duration: measured(),
        ..b.settings.clone()
    };
    let mut rps = (Vec::new(), Vec::new());
    for round in 0..WRK_ROUNDS {
        for on in order(round) {
            let server = if on { &with } else { &without };
            let load = Load {
                label: format!("view, metrics {} (run {})", label(on), round + 1),
                url: server.base.clone() + "/",
                script: "get.lua",
                env: vec![
                    ("BEARER".into(), seeded.bearer.clone()),
                    ("PATHS_FILE".into(), seeded.paths_file.display().to_string()),
                ],
            };
            // No waiting for an idle machine between runs: alternation puts whatever else
            // runs on both sides; the spread shows how much it moved the figures.
            let m = load::measure_once(&load, &settings, server.pid(), &format!("{round}"))?;
            if m.errors > 0 {
                return Err(format!("{}: {} errors", load.label, m.errors));
            }
            if on {
                rps.0.push(m.latencies.rps);
            } else {
                rps.1.push(m.latencies.rps);
            }
        }
    }
    Ok(rps)
}

/// Mean, spread and extremes of a few figures.
struct Stats {
    mean: f64,
    min: f64,
    max: f64,
    sd: f64,
}

fn stats(v: &[f64]) -> Stats {
    let n = v.len().max(1) as f64;
    let mean = v.iter().sum::<f64>() / n;
    let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
    Stats {
        mean,
        min: v.iter().copied().fold(f64::INFINITY, f64::min),
        max: v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        sd,
    }
}

impl Stats {
    fn show(&self, decimals: usize) -> String {
        format!(
            "{:.*} (min {:.*}, max {:.*}, sd {:.*})",
            decimals, self.mean, decimals, self.min, decimals, self.max, decimals, self.sd
        )
    }
}
