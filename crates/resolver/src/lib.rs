//! The recursive resolver: the ISP's DNS server of THE-FLOW.md step 2.
pub mod cache;
pub mod clock;

pub use cache::{Cache, CacheLimits, Known, Rank};
pub use clock::Clock;
