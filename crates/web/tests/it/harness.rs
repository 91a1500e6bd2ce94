//! What every test needs: a site on disk, the server on a runtime of its own, upstreams.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use test_support::LoopbackBlock;

/// A temporary directory holding `site/` (the document root) and `secret.txt` beside it.
pub struct SiteDir {
    pub base: PathBuf,
    pub root: PathBuf,
}

pub const HELLO: &str = "hello world\n";
pub const SECRET: &str = "TOP-SECRET-OUTSIDE-THE-ROOT";
pub const BIG_LEN: usize = 3 * 1024 * 1024 + 17;

impl SiteDir {
    pub fn new() -> SiteDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let base = std::env::temp_dir().join(format!(
            "roundtrip-web-{}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
        ));
        let root = base.join("site");
        std::fs::create_dir_all(root.join("dir")).unwrap();
        std::fs::create_dir_all(root.join("emptydir")).unwrap();
        std::fs::write(base.join("secret.txt"), SECRET).unwrap();
        std::fs::write(
            root.join("index.html"),
            "<!DOCTYPE html><title>home</title>\n",
        )
        .unwrap();
        std::fs::write(root.join("hello.txt"), HELLO).unwrap();
        std::fs::write(root.join("dir/index.html"), "<p>dir index</p>\n").unwrap();
        std::fs::write(
            root.join("style.css"),
            "body { color: black; }\n".repeat(40),
        )
        .unwrap();
        std::fs::write(root.join("logo.png"), [0x89, b'P', b'N', b'G', 0, 1, 2, 3]).unwrap();
        std::fs::write(root.join("pre.js"), "console.log('identity');\n".repeat(20)).unwrap();
        std::fs::write(root.join("pre.js.gz"), b"GZIP-SIBLING").unwrap();
        std::fs::write(root.join("pre.js.br"), b"BROTLI-SIBLING").unwrap();
        std::fs::write(root.join("big.bin"), big_content()).unwrap();
        std::os::unix::fs::symlink(base.join("secret.txt"), root.join("escape")).unwrap();
        std::os::unix::fs::symlink(&base, root.join("up")).unwrap();
        std::os::unix::fs::symlink(root.join("hello.txt"), root.join("link.txt")).unwrap();
        SiteDir { base, root }
    }
}

impl Drop for SiteDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.base);
    }
}

/// The big file's bytes: position-dependent, so a wrong offset shows.
pub fn big_content() -> Vec<u8> {
    (0..BIG_LEN).map(|i| (i % 251) as u8).collect()
}

/// The server under test on a runtime of its own, so tests can use blocking std sockets.
pub struct TestWeb {
    pub runtime: tokio::runtime::Runtime,
    server: Option<web::RunningWeb>,
    pub addr: SocketAddr,
    pub site: SiteDir,
    pub block: LoopbackBlock,
    pub journey: Arc<journey::Collector>,
}

impl TestWeb {
    /// A server for a fresh site in a block of its own, with `adjust` applied to the config.
    pub fn start(adjust: impl FnOnce(&mut web::WebConfig, &SiteDir)) -> TestWeb {
        TestWeb::start_in(LoopbackBlock::claim(), adjust)
    }

    /// The same in a block the test claimed already (its upstreams live there too).
    pub fn start_in(
        block: LoopbackBlock,
        adjust: impl FnOnce(&mut web::WebConfig, &SiteDir),
    ) -> TestWeb {
        let site = SiteDir::new();
        let runtime = runtime();
        let mut config = web::WebConfig::new(&site.root);
        adjust(&mut config, &site);
        let journey = Arc::new(journey::Collector::default());
        let listener = std::net::TcpListener::bind(block.addr(80, 0)).unwrap();
        let reporter: Arc<dyn journey::Reporter> = journey.clone();
        let server = runtime
            .block_on(web::spawn(listener, config, reporter))
            .expect("the server starts");
        let addr = server.local_addr();
        TestWeb {
            runtime,
            server: Some(server),
            addr,
            site,
            block,
            journey,
        }
    }

    /// Graceful shutdown, waited for.
    pub fn shutdown(&mut self) {
        if let Some(server) = self.server.take() {
            self.runtime.block_on(server.shutdown());
        }
    }
}

impl Drop for TestWeb {
    fn drop(&mut self) {
        self.shutdown();
    }
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// How a test upstream answers.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// 200 with a text body: its name, the method, path, body length, then every header.
    Echo,
    /// Waits this long, then echoes.
    Delay(Duration),
    /// Never answers.
    Stall,
}

/// A small hyper server standing in for the WAS.
pub struct Upstream {
    pub addr: SocketAddr,
    /// Connections accepted so far.
    pub accepted: Arc<AtomicUsize>,
    /// Connections open now (accepted, not yet closed by either side).
    pub open: Arc<AtomicUsize>,
    /// Requests answered so far.
    pub requests: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Upstream {
    pub fn start(
        runtime: &tokio::runtime::Runtime,
        addr: SocketAddr,
        name: &'static str,
        behaviour: Behaviour,
    ) -> Upstream {
        let listener = std::net::TcpListener::bind(addr).unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(AtomicUsize::new(0));
        let open = Arc::new(AtomicUsize::new(0));
        let (accepted2, requests2, open2) = (accepted.clone(), requests.clone(), open.clone());
        let task = runtime.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let mut connections = tokio::task::JoinSet::new();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                accepted2.fetch_add(1, Ordering::SeqCst);
                open2.fetch_add(1, Ordering::SeqCst);
                let requests = requests2.clone();
                let open = open2.clone();
                connections.spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        requests.fetch_add(1, Ordering::SeqCst);
                        answer(name, behaviour, request)
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                    open.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        Upstream {
            addr,
            accepted,
            open,
            requests,
            task,
        }
    }

    /// Stops accepting and drops every connection.
    pub fn stop(&self) {
        self.task.abort();
    }
}

impl Drop for Upstream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer(
    name: &'static str,
    behaviour: Behaviour,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    match behaviour {
        Behaviour::Stall => tokio::time::sleep(Duration::from_secs(3600)).await,
        Behaviour::Delay(delay) => tokio::time::sleep(delay).await,
        Behaviour::Echo => {}
    }
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let mut text = format!(
        "upstream {name}\n{} {}\nbody {}\n",
        parts.method,
        parts.uri,
        body.len()
    );
    for (header, value) in &parts.headers {
        text.push_str(&format!("{header}: {}\n", value.to_str().unwrap_or("?")));
    }
    let response = Response::builder()
        .header("content-type", "text/plain")
        .header("x-upstream", name)
        .header("keep-alive", "timeout=5")
        .header("connection", "x-hop")
        .header("x-hop", "must not pass")
        .body(Full::new(Bytes::from(text)))
        .unwrap();
    Ok(response)
}

/// An address in `block` where nothing listens.
pub fn dead_addr(block: &LoopbackBlock, host: u8) -> SocketAddr {
    let probe = std::net::TcpListener::bind(block.addr(host, 0)).unwrap();
    probe.local_addr().unwrap()
}

pub fn route(prefix: &str, upstreams: &[SocketAddr]) -> web::ProxyRoute {
    web::ProxyRoute {
        prefix: prefix.to_owned(),
        upstreams: upstreams.to_vec(),
    }
}

pub fn path_of(site: &SiteDir, name: &str) -> PathBuf {
    Path::new(&site.root).join(name)
}

/// A raw upstream that records every byte it receives, on every connection, and answers each
/// complete request head with a small 200 (for the requests that should get through), or with
/// what the caller's function gives for that head ([`RecordingUpstream::answering`],
/// [`RecordingUpstream::scripted`]).
pub struct RecordingUpstream {
    pub addr: SocketAddr,
    pub received: Arc<std::sync::Mutex<Vec<u8>>>,
    /// Connections accepted so far.
    pub accepted: Arc<AtomicUsize>,
    stop: Arc<std::sync::atomic::AtomicBool>,
}

/// What a scripted upstream sends for one request head: `parts` one after the other with a
/// pause between them (a head or body that arrives in pieces), then the connection closes if
/// `close`.
pub struct Answer {
    pub parts: Vec<&'static [u8]>,
    pub close: bool,
}

impl RecordingUpstream {
    pub fn start(addr: SocketAddr) -> RecordingUpstream {
        RecordingUpstream::answering(addr, |_| {
            b"HTTP/1.1 200 OK\r\ncontent-length: 8\r\n\r\nrecorded"
        })
    }

    /// The same, answering each request head (its bytes up to the empty line) with `answer`'s.
    pub fn answering(addr: SocketAddr, answer: fn(&[u8]) -> &'static [u8]) -> RecordingUpstream {
        RecordingUpstream::scripted(addr, move |head| Answer {
            parts: vec![answer(head)],
            close: false,
        })
    }

    /// The same, answering each request head as `answer` says.
    pub fn scripted(
        addr: SocketAddr,
        answer: impl Fn(&[u8]) -> Answer + Send + Sync + 'static,
    ) -> RecordingUpstream {
        use std::io::{Read, Write};
        let answer = Arc::new(answer);
        let listener = std::net::TcpListener::bind(addr).unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(std::sync::Mutex::new(Vec::new()));
        let accepted = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (received2, accepted2, stop2) = (received.clone(), accepted.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop2.load(Ordering::Relaxed) {
                let Ok((mut stream, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                accepted2.fetch_add(1, Ordering::SeqCst);
                let (received, answer) = (received2.clone(), answer.clone());
                std::thread::spawn(move || {
                    let _ = stream.set_nonblocking(false);
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                    let mut mine = Vec::new();
                    let mut chunk = [0u8; 4096];
                    while let Ok(n) = stream.read(&mut chunk) {
                        if n == 0 {
                            break;
                        }
                        received.lock().unwrap().extend_from_slice(&chunk[..n]);
                        mine.extend_from_slice(&chunk[..n]);
                        // One answer per request head seen (bodies here are short and whole).
                        while let Some(end) = mine.windows(4).position(|w| w == b"\r\n\r\n") {
                            let head: Vec<u8> = mine.drain(..end + 4).collect();
                            let Answer { parts, close } = answer(&head);
                            for (i, part) in parts.into_iter().enumerate() {
                                if i > 0 {
                                    std::thread::sleep(Duration::from_millis(20));
                                }
                                let _ = stream.write_all(part);
                            }
                            if close {
                                return; // dropped: closed
                            }
                        }
                    }
                });
            }
        });
        RecordingUpstream {
            addr,
            received,
            accepted,
            stop,
        }
    }

    /// What it received so far, as text.
    pub fn received(&self) -> String {
        String::from_utf8_lossy(&self.received.lock().unwrap()).into_owned()
    }
}

impl Drop for RecordingUpstream {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Reads `stream` until the server closes it (EOF, or an error such as a reset: true) or
/// nothing comes within the read timeout the caller set on it (false), with the bytes read;
/// more than `limit` fails the test.
pub fn drain(stream: &mut impl std::io::Read, limit: usize) -> (usize, bool) {
    let mut chunk = vec![0u8; 256 * 1024];
    let mut total = 0;
    let closed = loop {
        match stream.read(&mut chunk) {
            Ok(0) => break true,
            Ok(n) => total += n,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(err)
                if matches!(
                    err.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                break false;
            }
            Err(_) => break true,
        }
        assert!(
            total <= limit,
            "more than the whole response ({total} bytes)"
        );
    };
    (total, closed)
}
