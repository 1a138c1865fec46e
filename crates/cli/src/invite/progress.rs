//! How far `rollcallctl invite` is, on stderr: an indicatif bar on a terminal; otherwise (a log,
//! a pipe, CI) a plain line of counts at most once a second, and a line for every wait on the
//! server.

use std::{
    io::IsTerminal,
    sync::{
        Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use indicatif::{ProgressBar, ProgressStyle};

/// Rows settled so far, out of `total`.
pub struct Progress {
    bar: Option<ProgressBar>,
    total: usize,
    settled: AtomicUsize,
    last_line: Mutex<Instant>,
}

/// How often, at most, a plain line of counts is printed.
const EVERY: Duration = Duration::from_secs(1);

impl Progress {
    /// Progress over `total` rows, shown as a bar when stderr is a terminal.
    pub fn new(total: usize) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total as u64);
            if let Ok(style) = ProgressStyle::with_template(
                "{bar:40} {pos}/{len} rows  {per_sec}  {elapsed_precise}  {msg}",
            ) {
                bar.set_style(style);
            }
            bar
        });
        Self {
            bar,
            total,
            settled: AtomicUsize::new(0),
            last_line: Mutex::new(Instant::now()),
        }
    }

    /// `n` more rows are settled.
    pub fn advance(&self, n: usize) {
        let settled = self.settled.fetch_add(n, Ordering::Relaxed) + n;
        match &self.bar {
            Some(bar) => bar.inc(n as u64),
            None => {
                let mut last = self.last_line.lock().unwrap_or_else(|p| p.into_inner());
                if last.elapsed() >= EVERY {
                    *last = Instant::now();
                    eprintln!("invite: {settled}/{} rows sent", self.total);
                }
            }
        }
    }

    /// `rows` rows wait `wait` before they are sent again.
    pub fn waiting(&self, wait: Duration, rows: usize) {
        let line = format!(
            "waiting {:.1} s, as the server asked (Retry-After), to send {rows} row(s) again",
            wait.as_secs_f64()
        );
        match &self.bar {
            Some(bar) => bar.set_message(line),
            None => eprintln!("invite: {line}"),
        }
    }

    /// Every row is settled.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
