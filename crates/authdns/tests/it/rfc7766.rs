//! RFC 7766: DNS over TCP — the length prefix, several queries on one connection, pipelining
//! and the idle timeout.

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use domain::base::Message;
use domain::base::iana::Rtype;
use test_support::{QueryOptions, build_query, read_tcp_message};

use super::{Section, section, start};

fn frame(query: &[u8]) -> Vec<u8> {
    let mut framed = (query.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(query);
    framed
}

#[test]
fn s6_2_1_several_queries_on_one_connection_pipelined() {
    let f = start();
    let mut stream = TcpStream::connect(f.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    // Three queries written at once, before reading any answer.
    let mut all = Vec::new();
    for (id, name) in [
        (1u16, "web.example.com"),
        (2, "mail.example.com"),
        (3, "nope.example.com"),
    ] {
        all.extend(frame(&build_query(
            id,
            name,
            Rtype::A,
            QueryOptions::default(),
        )));
    }
    stream.write_all(&all).unwrap();
    for id in 1..=3u16 {
        let bytes = read_tcp_message(&mut stream)
            .unwrap()
            .expect("an answer per query");
        let m = Message::from_octets(bytes).unwrap();
        assert_eq!(m.header().id(), id);
    }
}

#[test]
fn s6_2_1_split_writes_are_reassembled() {
    let f = start();
    let mut stream = TcpStream::connect(f.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    stream.set_nodelay(true).unwrap();
    let framed = frame(&build_query(
        9,
        "web.example.com",
        Rtype::A,
        QueryOptions::default(),
    ));
    for byte in &framed {
        stream.write_all(std::slice::from_ref(byte)).unwrap();
    }
    let m = Message::from_octets(read_tcp_message(&mut stream).unwrap().unwrap()).unwrap();
    assert_eq!(
        section(&m, Section::Answer),
        ["web.example.com. 3600 A 192.0.2.80"]
    );
}

#[test]
fn s6_2_3_idle_connection_is_closed() {
    let f = start();
    let mut stream = TcpStream::connect(f.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let started = Instant::now();
    // The server closes after its idle timeout (10 s by default): read returns EOF.
    let eof = read_tcp_message(&mut stream).unwrap();
    assert!(eof.is_none());
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(9) && waited < Duration::from_secs(25),
        "closed after {waited:?}"
    );
}
