//! Rendering of responses built here with domain's `MessageBuilder`: dig's text layout, `+short`
//! and the `--json` shape. Real dig's output for the same responses from a real server is
//! compared in `tests/it/dig.rs`.

use std::net::SocketAddr;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use domain::base::iana::{Class, OptionCode, Rcode};
use domain::base::{Message, MessageBuilder, Name, Rtype, UnknownRecordData};
use domain::dep::octseq::OctetsBuilder as _;
use domain::rdata::{A, Aaaa, Cname, Mx, Txt};

use super::super::response::DigResponse;
use super::super::transport::{Exchange, Transport};
use super::{dig_date, pad_to, record_line, write_json, write_short, write_text};

/// 2024-01-02 03:04:05 UTC, a Tuesday.
fn fixed_now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_704_164_645)
}

fn name(text: &str) -> Name<Vec<u8>> {
    Name::from_str(text).expect("test name")
}

/// The lab's answer for www.google.com: a CNAME into google's CDN name and its address,
/// authoritative, with EDNS, to a query with RD set.
fn google_response() -> Message<Vec<u8>> {
    let mut builder = MessageBuilder::new_vec();
    let header = builder.header_mut();
    header.set_id(12345);
    header.set_qr(true);
    header.set_aa(true);
    header.set_rd(true);
    let mut question = builder.question();
    question
        .push((name("www.google.com"), Rtype::A, Class::IN))
        .expect("room");
    let mut answer = question.answer();
    answer
        .push((
            name("www.google.com"),
            Class::IN,
            300,
            Cname::new(name("www3.l.google.com")),
        ))
        .expect("room");
    answer
        .push((
            name("www3.l.google.com"),
            Class::IN,
            300,
            A::from_octets(127, 0, 0, 80),
        ))
        .expect("room");
    let mut additional = answer.additional();
    additional
        .opt(|opt| {
            opt.set_udp_payload_size(1232);
            Ok(())
        })
        .expect("room");
    additional.into_message()
}

fn exchange(response: Message<Vec<u8>>, transport: Transport) -> Exchange {
    Exchange {
        server: "127.0.0.6:1053".parse().expect("address"),
        response,
        transport,
        query_time: Duration::from_micros(420),
        truncated_udp_response: false,
    }
}

fn text_of(exchange: &Exchange) -> String {
    let response = DigResponse::decode(&exchange.response).expect("well-formed");
    let mut out = Vec::new();
    write_text(
        &mut out,
        "www.google.com A @127.0.0.6 -p 1053",
        exchange,
        &response,
        fixed_now(),
    )
    .expect("write to a Vec");
    String::from_utf8(out).expect("UTF-8")
}

fn json_of(exchange: &Exchange) -> serde_json::Value {
    let response = DigResponse::decode(&exchange.response).expect("well-formed");
    let mut out = Vec::new();
    write_json(&mut out, exchange, &response).expect("write to a Vec");
    serde_json::from_slice(&out).expect("one JSON document")
}

/// Compares texts line by line and prints both in full on failure.
fn assert_text_eq(got: &str, expected: &str) {
    assert!(
        got == expected,
        "\n--- expected ---\n{expected}\n--- got ---\n{got}\n--- end ---"
    );
}

#[test]
fn text_follows_digs_layout_line_for_line() {
    let exchange = exchange(google_response(), Transport::Udp);
    let size = exchange.response.as_slice().len();
    let expected = format!(
        "
; <<>> roundtrip dig <<>> www.google.com A @127.0.0.6 -p 1053
;; Got answer:
;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 12345
;; flags: qr aa rd; QUERY: 1, ANSWER: 2, AUTHORITY: 0, ADDITIONAL: 1
;; WARNING: recursion requested but not available

;; OPT PSEUDOSECTION:
; EDNS: version: 0, flags:; udp: 1232
;; QUESTION SECTION:
;www.google.com.\t\t\tIN\tA

;; ANSWER SECTION:
www.google.com.\t\t300\tIN\tCNAME\twww3.l.google.com.
www3.l.google.com.\t300\tIN\tA\t127.0.0.80

;; Query time: 0 msec
;; SERVER: 127.0.0.6#1053(127.0.0.6) (UDP)
;; WHEN: Tue Jan 02 03:04:05 UTC 2024
;; MSG SIZE  rcvd: {size}

"
    );
    assert_text_eq(&text_of(&exchange), &expected);
}

#[test]
fn sections_without_records_are_omitted_and_authority_and_additional_are_shown() {
    let mut builder = MessageBuilder::new_vec();
    builder.header_mut().set_qr(true);
    builder.header_mut().set_rcode(Rcode::NXDOMAIN);
    let mut question = builder.question();
    question
        .push((name("nothere.example.test"), Rtype::A, Class::IN))
        .expect("room");
    let mut authority = question.authority();
    authority
        .push((
            name("example.test"),
            Class::IN,
            300,
            domain::rdata::Ns::new(name("ns1.example.test")),
        ))
        .expect("room");
    let mut additional = authority.additional();
    additional
        .push((
            name("ns1.example.test"),
            Class::IN,
            300,
            A::from_octets(127, 0, 99, 1),
        ))
        .expect("room");
    let text = text_of(&exchange(additional.into_message(), Transport::Udp));

    assert!(text.contains("status: NXDOMAIN"), "{text}");
    assert!(!text.contains("ANSWER SECTION"), "{text}");
    assert!(!text.contains("OPT PSEUDOSECTION"), "{text}");
    assert!(!text.contains("WARNING"), "rd was not set: {text}");
    assert!(
        text.contains("\n;; AUTHORITY SECTION:\nexample.test.\t\t300\tIN\tNS\tns1.example.test.\n"),
        "{text}"
    );
    assert!(
        text.contains("\n;; ADDITIONAL SECTION:\nns1.example.test.\t300\tIN\tA\t127.0.99.1\n"),
        "{text}"
    );
    // Without EDNS the blank line after the header leads straight to the question.
    assert!(
        text.contains("ADDITIONAL: 1\n\n;; QUESTION SECTION:\n"),
        "{text}"
    );
}

#[test]
fn flags_are_listed_in_digs_order_and_none_reads_flags_semicolon() {
    let mut builder = MessageBuilder::new_vec();
    let header = builder.header_mut();
    for set in [
        domain::base::Header::set_cd,
        domain::base::Header::set_ad,
        domain::base::Header::set_ra,
        domain::base::Header::set_rd,
        domain::base::Header::set_tc,
        domain::base::Header::set_aa,
        domain::base::Header::set_qr,
    ] {
        set(header, true);
    }
    let text = text_of(&exchange(builder.into_message(), Transport::Tcp));
    assert!(
        text.contains(";; flags: qr aa tc rd ra ad cd; QUERY: 0,"),
        "{text}"
    );
    assert!(text.contains("(127.0.0.6) (TCP)\n"), "{text}");

    let bare = text_of(&exchange(
        MessageBuilder::new_vec().into_message(),
        Transport::Udp,
    ));
    assert!(bare.contains(";; flags:; QUERY: 0, ANSWER: 0"), "{bare}");
}

#[test]
fn a_tcp_retry_after_truncation_is_announced_first() {
    let mut exchange = exchange(google_response(), Transport::Tcp);
    exchange.truncated_udp_response = true;
    let text = text_of(&exchange);
    assert!(
        text.starts_with(";; Truncated, retrying in TCP mode.\n\n; <<>> roundtrip dig <<>>"),
        "{text}"
    );
    assert_eq!(json_of(&exchange)["truncated_udp_response"], true);
    assert_eq!(json_of(&exchange)["transport"], "tcp");
}

#[test]
fn records_reach_digs_columns_with_tabs_and_overflow_with_one_space() {
    let record = |owner: &str, ttl: u32, rtype: Rtype, data: &str| super::RecordEntry {
        owner: owner.to_owned(),
        ttl,
        class: Class::IN,
        rtype,
        data: data.to_owned(),
    };
    assert_eq!(
        record_line(&record("a.", 60, Rtype::A, "192.0.2.1")),
        "a.\t\t\t60\tIN\tA\t192.0.2.1"
    );
    assert_eq!(
        record_line(&record("www3.l.google.com.", 300, Rtype::A, "127.0.0.80")),
        "www3.l.google.com.\t300\tIN\tA\t127.0.0.80"
    );
    // 23 characters: one tab; 24: past the column, so one space.
    assert_eq!(
        record_line(&record("abcdefghijklmnopqrstuv.", 1, Rtype::A, "x")),
        "abcdefghijklmnopqrstuv.\t1\tIN\tA\tx"
    );
    assert_eq!(
        record_line(&record("abcdefghijklmnopqrstuvw.", 1, Rtype::A, "x")),
        "abcdefghijklmnopqrstuvw. 1\tIN\tA\tx"
    );
    // A TTL that runs past the class column gets one space.
    assert_eq!(
        record_line(&record("longttl.example.test.", 2147483647, Rtype::A, "x")),
        "longttl.example.test.\t2147483647 IN\tA\tx"
    );
    // A type past the data column (TYPE65280 is 9 characters) gets one space.
    assert_eq!(
        record_line(&record("u.", 1, Rtype::from_int(65280), "\\# 0")),
        "u.\t\t\t1\tIN\tTYPE65280 \\# 0"
    );
}

#[test]
fn pad_to_is_bind_indent() {
    let mut line = String::from("abc");
    let mut column = 3;
    pad_to(&mut line, &mut column, 8);
    assert_eq!((line.as_str(), column), ("abc\t", 8));
    let mut line = String::from("abcdefgh");
    let mut column = 8;
    pad_to(&mut line, &mut column, 8);
    assert_eq!((line.as_str(), column), ("abcdefgh ", 9));
}

#[test]
fn record_data_is_in_presentation_format() {
    let mut builder = MessageBuilder::new_vec();
    builder.header_mut().set_qr(true);
    let mut answer = builder.answer();
    let owner = name("example.test");
    answer
        .push((
            &owner,
            Class::IN,
            300,
            Mx::new(10, name("mail.example.test")),
        ))
        .expect("room");
    answer
        .push((
            &owner,
            Class::IN,
            300,
            Txt::<Vec<u8>>::build_from_slice(b"v=spf1 \"quoted\" -all").expect("short"),
        ))
        .expect("room");
    answer
        .push((
            &owner,
            Class::IN,
            300,
            Aaaa::new("2001:db8::80".parse().expect("v6")),
        ))
        .expect("room");
    answer
        .push((
            &owner,
            Class::IN,
            300,
            UnknownRecordData::from_octets(Rtype::from_int(65280), vec![10, 0, 0, 1])
                .expect("short"),
        ))
        .expect("room");
    answer
        .push((
            &owner,
            Class::IN,
            300,
            UnknownRecordData::from_octets(Rtype::from_int(65281), Vec::new()).expect("short"),
        ))
        .expect("room");
    let response = DigResponse::decode(&answer.into_message()).expect("well-formed");
    let data: Vec<&str> = response.answer.iter().map(|r| r.data.as_str()).collect();
    assert_eq!(
        data,
        [
            "10 mail.example.test.",
            "\"v=spf1 \\\"quoted\\\" -all\"",
            "2001:db8::80",
            "\\# 4 0A000001",
            "\\# 0",
        ]
    );
    let mut short = Vec::new();
    write_short(&mut short, &response).expect("write to a Vec");
    assert_eq!(
        String::from_utf8(short).expect("UTF-8"),
        "10 mail.example.test.\n\"v=spf1 \\\"quoted\\\" -all\"\n2001:db8::80\n\\# 4 0A000001\n\\# 0\n"
    );
}

#[test]
fn json_has_the_documented_shape() {
    let exchange = exchange(google_response(), Transport::Udp);
    let json = json_of(&exchange);
    let keys: Vec<&str> = json
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected_keys = vec![
        "server",
        "transport",
        "truncated_udp_response",
        "query_time_ms",
        "msg_size",
        "id",
        "opcode",
        "rcode",
        "flags",
        "edns",
        "question",
        "answer",
        "authority",
        "additional",
    ];
    let mut keys_sorted = keys.clone();
    keys_sorted.sort_unstable();
    expected_keys.sort_unstable();
    assert_eq!(keys_sorted, expected_keys);

    assert_eq!(json["server"], "127.0.0.6:1053");
    assert_eq!(json["transport"], "udp");
    assert_eq!(json["truncated_udp_response"], false);
    assert_eq!(json["query_time_ms"], 0.42);
    assert_eq!(json["msg_size"], exchange.response.as_slice().len());
    assert_eq!(json["id"], 12345);
    assert_eq!(json["opcode"], "QUERY");
    assert_eq!(json["rcode"], "NOERROR");
    assert_eq!(
        json["flags"],
        serde_json::json!({"qr": true, "aa": true, "tc": false, "rd": true, "ra": false,
                           "ad": false, "cd": false})
    );
    assert_eq!(
        json["edns"],
        serde_json::json!({"version": 0, "udp_size": 1232, "dnssec_ok": false, "options": []})
    );
    assert_eq!(
        json["question"],
        serde_json::json!([{"name": "www.google.com.", "type": "A", "class": "IN"}])
    );
    assert_eq!(
        json["answer"],
        serde_json::json!([
            {"name": "www.google.com.", "ttl": 300, "class": "IN", "type": "CNAME",
             "data": "www3.l.google.com."},
            {"name": "www3.l.google.com.", "ttl": 300, "class": "IN", "type": "A",
             "data": "127.0.0.80"},
        ])
    );
    // The OPT record is `edns`, never an additional record.
    assert_eq!(json["authority"], serde_json::json!([]));
    assert_eq!(json["additional"], serde_json::json!([]));
}

#[test]
fn json_edns_is_null_without_opt_and_rcode_is_the_extended_one() {
    let mut builder = MessageBuilder::new_vec();
    builder.header_mut().set_qr(true);
    builder.header_mut().set_rcode(Rcode::REFUSED);
    let json = json_of(&exchange(builder.into_message(), Transport::Udp));
    assert_eq!(json["edns"], serde_json::Value::Null);
    assert_eq!(json["rcode"], "REFUSED");

    // BADVERS (16) lives in the OPT record's extended rcode bits (RFC 6891 section 6.1.3).
    let mut builder = MessageBuilder::new_vec().additional();
    builder.header_mut().set_qr(true);
    builder
        .opt(|opt| {
            opt.set_rcode(domain::base::iana::OptRcode::BADVERS);
            Ok(())
        })
        .expect("room");
    let exchange = exchange(builder.into_message(), Transport::Udp);
    assert_eq!(json_of(&exchange)["rcode"], "BADVERS");
    assert!(text_of(&exchange).contains("status: BADVERS,"));
}

#[test]
fn edns_options_are_shown_in_text_and_json() {
    let mut builder = MessageBuilder::new_vec().additional();
    builder.header_mut().set_qr(true);
    builder
        .opt(|opt| {
            opt.set_udp_payload_size(1232);
            opt.set_dnssec_ok(true);
            opt.push_raw_option(OptionCode::NSID, 3, |target| target.append_slice(b"ns1"))?;
            opt.push_raw_option(OptionCode::EXTENDED_ERROR, 2, |target| {
                target.append_slice(&[0, 21])
            })
        })
        .expect("room");
    let exchange = exchange(builder.into_message(), Transport::Udp);
    let text = text_of(&exchange);
    assert!(
        text.contains(
            "; EDNS: version: 0, flags: do; udp: 1232\n; NSID: 6e 73 31 (\"ns1\")\n; EDE: 21 (Not Supported)\n"
        ),
        "{text}"
    );
    let json = json_of(&exchange);
    assert_eq!(json["edns"]["dnssec_ok"], true);
    assert_eq!(
        json["edns"]["options"],
        serde_json::json!([{"code": 3, "name": "NSID", "data": "6e7331"},
                           {"code": 15, "name": "EDE", "data": "0015"}])
    );
}

#[test]
fn owner_names_are_escaped_as_bind_does() {
    let owner: Name<Vec<u8>> =
        Name::from_octets(b"\x08a b\"(;)\x01\x05x.y@$\x00".to_vec()).expect("valid wire name");
    assert_eq!(
        super::super::response::presentation_name(&owner),
        "a\\032b\\\"\\(\\;\\)\\001.x\\.y\\@\\$."
    );
    assert_eq!(
        super::super::response::presentation_name(&Name::root_vec()),
        "."
    );
}

#[test]
fn dates_are_digs_when_line_in_utc() {
    assert_eq!(dig_date(UNIX_EPOCH), "Thu Jan 01 00:00:00 UTC 1970");
    assert_eq!(dig_date(fixed_now()), "Tue Jan 02 03:04:05 UTC 2024");
    // A leap day, and the last second of a leap year.
    assert_eq!(
        dig_date(UNIX_EPOCH + Duration::from_secs(951_782_400)),
        "Tue Feb 29 00:00:00 UTC 2000"
    );
    assert_eq!(
        dig_date(UNIX_EPOCH + Duration::from_secs(1_735_689_599)),
        "Tue Dec 31 23:59:59 UTC 2024"
    );
}

#[test]
fn a_malformed_response_is_an_error_naming_the_place_not_a_panic() {
    // The header promises an answer that is not there.
    let mut octets = google_response().into_octets();
    octets.truncate(40);
    let message = Message::from_octets(octets).expect("has a header");
    let err = DigResponse::decode(&message).expect_err("truncated message");
    assert!(err.to_string().starts_with("answer record"), "{err}");

    // An A record with three octets of data.
    let mut builder = MessageBuilder::new_vec();
    builder.header_mut().set_qr(true);
    let mut answer = builder.answer();
    answer
        .push((
            name("bad.example"),
            Class::IN,
            1,
            UnknownRecordData::from_octets(Rtype::A, vec![1, 2, 3]).expect("short"),
        ))
        .expect("room");
    let err = DigResponse::decode(&answer.into_message()).expect_err("short A record");
    assert!(
        err.to_string()
            .starts_with("answer record 1: A record data"),
        "{err}"
    );

    // Every prefix of a good response either decodes or is refused; none panics.
    let full = google_response().into_octets();
    for len in 12..full.len() {
        let message = Message::from_octets(full[..len].to_vec()).expect("has a header");
        let _ = DigResponse::decode(&message);
    }
}

#[test]
fn the_server_line_shows_ipv6_addresses_bare() {
    let mut exchange = exchange(google_response(), Transport::Udp);
    exchange.server = SocketAddr::from_str("[::1]:1053").expect("address");
    let text = text_of(&exchange);
    assert!(text.contains(";; SERVER: ::1#1053(::1) (UDP)\n"), "{text}");
    assert_eq!(json_of(&exchange)["server"], "[::1]:1053");
}
