//! Command-line parsing and query building: words in dig's free order become one `DigQuery`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::str::FromStr;
use std::time::Duration;

use domain::base::iana::Class;
use domain::base::{Message, Name, Rtype};

use text::Lang;

use super::{
    DigCommand, DigQuery, EDNS_UDP_PAYLOAD_SIZE, OutputFormat, TraceFrom, UsageError,
    first_nameserver, parse_words,
};

/// The resolver a test machine would use when no `@SERVER` is given.
const SYSTEM_RESOLVER: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 53));

fn parse(line: &str) -> Result<DigCommand, UsageError> {
    let words: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
    parse_words(&words, false, || SYSTEM_RESOLVER)
}

fn query(line: &str) -> DigQuery {
    match parse(line) {
        Ok(command) => command.query,
        Err(err) => panic!("`{line}` should parse, got: {err}"),
    }
}

fn usage_error(line: &str) -> UsageError {
    match parse(line) {
        Ok(command) => panic!("`{line}` should be a usage error, parsed as {command:?}"),
        Err(err) => err,
    }
}

fn name(text: &str) -> Name<Vec<u8>> {
    Name::from_str(text).expect("test name")
}

fn server(text: &str) -> SocketAddr {
    text.parse().expect("test address")
}

#[test]
fn name_type_and_server_are_found_in_any_order() {
    let expected = DigQuery {
        name: name("www.google.com."),
        rtype: Rtype::AAAA,
        class: Class::IN,
        server: server("127.0.0.6:53"),
        tcp: false,
        recursion_desired: true,
        timeout: Duration::from_secs(5),
        tries: 3,
    };
    for line in [
        "www.google.com AAAA @127.0.0.6",
        "@127.0.0.6 www.google.com AAAA",
        "AAAA @127.0.0.6 www.google.com",
        "aaaa www.google.com. @127.0.0.6",
    ] {
        assert_eq!(query(line), expected, "{line}");
    }
}

#[test]
fn defaults_are_type_a_class_in_recursion_and_the_system_resolver_on_port_53() {
    let query = query("www.example.com");
    assert_eq!(query.rtype, Rtype::A);
    assert_eq!(query.class, Class::IN);
    assert_eq!(query.server, SocketAddr::new(SYSTEM_RESOLVER, 53));
    assert!(query.recursion_desired);
    assert!(!query.tcp);
}

#[test]
fn the_system_resolver_is_not_looked_up_when_a_server_is_given() {
    let words = vec!["example.com".to_owned(), "@192.0.2.1".to_owned()];
    let command =
        parse_words(&words, false, || panic!("default server asked for")).expect("parses");
    assert_eq!(command.query.server, server("192.0.2.1:53"));
}

#[test]
fn without_a_name_dig_asks_the_root_for_ns_or_the_type_given() {
    let query_no_words = query("");
    assert_eq!(query_no_words.name, Name::root_vec());
    assert_eq!(query_no_words.rtype, Rtype::NS);
    let query_type_only = query("MX @127.0.0.2");
    assert_eq!(query_type_only.name, Name::root_vec());
    assert_eq!(query_type_only.rtype, Rtype::MX);
}

#[test]
fn server_ports_ipv6_and_dash_p() {
    assert_eq!(query("x @127.0.0.6:1053").server, server("127.0.0.6:1053"));
    assert_eq!(
        query("x @127.0.0.6 -p 1053").server,
        server("127.0.0.6:1053")
    );
    assert_eq!(
        query("-p 1053 x @127.0.0.6").server,
        server("127.0.0.6:1053")
    );
    assert_eq!(
        query("x @127.0.0.6 -p1053").server,
        server("127.0.0.6:1053")
    );
    assert_eq!(query("x @::1").server, server("[::1]:53"));
    assert_eq!(query("x @[::1]").server, server("[::1]:53"));
    assert_eq!(query("x @[::1]:1053").server, server("[::1]:1053"));
    assert_eq!(query("x @::1 -p 5353").server, server("[::1]:5353"));
    assert_eq!(query("x @2001:db8::53").server, server("[2001:db8::53]:53"));
    // -p applies to the default server too.
    assert_eq!(
        query("x -p 1053").server,
        SocketAddr::new(SYSTEM_RESOLVER, 1053)
    );
    // A port written with the server is the one meant; -p does not override it.
    assert_eq!(
        query("x @127.0.0.6:1053 -p 53").server,
        server("127.0.0.6:1053")
    );
}

#[test]
fn plus_options_set_transport_recursion_timing_and_output() {
    let query_tcp = query("x +tcp +norec");
    assert!(query_tcp.tcp);
    assert!(!query_tcp.recursion_desired);
    let query_back = query("x +tcp +norec +notcp +rec");
    assert!(!query_back.tcp);
    assert!(query_back.recursion_desired);
    assert!(query("x +vc +norecurse").tcp);
    let timed = query("x +time=2 +tries=1");
    assert_eq!(timed.timeout, Duration::from_secs(2));
    assert_eq!(timed.tries, 1);
    assert_eq!(query("x +retry=0").tries, 1);
    assert_eq!(query("x +retry=4").tries, 5);
}

#[test]
fn any_goes_over_tcp_unless_notcp_as_dig_does() {
    assert!(query("example.com ANY").tcp);
    assert!(!query("example.com ANY +notcp").tcp);
    assert!(!query("+notcp example.com ANY").tcp);
}

#[test]
fn output_format_is_dig_short_or_json() {
    let format = |line: &str| parse(line).expect("parses").format;
    assert_eq!(format("x"), OutputFormat::Dig);
    assert_eq!(format("x +short"), OutputFormat::Short);
    assert_eq!(format("x +short +noshort"), OutputFormat::Dig);
    // clap hands `--json` over as a word when it follows the words.
    assert_eq!(format("x --json"), OutputFormat::Json);
    assert_eq!(format("x +short --json"), OutputFormat::Json);
    let words = vec!["x".to_owned()];
    let command = parse_words(&words, true, || SYSTEM_RESOLVER).expect("parses");
    assert_eq!(command.format, OutputFormat::Json);
}

#[test]
fn types_and_classes_by_mnemonic_number_or_option() {
    assert_eq!(query("x TYPE123").rtype, Rtype::from_int(123));
    assert_eq!(query("x type65280").rtype, Rtype::from_int(65280));
    assert_eq!(query("x -t mx").rtype, Rtype::MX);
    assert_eq!(query("x -tSOA").rtype, Rtype::SOA);
    assert_eq!(query("x CAA").rtype, Rtype::CAA);
    assert_eq!(query("x SRV").rtype, Rtype::SRV);
    assert_eq!(query("x PTR").rtype, Rtype::PTR);
    let chaos = query("version.bind CH TXT");
    assert_eq!(chaos.class, Class::CH);
    assert_eq!(chaos.rtype, Rtype::TXT);
    assert_eq!(query("x -c CH").class, Class::CH);
    assert_eq!(query("-q a.example -t NS").name, name("a.example"));
}

#[test]
fn a_second_type_word_is_the_name_when_no_name_was_given() {
    // `dig ns mx` has no clean reading; like dig, the first type word is the type.
    let query = query("NS MX");
    assert_eq!(query.rtype, Rtype::NS);
    assert_eq!(query.name, name("mx."));
}

#[test]
fn unknown_options_are_usage_errors() {
    assert_eq!(
        usage_error("x +foo"),
        UsageError::UnknownOption("+foo".to_owned())
    );
    assert_eq!(
        usage_error("x +tcp=1"),
        UsageError::UnknownOption("+tcp=1".to_owned())
    );
    assert_eq!(
        usage_error("x -x"),
        UsageError::UnknownOption("-x".to_owned())
    );
    assert!(matches!(usage_error("x AXFR"), UsageError::NotSupported(_)));
}

#[test]
fn bad_servers_and_ports_are_usage_errors() {
    assert_eq!(
        usage_error("x @ns1.example.com"),
        UsageError::BadServer("ns1.example.com".to_owned())
    );
    assert_eq!(usage_error("x @"), UsageError::BadServer(String::new()));
    assert_eq!(
        usage_error("x @127.0.0.1:99999"),
        UsageError::BadPort("99999".to_owned())
    );
    assert_eq!(
        usage_error("x @[::1]:http"),
        UsageError::BadPort("http".to_owned())
    );
    assert_eq!(usage_error("x -p"), UsageError::MissingValue("-p"));
    assert_eq!(
        usage_error("x -p abc"),
        UsageError::BadPort("abc".to_owned())
    );
    assert_eq!(usage_error("x -t"), UsageError::MissingValue("-t"));
    assert_eq!(
        usage_error("x -t BOGUS"),
        UsageError::BadType("BOGUS".to_owned())
    );
    assert!(matches!(
        usage_error("x +time=0"),
        UsageError::BadNumber { option: "time", .. }
    ));
    assert!(matches!(
        usage_error("x +tries=many"),
        UsageError::BadNumber {
            option: "tries",
            ..
        }
    ));
}

#[test]
fn bad_names_are_usage_errors() {
    assert!(matches!(usage_error("a..b"), UsageError::BadName { .. }));
    let long_label = "a".repeat(64);
    assert!(matches!(
        usage_error(&format!("{long_label}.example")),
        UsageError::BadName { .. }
    ));
    let long_name = vec!["abcdefghij"; 26].join(".");
    assert!(matches!(
        usage_error(&long_name),
        UsageError::BadName { .. }
    ));
    assert!(matches!(
        parse_words(&[String::new()], false, || SYSTEM_RESOLVER),
        Err(UsageError::BadName { .. })
    ));
}

#[test]
fn a_word_after_name_type_and_class_is_an_extra_argument() {
    assert_eq!(
        usage_error("example.com A IN other.example"),
        UsageError::ExtraArgument("other.example".to_owned())
    );
}

#[test]
fn usage_errors_read_as_one_line() {
    for err in [
        usage_error("x +foo"),
        usage_error("x @ns1.example.com"),
        usage_error("a..b"),
        usage_error("x +trace=1"),
    ] {
        let text = err.to_string();
        assert!(!text.contains('\n'), "{text}");
        assert!(!text.is_empty());
    }
}

#[test]
fn the_first_nameserver_of_resolv_conf_is_the_default() {
    let resolv_conf =
        "# generated\nsearch example.com\nnameserver  10.0.0.53 \nnameserver 10.0.0.54\n";
    assert_eq!(
        first_nameserver(resolv_conf),
        Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 53)))
    );
    assert_eq!(
        first_nameserver("nameserver fe80::1%eth0\n"),
        Some("fe80::1".parse().expect("address"))
    );
    assert_eq!(
        first_nameserver("nameserver bogus\nnameserver ::1\n"),
        Some("::1".parse().expect("address"))
    );
    assert_eq!(first_nameserver("options edns0\n"), None);
}

#[test]
fn the_query_carries_id_rd_question_and_edns_with_1232_octets() {
    let message = query("www.example.com MX @192.0.2.1")
        .to_message(0xbeef)
        .expect("query fits");
    let header = message.header();
    assert_eq!(header.id(), 0xbeef);
    assert!(!header.qr());
    assert!(header.rd());
    let counts = message.header_counts();
    assert_eq!(
        (
            counts.qdcount(),
            counts.ancount(),
            counts.nscount(),
            counts.arcount()
        ),
        (1, 0, 0, 1)
    );
    let question = message.sole_question().expect("one question");
    assert_eq!(question.qname().to_string(), "www.example.com");
    assert_eq!(question.qtype(), Rtype::MX);
    assert_eq!(question.qclass(), Class::IN);
    let opt = message.opt().expect("an OPT record");
    assert_eq!(opt.udp_payload_size(), EDNS_UDP_PAYLOAD_SIZE);
    assert_eq!(opt.version(), 0);
    assert!(!opt.dnssec_ok());
}

#[test]
fn norec_clears_rd_in_the_query() {
    let message = query("x +norec").to_message(1).expect("query fits");
    assert!(!message.header().rd());
    let reparsed = Message::from_octets(message.as_slice().to_vec()).expect("a message");
    assert!(!reparsed.header().rd());
}

#[test]
fn trace_starts_at_the_given_server_or_the_root_hints() {
    let trace = |line: &str| parse(line).unwrap().trace;
    assert_eq!(
        trace("www.google.com +trace @127.0.0.2:1053"),
        Some(TraceFrom::Root("127.0.0.2:1053".parse().unwrap()))
    );
    assert_eq!(
        trace("www.google.com +trace @127.0.0.2 -p 1053"),
        Some(TraceFrom::Root("127.0.0.2:1053".parse().unwrap()))
    );
    assert_eq!(
        trace("www.google.com +trace"),
        Some(TraceFrom::RootHints { port: 53 })
    );
    assert_eq!(trace("www.google.com"), None);
}

#[test]
fn the_global_lang_among_digs_words_is_skipped_and_checked() {
    // The language itself is read before parsing (crate::lang::in_args, tested there).
    assert_eq!(
        query("www.example.com --lang ko +norec").name,
        name("www.example.com")
    );
    assert_eq!(
        query("--lang=ko www.example.com").name,
        name("www.example.com")
    );
    assert_eq!(
        usage_error("x --lang de"),
        UsageError::BadLang("de".to_owned())
    );
    assert_eq!(usage_error("x --lang"), UsageError::MissingValue("--lang"));
    assert!(
        usage_error("x --lang de")
            .describe(Lang::Ko)
            .contains("알 수 없는 언어")
    );
}
