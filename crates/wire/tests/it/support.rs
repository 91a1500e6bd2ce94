//! Starting a capture or skipping loudly, and a TCP client with its own source address.

use std::net::{Ipv4Addr, SocketAddr, TcpStream};

use socket2::{Domain, Socket, Type};
use test_support::LoopbackBlock;
use wire::{Capture, CaptureError, CaptureFilter};

/// The lab's DNS port as an unprivileged lab uses it.
pub const DNS_PORT: u16 = 1053;

/// The IPv4 address `127.x.y.host` of `block`.
pub fn v4(block: &LoopbackBlock, host: u8) -> Ipv4Addr {
    match block.ip(host) {
        std::net::IpAddr::V4(ip) => ip,
        std::net::IpAddr::V6(_) => unreachable!("loopback blocks are IPv4"),
    }
}

/// A capture of the traffic between `hosts` of `block`, or `None` after a loud SKIPPED line
/// when the process may not capture.
pub fn capture_or_skip(block: &LoopbackBlock, hosts: &[u8]) -> Option<Capture> {
    let filter = CaptureFilter {
        addrs: hosts.iter().map(|h| v4(block, *h)).collect(),
        dns_port: DNS_PORT,
    };
    match Capture::start(filter) {
        Ok(capture) => Some(capture),
        Err(CaptureError::NotPermitted { .. }) => {
            eprintln!("\n!!! SKIPPED: capture needs root or CAP_NET_RAW\n");
            None
        }
        Err(other) => panic!("capture did not start: {other}"),
    }
}

/// A TCP connection to `server` from `source` (port 0: any), as the tour's browser binds it.
pub fn connect_from(source: SocketAddr, server: SocketAddr) -> TcpStream {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("a TCP socket");
    socket
        .bind(&source.into())
        .expect("bind the client's source address");
    socket.connect(&server.into()).expect("connect");
    socket.into()
}
