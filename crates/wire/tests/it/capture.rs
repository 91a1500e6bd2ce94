//! Real connections on a loopback block, captured and rebuilt. RFC 9293 §3.6: "the side that
//! first sends a FIN ... enters TIME-WAIT"; the packets name that side and sock_diag confirms it.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::thread;
use std::time::Duration;

use domain::base::iana::Rcode;
use domain::base::{Message, MessageBuilder};
use domain::rdata::A;
use test_support::LoopbackBlock;
use wire::{Packet, TcpConnection, TcpFlags, TcpState, Transport, connections, sockets};

use crate::support::{DNS_PORT, capture_or_skip, connect_from, v4};

const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: www.google.com\r\n\r\n";
const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello";

#[derive(Clone, Copy, PartialEq)]
enum Closer {
    Client,
    Server,
}

/// One HTTP-shaped exchange; `closer` shuts its side first, then reads to EOF, so that the
/// close is the orderly FIN / ACK / FIN / ACK. Returns (client, server) addresses.
fn exchange(block: &LoopbackBlock, closer: Closer) -> (SocketAddr, SocketAddr) {
    let listener = TcpListener::bind(block.addr(80, 0)).unwrap();
    let server_addr = listener.local_addr().unwrap();
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut request = vec![0; REQUEST.len()];
        stream.read_exact(&mut request).unwrap();
        stream.write_all(RESPONSE).unwrap();
        if closer == Closer::Server {
            stream.shutdown(Shutdown::Write).unwrap();
        }
        let mut rest = Vec::new();
        stream.read_to_end(&mut rest).unwrap(); // until the client's FIN
    });
    let mut client = connect_from(block.addr(10, 0), server_addr);
    let client_addr = client.local_addr().unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    client.write_all(REQUEST).unwrap();
    let mut response = vec![0; RESPONSE.len()];
    client.read_exact(&mut response).unwrap();
    if closer == Closer::Client {
        client.shutdown(Shutdown::Write).unwrap();
    }
    let mut rest = Vec::new();
    client.read_to_end(&mut rest).unwrap(); // until the server's FIN
    drop::<TcpStream>(client);
    server.join().unwrap();
    (client_addr, server_addr)
}

fn the_connection(packets: &[Packet], client: SocketAddr) -> TcpConnection {
    let found = connections(packets);
    let lines: Vec<String> = packets.iter().map(Packet::summary).collect();
    found
        .into_iter()
        .find(|c| c.client == client)
        .unwrap_or_else(|| panic!("no connection from {client} in:\n{}", lines.join("\n")))
}

fn check_handshake_and_data(c: &TcpConnection, packets: &[Packet]) {
    let syn = c.syn.as_ref().expect("SYN");
    let syn_ack = c.syn_ack.as_ref().expect("SYN-ACK");
    let ack = c.ack.as_ref().expect("ACK");
    assert!(syn.index < syn_ack.index && syn_ack.index < ack.index);
    assert_eq!((syn.rel_seq, syn_ack.rel_seq, syn_ack.rel_ack), (0, 0, 1));
    assert_eq!((ack.rel_seq, ack.rel_ack), (1, 1));
    assert!(c.handshake_duration().is_some());
    match &packets[syn.index].transport {
        Transport::Tcp { mss, .. } => assert!(mss.is_some(), "Linux's SYN carries an MSS"),
        other => panic!("{other:?}"),
    }
    let lines: Vec<Option<&str>> = c.data.iter().map(|s| s.http.as_deref()).collect();
    assert_eq!(lines, [Some("GET / HTTP/1.1"), Some("HTTP/1.1 200 OK")]);
    assert_eq!(c.bytes_from_client, REQUEST.len() as u64);
    assert_eq!(c.bytes_from_server, RESPONSE.len() as u64);
}

fn closes_first(closer: Closer) {
    let block = LoopbackBlock::claim();
    let Some(capture) = capture_or_skip(&block, &[10, 80]) else {
        return;
    };
    let (client, server) = exchange(&block, closer);
    let (holder, other) = match closer {
        Closer::Client => (client, server),
        Closer::Server => (server, client),
    };
    // The kernel's word, asked before the capture stops.
    let time_wait = sockets::wait_for_time_wait(client, server, Duration::from_secs(3))
        .unwrap()
        .expect("a TIME-WAIT socket for the connection");
    let report = capture.stop();
    assert_eq!(report.error, None);
    assert_eq!(report.stats.dropped, 0, "{:?}", report.stats);
    assert!(
        report.stats.outgoing_duplicates > 0,
        "lo's leaving copies were seen and skipped"
    );

    let c = the_connection(&report.packets, client);
    assert_eq!(c.server, server);
    check_handshake_and_data(&c, &report.packets);

    let close = c.close_sequence();
    let summary: Vec<String> = close
        .iter()
        .map(|s| format!("{}>{} [{}]", s.from, s.to, s.flags))
        .collect();
    assert!(c.closed_cleanly(), "close: {summary:?}");
    assert_eq!(c.active_closer, Some(holder), "close: {summary:?}");
    assert_eq!(close[0].from, holder);
    assert!(close[0].flags.has(TcpFlags::FIN | TcpFlags::ACK));
    let last = close.last().unwrap();
    assert_eq!(
        (last.from, last.to),
        (holder, other),
        "the active closer ACKs last"
    );
    let (client_state, server_state) = c.inferred_states();
    let (holder_state, other_state) = match closer {
        Closer::Client => (client_state, server_state),
        Closer::Server => (server_state, client_state),
    };
    assert_eq!(
        (holder_state, other_state),
        (TcpState::TimeWait, TcpState::Closed)
    );

    assert_eq!(time_wait.holder, holder, "sock_diag: {time_wait:?}");
    assert_eq!(time_wait.peer, other);
    assert!(
        time_wait.remaining > Duration::from_secs(50)
            && time_wait.remaining <= Duration::from_secs(60),
        "Linux holds TIME-WAIT 60 s: {time_wait:?}"
    );
}

#[test]
fn client_closes_first_and_holds_time_wait() {
    closes_first(Closer::Client);
}

#[test]
fn a_real_capture_written_as_pcap_reads_in_tshark() {
    let block = LoopbackBlock::claim();
    let Some(capture) = capture_or_skip(&block, &[10, 80]) else {
        return;
    };
    let (client, _) = exchange(&block, Closer::Client);
    let report = capture.stop();
    let c = the_connection(&report.packets, client);
    let path = std::env::temp_dir().join(format!("wire-it-real-{}.pcap", std::process::id()));
    wire::write_pcap(&path, &report.packets).unwrap();
    let Some(tshark) = test_support::Peer::find("tshark", "tshark") else {
        std::fs::remove_file(&path).unwrap();
        return;
    };
    let output = std::process::Command::new(tshark)
        .arg("-r")
        .arg(&path)
        .args(["-T", "fields", "-e", "tcp.flags", "-e", "tcp.srcport"])
        .output()
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let rows: Vec<&str> = stdout.lines().collect();
    assert_eq!(rows.len(), report.packets.len(), "{stdout}");
    let syn = c.syn.as_ref().unwrap().index;
    assert_eq!(rows[syn], format!("0x0002\t{}", client.port()));
    let fin = c.first_fin.as_ref().unwrap().index;
    assert_eq!(rows[fin], format!("0x0011\t{}", client.port()));
}

#[test]
fn server_closes_first_and_holds_time_wait() {
    closes_first(Closer::Server);
}

#[test]
fn dns_over_udp_is_decoded_and_outsiders_are_filtered_in_the_kernel() {
    let block = LoopbackBlock::claim();
    let Some(capture) = capture_or_skip(&block, &[10, 53]) else {
        return;
    };
    let resolver = UdpSocket::bind(block.addr(53, DNS_PORT)).unwrap();
    resolver
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let client = UdpSocket::bind(block.addr(10, 0)).unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let outsider = UdpSocket::bind(block.addr(200, 0)).unwrap();

    // An address outside the set talks to one inside: the kernel filter keeps it out.
    outsider
        .send_to(b"not for the lab", block.addr(53, DNS_PORT))
        .unwrap();
    let mut buf = [0u8; 512];
    let (_, from) = resolver.recv_from(&mut buf).unwrap();
    resolver.send_to(b"nor this", from).unwrap();

    let query = test_support::build_query(
        0x5150,
        "www.google.com",
        domain::base::Rtype::A,
        test_support::QueryOptions::default(),
    );
    client.send_to(&query, block.addr(53, DNS_PORT)).unwrap();
    let (len, from) = resolver.recv_from(&mut buf).unwrap();
    let asked = Message::from_octets(buf[..len].to_vec()).unwrap();
    let mut answer = MessageBuilder::new_vec()
        .start_answer(&asked, Rcode::NOERROR)
        .unwrap()
        .answer();
    let name = dns::parse_name("www.google.com.").unwrap();
    answer.push((name, 300, A::new(v4(&block, 80)))).unwrap();
    resolver.send_to(answer.as_slice(), from).unwrap();
    let (len, _) = client.recv_from(&mut buf).unwrap();
    assert!(len > 12);

    let report = capture.stop();
    let lines: Vec<String> = report.packets.iter().map(Packet::summary).collect();
    let outsider_ip = block.ip(200);
    assert!(
        report
            .packets
            .iter()
            .all(|p| p.src.ip() != outsider_ip && p.dst.ip() != outsider_ip),
        "an outsider's packet got through:\n{}",
        lines.join("\n")
    );
    assert_eq!(report.packets.len(), 2, "{}", lines.join("\n"));
    let query = report.packets[0].dns.as_ref().expect("the query decoded");
    assert_eq!((query.id, query.response), (0x5150, false));
    assert_eq!(query.question.as_deref(), Some("www.google.com. IN A"));
    let response = report.packets[1]
        .dns
        .as_ref()
        .expect("the response decoded");
    assert_eq!((response.id, response.response), (0x5150, true));
    assert_eq!(response.rcode, "NOERROR");
    assert_eq!(
        response.answers,
        [format!("www.google.com. 300 IN A {}", block.ip(80))]
    );
    assert!(
        lines[1].contains("DNS response 0x5150 NOERROR"),
        "{}",
        lines[1]
    );
    assert!(report.packets[0].at <= report.packets[1].at);
}

/// A query to an address with no server on the port: the kernel answers "port unreachable",
/// the symptom of a dead root server in the lab.
#[test]
fn a_query_to_a_dead_server_meets_icmp_port_unreachable() {
    let block = LoopbackBlock::claim();
    let Some(capture) = capture_or_skip(&block, &[2, 53]) else {
        return;
    };
    let resolver = UdpSocket::bind(block.addr(53, 0)).unwrap();
    resolver
        .send_to(b"anyone there?", block.addr(2, DNS_PORT))
        .unwrap();
    // The kernel's ICMP error goes to the wire only (the socket is not connected, so it
    // reports no error); the capture's stop drains what is queued, so no sleep is needed.
    let report = capture.stop();
    let lines: Vec<String> = report.packets.iter().map(Packet::summary).collect();
    assert_eq!(
        lines.last().map(String::as_str),
        Some(
            format!(
                "{} > {} ICMP destination unreachable (port unreachable)",
                block.ip(2),
                block.ip(53)
            )
            .as_str()
        ),
        "{}",
        lines.join("\n")
    );
}
