//! `roundtrip serve web --tls-cert FILE --tls-key FILE`: HTTPS and HTTP/2 from PEM files (curl
//! trusting only the test root), and a bad file refused at start with its path and reason.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use test_support::tls::{TestCerts, arg};
use test_support::{ChildGuard, LoopbackBlock, Peer};

#[test]
fn serve_web_speaks_https_and_http2_from_pem_files() {
    let Some(curl) = Peer::find("curl", "curl") else {
        return;
    };
    let certs = TestCerts::new(&["www.google.com"]);
    let block = LoopbackBlock::claim();
    let listen = block.addr(80, 8443);
    let site = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../lab/site");
    let mut child = ChildGuard(
        Command::new(env!("CARGO_BIN_EXE_roundtrip"))
            .args(["serve", "web", "--listen", &listen.to_string(), "--root"])
            .arg(&site)
            .args(["--tls-cert", &arg(&certs.cert_pem)])
            .args(["--tls-key", &arg(&certs.key_pem), "--access-log", "off"])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut stderr = BufReader::new(child.0.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert!(line.contains(&format!("https://{listen}")), "{line}");
    let output = Command::new(&curl)
        .args([
            "-sS",
            "--max-time",
            "10",
            "--http2",
            "--cacert",
            &arg(&certs.root_pem),
        ])
        .arg("--resolve")
        .arg(format!("www.google.com:{}:{}", listen.port(), listen.ip()))
        .args(["-o", "/dev/null", "-w", "%{http_version} %{http_code}"])
        .arg(format!("https://www.google.com:{}/", listen.port()))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "2 200",
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // SAFETY: kill on the pid of a child this test started and has not reaped.
    unsafe { libc::kill(child.0.id() as i32, libc::SIGTERM) };
    assert!(child.exited_within(Duration::from_secs(15)).is_some());
}

#[test]
fn serve_web_refuses_a_bad_key_with_its_path_and_reason() {
    let certs = TestCerts::new(&["www.google.com"]);
    let stray = certs.stray_key();
    let block = LoopbackBlock::claim();
    let output = Command::new(env!("CARGO_BIN_EXE_roundtrip"))
        .args([
            "serve",
            "web",
            "--listen",
            &block.addr(80, 8443).to_string(),
        ])
        .args(["--root", "/tmp", "--tls-cert", &arg(&certs.cert_pem)])
        .args(["--tls-key", &arg(&stray)])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(&format!("roundtrip: {}: ", stray.display()))
            && stderr.contains("does not match"),
        "{stderr}"
    );
    // --tls-cert without --tls-key is bad usage.
    let output = Command::new(env!("CARGO_BIN_EXE_roundtrip"))
        .args([
            "serve",
            "web",
            "--listen",
            &block.addr(80, 8443).to_string(),
        ])
        .args(["--root", "/tmp", "--tls-cert", &arg(&certs.cert_pem)])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}
