//! A server's threads, and how one that stops on an error is told to whoever waits on the
//! server: a DNS server whose UDP worker or TCP listener has ended would otherwise go on
//! half-deaf, answering nothing on that transport, with nobody told.

use std::fmt;
use std::io;
use std::sync::mpsc;
use std::thread::JoinHandle;

/// Which of a server's threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Worker {
    /// The UDP worker with this number (from 0).
    Udp(usize),
    /// The thread that accepts and serves TCP connections.
    Tcp,
}

impl fmt::Display for Worker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Worker::Udp(n) => write!(f, "UDP worker {n}"),
            Worker::Tcp => f.write_str("TCP listener"),
        }
    }
}

/// A thread of the server ended on an error (or panicked): the server cannot serve as it was
/// started to.
#[derive(Debug)]
pub struct WorkerStopped {
    /// Which thread.
    pub worker: Worker,
    /// The system's error (a panic is `ErrorKind::Other`).
    pub error: io::Error,
}

impl fmt::Display for WorkerStopped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the {} stopped: {}", self.worker, self.error)
    }
}

// No `source`: the system's error is in the message already, and a chain printed whole would
// say it twice.
impl std::error::Error for WorkerStopped {}

type Ending = Result<(), WorkerStopped>;

/// A server's threads, each of which reports how it ended.
pub struct Workers {
    threads: Vec<JoinHandle<()>>,
    report: mpsc::Sender<Ending>,
    ended: mpsc::Receiver<Ending>,
}

impl Default for Workers {
    fn default() -> Self {
        let (report, ended) = mpsc::channel();
        Workers {
            threads: Vec::new(),
            report,
            ended,
        }
    }
}

/// Sends how its thread ended when dropped: a thread that panics reports too.
struct Reporter {
    worker: Worker,
    ending: Option<Ending>,
    report: mpsc::Sender<Ending>,
}

impl Drop for Reporter {
    fn drop(&mut self) {
        let ending = self.ending.take().unwrap_or_else(|| {
            Err(WorkerStopped {
                worker: self.worker,
                error: io::Error::other("the thread panicked"),
            })
        });
        let _ = self.report.send(ending);
    }
}

impl Workers {
    /// Starts thread `name` running `work`; how it ends goes to [`Workers::wait`].
    pub fn spawn(
        &mut self,
        name: String,
        worker: Worker,
        work: impl FnOnce() -> io::Result<()> + Send + 'static,
    ) -> io::Result<()> {
        let report = self.report.clone();
        let thread = std::thread::Builder::new().name(name).spawn(move || {
            let mut reporter = Reporter {
                worker,
                ending: None,
                report,
            };
            let ending = work().map_err(|error| WorkerStopped { worker, error });
            reporter.ending = Some(ending);
        })?;
        self.threads.push(thread);
        Ok(())
    }

    /// Blocks until every thread has ended well, or until the first one that stopped on an
    /// error, which is returned (the others still run: the caller stops them).
    pub fn wait(&mut self) -> Result<(), WorkerStopped> {
        for _ in 0..self.threads.len() {
            match self.ended.recv() {
                Ok(Err(stopped)) => return Err(stopped),
                Ok(Ok(())) => {}
                // Not while `self.report` lives; nothing more will come either way.
                Err(mpsc::RecvError) => break,
            }
        }
        Ok(())
    }

    /// Waits for every thread to end (after the caller asked them to stop).
    pub fn join(&mut self) {
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_returns_the_first_thread_that_stopped_on_an_error() {
        let (release, released) = mpsc::channel::<()>();
        let mut workers = Workers::default();
        // One keeps serving until released; the other fails at once.
        workers
            .spawn("serving".into(), Worker::Udp(0), move || {
                let _ = released.recv();
                Ok(())
            })
            .unwrap();
        workers
            .spawn("failing".into(), Worker::Tcp, || {
                Err(io::Error::from_raw_os_error(libc::EPERM))
            })
            .unwrap();
        let stopped = workers.wait().unwrap_err();
        assert_eq!(stopped.worker, Worker::Tcp);
        assert_eq!(stopped.error.raw_os_error(), Some(libc::EPERM));
        assert!(
            stopped
                .to_string()
                .starts_with("the TCP listener stopped: ")
        );
        drop(release);
        workers.join();
    }

    #[test]
    fn a_panicking_thread_is_reported_and_threads_that_end_well_are_not() {
        let mut workers = Workers::default();
        workers
            .spawn("fine".into(), Worker::Udp(0), || Ok(()))
            .unwrap();
        workers
            .spawn("panics".into(), Worker::Udp(1), || panic!("on purpose"))
            .unwrap();
        let stopped = workers.wait().unwrap_err();
        assert_eq!(stopped.worker, Worker::Udp(1));
        workers.join();

        let mut fine = Workers::default();
        fine.spawn("a".into(), Worker::Udp(0), || Ok(())).unwrap();
        fine.spawn("b".into(), Worker::Tcp, || Ok(())).unwrap();
        assert!(fine.wait().is_ok());
        fine.join();
    }
}
