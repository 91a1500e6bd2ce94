//! The kernel's own table of TCP sockets, read through `sock_diag` netlink
//! (`NETLINK_SOCK_DIAG`, an `inet_diag_req_v2` dump), as `ss -tan` reads it. No privilege is
//! needed. This is how the TIME-WAIT side is *confirmed* rather than assumed from packets.
//!
//! The request is built with `netlink-packet-sock-diag`. The answers are read here by hand
//! from `struct inet_diag_msg` (linux/inet_diag.h), because that crate drops `idiag_expires`
//! for TIME-WAIT sockets, and the time left in TIME-WAIT is what the tour shows.

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

use netlink_packet_core::{NLM_F_DUMP, NLM_F_REQUEST, NetlinkHeader, NetlinkMessage};
use netlink_packet_sock_diag::SockDiagMessage;
use netlink_packet_sock_diag::constants::{AF_INET, AF_INET6, IPPROTO_TCP};
use netlink_packet_sock_diag::inet::{ExtensionFlags, InetRequest, SocketId, StateFlags};
use netlink_sys::protocols::NETLINK_SOCK_DIAG;
use serde::Serialize;

/// A TCP state, named as RFC 9293 §3.3.2 names it; the numbers are the kernel's
/// (`include/net/tcp_states.h`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TcpState {
    /// Data flows both ways.
    Established = 1,
    /// A SYN was sent, no SYN-ACK yet.
    SynSent = 2,
    /// A SYN arrived and a SYN-ACK went back.
    SynReceived = 3,
    /// This side sent its FIN; not yet acknowledged.
    FinWait1 = 4,
    /// This side's FIN was acknowledged; waiting for the other's.
    FinWait2 = 5,
    /// Both FINs done; this side closed first and waits 2 MSL for stray segments.
    TimeWait = 6,
    /// Nothing.
    Closed = 7,
    /// The other side sent its FIN; this side has not closed yet.
    CloseWait = 8,
    /// This side, closing second, sent its FIN and waits for its ACK.
    LastAck = 9,
    /// Waiting for connections.
    Listen = 10,
    /// Both sides sent FINs at once.
    Closing = 11,
    /// Linux's request socket for a SYN being answered (`TCP_NEW_SYN_RECV`).
    NewSynReceived = 12,
}

impl TcpState {
    /// Every state.
    pub const ALL: [TcpState; 12] = [
        TcpState::Established,
        TcpState::SynSent,
        TcpState::SynReceived,
        TcpState::FinWait1,
        TcpState::FinWait2,
        TcpState::TimeWait,
        TcpState::Closed,
        TcpState::CloseWait,
        TcpState::LastAck,
        TcpState::Listen,
        TcpState::Closing,
        TcpState::NewSynReceived,
    ];

    /// The state with the kernel's number.
    pub fn from_kernel(number: u8) -> Option<TcpState> {
        TcpState::ALL.into_iter().find(|s| *s as u8 == number)
    }

    /// RFC 9293's name: `SYN-RECEIVED`, `TIME-WAIT`.
    pub fn name(self) -> &'static str {
        match self {
            TcpState::Established => "ESTABLISHED",
            TcpState::SynSent => "SYN-SENT",
            TcpState::SynReceived => "SYN-RECEIVED",
            TcpState::FinWait1 => "FIN-WAIT-1",
            TcpState::FinWait2 => "FIN-WAIT-2",
            TcpState::TimeWait => "TIME-WAIT",
            TcpState::Closed => "CLOSED",
            TcpState::CloseWait => "CLOSE-WAIT",
            TcpState::LastAck => "LAST-ACK",
            TcpState::Listen => "LISTEN",
            TcpState::Closing => "CLOSING",
            TcpState::NewSynReceived => "NEW-SYN-RECEIVED",
        }
    }
}

/// In JSON a state is its RFC name, `"TIME-WAIT"`.
impl Serialize for TcpState {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl fmt::Display for TcpState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A timer running on a socket, with the time left (`idiag_timer`, `idiag_expires`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SocketTimer {
    /// Retransmission of unacknowledged data (or of a SYN or FIN).
    Retransmit {
        /// Time left.
        remaining: Duration,
        /// Retransmissions so far.
        retransmits: u8,
    },
    /// Keep-alive, or the FIN-WAIT-2 timeout.
    KeepAlive {
        /// Time left.
        remaining: Duration,
    },
    /// The TIME-WAIT timer: the socket disappears when it runs out.
    TimeWait {
        /// Time left.
        remaining: Duration,
    },
    /// Zero-window probe.
    Probe {
        /// Time left.
        remaining: Duration,
    },
}

/// One TCP socket in the kernel's table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SocketEntry {
    /// This end.
    pub local: SocketAddr,
    /// The other end (`0.0.0.0:0` for a listener).
    pub remote: SocketAddr,
    /// Its state.
    pub state: TcpState,
    /// The timer running, if any.
    pub timer: Option<SocketTimer>,
    /// Owner (0 for TIME-WAIT sockets, which belong to no process any more).
    pub uid: u32,
    /// Inode (0 for TIME-WAIT sockets).
    pub inode: u32,
}

/// Which side of a connection is in TIME-WAIT, and for how much longer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TimeWaitInfo {
    /// The end of the connection whose socket is in TIME-WAIT: the active closer.
    pub holder: SocketAddr,
    /// The other end.
    pub peer: SocketAddr,
    /// Time left before the kernel forgets the connection (60 s at the start on Linux).
    pub remaining: Duration,
}

/// Every TCP socket (IPv4 and IPv6) in one of `states` (all states if empty). IPv4-mapped
/// IPv6 addresses are given as IPv4.
pub fn list(states: &[TcpState]) -> io::Result<Vec<SocketEntry>> {
    let mask = if states.is_empty() {
        StateFlags::all()
    } else {
        StateFlags::from_bits_truncate(states.iter().fold(0, |m, s| m | 1u32 << (*s as u32)))
    };
    let mut entries = dump(AF_INET, mask.clone())?;
    entries.extend(dump(AF_INET6, mask)?);
    Ok(entries)
}

/// The TIME-WAIT socket of the connection between `a` and `b`, if the kernel holds one: its
/// local end is the holder.
pub fn time_wait_between(a: SocketAddr, b: SocketAddr) -> io::Result<Option<TimeWaitInfo>> {
    let found = list(&[TcpState::TimeWait])?.into_iter().find_map(|entry| {
        let remaining = match entry.timer {
            Some(SocketTimer::TimeWait { remaining }) => remaining,
            _ => Duration::ZERO,
        };
        let matches =
            (entry.local == a && entry.remote == b) || (entry.local == b && entry.remote == a);
        matches.then_some(TimeWaitInfo {
            holder: entry.local,
            peer: entry.remote,
            remaining,
        })
    });
    Ok(found)
}

/// Asks [`time_wait_between`] until it answers or `within` passes (the last ACK may still be
/// on its way through the loopback when the caller asks first).
pub fn wait_for_time_wait(
    a: SocketAddr,
    b: SocketAddr,
    within: Duration,
) -> io::Result<Option<TimeWaitInfo>> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(found) = time_wait_between(a, b)? {
            return Ok(Some(found));
        }
        if Instant::now() >= deadline {
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

// Netlink framing (linux/netlink.h) and the answer's layout (linux/inet_diag.h).
const NLMSG_HEADER_LEN: usize = 16;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const SOCK_DIAG_BY_FAMILY: u16 = 20;
/// `struct inet_diag_msg`: family, state, timer, retrans (1 byte each), the 48-byte
/// `inet_diag_sockid`, then expires, rqueue, wqueue, uid, inode (4 bytes each).
const INET_DIAG_MSG_LEN: usize = 72;
/// A dump is a few replies per thousand sockets; this bounds the loop on a huge table.
const MAX_REPLIES: usize = 100_000;

/// One `inet_diag` dump of TCP sockets of `family` in the states of `mask`.
fn dump(family: u8, mask: StateFlags) -> io::Result<Vec<SocketEntry>> {
    let mut socket = netlink_sys::Socket::new(NETLINK_SOCK_DIAG)?;
    socket.bind_auto()?;
    socket.connect(&netlink_sys::SocketAddr::new(0, 0))?;

    let mut header = NetlinkHeader::default();
    header.flags = NLM_F_REQUEST | NLM_F_DUMP;
    let socket_id = if family == AF_INET {
        SocketId::new_v4()
    } else {
        SocketId::new_v6()
    };
    let mut request = NetlinkMessage::new(
        header,
        SockDiagMessage::InetRequest(InetRequest {
            family,
            protocol: IPPROTO_TCP,
            extensions: ExtensionFlags::empty(),
            states: mask,
            socket_id,
        })
        .into(),
    );
    request.finalize();
    let mut bytes = vec![0; request.buffer_len()];
    request.serialize(&mut bytes);
    socket.send(&bytes, 0)?;

    let mut entries = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    for _ in 0..MAX_REPLIES {
        let n = socket.recv(&mut &mut buf[..], 0)?;
        let mut rest = &buf[..n];
        while rest.len() >= NLMSG_HEADER_LEN {
            let len = u32::from_ne_bytes(rest[0..4].try_into().expect("4 bytes")) as usize;
            let kind = u16::from_ne_bytes(rest[4..6].try_into().expect("2 bytes"));
            if len < NLMSG_HEADER_LEN || len > rest.len() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "sock_diag: a netlink message runs past the reply",
                ));
            }
            let payload = &rest[NLMSG_HEADER_LEN..len];
            match kind {
                NLMSG_DONE => return Ok(entries),
                NLMSG_ERROR => {
                    let code = payload
                        .get(..4)
                        .map_or(0, |b| i32::from_ne_bytes(b.try_into().expect("4 bytes")));
                    if code != 0 {
                        return Err(io::Error::from_raw_os_error(-code));
                    }
                }
                SOCK_DIAG_BY_FAMILY => entries.extend(parse_inet_diag_msg(payload)),
                _ => {}
            }
            // Messages are aligned to 4 bytes (NLMSG_ALIGN).
            let aligned = (len + 3) & !3;
            rest = rest.get(aligned..).unwrap_or(&[]);
        }
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidData,
        "sock_diag: the dump did not end",
    ))
}

/// Reads one `struct inet_diag_msg`. Ports and addresses are in network byte order, the
/// counters in the host's.
fn parse_inet_diag_msg(payload: &[u8]) -> Option<SocketEntry> {
    let msg = payload.get(..INET_DIAG_MSG_LEN)?;
    let u32_at = |at: usize| u32::from_ne_bytes(msg[at..at + 4].try_into().expect("4 bytes"));
    let (family, state, timer, retransmits) = (msg[0], msg[1], msg[2], msg[3]);
    let sport = u16::from_be_bytes([msg[4], msg[5]]);
    let dport = u16::from_be_bytes([msg[6], msg[7]]);
    let address = |at: usize| -> IpAddr {
        if family == AF_INET {
            IpAddr::V4(Ipv4Addr::new(
                msg[at],
                msg[at + 1],
                msg[at + 2],
                msg[at + 3],
            ))
        } else {
            let octets: [u8; 16] = msg[at..at + 16].try_into().expect("16 bytes");
            let v6 = Ipv6Addr::from(octets);
            v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4)
        }
    };
    let remaining = Duration::from_millis(u64::from(u32_at(52)));
    let timer = match timer {
        1 => Some(SocketTimer::Retransmit {
            remaining,
            retransmits,
        }),
        2 => Some(SocketTimer::KeepAlive { remaining }),
        3 => Some(SocketTimer::TimeWait { remaining }),
        4 => Some(SocketTimer::Probe { remaining }),
        _ => None,
    };
    Some(SocketEntry {
        local: SocketAddr::new(address(8), sport),
        remote: SocketAddr::new(address(24), dport),
        state: TcpState::from_kernel(state)?,
        timer,
        uid: u32_at(64),
        inode: u32_at(68),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_names_are_rfc_9293s() {
        assert_eq!(TcpState::TimeWait.to_string(), "TIME-WAIT");
        assert_eq!(TcpState::SynReceived.to_string(), "SYN-RECEIVED");
        assert_eq!(TcpState::from_kernel(6), Some(TcpState::TimeWait));
        assert_eq!(TcpState::from_kernel(0), None);
        assert_eq!(
            serde_json::to_string(&TcpState::FinWait2).unwrap(),
            "\"FIN-WAIT-2\""
        );
    }

    #[test]
    fn a_time_wait_entry_reads_with_its_time_left() {
        let mut msg = vec![0u8; INET_DIAG_MSG_LEN];
        msg[0] = AF_INET;
        msg[1] = 6;
        msg[2] = 3;
        msg[4..6].copy_from_slice(&41234u16.to_be_bytes());
        msg[6..8].copy_from_slice(&80u16.to_be_bytes());
        msg[8..12].copy_from_slice(&[127, 0, 0, 10]);
        msg[24..28].copy_from_slice(&[127, 0, 0, 80]);
        msg[52..56].copy_from_slice(&59_876u32.to_ne_bytes());
        let entry = parse_inet_diag_msg(&msg).unwrap();
        assert_eq!(entry.local, "127.0.0.10:41234".parse().unwrap());
        assert_eq!(entry.remote, "127.0.0.80:80".parse().unwrap());
        assert_eq!(entry.state, TcpState::TimeWait);
        assert_eq!(
            entry.timer,
            Some(SocketTimer::TimeWait {
                remaining: Duration::from_millis(59_876)
            })
        );
        assert!(parse_inet_diag_msg(&msg[..71]).is_none());
    }

    #[test]
    fn listing_works_without_privilege_and_finds_a_listener() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let listeners = list(&[TcpState::Listen]).unwrap();
        assert!(
            listeners
                .iter()
                .any(|e| e.local == addr && e.state == TcpState::Listen),
            "{addr} not among {listeners:?}"
        );
        assert!(listeners.iter().all(|e| e.state == TcpState::Listen));
    }
}
