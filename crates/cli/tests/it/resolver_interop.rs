//! The recursive resolver next to third-party DNS software, on the whole lab hierarchy
//! (lab/zones, rewritten into a loopback block of each test's own by `LabZones`):
//!
//! - **Differential, against Unbound**: Unbound and `roundtrip serve resolver` walk from the same
//!   root hints through the same `roundtrip serve auth` servers. For the same questions they must
//!   give the same rcode and the same answer RRsets. TTLs are left out (they depend on when each
//!   resolver cached what), and owner names are compared case-insensitively.
//! - **Through a third-party authoritative**: NSD serves the lab zones, one process per lab host,
//!   and `roundtrip serve resolver` must get the answers that lab/zones/README.md lists.
//!
//! Both resolvers are asked with RD=1 over UDP, then over TCP when the answer comes back with
//! TC=1, and asked again (within a bound) when no answer comes: a cold resolution may take longer
//! than one try.
//!
//! **Why the lab runs on port 53 for Unbound**: Unbound asks every server it learns from a
//! referral on port 53; the port is fixed in its iterator, and only `stub-addr`/`forward-addr`
//! can carry `@port`. A stub zone for `.` at `.2@1053` would get Unbound to the root and no
//! further: the referral to `com.` says "ask 127.x.y.4", which Unbound asks on port 53. So the
//! tests with Unbound run the lab's servers on port 53 of the test's block, and the roundtrip
//! resolver gets `--upstream-port 53`. Binding port 53 needs root (CI runs as root); without it
//! those tests are skipped loudly, or fail under `ROUNDTRIP_REQUIRE_PEERS=1`.

use std::collections::BTreeSet;
use std::fmt;
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use domain::base::iana::{Rcode, Rtype};
use domain::base::zonefile_fmt::{DisplayKind, ZonefileFmt};
use domain::base::{Message, ToName};
use domain::rdata::AllRecordData;
use test_support::{
    ChildGuard, LabZones, LoopbackBlock, Peer, QueryOptions, await_authoritative, dns_query,
    start_lab_auth, wait_until,
};

/// The port the resolvers under test listen on.
const RESOLVER_PORT: u16 = 1053;
/// The port of the lab's servers when the resolver can be told it (`--upstream-port`).
const LAB_PORT: u16 = 1053;
/// The port of the lab's servers when Unbound walks it: see the module comment.
const UNBOUND_LAB_PORT: u16 = 53;
/// Where in the block the resolvers listen: roundtrip's on the lab's resolver address.
const ROUNDTRIP_HOST: u8 = 53;
const UNBOUND_HOST: u8 = 54;
/// How long one question may take, retries included.
const ANSWER_WITHIN: Duration = Duration::from_secs(15);
/// How long a question about a lame delegation may take: the resolver has to give up first.
const SERVFAIL_WITHIN: Duration = Duration::from_secs(30);

/// A question and what the lab's zones answer it, after a full walk from the root
/// (lab/zones/README.md, "Names for tests"). Answer lines are `owner TYPE data`, without TTL,
/// in `domain`'s zone-file rendering (hex in upper case, unknown data as `\# 2 ab cd`); `{net}`
/// stands for the first three bytes of the test's block (the lab's `127.0.0`).
struct Case {
    name: &'static str,
    qtype: &'static str,
    rcode: Rcode,
    answer: &'static [&'static str],
}

const fn noerror(name: &'static str, qtype: &'static str, answer: &'static [&'static str]) -> Case {
    Case {
        name,
        qtype,
        rcode: Rcode::NOERROR,
        answer,
    }
}

/// NOERROR with no record of the type asked (CNAMEs on the way may be there).
const fn nodata(name: &'static str, qtype: &'static str, answer: &'static [&'static str]) -> Case {
    noerror(name, qtype, answer)
}

const fn nxdomain(
    name: &'static str,
    qtype: &'static str,
    answer: &'static [&'static str],
) -> Case {
    Case {
        name,
        qtype,
        rcode: Rcode::NXDOMAIN,
        answer,
    }
}

/// The questions every resolver must answer alike. The lame delegation and the CNAME loop are
/// not here: resolvers legitimately differ there (timing, what to answer), so they have tests of
/// their own below.
const LAB_ANSWERS: &[Case] = &[
    // The tour's question: . -> com. -> google.com., a CNAME inside the zone.
    noerror(
        "www.google.com",
        "A",
        &[
            "www.google.com. CNAME www.l.google.com.",
            "www.l.google.com. A {net}.80",
        ],
    ),
    nodata(
        "www.google.com",
        "AAAA",
        &["www.google.com. CNAME www.l.google.com."],
    ),
    noerror("google.com", "A", &["google.com. A {net}.80"]),
    noerror("google.com", "MX", &["google.com. MX 10 smtp.google.com."]),
    noerror(
        "google.com",
        "TXT",
        &["google.com. TXT \"v=spf1 ip4:{net}.25 -all\""],
    ),
    noerror(
        "google.com",
        "CAA",
        &["google.com. CAA 0 issue \"pki.goog\""],
    ),
    noerror("was.google.com", "A", &["was.google.com. A {net}.81"]),
    noerror("smtp.google.com", "A", &["smtp.google.com. A {net}.25"]),
    // The servers' own names: answered from the child zones, served next to the parent.
    noerror(
        "a.root-servers.net",
        "A",
        &["a.root-servers.net. A {net}.2"],
    ),
    noerror(
        "a.gtld-servers.net",
        "A",
        &["a.gtld-servers.net. A {net}.4"],
    ),
    // test.: a glueless delegation, wildcards, CNAME across zones, several records.
    noerror(
        "www.glueless.test",
        "A",
        &["www.glueless.test. A 192.0.2.60"],
    ),
    noerror("foo.wild.test", "A", &["foo.wild.test. A 192.0.2.50"]),
    noerror("exists.wild.test", "A", &["exists.wild.test. A 192.0.2.51"]),
    nodata("exists.wild.test", "TXT", &[]),
    nxdomain("x.exists.wild.test", "A", &[]),
    noerror(
        "alias.test",
        "A",
        &[
            "alias.test. CNAME www.google.com.",
            "www.google.com. CNAME www.l.google.com.",
            "www.l.google.com. A {net}.80",
        ],
    ),
    noerror(
        "rr.test",
        "A",
        &[
            "rr.test. A 192.0.2.11",
            "rr.test. A 192.0.2.12",
            "rr.test. A 192.0.2.13",
            "rr.test. A 192.0.2.14",
        ],
    ),
    noerror(
        "txt.test",
        "TXT",
        &[
            "txt.test. TXT \"roundtrip lab: test. is for experiments\"",
            "txt.test. TXT \"v=spf1 -all\"",
        ],
    ),
    noerror("refused.test", "A", &["refused.test. A {net}.254"]),
    nxdomain("nope.test", "A", &[]),
    // example.com.: the catalogue of record types and of the tricky names.
    noerror("www.example.com", "A", &["www.example.com. A 192.0.2.1"]),
    noerror(
        "www.example.com",
        "AAAA",
        &["www.example.com. AAAA 2001:db8::1"],
    ),
    nxdomain("nope.example.com", "A", &[]),
    noerror(
        "example.com",
        "MX",
        &[
            "example.com. MX 10 mail.example.com.",
            "example.com. MX 20 mail2.example.com.",
        ],
    ),
    noerror(
        "ftp.example.com",
        "A",
        &[
            "ftp.example.com. CNAME www.example.com.",
            "www.example.com. A 192.0.2.1",
        ],
    ),
    noerror(
        "search.example.com",
        "A",
        &[
            "search.example.com. CNAME www.google.com.",
            "www.google.com. CNAME www.l.google.com.",
            "www.l.google.com. A {net}.80",
        ],
    ),
    noerror(
        "www.old.example.com",
        "A",
        &[
            "old.example.com. DNAME new.example.com.",
            "www.old.example.com. CNAME www.new.example.com.",
            "www.new.example.com. A 192.0.2.71",
        ],
    ),
    nxdomain(
        "nope.old.example.com",
        "A",
        &[
            "old.example.com. DNAME new.example.com.",
            "nope.old.example.com. CNAME nope.new.example.com.",
        ],
    ),
    nodata("old.example.com", "A", &[]),
    noerror(
        "anything.wild.example.com",
        "A",
        &["anything.wild.example.com. A 192.0.2.80"],
    ),
    noerror(
        "anything.wild.example.com",
        "TXT",
        &["anything.wild.example.com. TXT \"synthesized from *.wild.example.com\""],
    ),
    nodata("anything.wild.example.com", "MX", &[]),
    noerror(
        "a.b.wild.example.com",
        "A",
        &["a.b.wild.example.com. A 192.0.2.80"],
    ),
    nodata("sub.wild.example.com", "A", &[]),
    nxdomain("x.sub.wild.example.com", "A", &[]),
    noerror(
        "host.sub.wild.example.com",
        "A",
        &["host.sub.wild.example.com. A 192.0.2.81"],
    ),
    nodata("wild.example.com", "A", &[]),
    noerror(
        "unknown.example.com",
        "TYPE65534",
        &["unknown.example.com. TYPE65534 \\# 2 ab cd"],
    ),
    noerror(
        "generic.example.com",
        "A",
        &["generic.example.com. A 192.0.2.2"],
    ),
    noerror(
        "MiXeD.example.com",
        "A",
        &["mixed.example.com. A 192.0.2.90"],
    ),
    noerror(
        "example.com",
        "HTTPS",
        &["example.com. HTTPS 1 . alpn=h2,h3 ipv4hint=192.0.2.1 ipv6hint=2001:db8::1"],
    ),
    noerror(
        "alias.example.com",
        "HTTPS",
        &["alias.example.com. HTTPS 0 www.example.com."],
    ),
    noerror(
        "_dns.ns1.example.com",
        "SVCB",
        &["_dns.ns1.example.com. SVCB 1 ns1.example.com. alpn=dot port=853"],
    ),
    noerror(
        "_sip._tcp.example.com",
        "SRV",
        &[
            "_sip._tcp.example.com. SRV 10 60 5060 sip1.example.com.",
            "_sip._tcp.example.com. SRV 10 40 5060 sip2.example.com.",
        ],
    ),
    noerror(
        "example.com",
        "NAPTR",
        &["example.com. NAPTR 100 10 \"S\" \"SIP+D2T\" \"\" _sip._tcp.example.com."],
    ),
    noerror(
        "host.example.com",
        "SSHFP",
        &[
            "host.example.com. SSHFP 4 2 D2FA4E380BE5C28B6C755A887B88B3457794BACE404F1C1440AD9D5FD302D405",
        ],
    ),
    noerror(
        "host.example.com",
        "HINFO",
        &["host.example.com. HINFO \"x86_64\" \"Linux\""],
    ),
    noerror(
        "_443._tcp.www.example.com",
        "TLSA",
        &[
            "_443._tcp.www.example.com. TLSA 3 1 1 A07DD2A276F91FB36BBA03920A04F982C8AB4DEA713DDCD5E3A220B41B174321",
        ],
    ),
    noerror(
        "txt.example.com",
        "TXT",
        &[
            "txt.example.com. TXT \"hello from the lab\"",
            "txt.example.com. TXT \"two\" \"strings\"",
            "txt.example.com. TXT \"escapes: \\\"quoted\\\" back\\\\slash A; not a comment\"",
        ],
    ),
    noerror(
        "example.com",
        "CAA",
        &[
            "example.com. CAA 0 issue \"letsencrypt.org\"",
            "example.com. CAA 0 iodef \"mailto:security@example.com\"",
        ],
    ),
    noerror(
        "ttl0.example.com",
        "A",
        &["ttl0.example.com. A 192.0.2.100"],
    ),
    // 16 TXT records, 1692 bytes: over UDP with a 1232-byte buffer the servers set TC=1, so
    // the resolver must ask again over TCP (and so must the test, of the resolver).
    noerror(
        "big.example.com",
        "TXT",
        &[
            "big.example.com. TXT \"big 01/16: together these TXT records exceed 1232 bytes, so UDP answers are truncated.....\"",
            "big.example.com. TXT \"big 02/16: together these TXT records exceed 1232 bytes, so UDP answers are truncated.....\"",
            "big.example.com. TXT \"big 03/16: together these TXT records exceed 1232 bytes, so UDP answers are truncated.....\"",
            "big.example.com. TXT \"big 04/16: together these TXT records exceed 1232 bytes, so UDP answers are truncated.....\"",
            "big.example.com. TXT \"big 05/16: together these TXT records exceed 1232 bytes, so UDP answers are truncated.....\"",
            "big.example.com. TXT \"big 06/16: together these TXT records exceed 1232 bytes, so UDP answers are truncated.....\"",
            "big.example.com. TXT \"big 07/16: together these TXT records exceed 1232 bytes, so UDP answers are truncated.....\"",
            "big.example.com. TXT \"big 08/16: together these TXT records exceed 1232 bytes, so UDP answers are truncated.....\"",
            "big.example.com. TXT \"big 09/16: together these TXT records exceed 1232 bytes, so UDP answers are truncated.....\"",
            "big.example.com. TXT \"big 10/16: together these TXT records exceed 1232 bytes, so UDP answers are truncated.....\"",
            "big.example.com. TXT \"big 11/16: together these TXT records exceed 1232 bytes, so UDP answers are truncated.....\"",
            "big.example.com. TXT \"big 12/16: together these TXT records exceed 1232 bytes, so UDP answers are truncated.....\"",
            "big.example.com. TXT \"big 13/16: together these TXT records exceed 1232 bytes, so UDP answers are truncated.....\"",
            "big.example.com. TXT \"big 14/16: together these TXT records exceed 1232 bytes, so UDP answers are truncated.....\"",
            "big.example.com. TXT \"big 15/16: together these TXT records exceed 1232 bytes, so UDP answers are truncated.....\"",
            "big.example.com. TXT \"big 16/16: together these TXT records exceed 1232 bytes, so UDP answers are truncated.....\"",
        ],
    ),
];

impl Case {
    fn question(&self) -> String {
        format!("{} {}", self.name, self.qtype)
    }

    /// What a resolver should answer, with `{net}` made the block's.
    fn expected(&self, block: &LoopbackBlock) -> Outcome {
        let net = net_of(block);
        Outcome {
            rcode: self.rcode,
            ra: true,
            answer: self
                .answer
                .iter()
                .map(|line| line.replace("{net}", &net))
                .collect(),
        }
    }
}

/// `127.x.y`, the block's part of every lab address.
fn net_of(block: &LoopbackBlock) -> String {
    let ip = block.ip(0).to_string();
    ip.trim_end_matches(".0").to_owned()
}

/// What a resolver answered, reduced to what two resolvers must agree on.
#[derive(PartialEq, Eq)]
struct Outcome {
    rcode: Rcode,
    /// Recursion available: a resolver says it recursed.
    ra: bool,
    /// The answer section as `owner TYPE data` lines, owner in lower case, no TTL.
    answer: BTreeSet<String>,
}

impl Outcome {
    fn of(reply: &Message<Vec<u8>>) -> Outcome {
        let answer = reply
            .answer()
            .expect("an answer section")
            .limit_to::<AllRecordData<_, _>>()
            .map(|record| {
                let record = record.expect("a record the test can parse");
                format!(
                    "{} {} {}",
                    record
                        .owner()
                        .to_name::<Vec<u8>>()
                        .fmt_with_dot()
                        .to_string()
                        .to_ascii_lowercase(),
                    record.rtype(),
                    record.data().display_zonefile(DisplayKind::Simple)
                )
            })
            .collect();
        Outcome {
            rcode: reply.header().rcode(),
            ra: reply.header().ra(),
            answer,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}, RA={}", self.rcode, u8::from(self.ra))?;
        if self.answer.is_empty() {
            writeln!(f, "  (empty answer section)")?;
        }
        for line in &self.answer {
            writeln!(f, "  {line}")?;
        }
        Ok(())
    }
}

/// A resolver's reply, or why there was none.
type Reply = Result<Outcome, String>;

fn show(reply: &Reply) -> String {
    match reply {
        Ok(outcome) => outcome.to_string(),
        Err(why) => format!("  no answer: {why}\n"),
    }
}

/// One block per side, then the lines only one side has.
fn report(question: &str, left: (&str, &Reply), right: (&str, &Reply)) -> String {
    let mut text = format!(
        "=== {question} ===\n--- {} ---\n{}--- {} ---\n{}",
        left.0,
        show(left.1),
        right.0,
        show(right.1)
    );
    if let (Ok(l), Ok(r)) = (left.1, right.1) {
        for line in l.answer.difference(&r.answer) {
            text.push_str(&format!("  only {}: {line}\n", left.0));
        }
        for line in r.answer.difference(&l.answer) {
            text.push_str(&format!("  only {}: {line}\n", right.0));
        }
    }
    text
}

/// Asks `server` with RD=1 until it answers or `within` passes; over TCP when UDP says TC=1.
fn ask(server: SocketAddr, name: &str, qtype: &str, within: Duration) -> Reply {
    let qtype: Rtype = qtype.parse().expect("a known record type");
    let udp = QueryOptions {
        rd: true,
        ..QueryOptions::default()
    };
    let tcp = QueryOptions { tcp: true, ..udp };
    let deadline = Instant::now() + within;
    let mut last = String::from("not asked");
    while Instant::now() < deadline {
        match dns_query(server, name, qtype, udp) {
            Ok(reply) if reply.header().tc() => match dns_query(server, name, qtype, tcp) {
                Ok(reply) => return Ok(Outcome::of(&reply)),
                Err(err) => last = format!("TC=1 over UDP, then over TCP: {err}"),
            },
            Ok(reply) => return Ok(Outcome::of(&reply)),
            Err(err) => last = err.to_string(),
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(format!("none within {within:?} (last try: {last})"))
}

/// A resolver process this test started, and where to ask it.
struct Running {
    name: &'static str,
    addr: SocketAddr,
    log: PathBuf,
    _process: ChildGuard,
}

impl Running {
    fn ask(&self, case: &Case) -> Reply {
        ask(self.addr, case.name, case.qtype, ANSWER_WITHIN)
    }

    /// Waits until the resolver answers anything (10 s at most), or panics with its log.
    fn ready(name: &'static str, addr: SocketAddr, log: PathBuf, mut process: ChildGuard) -> Self {
        let mut exited = None;
        let ready = wait_until(Duration::from_secs(10), || {
            if let Ok(Some(status)) = process.0.try_wait() {
                exited = Some(status);
                return true;
            }
            let probe = QueryOptions {
                rd: true,
                ..QueryOptions::default()
            };
            dns_query(addr, ".", Rtype::NS, probe).is_ok()
        });
        let output = std::fs::read_to_string(&log).unwrap_or_default();
        if let Some(status) = exited {
            panic!("{name} on {addr} exited ({status}) before answering:\n{output}");
        }
        assert!(
            ready,
            "{name} on {addr} did not answer within 10 s:\n{output}"
        );
        Running {
            name,
            addr,
            log,
            _process: process,
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

fn log_file(path: &Path) -> std::fs::File {
    std::fs::File::create(path)
        .unwrap_or_else(|err| panic!("cannot create {}: {err}", path.display()))
}

/// `roundtrip serve resolver` on the block's .53, walking from the lab's (rewritten) root hints.
fn start_roundtrip_resolver(
    zones: &LabZones,
    block: &LoopbackBlock,
    upstream_port: u16,
) -> Running {
    let addr = block.addr(ROUNDTRIP_HOST, RESOLVER_PORT);
    let log = zones.dir.join("roundtrip-resolver.log");
    let child = Command::new(roundtrip())
        .args(["serve", "resolver", "--listen", &addr.to_string()])
        .arg("--root-hints")
        .arg(zones.root_hints())
        .args(["--upstream-port", &upstream_port.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log_file(&log))
        .spawn()
        .expect("roundtrip serve resolver starts");
    Running::ready("roundtrip serve resolver", addr, log, ChildGuard(child))
}

/// Unbound on the block's .54, from the lab's (rewritten) root hints, in the foreground.
///
/// The lab needs four settings that differ from Unbound's defaults: `do-not-query-localhost: no`
/// (every lab server is on 127/8), `local-zone: "test." nodefault` (Unbound answers `test.`
/// itself, NXDOMAIN, per RFC 6761), `module-config: "iterator"` (no DNSSEC in the lab, so no
/// validator) and the root hints. `infra-cache-max-rtt` only makes it give up on the lame
/// delegation sooner. The rest keeps it in its temp dir and its block.
fn start_unbound(unbound: &Path, zones: &LabZones, block: &LoopbackBlock) -> Running {
    let addr = block.addr(UNBOUND_HOST, RESOLVER_PORT);
    let dir = zones.dir.join("unbound");
    std::fs::create_dir(&dir).expect("a directory for Unbound");
    let conf = dir.join("unbound.conf");
    std::fs::write(
        &conf,
        format!(
            r#"server:
    interface: {ip}
    port: {port}
    do-ip6: no
    root-hints: "{hints}"
    do-not-query-localhost: no
    local-zone: "test." nodefault
    qname-minimisation: yes
    module-config: "iterator"
    num-threads: 1
    chroot: ""
    username: ""
    directory: "{dir}"
    pidfile: "{dir}/unbound.pid"
    use-syslog: no
    logfile: "{dir}/unbound.log"
    verbosity: 0
    access-control: 127.0.0.0/8 allow
    cache-max-ttl: 86400
    minimal-responses: yes
    # A server's timeout backs off up to this before Unbound gives up on it. The default,
    # 120000 ms, makes `anything.lame.test` take about 29 s to SERVFAIL; 2000 ms, about 5 s.
    # Every live lab server answers in well under a millisecond.
    infra-cache-max-rtt: 2000
    # Unbound picks its own source ports, from 1024 up; a wildcard socket on 1053 would keep
    # other tests' servers from binding their 127.x.y.z:1053.
    outgoing-port-avoid: {port}
remote-control:
    control-enable: no
"#,
            ip = addr.ip(),
            port = RESOLVER_PORT,
            hints = zones.root_hints().display(),
            dir = dir.display(),
        ),
    )
    .expect("unbound.conf written");
    let log = dir.join("stderr.log");
    let child = Command::new(unbound)
        .arg("-d")
        .arg("-c")
        .arg(&conf)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log_file(&log))
        .spawn()
        .expect("unbound starts");
    Running::ready("Unbound", addr, log, ChildGuard(child))
}

fn roundtrip() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_roundtrip"))
}

/// Whether this process may listen on port 53 (root, or CAP_NET_BIND_SERVICE). If not, says so
/// loudly, or fails when `ROUNDTRIP_REQUIRE_PEERS=1` (CI, which runs as root).
fn can_listen_on_port_53(block: &LoopbackBlock) -> bool {
    match UdpSocket::bind(block.addr(2, UNBOUND_LAB_PORT)) {
        Ok(_) => true,
        Err(err) => {
            let message = format!(
                "SKIPPED: cannot listen on {} ({err}); the lab for Unbound needs port 53 (run as root)",
                block.addr(2, UNBOUND_LAB_PORT)
            );
            if std::env::var_os("ROUNDTRIP_REQUIRE_PEERS").is_some_and(|v| v == "1") {
                panic!("{message}, and ROUNDTRIP_REQUIRE_PEERS=1 says it must run");
            }
            eprintln!("\n!!! {message}\n");
            false
        }
    }
}

/// The lab on port 53 of a block of the test's own, served by `roundtrip serve auth`, with Unbound
/// and, unless `with_roundtrip` is false, `roundtrip serve resolver` walking it. Fields drop in
/// order: resolvers, then the lab's servers, then the zone files.
struct UnboundLab {
    unbound: Running,
    roundtrip: Option<Running>,
    _auth: Vec<ChildGuard>,
    zones: LabZones,
    block: LoopbackBlock,
}

impl UnboundLab {
    /// `None` (after a loud SKIPPED) when Unbound is missing or port 53 is out of reach.
    fn start(with_roundtrip: bool) -> Option<Self> {
        let unbound = Peer::find("unbound", "unbound")?;
        let block = LoopbackBlock::claim();
        if !can_listen_on_port_53(&block) {
            return None;
        }
        let zones = LabZones::in_block(&block);
        let auth = start_lab_auth(roundtrip(), &zones, &block, UNBOUND_LAB_PORT);
        let unbound = start_unbound(&unbound, &zones, &block);
        let roundtrip =
            with_roundtrip.then(|| start_roundtrip_resolver(&zones, &block, UNBOUND_LAB_PORT));
        Some(UnboundLab {
            unbound,
            roundtrip,
            _auth: auth,
            zones,
            block,
        })
    }

    fn roundtrip(&self) -> &Running {
        self.roundtrip.as_ref().expect("started with roundtrip")
    }
}

/// Checks every case against `resolver`, and panics with all the differences at once.
fn assert_lab_answers(resolver: &Running, block: &LoopbackBlock, zones: &LabZones) {
    let mut wrong = Vec::new();
    for case in LAB_ANSWERS {
        let expected: Reply = Ok(case.expected(block));
        let got = resolver.ask(case);
        if got != expected {
            wrong.push(report(
                &case.question(),
                ("expected", &expected),
                (resolver.name, &got),
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} answers from {} are not the lab's (block {}, files in {}):\n\n{}\n--- {} log ---\n{}",
        wrong.len(),
        LAB_ANSWERS.len(),
        resolver.name,
        net_of(block),
        zones.dir.display(),
        wrong.join("\n"),
        resolver.name,
        resolver.log()
    );
}

/// The reference for the differential test: a third-party resolver walking the lab served by
/// `roundtrip serve auth` gets exactly the answers of lab/zones/README.md. When this fails, the
/// lab (zones or authoritative server) or the table is wrong, not the resolver under test.
#[test]
fn unbound_walking_the_lab_gets_the_readme_answers() {
    let Some(lab) = UnboundLab::start(false) else {
        return;
    };
    assert_lab_answers(&lab.unbound, &lab.block, &lab.zones);
}

/// The differential test: same lab, same root hints, same questions; same rcode and answers.
#[test]
fn roundtrip_and_unbound_give_the_same_answers_through_the_lab() {
    let Some(lab) = UnboundLab::start(true) else {
        return;
    };
    let mut differences = Vec::new();
    for case in LAB_ANSWERS {
        let theirs = lab.unbound.ask(case);
        let ours = lab.roundtrip().ask(case);
        if ours.is_err() || ours != theirs {
            differences.push(report(
                &case.question(),
                ("Unbound", &theirs),
                ("roundtrip", &ours),
            ));
        }
    }
    assert!(
        differences.is_empty(),
        "{} of {} questions are answered differently (block {}, files in {}):\n\n{}\n--- roundtrip log ---\n{}",
        differences.len(),
        LAB_ANSWERS.len(),
        net_of(&lab.block),
        lab.zones.dir.display(),
        differences.join("\n"),
        lab.roundtrip().log()
    );
}

/// `lame.test.` is delegated to ns.lame.test (the block's .254), where nothing listens. Both
/// resolvers must give up with SERVFAIL, each after its own timeouts (so within a longer bound).
#[test]
fn a_lame_delegation_is_servfail_from_roundtrip_and_from_unbound() {
    let Some(lab) = UnboundLab::start(true) else {
        return;
    };
    let expected: Reply = Ok(Outcome {
        rcode: Rcode::SERVFAIL,
        ra: true,
        answer: BTreeSet::new(),
    });
    for resolver in [&lab.unbound, lab.roundtrip()] {
        let got = ask(resolver.addr, "anything.lame.test", "A", SERVFAIL_WITHIN);
        assert!(
            got == expected,
            "\n{}",
            report(
                "anything.lame.test A",
                ("expected", &expected),
                (resolver.name, &got)
            )
        );
    }
}

/// `loop1.test CNAME loop2.test`, `loop2.test CNAME loop1.test`. RFC 1034 §3.6.2 asks resolvers
/// to detect the loop but not what to answer: Unbound says SERVFAIL; others answer NOERROR with
/// the chain they followed. Either is fine from roundtrip; an address, another name, or no
/// answer at all is not.
#[test]
fn a_cname_loop_gives_no_address_from_roundtrip_or_unbound() {
    let Some(lab) = UnboundLab::start(true) else {
        return;
    };
    let servfail: Reply = Ok(Outcome {
        rcode: Rcode::SERVFAIL,
        ra: true,
        answer: BTreeSet::new(),
    });
    let theirs = ask(lab.unbound.addr, "loop1.test", "A", ANSWER_WITHIN);
    assert!(
        theirs == servfail,
        "\n{}",
        report(
            "loop1.test A",
            ("expected", &servfail),
            ("Unbound", &theirs)
        )
    );

    let ours = ask(lab.roundtrip().addr, "loop1.test", "A", ANSWER_WITHIN);
    let the_loop = [
        "loop1.test. CNAME loop2.test.",
        "loop2.test. CNAME loop1.test.",
    ];
    let acceptable = match &ours {
        Ok(outcome) if outcome.rcode == Rcode::SERVFAIL => true,
        Ok(outcome) if outcome.rcode == Rcode::NOERROR => {
            !outcome.answer.is_empty()
                && outcome
                    .answer
                    .iter()
                    .all(|line| the_loop.contains(&line.as_str()))
        }
        _ => false,
    };
    assert!(
        acceptable,
        "\nexpected SERVFAIL, or NOERROR with only the loop's CNAMEs ({the_loop:?})\n--- roundtrip ---\n{}",
        show(&ours)
    );
}

/// One NSD per lab host, each with its own config and only its own zones (a root server must
/// not answer for `com.`), in the foreground; killed on drop.
fn start_nsd_lab(nsd: &Path, zones: &LabZones) -> Vec<ChildGuard> {
    let mut started = Vec::new();
    for (ip, served) in zones.hosts() {
        let dir = zones.dir.join(format!("nsd-{ip}"));
        std::fs::create_dir(&dir).expect("a directory for NSD");
        let mut conf = format!(
            r#"server:
    ip-address: {ip}@{LAB_PORT}
    do-ip6: no
    username: ""
    chroot: ""
    database: ""
    zonesdir: "{dir}"
    pidfile: "{dir}/nsd.pid"
    xfrdfile: "{dir}/xfrd.state"
    zonelistfile: "{dir}/zone.list"
    logfile: "{dir}/nsd.log"
    server-count: 1
    verbosity: 0
    hide-version: yes
    rrl-ratelimit: 0
remote-control:
    control-enable: no
"#,
            dir = dir.display()
        );
        for (origin, file) in &served {
            conf.push_str(&format!(
                "zone:\n    name: \"{origin}\"\n    zonefile: \"{}\"\n",
                file.display()
            ));
        }
        let conf_file = dir.join("nsd.conf");
        std::fs::write(&conf_file, conf).expect("nsd.conf written");
        let log = dir.join("stderr.log");
        let child = Command::new(nsd)
            .arg("-d")
            .arg("-c")
            .arg(&conf_file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file(&log))
            .spawn()
            .expect("nsd starts");
        let origins: Vec<String> = served.into_iter().map(|(origin, _)| origin).collect();
        started.push((
            SocketAddr::new(ip, LAB_PORT),
            origins,
            dir,
            ChildGuard(child),
        ));
    }
    for (addr, origins, dir, guard) in &mut started {
        let logs = [dir.join("stderr.log"), dir.join("nsd.log")];
        await_authoritative("nsd", *addr, origins, guard, &logs);
    }
    started.into_iter().map(|(.., guard)| guard).collect()
}

/// The resolver walks zones served by third-party authoritative software (NSD) and gets the
/// lab's answers: it relies on DNS, not on quirks of `roundtrip serve auth`.
#[test]
fn roundtrip_resolves_the_lab_served_by_nsd() {
    let Some(nsd) = Peer::find("nsd", "nsd") else {
        return;
    };
    let block = LoopbackBlock::claim();
    let zones = LabZones::in_block(&block);
    let _nsd = start_nsd_lab(&nsd, &zones);
    let resolver = start_roundtrip_resolver(&zones, &block, LAB_PORT);
    assert_lab_answers(&resolver, &block, &zones);
}
