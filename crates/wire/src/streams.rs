//! Each direction of a TCP connection as the byte stream its application wrote: segments put
//! in sequence order, retransmitted and overlapping bytes taken once, holes reported.
//!
//! Bytes enter at [`byte_streams`] with a [`TcpConnection`] from [`crate::connections`] and the
//! packet slice it indexes; each segment's payload is read again from its captured frame. A
//! stream is readable from its first byte up to its first gap: what follows a byte that was
//! never captured cannot be put in place by a reader of records, so it is counted, not guessed.

use std::net::SocketAddr;
use std::time::SystemTime;

use serde::Serialize;

use crate::connections::TcpConnection;
use crate::decode::{Packet, TcpFlags, Transport};

/// Bytes of one direction that the capture never saw (RFC 9293 sequence space, relative to the
/// first data byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Gap {
    /// Offset of the first missing byte.
    pub offset: u64,
    /// How many bytes are missing.
    pub len: u64,
}

/// Where a run of stream bytes came from: the first segment that carried them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Chunk {
    /// Offset in the stream of the run's first byte.
    pub offset: u64,
    /// Index of the packet in the slice.
    pub index: usize,
    /// When that packet was captured.
    pub at: SystemTime,
}

/// One direction of a connection, put back in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ByteStream {
    /// The sender.
    pub from: SocketAddr,
    /// The receiver.
    pub to: SocketAddr,
    /// The bytes from the first up to the first gap.
    #[serde(skip)]
    pub bytes: Vec<u8>,
    /// Which packet each run of `bytes` came from, in offset order.
    pub chunks: Vec<Chunk>,
    /// Holes in the sequence space, in order.
    pub gaps: Vec<Gap>,
    /// Bytes captured after the first gap, not in `bytes`.
    pub after_gap: u64,
    /// Bytes carried more than once (retransmissions and overlaps), counted once in `bytes`.
    pub duplicate_bytes: u64,
    /// Overlapping bytes whose second copy differed from the first (RFC 9293 leaves the choice
    /// to the receiver; the first copy is kept, as Linux does).
    pub conflicting_bytes: u64,
}

impl ByteStream {
    /// The chunk holding byte `offset` of the stream, if it was captured.
    pub fn chunk_at(&self, offset: u64) -> Option<&Chunk> {
        if offset >= self.bytes.len() as u64 {
            return None;
        }
        let i = self.chunks.partition_point(|c| c.offset <= offset);
        self.chunks.get(i.checked_sub(1)?)
    }
}

/// The client's and the server's streams of `connection` (in that order).
pub fn byte_streams(connection: &TcpConnection, packets: &[Packet]) -> (ByteStream, ByteStream) {
    (
        one_way(
            connection,
            packets,
            connection.client,
            connection.client_isn,
        ),
        one_way(
            connection,
            packets,
            connection.server,
            connection.server_isn,
        ),
    )
}

fn one_way(
    connection: &TcpConnection,
    packets: &[Packet],
    from: SocketAddr,
    isn: Option<u32>,
) -> ByteStream {
    let to = if from == connection.client {
        connection.server
    } else {
        connection.client
    };
    // (sequence number, index, at, payload) of every segment of this direction with data.
    let mut pieces: Vec<(u32, usize, SystemTime, &[u8])> = Vec::new();
    for &index in &connection.segments {
        let Some(packet) = packets.get(index) else {
            continue;
        };
        let Transport::Tcp { seq, flags, .. } = packet.transport else {
            continue;
        };
        if packet.src != from {
            continue;
        }
        let Some(payload) = packet.tcp_payload().filter(|p| !p.is_empty()) else {
            continue;
        };
        // Data on a SYN (TCP Fast Open) starts one after the SYN's own number.
        let seq = seq.wrapping_add(u32::from(flags.has(TcpFlags::SYN)));
        pieces.push((seq, index, packet.at, payload));
    }
    // The first data byte is ISN + 1; without the SYN, the lowest sequence number seen (in
    // sequence space: the piece the others are furthest ahead of).
    let base = match isn {
        Some(isn) => isn.wrapping_add(1),
        None => pieces
            .iter()
            .map(|p| p.0)
            .min_by_key(|&s| pieces.iter().map(|p| p.0.wrapping_sub(s)).max())
            .unwrap_or(0),
    };
    let mut placed: Vec<(u64, usize, SystemTime, &[u8])> = pieces
        .into_iter()
        .map(|(seq, index, at, payload)| (u64::from(seq.wrapping_sub(base)), index, at, payload))
        .collect();
    placed.sort_by_key(|p| (p.0, p.1));

    let mut stream = ByteStream {
        from,
        to,
        bytes: Vec::new(),
        chunks: Vec::new(),
        gaps: Vec::new(),
        after_gap: 0,
        duplicate_bytes: 0,
        conflicting_bytes: 0,
    };
    // The end of what has been placed, whether or not a gap came before it.
    let mut end = 0u64;
    for (offset, index, at, payload) in placed {
        let len = payload.len() as u64;
        if offset > end {
            stream.gaps.push(Gap {
                offset: end,
                len: offset - end,
            });
        }
        let seen = end.saturating_sub(offset).min(len);
        stream.duplicate_bytes += seen;
        if stream.gaps.is_empty() {
            let start = offset as usize;
            let known = &stream.bytes[start..start + seen as usize];
            stream.conflicting_bytes +=
                known.iter().zip(payload).filter(|(a, b)| a != b).count() as u64;
            if seen < len {
                stream.chunks.push(Chunk {
                    offset: end,
                    index,
                    at,
                });
                stream.bytes.extend_from_slice(&payload[seen as usize..]);
            }
        } else {
            stream.after_gap += len - seen;
        }
        end = end.max(offset + len);
    }
    stream
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connections::connections;
    use crate::decode::Decoder;
    use etherparse::PacketBuilder;
    use std::time::{Duration, UNIX_EPOCH};

    const C: ([u8; 4], u16) = ([127, 0, 0, 10], 41234);
    const S: ([u8; 4], u16) = ([127, 0, 0, 80], 443);

    fn frame(
        from: ([u8; 4], u16),
        to: ([u8; 4], u16),
        syn: bool,
        seq: u32,
        data: &[u8],
    ) -> Vec<u8> {
        let mut b = PacketBuilder::ethernet2([0; 6], [0; 6])
            .ipv4(from.0, to.0, 64)
            .tcp(from.1, to.1, seq, 65000);
        if syn && from == S {
            b = b.syn().ack(1001);
        } else if syn {
            b = b.syn();
        } else {
            b = b.ack(1);
        }
        let mut out = Vec::new();
        b.write(&mut out, data).unwrap();
        out
    }

    fn streams(frames: Vec<Vec<u8>>) -> (ByteStream, ByteStream) {
        let start = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let packets = Decoder::new(53).decode_all(
            frames
                .into_iter()
                .enumerate()
                .map(|(i, f)| (start + Duration::from_millis(i as u64), f)),
        );
        let connection = connections(&packets).remove(0);
        byte_streams(&connection, &packets)
    }

    /// RFC 9293 §3.10.7.4: "segments with higher beginning sequence numbers may be held for
    /// later processing"; out of order, retransmitted and overlapping segments make one stream.
    #[test]
    fn out_of_order_retransmitted_and_overlapping_segments_make_one_stream() {
        let (client, server) = streams(vec![
            frame(C, S, true, 1000, b""),
            frame(S, C, true, 5000, b""),
            frame(C, S, false, 1006, b"world"), // ahead of its turn
            frame(C, S, false, 1001, b"hello"),
            frame(C, S, false, 1001, b"hello"), // retransmitted
            frame(C, S, false, 1009, b"LDxyz"), // overlaps "ld" with different bytes
            frame(S, C, false, 5001, b"ok"),
        ]);
        assert_eq!(client.bytes, b"helloworldxyz");
        assert_eq!(client.duplicate_bytes, 7);
        assert_eq!(client.conflicting_bytes, 2);
        assert!(client.gaps.is_empty());
        assert_eq!(client.chunk_at(0).unwrap().index, 3);
        assert_eq!(client.chunk_at(5).unwrap().index, 2);
        assert_eq!(client.chunk_at(12).unwrap().index, 5);
        assert_eq!(server.bytes, b"ok");
    }

    #[test]
    fn a_hole_ends_the_readable_stream_and_is_reported() {
        let (client, _) = streams(vec![
            frame(C, S, true, 1000, b""),
            frame(S, C, true, 5000, b""),
            frame(C, S, false, 1001, b"abc"),
            frame(C, S, false, 1010, b"xyz"),
        ]);
        assert_eq!(client.bytes, b"abc");
        assert_eq!(client.gaps, [Gap { offset: 3, len: 6 }]);
        assert_eq!(client.after_gap, 3);
    }
}
