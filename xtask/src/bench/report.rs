//! What `cargo xtask bench` leaves behind: the table on stdout, the figures as JSON
//! (`target/bench/<stamp>/results.json` and `target/bench/latest.json`) and a chart
//! (`chart.svg`: throughput and p99 latency of every row, both on log scales, each row's figure
//! of the previous run marked beside it).

use std::path::Path;

use plotters::{coord::ranged1d::SegmentValue, prelude::*};
use serde::{Deserialize, Serialize};

/// How fast a run's requests were served, their latency percentiles, and how many there were:
/// what wrk's `done()` and the peer's script print alike, and what a row of the table shows.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Latencies {
    pub rps: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub requests: u64,
}

/// One line of the table.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Row {
    /// `rollcall`, `baseline`, `better-auth peer` or `peer ceiling`.
    pub system: String,
    /// `sqlite`, `postgres`, or `-` where there is no database.
    pub database: String,
    pub operation: String,
    #[serde(flatten)]
    pub latencies: Latencies,
    pub errors: u64,
    /// The server's peak resident memory (VmHWM) after this operation.
    pub peak_rss_mib: Option<f64>,
    /// Server CPU during the measured run, percent of one core.
    pub server_cpu_pct: Option<f64>,
    /// CPU used by neither the server nor wrk, percent of one core.
    pub foreign_cpu_pct: Option<f64>,
    /// req/s over the baseline's req/s, in the same run.
    pub vs_baseline: Option<f64>,
    /// req/s over the peer's for the same kind of operation.
    pub vs_peer: Option<f64>,
}

/// The whole run, as written to JSON.
#[derive(Debug, Deserialize, Serialize)]
pub struct Report {
    pub date: String,
    pub machine: String,
    pub settings: String,
    pub rows: Vec<Row>,
    pub scale: Vec<ScaleRow>,
    pub targets: Vec<Target>,
}

/// One operation measured at 1,000 and at 1,000,000 invitations.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ScaleRow {
    pub operation: String,
    pub invitations: u64,
    pub rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub errors: u64,
}

/// A DESIGN.md target and whether this run met it.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Target {
    pub target: String,
    pub measured: String,
    pub met: bool,
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v:.digits$}"))
}

/// Prints the table, the scale comparison and the targets.
pub fn print(report: &Report) {
    println!(
        "\n{}  ({})\n{}\n",
        report.date, report.machine, report.settings
    );
    println!(
        "{:<26} {:<26} {:>10} {:>9} {:>9} {:>7} {:>9} {:>9} {:>8}",
        "system",
        "operation",
        "req/s",
        "p50 ms",
        "p99 ms",
        "errors",
        "peak RSS",
        "vs base",
        "vs peer"
    );
    for r in &report.rows {
        let system = if r.database == "-" {
            r.system.clone()
        } else {
            format!("{} ({})", r.system, r.database)
        };
        println!(
            "{:<26} {:<26} {:>10.0} {:>9.2} {:>9.2} {:>7} {:>8}M {:>8}% {:>7}x",
            system,
            r.operation,
            r.latencies.rps,
            r.latencies.p50_ms,
            r.latencies.p99_ms,
            r.errors,
            opt(r.peak_rss_mib, 1),
            opt(r.vs_baseline.map(|v| v * 100.0), 1),
            opt(r.vs_peer, 1),
        );
    }
    if !report.scale.is_empty() {
        println!("\nscale (one organization, SQLite):");
        println!(
            "{:<26} {:>12} {:>10} {:>9} {:>9} {:>7}",
            "operation", "invitations", "req/s", "p50 ms", "p99 ms", "errors"
        );
        for s in &report.scale {
            println!(
                "{:<26} {:>12} {:>10.0} {:>9.2} {:>9.2} {:>7}",
                s.operation, s.invitations, s.rps, s.p50_ms, s.p99_ms, s.errors
            );
        }
    }
    println!("\ntargets (DESIGN.md):");
    for t in &report.targets {
        println!(
            "  [{}] {}: {}",
            if t.met { "met" } else { "NOT met" },
            t.target,
            t.measured
        );
    }
}

/// Writes `results.json` in `dir` and a copy as `latest`.
pub fn write_json(report: &Report, dir: &Path, latest: &Path) -> Result<(), String> {
    let text = serde_json::to_string_pretty(report).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("results.json"), &text).map_err(|e| e.to_string())?;
    std::fs::write(latest, &text).map_err(|e| e.to_string())
}

/// A run as `write_json` wrote it.
pub fn read_json(path: &Path) -> Result<Report, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn color(system: &str, database: &str) -> RGBColor {
    match (system, database) {
        ("rollcall", "postgres") => RGBColor(0x4c, 0x9b, 0xe8),
        ("rollcall", _) => RGBColor(0x1f, 0x5f, 0xa8),
        ("baseline", _) => RGBColor(0x55, 0x55, 0x55),
        ("peer ceiling", _) => RGBColor(0xaa, 0xaa, 0xaa),
        _ => RGBColor(0xd9, 0x6c, 0x2c),
    }
}

/// Draws `chart.svg`: one horizontal bar per row, req/s on the left, p99 on the right; where
/// `previous` (an earlier run) has the same row, a black dot marks its figure, labelled "was …".
pub fn chart(report: &Report, previous: Option<&Report>, path: &Path) -> Result<(), String> {
    let rows = &report.rows;
    let n = rows.len() as i32;
    let height = 140 + 26 * rows.len() as u32;
    let root = SVGBackend::new(path, (1400, height)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let title = match previous {
        Some(p) => format!(
            "cargo xtask bench, {} ({}); dots: the run of {}",
            report.date, report.machine, p.date
        ),
        None => format!("cargo xtask bench, {} ({})", report.date, report.machine),
    };
    let root = root
        .titled(&title, ("sans-serif", 20))
        .map_err(|e| e.to_string())?;
    // Each row's figures in the previous run, where it has the same row.
    let before: Vec<Option<&Latencies>> = rows
        .iter()
        .map(|r| {
            previous?
                .rows
                .iter()
                .find(|p| {
                    (&p.system, &p.database, &p.operation) == (&r.system, &r.database, &r.operation)
                })
                .map(|p| &p.latencies)
        })
        .collect();
    let (left, right) = root.split_horizontally(820);
    let names: Vec<String> = rows
        .iter()
        .map(|r| {
            if r.database == "-" {
                format!("{}: {}", r.system, r.operation)
            } else {
                format!("{} {}: {}", r.system, r.database, r.operation)
            }
        })
        .collect();
    let panels: [(&DrawingArea<SVGBackend, _>, &str, f64, f64, u32); 2] = [
        (&left, "requests per second (log)", 10.0, 1e6, 330),
        (&right, "p99 latency, ms (log)", 0.1, 1e4, 10),
    ];
    for (i, (area, caption, lo, hi, label_area)) in panels.into_iter().enumerate() {
        let mut chart = ChartBuilder::on(area)
            .caption(caption, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(label_area)
            .build_cartesian_2d((lo..hi).log_scale(), (0..n).into_segmented())
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .y_labels(rows.len())
            .y_label_formatter(&|v| match v {
                // The segmented axis has one more segment than rows: it stays unlabelled.
                SegmentValue::CenterOf(k) if i == 0 => usize::try_from(n - 1 - *k)
                    .ok()
                    .and_then(|row| names.get(row))
                    .cloned()
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .x_label_formatter(&|v| format!("{v}"))
            .disable_y_mesh()
            .draw()
            .map_err(|e| e.to_string())?;
        let bars = rows.iter().enumerate().map(|(k, r)| {
            let y = n - 1 - k as i32;
            let value = if i == 0 {
                r.latencies.rps
            } else {
                r.latencies.p99_ms
            };
            Rectangle::new(
                [
                    (lo, SegmentValue::Exact(y)),
                    (value.clamp(lo, hi), SegmentValue::Exact(y + 1)),
                ],
                color(&r.system, &r.database).filled(),
            )
        });
        chart.draw_series(bars).map_err(|e| e.to_string())?;
        let values = rows.iter().enumerate().map(|(k, r)| {
            let y = n - 1 - k as i32;
            let (value, text) = if i == 0 {
                (r.latencies.rps, format!("{:.0}", r.latencies.rps))
            } else {
                (r.latencies.p99_ms, format!("{:.1}", r.latencies.p99_ms))
            };
            Text::new(
                text,
                (value.clamp(lo, hi), SegmentValue::CenterOf(y)),
                ("sans-serif", 12),
            )
        });
        chart.draw_series(values).map_err(|e| e.to_string())?;
        let was = before.iter().enumerate().filter_map(|(k, b)| {
            let b = (*b)?;
            let y = n - 1 - k as i32;
            let (value, text) = if i == 0 {
                (b.rps, format!("was {:.0}", b.rps))
            } else {
                (b.p99_ms, format!("was {:.1}", b.p99_ms))
            };
            Some(
                EmptyElement::at((value.clamp(lo, hi), SegmentValue::CenterOf(y)))
                    + Circle::new((0, 0), 4, BLACK.filled())
                    + Text::new(text, (6, -14), ("sans-serif", 11)),
            )
        });
        chart.draw_series(was).map_err(|e| e.to_string())?;
    }
    root.present().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(system: &str, operation: &str, rps: f64) -> Row {
        Row {
            system: system.into(),
            database: "-".into(),
            operation: operation.into(),
            latencies: Latencies {
                rps,
                p50_ms: 1.0,
                p90_ms: 2.0,
                p99_ms: 3.0,
                max_ms: 4.0,
                requests: 10,
            },
            errors: 0,
            peak_rss_mib: None,
            server_cpu_pct: None,
            foreign_cpu_pct: None,
            vs_baseline: None,
            vs_peer: None,
        }
    }

    #[test]
    fn the_chart_labels_each_row_once() {
        let report = Report {
            date: "today".into(),
            machine: "here".into(),
            settings: String::new(),
            rows: vec![row("first", "one", 100.0), row("second", "two", 1000.0)],
            scale: vec![],
            targets: vec![],
        };
        let path = std::env::temp_dir().join(format!("chart-{}.svg", std::process::id()));
        chart(&report, None, &path).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).ok();
        assert_eq!(svg.matches("first: one").count(), 1, "{svg}");
        assert_eq!(svg.matches("second: two").count(), 1, "{svg}");
    }

    #[test]
    fn the_chart_marks_the_previous_runs_figure_of_each_row_it_shares() {
        let report = |date: &str, rows| Report {
            date: date.into(),
            machine: "here".into(),
            settings: String::new(),
            rows,
            scale: vec![],
            targets: vec![],
        };
        let now = report(
            "today",
            vec![row("first", "one", 2500.0), row("second", "new", 40.0)],
        );
        let before = report(
            "yesterday",
            vec![row("first", "one", 1250.0), row("gone", "old", 7.0)],
        );
        let path = std::env::temp_dir().join(format!("chart-was-{}.svg", std::process::id()));
        chart(&now, Some(&before), &path).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).ok();
        assert!(svg.contains("the run of yesterday"), "{svg}");
        assert_eq!(svg.matches("was 1250").count(), 1, "{svg}");
        assert_eq!(
            svg.matches("was ").count(),
            2,
            "rps and p99 of the one shared row: {svg}"
        );
        assert!(!svg.contains("gone: old"), "{svg}");
    }
}
