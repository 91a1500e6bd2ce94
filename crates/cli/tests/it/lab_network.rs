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
    let on_80 = |p: &Value| {
        p["dst"].as_str().unwrap().ends_with(":80") || p["src"].as_str().unwrap().ends_with(":80")
    };
    let flags = |p: &Value| -> Vec<String> {
        p["transport"]["flags"]
            .as_array()
            .map(|f| f.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
            .unwrap_or_default()
    };
    assert!(packets_where(&tour, |p| on_80(p) && flags(p) == ["SYN"]) >= 1);
    assert!(packets_where(&tour, |p| on_80(p) && flags(p).contains(&"FIN".to_owned())) >= 2);
    assert!(packets_where(&tour, |p| on_80(p) && !p["http"].is_null()) >= 2);
    let neighbours = packets_where(&tour, |p| {
        p["transport"]["protocol"] == "arp" || !p["transport"]["ndp"].is_null()
    });
    assert!(neighbours >= 2, "ARP or neighbour discovery: {neighbours}");
    // A packet that crossed routers is one packet with its path, the TTL going down.
    let routed = tour["packets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| on_80(p) && flags(p) == ["SYN"])
        .unwrap();
    let ttls: Vec<u64> = routed["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["ttl"].as_u64().unwrap())
        .collect();
    assert_eq!(ttls, [64, 63, 62, 61], "{}", routed["path"]);
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
    assert_eq!(tour["url"], "http://www.google.com:8080/");
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
        "%{http_code} %{remote_ip}",
        "http://www.google.com/",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.starts_with("200 "), "curl from the laptop: {out}{err}");
    // SIGINT stops the lab, and it removes what it published.
    // SAFETY: kill on the pid of a child this test started.
    unsafe { libc::kill(lab.0.id() as i32, libc::SIGINT) };
    assert!(lab.exited_within(Duration::from_secs(10)).is_some());
    let left = std::fs::read_dir(&state_dir)
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(left, 0, "lab up left its state files");
}
