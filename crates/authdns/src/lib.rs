//! The authoritative name server: the root, TLD and domain servers of the lab, and a server
//! anybody can run with `roundtrip serve auth`.
//!
//! A query enters at a socket that [`spawn`] serves — UDP workers on blocking sockets, and TCP
//! connections (RFC 7766: a 2-byte length before each message, several queries per connection,
//! an idle timeout) on a small Tokio runtime — and goes to [`Catalog::respond`], which answers
//! it from the zones by RFC 1034 §4.3.2 and writes the response bytes:
//!
//! ```text
//!  UDP datagram / TCP frame
//!        │
//!        ▼
//!  parse_query ──malformed──▶ FORMERR / NOTIMP / silence (QR=1, < 12 octets)
//!        │
//!        ▼
//!  find_zone ──none──▶ REFUSED
//!        │
//!        ▼
//!  Zone::lookup ──▶ answer │ CNAME/DNAME chain │ wildcard │ referral + glue │ NXDOMAIN/NODATA + SOA
//!        │
//!        ▼
//!  write_response (compression; fits 512 / EDNS size / 65535, or TC=1)
//! ```
//!
//! Each answer is reported to the [`journey::Reporter`] the server was given, when one listens.

pub mod answer;
pub mod packet_cache;
mod server;

pub use answer::{Answered, Catalog, MAX_UDP_PAYLOAD, Outcome, Transport, question_text};
pub use packet_cache::Responder;
pub use server::{RunningServer, ServerConfig, spawn};
