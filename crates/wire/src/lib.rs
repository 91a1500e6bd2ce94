//! What crosses the wire: the lab's packets captured on the loopback interface or in every
//! host's network namespace, decoded, each packet told once with the links it crossed, put
//! back together into TCP connections, checked against the kernel's socket table, and written
//! as pcapng.
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
//! - [`write_pcap`] saves the frames (every hop's) as pcapng for `tshark -r` or Wireshark;
//!   [`write_pcap_with_keylog`] adds the TLS secrets so that they open decrypted;
//! - [`streams`] puts each direction's TCP bytes back in order, and [`tls`] reads the TLS in
//!   them ([`tls_sessions`]): the hellos, and with a [`KeyLog`] the decrypted TLS 1.3
//!   handshake, alerts and HTTP/2 frames, and the handshake's time and round trips.
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
//!
//! # In the lab's namespaces: every host captures what it sends
//!
//! When each host and router is its own network namespace, [`Capture::start_outgoing`] is
//! called once per namespace, on a thread inside it; the captures go into one [`Captures`],
//! stopped together. Each frame on a link has one sender, so each is seen once per link, and
//! [`merge_paths`] makes the k copies of a packet routed across k links into one [`Packet`]
//! whose [`Packet::path`] lists the [`Hop`]s (host, interface, time, TTL, MACs) in order.
//!
//! ```no_run
//! # fn in_namespace<T>(host: &str, f: impl FnOnce() -> T) -> T { f() }
//! use wire::{Capture, Captures};
//!
//! let mut captures = Captures::new();
//! for host in ["laptop", "r1", "resolver", "web"] {
//!     // in_namespace: run on a thread that has setns'd into the host's namespace
//!     let capture = in_namespace(host, || Capture::start_outgoing(host, 53)).unwrap();
//!     captures.push(capture);
//! }
//! // ... the laptop browses ...
//! let report = captures.stop();
//! for packet in &report.packets {
//!     let hops: Vec<String> = packet.path.iter().map(|h| format!("{}/{}", h.host, h.interface)).collect();
//!     println!("{packet}  via {}", hops.join(" -> "));
//! }
//! wire::write_pcap("tour.pcapng".as_ref(), &report.packets).unwrap(); // every hop's frame
//! ```
//!
//! # A packet in JSON
//!
//! ```text
//! {
//!   "at":        { "secs_since_epoch", "nanos_since_epoch" }   the first hop's time
//!   "src", "dst": "192.0.2.10:41234" | "[2001:db8::a]:41234"   port 0 for ICMP, ICMPv6, ARP;
//!                                                              ARP: sender and target address
//!   "ttl":       64 | null                  TTL / hop limit on the first link; null for ARP
//!   "src_mac", "dst_mac": "02:00:00:00:00:0a"                  on the first link
//!   "transport": { "protocol": "tcp", flags, seq, ack, rel_seq, rel_ack, window,
//!                                     scaled_window, window_scale, mss, len }
//!              | { "protocol": "udp", len }
//!              | { "protocol": "icmp", icmp_type, code, meaning }
//!              | { "protocol": "icmpv6", icmp_type, code, meaning,
//!                  "ndp": null | { target, source_mac, target_mac, flags, prefixes } }
//!              | { "protocol": "arp", "op": "request" | "reply" | "op N", sender_mac,
//!                  sender_ip, target_mac, target_ip, meaning }
//!   "dns":       null | the decoded message,
//!   "http":      null | "GET / HTTP/1.1",
//!   "path":      [{ "host", "interface", "at", "ttl", "src_mac", "dst_mac" }...]
//!                one per link, in order; `host` is empty for the `lo` capture
//! }
//! ```
//!
//! Meanings read as tcpdump's: `who-has 192.0.2.1 tell 192.0.2.2`, `192.0.2.1 is-at
//! 02:00:00:00:00:0a`, `neighbour solicitation: who has 2001:db8::1`, `neighbour
//! advertisement: 2001:db8::1 is at 02:00:00:00:00:0a`, `router solicitation`, `router
//! advertisement: prefix 2001:db8::/64`; MLD's start with `multicast listener` so a story can
//! skip them.

mod capture;
mod connections;
mod decode;
mod dnsmsg;
pub mod filter;
mod paths;
mod pcap;
pub mod sockets;
pub mod streams;
mod sys;
pub mod tls;

pub use capture::{
    Capture, CaptureError, CaptureFilter, CaptureReport, CaptureStats, CaptureStep, Captures,
};
pub use connections::{Segment, TcpConnection, connections};
pub use decode::{
    ArpOp, DNS_PORT, DecodeError, Decoder, Hop, Mac, Ndp, Packet, TcpFlags, Transport,
};
pub use dnsmsg::{DnsMessageSummary, EdnsSummary};
pub use paths::{MERGE_WINDOW, Observation, merge_paths};
pub use pcap::{read_pcap, write_pcap, write_pcap_with_keylog};
pub use sockets::{TcpState, TimeWaitInfo};
pub use tls::{KeyLog, TlsSession, tls_session, tls_sessions, write_keylog};
