//! Any bytes as what a client sends to the real web server (`web::spawn`: its own HTTP/1.1 loop
//! for plain GET and HEAD, hyper for the rest, our raw-byte layer, the handler, static files
//! and the proxy): never a panic in any of its tasks (the fuzzer's panic hook aborts the
//! process), and whatever it answers starts as an HTTP/1.1 status line (HTTP/1.0 to an
//! HTTP/1.0 request, as hyper answers it).
//!
//! The server is bound to TCP sockets (it sends big files with sendfile(2)), so the target
//! drives it over loopback TCP rather than an in-memory stream: each input is one connection
//! that writes the bytes, shuts its side down, and reads until the server closes (bounded).
//! `/api` is proxied to a small raw upstream in the same process that answers every request
//! head with 200, so bodies are read, checked and forwarded as in the lab.
#![no_main]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use libfuzzer_sys::fuzz_target;

struct Lab {
    web: SocketAddr,
    _runtime: tokio::runtime::Runtime,
}

fn lab() -> &'static Lab {
    static LAB: OnceLock<Lab> = OnceLock::new();
    LAB.get_or_init(|| {
        // A write to a connection the other side has closed (the server answers 400 and closes
        // while the input is still being written) must be EPIPE, as it is in the roundtrip
        // binary, whose Rust runtime ignores SIGPIPE at start; libFuzzer's own main does not,
        // and the signal killed the target (CI, 2026-12-02).
        // SAFETY: setting a signal's disposition to SIG_IGN, before any thread of ours starts.
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
        let root = std::env::temp_dir().join(format!("roundtrip-fuzz-site-{}", std::process::id()));
        std::fs::create_dir_all(root.join("dir")).unwrap();
        std::fs::write(root.join("index.html"), "<p>home</p>\n").unwrap();
        std::fs::write(root.join("hello.txt"), "hello world\n".repeat(40)).unwrap();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let upstream = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let upstream_addr = upstream.local_addr().unwrap();
        upstream.set_nonblocking(true).unwrap();
        runtime.spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let listener = tokio::net::TcpListener::from_std(upstream).unwrap();
            loop {
                let Ok((mut stream, _)) = listener.accept().await else { continue };
                tokio::spawn(async move {
                    let mut seen = Vec::new();
                    let mut chunk = [0u8; 4096];
                    while let Ok(n) = stream.read(&mut chunk).await {
                        if n == 0 {
                            break;
                        }
                        seen.extend_from_slice(&chunk[..n]);
                        while let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                            seen.drain(..end + 4);
                            let ok = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";
                            if stream.write_all(ok).await.is_err() {
                                return;
                            }
                        }
                    }
                });
            }
        });
        let mut config = web::WebConfig::new(&root);
        config.limits.header_timeout = Duration::from_millis(500);
        config.limits.body_timeout = Duration::from_millis(500);
        config.limits.upstream_timeout = Duration::from_secs(2);
        config.limits.max_body_bytes = 64 * 1024;
        config.proxies.push(web::ProxyRoute {
            prefix: "/api".into(),
            upstreams: vec![upstream_addr],
        });
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let reporter: Arc<dyn journey::Reporter> = Arc::new(journey::Silent);
        let server = runtime.block_on(web::spawn(listener, config, reporter)).unwrap();
        let web = server.local_addr();
        std::mem::forget(server); // serves until the fuzzer exits
        Lab { web, _runtime: runtime }
    })
}

fuzz_target!(|data: &[u8]| {
    let lab = lab();
    let Ok(mut stream) = TcpStream::connect(lab.web) else { return };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(3)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(3)));
    // The server may answer and close before it has read everything: a failed write is fine.
    let _ = stream.write_all(data);
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let mut answer = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&chunk[..n]),
        }
        if answer.len() > 4 << 20 {
            break;
        }
    }
    if !answer.is_empty() {
        assert!(
            answer.starts_with(b"HTTP/1.1 ") || answer.starts_with(b"HTTP/1.0 "),
            "{:?}",
            String::from_utf8_lossy(&answer[..answer.len().min(200)])
        );
    }
});
