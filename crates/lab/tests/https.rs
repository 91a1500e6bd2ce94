//! The running lab serves HTTPS with its own CA's leaf: curl trusting only the lab's root gets
//! HTTP/2 (and HTTP/1.1 when asked) with HSTS; port 80 answers 301 to https:// without HSTS;
//! google.com redirects to www over https; the WAS answers behind it. On the test's own
//! loopback block.

use std::process::Command;
use std::sync::Arc;

use test_support::{LabZones, LoopbackBlock, Peer};

#[test]
fn the_lab_serves_https_with_its_ca_and_port_80_redirects() {
    let Some(curl) = Peer::find("curl", "curl") else {
        return;
    };
    let block = LoopbackBlock::claim();
    let zones = LabZones::in_block(&block);
    let config = lab::LabConfig::load(&zones.write_lab_config(5353, 8080)).unwrap();
    let running = lab::start(&config, &lab::Faults::default(), Arc::new(journey::Silent)).unwrap();
    let config = running.config.clone();
    let ca = &running.ca;
    assert_eq!(ca.names(), ["www.google.com", "google.com"]);
    let key_mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(ca.leaf_key_path()).unwrap().permissions(),
    );
    assert_eq!(key_mode & 0o777, 0o600);
    let https = config.https_port;
    let web_ip = config.web.address;
    let run = |args: &[&str]| {
        let output = Command::new(&curl)
            .args(["-sS", "--max-time", "10", "--cacert"])
            .arg(ca.root_path())
            .arg("--resolve")
            .arg(format!("www.google.com:{https}:{web_ip}"))
            .arg("--resolve")
            .arg(format!("google.com:{https}:{web_ip}"))
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
    let home = format!("https://www.google.com:{https}/");
    let out = run(&["--http2", "-D", "-", "-w", "\n%{http_version}", &home]);
    assert!(out.starts_with("HTTP/2 200"), "{out}");
    assert!(out.ends_with("\n2"), "{out}");
    assert!(
        out.contains("strict-transport-security: max-age=31536000; includeSubDomains"),
        "{out}"
    );
    let out = run(&[
        "--http1.1",
        "-o",
        "/dev/null",
        "-w",
        "%{http_version} %{http_code}",
        &home,
    ]);
    assert_eq!(out, "1.1 200");
    // The WAS behind the web server, over HTTP/2.
    let out = run(&[
        "--http2",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        &format!("{home}search?q=dns"),
    ]);
    assert!(out == "200" || out == "503", "{out}");
    // google.com -> www, staying on https.
    let out = run(&[
        "-o",
        "/dev/null",
        "-w",
        "%{http_code} %{redirect_url}",
        &format!("https://google.com:{https}/x?y=1"),
    ]);
    let www = match https {
        443 => "https://www.google.com".to_owned(),
        port => format!("https://www.google.com:{port}"),
    };
    assert_eq!(out, format!("301 {www}/x?y=1"));

    // Port 80: 301 to https://, same host and path, no HSTS (RFC 6797 §7.2).
    let response = test_support::http::get(
        config.web_addr(),
        "/search?q=tls",
        &[("Host", "www.google.com")],
    )
    .unwrap();
    assert_eq!(response.status, 301);
    let expected = format!("{www}/search?q=tls");
    assert_eq!(response.header("location"), Some(expected.as_str()));
    assert_eq!(response.header("strict-transport-security"), None);

    // A second start reuses the CA.
    running.stop();
    let again = lab::start(&config, &lab::Faults::default(), Arc::new(journey::Silent)).unwrap();
    assert_eq!(again.ca.made(), lab::ca::Made::Reused);
    again.stop();
}
