//! The recursive resolver: the ISP's DNS server of THE-FLOW.md step 2.
//!
//! The browser's question to it is *recursive* (RD=1: "find the answer for me"); its questions
//! to the root, TLD and authoritative servers are *iterative* (RD=0: "tell me what you know").
//! A client's query enters at the server front ([`spawn`]): the UDP workers answer from the
//! cache at once ([`Resolver::from_cache`]); a miss goes to [`Resolver::resolve`], which walks
//! from the deepest cached delegation (or the root hints) down through referrals, caching what
//! it learns ([`cache`]), asking servers chosen by smoothed RTT ([`upstream`]), and recording
//! each hop ([`trace`]) for the journey and `dig +trace`.

pub mod cache;
pub mod clock;
pub mod config;
pub mod iterate;
pub mod response_cache;
mod server;
pub mod trace;
pub mod upstream;

pub use cache::{Cache, CacheLimits, Known, Rank};
pub use clock::Clock;
pub use config::{Limits, ResolverConfig, RootHints};
pub use iterate::{Resolution, Resolver, RrsetOut};
pub use server::{Allow, AllowProblem, FrontConfig, RunningResolver, spawn};
pub use trace::{Hop, HopOutcome, LameReason};
