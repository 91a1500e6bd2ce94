//! DNS on sockets, shared by the servers (the authoritative server and the resolver's front):
//! UDP in batches with `recvmmsg`/`sendmmsg`, so that no server writes its socket loop twice.
//!
//! A server's UDP loop enters at [`udp_batch::Inbox::receive`], answers each datagram of the
//! batch into an [`udp_batch::Outbox`] buffer, and sends them all with
//! [`udp_batch::Outbox::send`]. [`quick::quick_parse`] recognises a plain query without
//! allocating, for packet caches. [`workers::Workers`] runs a server's threads and tells
//! whoever waits on the server when one of them stops on an error.

pub mod quick;
pub mod udp_batch;
pub mod workers;

pub use udp_batch::{BATCH, Inbox, MAX_QUERY, Outbox};
pub use workers::{Worker, WorkerStopped, Workers};
