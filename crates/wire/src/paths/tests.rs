use super::*;
use crate::decode::tests::{MAC_A, MAC_B, V4_A, V4_B, arp_frame, at, ndp_frame, tcp6_frame, v6};
use crate::decode::{Mac, TcpFlags, Transport};
use etherparse::{IpHeaders, Ipv4Header, PacketBuilder, ip_number};

const ROUTER1: [u8; 6] = [0x02, 0, 0, 0, 1, 1];
const ROUTER2: [u8; 6] = [0x02, 0, 0, 0, 2, 2];

/// The same UDP datagram from A to B as it leaves `src_mac` towards `dst_mac` with `ttl`, IPv4
/// identification `id`.
fn udp_copy(src_mac: [u8; 6], dst_mac: [u8; 6], ttl: u8, id: u16, payload: &[u8]) -> Vec<u8> {
    let mut header = Ipv4Header::new(0, ttl, ip_number::UDP, V4_A, V4_B).unwrap();
    header.identification = id;
    let mut frame = Vec::new();
    PacketBuilder::ethernet2(src_mac, dst_mac)
        .ip(IpHeaders::Ipv4(header, Default::default()))
        .udp(40000, 53)
        .write(&mut frame, payload)
        .unwrap();
    frame
}

fn seen(host: &str, interface: &str, micros: u64, frame: Vec<u8>) -> Observation {
    Observation {
        host: host.into(),
        interface: interface.into(),
        at: at(0) + Duration::from_micros(micros),
        frame,
    }
}

/// The three links of a packet from the laptop through r1 and r2: TTL 64, 63, 62.
fn three_links(start_micros: u64, id: u16, payload: &[u8]) -> Vec<Observation> {
    vec![
        seen(
            "laptop",
            "eth0",
            start_micros,
            udp_copy(MAC_A, ROUTER1, 64, id, payload),
        ),
        seen(
            "r1",
            "eth1",
            start_micros + 40,
            udp_copy(ROUTER1, ROUTER2, 63, id, payload),
        ),
        seen(
            "r2",
            "eth1",
            start_micros + 90,
            udp_copy(ROUTER2, MAC_B, 62, id, payload),
        ),
    ]
}

fn hosts(packet: &Packet) -> Vec<(&str, &str, Option<u8>)> {
    packet
        .path
        .iter()
        .map(|h| (h.host.as_str(), h.interface.as_str(), h.ttl))
        .collect()
}

#[test]
fn three_links_with_falling_ttl_are_one_packet_with_three_hops() {
    let mut observations = three_links(0, 7, b"hello");
    observations.reverse(); // the order captures hand them over in does not matter
    let packets = merge_paths(observations, 53);
    assert_eq!(packets.len(), 1, "{packets:#?}");
    let packet = &packets[0];
    assert_eq!(
        hosts(packet),
        [
            ("laptop", "eth0", Some(64)),
            ("r1", "eth1", Some(63)),
            ("r2", "eth1", Some(62))
        ]
    );
    assert_eq!(packet.at, at(0));
    assert_eq!(packet.ttl, Some(64));
    assert_eq!((packet.src_mac, packet.dst_mac), (Mac(MAC_A), Mac(ROUTER1)));
    assert_eq!(packet.frame, packet.path[0].frame);
    assert_eq!(
        (packet.path[2].src_mac, packet.path[2].dst_mac),
        (Mac(ROUTER2), Mac(MAC_B))
    );
    assert_eq!(packet.path[1].at, at(0) + Duration::from_micros(40));
    let json = serde_json::to_value(packet).unwrap();
    assert_eq!(json["path"][1]["host"], "r1");
    assert_eq!(json["path"][1]["interface"], "eth1");
    assert_eq!(json["path"][1]["src_mac"], "02:00:00:00:01:01");
    assert_eq!(json["path"][2]["ttl"], 62);
}

#[test]
fn a_retransmission_is_a_second_packet() {
    // The same bytes (same IP id), sent again 20 ms later: each copy goes the whole way.
    let mut observations = three_links(0, 7, b"again");
    observations.extend(three_links(20_000, 7, b"again"));
    let packets = merge_paths(observations, 53);
    assert_eq!(packets.len(), 2, "{packets:#?}");
    for (packet, start) in packets.iter().zip([0, 20_000]) {
        assert_eq!(packet.path.len(), 3);
        assert_eq!(packet.at, at(0) + Duration::from_micros(start));
        assert_eq!(packet.path[2].at, at(0) + Duration::from_micros(start + 90));
    }

    // Held by r1 while it resolves its next hop, then both sent together two seconds later:
    // the first copy out goes with the first packet in.
    let laptop = |micros| {
        seen(
            "laptop",
            "eth0",
            micros,
            udp_copy(MAC_A, ROUTER1, 64, 7, b"held"),
        )
    };
    let r1 = |micros| {
        seen(
            "r1",
            "eth1",
            micros,
            udp_copy(ROUTER1, MAC_B, 63, 7, b"held"),
        )
    };
    let packets = merge_paths(
        vec![laptop(0), laptop(1_000_000), r1(2_000_000), r1(2_000_010)],
        53,
    );
    let times: Vec<Vec<u64>> = packets
        .iter()
        .map(|p| {
            p.path
                .iter()
                .map(|h| h.at.duration_since(at(0)).unwrap().as_micros() as u64)
                .collect()
        })
        .collect();
    assert_eq!(times, [vec![0, 2_000_000], vec![1_000_000, 2_000_010]]);
}

#[test]
fn what_differs_or_comes_too_late_is_not_merged() {
    // Another IP id, another payload, the same host twice, a gap over the window, a TTL that
    // fell by two: five packets of one hop each (and one of two).
    let observations = vec![
        seen("laptop", "eth0", 0, udp_copy(MAC_A, ROUTER1, 64, 1, b"x")),
        seen("r1", "eth1", 10, udp_copy(ROUTER1, MAC_B, 63, 2, b"x")),
        seen("r1", "eth1", 20, udp_copy(ROUTER1, MAC_B, 63, 1, b"y")),
        seen("laptop", "eth1", 30, udp_copy(MAC_A, MAC_B, 63, 1, b"x")),
        seen("r2", "eth1", 40, udp_copy(ROUTER2, MAC_B, 62, 1, b"x")),
        seen(
            "r3",
            "eth1",
            5_100_000,
            udp_copy(ROUTER2, MAC_B, 61, 1, b"x"),
        ),
    ];
    let packets = merge_paths(observations, 53);
    let paths: Vec<Vec<(&str, &str, Option<u8>)>> = packets.iter().map(hosts).collect();
    assert_eq!(
        paths,
        [
            vec![("laptop", "eth0", Some(64))],
            vec![("r1", "eth1", Some(63))],
            vec![("r1", "eth1", Some(63))],
            vec![("laptop", "eth1", Some(63)), ("r2", "eth1", Some(62))],
            vec![("r3", "eth1", Some(61))],
        ]
    );
}

#[test]
fn arp_and_neighbour_discovery_are_one_hop_each() {
    // The same request seen twice (two hosts' captures of identical bytes) stays two packets.
    let observations = vec![
        seen("laptop", "eth0", 0, arp_frame(false)),
        seen("r1", "eth0", 10, arp_frame(false)),
        seen("r1", "eth0", 20, arp_frame(true)),
        seen("laptop", "eth0", 30, ndp_frame(false)),
        seen("r1", "eth0", 40, ndp_frame(true)),
    ];
    let packets = merge_paths(observations, 53);
    assert_eq!(packets.len(), 5);
    assert!(packets.iter().all(|p| p.path.len() == 1));
    assert!(packets.iter().all(Packet::is_neighbour_discovery));
    assert!(matches!(packets[2].transport, Transport::Arp { .. }));
}

#[test]
fn a_routed_ipv6_connection_is_decoded_once_per_packet_in_time_order() {
    const S: u8 = TcpFlags::SYN;
    const A: u8 = TcpFlags::ACK;
    const P: u8 = TcpFlags::PSH;
    let client = (v6(10), 50000);
    let server = (v6(80), 80);
    let request = b"GET / HTTP/1.1\r\n\r\n";
    // Each segment leaves its sender (hop limit 64) and then the router (63).
    let segments = [
        (client, server, S, 100, 0, &b""[..], "laptop"),
        (server, client, S | A, 900, 101, b"", "web"),
        (client, server, A, 101, 901, b"", "laptop"),
        (client, server, P | A, 101, 901, request, "laptop"),
    ];
    let mut observations = Vec::new();
    for (i, (from, to, flags, seq, ack, data, host)) in segments.into_iter().enumerate() {
        let first = tcp6_frame(from, to, flags, seq, ack, data);
        let mut routed = first.clone();
        routed[14 + 7] = 63; // the hop limit
        routed[0..6].copy_from_slice(&ROUTER2);
        routed[6..12].copy_from_slice(&ROUTER1);
        let t = i as u64 * 1000;
        observations.push(seen("r1", "eth1", t + 30, routed));
        observations.push(seen(host, "eth0", t, first));
    }
    let packets = merge_paths(observations, 53);
    assert_eq!(packets.len(), 4);
    let summaries: Vec<String> = packets.iter().map(Packet::summary).collect();
    assert_eq!(
        summaries,
        [
            "[2001:db8::a]:50000 > [2001:db8::50]:80 [S] seq 0 win 64800",
            "[2001:db8::50]:80 > [2001:db8::a]:50000 [S.] seq 0 ack 1 win 64800",
            "[2001:db8::a]:50000 > [2001:db8::50]:80 [.] seq 1 ack 1 win 64800",
            "[2001:db8::a]:50000 > [2001:db8::50]:80 [P.] seq 1:19 ack 1 win 64800 length 18 \"GET / HTTP/1.1\"",
        ]
    );
    assert!(packets.iter().all(|p| p.path.len() == 2));
    assert_eq!(packets[1].path[0].host, "web");
    let connections = crate::connections(&packets);
    assert_eq!(connections.len(), 1);
    assert!(connections[0].ack.is_some());
}

#[test]
fn a_next_hop_stamped_a_little_before_its_sender_is_still_one_packet() {
    // Seen in the lab: the router's copy stamped 4 us before the sender's.
    let mut observations = three_links(100, 9, b"skew");
    observations[1].at = at(0) + Duration::from_micros(96);
    let packets = merge_paths(observations, 53);
    assert_eq!(packets.len(), 1, "{packets:#?}");
    assert_eq!(
        hosts(&packets[0]),
        [
            ("laptop", "eth0", Some(64)),
            ("r1", "eth1", Some(63)),
            ("r2", "eth1", Some(62))
        ]
    );
    // More than the allowance before it: two packets.
    let mut observations = three_links(5_000, 9, b"skew");
    observations[1].at = at(0) + Duration::from_micros(3_000);
    assert_eq!(merge_paths(observations, 53).len(), 2);
}

#[test]
fn a_router_stamped_a_little_before_the_router_before_it_does_not_split_the_path() {
    // The tour's SYN from the laptop through three routers (TTL 64 -> 61), as a capture under
    // load stamped it: isp-router's copy 4 us before home-router's. It was two packets, the
    // laptop's and home-router's copies (64, 63) and the rest (62, 61) going nowhere.
    const ROUTER3: [u8; 6] = [0x02, 0, 0, 0, 3, 3];
    let hop = |host: &str, micros: u64, src, dst, ttl| {
        seen(host, "eth1", micros, udp_copy(src, dst, ttl, 7, b"syn"))
    };
    let four_hops = |start: u64, skewed: u64| {
        vec![
            hop("laptop", start, MAC_A, ROUTER1, 64),
            hop("home-router", start + 40, ROUTER1, ROUTER2, 63),
            hop("isp-router", start + 40 - skewed, ROUTER2, ROUTER3, 62),
            hop("google-router", start + 90, ROUTER3, MAC_B, 61),
        ]
    };
    let ttls = |packets: &[Packet]| -> Vec<Vec<u8>> {
        packets
            .iter()
            .map(|p| p.path.iter().map(|h| h.ttl.unwrap()).collect())
            .collect()
    };
    let packets = merge_paths(four_hops(1_000, 4), 53);
    assert_eq!(ttls(&packets), [vec![64, 63, 62, 61]], "{packets:#?}");
    assert_eq!(
        hosts(&packets[0])
            .iter()
            .map(|(host, _, _)| *host)
            .collect::<Vec<_>>(),
        ["laptop", "home-router", "isp-router", "google-router"]
    );
    // Two hops in a row stamped before the hop before them, each within the allowance.
    let mut observations = four_hops(1_000, 0);
    observations[0].at = at(0) + Duration::from_micros(1_600);
    observations[1].at = at(0) + Duration::from_micros(1_300);
    observations[2].at = at(0) + Duration::from_micros(1_000);
    observations[3].at = at(0) + Duration::from_micros(1_010);
    assert_eq!(ttls(&merge_paths(observations, 53)), [vec![64, 63, 62, 61]]);
    // The same bytes sent again 200 ms later (a retransmission) is a packet of its own, with
    // its own four hops.
    let mut observations = four_hops(1_000, 4);
    observations.extend(four_hops(201_000, 4));
    let packets = merge_paths(observations, 53);
    assert_eq!(ttls(&packets), [vec![64, 63, 62, 61], vec![64, 63, 62, 61]]);
    assert_eq!(packets[1].at, at(0) + Duration::from_micros(201_000));
    // More than the allowance out of order is not the same packet's next hop.
    let packets = merge_paths(four_hops(5_000, 3_000), 53);
    assert_eq!(ttls(&packets), [vec![62, 61], vec![64, 63]]);
}
