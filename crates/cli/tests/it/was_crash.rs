//! `roundtrip serve was` killed with SIGKILL in the middle of a stream of POSTs loses no
//! document it answered 201 for: the answer comes only after the commit, and the commit is in
//! SQLite's write-ahead log (synchronous=FULL) before that.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use test_support::{ChildGuard, LoopbackBlock, wait_until};

const CLIENTS: usize = 4;

#[test]
fn a_killed_was_keeps_every_document_it_answered_201_for() {
    let block = LoopbackBlock::claim();
    let addr = block.addr(81, 8080);
    let dir = std::env::temp_dir().join(format!(
        "roundtrip-was-crash-{}-{}",
        block.ip(81),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}", dir.join("was.db").display());

    let mut server = start_was(addr, &db, &dir.join("first.log"));
    let acknowledged: Arc<Mutex<Vec<(i64, String)>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let acknowledged = acknowledged.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                // Bounded: a client stops at the first failure (the server is gone) or after
                // 5000 documents, whichever comes first.
                for n in 0..5000 {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let title = format!("crash-{client}-{n}");
                    let body =
                        format!(r#"{{"title": "{title}", "body": "written before the kill"}}"#);
                    let Some((status, body)) = post_json(addr, &body) else {
                        break;
                    };
                    if status != 201 {
                        break;
                    }
                    let answer: serde_json::Value =
                        serde_json::from_str(&body).expect("a 201's JSON body");
                    let id = answer["id"].as_i64().expect("an id");
                    acknowledged.lock().unwrap().push((id, title));
                }
            })
        })
        .collect();

    // Kill once the stream is well under way, while requests are in flight.
    let flowing = wait_until(Duration::from_secs(30), || {
        acknowledged.lock().unwrap().len() >= 200
    });
    server.0.kill().expect("SIGKILL"); // std's kill() is SIGKILL on Unix
    server.0.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.join().unwrap();
    }
    let acknowledged = std::mem::take(&mut *acknowledged.lock().unwrap());
    assert!(
        flowing,
        "only {} documents acknowledged in 30 s:\n{}",
        acknowledged.len(),
        std::fs::read_to_string(dir.join("first.log")).unwrap_or_default()
    );

    let _server = start_was(addr, &db, &dir.join("second.log"));
    let mut missing = Vec::new();
    for (id, title) in &acknowledged {
        let (status, body) = get_json(addr, &format!("/documents/{id}"));
        let found: Option<serde_json::Value> = serde_json::from_str(&body).ok();
        if status != 200 || found.as_ref().and_then(|d| d["title"].as_str()) != Some(title) {
            missing.push(format!("{id} {title}: {status} {body}"));
        }
    }
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged documents lost after SIGKILL:\n{}",
        missing.len(),
        acknowledged.len(),
        missing.join("\n")
    );
    eprintln!(
        "{} documents acknowledged before SIGKILL, all present after the restart",
        acknowledged.len()
    );
    drop(_server);
    let _ = std::fs::remove_dir_all(&dir);
}

fn start_was(addr: SocketAddr, db: &str, log: &Path) -> ChildGuard {
    let stderr = std::fs::File::create(log).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_roundtrip"))
        .args(["serve", "was", "--listen", &addr.to_string(), "--db", db])
        .args(["--log-level", "warn"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .expect("roundtrip serve was");
    let mut guard = ChildGuard(child);
    let up = wait_until(Duration::from_secs(30), || {
        if let Ok(Some(status)) = guard.0.try_wait() {
            panic!(
                "serve was exited ({status}):\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        get_json(addr, "/health").0 == 200
    });
    assert!(
        up,
        "serve was not healthy within 30 s:\n{}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
    guard
}

/// One request on a new connection, raw bytes; `None` if the server is not there.
fn exchange(addr: SocketAddr, request: &[u8]) -> Option<(u16, String)> {
    let response = test_support::http::raw_request(addr, request).ok()?;
    Some((response.status, response.text()))
}

fn post_json(addr: SocketAddr, body: &str) -> Option<(u16, String)> {
    exchange(
        addr,
        format!(
            "POST /documents HTTP/1.1\r\nHost: was\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    )
}

fn get_json(addr: SocketAddr, target: &str) -> (u16, String) {
    exchange(
        addr,
        format!(
            "GET {target} HTTP/1.1\r\nHost: was\r\nAccept: application/json\r\n\
             Connection: close\r\n\r\n"
        )
        .as_bytes(),
    )
    .unwrap_or((0, String::new()))
}
