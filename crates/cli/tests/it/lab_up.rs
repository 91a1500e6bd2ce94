//! `roundtrip lab up --config` and `roundtrip lab config`: the whole lab from one TOML file in
//! the test's own block, its address table, a real request through it, a clean stop on SIGINT,
//! and a bad config refused with file, line, key and reason.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use test_support::{ChildGuard, LabZones, LoopbackBlock};

#[test]
fn lab_config_prints_a_config_that_lab_up_accepts() {
    let out = Command::new(env!("CARGO_BIN_EXE_roundtrip"))
        .args(["lab", "config"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("[resolver]") && text.contains("[[dns]]") && text.contains("[was]"));
    // The printed paths are absolute, so a copy saved anywhere finds the zones and the site.
    assert!(text.contains("zones = \"/"), "{text}");
}

#[test]
fn a_bad_config_is_refused_with_its_line_and_key() {
    let dir = std::env::temp_dir().join(format!("roundtrip-badlab-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("lab.toml");
    let config = Command::new(env!("CARGO_BIN_EXE_roundtrip"))
        .args(["lab", "config"])
        .output()
        .unwrap()
        .stdout;
    let text = String::from_utf8(config)
        .unwrap()
        .replace("address = \"203.0.113.81\"", "address = \"10.1.2.3\"");
    let line = text
        .lines()
        .position(|l| l == "address = \"10.1.2.3\"")
        .unwrap()
        + 1;
    std::fs::write(&path, &text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_roundtrip"))
        .args(["lab", "up", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "lab.toml:{line}: was.address: 10.1.2.3 is neither in the documentation ranges"
        )),
        "{stderr}"
    );
}

#[test]
fn lab_up_serves_the_table_it_prints_and_stops_on_ctrl_c() {
    let block = LoopbackBlock::claim();
    let zones = LabZones::in_block(&block);
    let config = zones.write_lab_config(5353, 8080);
    let mut child = ChildGuard(
        Command::new(env!("CARGO_BIN_EXE_roundtrip"))
            .args(["lab", "up", "--config"])
            .arg(&config)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let mut table = String::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        table.push_str(&line);
        table.push('\n');
        if line.starts_with("Ctrl-C") {
            break;
        }
    }
    for (name, host) in [
        ("a.root-servers.net", 2),
        ("ns1.google.com", 6),
        ("resolver", 53),
        ("www.google.com", 80),
        ("was.google.com", 81),
    ] {
        let port = if host >= 80 { 8080 } else { 5353 };
        let addr = block.addr(host, port).to_string();
        assert!(
            table
                .lines()
                .any(|l| l.starts_with(name) && l.contains(&addr)),
            "{name} at {addr} in\n{table}"
        );
    }
    // Port 80 of the web server in the table sends the browser to https://, path kept.
    let mut stream = TcpStream::connect(block.addr(80, 8080)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: www.google.com\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 301"), "{response}");
    assert!(
        response
            .to_ascii_lowercase()
            .lines()
            .any(|l| l.starts_with("location: https://www.google.com")
                && l.trim_end().ends_with("/health")),
        "{response}"
    );
    assert!(table.contains("HTTPS: www.google.com on port"), "{table}");
    // What each host serves, in English as it was.
    assert!(
        table.contains("recursive, from the lab's root hints"),
        "{table}"
    );
    assert!(table.contains("answers 301 to https://"), "{table}");

    // SIGINT, as Ctrl-C: a clean stop, exit 0.
    // SAFETY: kill on the pid of a child this test started and has not reaped.
    unsafe { libc::kill(child.0.id() as i32, libc::SIGINT) };
    let status = child
        .exited_within(Duration::from_secs(15))
        .expect("the lab did not stop on SIGINT");
    assert_eq!(status.code(), Some(0));
}

/// `lab up --lang ko`: the address table (roles and what each host serves) and the lines
/// around it are Korean, but for names, addresses and protocol tokens.
#[test]
fn lab_up_in_korean_tells_its_table_in_korean() {
    let block = LoopbackBlock::claim();
    let zones = LabZones::in_block(&block);
    let config = zones.write_lab_config(5353, 8080);
    let mut child = ChildGuard(
        Command::new(env!("CARGO_BIN_EXE_roundtrip"))
            .args(["lab", "up", "--lang", "ko", "--config"])
            .arg(&config)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let mut told = String::new();
    let mut table = false;
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        if line.starts_with("Ctrl-C") || line.starts_with("해 보세요") {
            break;
        }
        table |= line.starts_with("호스트");
        told.push_str(&line);
        told.push('\n');
    }
    assert!(table, "no table header:\n{told}");
    for korean in [
        "리졸버",
        "재귀적 질의를 받아 랩의 루트 힌트부터 찾습니다",
        "웹 서버",
        "https://로 301 응답",
        "데이터베이스 sqlite://",
    ] {
        assert!(told.contains(korean), "no {korean:?} in:\n{told}");
    }
    let mut allowed = test_support::korean::PROTOCOL_WORDS.to_vec();
    // The certificate authority, and the command lines shown as they are typed.
    allowed.extend([
        "CA",
        "curl",
        "cacert",
        "roundtrip",
        "lab",
        "exec",
        "COMMAND",
    ]);
    let english = test_support::korean::english_outside_tokens(&told, &allowed);
    assert!(english.is_empty(), "{}\n---\n{told}", english.join("\n"));
    // SAFETY: kill on the pid of a child this test started and has not reaped.
    unsafe { libc::kill(child.0.id() as i32, libc::SIGINT) };
    let status = child
        .exited_within(Duration::from_secs(15))
        .expect("the lab did not stop on SIGINT");
    assert_eq!(status.code(), Some(0));
}
