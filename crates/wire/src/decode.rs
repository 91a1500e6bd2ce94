//! One captured frame becomes a [`Packet`]: addresses, ports, TCP or UDP details, and the DNS
//! message or HTTP line it carries. Parsing is etherparse's; this module adds what needs
//! memory across packets (relative sequence numbers) and what needs the lab's ports (DNS).

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::SystemTime;

use etherparse::{NetSlice, SlicedPacket, TransportSlice};
use serde::{Serialize, Serializer};

use crate::dnsmsg::DnsMessageSummary;

/// The well-known DNS port; always decoded as DNS, besides the lab's own port.
pub const DNS_PORT: u16 = 53;

/// How far into a segment an HTTP request or status line may end.
const MAX_HTTP_LINE: usize = 8 * 1024;

/// One captured packet, decoded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Packet {
    /// When the kernel received it (`SO_TIMESTAMPNS`).
    pub at: SystemTime,
    /// Source address and port (port 0 for ICMP).
    pub src: SocketAddr,
    /// Destination address and port (port 0 for ICMP).
    pub dst: SocketAddr,
    /// The transport header.
    pub transport: Transport,
    /// The DNS message carried, when the packet is to or from a DNS port and parses as one.
    pub dns: Option<DnsMessageSummary>,
    /// The HTTP request line (`GET / HTTP/1.1`) or status line (`HTTP/1.1 200 OK`) the TCP
    /// payload starts with.
    pub http: Option<String>,
    /// The whole Ethernet frame as captured, for pcap.
    #[serde(skip)]
    pub frame: Vec<u8>,
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

    /// Payload bytes carried by TCP or UDP (0 for ICMP).
    pub fn payload_len(&self) -> u32 {
        match self.transport {
            Transport::Tcp { len, .. } | Transport::Udp { len } => len,
            Transport::Icmp { .. } => 0,
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
    /// Not IPv4 carrying TCP, UDP or ICMP (the lab speaks only those).
    #[error("not IPv4 TCP, UDP or ICMP")]
    NotDecoded,
    /// A fragment of an IPv4 datagram; its transport header is in another frame.
    #[error("an IPv4 fragment")]
    Fragment,
}

/// What one frame says, before it is packed into a [`Packet`] with its bytes.
type Decoded = (
    SocketAddr,
    SocketAddr,
    Transport,
    Option<DnsMessageSummary>,
    Option<String>,
);

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

    /// Decodes all frames, dropping those that are not IPv4 TCP, UDP or ICMP.
    pub fn decode_all(
        &mut self,
        frames: impl IntoIterator<Item = (SystemTime, Vec<u8>)>,
    ) -> Vec<Packet> {
        frames
            .into_iter()
            .filter_map(|(at, frame)| self.decode(at, frame).ok())
            .collect()
    }

    /// Decodes one Ethernet frame received at `at`.
    pub fn decode(&mut self, at: SystemTime, frame: Vec<u8>) -> Result<Packet, DecodeError> {
        let decoded = self.decode_slice(&frame)?;
        let (src, dst, transport, dns, http) = decoded;
        Ok(Packet {
            at,
            src,
            dst,
            transport,
            dns,
            http,
            frame,
        })
    }

    fn decode_slice(&mut self, frame: &[u8]) -> Result<Decoded, DecodeError> {
        let sliced = SlicedPacket::from_ethernet(frame)
            .map_err(|err| DecodeError::Malformed(err.to_string()))?;
        let Some(NetSlice::Ipv4(ipv4)) = &sliced.net else {
            return Err(DecodeError::NotDecoded);
        };
        if ipv4.is_payload_fragmented() {
            return Err(DecodeError::Fragment);
        }
        let src_ip = IpAddr::V4(ipv4.header().source_addr());
        let dst_ip = IpAddr::V4(ipv4.header().destination_addr());
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
        Ok((src, dst, transport, dns, http))
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
fn http_line(payload: &[u8]) -> Option<String> {
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
