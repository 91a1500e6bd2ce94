//! DNS on sockets, shared by the servers (the authoritative server and the resolver's front):
//! UDP in batches with `recvmmsg`/`sendmmsg`, so that no server writes its socket loop twice.
//!
//! A server's UDP loop enters at [`udp_batch::Inbox::receive`], answers each datagram of the
//! batch into an [`udp_batch::Outbox`] buffer, and sends them all with
//! [`udp_batch::Outbox::send`]. [`quick::quick_parse`] recognises a plain query without
//! allocating, for packet caches.

pub mod quick;
pub mod udp_batch;

pub use udp_batch::{BATCH, Inbox, MAX_QUERY, Outbox};
