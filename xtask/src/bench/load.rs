//! The measuring half of `cargo xtask bench`: servers started as child processes (and always
//! stopped, by their own process id), wrk runs with a warm-up and a measured run, and what the
//! machine did meanwhile: the server's CPU and peak memory (`/proc/<pid>`), wrk's CPU, and any
//! foreign load, which makes a run repeat.

use std::{
    fs::File,
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use serde::Deserialize;

use super::report::Latencies;

/// Busy share of the whole machine (percent of all cores) under which it counts as idle.
const QUIET_PCT: u64 = 15;
/// Foreign CPU (percent of one core) during a measured run that makes it repeat.
const FOREIGN_PCT: f64 = 15.0;
const MAX_TRIES: u32 = 3;

/// How every operation is loaded.
#[derive(Debug, Clone)]
pub struct Settings {
    pub threads: u32,
    pub connections: u32,
    pub warm: Duration,
    pub duration: Duration,
    /// Where the Lua scripts are (`xtask/bench`).
    pub lua: PathBuf,
}

/// A server process of ours, stopped when dropped.
pub struct Server {
    child: Child,
    pub base: String,
}

impl Server {
    /// Starts `program` with `env`, its output in `log`, and waits until `GET ready_path` answers
    /// 200 on `addr`.
    pub fn start(
        program: &Path,
        args: &[&str],
        env: &[(String, String)],
        log: &Path,
        addr: &str,
        ready_path: &str,
    ) -> Result<Self, String> {
        let out = File::create(log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let child = Command::new(program)
            .args(args)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
        let mut server = Self {
            child,
            base: format!("http://{addr}"),
        };
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            if http_status(addr, ready_path) == Some(200) {
                return Ok(server);
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!(
                    "{} exited ({status}) before it served; see {}",
                    program.display(),
                    log.display()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        server.stop();
        Err(format!(
            "{} did not answer GET {ready_path} within 60 s; see {}",
            program.display(),
            log.display()
        ))
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM (a graceful stop), then SIGKILL after 10 s.
    pub fn stop(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A free loopback address to give a server.
pub fn free_addr() -> Result<String, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot bind loopback: {e}"))?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.to_string())
}

/// The status of `GET path` on `addr`, or `None` when nothing answers.
fn http_status(addr: &str, path: &str) -> Option<u16> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut head = [0u8; 12];
    s.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

/// One wrk load: a label, the URL, the Lua script (a file of `xtask/bench`) and its environment.
pub struct Load {
    pub label: String,
    pub url: String,
    pub script: &'static str,
    pub env: Vec<(String, String)>,
}

/// What wrk's `done()` prints (see `xtask/bench/common.lua`).
#[derive(Debug, Clone, Deserialize)]
struct WrkResult {
    #[serde(flatten)]
    latencies: Latencies,
    non2xx: u64,
    connect: u64,
    read: u64,
    write: u64,
    timeout: u64,
}

/// One measured run and what the machine did meanwhile.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Measured {
    #[serde(flatten)]
    pub latencies: Latencies,
    /// Non-2xx answers plus socket errors (connect, read, write, timeout).
    pub errors: u64,
    /// The server's CPU during the run, percent of one core.
    pub server_cpu_pct: f64,
    pub wrk_cpu_pct: f64,
    /// CPU used by neither the server nor wrk, percent of one core (should be near 0).
    pub foreign_cpu_pct: f64,
    /// The server's VmHWM after the run: its peak resident memory so far.
    pub peak_rss_mib: f64,
}

/// Warms up, then measures `load` against the server `pid`, repeating a run disturbed by
/// foreign load (up to three times, then keeping it with a warning).
pub fn measure(load: &Load, settings: &Settings, pid: u32) -> Result<Measured, String> {
    let mut tries = 0;
    loop {
        tries += 1;
        wait_quiet();
        let m = measure_once(load, settings, pid, &tries.to_string())?;
        if m.foreign_cpu_pct <= FOREIGN_PCT || tries >= MAX_TRIES {
            if m.foreign_cpu_pct > FOREIGN_PCT {
                println!(
                    "  WARNING: {} kept with foreign load; rerun on an idle machine",
                    load.label
                );
            }
            return Ok(m);
        }
        println!("  repeating {} (try {})", load.label, tries + 1);
    }
}

/// One warm-up and one measured run of `load` against the server `pid`, now, whatever else the
/// machine is doing (the foreign load is reported with it).
pub fn measure_once(
    load: &Load,
    settings: &Settings,
    pid: u32,
    run: &str,
) -> Result<Measured, String> {
    run_wrk(load, settings, settings.warm, &format!("w{run}"))?;
    let cpu0 = cpu_ticks(pid).unwrap_or(0);
    let busy0 = machine_busy_ticks();
    let started = Instant::now();
    let (result, wrk_ticks) = run_wrk(load, settings, settings.duration, &format!("m{run}"))?;
    let wall = started.elapsed().as_secs_f64();
    let hz = clock_ticks_per_second();
    let server = cpu_ticks(pid).unwrap_or(0).saturating_sub(cpu0) as f64 / hz;
    let machine = machine_busy_ticks().saturating_sub(busy0) as f64 / hz;
    let wrk = wrk_ticks as f64 / hz;
    let foreign = (100.0 * (machine - server - wrk) / wall).max(0.0);
    let m = Measured {
        latencies: result.latencies,
        errors: result.non2xx + result.connect + result.read + result.write + result.timeout,
        server_cpu_pct: 100.0 * server / wall,
        wrk_cpu_pct: 100.0 * wrk / wall,
        foreign_cpu_pct: foreign,
        peak_rss_mib: status_kib(pid, "VmHWM").unwrap_or(0) as f64 / 1024.0,
    };
    println!(
        "  {:<28} {:>9.0} req/s  p50 {:>7.2} ms  p99 {:>8.2} ms  errors {:<6} server CPU {:>3.0}%  peak RSS {:>5.1} MiB{}",
        load.label,
        m.latencies.rps,
        m.latencies.p50_ms,
        m.latencies.p99_ms,
        m.errors,
        m.server_cpu_pct,
        m.peak_rss_mib,
        if foreign > FOREIGN_PCT {
            format!("  (foreign load {foreign:.0}% of a core)")
        } else {
            String::new()
        }
    );
    Ok(m)
}

/// Runs wrk once; answers its result and the CPU ticks it used.
fn run_wrk(
    load: &Load,
    s: &Settings,
    duration: Duration,
    run: &str,
) -> Result<(WrkResult, u64), String> {
    let script = s.lua.join(load.script);
    let mut child = Command::new("wrk")
        .arg(format!("-t{}", s.threads))
        .arg(format!("-c{}", s.connections))
        .arg(format!("-d{}s", duration.as_secs()))
        .args(["--timeout", "10s", "--latency", "-s"])
        .arg(&script)
        .arg(&load.url)
        .env("BENCH_LUA", &s.lua)
        .env("LABEL", &load.label)
        .env("THREADS", s.threads.to_string())
        .env("RUN", format!("{run}{}", std::process::id()))
        .envs(load.env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run wrk: {e}"))?;
    let pid = child.id();
    let mut ticks = 0;
    while child.try_wait().map_err(|e| e.to_string())?.is_none() {
        ticks = cpu_ticks(pid).unwrap_or(ticks);
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .ok_or_else(|| {
            format!(
                "wrk gave no RESULT line for {} ({}):\n{stdout}\n{}",
                load.label,
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )
        })?;
    let result = serde_json::from_str(line).map_err(|e| format!("wrk RESULT {line}: {e}"))?;
    Ok((result, ticks))
}

/// Waits (up to two minutes) until the machine is idle, so that another job's compile does not
/// land in a measurement; prints what keeps it busy.
pub fn wait_quiet() -> bool {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u64);
    let hz = clock_ticks_per_second();
    for _ in 0..60 {
        let b0 = machine_busy_ticks();
        std::thread::sleep(Duration::from_secs(2));
        let pct =
            (machine_busy_ticks().saturating_sub(b0) as f64 * 100.0 / (2.0 * hz)) as u64 / cores;
        if pct < QUIET_PCT {
            return true;
        }
        println!(
            "  machine {pct}% busy ({}); waiting for it to be idle…",
            busiest()
        );
    }
    println!("  WARNING: the machine stayed busy for two minutes; measuring anyway");
    false
}

fn busiest() -> String {
    Command::new("ps")
        .args(["-eo", "pcpu,comm", "--sort=-pcpu"])
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .nth(1)
                .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        })
        .unwrap_or_default()
}

/// User plus system CPU ticks of process `pid`.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 1..];
    let f: Vec<&str> = after.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

/// Busy CPU ticks of the whole machine (all cores): user, nice, system, irq, softirq, steal.
fn machine_busy_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(cpu) = stat.lines().find(|l| l.starts_with("cpu ")) else {
        return 0;
    };
    let f: Vec<u64> = cpu
        .split_whitespace()
        .skip(1)
        .map(|v| v.parse().unwrap_or(0))
        .collect();
    [0, 1, 2, 5, 6, 7]
        .iter()
        .map(|&i| f.get(i).copied().unwrap_or(0))
        .sum()
}

/// A `Vm…` line of `/proc/<pid>/status`, in KiB.
pub fn status_kib(pid: u32, key: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}
