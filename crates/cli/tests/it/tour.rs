//! `roundtrip tour` end to end: the whole lab in the test's own loopback block, browsed through,
//! and assertions on the journey it tells (`--json`), each fault's status and symptom, the pcap
//! (read back by tshark) and the HTML page (rendered by a real headless Chromium).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;
use test_support::{ChildGuard, LabZones, LoopbackBlock, Peer, is_root};

/// A lab config in a block of its own; the WAS's slowness bound is short so a 504 comes fast.
/// (Shared with `tour_lang`.)
pub(crate) struct Lab {
    block: LoopbackBlock,
    pub(crate) zones: LabZones,
    config: PathBuf,
    http_port: u16,
}

impl Lab {
    pub(crate) fn new() -> Lab {
        let block = LoopbackBlock::claim();
        let zones = LabZones::in_block(&block);
        let (dns_port, http_port) = if is_root() { (53, 80) } else { (1053, 8080) };
        let config = zones.write_lab_config(dns_port, http_port);
        let text = std::fs::read_to_string(&config).unwrap();
        std::fs::write(
            &config,
            text.replace("upstream_timeout = 2.0", "upstream_timeout = 1.0"),
        )
        .unwrap();
        Lab {
            block,
            zones,
            config,
            http_port,
        }
    }

    pub(crate) fn url(&self, host: &str, path: &str) -> String {
        if self.http_port == 80 {
            format!("http://{host}{path}")
        } else {
            format!("http://{host}:{}{path}", self.http_port)
        }
    }

    fn browser(&self) -> String {
        self.block.ip(10).to_string()
    }

    /// Runs `roundtrip tour --config ... ARGS`, bounded in time, with no locale in its
    /// environment (so: English unless ARGS say otherwise); returns (exit code, stdout, stderr).
    pub(crate) fn tour(&self, args: &[&str]) -> (i32, String, String) {
        self.tour_with_env(args, &[])
    }

    /// [`Lab::tour`] with these locale variables set (`LANG`, `LC_ALL`, `LC_MESSAGES`).
    pub(crate) fn tour_with_env(
        &self,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> (i32, String, String) {
        let mut command = Command::new(env!("CARGO_BIN_EXE_roundtrip"));
        for name in ["LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"] {
            command.env_remove(name);
        }
        command.envs(env.iter().copied());
        let mut child = ChildGuard(
            command
                .arg("tour")
                .arg("--config")
                .arg(&self.config)
                .args(args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("roundtrip runs"),
        );
        let mut stdout = child.0.stdout.take().unwrap();
        let mut stderr = child.0.stderr.take().unwrap();
        let out = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stdout.read_to_string(&mut text);
            text
        });
        let err = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let status = child
            .exited_within(Duration::from_secs(60))
            .expect("the tour did not finish in 60 s");
        (
            status.code().unwrap_or(-1),
            out.join().unwrap(),
            err.join().unwrap(),
        )
    }

    pub(crate) fn tour_json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let (code, out, err) = self.tour(&all);
        assert_eq!(code, 0, "tour failed: {err}");
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}\n{err}"))
    }
}

pub(crate) fn captured(tour: &Value) -> bool {
    let yes = tour["capture"]["captured"].as_bool() == Some(true);
    if !yes {
        eprintln!(
            "\n!!! SKIPPED packet assertions: no capture ({}); run as root to check the wire\n",
            tour["capture"]["reason"]
        );
    }
    yes
}

pub(crate) fn statuses(tour: &Value) -> Vec<u64> {
    tour["visits"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v["visit"]["legs"].as_array())
        .flatten()
        .map(|leg| leg["status"].as_u64().unwrap())
        .collect()
}

pub(crate) fn story_text(tour: &Value) -> String {
    tour["story"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["lines"].as_array().unwrap())
        .map(|l| l["text"].as_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The DNS questions the resolver asked, in order, as (server address, question).
fn iterative_queries(tour: &Value, resolver: &str) -> Vec<(String, String)> {
    tour["packets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            p["src"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{resolver}:"))
                && p["dns"]["response"].as_bool() == Some(false)
        })
        .map(|p| {
            let dst = p["dst"].as_str().unwrap();
            (
                dst.rsplit_once(':').unwrap().0.to_owned(),
                p["dns"]["question"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[test]
fn the_tour_tells_all_five_steps_from_the_wire() {
    let lab = Lab::new();
    let tour = lab.tour_json(&[]);
    let steps: Vec<u64> = tour["story"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["number"].as_u64().unwrap())
        .collect();
    assert_eq!(steps, vec![1, 2, 3, 4, 5], "{}", story_text(&tour));
    // The home page (static) and the search (web -> WAS -> database), both 200.
    assert_eq!(statuses(&tour), vec![200, 200], "{}", story_text(&tour));
    let text = story_text(&tour);
    assert!(text.contains("host cache MISS"), "{text}");
    assert!(text.contains("a static file"), "{text}");
    assert!(text.contains("handed to the WAS"), "{text}");
    assert!(text.contains("handler `search`"), "{text}");
    assert!(text.contains("database (sqlite):"), "{text}");
    let kinds: Vec<&str> = tour["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    for kind in [
        "resolver_hop",
        "dns_answered",
        "http_served",
        "was_handled",
        "sql_ran",
    ] {
        assert!(kinds.contains(&kind), "no {kind} event: {kinds:?}");
    }
    // The browser closed first, and the kernel shows the TIME_WAIT on its side.
    let tw = &tour["time_wait"][0];
    assert_eq!(tw["holder"], tw["local"], "{tw}");
    assert!(tw["local"].as_str().unwrap().starts_with(&lab.browser()));
    assert!(tw["remaining_secs"].as_f64().unwrap() > 50.0, "{tw}");

    if !captured(&tour) {
        return;
    }
    // The walk: root, then com., then google.com.'s server; A and AAAA each minimised.
    let resolver = lab.block.ip(53).to_string();
    let asked = iterative_queries(&tour, &resolver);
    let servers: Vec<&str> = asked.iter().map(|(s, _)| s.as_str()).collect();
    let (root, tld, auth) = (
        lab.block.ip(2).to_string(),
        lab.block.ip(4).to_string(),
        lab.block.ip(6).to_string(),
    );
    assert_eq!(servers.first(), Some(&root.as_str()), "{asked:?}");
    let first = |server: &str| servers.iter().position(|s| *s == server);
    assert!(
        first(&root) < first(&tld) && first(&tld) < first(&auth),
        "{asked:?}"
    );
    assert_eq!(
        asked[0].1, "com. IN A",
        "QNAME minimisation: the root hears only com."
    );
    // The browser's question to the resolver was recursive (RD), the resolver's iterative.
    let browser = lab.browser();
    let recursive = tour["packets"].as_array().unwrap().iter().any(|p| {
        p["src"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{browser}:"))
            && p["dns"]["flags"]
                .as_array()
                .is_some_and(|f| f.iter().any(|f| f == "rd"))
    });
    assert!(recursive);
    // One browser connection: SYN, SYN-ACK, ACK; the browser's FIN first.
    let web = lab.block.ip(80).to_string();
    let conn = tour["connections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            c["client"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{browser}:"))
        })
        .expect("the browser's connection was captured");
    assert!(
        conn["server"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{web}:"))
    );
    for part in [
        "syn",
        "syn_ack",
        "ack",
        "first_fin",
        "second_fin",
        "second_fin_acked",
    ] {
        assert!(!conn[part].is_null(), "no {part} in {conn}");
    }
    assert_eq!(conn["active_closer"], conn["client"]);
    assert_eq!(conn["active_closer"], tw["holder"], "wire and kernel agree");
    // The web server's own connection to the WAS is captured too.
    let was = lab.block.ip(81).to_string();
    assert!(
        tour["connections"].as_array().unwrap().iter().any(|c| {
            c["client"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{web}:"))
                && c["server"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("{was}:"))
        }),
        "no web -> WAS connection"
    );
    assert_eq!(tour["capture"]["dropped"], 0);
}

#[test]
fn a_second_visit_is_answered_by_the_host_cache() {
    let lab = Lab::new();
    let tour = lab.tour_json(&["--visits", "2", "--no-search"]);
    assert_eq!(statuses(&tour), vec![200, 200]);
    let text = story_text(&tour);
    assert!(text.contains("visit 1: host cache MISS"), "{text}");
    assert!(text.contains("visit 2: host cache HIT"), "{text}");
    // Each visit's connection was closed by the browser and left in TIME_WAIT on its side.
    let tw = tour["time_wait"].as_array().unwrap();
    assert_eq!(tw.len(), 2, "{tw:?}");
    assert!(tw.iter().all(|t| t["holder"] == t["local"]), "{tw:?}");
    assert!(
        text.contains("its cache would have answered"),
        "the resolver's cache is shown: {text}"
    );
}

#[test]
fn each_fault_shows_its_status_where_it_arises() {
    let lab = Lab::new();
    for (fault, status, symptom) in [
        ("was-down", 502, "could not be reached"),
        ("was-slow", 504, "did not answer in time"),
        ("db-down", 503, "handler `search`"),
    ] {
        let tour = lab.tour_json(&["--fault", fault]);
        assert_eq!(
            statuses(&tour),
            vec![status],
            "{fault}: {}",
            story_text(&tour)
        );
        assert!(story_text(&tour).contains(symptom), "{fault}");
        assert!(
            tour["story"]["fault"]
                .as_str()
                .unwrap()
                .contains(&format!("fault injected: {fault}"))
        );
    }
}

#[test]
fn a_name_that_does_not_exist_gets_a_negative_answer() {
    let lab = Lab::new();
    let tour = lab.tour_json(&["--fault", "nxdomain"]);
    let visit = &tour["visits"][0];
    assert!(visit["visit"].is_null());
    assert!(
        visit["error"].as_str().unwrap().contains("NXDOMAIN"),
        "{visit}"
    );
    if captured(&tour) {
        let text = story_text(&tour);
        assert!(text.contains("negative answer: no such name"), "{text}");
        assert!(
            text.contains("how long this negative answer may be cached"),
            "{text}"
        );
    }
}

#[test]
fn a_dead_root_server_is_retried_on_the_other() {
    let lab = Lab::new();
    let tour = lab.tour_json(&["--fault", "root-down", "--no-search"]);
    assert_eq!(statuses(&tour), vec![200]);
    if !captured(&tour) {
        return;
    }
    let resolver = lab.block.ip(53).to_string();
    let asked = iterative_queries(&tour, &resolver);
    let (dead, live) = (lab.block.ip(2).to_string(), lab.block.ip(3).to_string());
    // A and AAAA are resolved side by side: each asks the dead root first, then the other.
    assert_eq!(asked[0].0, dead, "the first root is asked first: {asked:?}");
    let first_live = asked
        .iter()
        .position(|(s, _)| *s == live)
        .expect("the other root");
    assert!(
        asked[..first_live].iter().all(|(s, _)| *s == dead),
        "{asked:?}"
    );
    assert!(story_text(&tour).contains("port unreachable"));
}

#[test]
fn redirects_and_missing_pages_have_their_codes() {
    let lab = Lab::new();
    let tour = lab.tour_json(&[&lab.url("google.com", "/")]);
    assert_eq!(statuses(&tour), vec![301, 200], "{}", story_text(&tour));
    assert!(story_text(&tour).contains("the browser follows the redirect"));
    let tour = lab.tour_json(&[&lab.url("www.google.com", "/no-such-page")]);
    assert_eq!(statuses(&tour), vec![404]);
}

#[test]
fn the_pcap_reads_back_in_tshark() {
    let lab = Lab::new();
    let pcap = lab.zones.dir.join("tour.pcap");
    let (code, out, err) = lab.tour(&["--no-search", "--pcap", pcap.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("5. The response comes back"), "{out}");
    if !is_root() {
        eprintln!("\n!!! SKIPPED pcap check: capture needs root or CAP_NET_RAW\n");
        return;
    }
    let Some(tshark) = Peer::find("tshark", "tshark") else {
        return;
    };
    let fields = Command::new(tshark)
        .args([
            "-r",
            pcap.to_str().unwrap(),
            "-T",
            "fields",
            "-e",
            "tcp.flags.str",
            "-e",
            "dns.qry.name",
        ])
        .output()
        .unwrap();
    assert!(
        fields.status.success(),
        "{}",
        String::from_utf8_lossy(&fields.stderr)
    );
    let text = String::from_utf8_lossy(&fields.stdout);
    assert!(text.contains("www.google.com"), "{text}");
    // tshark writes flags as e.g. "··········S·" for a SYN.
    assert!(text.lines().any(|l| l.trim_end().ends_with("S·")), "{text}");
    assert!(text.contains('F'), "{text}");
}

#[test]
fn the_html_page_renders_in_chromium_with_a_lane_per_host_and_an_arrow_per_message() {
    let lab = Lab::new();
    let html = lab.zones.dir.join("tour.html");
    let tour = lab.tour_json(&["--html", html.to_str().unwrap()]);
    let Some(chromium) = Peer::find("chromium", "chromium") else {
        return;
    };
    let dom = render(&chromium, &html, &lab.zones.dir);
    assert!(
        dom.contains("data-rendered=\"yes\""),
        "the script ran to its end"
    );
    let lanes = dom.matches("class=\"lane\"").count();
    assert_eq!(lanes, tour["story"]["lanes"].as_array().unwrap().len());
    for role in [
        "browser",
        "resolver",
        "root",
        "tld",
        "authoritative",
        "web",
        "was",
        "db",
    ] {
        // Without a capture the story cannot tell which name servers took part.
        let dns_server = ["root", "tld", "authoritative"].contains(&role);
        if dns_server && !captured(&tour) {
            continue;
        }
        assert!(
            dom.contains(&format!("data-role=\"{role}\"")),
            "no {role} lane"
        );
    }
    let arrows = dom.matches("class=\"arrow ").count();
    assert_eq!(arrows, tour["story"]["messages"].as_array().unwrap().len());
    if captured(&tour) {
        assert!(arrows >= tour["packets"].as_array().unwrap().len());
    }
}

/// The page's DOM after its script ran, from a real headless Chromium.
pub(crate) fn render(chromium: &Path, html: &Path, scratch: &Path) -> String {
    let profile = scratch.join("chromium-profile");
    let output = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("chromium runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("Uncaught"),
        "a script error in the page: {stderr}"
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn without_permission_to_capture_the_tour_says_so_and_invents_no_packet() {
    let Some(mut nobody) = test_support::as_nobody(Path::new(env!("CARGO_BIN_EXE_roundtrip")))
    else {
        return;
    };
    let lab = Lab::new();
    // Unprivileged ports, and a database where `nobody` may write.
    let db_dir = std::env::temp_dir().join(format!("roundtrip-nobody-{}", std::process::id()));
    let text = std::fs::read_to_string(&lab.config)
        .unwrap()
        .replace("dns = 53", "dns = 5353")
        .replace("http = 80", "http = 8080")
        // Inside its user namespace the lab is root: the unprivileged HTTPS port is given.
        .replace("# https = 443", "https = 8443")
        .replace(
            "database = \"sqlite://lab.db\"",
            &format!("database = \"sqlite://{}/lab.db\"", db_dir.display()),
        )
        .replace("ca = \"ca\"", &format!("ca = \"{}/ca\"", db_dir.display()));
    std::fs::write(&lab.config, text).unwrap();
    let output = nobody
        .args(["tour", "--json", "--config"])
        .arg(&lab.config)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&db_dir);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tour: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(tour["capture"]["captured"], false);
    assert!(
        tour["capture"]["reason"]
            .as_str()
            .unwrap()
            .contains("CAP_NET_RAW"),
        "{}",
        tour["capture"]
    );
    assert_eq!(tour["packets"].as_array().unwrap().len(), 0);
    assert!(
        tour["story"]["messages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["source"] == "reported"),
        "no arrow claims to be captured"
    );
    assert!(
        tour["story"]["notes"][0]
            .as_str()
            .unwrap()
            .contains("no packets were captured")
    );
    assert_eq!(statuses(&tour), vec![200, 200]);
    // The sockets' own account still holds: the browser connected and the kernel (sock_diag,
    // unprivileged) shows its TIME_WAIT.
    let text = story_text(&tour);
    assert!(text.contains("its packets were not captured"), "{text}");
    let tw = &tour["time_wait"][0];
    assert_eq!(tw["holder"], tw["local"], "{tw}");
}
