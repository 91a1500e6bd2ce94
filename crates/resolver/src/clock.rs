//! Time for TTLs: whole seconds from a start, real or driven by a test.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// The resolver's clock for TTLs. The system clock in service; a manual one in tests, so that
/// "the TTL has expired" is a statement, not a sleep (STYLE.md: pass `now` in).
#[derive(Clone, Debug)]
pub struct Clock(Arc<Source>);

#[derive(Debug)]
enum Source {
    System(Instant),
    Manual(AtomicU64),
}

impl Clock {
    /// Seconds since the resolver started, by the monotonic system clock.
    pub fn system() -> Self {
        Clock(Arc::new(Source::System(Instant::now())))
    }

    /// A clock that moves only when [`Clock::advance`] is called.
    pub fn manual() -> Self {
        Clock(Arc::new(Source::Manual(AtomicU64::new(0))))
    }

    /// Seconds since the start.
    pub fn now(&self) -> u64 {
        match &*self.0 {
            Source::System(start) => start.elapsed().as_secs(),
            Source::Manual(secs) => secs.load(Ordering::Relaxed),
        }
    }

    /// Moves a manual clock forward; does nothing to the system clock.
    pub fn advance(&self, secs: u64) {
        if let Source::Manual(now) = &*self.0 {
            now.fetch_add(secs, Ordering::Relaxed);
        }
    }
}
