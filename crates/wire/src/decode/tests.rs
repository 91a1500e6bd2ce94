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
    let builder = PacketBuilder::ethernet2([0; 6], [0; 6])
        .ipv4(from.0, to.0, 64)
        .tcp(from.1, to.1, seq, 65483);
    tcp_with_flags(builder, flags, ack, payload)
}

/// A TCP segment of either family with `flags` (SYN, ACK, FIN, RST, PSH) set, written out.
fn tcp_with_flags(
    mut builder: etherparse::PacketBuilderStep<etherparse::TcpHeader>,
    flags: u8,
    ack: u32,
    payload: &[u8],
) -> Vec<u8> {
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

// ---- Links: ARP, IPv6, neighbour discovery, TTL and MACs ----

pub(crate) const MAC_A: [u8; 6] = [0x02, 0, 0, 0, 0, 0x0a];
pub(crate) const MAC_B: [u8; 6] = [0x02, 0, 0, 0, 0, 0x0b];
pub(crate) const V4_A: [u8; 4] = [192, 0, 2, 10];
pub(crate) const V4_B: [u8; 4] = [192, 0, 2, 1];

pub(crate) fn v6(last: u16) -> [u8; 16] {
    std::net::Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, last).octets()
}

/// An ARP request from A (who-has B) or B's reply to A.
pub(crate) fn arp_frame(reply: bool) -> Vec<u8> {
    let (src, dst, packet) = if reply {
        (
            MAC_B,
            MAC_A,
            etherparse::ArpEthIpv4Packet {
                operation: etherparse::ArpOperation::REPLY,
                sender_mac: MAC_B,
                sender_ipv4: V4_B,
                target_mac: MAC_A,
                target_ipv4: V4_A,
            },
        )
    } else {
        (
            MAC_A,
            [0xff; 6],
            etherparse::ArpEthIpv4Packet {
                operation: etherparse::ArpOperation::REQUEST,
                sender_mac: MAC_A,
                sender_ipv4: V4_A,
                target_mac: [0; 6],
                target_ipv4: V4_B,
            },
        )
    };
    let mut frame = Vec::new();
    PacketBuilder::ethernet2(src, dst)
        .arp(packet.into())
        .write(&mut frame)
        .unwrap();
    frame
}

/// An ICMPv6 message with the given type, bytes 5-8 and body, hop limit 255.
pub(crate) fn icmpv6_frame(
    src_mac: [u8; 6],
    dst_mac: [u8; 6],
    src: [u8; 16],
    dst: [u8; 16],
    icmp_type: u8,
    bytes5to8: [u8; 4],
    body: &[u8],
) -> Vec<u8> {
    let mut frame = Vec::new();
    PacketBuilder::ethernet2(src_mac, dst_mac)
        .ipv6(src, dst, 255)
        .icmpv6_raw(icmp_type, 0, bytes5to8)
        .write(&mut frame, body)
        .unwrap();
    frame
}

/// A neighbour solicitation from A for B (with A's link-layer address), or B's solicited
/// advertisement (with its own).
pub(crate) fn ndp_frame(advertisement: bool) -> Vec<u8> {
    let mut body = v6(1).to_vec();
    if advertisement {
        body.extend_from_slice(&[2, 1]);
        body.extend_from_slice(&MAC_B);
        icmpv6_frame(MAC_B, MAC_A, v6(1), v6(10), 136, [0x60, 0, 0, 0], &body)
    } else {
        body.extend_from_slice(&[1, 1]);
        body.extend_from_slice(&MAC_A);
        let solicited_node = [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 1];
        let multicast_mac = [0x33, 0x33, 0xff, 0, 0, 1];
        icmpv6_frame(
            MAC_A,
            multicast_mac,
            v6(10),
            solicited_node,
            135,
            [0; 4],
            &body,
        )
    }
}

/// A TCP segment over IPv6 (hop limit 64) between MAC A and MAC B.
pub(crate) fn tcp6_frame(
    from: ([u8; 16], u16),
    to: ([u8; 16], u16),
    flags: u8,
    seq: u32,
    ack: u32,
    payload: &[u8],
) -> Vec<u8> {
    let builder = PacketBuilder::ethernet2(MAC_A, MAC_B)
        .ipv6(from.0, to.0, 64)
        .tcp(from.1, to.1, seq, 64800);
    tcp_with_flags(builder, flags, ack, payload)
}

#[test]
fn arp_request_and_reply_are_named_and_carry_their_addresses() {
    let mut decoder = Decoder::new(53);
    let request = decoder.decode(at(0), arp_frame(false)).unwrap();
    assert_eq!(
        request.summary(),
        "02:00:00:00:00:0a > ff:ff:ff:ff:ff:ff ARP who-has 192.0.2.1 tell 192.0.2.10"
    );
    assert_eq!(request.src, "192.0.2.10:0".parse().unwrap());
    assert_eq!(request.dst, "192.0.2.1:0".parse().unwrap());
    assert_eq!(request.ttl, None);
    assert_eq!(request.dst_mac, Mac::BROADCAST);
    assert!(request.is_neighbour_discovery());
    let Transport::Arp {
        op,
        sender_mac,
        target_ip,
        ..
    } = &request.transport
    else {
        panic!("{request:?}")
    };
    assert_eq!(
        (*op, *sender_mac, *target_ip),
        (ArpOp::Request, Mac(MAC_A), Ipv4Addr::new(192, 0, 2, 1))
    );

    let reply = decoder.decode(at(1), arp_frame(true)).unwrap();
    assert_eq!(
        reply.summary(),
        "02:00:00:00:00:0b > 02:00:00:00:00:0a ARP 192.0.2.1 is-at 02:00:00:00:00:0b"
    );
    let json = serde_json::to_value(&reply).unwrap();
    assert_eq!(json["transport"]["protocol"], "arp");
    assert_eq!(json["transport"]["op"], "reply");
    assert_eq!(json["transport"]["sender_mac"], "02:00:00:00:00:0b");
    assert_eq!(json["transport"]["target_ip"], "192.0.2.10");
    assert_eq!(json["ttl"], serde_json::Value::Null);
    assert_eq!(json["src_mac"], "02:00:00:00:00:0b");
    assert_eq!(json["path"].as_array().map(Vec::len), Some(1));
}

#[test]
fn neighbour_solicitation_and_advertisement_say_who_has_and_is_at() {
    let mut decoder = Decoder::new(53);
    let ns = decoder.decode(at(0), ndp_frame(false)).unwrap();
    assert_eq!(
        ns.summary(),
        "2001:db8::a > ff02::1:ff00:1 ICMP6 neighbour solicitation: who has 2001:db8::1"
    );
    assert_eq!(ns.ttl, Some(255));
    let Transport::Icmpv6 {
        icmp_type: 135,
        ndp: Some(ndp),
        ..
    } = &ns.transport
    else {
        panic!("{ns:?}")
    };
    assert_eq!(ndp.target, Some("2001:db8::1".parse().unwrap()));
    assert_eq!(ndp.source_mac, Some(Mac(MAC_A)));

    let na = decoder.decode(at(1), ndp_frame(true)).unwrap();
    assert_eq!(
        na.summary(),
        "2001:db8::1 > 2001:db8::a ICMP6 neighbour advertisement: 2001:db8::1 is at 02:00:00:00:00:0b"
    );
    let Transport::Icmpv6 { ndp: Some(ndp), .. } = &na.transport else {
        panic!("{na:?}")
    };
    assert_eq!(
        (ndp.flags.as_str(), ndp.target_mac),
        ("SO", Some(Mac(MAC_B)))
    );
    assert!(na.is_neighbour_discovery());
    let json = serde_json::to_value(&na).unwrap();
    assert_eq!(json["transport"]["protocol"], "icmpv6");
    assert_eq!(json["transport"]["ndp"]["target"], "2001:db8::1");
    assert_eq!(json["transport"]["ndp"]["target_mac"], "02:00:00:00:00:0b");
}

#[test]
fn router_discovery_and_multicast_listener_reports_are_named() {
    let all_routers = std::net::Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 2).octets();
    let mut rs_body = vec![1, 1];
    rs_body.extend_from_slice(&MAC_A);
    let rs = icmpv6_frame(
        MAC_A,
        [0x33, 0x33, 0, 0, 0, 2],
        v6(10),
        all_routers,
        133,
        [0; 4],
        &rs_body,
    );
    let mut ra_body = vec![0; 8]; // reachable time, retrans timer
    ra_body.extend_from_slice(&[
        3, 4, 64, 0xc0, 0, 0, 0x1c, 0x20, 0, 0, 0x0e, 0x10, 0, 0, 0, 0,
    ]);
    ra_body.extend_from_slice(&v6(0));
    let ra = icmpv6_frame(
        MAC_B,
        MAC_A,
        v6(1),
        v6(10),
        134,
        [64, 0, 0x07, 0x08],
        &ra_body,
    );
    let report = icmpv6_frame(
        MAC_A,
        [0x33, 0x33, 0, 0, 0, 0x16],
        v6(10),
        std::net::Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x16).octets(),
        143,
        [0; 4],
        &[0; 4],
    );
    let mut decoder = Decoder::new(53);
    let meanings: Vec<String> = [rs, ra, report]
        .into_iter()
        .map(
            |frame| match decoder.decode(at(0), frame).unwrap().transport {
                Transport::Icmpv6 { meaning, .. } => meaning,
                other => panic!("{other:?}"),
            },
        )
        .collect();
    assert_eq!(
        meanings,
        [
            "router solicitation",
            "router advertisement: prefix 2001:db8::/64",
            "multicast listener report"
        ]
    );
}

#[test]
fn ipv6_tcp_has_relative_numbers_http_lines_and_a_connection() {
    let client = (v6(10), 50000);
    let server = (v6(80), 80);
    let (c, s) = (7u32, 4_000_000_000u32);
    let request = b"GET / HTTP/1.1\r\nHost: www.google.com\r\n\r\n";
    let rq = request.len() as u32;
    let frames = [
        tcp6_frame(client, server, S, c, 0, b""),
        tcp6_frame(server, client, S | A, s, c + 1, b""),
        tcp6_frame(client, server, A, c + 1, s + 1, b""),
        tcp6_frame(client, server, P | A, c + 1, s + 1, request),
        tcp6_frame(server, client, A, s + 1, c + 1 + rq, b""),
        tcp6_frame(client, server, F | A, c + 1 + rq, s + 1, b""),
        tcp6_frame(server, client, F | A, s + 1, c + 2 + rq, b""),
        tcp6_frame(client, server, A, c + 2 + rq, s + 2, b""),
    ];
    let packets = Decoder::new(53).decode_all(
        frames
            .into_iter()
            .enumerate()
            .map(|(i, f)| (at(i as u64), f)),
    );
    assert_eq!(packets.len(), 8);
    assert_eq!(
        packets[3].summary(),
        format!(
            "[2001:db8::a]:50000 > [2001:db8::50]:80 [P.] seq 1:{} ack 1 win 64800 length {rq} \"GET / HTTP/1.1\"",
            1 + rq
        )
    );
    assert_eq!(
        packets[1].summary(),
        "[2001:db8::50]:80 > [2001:db8::a]:50000 [S.] seq 0 ack 1 win 64800"
    );
    assert_eq!(packets[0].ttl, Some(64));
    let connections = crate::connections(&packets);
    assert_eq!(connections.len(), 1);
    let connection = &connections[0];
    assert_eq!(connection.client, SocketAddr::from((v6(10), 50000)));
    assert!(connection.closed_cleanly());
    assert_eq!(connection.active_closer, Some(connection.client));
    assert_eq!(connection.data.len(), 1);
}

#[test]
fn dns_over_ipv6_udp_is_decoded() {
    let query = test_support::build_query(
        0x5353,
        "www.google.com",
        domain::base::Rtype::AAAA,
        test_support::QueryOptions::default(),
    );
    let mut frame = Vec::new();
    PacketBuilder::ethernet2(MAC_A, MAC_B)
        .ipv6(v6(10), v6(53), 64)
        .udp(40000, 53)
        .write(&mut frame, &query)
        .unwrap();
    let packet = Decoder::new(1053).decode(at(0), frame).unwrap();
    assert_eq!(
        packet.summary(),
        format!(
            "[2001:db8::a]:40000 > [2001:db8::35]:53 UDP length {} DNS query 0x5353 www.google.com. IN AAAA",
            query.len()
        )
    );
}

#[test]
fn ttl_and_macs_are_read_from_the_frame() {
    let mut frame = Vec::new();
    PacketBuilder::ethernet2(MAC_A, MAC_B)
        .ipv4(V4_A, V4_B, 61)
        .udp(1000, 2000)
        .write(&mut frame, b"x")
        .unwrap();
    let packet = Decoder::new(53).decode(at(0), frame).unwrap();
    assert_eq!(packet.ttl, Some(61));
    assert_eq!(packet.src_mac.to_string(), "02:00:00:00:00:0a");
    assert_eq!(packet.dst_mac, Mac(MAC_B));
    assert_eq!(packet.path.len(), 1);
    assert_eq!(packet.path[0].ttl, Some(61));
    let json = serde_json::to_value(&packet).unwrap();
    assert_eq!(json["ttl"], 61);
    assert_eq!(json["dst_mac"], "02:00:00:00:00:0b");
    assert_eq!(json["path"][0]["ttl"], 61);
    assert_eq!(json["path"][0]["host"], "");
    assert!(json["path"][0].get("frame").is_none());
}

#[test]
fn truncated_link_frames_never_panic() {
    let frames = [
        arp_frame(false),
        arp_frame(true),
        ndp_frame(false),
        ndp_frame(true),
    ];
    let mut decoder = Decoder::new(53);
    for frame in frames {
        for len in 0..frame.len() {
            let _ = decoder.decode(at(0), frame[..len].to_vec());
            let _ = crate::merge_paths(
                vec![crate::Observation {
                    host: "h".into(),
                    interface: "eth0".into(),
                    at: at(0),
                    frame: frame[..len].to_vec(),
                }],
                53,
            );
        }
    }
}
