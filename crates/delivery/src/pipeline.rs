//! The loop both workers run: up to `concurrency` jobs in flight, and one write per turn that
//! records the jobs that finished and claims as many new ones as there are free slots.
//!
//! Recording and claiming share a transaction because on SQLite every write waits its turn on
//! the one write connection: a write per outcome and another per claim made the writer, not the
//! mail server or the receivers, the bound. Turns batch themselves: while one is written, the
//! jobs finishing meanwhile gather for the next. An outcome is recorded only after its job ran.
//! A turn that fails gives its outcomes back, and the next turn records them alone, claiming
//! nothing (whatever made the claim fail does not hold them back); only a stop that cannot
//! record them after a few tries leaves them, and then their jobs run again once their leases
//! end (delivery is at least once, with the same message id).

use std::{future::Future, time::Duration};

use tokio::{sync::watch, task::JoinSet};

/// How many jobs run at once, and how often to look for work when there was none.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pace {
    pub concurrency: usize,
    pub poll: Duration,
}

/// How many failed turns in a row a stop tries before it leaves outcomes unrecorded.
const STOP_ATTEMPTS: u32 = 3;

/// Runs until `stop` turns true, then lets the jobs in flight finish and records them.
///
/// `turn(finished, free)` records `finished` and claims up to `free` jobs (none when `free` is
/// 0), in one write, or fails and gives `finished` back; `run(job)` does one job and answers its
/// outcome.
pub(crate) async fn run<J, O, T, TF, R, RF>(
    pace: Pace,
    mut stop: watch::Receiver<bool>,
    mut turn: T,
    run: R,
) where
    J: Send + 'static,
    O: Send + 'static,
    T: FnMut(Vec<O>, usize) -> TF,
    TF: Future<Output = Result<Vec<J>, Vec<O>>>,
    R: Fn(J) -> RF,
    RF: Future<Output = O> + Send + 'static,
{
    let mut in_flight = JoinSet::new();
    let mut finished = Vec::new();
    // A stop signal whose sender is gone can never say stop; it is taken as one.
    let mut orphaned = false;
    let mut failed_turns = 0;
    loop {
        let stopping = orphaned || *stop.borrow();
        let record_alone = failed_turns > 0 && !finished.is_empty();
        let free = if stopping || record_alone {
            0
        } else {
            pace.concurrency.saturating_sub(in_flight.len())
        };
        let mut claimed = 0;
        if !finished.is_empty() || free > 0 {
            match turn(std::mem::take(&mut finished), free).await {
                Ok(jobs) => {
                    failed_turns = 0;
                    for job in jobs {
                        claimed += 1;
                        in_flight.spawn(run(job));
                    }
                }
                Err(kept) => {
                    failed_turns += 1;
                    finished = kept;
                }
            }
        }
        if stopping && in_flight.is_empty() {
            if finished.is_empty() {
                return;
            }
            if failed_turns >= STOP_ATTEMPTS {
                tracing::warn!(
                    outcomes = finished.len(),
                    "stopping without recording some outcomes: their jobs run again when their leases end"
                );
                return;
            }
            tokio::time::sleep(pace.poll).await;
            continue;
        }
        // Every slot busy: wait for a job to finish. Slots free and work found: claim again at
        // once. Slots free and no work found: wait for a job to finish, or look again after
        // `poll`. Stopping: wait only for the jobs in flight.
        let full = in_flight.len() >= pace.concurrency;
        if claimed == 0 || full || stopping {
            tokio::select! {
                Some(done) = in_flight.join_next(), if !in_flight.is_empty() => {
                    finished.extend(done.ok());
                }
                _ = tokio::time::sleep(pace.poll), if !stopping && !full => {}
                changed = stop.changed(), if !stopping => orphaned = changed.is_err(),
            }
        }
        while let Some(done) = in_flight.try_join_next() {
            finished.extend(done.ok());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    };

    use super::*;

    /// A queue of numbered jobs, and what the loop did with it: every turn's finished outcomes
    /// and claims, and the most jobs ever running at once.
    #[derive(Default)]
    struct Ledger {
        queue: Mutex<Vec<u32>>,
        turns: Mutex<Vec<(Vec<u32>, usize)>>,
        running: AtomicUsize,
        most_running: AtomicUsize,
        /// How many of the next turns that carry outcomes fail (giving them back).
        failures: AtomicUsize,
    }

    impl Ledger {
        fn with_jobs(n: u32) -> Arc<Self> {
            let ledger = Self::default();
            *ledger.queue.lock().unwrap() = (0..n).rev().collect();
            Arc::new(ledger)
        }

        fn recorded(&self) -> Vec<u32> {
            let mut all: Vec<u32> = self
                .turns
                .lock()
                .unwrap()
                .iter()
                .flat_map(|(finished, _)| finished.clone())
                .collect();
            all.sort_unstable();
            all
        }
    }

    /// Runs the loop over `ledger` with `concurrency` slots, each job taking `work`.
    async fn drive(
        ledger: &Arc<Ledger>,
        concurrency: usize,
        work: Duration,
        stop: watch::Receiver<bool>,
    ) {
        let pace = Pace {
            concurrency,
            poll: Duration::from_millis(5),
        };
        let turns = Arc::clone(ledger);
        let jobs = Arc::clone(ledger);
        run(
            pace,
            stop,
            move |finished: Vec<u32>, free| {
                let ledger = Arc::clone(&turns);
                async move {
                    let failing = !finished.is_empty()
                        && ledger
                            .failures
                            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                            .is_ok();
                    if failing {
                        return Err(finished);
                    }
                    let mut queue = ledger.queue.lock().unwrap();
                    let claimed: Vec<u32> = (0..free).map_while(|_| queue.pop()).collect();
                    ledger.turns.lock().unwrap().push((finished, claimed.len()));
                    Ok(claimed)
                }
            },
            move |job| {
                let ledger = Arc::clone(&jobs);
                async move {
                    let now = ledger.running.fetch_add(1, Ordering::SeqCst) + 1;
                    ledger.most_running.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(work).await;
                    ledger.running.fetch_sub(1, Ordering::SeqCst);
                    job
                }
            },
        )
        .await;
    }

    /// Starts the loop over `ledger` in a task (see `drive`): answers its stop signal and the task.
    fn start(
        ledger: &Arc<Ledger>,
        concurrency: usize,
        work: Duration,
    ) -> (watch::Sender<bool>, tokio::task::JoinHandle<()>) {
        let (stop, stopped) = watch::channel(false);
        let ledger = Arc::clone(ledger);
        let driving = tokio::spawn(async move { drive(&ledger, concurrency, work, stopped).await });
        (stop, driving)
    }

    /// Waits, `step` at a time, until `done` holds.
    async fn until(step: Duration, done: impl Fn() -> bool) {
        while !done() {
            tokio::time::sleep(step).await;
        }
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn every_job_runs_once_and_is_recorded_within_the_concurrency() {
        let ledger = Ledger::with_jobs(200);
        let (stop, driving) = start(&ledger, 8, Duration::from_millis(10));
        until(Duration::from_millis(10), || ledger.recorded().len() >= 200).await;
        stop.send(true).unwrap();
        driving.await.unwrap();
        assert_eq!(ledger.recorded(), (0..200).collect::<Vec<_>>());
        assert_eq!(ledger.most_running.load(Ordering::SeqCst), 8);
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn outcomes_are_recorded_in_the_turn_that_claims_the_next_jobs() {
        let ledger = Ledger::with_jobs(64);
        let (_stop, driving) = start(&ledger, 16, Duration::from_millis(10));
        until(Duration::from_millis(10), || ledger.recorded().len() >= 64).await;
        driving.abort();
        let turns = ledger.turns.lock().unwrap();
        // 64 jobs in waves of 16 that finish together: each wave's outcomes are one turn's,
        // and that turn claims the next wave. Far fewer turns (writes) than jobs.
        let recording: Vec<_> = turns.iter().filter(|(f, _)| !f.is_empty()).collect();
        assert!(
            recording.iter().all(|(finished, _)| finished.len() == 16),
            "each turn records a whole wave: {recording:?}"
        );
        assert_eq!(recording.len(), 4);
        assert_eq!(
            recording[0].1, 16,
            "the turn recording the first wave claims the second"
        );
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn a_stop_lets_jobs_in_flight_finish_and_records_them_and_claims_no_more() {
        let ledger = Ledger::with_jobs(100);
        let (stop, driving) = start(&ledger, 4, Duration::from_millis(50));
        until(Duration::from_millis(1), || {
            ledger.running.load(Ordering::SeqCst) >= 4
        })
        .await;
        stop.send(true).unwrap();
        driving.await.unwrap();
        assert_eq!(ledger.recorded(), vec![0, 1, 2, 3], "the four in flight");
        assert_eq!(
            ledger.queue.lock().unwrap().len(),
            96,
            "nothing else was claimed"
        );
        let last = ledger.turns.lock().unwrap().last().cloned().unwrap();
        assert_eq!(
            last,
            (vec![0, 1, 2, 3], 0),
            "the last turn records and claims nothing"
        );
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn a_failed_turn_keeps_its_outcomes_and_the_next_records_them_alone() {
        let ledger = Ledger::with_jobs(32);
        ledger.failures.store(2, Ordering::SeqCst);
        let (stop, driving) = start(&ledger, 8, Duration::from_millis(10));
        until(Duration::from_millis(10), || ledger.recorded().len() >= 32).await;
        stop.send(true).unwrap();
        driving.await.unwrap();
        assert_eq!(ledger.recorded(), (0..32).collect::<Vec<_>>(), "each once");
        let turns = ledger.turns.lock().unwrap();
        let first_recording = turns.iter().find(|(f, _)| !f.is_empty()).unwrap();
        assert_eq!(
            first_recording,
            &((0..8).collect::<Vec<_>>(), 0),
            "after two failed turns the first wave is recorded alone, nothing claimed with it"
        );
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn a_dropped_stop_signal_ends_the_loop_instead_of_spinning() {
        let ledger = Ledger::with_jobs(0);
        let (stop, stopped) = watch::channel(false);
        drop(stop);
        tokio::time::timeout(
            Duration::from_secs(5),
            drive(&ledger, 4, Duration::from_millis(1), stopped),
        )
        .await
        .expect("the loop ends once its stop signal's sender is gone");
    }
}
