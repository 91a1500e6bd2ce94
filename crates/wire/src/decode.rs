//! One captured frame becomes a [`Packet`]: MAC addresses, IP addresses and TTL, ports, TCP or
//! UDP details, ICMP and ICMPv6 (with neighbour discovery), ARP, and the DNS message or HTTP
//! line it carries. Parsing is etherparse's (the ARP and neighbour-discovery bodies are read
//! here, RFC 826 and RFC 4861 §4); this module adds what needs memory across packets (relative
//! sequence numbers) and what needs the lab's ports (DNS).
//!
//! # ARP in a `Packet`
//!
//! ARP has no IP header and no ports, but it does name two IPv4 addresses. A decoded ARP frame
//! is a [`Packet`] with `src` = the sender's protocol address and `dst` = the target's, both
//! with port 0, `ttl` = `None`, and [`Transport::Arp`] holding the operation and all four
//! addresses. A request's `target_mac` is whatever the sender put there (zeros, usually).

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::SystemTime;

use etherparse::{NetSlice, SlicedPacket, TransportSlice};
use serde::{Serialize, Serializer};

use crate::dnsmsg::DnsMessageSummary;

/// The well-known DNS port; always decoded as DNS, besides the lab's own port.
pub const DNS_PORT: u16 = 53;

/// How far into a segment an HTTP request or status line may end.
const MAX_HTTP_LINE: usize = 8 * 1024;

/// One packet, decoded: as its sender put it on the first link, with every link it crossed in
/// [`Packet::path`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Packet {
    /// When it crossed the interface, by the kernel's clock (the capture ring's stamp); for a
    /// packet seen on several links, the
    /// time on the first (`path[0].at`).
    pub at: SystemTime,
    /// Source address and port (port 0 for ICMP, ICMPv6 and ARP; for ARP the sender's address).
    pub src: SocketAddr,
    /// Destination address and port (port 0 for ICMP, ICMPv6 and ARP; for ARP the target's
    /// address).
    pub dst: SocketAddr,
    /// The IPv4 TTL or IPv6 hop limit as the sender set it (on the first link); `None` for ARP.
    pub ttl: Option<u8>,
    /// The Ethernet source address on the first link (all zeros on `lo`).
    pub src_mac: Mac,
    /// The Ethernet destination address on the first link.
    pub dst_mac: Mac,
    /// The transport header.
    pub transport: Transport,
    /// The DNS message carried, when the packet is to or from a DNS port and parses as one.
    pub dns: Option<DnsMessageSummary>,
    /// The HTTP request line (`GET / HTTP/1.1`) or status line (`HTTP/1.1 200 OK`) the TCP
    /// payload starts with.
    pub http: Option<String>,
    /// Every link the packet was seen on, in order: one hop for a packet that did not cross a
    /// router (and for every ARP or neighbour-discovery frame), one more per router it crossed.
    pub path: Vec<Hop>,
    /// The whole Ethernet frame as captured on the first link, for pcap.
    #[serde(skip)]
    pub frame: Vec<u8>,
}

/// One link a packet crossed: the copy its sender on that link (a host or a router) put on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hop {
    /// The label of the capture that saw it: the sending host's or router's name. Empty for the
    /// `lo` capture and for frames decoded outside a capture.
    pub host: String,
    /// The interface it left by (`eth0`, `veth-r1`...; `lo` for the `lo` capture).
    pub interface: String,
    /// When the kernel handed it to the interface.
    pub at: SystemTime,
    /// The TTL or hop limit on this link (one less per router crossed); `None` for ARP.
    pub ttl: Option<u8>,
    /// The Ethernet source address on this link.
    pub src_mac: Mac,
    /// The Ethernet destination address on this link.
    pub dst_mac: Mac,
    /// The frame as captured on this link, for pcap.
    #[serde(skip)]
    pub frame: Vec<u8>,
}

/// An Ethernet (EUI-48) address; printed and serialised as `02:00:00:00:00:01`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Mac(pub [u8; 6]);

impl Mac {
    /// `ff:ff:ff:ff:ff:ff`.
    pub const BROADCAST: Mac = Mac([0xff; 6]);

    fn from_slice(bytes: &[u8]) -> Option<Mac> {
        Some(Mac(bytes.try_into().ok()?))
    }
}

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

impl fmt::Debug for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for Mac {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The transport layer of a packet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "protocol", rename_all = "snake_case")]
pub enum Transport {
    /// A TCP segment.
    Tcp {
        /// The control bits.
        flags: TcpFlags,
        /// The sequence number as sent.
        seq: u32,
        /// The acknowledgement number as sent (meaningful only with ACK).
        ack: u32,
        /// `seq` minus this direction's initial sequence number, as Wireshark shows it: the SYN
        /// is 0 and the first data byte 1. In a connection whose SYN was not seen, the first
        /// segment seen counts as 0.
        rel_seq: u32,
        /// `ack` relative to the other direction's initial sequence number (0 without ACK).
        rel_ack: u32,
        /// The receive window as sent, not scaled.
        window: u16,
        /// `window` shifted by the sender's window scale (RFC 7323 §2.3) when both SYNs were
        /// seen announcing one: the bytes the sender can really take.
        scaled_window: Option<u32>,
        /// The window scale option (SYN and SYN-ACK only).
        window_scale: Option<u8>,
        /// The maximum segment size option (SYN and SYN-ACK only).
        mss: Option<u16>,
        /// Payload bytes.
        len: u32,
    },
    /// A UDP datagram.
    Udp {
        /// Payload bytes.
        len: u32,
    },
    /// An ICMP message, such as "port unreachable" from a host with no server on the port.
    Icmp {
        /// The ICMP type.
        icmp_type: u8,
        /// The ICMP code.
        code: u8,
        /// What it means, in words: `destination unreachable (port unreachable)`.
        meaning: String,
    },
    /// An ICMPv6 message (RFC 4443): errors, echo, neighbour discovery (RFC 4861, types
    /// 133-137) and multicast listener discovery (RFC 2710 and 3810, types 130-132 and 143,
    /// which a story may skip: its meaning starts with `multicast listener`).
    Icmpv6 {
        /// The ICMPv6 type.
        icmp_type: u8,
        /// The ICMPv6 code.
        code: u8,
        /// What it means, in words: `neighbour solicitation: who has 2001:db8::1`,
        /// `neighbour advertisement: 2001:db8::1 is at 02:00:00:00:00:01`,
        /// `destination unreachable (port unreachable)`, `multicast listener report`.
        meaning: String,
        /// The neighbour-discovery details, for types 133-137.
        ndp: Option<Ndp>,
    },
    /// An ARP message (RFC 826) for IPv4 over Ethernet. The packet's `src` and `dst` are the
    /// sender's and target's IPv4 addresses with port 0.
    Arp {
        /// The operation: `request`, `reply`, or `op N` for another.
        op: ArpOp,
        /// The sender's hardware address.
        sender_mac: Mac,
        /// The sender's IPv4 address.
        sender_ip: Ipv4Addr,
        /// The target's hardware address (what a request puts there, usually zeros).
        target_mac: Mac,
        /// The target's IPv4 address.
        target_ip: Ipv4Addr,
        /// In words, as tcpdump says it: `who-has 192.0.2.1 tell 192.0.2.2`,
        /// `192.0.2.1 is-at 02:00:00:00:00:01`.
        meaning: String,
    },
}

/// An ARP operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArpOp {
    /// "who-has" (1).
    Request,
    /// "is-at" (2).
    Reply,
    /// Any other operation code.
    Other(u16),
}

impl fmt::Display for ArpOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArpOp::Request => f.write_str("request"),
            ArpOp::Reply => f.write_str("reply"),
            ArpOp::Other(op) => write!(f, "op {op}"),
        }
    }
}

/// In JSON: `"request"`, `"reply"` or `"op N"`.
impl Serialize for ArpOp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// What a neighbour-discovery message (RFC 4861 §4) says besides its type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ndp {
    /// The address asked about (solicitation) or announced (advertisement); `None` for router
    /// solicitations and advertisements.
    pub target: Option<Ipv6Addr>,
    /// The Source Link-Layer Address option (type 1): the sender's MAC.
    pub source_mac: Option<Mac>,
    /// The Target Link-Layer Address option (type 2): the target's MAC, in advertisements.
    pub target_mac: Option<Mac>,
    /// Neighbour advertisement flags: R (router), S (solicited), O (override); empty otherwise.
    pub flags: String,
    /// Prefixes a router advertisement announces (Prefix Information, type 3), as `2001:db8::/64`.
    pub prefixes: Vec<String>,
}

/// TCP control bits (RFC 9293 §3.1), printed as tcpdump does: `[S.]` is SYN-ACK, `[F.]` FIN
/// with ACK, `.` alone a bare ACK.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TcpFlags(pub u8);

impl TcpFlags {
    /// No more data from the sender.
    pub const FIN: u8 = 0x01;
    /// Synchronise sequence numbers.
    pub const SYN: u8 = 0x02;
    /// Reset the connection.
    pub const RST: u8 = 0x04;
    /// Push.
    pub const PSH: u8 = 0x08;
    /// The acknowledgement field is significant.
    pub const ACK: u8 = 0x10;
    /// The urgent pointer is significant.
    pub const URG: u8 = 0x20;
    /// ECN echo.
    pub const ECE: u8 = 0x40;
    /// Congestion window reduced.
    pub const CWR: u8 = 0x80;

    /// tcpdump's letter order and letters; ACK is the dot.
    const LETTERS: [(u8, char, &'static str); 8] = [
        (Self::FIN, 'F', "FIN"),
        (Self::SYN, 'S', "SYN"),
        (Self::RST, 'R', "RST"),
        (Self::PSH, 'P', "PSH"),
        (Self::ACK, '.', "ACK"),
        (Self::URG, 'U', "URG"),
        (Self::ECE, 'E', "ECE"),
        (Self::CWR, 'W', "CWR"),
    ];

    /// Whether every bit of `bits` is set.
    pub fn has(self, bits: u8) -> bool {
        self.0 & bits == bits
    }

    /// SYN without ACK: the first segment of a handshake.
    pub fn is_syn(self) -> bool {
        self.has(Self::SYN) && !self.has(Self::ACK)
    }

    /// SYN with ACK: the second.
    pub fn is_syn_ack(self) -> bool {
        self.has(Self::SYN | Self::ACK)
    }

    /// The names of the bits set, `["SYN", "ACK"]`.
    pub fn names(self) -> Vec<&'static str> {
        Self::LETTERS
            .iter()
            .filter(|(bit, _, _)| self.0 & bit != 0)
            .map(|(_, _, name)| *name)
            .collect()
    }
}

impl fmt::Display for TcpFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("none");
        }
        for (bit, letter, _) in Self::LETTERS {
            if self.0 & bit != 0 {
                write!(f, "{letter}")?;
            }
        }
        Ok(())
    }
}

/// In JSON the flags are their names: `["SYN", "ACK"]`.
impl Serialize for TcpFlags {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.names().serialize(serializer)
    }
}

impl Packet {
    /// The bytes a TCP segment carries, read again from the captured frame (`None` for other
    /// transports or a frame that no longer parses).
    pub fn tcp_payload(&self) -> Option<&[u8]> {
        match SlicedPacket::from_ethernet(&self.frame).ok()?.transport? {
            TransportSlice::Tcp(tcp) => Some(tcp.payload()),
            _ => None,
        }
    }

    /// One line, as tcpdump prints a packet:
    /// `127.0.0.10:41234 > 127.0.0.80:80 [S] seq 0 win 65495 mss 65495 wscale 7`.
    pub fn summary(&self) -> String {
        self.to_string()
    }

    /// The TCP flags, if this is a TCP segment.
    pub fn tcp_flags(&self) -> Option<TcpFlags> {
        match self.transport {
            Transport::Tcp { flags, .. } => Some(flags),
            _ => None,
        }
    }

    /// Payload bytes carried by TCP or UDP (0 for ICMP, ICMPv6 and ARP).
    pub fn payload_len(&self) -> u32 {
        match self.transport {
            Transport::Tcp { len, .. } | Transport::Udp { len } => len,
            Transport::Icmp { .. } | Transport::Icmpv6 { .. } | Transport::Arp { .. } => 0,
        }
    }

    /// Whether this is ARP or IPv6 neighbour discovery: link-local housekeeping that never
    /// crosses a router.
    pub fn is_neighbour_discovery(&self) -> bool {
        match &self.transport {
            Transport::Arp { .. } => true,
            Transport::Icmpv6 { ndp, .. } => ndp.is_some(),
            _ => false,
        }
    }
}

impl fmt::Display for Packet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.transport {
            Transport::Tcp {
                flags,
                rel_seq,
                rel_ack,
                window,
                window_scale,
                mss,
                len,
                ..
            } => {
                write!(f, "{} > {} [{flags}] seq {rel_seq}", self.src, self.dst)?;
                if *len > 0 {
                    write!(f, ":{}", rel_seq.wrapping_add(*len))?;
                }
                if flags.has(TcpFlags::ACK) {
                    write!(f, " ack {rel_ack}")?;
                }
                write!(f, " win {window}")?;
                if let Some(mss) = mss {
                    write!(f, " mss {mss}")?;
                }
                if let Some(scale) = window_scale {
                    write!(f, " wscale {scale}")?;
                }
                if *len > 0 {
                    write!(f, " length {len}")?;
                }
            }
            Transport::Udp { len } => {
                write!(f, "{} > {} UDP length {len}", self.src, self.dst)?;
            }
            Transport::Icmp { meaning, .. } => {
                write!(f, "{} > {} ICMP {meaning}", self.src.ip(), self.dst.ip())?;
            }
            Transport::Icmpv6 { meaning, .. } => {
                write!(f, "{} > {} ICMP6 {meaning}", self.src.ip(), self.dst.ip())?;
            }
            Transport::Arp { meaning, .. } => {
                write!(f, "{} > {} ARP {meaning}", self.src_mac, self.dst_mac)?;
            }
        }
        if let Some(dns) = &self.dns {
            write!(f, " {dns}")?;
        }
        if let Some(http) = &self.http {
            write!(f, " \"{http}\"")?;
        }
        Ok(())
    }
}

/// Why a frame gave no packet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// etherparse refused the frame (too short, bad lengths, bad header).
    #[error("not a well-formed frame: {0}")]
    Malformed(String),
    /// Not ARP, nor IPv4 or IPv6 carrying TCP, UDP, ICMP or ICMPv6 (the lab speaks only those).
    #[error("not ARP, nor IPv4 or IPv6 TCP, UDP, ICMP or ICMPv6")]
    NotDecoded,
    /// A fragment of an IP datagram; its transport header is in another frame.
    #[error("an IP fragment")]
    Fragment,
}

/// What one frame says, before it is packed into a [`Packet`] with its bytes.
pub(crate) struct Decoded {
    src: SocketAddr,
    dst: SocketAddr,
    transport: Transport,
    dns: Option<DnsMessageSummary>,
    http: Option<String>,
    pub(crate) link: LinkFacts,
}

/// What changes from link to link: the MAC addresses and the TTL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct LinkFacts {
    pub(crate) src_mac: Mac,
    pub(crate) dst_mac: Mac,
    pub(crate) ttl: Option<u8>,
}

impl LinkFacts {
    /// The MACs and TTL of an Ethernet frame, read straight from the bytes (no checks beyond
    /// lengths): what a hop records.
    pub(crate) fn of(frame: &[u8]) -> LinkFacts {
        let mac = |range: std::ops::Range<usize>| {
            frame
                .get(range)
                .and_then(Mac::from_slice)
                .unwrap_or_default()
        };
        let ttl = match frame.get(12..14) {
            Some([0x08, 0x00]) => frame.get(14 + 8).copied(),
            Some([0x86, 0xdd]) => frame.get(14 + 7).copied(),
            _ => None,
        };
        LinkFacts {
            dst_mac: mac(0..6),
            src_mac: mac(6..12),
            ttl,
        }
    }
}

/// Decodes frames in capture order, remembering each direction's initial sequence number.
#[derive(Debug, Default)]
pub struct Decoder {
    dns_port: u16,
    /// Initial sequence number of each direction, keyed (sender, receiver).
    isn: HashMap<(SocketAddr, SocketAddr), u32>,
    /// Window scale each sender announced in its SYN, keyed (sender, receiver).
    window_scale: HashMap<(SocketAddr, SocketAddr), u8>,
}

impl Decoder {
    /// A decoder that reads payloads to or from `dns_port` (and 53) as DNS.
    pub fn new(dns_port: u16) -> Decoder {
        Decoder {
            dns_port,
            isn: HashMap::new(),
            window_scale: HashMap::new(),
        }
    }

    /// Decodes all frames, dropping those that do not decode (see [`DecodeError`]). Each packet
    /// has a path of one hop, with no host or interface name.
    pub fn decode_all(
        &mut self,
        frames: impl IntoIterator<Item = (SystemTime, Vec<u8>)>,
    ) -> Vec<Packet> {
        frames
            .into_iter()
            .filter_map(|(at, frame)| self.decode(at, frame).ok())
            .collect()
    }

    /// Decodes one Ethernet frame received at `at`, as a packet with a path of one hop with no
    /// host or interface name.
    pub fn decode(&mut self, at: SystemTime, frame: Vec<u8>) -> Result<Packet, DecodeError> {
        let decoded = self.decode_slice(&frame)?;
        let hop = Hop {
            host: String::new(),
            interface: String::new(),
            at,
            ttl: decoded.link.ttl,
            src_mac: decoded.link.src_mac,
            dst_mac: decoded.link.dst_mac,
            frame,
        };
        Ok(Decoder::packet(decoded, vec![hop]))
    }

    /// The packet `decoded` from `path[0].frame`, seen on every hop of `path` (not empty).
    pub(crate) fn packet(decoded: Decoded, path: Vec<Hop>) -> Packet {
        Packet {
            at: path[0].at,
            src: decoded.src,
            dst: decoded.dst,
            ttl: decoded.link.ttl,
            src_mac: decoded.link.src_mac,
            dst_mac: decoded.link.dst_mac,
            transport: decoded.transport,
            dns: decoded.dns,
            http: decoded.http,
            frame: path[0].frame.clone(),
            path,
        }
    }

    pub(crate) fn decode_slice(&mut self, frame: &[u8]) -> Result<Decoded, DecodeError> {
        let sliced = SlicedPacket::from_ethernet(frame)
            .map_err(|err| DecodeError::Malformed(err.to_string()))?;
        let link = LinkFacts::of(frame);
        let (src_ip, dst_ip) = match &sliced.net {
            Some(NetSlice::Ipv4(ipv4)) => {
                if ipv4.is_payload_fragmented() {
                    return Err(DecodeError::Fragment);
                }
                (
                    IpAddr::V4(ipv4.header().source_addr()),
                    IpAddr::V4(ipv4.header().destination_addr()),
                )
            }
            Some(NetSlice::Ipv6(ipv6)) => {
                if ipv6.is_payload_fragmented() {
                    return Err(DecodeError::Fragment);
                }
                (
                    IpAddr::V6(ipv6.header().source_addr()),
                    IpAddr::V6(ipv6.header().destination_addr()),
                )
            }
            Some(NetSlice::Arp(arp)) => return decode_arp(arp.slice(), link),
            None => return Err(DecodeError::NotDecoded),
        };
        let (src, dst, transport, dns, http) = match &sliced.transport {
            Some(TransportSlice::Tcp(tcp)) => {
                let src = SocketAddr::new(src_ip, tcp.source_port());
                let dst = SocketAddr::new(dst_ip, tcp.destination_port());
                let payload = tcp.payload();
                let flags = TcpFlags(tcp.header_slice().get(13).copied().unwrap_or(0));
                let (rel_seq, rel_ack) = self.relative(
                    src,
                    dst,
                    flags,
                    tcp.sequence_number(),
                    tcp.acknowledgment_number(),
                );
                let (mut mss, mut window_scale) = (None, None);
                for option in tcp.options_iterator().take(40) {
                    match option {
                        Ok(etherparse::TcpOptionElement::MaximumSegmentSize(v)) => mss = Some(v),
                        Ok(etherparse::TcpOptionElement::WindowScale(v)) => window_scale = Some(v),
                        Ok(_) => {}
                        Err(_) => break,
                    }
                }
                if flags.has(TcpFlags::SYN) {
                    match window_scale {
                        Some(shift) => self.window_scale.insert((src, dst), shift.min(14)),
                        None => self.window_scale.remove(&(src, dst)),
                    };
                }
                // Scaling applies only when both sides offered it, and never to SYNs.
                let scaled_window = match (
                    self.window_scale.get(&(src, dst)),
                    self.window_scale.get(&(dst, src)),
                ) {
                    (Some(shift), Some(_)) if !flags.has(TcpFlags::SYN) => {
                        Some(u32::from(tcp.window_size()) << shift)
                    }
                    _ => None,
                };
                let transport = Transport::Tcp {
                    flags,
                    seq: tcp.sequence_number(),
                    ack: tcp.acknowledgment_number(),
                    rel_seq,
                    rel_ack,
                    window: tcp.window_size(),
                    scaled_window,
                    window_scale,
                    mss,
                    len: payload.len() as u32,
                };
                let dns = if self.is_dns(src.port(), dst.port()) {
                    tcp_dns(payload)
                } else {
                    None
                };
                (src, dst, transport, dns, http_line(payload))
            }
            Some(TransportSlice::Udp(udp)) => {
                let src = SocketAddr::new(src_ip, udp.source_port());
                let dst = SocketAddr::new(dst_ip, udp.destination_port());
                let payload = udp.payload();
                let dns = if self.is_dns(src.port(), dst.port()) {
                    DnsMessageSummary::decode(payload)
                } else {
                    None
                };
                let transport = Transport::Udp {
                    len: payload.len() as u32,
                };
                (src, dst, transport, dns, None)
            }
            Some(TransportSlice::Icmpv6(icmp)) => {
                let (meaning, ndp) = icmpv6_meaning(icmp.type_u8(), icmp.code_u8(), icmp.slice());
                let transport = Transport::Icmpv6 {
                    icmp_type: icmp.type_u8(),
                    code: icmp.code_u8(),
                    meaning,
                    ndp,
                };
                (
                    SocketAddr::new(src_ip, 0),
                    SocketAddr::new(dst_ip, 0),
                    transport,
                    None,
                    None,
                )
            }
            Some(TransportSlice::Icmpv4(icmp)) => {
                let transport = Transport::Icmp {
                    icmp_type: icmp.type_u8(),
                    code: icmp.code_u8(),
                    meaning: icmp_meaning(icmp.type_u8(), icmp.code_u8()),
                };
                (
                    SocketAddr::new(src_ip, 0),
                    SocketAddr::new(dst_ip, 0),
                    transport,
                    None,
                    None,
                )
            }
            _ => return Err(DecodeError::NotDecoded),
        };
        Ok(Decoded {
            src,
            dst,
            transport,
            dns,
            http,
            link,
        })
    }

    fn is_dns(&self, src_port: u16, dst_port: u16) -> bool {
        [src_port, dst_port]
            .iter()
            .any(|port| *port == DNS_PORT || *port == self.dns_port)
    }

    /// Sequence and acknowledgement numbers relative to each direction's first number.
    fn relative(
        &mut self,
        src: SocketAddr,
        dst: SocketAddr,
        flags: TcpFlags,
        seq: u32,
        ack: u32,
    ) -> (u32, u32) {
        if flags.has(TcpFlags::SYN) {
            // A SYN starts (or, on a reused 4-tuple, restarts) this direction's numbering.
            self.isn.insert((src, dst), seq);
        }
        let base = *self.isn.entry((src, dst)).or_insert(seq);
        let rel_ack = if flags.has(TcpFlags::ACK) {
            // If the other direction has not been seen, its next byte is the first we know of.
            let peer_base = *self.isn.entry((dst, src)).or_insert(ack);
            ack.wrapping_sub(peer_base)
        } else {
            0
        };
        (seq.wrapping_sub(base), rel_ack)
    }
}

/// A DNS message over TCP: a 2-byte length, then the message (RFC 1035 §4.2.2). Only a
/// segment that starts a message and holds it whole is decoded.
fn tcp_dns(payload: &[u8]) -> Option<DnsMessageSummary> {
    let (prefix, rest) = payload.split_first_chunk::<2>()?;
    let len = usize::from(u16::from_be_bytes(*prefix));
    DnsMessageSummary::decode(rest.get(..len)?)
}

/// The HTTP/1 request line or status line a segment starts with (RFC 9112 §3, §4).
pub(crate) fn http_line(payload: &[u8]) -> Option<String> {
    const METHODS: [&str; 9] = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE",
    ];
    let window = &payload[..payload.len().min(MAX_HTTP_LINE)];
    let end = window.windows(2).position(|w| w == b"\r\n")?;
    let line = std::str::from_utf8(&window[..end]).ok()?;
    if !line.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return None;
    }
    let is_status = line.starts_with("HTTP/1.")
        && line.len() >= 12
        && line.as_bytes()[8] == b' '
        && line.as_bytes()[9..12].iter().all(u8::is_ascii_digit);
    let is_request = {
        let mut parts = line.split(' ');
        matches!(
            (parts.next(), parts.next(), parts.next(), parts.next()),
            (Some(method), Some(target), Some(version), None)
                if METHODS.contains(&method) && !target.is_empty() && version.starts_with("HTTP/1.")
        )
    };
    (is_status || is_request).then(|| line.to_owned())
}

/// An ARP body (RFC 826) for IPv4 over Ethernet: hardware type 1, protocol 0x0800, address
/// lengths 6 and 4.
fn decode_arp(body: &[u8], link: LinkFacts) -> Result<Decoded, DecodeError> {
    let body = body.get(..28).ok_or(DecodeError::NotDecoded)?;
    if body[0..2] != [0, 1] || body[2..4] != [0x08, 0x00] || body[4] != 6 || body[5] != 4 {
        return Err(DecodeError::NotDecoded);
    }
    let op = match u16::from_be_bytes([body[6], body[7]]) {
        1 => ArpOp::Request,
        2 => ArpOp::Reply,
        other => ArpOp::Other(other),
    };
    let ip = |at: usize| Ipv4Addr::new(body[at], body[at + 1], body[at + 2], body[at + 3]);
    let (sender_mac, sender_ip) = (Mac::from_slice(&body[8..14]).unwrap_or_default(), ip(14));
    let (target_mac, target_ip) = (Mac::from_slice(&body[18..24]).unwrap_or_default(), ip(24));
    let meaning = match op {
        ArpOp::Request => format!("who-has {target_ip} tell {sender_ip}"),
        ArpOp::Reply => format!("{sender_ip} is-at {sender_mac}"),
        ArpOp::Other(code) => format!("op {code} from {sender_ip} ({sender_mac}) to {target_ip}"),
    };
    Ok(Decoded {
        src: SocketAddr::new(IpAddr::V4(sender_ip), 0),
        dst: SocketAddr::new(IpAddr::V4(target_ip), 0),
        transport: Transport::Arp {
            op,
            sender_mac,
            sender_ip,
            target_mac,
            target_ip,
            meaning,
        },
        dns: None,
        http: None,
        link: LinkFacts { ttl: None, ..link },
    })
}

/// ICMPv6 type and code in words (RFC 4443 §2.1, RFC 4861 §4, RFC 2710, RFC 3810), and the
/// neighbour-discovery details read from `message` (the whole ICMPv6 message).
fn icmpv6_meaning(icmp_type: u8, code: u8, message: &[u8]) -> (String, Option<Ndp>) {
    let plain = |s: &str| (s.to_owned(), None);
    match icmp_type {
        1 => {
            let why = match code {
                0 => "no route to destination",
                1 => "administratively prohibited",
                3 => "address unreachable",
                4 => "port unreachable",
                _ => "other",
            };
            (format!("destination unreachable ({why})"), None)
        }
        2 => plain("packet too big"),
        3 => plain("time exceeded"),
        4 => plain("parameter problem"),
        128 => plain("echo request"),
        129 => plain("echo reply"),
        130 => plain("multicast listener query"),
        131 | 143 => plain("multicast listener report"),
        132 => plain("multicast listener done"),
        133..=137 => {
            let ndp = ndp_details(icmp_type, message);
            let target = ndp.target.map_or_else(|| "?".to_owned(), |t| t.to_string());
            let meaning = match icmp_type {
                133 => "router solicitation".to_owned(),
                134 => match ndp.prefixes.as_slice() {
                    [] => "router advertisement".to_owned(),
                    prefixes => format!("router advertisement: prefix {}", prefixes.join(", ")),
                },
                135 => format!("neighbour solicitation: who has {target}"),
                136 => match ndp.target_mac {
                    Some(mac) => format!("neighbour advertisement: {target} is at {mac}"),
                    None => format!("neighbour advertisement: {target}"),
                },
                _ => "redirect".to_owned(),
            };
            (meaning, Some(ndp))
        }
        t => (format!("type {t} code {code}"), None),
    }
}

/// The target address and options of a neighbour-discovery message (RFC 4861 §4.1-4.5).
fn ndp_details(icmp_type: u8, message: &[u8]) -> Ndp {
    // Where the options start: after the 8-byte header, the fields of each message.
    let (target, options_at) = match icmp_type {
        133 => (None, 8),
        134 => (None, 16),
        135 | 136 => (ipv6_at(message, 8), 24),
        _ => (ipv6_at(message, 8), 40), // redirect: target, then destination
    };
    let mut flags = String::new();
    if icmp_type == 136
        && let Some(bits) = message.get(4)
    {
        for (bit, letter) in [(0x80, 'R'), (0x40, 'S'), (0x20, 'O')] {
            if bits & bit != 0 {
                flags.push(letter);
            }
        }
    }
    let mut ndp = Ndp {
        target,
        source_mac: None,
        target_mac: None,
        flags,
        prefixes: Vec::new(),
    };
    let mut options = message.get(options_at..).unwrap_or_default();
    // Each option: type, length in units of 8 bytes (0 is invalid: stop), data.
    while let [kind, len, ..] = options {
        let len = usize::from(*len) * 8;
        if len == 0 || len > options.len() {
            break;
        }
        let option = &options[..len];
        match kind {
            1 => ndp.source_mac = option.get(2..8).and_then(Mac::from_slice),
            2 => ndp.target_mac = option.get(2..8).and_then(Mac::from_slice),
            3 if len == 32 => {
                if let Some(prefix) = ipv6_at(option, 16) {
                    ndp.prefixes.push(format!("{prefix}/{}", option[2]));
                }
            }
            _ => {}
        }
        options = &options[len..];
    }
    ndp
}

fn ipv6_at(bytes: &[u8], at: usize) -> Option<Ipv6Addr> {
    let octets: [u8; 16] = bytes.get(at..at + 16)?.try_into().ok()?;
    Some(Ipv6Addr::from(octets))
}

/// ICMP type and code in words (RFC 792).
fn icmp_meaning(icmp_type: u8, code: u8) -> String {
    match (icmp_type, code) {
        (0, _) => "echo reply".into(),
        (8, _) => "echo request".into(),
        (3, code) => {
            let why = match code {
                0 => "net unreachable",
                1 => "host unreachable",
                2 => "protocol unreachable",
                3 => "port unreachable",
                4 => "fragmentation needed",
                _ => "other",
            };
            format!("destination unreachable ({why})")
        }
        (11, _) => "time exceeded".into(),
        (t, c) => format!("type {t} code {c}"),
    }
}

#[cfg(test)]
pub(crate) mod tests;
