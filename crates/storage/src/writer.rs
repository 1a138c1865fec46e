//! The SQLite write path's own thread. A write transaction holds the one write connection for
//! every statement it runs, and each statement is a round trip to that connection's thread. Run
//! on an HTTP worker, each round trip's continuation waits behind whatever else that worker has
//! queued (parsing, JSON, other requests), and the connection idles meanwhile. Run here, on a
//! thread that does nothing else, a transaction's statements follow each other at once, so the
//! connection serves more transactions per second and each waits less for it. The request
//! awaits the result: an answer still comes only after its transaction committed.

use std::{future::Future, pin::Pin};

use domain::{Error, Result};
use tokio::sync::{mpsc, oneshot};

type Job = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Where write transactions run: on the writer thread (SQLite) or in place (PostgreSQL, whose
/// pool serves many transactions at once).
#[derive(Clone)]
pub(crate) struct Writer(Option<mpsc::UnboundedSender<Job>>);

impl Writer {
    pub(crate) fn in_place() -> Self {
        Self(None)
    }

    /// Starts the writer thread; it ends when the last `Writer` clone is dropped.
    pub(crate) fn thread() -> Result<Self> {
        let (jobs, mut queue) = mpsc::unbounded_channel::<Job>();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Internal(format!("cannot start the writer runtime: {e}")))?;
        std::thread::Builder::new()
            .name("rollcall-writer".into())
            .spawn(move || {
                pin_to_last_core();
                runtime.block_on(async move {
                    while let Some(job) = queue.recv().await {
                        tokio::spawn(job);
                    }
                });
            })
            .map_err(|e| Error::Internal(format!("cannot start the writer thread: {e}")))?;
        Ok(Self(Some(jobs)))
    }

    /// Runs `work` (one write transaction, or opening the write connection) where writes run,
    /// and answers its result.
    pub(crate) async fn run<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: Future<Output = Result<T>> + Send + 'static,
    {
        let Some(jobs) = &self.0 else {
            return work.await;
        };
        let (done, result) = oneshot::channel();
        jobs.send(Box::pin(async move {
            let _ = done.send(work.await);
        }))
        .map_err(|_| Error::Unavailable("the database writer has stopped".into()))?;
        result
            .await
            .map_err(|_| Error::Unavailable("the database writer has stopped".into()))?
    }
}

/// Keeps the writer thread, and the SQLite connection thread it opens (a new thread inherits
/// its creator's CPUs), on one core of several: each statement is a round trip between the two,
/// and waking a thread on another core costs more than the statement itself (measured on a
/// 2-core VM: 1,900 against 2,750 invitations/s).
fn pin_to_last_core() {
    if let Some(last) = core_affinity::get_core_ids()
        .filter(|cores| cores.len() > 1)
        .and_then(|cores| cores.last().copied())
    {
        core_affinity::set_for_current(last);
    }
}
