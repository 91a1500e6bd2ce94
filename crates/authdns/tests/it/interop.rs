//! Third-party clients and servers: `dig` and `kdig` parse our answers, and NSD serving the
//! same zone gives the same sections (a differential test). Each peer is skipped loudly when
//! missing; CI installs them.

use std::process::{Command, Stdio};
use std::time::Duration;

use domain::base::iana::Rtype;
use test_support::{ChildGuard, Peer, QueryOptions, dns_query, wait_until};

use super::{PORT, Section, data, section, start};

fn run(program: &std::path::Path, args: &[String]) -> String {
    let out = Command::new(program).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{} failed: {}",
        program.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn dig_args(f: &super::Fixture, name: &str, qtype: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec![
        format!("@{}", f.addr.ip()),
        "-p".into(),
        PORT.to_string(),
        name.into(),
        qtype.into(),
    ];
    args.extend(["+norec", "+time=2"].iter().map(|s| s.to_string()));
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

#[test]
fn dig_reads_a_referral_with_glue_from_the_root() {
    let Some(dig) = Peer::find("dig", "bind9-dnsutils") else {
        return;
    };
    let f = start();
    let out = run(&dig, &dig_args(&f, "www.google.com", "A", &[]));
    assert!(out.contains("status: NOERROR"), "{out}");
    assert!(
        out.contains(";; AUTHORITY SECTION:\ncom.\t\t\t86400\tIN\tNS\ta.gtld-servers.net."),
        "{out}"
    );
    assert!(
        out.contains("a.gtld-servers.net.\t86400\tIN\tA\t192.5.6.30"),
        "{out}"
    );
}

#[test]
fn dig_reads_a_cname_answer_and_nxdomain_with_soa() {
    let Some(dig) = Peer::find("dig", "bind9-dnsutils") else {
        return;
    };
    let f = start();
    let out = run(&dig, &dig_args(&f, "www.example.com", "A", &[]));
    assert!(out.contains("flags: qr aa;"), "{out}");
    assert!(
        out.contains("www.example.com.\t3600\tIN\tCNAME\tweb.example.com."),
        "{out}"
    );
    assert!(
        out.contains("web.example.com.\t3600\tIN\tA\t192.0.2.80"),
        "{out}"
    );
    let out = run(&dig, &dig_args(&f, "nope.example.com", "A", &[]));
    assert!(out.contains("status: NXDOMAIN"), "{out}");
    assert!(
        out.contains("example.com.\t\t300\tIN\tSOA\tns1.example.com. hostmaster.example.com."),
        "{out}"
    );
}

#[test]
fn dig_retries_truncated_answers_over_tcp() {
    let Some(dig) = Peer::find("dig", "bind9-dnsutils") else {
        return;
    };
    let f = start();
    let out = run(
        &dig,
        &dig_args(&f, "big.example.com", "TXT", &["+noedns", "+tries=1"]),
    );
    assert!(out.contains(";; Truncated, retrying in TCP mode."), "{out}");
    assert!(out.contains("ANSWER: 6"), "{out}");
}

#[test]
fn kdig_reads_answers_over_udp_and_tcp() {
    let Some(kdig) = Peer::find("kdig", "knot-dnsutils") else {
        return;
    };
    let f = start();
    for transport in ["+notcp", "+tcp"] {
        let out = run(
            &kdig,
            &dig_args(&f, "mail.example.com", "AAAA", &[transport, "+retry=0"]),
        );
        assert!(out.contains("NOERROR"), "{out}");
        assert!(
            out.contains("mail.example.com.")
                && out.contains("AAAA")
                && out.contains("2001:db8::25"),
            "{out}"
        );
    }
}

/// NSD serving the same zone file on the same kind of address gives the same sections.
#[test]
fn nsd_gives_the_same_sections() {
    let Some(nsd) = Peer::find("nsd", "nsd") else {
        return;
    };
    let f = start();
    let nsd_addr = f.block.addr(2, PORT);
    let dir = std::env::temp_dir().join(format!("rt-nsd-{}-{}", std::process::id(), nsd_addr.ip()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("nsd.conf");
    std::fs::write(
        &conf,
        format!(
            "server:\n  ip-address: {ip}@{PORT}\n  username: \"\"\n  zonesdir: \"{dir}\"\n  database: \"\"\n  pidfile: \"{dir}/nsd.pid\"\n  xfrdfile: \"{dir}/xfrd.state\"\n  zonelistfile: \"{dir}/zone.list\"\n  server-count: 1\n  verbosity: 0\n  hide-version: yes\n  minimal-responses: yes\n  refuse-any: yes\n  rrl-ratelimit: 0\nremote-control:\n  control-enable: no\nzone:\n  name: example.com.\n  zonefile: \"{zone}\"\n",
            ip = nsd_addr.ip(),
            dir = dir.display(),
            zone = data("example.com.zone").display(),
        ),
    )
    .unwrap();
    let child = Command::new(nsd)
        .arg("-d")
        .arg("-c")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _guard = ChildGuard(child);
    assert!(
        wait_until(Duration::from_secs(10), || dns_query(
            nsd_addr,
            "example.com",
            Rtype::SOA,
            QueryOptions::default()
        )
        .is_ok()),
        "nsd did not start on {nsd_addr}"
    );
    let questions = [
        ("web.example.com", Rtype::A),
        ("chain1.example.com", Rtype::A),
        ("nope.example.com", Rtype::A),
        ("web.example.com", Rtype::AAAA),
        ("www.sub.example.com", Rtype::A),
        ("a.other.example.com", Rtype::A),
        ("anything.wild.example.com", Rtype::A),
        ("b.ent.example.com", Rtype::A),
        ("x.old.example.com", Rtype::A),
        ("dangling.example.com", Rtype::A),
    ];
    for (name, qtype) in questions {
        let ours = f.ask(name, qtype);
        let theirs = dns_query(nsd_addr, name, qtype, QueryOptions::default()).unwrap();
        let what = format!("{name} {qtype}");
        assert_eq!(
            ours.header().rcode(),
            theirs.header().rcode(),
            "rcode of {what}"
        );
        assert_eq!(ours.header().aa(), theirs.header().aa(), "AA of {what}");
        assert_eq!(
            section(&ours, Section::Answer),
            section(&theirs, Section::Answer),
            "answer of {what}"
        );
        assert_eq!(
            section(&ours, Section::Authority),
            section(&theirs, Section::Authority),
            "authority of {what}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}
