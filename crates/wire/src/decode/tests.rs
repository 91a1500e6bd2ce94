use super::*;
use etherparse::PacketBuilder;
use std::time::{Duration, UNIX_EPOCH};

pub(crate) const CLIENT: ([u8; 4], u16) = ([127, 0, 0, 10], 41234);
pub(crate) const SERVER: ([u8; 4], u16) = ([127, 0, 0, 80], 80);

/// A TCP frame from `from` to `to` with the given flags, numbers and payload.
pub(crate) fn tcp_frame(
    from: ([u8; 4], u16),
    to: ([u8; 4], u16),
    flags: u8,
    seq: u32,
    ack: u32,
    payload: &[u8],
) -> Vec<u8> {
    let mut builder = PacketBuilder::ethernet2([0; 6], [0; 6])
        .ipv4(from.0, to.0, 64)
        .tcp(from.1, to.1, seq, 65483);
    if flags & TcpFlags::SYN != 0 {
        builder = builder.syn();
    }
    if flags & TcpFlags::ACK != 0 {
        builder = builder.ack(ack);
    }
    if flags & TcpFlags::FIN != 0 {
        builder = builder.fin();
    }
    if flags & TcpFlags::RST != 0 {
        builder = builder.rst();
    }
    if flags & TcpFlags::PSH != 0 {
        builder = builder.psh();
    }
    let mut frame = Vec::new();
    builder.write(&mut frame, payload).unwrap();
    frame
}

pub(crate) fn udp_frame(from: ([u8; 4], u16), to: ([u8; 4], u16), payload: &[u8]) -> Vec<u8> {
    let builder = PacketBuilder::ethernet2([0; 6], [0; 6])
        .ipv4(from.0, to.0, 64)
        .udp(from.1, to.1);
    let mut frame = Vec::new();
    builder.write(&mut frame, payload).unwrap();
    frame
}

pub(crate) fn at(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000) + Duration::from_millis(ms)
}

const S: u8 = TcpFlags::SYN;
const A: u8 = TcpFlags::ACK;
const F: u8 = TcpFlags::FIN;
const P: u8 = TcpFlags::PSH;

/// A whole HTTP exchange, client closing first: the frames tests share.
pub(crate) fn http_exchange() -> Vec<(SystemTime, Vec<u8>)> {
    let (c, s) = (1_000_000u32, 3_000_000_000u32);
    let request = b"GET / HTTP/1.1\r\nHost: www.google.com\r\n\r\n";
    let response = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhi";
    let rq = request.len() as u32;
    let rs = response.len() as u32;
    [
        tcp_frame(CLIENT, SERVER, S, c, 0, b""),
        tcp_frame(SERVER, CLIENT, S | A, s, c + 1, b""),
        tcp_frame(CLIENT, SERVER, A, c + 1, s + 1, b""),
        tcp_frame(CLIENT, SERVER, P | A, c + 1, s + 1, request),
        tcp_frame(SERVER, CLIENT, A, s + 1, c + 1 + rq, b""),
        tcp_frame(SERVER, CLIENT, P | A, s + 1, c + 1 + rq, response),
        tcp_frame(CLIENT, SERVER, F | A, c + 1 + rq, s + 1 + rs, b""),
        tcp_frame(SERVER, CLIENT, A, s + 1 + rs, c + 2 + rq, b""),
        tcp_frame(SERVER, CLIENT, F | A, s + 1 + rs, c + 2 + rq, b""),
        tcp_frame(CLIENT, SERVER, A, c + 2 + rq, s + 2 + rs, b""),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, frame)| (at(i as u64), frame))
    .collect()
}

#[test]
fn tcp_numbers_are_relative_to_each_directions_isn() {
    let packets = Decoder::new(53).decode_all(http_exchange());
    assert_eq!(packets.len(), 10);
    let lines: Vec<String> = packets.iter().map(Packet::summary).collect();
    assert_eq!(
        lines[..4],
        [
            "127.0.0.10:41234 > 127.0.0.80:80 [S] seq 0 win 65483",
            "127.0.0.80:80 > 127.0.0.10:41234 [S.] seq 0 ack 1 win 65483",
            "127.0.0.10:41234 > 127.0.0.80:80 [.] seq 1 ack 1 win 65483",
            "127.0.0.10:41234 > 127.0.0.80:80 [P.] seq 1:41 ack 1 win 65483 length 40 \"GET / HTTP/1.1\"",
        ]
    );
    assert!(
        lines[5].ends_with("length 40 \"HTTP/1.1 200 OK\""),
        "{}",
        lines[5]
    );
    assert_eq!(
        lines[6],
        "127.0.0.10:41234 > 127.0.0.80:80 [F.] seq 41 ack 41 win 65483"
    );
    assert_eq!(
        lines[9],
        "127.0.0.10:41234 > 127.0.0.80:80 [.] seq 42 ack 42 win 65483"
    );
    match packets[1].transport {
        Transport::Tcp { seq, ack, .. } => assert_eq!((seq, ack), (3_000_000_000, 1_000_001)),
        ref other => panic!("{other:?}"),
    }
}

#[test]
fn sequence_numbers_wrap_around() {
    let isn = u32::MAX - 5;
    let frames = vec![
        (at(0), tcp_frame(CLIENT, SERVER, S, isn, 0, b"")),
        (
            at(1),
            tcp_frame(CLIENT, SERVER, A, isn.wrapping_add(11), 7, b"abc"),
        ),
    ];
    let packets = Decoder::new(53).decode_all(frames);
    match packets[1].transport {
        Transport::Tcp { rel_seq, .. } => assert_eq!(rel_seq, 11),
        ref other => panic!("{other:?}"),
    }
}

#[test]
fn flags_print_and_serialise_as_tools_do() {
    assert_eq!(TcpFlags(TcpFlags::SYN | TcpFlags::ACK).to_string(), "S.");
    assert_eq!(
        TcpFlags(TcpFlags::FIN | TcpFlags::PSH | TcpFlags::ACK).to_string(),
        "FP."
    );
    assert_eq!(TcpFlags(0).to_string(), "none");
    assert_eq!(
        TcpFlags(TcpFlags::RST | TcpFlags::ACK).names(),
        ["RST", "ACK"]
    );
}

#[test]
fn dns_over_udp_and_tcp_on_the_labs_port() {
    let query = test_support::build_query(
        0x4242,
        "www.google.com",
        domain::base::Rtype::A,
        test_support::QueryOptions::default(),
    );
    let resolver = ([127, 0, 0, 53], 1053);
    let client = ([127, 0, 0, 10], 40000);
    let mut decoder = Decoder::new(1053);
    let udp = decoder
        .decode(at(0), udp_frame(client, resolver, &query))
        .unwrap();
    let dns = udp.dns.as_ref().expect("UDP DNS decoded");
    assert_eq!(dns.id, 0x4242);
    assert!(!dns.response);
    assert_eq!(dns.question.as_deref(), Some("www.google.com. IN A"));
    assert_eq!(
        udp.summary(),
        format!(
            "127.0.0.10:40000 > 127.0.0.53:1053 UDP length {} DNS query 0x4242 www.google.com. IN A",
            query.len()
        )
    );

    let mut framed = (query.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(&query);
    let tcp = decoder
        .decode(at(1), tcp_frame(client, resolver, P | A, 1, 1, &framed))
        .unwrap();
    assert_eq!(tcp.dns.as_ref().map(|d| d.id), Some(0x4242));

    // The same bytes on a port that is not DNS's are left alone.
    let elsewhere = decoder
        .decode(at(2), udp_frame(client, ([127, 0, 0, 53], 9999), &query))
        .unwrap();
    assert!(elsewhere.dns.is_none());
}

#[test]
fn http_lines_only_when_the_segment_starts_with_one() {
    assert_eq!(
        http_line(b"GET /search?q=x HTTP/1.1\r\nHost: a\r\n\r\n").as_deref(),
        Some("GET /search?q=x HTTP/1.1")
    );
    assert_eq!(
        http_line(b"HTTP/1.1 301 Moved Permanently\r\n").as_deref(),
        Some("HTTP/1.1 301 Moved Permanently")
    );
    assert_eq!(
        http_line(b"HTTP/1.0 200\r\n").as_deref(),
        Some("HTTP/1.0 200")
    );
    assert_eq!(http_line(b"GET / HTTP/1.1"), None, "no line end yet");
    assert_eq!(http_line(b"<html>\r\n"), None);
    assert_eq!(http_line(b"FETCH / HTTP/1.1\r\n"), None);
    assert_eq!(http_line(b"GET /\x01 HTTP/1.1\r\n"), None);
}

#[test]
fn icmp_port_unreachable_is_named() {
    let builder = PacketBuilder::ethernet2([0; 6], [0; 6])
        .ipv4([127, 0, 0, 2], [127, 0, 0, 53], 64)
        .icmpv4(etherparse::Icmpv4Type::DestinationUnreachable(
            etherparse::icmpv4::DestUnreachableHeader::Port,
        ));
    let mut frame = Vec::new();
    builder.write(&mut frame, &[0u8; 28]).unwrap();
    let packet = Decoder::new(53).decode(at(0), frame).unwrap();
    assert_eq!(
        packet.summary(),
        "127.0.0.2 > 127.0.0.53 ICMP destination unreachable (port unreachable)"
    );
}

/// A cheap xorshift, so that the mutations are the same on every run.
fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn mutated_and_truncated_frames_never_panic() {
    let query = test_support::build_query(
        7,
        "www.google.com",
        domain::base::Rtype::A,
        test_support::QueryOptions::default(),
    );
    let mut seeds: Vec<Vec<u8>> = http_exchange().into_iter().map(|(_, f)| f).collect();
    seeds.push(udp_frame(
        ([127, 0, 0, 1], 5000),
        ([127, 0, 0, 53], 53),
        &query,
    ));
    let mut framed = (query.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(&query);
    seeds.push(tcp_frame(
        ([127, 0, 0, 1], 5000),
        ([127, 0, 0, 53], 53),
        P | A,
        9,
        9,
        &framed,
    ));
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut decoder = Decoder::new(1053);
    let mut decoded = 0;
    for seed in &seeds {
        // Every truncation.
        for len in 0..seed.len() {
            decoded += usize::from(decoder.decode(at(0), seed[..len].to_vec()).is_ok());
        }
        // Random byte flips, 1 to 8 at a time, bounded.
        for _ in 0..2_000 {
            let mut frame = seed.clone();
            let flips = 1 + xorshift(&mut state) % 8;
            for _ in 0..flips {
                let at = (xorshift(&mut state) % frame.len() as u64) as usize;
                frame[at] = xorshift(&mut state) as u8;
            }
            if let Ok(packet) = decoder.decode(at(0), frame) {
                let _ = packet.summary();
                decoded += 1;
            }
        }
    }
    assert!(decoded > 0, "some mutations still decode");
}

fn syn_with_scale(
    from: ([u8; 4], u16),
    to: ([u8; 4], u16),
    ack: Option<u32>,
    shift: u8,
) -> Vec<u8> {
    let mut builder = PacketBuilder::ethernet2([0; 6], [0; 6])
        .ipv4(from.0, to.0, 64)
        .tcp(from.1, to.1, 0, 65535)
        .syn()
        .options(&[
            etherparse::TcpOptionElement::MaximumSegmentSize(65495),
            etherparse::TcpOptionElement::Noop,
            etherparse::TcpOptionElement::WindowScale(shift),
        ])
        .unwrap();
    if let Some(ack) = ack {
        builder = builder.ack(ack);
    }
    let mut frame = Vec::new();
    builder.write(&mut frame, b"").unwrap();
    frame
}

#[test]
fn windows_are_scaled_once_both_syns_offered_a_scale() {
    let frames = vec![
        (at(0), syn_with_scale(CLIENT, SERVER, None, 7)),
        (at(1), syn_with_scale(SERVER, CLIENT, Some(1), 10)),
        (at(2), tcp_frame(CLIENT, SERVER, A, 1, 1, b"")),
    ];
    let packets = Decoder::new(53).decode_all(frames);
    match &packets[0].transport {
        Transport::Tcp {
            mss,
            window_scale,
            scaled_window,
            ..
        } => {
            assert_eq!(
                (*mss, *window_scale, *scaled_window),
                (Some(65495), Some(7), None)
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(
        packets[0].summary().ends_with("mss 65495 wscale 7"),
        "{}",
        packets[0]
    );
    match &packets[2].transport {
        Transport::Tcp {
            window,
            scaled_window,
            ..
        } => {
            assert_eq!(*scaled_window, Some(u32::from(*window) << 7));
        }
        other => panic!("{other:?}"),
    }
}
