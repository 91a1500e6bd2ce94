//! The browser: the client end of the journey.
//!
//! So far it is THE-FLOW.md's step 1 and the stub resolution after it: a request's host name
//! enters at [`names::Names::resolve`], which answers from `/etc/hosts` as the operating system
//! would ([`hosts_file`]), then from the browser's own host cache with each entry's TTL
//! ([`host_cache`], persisted between runs like a browser profile), and only then asks DNS —
//! the configured resolver with a recursive query (RD=1), or, with `--recursive`, the
//! resolver crate's iterator in-process from the root hints. The answer says which of them
//! answered. HTTP, redirects and the phase timings come next (issue 6).

pub mod host_cache;
pub mod hosts_file;
pub mod names;

pub use host_cache::HostCache;
pub use names::{NameError, NameService, Names, Resolved, Source};
