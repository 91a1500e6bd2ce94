//! One HTTP/2 connection's task: hyper's connection, the streams it starts, the write cork and
//! the idle time, all polled by one future ([`H2Conn`]).
//!
//! hyper hands every HTTP/2 request (its service future and the piping of its response body,
//! an `H2Stream`) to an executor. Given tokio's, each became a task of its own: allocated,
//! scheduled, woken through the run queue to send its response, and its future (about 2 KiB)
//! copied into the task and moved again at each change of stage, for a response that is ready
//! at once. Here [`StreamExec`] keeps them instead, and the connection's task polls them in a
//! `FuturesUnordered` right after hyper's connection has read the requests: the responses are
//! queued in h2 during the same poll, and the connection is polled again to write them, under
//! the cork (`cork.rs`), so the whole batch leaves as one TLS record and one `writev`.
//!
//! The idle time (a connection with no stream open this long gets GOAWAY) is counted here too,
//! from the moment the last stream ended, with one timer that is re-armed only when it fires
//! early: hyper has no idle timeout for HTTP/2 (its pings only find dead peers). A connection
//! with a stream open is not idle however long its client takes to read; one whose client reads
//! nothing at all is ended by the send timeout of the socket below (`send_timeout`).
//!
//! The streams of one connection share its task, so on a multi-threaded runtime they no longer
//! run on several threads at once; each is still asynchronous (a proxied request waits for its
//! upstream without holding the others up).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use futures_util::task::AtomicWaker;

use crate::cork::Cork;

type StreamFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// hyper's executor for the streams of one connection: it keeps them for [`H2Conn`] to poll.
#[derive(Clone, Default)]
pub(crate) struct StreamExec(Arc<Mutex<Vec<StreamFuture>>>);

impl<F> hyper::rt::Executor<F> for StreamExec
where
    F: Future<Output = ()> + Send + 'static,
{
    fn execute(&self, stream: F) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Box::pin(stream));
    }
}

impl StreamExec {
    fn take_into(&self, streams: &mut FuturesUnordered<StreamFuture>) -> bool {
        let mut queued = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let any = !queued.is_empty();
        for stream in queued.drain(..) {
            streams.push(stream);
        }
        any
    }

    fn is_empty(&self) -> bool {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).is_empty()
    }
}

/// How a connection's future ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Ended {
    /// hyper's connection finished (closed, failed, or shut down gracefully).
    Closed,
    /// No stream was open for the idle time; the connection is still there (told once).
    Idle,
}

/// Polls hyper's connection `C` (built with a [`StreamExec`] and over a `Corked` stream) and
/// the streams it starts.
pub(crate) struct H2Conn<C> {
    conn: Pin<Box<C>>,
    exec: StreamExec,
    streams: FuturesUnordered<StreamFuture>,
    cork: Arc<Cork>,
    idle: Duration,
    timer: Pin<Box<tokio::time::Sleep>>,
    /// When the last stream ended (or the connection began).
    quiet_since: Instant,
    idle_told: bool,
    wakeup: Arc<Wakeup>,
    waker: Waker,
}

/// Times the connection is polled again in one poll of its task because its streams produced
/// something to write; more and the task yields (and is woken to go on).
const MAX_TURNS: usize = 8;

impl<C: Future> H2Conn<C> {
    pub(crate) fn new(conn: C, exec: StreamExec, cork: Arc<Cork>, idle: Duration) -> Self {
        let wakeup = Arc::new(Wakeup::default());
        H2Conn {
            waker: Waker::from(wakeup.clone()),
            wakeup,
            conn: Box::pin(conn),
            exec,
            streams: FuturesUnordered::new(),
            cork,
            idle,
            timer: Box::pin(tokio::time::sleep(idle)),
            quiet_since: Instant::now(),
            idle_told: false,
        }
    }

    /// hyper's connection, for `graceful_shutdown`.
    pub(crate) fn conn(&mut self) -> Pin<&mut C> {
        self.conn.as_mut()
    }

    /// Runs the streams that are ready; true if any was started or finished.
    fn run_streams(&mut self, cx: &mut Context<'_>) -> bool {
        let started = self.exec.take_into(&mut self.streams);
        if self.streams.is_empty() {
            return started;
        }
        let mut finished = false;
        while let Poll::Ready(Some(())) = self.streams.poll_next_unpin(cx) {
            finished = true;
        }
        if self.streams.is_empty() {
            self.quiet_since = Instant::now();
        }
        started || finished
    }

    /// Whether the idle time has passed with no stream open.
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> bool {
        if self.idle_told {
            return false;
        }
        while self.timer.as_mut().poll(cx).is_ready() {
            let now = Instant::now();
            let due = if self.streams.is_empty() {
                self.quiet_since + self.idle
            } else {
                now + self.idle
            };
            if due <= now {
                self.idle_told = true;
                return true;
            }
            self.timer.as_mut().reset(due.into());
        }
        false
    }
}

impl<C: Future> Future for H2Conn<C> {
    type Output = Ended;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Ended> {
        let this = self.get_mut();
        this.wakeup.task.register(cx.waker());
        let waker = this.waker.clone();
        let mut inner = Context::from_waker(&waker);
        let mut turns = 0;
        this.wakeup.polling.store(true, Ordering::SeqCst);
        let ended = loop {
            this.cork.set(true);
            let mut closed = false;
            loop {
                this.wakeup.woken.store(false, Ordering::SeqCst);
                if this.conn.as_mut().poll(&mut inner).is_ready() {
                    closed = true;
                    break;
                }
                turns += 1;
                // Streams that ran have queued their responses (and woken the connection):
                // one more turn writes them.
                let ran = this.run_streams(&mut inner);
                if !(ran || this.wakeup.woken.load(Ordering::SeqCst)) || turns >= MAX_TURNS {
                    break;
                }
            }
            this.cork.set(false);
            if closed {
                break Some(Ended::Closed);
            }
            // h2 ends each poll of its connection with a flush: uncorked, it reaches the socket.
            if this.cork.take_deferred() && this.conn.as_mut().poll(&mut inner).is_ready() {
                break Some(Ended::Closed);
            }
            this.wakeup.polling.store(false, Ordering::SeqCst);
            // Woken meanwhile (by the socket, a stream, or one started while flushing): go on,
            // or, past the turns allowed, have the task run again.
            if !this.wakeup.woken.swap(false, Ordering::SeqCst) && this.exec.is_empty() {
                break None;
            }
            if turns >= MAX_TURNS {
                cx.waker().wake_by_ref();
                break None;
            }
            this.wakeup.polling.store(true, Ordering::SeqCst);
        };
        this.wakeup.polling.store(false, Ordering::SeqCst);
        if let Some(ended) = ended {
            return Poll::Ready(ended);
        }
        if this.poll_idle(&mut inner) {
            return Poll::Ready(Ended::Idle);
        }
        Poll::Pending
    }
}

/// The waker hyper's connection and the streams are polled with. A wake while
/// [`H2Conn::poll`] runs (a stream queued its response, which wakes the connection) is only
/// noted, and the poll goes on with another turn; tokio's would schedule the task to run again
/// after this poll, for a turn that finds nothing left to do, once for every batch of requests.
#[derive(Default)]
struct Wakeup {
    task: AtomicWaker,
    polling: AtomicBool,
    woken: AtomicBool,
}

impl Wake for Wakeup {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        if !self.polling.load(Ordering::SeqCst) {
            self.task.wake();
        }
    }
}
