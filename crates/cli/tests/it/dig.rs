//! `roundtrip dig` end to end: the binary asks a real `roundtrip serve auth`, started here on a
//! loopback block of the test's own, about `tests/data/example.test.zone`; and for the same
//! questions to the same server, its text agrees with BIND's dig line for line.
//!
//! No mock servers: every response comes from the project's authoritative server over real
//! UDP and TCP sockets, or, for the failure cases, from the kernel (nothing listening).

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use test_support::{ChildGuard, LoopbackBlock, Peer, wait_until};

/// The port the lab's DNS servers share when not run as root.
const PORT: u16 = 1053;

/// The zone every test asks about, and its origin.
const ZONE_FILE: &str = "tests/data/example.test.zone";
const ORIGIN: &str = "example.test.";

/// A `roundtrip serve auth` for example.test on `.1` of a loopback block of this test's own;
/// the process is killed when this is dropped.
struct AuthServer {
    addr: SocketAddr,
    _process: ChildGuard,
    _block: LoopbackBlock,
}

impl AuthServer {
    /// Starts the server and waits until it answers a query (5 s at most).
    fn start() -> Self {
        let block = LoopbackBlock::claim();
        let addr = block.addr(1, PORT);
        let zone = Path::new(env!("CARGO_MANIFEST_DIR")).join(ZONE_FILE);
        let child = Command::new(env!("CARGO_BIN_EXE_roundtrip"))
            .args(["serve", "auth", "--listen", &addr.to_string(), "--zone"])
            .arg(format!("{ORIGIN}={}", zone.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("roundtrip serve auth starts");
        let mut process = ChildGuard(child);
        let ready = wait_until(Duration::from_secs(5), || {
            if matches!(process.0.try_wait(), Ok(Some(_))) {
                return true; // exited: reported below
            }
            dig(&[
                &format!("@{addr}"),
                ORIGIN,
                "SOA",
                "+short",
                "+time=1",
                "+tries=1",
            ])
            .status
            .success()
        });
        if let Ok(Some(status)) = process.0.try_wait() {
            panic!(
                "roundtrip serve auth on {addr} exited ({status}) before answering:\n{}",
                stderr_of(&mut process)
            );
        }
        if !ready {
            let _ = process.0.kill();
            panic!(
                "roundtrip serve auth on {addr} did not answer within 5 s:\n{}",
                stderr_of(&mut process)
            );
        }
        AuthServer {
            addr,
            _process: process,
            _block: block,
        }
    }

    /// `roundtrip dig @SERVER ARGS...` against this server; one try of two seconds at most.
    fn dig(&self, args: &[&str]) -> Output {
        let mut words = vec![
            format!("@{}", self.addr),
            "+time=2".into(),
            "+tries=1".into(),
        ];
        words.extend(args.iter().map(|arg| (*arg).to_owned()));
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        dig(&words)
    }
}

fn stderr_of(process: &mut ChildGuard) -> String {
    use std::io::Read as _;
    let mut text = String::new();
    if let Some(mut stderr) = process.0.stderr.take() {
        let _ = stderr.read_to_string(&mut text);
    }
    text
}

/// Runs `roundtrip dig ARGS...`.
fn dig(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_roundtrip"))
        .arg("dig")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("roundtrip dig runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts the exit code, showing both streams when it is not the expected one.
fn assert_exit(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "\n--- stdout ---\n{}\n--- stderr ---\n{}",
        stdout(output),
        stderr(output)
    );
}

/// The lines of one `;; NAME SECTION:` block of dig-style text.
fn section<'a>(text: &'a str, name: &str) -> Vec<&'a str> {
    let header = format!(";; {name} SECTION:");
    text.lines()
        .skip_while(|line| *line != header)
        .skip(1)
        .take_while(|line| !line.is_empty())
        .collect()
}

#[test]
fn a_cname_chain_is_shown_in_digs_layout() {
    let server = AuthServer::start();
    let output = server.dig(&["www.example.test", "A"]);
    assert_exit(&output, 0);
    let text = stdout(&output);
    assert!(
        text.contains(";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: "),
        "{text}"
    );
    assert!(
        text.contains(";; flags: qr aa rd; QUERY: 1, ANSWER: 2,"),
        "{text}"
    );
    assert!(
        text.contains("\n;; WARNING: recursion requested but not available\n"),
        "{text}"
    );
    assert!(
        text.contains("\n; EDNS: version: 0, flags:; udp: "),
        "{text}"
    );
    assert_eq!(section(&text, "QUESTION"), [";www.example.test.\t\tIN\tA"]);
    assert_eq!(
        section(&text, "ANSWER"),
        [
            "www.example.test.\t300\tIN\tCNAME\twww3.l.example.test.",
            "www3.l.example.test.\t300\tIN\tA\t127.0.0.80",
        ]
    );
    let ip = server.addr.ip();
    assert!(
        text.contains(&format!("\n;; SERVER: {ip}#{PORT}({ip}) (UDP)\n")),
        "{text}"
    );
    assert!(text.contains("\n;; MSG SIZE  rcvd: "), "{text}");
}

#[test]
fn nxdomain_is_a_response_so_the_exit_code_is_0() {
    let server = AuthServer::start();
    let output = server.dig(&["nothere.example.test"]);
    assert_exit(&output, 0);
    let text = stdout(&output);
    assert!(text.contains("status: NXDOMAIN"), "{text}");
    assert!(section(&text, "ANSWER").is_empty(), "{text}");
    let authority = section(&text, "AUTHORITY");
    assert_eq!(authority.len(), 1, "{text}");
    assert!(authority[0].starts_with("example.test.\t\t300\tIN\tSOA\tns1.example.test. "));
}

#[test]
fn short_prints_only_the_answer_data() {
    let server = AuthServer::start();
    let output = server.dig(&["+short", "AAAA", "www3.l.example.test"]);
    assert_exit(&output, 0);
    assert_eq!(stdout(&output), "2001:db8::80\n");
    let output = server.dig(&["txt.example.test", "TXT", "+short"]);
    assert_eq!(
        stdout(&output),
        "\"hello world\" \"second \\\"quoted\\\" string\"\n"
    );
}

#[test]
fn plus_tcp_asks_over_tcp() {
    let server = AuthServer::start();
    let output = server.dig(&["+tcp", "example.test", "MX"]);
    assert_exit(&output, 0);
    let text = stdout(&output);
    assert_eq!(
        section(&text, "ANSWER"),
        ["example.test.\t\t300\tIN\tMX\t10 mail.example.test."]
    );
    assert!(
        text.contains(&format!("#{PORT}({}) (TCP)\n", server.addr.ip())),
        "{text}"
    );
}

/// RFC 7766 section 5: a truncated UDP response is asked again over TCP, as dig does.
#[test]
fn a_truncated_udp_answer_is_asked_again_over_tcp() {
    let server = AuthServer::start();
    let output = server.dig(&["big.example.test", "TXT"]);
    assert_exit(&output, 0);
    let text = stdout(&output);
    assert!(
        text.starts_with(";; Truncated, retrying in TCP mode.\n\n; <<>> roundtrip dig <<>> "),
        "{text}"
    );
    assert!(text.contains(") (TCP)\n"), "{text}");
    assert!(
        !text.contains(";; flags: qr aa tc"),
        "the TCP answer is whole: {text}"
    );
    assert_eq!(section(&text, "ANSWER").len(), 30, "{text}");

    let json = dig_json(&server, &["big.example.test", "TXT"]);
    assert_eq!(json["transport"], "tcp");
    assert_eq!(json["truncated_udp_response"], true);
    assert_eq!(json["answer"].as_array().map(Vec::len), Some(30));
}

fn dig_json(server: &AuthServer, args: &[&str]) -> serde_json::Value {
    let mut args = args.to_vec();
    args.push("--json");
    let output = server.dig(&args);
    assert_exit(&output, 0);
    serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "--json is not one JSON document ({err}):\n{}",
            stdout(&output)
        )
    })
}

#[test]
fn json_is_one_document_with_header_edns_and_sections() {
    let server = AuthServer::start();
    let json = dig_json(&server, &["example.test", "MX"]);
    assert_eq!(json["server"], server.addr.to_string());
    assert_eq!(json["transport"], "udp");
    assert_eq!(json["truncated_udp_response"], false);
    assert!(
        json["query_time_ms"].as_f64().is_some_and(|ms| ms >= 0.0),
        "{json}"
    );
    assert!(
        json["msg_size"].as_u64().is_some_and(|size| size > 12),
        "{json}"
    );
    assert!(json["id"].as_u64().is_some(), "{json}");
    assert_eq!(json["opcode"], "QUERY");
    assert_eq!(json["rcode"], "NOERROR");
    assert_eq!(json["flags"]["qr"], true);
    assert_eq!(json["flags"]["aa"], true);
    assert_eq!(json["flags"]["rd"], true);
    assert_eq!(json["edns"]["version"], 0);
    assert!(json["edns"]["udp_size"].as_u64().is_some(), "{json}");
    assert_eq!(
        json["question"],
        serde_json::json!([{"name": "example.test.", "type": "MX", "class": "IN"}])
    );
    assert_eq!(
        json["answer"],
        serde_json::json!([{"name": "example.test.", "ttl": 300, "class": "IN", "type": "MX",
                            "data": "10 mail.example.test."}])
    );
    let additional = json["additional"].as_array().expect("an array");
    assert!(
        additional.iter().all(|record| record["type"] != "OPT"),
        "the OPT record is `edns`: {json}"
    );
}

#[test]
fn norec_sends_rd_0_and_no_warning_is_shown() {
    let server = AuthServer::start();
    let output = server.dig(&["+norec", "example.test", "NS"]);
    assert_exit(&output, 0);
    let text = stdout(&output);
    assert!(
        text.contains(";; flags: qr aa; QUERY: 1, ANSWER: 2,"),
        "{text}"
    );
    assert!(!text.contains("WARNING"), "{text}");
}

#[test]
fn no_server_listening_is_exit_1_after_every_try() {
    // A block of this test's own with nothing on it: the kernel refuses every datagram.
    let block = LoopbackBlock::claim();
    let silent = block.addr(1, PORT);
    let output = dig(&[&format!("@{silent}"), "example.test", "+tries=2", "+time=1"]);
    assert_exit(&output, 1);
    assert_eq!(
        stderr(&output),
        format!("roundtrip: no response from {silent} after 2 tries (connection refused)\n")
    );
    assert!(stdout(&output).is_empty());

    let output = dig(&[&format!("@{silent}"), "example.test", "+tcp", "+tries=1"]);
    assert_exit(&output, 1);
    assert_eq!(
        stderr(&output),
        format!("roundtrip: no response from {silent} after 1 try over TCP (connection refused)\n")
    );
}

#[test]
fn usage_errors_exit_2_with_one_line_on_stderr() {
    for args in [
        &["example.test", "+bogus"][..],
        &["example.test", "@ns1.example.test"],
        &["a..b.example"],
        &["example.test", "-p", "http"],
    ] {
        let output = dig(args);
        assert_exit(&output, 2);
        let err = stderr(&output);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("roundtrip: dig: "), "{args:?}: {err}");
        assert!(stdout(&output).is_empty());
    }
}

/// dig's text without what differs between two runs or two programs: the banner, the ID,
/// the query time and the date.
fn comparable_lines(text: &str) -> Vec<String> {
    text.lines()
        .filter(|line| {
            !(line.starts_with("; <<>> ")
                || line.starts_with(";; global options:")
                || line.starts_with("; (1 server found)")
                || line.starts_with(";; Query time:")
                || line.starts_with(";; WHEN:"))
        })
        .map(|line| match line.find(", id: ") {
            Some(at) => format!("{}, id: ...", &line[..at]),
            None => line.to_owned(),
        })
        .collect()
}

/// For the same question to the same server, every line of our output but the banner, ID,
/// time and date is BIND dig's: header, flags, EDNS, each section with its tabs, server, size.
#[test]
fn the_text_agrees_with_bind_dig_line_for_line() {
    let Some(bind_dig) = Peer::find("dig", "bind9-dnsutils") else {
        eprintln!("SKIPPED: dig not installed");
        return;
    };
    let server = AuthServer::start();
    let questions: &[&[&str]] = &[
        &["www.example.test", "A"],
        &["example.test", "SOA"],
        &["example.test", "NS"],
        &["example.test", "MX"],
        &["example.test", "TXT"],
        &["example.test", "CAA"],
        &["txt.example.test", "TXT"],
        &["_sip._udp.example.test", "SRV"],
        &["a-rather-long-owner-name-for-columns.example.test", "A"],
        &["longttl.example.test", "A"],
        &["unknown.example.test", "TYPE65280"],
        &["www3.l.example.test", "AAAA"],
        &["nothere.example.test", "A"],
        &["www.example.test", "MX"],
        &["big.example.test", "TXT"],
        &["example.test", "ANY"],
        &["+norec", "mail.example.test", "A"],
        &["+tcp", "www.example.test", "A"],
    ];
    for question in questions {
        let theirs = Command::new(&bind_dig)
            .args(["-p", &PORT.to_string(), &format!("@{}", server.addr.ip())])
            // dig's defaults that ours does not share: a client cookie in every query.
            .args(["+nocookie", "+time=2", "+tries=1"])
            .args(*question)
            .output()
            .expect("dig runs");
        let ours = server.dig(question);
        assert_exit(&ours, 0);
        let (theirs, ours) = (stdout(&theirs), stdout(&ours));
        let (their_lines, our_lines) = (comparable_lines(&theirs), comparable_lines(&ours));
        assert!(
            section(&theirs, "QUESTION").len() == 1,
            "dig got no answer for {question:?}:\n{theirs}"
        );
        assert!(
            their_lines == our_lines,
            "{question:?}: dig and roundtrip dig differ\n--- dig ---\n{theirs}\n--- roundtrip dig ---\n{ours}"
        );
    }
}
