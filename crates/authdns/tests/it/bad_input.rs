//! Hostile bytes: the server never panics, answers FORMERR or stays silent as the RFCs want,
//! and still answers a good query afterwards.

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use domain::base::Message;
use domain::base::iana::{Rcode, Rtype};
use test_support::{QueryOptions, build_query, dns_query, exchange, read_tcp_message};

use super::{Fixture, Section, section, start};

/// The server still answers a good query. UDP may drop a datagram when a flood has filled the
/// socket's buffer, so, like any DNS client, this asks up to three times.
fn still_answers(f: &Fixture) {
    let answer = (0..3)
        .find_map(|_| dns_query(f.addr, "web.example.com", Rtype::A, QueryOptions::default()).ok());
    let m = answer.expect("no answer to a good query after three tries");
    assert_eq!(
        section(&m, Section::Answer),
        ["web.example.com. 3600 A 192.0.2.80"]
    );
}

fn good_query() -> Vec<u8> {
    build_query(
        0x4242,
        "web.example.com",
        Rtype::A,
        QueryOptions {
            edns: None,
            ..Default::default()
        },
    )
}

fn rcode_of(response: Option<Vec<u8>>) -> Option<Rcode> {
    response.map(|bytes| Message::from_octets(bytes).unwrap().header().rcode())
}

#[test]
fn truncated_header_is_ignored() {
    let f = start();
    for len in [0, 1, 5, 11] {
        assert_eq!(
            exchange(f.addr, &good_query()[..len], false).unwrap(),
            None,
            "{len} octets"
        );
    }
    still_answers(&f);
}

#[test]
fn truncated_question_is_formerr() {
    let f = start();
    let query = good_query();
    for len in [12, 13, 20, query.len() - 1] {
        assert_eq!(
            rcode_of(exchange(f.addr, &query[..len], false).unwrap()),
            Some(Rcode::FORMERR),
            "{len}"
        );
    }
    still_answers(&f);
}

#[test]
fn counts_that_lie_are_formerr() {
    let f = start();
    let mut query = good_query();
    query[11] = 3; // ARCOUNT 3, but no additional records follow.
    assert_eq!(
        rcode_of(exchange(f.addr, &query, false).unwrap()),
        Some(Rcode::FORMERR)
    );
    let mut query = good_query();
    query[7] = 1; // ANCOUNT 1 in a query.
    assert_eq!(
        rcode_of(exchange(f.addr, &query, false).unwrap()),
        Some(Rcode::FORMERR)
    );
    still_answers(&f);
}

#[test]
fn qdcount_zero_or_two_is_formerr() {
    let f = start();
    let mut query = good_query();
    query[5] = 0;
    assert_eq!(
        rcode_of(exchange(f.addr, &query[..12], false).unwrap()),
        Some(Rcode::FORMERR)
    );
    let mut query = good_query();
    let question = query[12..].to_vec();
    query[5] = 2;
    query.extend_from_slice(&question);
    assert_eq!(
        rcode_of(exchange(f.addr, &query, false).unwrap()),
        Some(Rcode::FORMERR)
    );
    still_answers(&f);
}

#[test]
fn compression_pointer_loop_is_formerr() {
    let f = start();
    let mut query = good_query()[..12].to_vec();
    query.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1]); // The name points at itself.
    assert_eq!(
        rcode_of(exchange(f.addr, &query, false).unwrap()),
        Some(Rcode::FORMERR)
    );
    still_answers(&f);
}

#[test]
fn label_over_63_and_name_over_255_are_formerr() {
    let f = start();
    let mut query = good_query()[..12].to_vec();
    query.push(64);
    query.extend_from_slice(&[b'a'; 64]);
    query.extend_from_slice(&[0, 0, 1, 0, 1]);
    assert_eq!(
        rcode_of(exchange(f.addr, &query, false).unwrap()),
        Some(Rcode::FORMERR)
    );
    let mut query = good_query()[..12].to_vec();
    for _ in 0..5 {
        query.push(63);
        query.extend_from_slice(&[b'a'; 63]);
    }
    query.extend_from_slice(&[0, 0, 1, 0, 1]);
    assert_eq!(
        rcode_of(exchange(f.addr, &query, false).unwrap()),
        Some(Rcode::FORMERR)
    );
    still_answers(&f);
}

#[test]
fn a_response_is_never_answered() {
    let f = start();
    let mut query = good_query();
    query[2] |= 0x80; // QR=1
    assert_eq!(exchange(f.addr, &query, false).unwrap(), None);
    still_answers(&f);
}

#[test]
fn other_opcodes_are_notimp() {
    let f = start();
    let mut query = good_query();
    query[2] = (query[2] & 0x87) | (4 << 3); // NOTIFY
    assert_eq!(
        rcode_of(exchange(f.addr, &query, false).unwrap()),
        Some(Rcode::NOTIMP)
    );
    let mut query = good_query();
    query[2] = (query[2] & 0x87) | (2 << 3); // STATUS
    assert_eq!(
        rcode_of(exchange(f.addr, &query, false).unwrap()),
        Some(Rcode::NOTIMP)
    );
    still_answers(&f);
}

#[test]
fn two_opt_records_are_formerr() {
    let f = start();
    let mut query = build_query(5, "web.example.com", Rtype::A, QueryOptions::default());
    let opt = query[query.len() - 11..].to_vec();
    query.extend_from_slice(&opt);
    query[11] = 2;
    assert_eq!(
        rcode_of(exchange(f.addr, &query, false).unwrap()),
        Some(Rcode::FORMERR)
    );
    still_answers(&f);
}

#[test]
fn axfr_is_refused() {
    let f = start();
    let m = f.ask_with(
        "example.com",
        Rtype::AXFR,
        QueryOptions {
            tcp: true,
            ..Default::default()
        },
    );
    assert_eq!(m.header().rcode(), Rcode::REFUSED);
}

#[test]
fn garbage_on_tcp_closes_that_connection_only() {
    let f = start();
    let mut stream = TcpStream::connect(f.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    stream.write_all(&[0, 5, 1, 2, 3, 4, 5]).unwrap(); // A 5-octet "message": no header.
    assert_eq!(
        read_tcp_message(&mut stream).unwrap(),
        None,
        "closed without an answer"
    );
    let m = f.ask_with(
        "web.example.com",
        Rtype::A,
        QueryOptions {
            tcp: true,
            ..Default::default()
        },
    );
    assert_eq!(
        section(&m, Section::Answer),
        ["web.example.com. 3600 A 192.0.2.80"]
    );
}

#[test]
fn random_bytes_never_stop_the_server() {
    let f = start();
    // A fixed pseudo-random sequence (xorshift), so a failure can be replayed.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let base = good_query();
    for _ in 0..2000 {
        let mut packet = base.clone();
        // Flip a few bytes, or cut the packet short.
        for _ in 0..(next() % 4 + 1) {
            let i = (next() as usize) % packet.len();
            packet[i] = next() as u8;
        }
        packet.truncate(((next() as usize) % (packet.len() + 1)).max(1));
        socket.send_to(&packet, f.addr).unwrap();
    }
    still_answers(&f);
}
