//! TCP connections put back together from captured segments: the three-way handshake, the data
//! each way, and the close, with who closed first.
//!
//! RFC 9293 §3.6: the side that sends the first FIN performs the "active close" and, after
//! acknowledging the other side's FIN, waits in TIME-WAIT for 2 MSL; the other side goes
//! through CLOSE-WAIT and LAST-ACK to CLOSED. So the packets say who *should* hold TIME-WAIT;
//! [`crate::sockets::time_wait_between`] asks the kernel who does.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::decode::{Packet, TcpFlags, Transport};
use crate::sockets::TcpState;

/// One TCP segment of a connection, with its place in the packet list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Segment {
    /// Index of the packet in the slice given to [`connections`].
    pub index: usize,
    /// When it was captured.
    pub at: SystemTime,
    /// Sender.
    pub from: SocketAddr,
    /// Receiver.
    pub to: SocketAddr,
    /// Control bits.
    pub flags: TcpFlags,
    /// Sequence number as sent.
    pub seq: u32,
    /// Acknowledgement number as sent.
    pub ack: u32,
    /// Sequence number relative to the sender's ISN.
    pub rel_seq: u32,
    /// Acknowledgement number relative to the receiver's ISN (0 without ACK).
    pub rel_ack: u32,
    /// Payload bytes.
    pub len: u32,
    /// The HTTP request or status line the payload starts with.
    pub http: Option<String>,
    /// The payload starts at bytes its sender had sent before: a retransmission (RFC 9293
    /// §3.8.1), the sender's kernel sending again what no ACK had confirmed.
    pub retransmission: bool,
}

impl Segment {
    /// The sequence number just after this segment: SYN and FIN each take one.
    fn end(&self) -> u32 {
        let control =
            u32::from(self.flags.has(TcpFlags::SYN)) + u32::from(self.flags.has(TcpFlags::FIN));
        self.seq.wrapping_add(self.len).wrapping_add(control)
    }

    fn acks(&self, sequence_end: u32) -> bool {
        self.flags.has(TcpFlags::ACK) && self.ack == sequence_end
    }
}

/// One TCP connection as the packets show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TcpConnection {
    /// The side that sent the SYN (without the SYN: the receiver of a SYN-ACK, else the sender
    /// of the first segment seen).
    pub client: SocketAddr,
    /// The other side.
    pub server: SocketAddr,
    /// The client's SYN.
    pub syn: Option<Segment>,
    /// The server's SYN-ACK.
    pub syn_ack: Option<Segment>,
    /// The client's ACK of the SYN-ACK, completing the handshake.
    pub ack: Option<Segment>,
    /// The client's initial sequence number.
    pub client_isn: Option<u32>,
    /// The server's initial sequence number.
    pub server_isn: Option<u32>,
    /// Segments carrying payload, both ways, in capture order.
    pub data: Vec<Segment>,
    /// Payload bytes the client sent (retransmissions counted again).
    pub bytes_from_client: u64,
    /// Payload bytes the server sent.
    pub bytes_from_server: u64,
    /// The first FIN: its sender is the active closer.
    pub first_fin: Option<Segment>,
    /// The segment acknowledging the first FIN; it may also carry the second FIN.
    pub first_fin_acked: Option<Segment>,
    /// The other side's FIN.
    pub second_fin: Option<Segment>,
    /// The active closer's acknowledgement of the second FIN; after it, the active closer is
    /// in TIME-WAIT.
    pub second_fin_acked: Option<Segment>,
    /// Both FINs crossed, each sent before the other arrived (RFC 9293 §3.6 case 2): both
    /// sides then pass through CLOSING to TIME-WAIT.
    pub simultaneous_close: bool,
    /// The first RST, if the connection was reset.
    pub reset: Option<Segment>,
    /// Who sent the first FIN, and so should hold TIME-WAIT.
    pub active_closer: Option<SocketAddr>,
    /// Every segment of the connection: indexes into the packet slice.
    pub segments: Vec<usize>,
}

impl TcpConnection {
    fn new(client: SocketAddr, server: SocketAddr) -> TcpConnection {
        TcpConnection {
            client,
            server,
            syn: None,
            syn_ack: None,
            ack: None,
            client_isn: None,
            server_isn: None,
            data: Vec::new(),
            bytes_from_client: 0,
            bytes_from_server: 0,
            first_fin: None,
            first_fin_acked: None,
            second_fin: None,
            second_fin_acked: None,
            simultaneous_close: false,
            reset: None,
            active_closer: None,
            segments: Vec::new(),
        }
    }

    /// The side that received the first FIN (the passive closer).
    pub fn passive_closer(&self) -> Option<SocketAddr> {
        let closer = self.active_closer?;
        Some(if closer == self.client {
            self.server
        } else {
            self.client
        })
    }

    /// Whether both FINs were sent and acknowledged: an orderly close, no RST.
    pub fn closed_cleanly(&self) -> bool {
        self.second_fin_acked.is_some() && self.reset.is_none()
    }

    /// From the SYN to the ACK that completes the handshake, as the capture saw it.
    pub fn handshake_duration(&self) -> Option<Duration> {
        let (syn, ack) = (self.syn.as_ref()?, self.ack.as_ref()?);
        ack.at.duration_since(syn.at).ok()
    }

    /// The closing segments in the order they were captured (a segment that both acknowledges
    /// the first FIN and carries the second appears once).
    pub fn close_sequence(&self) -> Vec<&Segment> {
        let mut steps: Vec<&Segment> = [
            &self.first_fin,
            &self.first_fin_acked,
            &self.second_fin,
            &self.second_fin_acked,
        ]
        .into_iter()
        .flatten()
        .collect();
        steps.sort_by_key(|s| s.index);
        steps.dedup_by_key(|s| s.index);
        steps
    }

    /// The state each side (client, server) should be in after the last segment seen, by
    /// RFC 9293's rules. An inference from packets; the kernel's word is in [`crate::sockets`].
    pub fn inferred_states(&self) -> (TcpState, TcpState) {
        if self.reset.is_some() {
            return (TcpState::Closed, TcpState::Closed);
        }
        let Some(active) = self.active_closer else {
            let open = if self.ack.is_some() || !self.data.is_empty() {
                (TcpState::Established, TcpState::Established)
            } else if self.syn_ack.is_some() {
                (TcpState::Established, TcpState::SynReceived)
            } else {
                (TcpState::SynSent, TcpState::SynReceived)
            };
            return open;
        };
        let (active_state, passive_state) = if self.simultaneous_close {
            if self.first_fin_acked.is_some() && self.second_fin_acked.is_some() {
                (TcpState::TimeWait, TcpState::TimeWait)
            } else {
                (TcpState::Closing, TcpState::Closing)
            }
        } else {
            match (
                self.first_fin_acked.is_some(),
                self.second_fin.is_some(),
                self.second_fin_acked.is_some(),
            ) {
                (_, _, true) => (TcpState::TimeWait, TcpState::Closed),
                (_, true, false) => (TcpState::TimeWait, TcpState::LastAck),
                (true, false, false) => (TcpState::FinWait2, TcpState::CloseWait),
                (false, false, false) => (TcpState::FinWait1, TcpState::CloseWait),
            }
        };
        if active == self.client {
            (active_state, passive_state)
        } else {
            (passive_state, active_state)
        }
    }

    fn add(&mut self, segment: Segment) {
        let from_client = segment.from == self.client;
        let flags = segment.flags;
        self.segments.push(segment.index);
        if flags.has(TcpFlags::RST) && self.reset.is_none() {
            self.reset = Some(segment.clone());
        }
        // The handshake (RFC 9293 §3.5): SYN, SYN-ACK acknowledging it, ACK acknowledging that.
        if flags.is_syn() && from_client && self.syn.is_none() {
            self.client_isn = Some(segment.seq);
            self.syn = Some(segment.clone());
        } else if flags.is_syn_ack() && !from_client && self.syn_ack.is_none() {
            self.server_isn = Some(segment.seq);
            if self.client_isn.is_none() {
                self.client_isn = Some(segment.ack.wrapping_sub(1));
            }
            self.syn_ack = Some(segment.clone());
        } else if from_client
            && self.ack.is_none()
            && !flags.has(TcpFlags::SYN)
            && self
                .server_isn
                .is_some_and(|isn| segment.acks(isn.wrapping_add(1)))
        {
            self.ack = Some(segment.clone());
        }
        if segment.len > 0 {
            let mut segment = segment.clone();
            // Earlier than the end of data the same side already sent (modulo 2^32).
            segment.retransmission = self.data.iter().any(|earlier| {
                earlier.from == segment.from
                    && (earlier
                        .seq
                        .wrapping_add(earlier.len)
                        .wrapping_sub(segment.seq) as i32)
                        > 0
            });
            if from_client {
                self.bytes_from_client += u64::from(segment.len);
            } else {
                self.bytes_from_server += u64::from(segment.len);
            }
            self.data.push(segment);
        }
        self.track_close(segment);
    }

    /// The close (RFC 9293 §3.6): FIN, its ACK, the other FIN, its ACK.
    fn track_close(&mut self, segment: Segment) {
        let Some(first) = self.first_fin.clone() else {
            if segment.flags.has(TcpFlags::FIN) {
                self.active_closer = Some(segment.from);
                self.first_fin = Some(segment);
            }
            return;
        };
        let from_active = segment.from == first.from;
        if !from_active && self.first_fin_acked.is_none() && segment.acks(first.end()) {
            self.first_fin_acked = Some(segment.clone());
        }
        if !from_active && segment.flags.has(TcpFlags::FIN) && self.second_fin.is_none() {
            // A FIN that does not acknowledge the first was sent before the first arrived.
            self.simultaneous_close = self.first_fin_acked.is_none();
            self.second_fin = Some(segment.clone());
        }
        if from_active
            && self.second_fin_acked.is_none()
            && let Some(second) = &self.second_fin
            && segment.acks(second.end())
        {
            if self.simultaneous_close && self.first_fin_acked.is_none() {
                // Crossed FINs: each side's ACK of the other's FIN.
                self.first_fin_acked = self.second_fin.clone();
            }
            self.second_fin_acked = Some(segment);
        }
    }
}

impl fmt::Display for TcpConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} -> {}", self.client, self.server)?;
        write!(
            f,
            ": {} bytes up, {} bytes down",
            self.bytes_from_client, self.bytes_from_server
        )?;
        if let Some(closer) = self.active_closer {
            write!(f, ", {closer} closed first")?;
        }
        if self.reset.is_some() {
            write!(f, ", reset")?;
        }
        Ok(())
    }
}

/// Every TCP connection in `packets`, in the order their first segment was captured. A SYN
/// with a new initial sequence number on a 4-tuple already used starts a new connection.
pub fn connections(packets: &[Packet]) -> Vec<TcpConnection> {
    let mut found: Vec<TcpConnection> = Vec::new();
    // Unordered 4-tuple -> index of its latest connection in `found`.
    let mut by_tuple: HashMap<(SocketAddr, SocketAddr), usize> = HashMap::new();
    for (index, packet) in packets.iter().enumerate() {
        let Transport::Tcp {
            flags,
            seq,
            ack,
            rel_seq,
            rel_ack,
            len,
            ..
        } = packet.transport
        else {
            continue;
        };
        let segment = Segment {
            index,
            at: packet.at,
            from: packet.src,
            to: packet.dst,
            flags,
            seq,
            ack,
            rel_seq,
            rel_ack,
            len,
            http: packet.http.clone(),
            retransmission: false,
        };
        let key = if packet.src <= packet.dst {
            (packet.src, packet.dst)
        } else {
            (packet.dst, packet.src)
        };
        let existing = by_tuple.get(&key).copied().filter(|at| {
            let connection = &found[*at];
            // A new SYN on a used 4-tuple, after its close or with another ISN, is a new
            // connection (a port reused, RFC 9293 §3.6.1).
            !(flags.is_syn()
                && (connection.first_fin.is_some()
                    || connection.reset.is_some()
                    || connection.client_isn.is_some_and(|isn| isn != seq)))
        });
        let at = existing.unwrap_or_else(|| {
            let (client, server) = if flags.is_syn_ack() {
                (packet.dst, packet.src)
            } else {
                (packet.src, packet.dst)
            };
            found.push(TcpConnection::new(client, server));
            by_tuple.insert(key, found.len() - 1);
            found.len() - 1
        });
        found[at].add(segment);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::Decoder;
    use crate::decode::tests::{CLIENT, SERVER, at, http_exchange, tcp_frame};

    fn addr((ip, port): ([u8; 4], u16)) -> SocketAddr {
        SocketAddr::from((ip, port))
    }

    #[test]
    fn handshake_data_and_close_with_the_client_closing_first() {
        let packets = Decoder::new(53).decode_all(http_exchange());
        let found = connections(&packets);
        assert_eq!(found.len(), 1);
        let c = &found[0];
        assert_eq!((c.client, c.server), (addr(CLIENT), addr(SERVER)));
        assert_eq!(c.syn.as_ref().map(|s| s.index), Some(0));
        assert_eq!(c.syn_ack.as_ref().map(|s| s.index), Some(1));
        assert_eq!(c.ack.as_ref().map(|s| s.index), Some(2));
        assert_eq!(
            (c.client_isn, c.server_isn),
            (Some(1_000_000), Some(3_000_000_000))
        );
        assert_eq!(c.data.len(), 2);
        assert_eq!(c.data[0].http.as_deref(), Some("GET / HTTP/1.1"));
        assert_eq!(c.data[1].http.as_deref(), Some("HTTP/1.1 200 OK"));
        assert_eq!((c.bytes_from_client, c.bytes_from_server), (40, 40));
        let close: Vec<usize> = c.close_sequence().iter().map(|s| s.index).collect();
        assert_eq!(close, [6, 7, 8, 9]);
        assert_eq!(c.active_closer, Some(addr(CLIENT)));
        assert_eq!(c.passive_closer(), Some(addr(SERVER)));
        assert!(c.closed_cleanly());
        assert!(!c.simultaneous_close);
        assert_eq!(c.inferred_states(), (TcpState::TimeWait, TcpState::Closed));
        assert_eq!(c.handshake_duration(), Some(Duration::from_millis(2)));
    }

    #[test]
    fn server_closing_first_with_a_combined_fin_ack() {
        let (c, s) = (10u32, 500u32);
        let (f, a) = (TcpFlags::FIN, TcpFlags::ACK);
        let frames = vec![
            tcp_frame(CLIENT, SERVER, TcpFlags::SYN, c, 0, b""),
            tcp_frame(SERVER, CLIENT, TcpFlags::SYN | a, s, c + 1, b""),
            tcp_frame(CLIENT, SERVER, a, c + 1, s + 1, b""),
            tcp_frame(SERVER, CLIENT, f | a, s + 1, c + 1, b""),
            // The client's FIN also acknowledges the server's: three segments, not four.
            tcp_frame(CLIENT, SERVER, f | a, c + 1, s + 2, b""),
            tcp_frame(SERVER, CLIENT, a, s + 2, c + 2, b""),
        ];
        let packets = Decoder::new(53).decode_all(
            frames
                .into_iter()
                .enumerate()
                .map(|(i, f)| (at(i as u64), f)),
        );
        let conn = &connections(&packets)[0];
        assert_eq!(conn.active_closer, Some(addr(SERVER)));
        assert_eq!(conn.first_fin_acked.as_ref().map(|s| s.index), Some(4));
        assert_eq!(conn.second_fin.as_ref().map(|s| s.index), Some(4));
        assert_eq!(conn.second_fin_acked.as_ref().map(|s| s.index), Some(5));
        let close: Vec<usize> = conn.close_sequence().iter().map(|s| s.index).collect();
        assert_eq!(close, [3, 4, 5]);
        assert_eq!(
            conn.inferred_states(),
            (TcpState::Closed, TcpState::TimeWait)
        );
    }

    #[test]
    fn a_segment_sent_again_is_a_retransmission_and_new_data_is_not() {
        let (c, s) = (u32::MAX - 5, 500u32);
        let (a, p) = (TcpFlags::ACK, TcpFlags::PSH);
        let frames = vec![
            tcp_frame(CLIENT, SERVER, TcpFlags::SYN, c, 0, b""),
            tcp_frame(SERVER, CLIENT, TcpFlags::SYN | a, s, c.wrapping_add(1), b""),
            tcp_frame(CLIENT, SERVER, a, c.wrapping_add(1), s + 1, b""),
            // Ten bytes across the wrap of the sequence space, lost, then sent again.
            tcp_frame(
                CLIENT,
                SERVER,
                p | a,
                c.wrapping_add(1),
                s + 1,
                b"GET / HTTP",
            ),
            tcp_frame(
                CLIENT,
                SERVER,
                p | a,
                c.wrapping_add(1),
                s + 1,
                b"GET / HTTP",
            ),
            tcp_frame(SERVER, CLIENT, a, s + 1, c.wrapping_add(11), b""),
            // The next bytes are new; the server's first bytes are new too.
            tcp_frame(
                CLIENT,
                SERVER,
                p | a,
                c.wrapping_add(11),
                s + 1,
                b"/1.1\r\n",
            ),
            tcp_frame(
                SERVER,
                CLIENT,
                p | a,
                s + 1,
                c.wrapping_add(17),
                b"HTTP/1.1",
            ),
        ];
        let packets = Decoder::new(53).decode_all(
            frames
                .into_iter()
                .enumerate()
                .map(|(i, f)| (at(i as u64), f)),
        );
        let conn = &connections(&packets)[0];
        let flags: Vec<(usize, bool)> = conn
            .data
            .iter()
            .map(|d| (d.index, d.retransmission))
            .collect();
        assert_eq!(flags, [(3, false), (4, true), (6, false), (7, false)]);
        assert_eq!(conn.bytes_from_client, 26, "a retransmission counts again");
    }

    #[test]
    fn a_reset_and_a_reused_port_make_separate_connections() {
        let (a, r) = (TcpFlags::ACK, TcpFlags::RST);
        let frames = vec![
            tcp_frame(CLIENT, SERVER, TcpFlags::SYN, 100, 0, b""),
            tcp_frame(SERVER, CLIENT, r | a, 0, 101, b""),
            tcp_frame(CLIENT, SERVER, TcpFlags::SYN, 9_000, 0, b""),
        ];
        let packets = Decoder::new(53).decode_all(
            frames
                .into_iter()
                .enumerate()
                .map(|(i, f)| (at(i as u64), f)),
        );
        let found = connections(&packets);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].reset.as_ref().map(|s| s.index), Some(1));
        assert_eq!(found[0].active_closer, None);
        assert_eq!(
            found[0].inferred_states(),
            (TcpState::Closed, TcpState::Closed)
        );
        assert_eq!(found[1].client_isn, Some(9_000));
        assert_eq!(found[1].segments, [2]);
    }

    #[test]
    fn crossed_fins_are_a_simultaneous_close() {
        let (f, a) = (TcpFlags::FIN, TcpFlags::ACK);
        let frames = vec![
            tcp_frame(CLIENT, SERVER, TcpFlags::SYN, 0, 0, b""),
            tcp_frame(SERVER, CLIENT, TcpFlags::SYN | a, 0, 1, b""),
            tcp_frame(CLIENT, SERVER, a, 1, 1, b""),
            tcp_frame(CLIENT, SERVER, f | a, 1, 1, b""),
            tcp_frame(SERVER, CLIENT, f | a, 1, 1, b""),
            tcp_frame(SERVER, CLIENT, a, 2, 2, b""),
            tcp_frame(CLIENT, SERVER, a, 2, 2, b""),
        ];
        let packets = Decoder::new(53).decode_all(
            frames
                .into_iter()
                .enumerate()
                .map(|(i, f)| (at(i as u64), f)),
        );
        let conn = &connections(&packets)[0];
        assert!(conn.simultaneous_close);
        assert_eq!(conn.active_closer, Some(addr(CLIENT)));
        assert_eq!(
            conn.inferred_states(),
            (TcpState::TimeWait, TcpState::TimeWait)
        );
    }
}
