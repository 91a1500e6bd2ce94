//! The browser: the client end of the journey, and `roundtrip get`'s engine.
//!
//! # Layout
//! A visit enters at [`Browser::get`] (or [`Browser::request`]) with a URL, parsed by the
//! WHATWG rules (the `url` crate, IDNA included), and runs one *leg* per request until a
//! response is not a redirect ([`fetch`]):
//!
//! 1. **Step 1 of THE-FLOW.md, the browser's own knowledge**: [`names::Names::resolve`]
//!    answers from `/etc/hosts` as the operating system would ([`hosts_file`]), then from the
//!    browser's host cache with each entry's TTL ([`host_cache`], persisted between runs like
//!    a browser profile), and only then asks DNS — the configured resolver with a recursive
//!    query (RD=1), or, with `--recursive`, the resolver crate's iterator in-process from the
//!    root hints. The answer says which of them answered. A reused connection skips this.
//! 2. **Connect**: [`connect::happy_eyeballs`] races the addresses as RFC 8305 says (IPv6
//!    first, the next attempt 250 ms later or as soon as one fails), recording every attempt.
//! 3. **TLS** for `https://` ([`tls`]: rustls on ring, the web PKI's roots plus any the caller
//!    adds, ALPN `http/1.1`), then **HTTP/1.1** on hyper's client over that stream
//!    ([`connection`]): the request, the response head, the body, each instant marked
//!    ([`timing`]: curl `-w` and W3C Resource Timing names); redirects with the Fetch
//!    standard's method rules, a limit and loop detection; the connection kept for the next
//!    request to the same origin.
//! 4. **Close**: [`Browser::close`] closes the idle connections in order, the client sending
//!    the first FIN (over TLS, its close_notify first), so the browser's socket is the one left
//!    in TIME_WAIT.

pub mod connect;
pub mod connection;
mod describe;
pub mod failure;
pub mod fetch;
pub mod host_cache;
pub mod hosts_file;
pub mod hsts;
pub mod names;
mod profile;
pub mod timing;
pub mod tls;

pub use connect::{Attempt, AttemptOutcome};
pub use connection::{ClosedConnection, Side};
pub use fetch::{
    Browser, BrowserConfig, ConnectionInfo, DEFAULT_MAX_REDIRECTS, FetchError, HstsHeader,
    HstsUpgrade, HttpVersions, Leg, UrlProblem, Visit, status_class,
};
pub use host_cache::HostCache;
/// The request method type [`Browser::request`] takes (from the `http` crate).
pub use http::Method;
pub use names::{NameError, NameService, Names, Resolved, Source};
pub use profile::{ProfileKind, ProfileProblem, ProfileWarning};
/// The certificate type of [`BrowserConfig::extra_roots`] (from `rustls-pki-types`).
pub use rustls::pki_types::CertificateDer;
pub use timing::{ResourceTiming, Timings};
pub use tls::TlsInfo;
