//! `cargo xtask bench [--quick] [--peer] [--postgres] [--scale]`: how fast Rollcall is, measured
//! rather than asserted. Builds the release `rollcall` and the baseline (a bare actix-web JSON
//! handler, `xtask/baseline`), starts each on loopback (Rollcall on a fresh SQLite database, and
//! on PostgreSQL with `--postgres`), seeds it, and loads it with wrk (Lua scripts in
//! `xtask/bench`): create an invitation (unique emails), view one, list a page, view a
//! membership (v1), accept. `--peer` runs the better-auth peer the same way, `--scale` compares
//! lists and views at 1,000 and 1,000,000 invitations. Prints a table, writes
//! `target/bench/<stamp>/results.json` (and `target/bench/latest.json`) and `chart.svg`.
//! `--metrics-cost` measures only what the request-metrics middleware costs on view invitation
//! (`bench/metrics_cost.rs`: callgrind instructions per request and alternating wrk runs).
//! `--drains` runs only the background work: the email drain and the webhook fan-out.

mod backlog;
mod emails;
mod load;
mod metrics_cost;
mod peer;
mod report;
mod seed;
mod webhooks;

use std::{
    path::{Path, PathBuf},
    process::{Command, ExitCode},
    time::Duration,
};

use chrono::Utc;
use load::{Load, Server, Settings};
use report::{Report, Row, ScaleRow, Target};

const SECRET: &str = "cargo-xtask-bench-secret-not-for-production";
const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
/// The run README's Performance section shows, with its chart beside it.
const PUBLISHED: &str = "docs/bench/results.json";

struct Options {
    quick: bool,
    peer: bool,
    postgres: bool,
    scale: bool,
    metrics_cost: bool,
    drains: bool,
}

/// Where things are, and how to load.
struct Bench {
    root: PathBuf,
    out: PathBuf,
    rollcall: PathBuf,
    baseline: PathBuf,
    settings: Settings,
    rt: tokio::runtime::Runtime,
}

/// `--chart RUN.json [PREVIOUS.json]`: draws RUN's chart again (next to it), against PREVIOUS.
fn redraw(files: &[String]) -> Result<(), String> {
    let [run, previous @ ..] = files else {
        return Err("--chart needs a results.json (and, optionally, an earlier one)".into());
    };
    let run = PathBuf::from(run);
    let report = report::read_json(&run)?;
    let previous = previous
        .first()
        .map(|p| report::read_json(Path::new(p)))
        .transpose()?;
    let svg = run.with_file_name("chart.svg");
    report::chart(&report, previous.as_ref(), &svg)?;
    println!("wrote {}", svg.display());
    Ok(())
}

pub fn run(args: &[String]) -> ExitCode {
    if args.first().map(String::as_str) == Some("--chart") {
        return match redraw(&args[1..]) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("xtask bench: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let mut options = Options {
        quick: false,
        peer: false,
        postgres: false,
        scale: false,
        metrics_cost: false,
        drains: false,
    };
    for a in args {
        match a.as_str() {
            "--quick" => options.quick = true,
            "--peer" => options.peer = true,
            "--postgres" => options.postgres = true,
            "--scale" => options.scale = true,
            "--metrics-cost" => options.metrics_cost = true,
            "--drains" => options.drains = true,
            other => {
                eprintln!(
                    "xtask bench: unknown option {other}; usage: cargo xtask bench [--quick] [--peer] [--postgres] [--scale] | --metrics-cost | --drains | --chart RUN.json [PREVIOUS.json]"
                );
                return ExitCode::from(2);
            }
        }
    }
    match bench(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn bench(options: &Options) -> Result<(), String> {
    ensure_tool("wrk", "-v")?;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("xtask has no parent directory")?
        .to_path_buf();
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    build(&root)?;
    let stamp = Utc::now().format("%Y%m%d-%H%M%S").to_string();
    let out = target.join("bench").join(&stamp);
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let (warm, duration) = if options.quick { (2, 5) } else { (5, 20) };
    let b = Bench {
        rollcall: target.join("release/rollcall"),
        baseline: target.join("release/bench-baseline"),
        settings: Settings {
            threads: 2,
            connections: 64,
            warm: Duration::from_secs(warm),
            duration: Duration::from_secs(duration),
            lua: root.join("xtask/bench"),
        },
        rt: tokio::runtime::Runtime::new().map_err(|e| e.to_string())?,
        root,
        out,
    };
    println!("results → {}", b.out.display());
    if options.metrics_cost {
        return metrics_cost::run(&b);
    }
    if options.drains {
        drains(&b)?;
        return Ok(());
    }
    let mut rows = Vec::new();
    println!("\nrollcall on SQLite");
    rows.extend(rollcall(&b, "sqlite")?);
    if options.postgres {
        println!("\nrollcall on PostgreSQL");
        rows.extend(rollcall(&b, "postgres")?);
    }
    let (drain, fan_out) = drains(&b)?;
    println!("\nbaseline: bare actix-web JSON handler");
    rows.push(baseline(&b)?);
    if options.peer {
        println!("\nbetter-auth peer (its own run-peer-bench.sh, same wrk settings)");
        rows.extend(peer_rows(&b)?);
    }
    let scale = if options.scale {
        scale(&b)?
    } else {
        Vec::new()
    };
    ratios(&mut rows);
    let report = Report {
        date: Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        machine: machine(),
        settings: format!(
            "wrk -t{} -c{} on loopback, {} s warm-up then {} s measured per operation{}",
            b.settings.threads,
            b.settings.connections,
            warm,
            duration,
            if options.quick { " (--quick)" } else { "" }
        ),
        targets: {
            let mut t = targets(&rows, &scale);
            t.push(Target {
                target: "drain queued invitation emails ≥ 1,000/s (SQLite, smtp-sink)".into(),
                measured: format!(
                    "{} emails in {:.1} s = {:.0}/s",
                    drain.count, drain.seconds, drain.per_second
                ),
                met: drain.per_second >= 1_000.0,
            });
            t.push(Target {
                target:
                    "webhook fan-out ≥ 2,000 deliveries/s (SQLite, local receiver answering 204)"
                        .into(),
                measured: format!(
                    "{} deliveries in {:.1} s = {:.0}/s",
                    fan_out.count, fan_out.seconds, fan_out.per_second
                ),
                met: fan_out.per_second >= 2_000.0,
            });
            t
        },
        rows,
        scale,
    };
    report::print(&report);
    let latest = target.join("bench/latest.json");
    // The run before this one, for the chart: the last one here, else the one published.
    let previous = report::read_json(&latest)
        .or_else(|_| report::read_json(&b.root.join(PUBLISHED)))
        .ok();
    report::write_json(&report, &b.out, &latest)?;
    report::chart(&report, previous.as_ref(), &b.out.join("chart.svg"))?;
    println!(
        "\nwrote {} and {}",
        b.out.join("results.json").display(),
        b.out.join("chart.svg").display()
    );
    Ok(())
}

/// The background work's two figures: the email drain and the webhook fan-out.
fn drains(b: &Bench) -> Result<(backlog::Drained, backlog::Drained), String> {
    println!("\nemail drain: 10,000 queued invitation emails into postfix's smtp-sink");
    let drain = emails::drain(b)?;
    println!(
        "  {} emails sent in {:.1} s: {:.0} emails/s",
        drain.count, drain.seconds, drain.per_second
    );
    println!(
        "\nwebhook fan-out: 10,000 deliveries (2,500 events × 4 endpoints) to a local receiver"
    );
    let fan_out = webhooks::fan_out(b)?;
    println!(
        "  {} deliveries in {:.1} s: {:.0} deliveries/s",
        fan_out.count, fan_out.seconds, fan_out.per_second
    );
    Ok((drain, fan_out))
}

/// The distribution's `tool` (answering `tool probe`), installed with apt-get when missing and
/// this runs as root, else how to get it.
fn ensure_tool(tool: &str, probe: &str) -> Result<(), String> {
    let present = || Command::new(tool).arg(probe).output().is_ok();
    if !present() && is_root() {
        println!("{tool} is missing: apt-get install -y {tool}");
        let _ = Command::new("apt-get").arg("update").status();
        let _ = Command::new("apt-get")
            .args(["install", "-y", tool])
            .status();
    }
    if present() {
        Ok(())
    } else {
        Err(format!(
            "{tool} is missing; install it (Debian/Ubuntu: sudo apt-get install -y {tool}) and rerun"
        ))
    }
}

/// Whether this runs as root (and so may install a missing tool with apt-get).
fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The release binaries of Rollcall and of the baseline, with one profile.
fn build(root: &Path) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    println!("building the release binaries (rollcall, bench-baseline)…");
    let ok = Command::new(cargo)
        .args([
            "build",
            "--release",
            "-p",
            "rollcall",
            "-p",
            "bench-baseline",
        ])
        .current_dir(root)
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        Ok(())
    } else {
        Err("the release build failed; fix it (cargo build --release -p rollcall) and rerun".into())
    }
}

/// A fresh database for `backend`: its URL, and for PostgreSQL the database to drop afterwards.
fn fresh_database(
    b: &Bench,
    backend: &str,
    name: &str,
) -> Result<(String, Option<String>), String> {
    if backend == "sqlite" {
        let dir = b.out.join(name);
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        return Ok((
            format!("sqlite://{}/rollcall.db?mode=rwc", dir.display()),
            None,
        ));
    }
    let admin = postgres_admin_url();
    let db = format!("rollcall_bench_{}", uuid::Uuid::new_v4().simple());
    b.rt.block_on(postgres(&admin, &format!("CREATE DATABASE {db}")))?;
    let (server, _) = admin
        .rsplit_once('/')
        .ok_or("the PostgreSQL URL has no database")?;
    Ok((format!("{server}/{db}"), Some(db)))
}

fn postgres_admin_url() -> String {
    std::env::var("ROLLCALL_BENCH_POSTGRES_URL")
        .or_else(|_| std::env::var("ROLLCALL_TEST_POSTGRES_URL"))
        .unwrap_or_else(|_| DEFAULT_POSTGRES_URL.into())
}

async fn postgres(admin: &str, sql: &str) -> Result<(), String> {
    use sea_orm::ConnectionTrait;
    let db = sea_orm::Database::connect(admin).await.map_err(|e| {
        format!("--postgres: {admin} does not connect ({e}); set ROLLCALL_BENCH_POSTGRES_URL to a server where this user may CREATE DATABASE")
    })?;
    db.execute_unprepared(sql)
        .await
        .map_err(|e| format!("{sql}: {e}"))?;
    db.close().await.ok();
    Ok(())
}

/// `rollcall serve` on `database_url`, with the quota out of the way of the create run.
fn start_rollcall(b: &Bench, database_url: &str, log: &Path) -> Result<Server, String> {
    let addr = load::free_addr()?;
    let env = [
        ("DATABASE_URL", database_url),
        ("ROLLCALL_JWT_SECRET", SECRET),
        ("ROLLCALL_BIND", addr.as_str()),
        ("ROLLCALL_INVITATIONS_PER_HOUR", "1000000000"),
        ("ROLLCALL_ORGANIZATIONS_PER_HOUR", "1000000000"),
        // The request path alone: emails and webhook deliveries wait in their queues (the drain
        // and the fan-out measure sending them), so that one run's backlog does not load the
        // next run's machine.
        ("ROLLCALL_BACKGROUND", "false"),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()));
    Server::start(&b.rollcall, &["serve"], &env, log, &addr, "/readyz")
}

/// Seeds, then measures the operations on `backend`. The create run with one webhook endpoint
/// gets a database of its own, seeded alike: run on the first one after the plain create run,
/// it would meet a database grown by that run (tens of thousands of invitations, their emails
/// and events) and measure that growth as well as the endpoint.
fn rollcall(b: &Bench, backend: &str) -> Result<Vec<Row>, String> {
    let mut rows = on_fresh_database(b, backend, backend, |url| rollcall_on(b, backend, url))?;
    let name = format!("{backend}-hooked");
    rows.extend(on_fresh_database(b, backend, &name, |url| {
        hooked_on(b, backend, &name, url)
    })?);
    Ok(rows)
}

/// Runs `measure` on a fresh database of `backend` (named `name`), dropped afterwards when it
/// is PostgreSQL's.
fn on_fresh_database(
    b: &Bench,
    backend: &str,
    name: &str,
    measure: impl FnOnce(&str) -> Result<Vec<Row>, String>,
) -> Result<Vec<Row>, String> {
    let (url, drop_db) = fresh_database(b, backend, name)?;
    let result = measure(&url);
    if let Some(db) = drop_db {
        let sql = format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)");
        if let Err(e) = b.rt.block_on(postgres(&postgres_admin_url(), &sql)) {
            eprintln!("xtask bench: could not drop {db}: {e}");
        }
    }
    result
}

/// A started server on a seeded database: ten organizations (`org` with a second member,
/// `hooked` with one webhook endpoint) and 1,000 invitations of `org` to view.
struct Seeded {
    server: Server,
    org: seed::Organization,
    hooked: seed::Organization,
    store: storage::Store,
    view_paths: PathBuf,
    dir: PathBuf,
}

fn seeded(b: &Bench, name: &str, url: &str) -> Result<Seeded, String> {
    let dir = b.out.join(name);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let server = start_rollcall(b, url, &dir.join("server.log"))?;
    let tokens = seed::Tokens::new(SECRET);
    let api = seed::Api::new(&server.base);
    let (org, hooked, store) = b.rt.block_on(async {
        let org = seed::organization(&api, &tokens, 1, "Bench").await?;
        for admin in 2..=10 {
            seed::organization(&api, &tokens, admin, &format!("Other {admin}")).await?;
        }
        seed::member(&api, &tokens, &org, 11, "member11@bench.example").await?;
        // The same organization again, with one webhook endpoint: each invitation created
        // there also writes a delivery in its transaction.
        let hooked = seed::organization(&api, &tokens, 12, "Hooked").await?;
        webhooks::register(&api, &hooked, "https://hooks.example.com/rollcall").await?;
        Ok::<_, String>((org, hooked, seed::store(url).await?))
    })?;
    let viewed = b.rt.block_on(seed::invitations(
        &store,
        &org,
        "view",
        0,
        1_000,
        Utc::now(),
        false,
    ))?;
    let view_paths = dir.join("view-paths.txt");
    seed::write_lines(
        &view_paths,
        viewed
            .iter()
            .map(|(id, ..)| format!("/organization/{}/invitations/{id}", org.uuid)),
    )?;
    println!("  seeded 11 organizations, 2 members, 1 webhook endpoint, 1,000 invitations");
    Ok(Seeded {
        server,
        org,
        hooked,
        store,
        view_paths,
        dir,
    })
}

/// Loads `script` as `org`, and the row it measured.
fn measure(
    b: &Bench,
    backend: &str,
    s: &Seeded,
    label: &str,
    as_org: &seed::Organization,
    script: &'static str,
    mut env: Vec<(String, String)>,
) -> Result<(Row, f64), String> {
    env.push(("BEARER".to_owned(), as_org.bearer.clone()));
    if label == "view membership (v1)" {
        env.push(("SESSION".to_owned(), as_org.session.clone()));
    }
    let load = Load {
        label: label.to_owned(),
        url: s.server.base.clone() + "/",
        script,
        env,
    };
    let m = load::measure(&load, &b.settings, s.server.pid())?;
    Ok((row("rollcall", backend, label, &m), m.latencies.rps))
}

fn invite_env(org: &seed::Organization) -> Vec<(String, String)> {
    vec![(
        "INVITE_PATH".into(),
        format!("/organization/{}/invite", org.uuid),
    )]
}

fn rollcall_on(b: &Bench, backend: &str, url: &str) -> Result<Vec<Row>, String> {
    let s = seeded(b, backend, url)?;
    let org = &s.org;
    let mut rows = Vec::new();
    let mut add = |label: &str, script: &'static str, env: Vec<(String, String)>| {
        let (row, rps) = measure(b, backend, &s, label, org, script, env)?;
        rows.push(row);
        Ok::<f64, String>(rps)
    };
    let create_rps = add("create invitation", "invite.lua", invite_env(org))?;
    add("view invitation", "get.lua", vec![path_env(&s.view_paths)])?;
    add(
        "list invitations (page)",
        "get.lua",
        vec![(
            "GET_PATH".into(),
            format!("/organization/{}/invitations", org.uuid),
        )],
    )?;
    add(
        "view membership (v1)",
        "get.lua",
        vec![(
            "GET_PATH".into(),
            "/users-organizations/v1/ad/users/11".to_owned(),
        )],
    )?;
    let tokens = seed::Tokens::new(SECRET);
    let pairs = accept_pairs(b, &s.store, org, &tokens, &s.dir, create_rps)?;
    add(
        "accept invitation",
        "accept.lua",
        vec![("PAIRS_FILE".into(), pairs)],
    )?;
    Ok(rows)
}

/// The create run in the organization with one webhook endpoint, on a database seeded as
/// `rollcall_on`'s was before its create run.
fn hooked_on(b: &Bench, backend: &str, name: &str, url: &str) -> Result<Vec<Row>, String> {
    let s = seeded(b, name, url)?;
    let (row, _) = measure(
        b,
        backend,
        &s,
        HOOKED,
        &s.hooked,
        "invite.lua",
        invite_env(&s.hooked),
    )?;
    Ok(vec![row])
}

/// The create run in an organization with one webhook endpoint.
const HOOKED: &str = "create invitation (one webhook endpoint)";

fn path_env(file: &Path) -> (String, String) {
    ("PATHS_FILE".into(), file.display().to_string())
}

/// Bulk-loads enough invitations for the accept run (twice what the create rate suggests it
/// could accept) and writes their `bearer token` pairs.
fn accept_pairs(
    b: &Bench,
    store: &storage::Store,
    org: &seed::Organization,
    tokens: &seed::Tokens,
    dir: &Path,
    create_rps: f64,
) -> Result<String, String> {
    let secs = (b.settings.warm + b.settings.duration).as_secs_f64();
    let count = (create_rps.clamp(1_000.0, 20_000.0) * secs * 2.0) as u64;
    let made = b.rt.block_on(seed::invitations(
        store,
        org,
        "accept",
        0,
        count,
        Utc::now(),
        true,
    ))?;
    let file = dir.join("accept-pairs.txt");
    let mut lines = Vec::with_capacity(made.len());
    for (i, (_, _, token)) in made.iter().enumerate() {
        let bearer = tokens.bearer(100_000 + i as i64, &format!("accept-{i}@bench.example"))?;
        lines.push(format!("{bearer} {token}"));
    }
    seed::write_lines(&file, lines)?;
    println!("  seeded {count} invitations to accept");
    Ok(file.display().to_string())
}

fn row(system: &str, database: &str, operation: &str, m: &load::Measured) -> Row {
    Row {
        system: system.into(),
        database: database.into(),
        operation: operation.into(),
        latencies: m.latencies.clone(),
        errors: m.errors,
        peak_rss_mib: Some(m.peak_rss_mib),
        server_cpu_pct: Some(m.server_cpu_pct),
        foreign_cpu_pct: Some(m.foreign_cpu_pct),
        vs_baseline: None,
        vs_peer: None,
    }
}

fn baseline(b: &Bench) -> Result<Row, String> {
    let addr = load::free_addr()?;
    let workers = std::thread::available_parallelism()
        .map_or(2, usize::from)
        .to_string();
    let server = Server::start(
        &b.baseline,
        &[&addr, &workers],
        &[],
        &b.out.join("baseline.log"),
        &addr,
        "/",
    )?;
    let load = Load {
        label: "GET small JSON".into(),
        url: server.base.clone() + "/",
        script: "get.lua",
        env: vec![("GET_PATH".into(), "/".into())],
    };
    let m = load::measure(&load, &b.settings, server.pid())?;
    Ok(row("baseline", "-", "GET small JSON", &m))
}

fn peer_rows(b: &Bench) -> Result<Vec<Row>, String> {
    let source = b.root.join("../shared/peers/better-auth");
    let dir = b.root.join("target/bench/peer");
    peer::install(&source, &dir)?;
    load::wait_quiet();
    peer::run(&dir, &b.out.join("peer"), &b.settings)
}

/// Fills in each row's ratio to the baseline and, for Rollcall's create and list, to the peer's
/// invite-member and list-invitations.
fn ratios(rows: &mut [Row]) {
    let rps = |system: &str, op: &str| {
        rows.iter()
            .find(|r| r.system == system && r.operation == op)
            .map(|r| r.latencies.rps)
    };
    let base = rps("baseline", "GET small JSON");
    let peer_invite = rps("better-auth peer", "invite-member");
    let peer_list = rps("better-auth peer", "list-invitations");
    for r in rows.iter_mut() {
        r.vs_baseline = base.map(|b| r.latencies.rps / b);
        let peer = match (r.system.as_str(), r.operation.as_str()) {
            ("rollcall", "create invitation") => peer_invite,
            ("rollcall", "list invitations (page)") => peer_list,
            _ => None,
        };
        r.vs_peer = peer.map(|p| r.latencies.rps / p);
    }
}

/// 1,000 then 1,000,000 invitations in one organization (bulk-loaded): the first page, a page
/// from the middle (a cursor), and views of invitations spread over the whole table.
fn scale(b: &Bench) -> Result<Vec<ScaleRow>, String> {
    println!("\nscale: one organization with 1,000, then 1,000,000 invitations (SQLite)");
    let (url, _) = fresh_database(b, "sqlite", "scale")?;
    let dir = b.out.join("scale");
    let server = start_rollcall(b, &url, &dir.join("server.log"))?;
    let tokens = seed::Tokens::new(SECRET);
    let api = seed::Api::new(&server.base);
    let org =
        b.rt.block_on(seed::organization(&api, &tokens, 1, "Scale"))?;
    let store = b.rt.block_on(seed::store(&url))?;
    let end = Utc::now() - chrono::Duration::days(1);
    let mut made = Vec::new();
    let mut rows = Vec::new();
    for total in [1_000u64, 1_000_000] {
        let started = std::time::Instant::now();
        let first = made.len() as u64;
        // Older rows first: the newest page is always the most recently loaded.
        let start = end - chrono::Duration::milliseconds(first as i64);
        made.extend(b.rt.block_on(seed::invitations(
            &store,
            &org,
            "scale",
            first,
            total - first,
            start,
            false,
        ))?);
        println!(
            "  {total} invitations loaded ({:.1} s)",
            started.elapsed().as_secs_f64()
        );
        let step = (made.len() / 1_000).max(1);
        let views = dir.join(format!("views-{total}.txt"));
        seed::write_lines(
            &views,
            made.iter()
                .step_by(step)
                .map(|(id, ..)| format!("/organization/{}/invitations/{id}", org.uuid)),
        )?;
        let (id, at, _) = &made[made.len() / 2];
        let cursor = app::Cursors::new(SECRET).encode(&(at, id));
        let list = format!("/organization/{}/invitations", org.uuid);
        let loads = [
            (
                "list invitations (first page)",
                vec![("GET_PATH".to_owned(), list.clone())],
            ),
            (
                "list invitations (middle page)",
                vec![("GET_PATH".to_owned(), format!("{list}?cursor={cursor}"))],
            ),
            ("view invitation", vec![path_env(&views)]),
        ];
        for (label, mut env) in loads {
            env.push(("BEARER".into(), org.bearer.clone()));
            let load = Load {
                label: format!("{label} @{total}"),
                url: server.base.clone() + "/",
                script: "get.lua",
                env,
            };
            let m = load::measure(&load, &b.settings, server.pid())?;
            rows.push(ScaleRow {
                operation: label.into(),
                invitations: total,
                rps: m.latencies.rps,
                p50_ms: m.latencies.p50_ms,
                p99_ms: m.latencies.p99_ms,
                errors: m.errors,
            });
        }
    }
    Ok(rows)
}

/// DESIGN.md's targets, checked against this run's SQLite rows.
fn targets(rows: &[Row], scale: &[ScaleRow]) -> Vec<Target> {
    let find = |op: &str| {
        rows.iter()
            .find(|r| r.system == "rollcall" && r.database == "sqlite" && r.operation == op)
    };
    let mut out = Vec::new();
    if let Some(c) = find("create invitation") {
        out.push(Target {
            target: "create invitation ≥ 5,000/s with p99 < 20 ms (SQLite, 64 connections)".into(),
            measured: format!("{:.0}/s, p99 {:.1} ms", c.latencies.rps, c.latencies.p99_ms),
            met: c.latencies.rps >= 5_000.0 && c.latencies.p99_ms < 20.0,
        });
        if let Some(h) = find(HOOKED) {
            let ratio = h.latencies.rps / c.latencies.rps;
            out.push(Target {
                target: "create invitation with one webhook endpoint ≥ 85% of without (SQLite)"
                    .into(),
                measured: format!(
                    "{:.0}/s vs {:.0}/s = {:.1}%",
                    h.latencies.rps,
                    c.latencies.rps,
                    ratio * 100.0
                ),
                met: ratio >= 0.85,
            });
        }
    }
    for op in [
        "view invitation",
        "list invitations (page)",
        "view membership (v1)",
    ] {
        if let Some(r) = find(op).filter(|r| r.vs_baseline.is_some()) {
            let share = r.vs_baseline.unwrap_or(0.0);
            out.push(Target {
                target: format!("{op} ≥ 25% of the baseline"),
                measured: format!("{:.0}/s = {:.1}%", r.latencies.rps, share * 100.0),
                met: share >= 0.25,
            });
        }
    }
    let peak = rows
        .iter()
        .filter(|r| r.system == "rollcall" && r.database == "sqlite")
        .filter_map(|r| r.peak_rss_mib)
        .fold(0.0, f64::max);
    out.push(Target {
        target: "server peak RSS < 64 MiB (SQLite)".into(),
        measured: format!("{peak:.1} MiB"),
        met: peak < 64.0,
    });
    for op in [
        "list invitations (first page)",
        "list invitations (middle page)",
        "view invitation",
    ] {
        let at = |n: u64| {
            scale
                .iter()
                .find(|s| s.operation == op && s.invitations == n)
        };
        if let (Some(small), Some(big)) = (at(1_000), at(1_000_000)) {
            let ratio = big.p50_ms / small.p50_ms;
            out.push(Target {
                target: format!("{op}: p50 at 1M within 1.2× of 1k"),
                measured: format!(
                    "{:.2} ms vs {:.2} ms = {ratio:.2}× (p99 {:.2} vs {:.2} ms)",
                    big.p50_ms, small.p50_ms, big.p99_ms, small.p99_ms
                ),
                met: ratio <= 1.2,
            });
        }
    }
    out
}

/// Cores, memory and kernel, for the record.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        })
        .map_or_else(String::new, |kib| {
            format!(", {:.0} GiB", kib / 1024.0 / 1024.0)
        });
    format!("{cores} cores{mem}, {}", std::env::consts::OS)
}
