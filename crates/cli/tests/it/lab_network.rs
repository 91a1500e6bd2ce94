//! The lab as a network of namespaces, run as an ordinary user (`nobody`, through setpriv;
//! CI runs as root): the tour builds its hosts inside a user namespace and captures every link;
//! two tours at once leave nothing on the host; `lab exec` runs real dig and curl inside a
//! running lab; and where user namespaces are refused, the lab says why and runs on loopback.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;
use test_support::{ChildGuard, Peer};

/// A scratch directory `nobody` may write: the lab's database and state, the pcap.
struct Scratch(PathBuf);

impl Scratch {
    fn new(what: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!(
            "roundtrip-{what}-{}-{:x}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        for sub in ["", "state", "run"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
            std::fs::set_permissions(dir.join(sub), std::fs::Permissions::from_mode(0o777))
                .unwrap();
        }
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `roundtrip ARGS` as `nobody`, with its state and database in `scratch`; `None` (said
/// loudly) when this test cannot drop to nobody.
fn as_nobody(scratch: &Path) -> Option<Command> {
    let mut command = test_support::as_nobody(Path::new(env!("CARGO_BIN_EXE_roundtrip")))?;
    command
        .env("XDG_STATE_HOME", scratch.join("state"))
        .env("XDG_RUNTIME_DIR", scratch.join("run"))
        .env_remove(lab::netns::NO_NAMESPACES_ENV);
    Some(command)
}

fn tour_json(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "tour failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn packets_where(tour: &Value, test: impl Fn(&Value) -> bool) -> usize {
    tour["packets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| test(p))
        .count()
}

fn story_text(tour: &Value) -> String {
    let mut text = String::new();
    for step in tour["story"]["steps"].as_array().unwrap() {
        for line in step["lines"].as_array().unwrap() {
            text.push_str(line["text"].as_str().unwrap());
            text.push('\n');
        }
    }
    text
}

#[test]
fn the_tour_of_an_ordinary_user_captures_every_layer_of_its_own_network() {
    let scratch = Scratch::new("nobody-tour");
    let Some(mut command) = as_nobody(&scratch.0) else {
        return;
    };
    let pcap = scratch.0.join("journey.pcapng");
    let output = command
        .args(["tour", "--json", "--pcap"])
        .arg(&pcap)
        .output()
        .unwrap();
    let tour = tour_json(&output);
    assert_eq!(
        tour["placement"]["namespaces"], true,
        "{}",
        tour["placement"]
    );
    assert!(
        tour["placement"]["how"]
            .as_str()
            .unwrap()
            .contains("user namespace"),
        "{}",
        tour["placement"]
    );
    assert_eq!(tour["url"], "http://www.google.com/", "no port in the URL");
    assert_eq!(tour["capture"]["captured"], true, "{}", tour["capture"]);
    let dns_on_53 = packets_where(&tour, |p| {
        !p["dns"].is_null() && (p["dst"].as_str().unwrap().ends_with(":53"))
    });
    assert!(dns_on_53 >= 4, "DNS queries on port 53: {dns_on_53}");
    let on_port = |p: &Value, port: &str| {
        p["dst"].as_str().unwrap().ends_with(port) || p["src"].as_str().unwrap().ends_with(port)
    };
    // The browser's HSTS sends it to https (port 443); the web server reaches the WAS with
    // plain HTTP/1.1 on port 80.
    let on_443 = |p: &Value| on_port(p, ":443");
    let on_80 = |p: &Value| on_port(p, ":80");
    let flags = |p: &Value| -> Vec<String> {
        p["transport"]["flags"]
            .as_array()
            .map(|f| f.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
            .unwrap_or_default()
    };
    assert!(packets_where(&tour, |p| on_443(p) && flags(p) == ["SYN"]) >= 1);
    assert!(packets_where(&tour, |p| on_443(p) && flags(p).contains(&"FIN".to_owned())) >= 2);
    assert!(packets_where(&tour, |p| on_80(p) && !p["http"].is_null()) >= 2);
    assert_eq!(tour["tls"][0]["alpn"], "h2", "{}", tour["tls"]);
    let neighbours = packets_where(&tour, |p| {
        p["transport"]["protocol"] == "arp" || !p["transport"]["ndp"].is_null()
    });
    assert!(neighbours >= 2, "ARP or neighbour discovery: {neighbours}");
    // A packet that crossed routers is one packet with its path, the TTL going down. (Once in
    // CI, under load, the first SYN's path showed only laptop and home-router; every SYN is
    // printed on failure so such a run can be read.)
    let syns: Vec<&Value> = tour["packets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| on_443(p) && flags(p) == ["SYN"])
        .collect();
    let ttls_of = |p: &Value| -> Vec<u64> {
        p["path"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["ttl"].as_u64().unwrap())
            .collect()
    };
    let told: Vec<String> = syns
        .iter()
        .map(|p| {
            format!(
                "{} -> {} seq {} path {}",
                p["src"], p["dst"], p["transport"]["seq"], p["path"]
            )
        })
        .collect();
    assert!(
        syns.iter().any(|p| ttls_of(p) == [64, 63, 62, 61]),
        "no SYN with TTLs 64, 63, 62, 61; the SYNs:\n{}\ncapture: {}",
        told.join("\n"),
        tour["capture"]
    );
    // TIME_WAIT on the browser's host, none on the web server's.
    let tw = &tour["time_wait"][0];
    assert_eq!(tw["holder"], tw["local"], "{tw}");
    assert_eq!(tw["host"], "laptop");
    assert!(tw["on_server_host"].is_null() || tw["on_server_host"] == Value::Null);
    let text = story_text(&tour);
    assert!(text.contains("LAST-ACK -> CLOSED"), "{text}");
    assert!(
        text.contains("ARP who-has") && text.contains("(laptop/eth0)"),
        "{text}"
    );

    // tshark reads Ethernet, ARP or NDP, and both IP families from the pcap.
    let Some(tshark) = Peer::find("tshark", "tshark") else {
        return;
    };
    let read = Command::new(tshark)
        .args(["-r"])
        .arg(&pcap)
        .args(["-T", "fields", "-e", "frame.protocols"])
        .output()
        .unwrap();
    let protocols = String::from_utf8_lossy(&read.stdout);
    assert!(
        protocols.lines().all(|l| l.starts_with("eth:")),
        "{protocols}"
    );
    assert!(protocols.contains("eth:ethertype:ip:"), "IPv4: {protocols}");
    assert!(
        protocols.contains("eth:ethertype:ipv6:"),
        "IPv6: {protocols}"
    );
    assert!(
        protocols.contains("arp") || protocols.contains("icmpv6"),
        "{protocols}"
    );
}

/// The host's network interfaces and the network namespaces of every process.
fn host_network_state() -> (Vec<String>, usize, usize) {
    let mut interfaces: Vec<String> = std::fs::read_dir("/sys/class/net")
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    interfaces.sort();
    let mut namespaces = std::collections::HashSet::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        if let Ok(link) = std::fs::read_link(entry.path().join("ns/net")) {
            namespaces.insert(link);
        }
    }
    let mounts = std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
        .count();
    (interfaces, namespaces.len(), mounts)
}

#[test]
fn two_tours_at_once_do_not_collide_and_leave_nothing_behind() {
    let scratch = Scratch::new("two-tours");
    if as_nobody(&scratch.0).is_none() {
        return;
    }
    let before = host_network_state();
    let spawn = || {
        ChildGuard(
            as_nobody(&scratch.0)
                .unwrap()
                .args(["tour", "--json", "--no-search"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap(),
        )
    };
    let (a, b) = (spawn(), spawn());
    for mut child in [a, b] {
        let out = std::mem::replace(&mut child.0, Command::new("true").spawn().unwrap())
            .wait_with_output()
            .unwrap();
        let tour = tour_json(&out);
        assert_eq!(tour["placement"]["namespaces"], true);
        assert_eq!(tour["story"]["status"], 200, "{}", tour["story"]["notes"]);
        assert_eq!(tour["capture"]["captured"], true);
    }
    let after = host_network_state();
    assert_eq!(before.0, after.0, "interfaces left on the host");
    assert!(
        after.1 <= before.1,
        "namespaces left: {} -> {}",
        before.1,
        after.1
    );
    assert_eq!(before.2, after.2, "mounts left on the host");
}

#[test]
fn a_refused_user_namespace_falls_back_to_loopback_and_says_why() {
    let scratch = Scratch::new("refused");
    let Some(mut command) = as_nobody(&scratch.0) else {
        return;
    };
    let output = command
        .env(lab::netns::NO_NAMESPACES_ENV, "1")
        .args(["tour", "--json", "--no-search"])
        .output()
        .unwrap();
    let tour = tour_json(&output);
    assert_eq!(tour["placement"]["namespaces"], false);
    let reason = tour["placement"]["fallback_reason"].as_str().unwrap();
    assert!(reason.contains(lab::netns::NO_NAMESPACES_ENV), "{reason}");
    // On loopback an ordinary user has the unprivileged ports, honestly labelled.
    // HSTS keeps an explicit port other than 80, so there the tour types the https address.
    assert_eq!(tour["url"], "https://www.google.com:8443/");
    assert_eq!(tour["story"]["status"], 200);
    assert_eq!(tour["capture"]["captured"], false);
}

#[test]
fn lab_exec_runs_dig_and_curl_inside_a_running_lab() {
    let scratch = Scratch::new("exec");
    let Some(mut up) = as_nobody(&scratch.0) else {
        return;
    };
    let (Some(_dig), Some(_curl)) = (
        Peer::find("dig", "bind9-dnsutils"),
        Peer::find("curl", "curl"),
    ) else {
        return;
    };
    let mut lab = ChildGuard(
        up.args(["lab", "up"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let state_dir = scratch.0.join("run/roundtrip");
    let published = test_support::wait_until(Duration::from_secs(20), || {
        std::fs::read_dir(&state_dir).is_ok_and(|d| {
            d.flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("lab-"))
        })
    });
    assert!(
        published,
        "lab up did not publish itself in {}",
        state_dir.display()
    );
    let exec = |args: &[&str]| {
        let out = as_nobody(&scratch.0)
            .unwrap()
            .args(["lab", "exec", "--"])
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, err) = exec(&["dig", "+short", "+time=2", "www.google.com", "A"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("203.0.113.80"),
        "dig from the laptop: {out}{err}"
    );
    let (code, out, err) = exec(&[
        "curl",
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code} %{remote_ip} %{redirect_url}",
        "http://www.google.com/",
    ]);
    assert_eq!(code, Some(0), "{err}");
    // Port 80 sends the browser to https://, where the lab CA's certificate is served.
    assert!(
        out.starts_with("301 ") && out.ends_with(" https://www.google.com/"),
        "curl from the laptop: {out}{err}"
    );
    let root_ca = scratch.0.join("state/roundtrip/ca/root.pem");
    let (code, out, err) = exec(&[
        "curl",
        "-s",
        "--cacert",
        &root_ca.display().to_string(),
        "-o",
        "/dev/null",
        "-w",
        "%{http_code} %{http_version}",
        "https://www.google.com/",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, "200 2", "curl https from the laptop: {err}");
    // SIGINT stops the lab, and it removes what it published.
    // SAFETY: kill on the pid of a child this test started.
    unsafe { libc::kill(lab.0.id() as i32, libc::SIGINT) };
    assert!(lab.exited_within(Duration::from_secs(10)).is_some());
    let left = std::fs::read_dir(&state_dir)
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(left, 0, "lab up left its state files");
}

#[test]
fn the_loss_fault_shows_tcps_retransmission_and_the_resolvers_retry() {
    let scratch = Scratch::new("loss");
    let Some(mut command) = as_nobody(&scratch.0) else {
        return;
    };
    let pcap = scratch.0.join("loss.pcapng");
    let output = command
        .args(["tour", "--json", "--fault", "loss", "--no-search", "--pcap"])
        .arg(&pcap)
        .output()
        .unwrap();
    let tour = tour_json(&output);
    assert_eq!(tour["fault"], "loss");
    assert_eq!(tour["story"]["status"], 200, "the journey still succeeds");
    let packets = tour["packets"].as_array().unwrap();
    let hosts = |p: &Value| -> Vec<String> {
        p["path"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["host"].as_str().unwrap().to_owned())
            .collect()
    };
    let at = |p: &Value| {
        p["at"]["secs_since_epoch"].as_f64().unwrap()
            + p["at"]["nanos_since_epoch"].as_f64().unwrap() / 1e9
    };

    // The browser's first data segment (its TLS ClientHello: HSTS sends it to https) twice,
    // with the same sequence number: the first copy never left the laptop's gateway, the
    // second crossed every router.
    let requests: Vec<&Value> = packets
        .iter()
        .filter(|p| {
            p["dst"].as_str().unwrap().ends_with(":443")
                && p["transport"]["rel_seq"] == 1
                && p["transport"]["len"].as_u64().unwrap_or(0) > 0
        })
        .collect();
    assert_eq!(requests.len(), 2, "the ClientHello and its retransmission");
    assert_eq!(
        requests[0]["transport"]["seq"], requests[1]["transport"]["seq"],
        "the same bytes"
    );
    assert_eq!(hosts(requests[0]), ["laptop"], "lost at home-router");
    assert_eq!(
        hosts(requests[1]),
        ["laptop", "home-router", "isp-router", "google-router"]
    );
    let connection = tour["connections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            c["server"].as_str().unwrap().ends_with(":443")
                && c["data"][1]["retransmission"] == true
        })
        .unwrap_or_else(|| panic!("no retransmission: {}", tour["connections"]));
    assert_eq!(connection["data"][0]["retransmission"], false);

    // One query of the resolver lost (seen only on its own host, never answered), and asked
    // again after the resolver's timeout, answered.
    let queries: Vec<&Value> = packets
        .iter()
        .filter(|p| p["dns"]["response"] == false && hosts(p)[0] == "resolver")
        .collect();
    let answered = |q: &Value| {
        packets.iter().any(|r| {
            r["dns"]["response"] == true && r["dns"]["id"] == q["dns"]["id"] && r["dst"] == q["src"]
        })
    };
    let lost: Vec<&&Value> = queries.iter().filter(|q| !answered(q)).collect();
    assert_eq!(lost.len(), 1, "one query lost");
    assert_eq!(hosts(lost[0]), ["resolver"]);
    let retry = queries
        .iter()
        .find(|q| q["dns"]["question"] == lost[0]["dns"]["question"] && at(q) > at(lost[0]) + 0.1)
        .expect("the resolver asks again after its timeout");
    assert!(answered(retry));

    let text = story_text(&tour);
    // What the story was told from, for a failure to be read.
    let dns_packets: Vec<String> = packets
        .iter()
        .filter(|p| !p["dns"].is_null())
        .map(|p| {
            format!(
                "{} {} -> {} id {} response {} {} path {:?}",
                at(p),
                p["src"],
                p["dst"],
                p["dns"]["id"],
                p["dns"]["response"],
                p["dns"]["question"],
                hosts(p)
            )
        })
        .collect();
    for said in [
        "LOST: seen leaving laptop, never leaving home-router",
        "RETRANSMISSION browser",
        "every byte before it has arrived",
        "LOST: no answer ever came",
        "a RETRY by the resolver itself",
    ] {
        assert!(
            text.contains(said),
            "{said:?} in:\n{text}\nDNS packets:\n{}\nevents: {}",
            dns_packets.join("\n"),
            tour["events"]
        );
    }
    let routers: Vec<&Value> = tour["lab"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["detail"].as_str().unwrap().contains("LOSES (fault)"))
        .collect();
    assert_eq!(routers.len(), 2, "{}", tour["lab"]);

    // tshark, reading the pcap on its own, sees the laptop send the same bytes twice.
    let Some(tshark) = Peer::find("tshark", "tshark") else {
        return;
    };
    let read = Command::new(tshark)
        .args(["-r"])
        .arg(&pcap)
        .args([
            "-Y",
            // The first data segment (relative seq 1): tshark dissects a retransmitted
            // ClientHello as a retransmission, not as TLS, so the TLS field would find one.
            "frame.interface_name == \"laptop/eth0\" && tcp.dstport == 443 \
             && tcp.seq == 1 && tcp.len > 0",
            "-T",
            "fields",
            "-e",
            "tcp.seq_raw",
        ])
        .output()
        .unwrap();
    let seqs = String::from_utf8_lossy(&read.stdout);
    let seqs: Vec<&str> = seqs.lines().collect();
    assert_eq!(
        seqs.len(),
        2,
        "{seqs:?}: {}",
        String::from_utf8_lossy(&read.stderr)
    );
    assert_eq!(seqs[0], seqs[1]);
}

#[test]
fn the_loss_fault_on_loopback_is_refused_before_anything_starts() {
    let scratch = Scratch::new("loss-refused");
    let Some(mut command) = as_nobody(&scratch.0) else {
        return;
    };
    let output = command
        .env(lab::netns::NO_NAMESPACES_ENV, "1")
        .args(["tour", "--fault", "loss"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "a usage the lab cannot serve"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--fault loss drops packets in a router of the lab's own network")
            && stderr.contains(lab::netns::NO_NAMESPACES_ENV),
        "{stderr}"
    );
}

#[test]
fn lab_up_publish_forwards_the_resolver_and_the_web_server_to_loopback() {
    let scratch = Scratch::new("publish");
    let Some(mut up) = as_nobody(&scratch.0) else {
        return;
    };
    let (Some(_dig), Some(_curl)) = (
        Peer::find("dig", "bind9-dnsutils"),
        Peer::find("curl", "curl"),
    ) else {
        return;
    };
    // Addresses of this test's own, so no port on the host is assumed free.
    let block = test_support::LoopbackBlock::claim();
    let (dns, http, https) = (
        block.addr(1, 1053),
        block.addr(1, 8080),
        block.addr(1, 8443),
    );
    let config = lab::LabConfig::default_text()
        .replace("dns = \"127.0.0.1:1053\"", &format!("dns = \"{dns}\""))
        .replace("http = \"127.0.0.1:8080\"", &format!("http = \"{http}\""))
        .replace(
            "https = \"127.0.0.1:8443\"",
            &format!("https = \"{https}\""),
        );
    let config_file = scratch.0.join("lab.toml");
    std::fs::write(&config_file, config).unwrap();
    let mut lab = ChildGuard(
        up.args(["lab", "up", "--publish", "--config"])
            .arg(&config_file)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let dig = |tcp: bool| {
        let out = Command::new("dig")
            .arg(format!("@{}", dns.ip()))
            .args([
                "-p",
                &dns.port().to_string(),
                "+short",
                "+time=1",
                "+tries=1",
                if tcp { "+tcp" } else { "+notcp" },
                "www.google.com",
                "A",
            ])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let answered = test_support::wait_until(Duration::from_secs(20), || {
        dig(false).contains("203.0.113.80")
    });
    if !answered {
        // SAFETY: kill on the pid of a child this test started.
        unsafe { libc::kill(lab.0.id() as i32, libc::SIGINT) };
        let _ = lab.exited_within(Duration::from_secs(10));
        let mut err = String::new();
        use std::io::Read;
        let _ = lab.0.stderr.take().unwrap().read_to_string(&mut err);
        panic!("no answer on the published {dns}: {err}");
    }
    assert!(
        dig(true).contains("203.0.113.80"),
        "DNS over TCP, published"
    );
    let curl = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--resolve",
            &format!("www.google.com:{}:{}", http.port(), http.ip()),
            &format!("http://www.google.com:{}/", http.port()),
        ])
        .output()
        .unwrap();
    // The published port is the lab's port 80, which answers 301 to https://.
    assert_eq!(String::from_utf8_lossy(&curl.stdout), "301");
    // HTTPS, end to end: the lab's own certificate, checked against the lab's root.
    let root = scratch.0.join("state/roundtrip/ca/root.pem");
    let curl = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{http_version}",
            "--cacert",
        ])
        .arg(&root)
        .args([
            "--resolve",
            &format!("www.google.com:{}:{}", https.port(), https.ip()),
            &format!("https://www.google.com:{}/", https.port()),
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&curl.stdout),
        "200 2",
        "{}",
        String::from_utf8_lossy(&curl.stderr)
    );
    // SAFETY: kill on the pid of a child this test started.
    unsafe { libc::kill(lab.0.id() as i32, libc::SIGINT) };
    assert!(lab.exited_within(Duration::from_secs(10)).is_some());
    let mut out = String::new();
    use std::io::Read;
    lab.0
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert!(
        out.contains(&format!("dns   {dns}")) && out.contains("-> 198.51.100.53:53 (udp, tcp)"),
        "{out}"
    );
}
