//! Real clients: curl fetches pages, 304s and ranges; wrk loads the server without errors.

use std::process::Command;

use test_support::Peer;

use crate::harness::{HELLO, TestWeb};

#[test]
fn curl_fetches_pages_conditionals_and_ranges() {
    let Some(curl) = Peer::find("curl", "curl") else {
        return;
    };
    let web = TestWeb::start(|_, _| {});
    let url = format!("http://{}/hello.txt", web.addr);
    let run = |args: &[&str]| {
        let output = Command::new(&curl)
            .args(["-sS", "--max-time", "10"])
            .args(args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "curl {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    assert_eq!(run(&[&url]), HELLO);
    let page = run(&[&format!("http://{}/", web.addr)]);
    assert!(page.contains("<title>home</title>"));

    let headers = run(&["-D", "-", "-o", "/dev/null", &url]);
    let etag = headers
        .lines()
        .find_map(|l| l.strip_prefix("etag: ").or(l.strip_prefix("ETag: ")))
        .unwrap()
        .trim()
        .to_owned();
    let status = run(&[
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "-H",
        &format!("If-None-Match: {etag}"),
        &url,
    ]);
    assert_eq!(status, "304");
    let status = run(&[
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "-z",
        "Fri, 01 Jan 2100 00:00:00 GMT",
        &url,
    ]);
    assert_eq!(status, "304");
    assert_eq!(run(&["-r", "0-4", &url]), "hello");
    let compressed = run(&["--compressed", &format!("http://{}/style.css", web.addr)]);
    assert!(compressed.starts_with("body { color: black; }"));
    let redirected = run(&["-L", &format!("http://{}/dir", web.addr)]);
    assert_eq!(redirected, "<p>dir index</p>\n");
}

#[test]
fn wrk_runs_without_errors() {
    let Some(wrk) = Peer::find("wrk", "wrk") else {
        return;
    };
    let web = TestWeb::start(|_, _| {});
    let output = Command::new(&wrk)
        .args(["-t1", "-c8", "-d1s", "--timeout", "5s"])
        .arg(format!("http://{}/hello.txt", web.addr))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}");
    assert!(!text.contains("Socket errors"), "{text}");
    assert!(!text.contains("Non-2xx"), "{text}");
    let requests: u64 = text
        .lines()
        .find_map(|l| l.trim().split_once(" requests in "))
        .and_then(|(n, _)| n.trim().parse().ok())
        .unwrap_or(0);
    assert!(requests > 100, "{text}");
}
