//! What crosses the wire: the lab's packets captured on the loopback interface, decoded, put
//! back together into TCP connections, checked against the kernel's socket table, and written
//! as pcap.
//!
//! # Where a packet enters
//!
//! A frame enters at the kernel filter built by [`filter::BpfProgram::between`], which keeps
//! only IPv4 packets whose source *and* destination are lab addresses. [`Capture::start`] opens
//! the AF_PACKET socket on `lo` with that filter (the unsafe calls are all in `sys`) and reads
//! frames on its own thread, each with the kernel's timestamp. [`Capture::stop`] hands them to
//! [`Decoder::decode`], which gives a [`Packet`]: addresses, ports, TCP flags and relative
//! sequence numbers, the DNS message ([`DnsMessageSummary`]) or HTTP line it carries. From the
//! packets:
//!
//! - [`connections`] rebuilds each TCP connection: handshake, data, the FIN/ACK/FIN/ACK close
//!   and the active closer, who should hold TIME-WAIT;
//! - [`sockets::time_wait_between`] asks the kernel (sock_diag netlink) who does;
//! - [`write_pcap`] saves the frames for `tshark -r` or Wireshark.
//!
//! ```no_run
//! use std::net::Ipv4Addr;
//! use wire::{Capture, CaptureError, CaptureFilter};
//!
//! let filter = CaptureFilter {
//!     addrs: vec![Ipv4Addr::new(127, 0, 0, 10), Ipv4Addr::new(127, 0, 0, 80)],
//!     dns_port: 1053,
//! };
//! let capture = match Capture::start(filter) {
//!     Ok(capture) => Some(capture),
//!     Err(err @ CaptureError::NotPermitted { .. }) => {
//!         eprintln!("{err}");
//!         None
//!     }
//!     Err(err) => panic!("{err}"),
//! };
//! // ... the browser visits http://127.0.0.80/ from 127.0.0.10 ...
//! if let Some(capture) = capture {
//!     let report = capture.stop();
//!     for packet in &report.packets {
//!         println!("{packet}"); // 127.0.0.10:41234 > 127.0.0.80:80 [S] seq 0 win 65495 ...
//!     }
//!     for connection in wire::connections(&report.packets) {
//!         let kernel = wire::sockets::time_wait_between(connection.client, connection.server);
//!         println!("{connection}: packets say {:?} closed first, kernel: {kernel:?}",
//!             connection.active_closer);
//!     }
//!     wire::write_pcap("tour.pcap".as_ref(), &report.packets).unwrap();
//! }
//! ```
//!
//! Without root or CAP_NET_RAW, [`Capture::start`] returns [`CaptureError::NotPermitted`] and
//! the caller goes on with what its own sockets report; no packet is ever made up.

mod capture;
mod connections;
mod decode;
mod dnsmsg;
pub mod filter;
mod paths;
mod pcap;
pub mod sockets;
mod sys;

pub use capture::{Capture, CaptureError, CaptureFilter, CaptureReport, CaptureStats, Captures};
pub use connections::{Segment, TcpConnection, connections};
pub use decode::{
    ArpOp, DNS_PORT, DecodeError, Decoder, Hop, Mac, Ndp, Packet, TcpFlags, Transport,
};
pub use paths::{MERGE_WINDOW, Observation, merge_paths};
pub use dnsmsg::{DnsMessageSummary, EdnsSummary};
pub use pcap::{read_pcap, write_pcap};
pub use sockets::{TcpState, TimeWaitInfo};
