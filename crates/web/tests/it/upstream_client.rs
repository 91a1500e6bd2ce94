//! The proxy's own HTTP/1.1 client (`web::upstream`) against hyper's: each scripted upstream
//! answer is read once through the proxy and once by hyper's client (`conn::http1`, which the
//! proxy used before), and both must see the same response: the status, the end-to-end fields
//! in their order, the body, whether it came whole, and whether the upstream connection was
//! used again for a second request. Where the proxy differs on purpose the case says how.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;

use crate::harness::{Answer, RecordingUpstream, TestWeb, route};

/// How the proxy's reading of a case compares with hyper's.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    AsHyper,
    /// The proxy answers 502 where hyper took the response.
    Refused,
    /// The proxy cuts the body where hyper read it whole.
    Cut,
}

struct Case {
    name: &'static str,
    method: &'static str,
    /// The upstream's answer, in the pieces it is written in.
    parts: Vec<&'static [u8]>,
    /// The upstream closes the connection after its answer.
    close: bool,
    expect: Expect,
}

fn case(name: &'static str, answer: &'static [u8]) -> Case {
    Case {
        name,
        method: "GET",
        parts: vec![answer],
        close: false,
        expect: Expect::AsHyper,
    }
}

impl Case {
    fn closing(mut self) -> Self {
        self.close = true;
        self
    }
    fn head(mut self) -> Self {
        self.method = "HEAD";
        self
    }
    fn in_parts(mut self, parts: &[&'static [u8]]) -> Self {
        self.parts = parts.to_vec();
        self
    }
    fn expect(mut self, expect: Expect) -> Self {
        self.expect = expect;
        self
    }
}

fn cases() -> Vec<Case> {
    let big: &'static [u8] = Box::leak(
        [
            &b"HTTP/1.1 200 OK\r\ncontent-length: 1048576\r\n\r\n"[..],
            &vec![b'x'; 1 << 20],
        ]
        .concat()
        .into_boxed_slice(),
    );
    let chunk = "y".repeat(100_000);
    let big_chunked: &'static [u8] = Box::leak(
        format!(
            "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n186a0\r\n{chunk}\r\n186a0\r\n{chunk}\r\n0\r\n\r\n"
        )
        .into_bytes()
        .into_boxed_slice(),
    );
    let huge_head: &'static [u8] = Box::leak(
        format!(
            "HTTP/1.1 200 OK\r\nx-big: {}\r\ncontent-length: 2\r\n\r\nok",
            "z".repeat(70_000)
        )
        .into_bytes()
        .into_boxed_slice(),
    );
    vec![
        case("length", b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 5\r\n\r\nhello"),
        case("empty length", b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"),
        case("head and body in pieces", b"").in_parts(&[
            b"HTTP/1.1 200 OK\r\ncontent-le",
            b"ngth: 5\r\n\r\nhel",
            b"lo",
        ]),
        case("chunked", b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n"),
        case("chunked with trailers", b"HTTP/1.1 200 OK\r\ntrailer: x-sum\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nx-sum: 1\r\n\r\n"),
        case("chunked in pieces", b"").in_parts(&[
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n",
            b"5\r",
            b"\nhel",
            b"lo\r\n0\r\n",
            b"\r\n",
        ]),
        case("gzip then chunked", b"HTTP/1.1 200 OK\r\ncontent-encoding: x\r\ntransfer-encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"),
        case("chunked then gzip: to the close", b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked, gzip\r\n\r\nabc").closing(),
        case("no length: to the close", b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil the end").closing(),
        case("HTTP/1.0", b"HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nok"),
        case("HTTP/1.0 keep-alive", b"HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ncontent-length: 2\r\n\r\nok"),
        case("connection close", b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok").closing(),
        case("close, then keep-alive", b"HTTP/1.1 200 OK\r\nconnection: close\r\nconnection: keep-alive\r\ncontent-length: 2\r\n\r\nok").closing(),
        case("100 continue first", b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"),
        case("103 early hints first", b"HTTP/1.1 103 Early Hints\r\nlink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"),
        case("interim in a write of its own", b"").in_parts(&[
            b"HTTP/1.1 100 Continue\r\n\r\n",
            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok",
        ]),
        case("204 with a length", b"HTTP/1.1 204 No Content\r\nx-a: 1\r\ncontent-length: 5\r\n\r\n"),
        case("304 with a length", b"HTTP/1.1 304 Not Modified\r\netag: \"v1\"\r\ncontent-length: 5\r\n\r\n"),
        case("HEAD with a length", b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n").head(),
        case("HEAD chunked", b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n").head(),
        case("equal lengths", b"HTTP/1.1 200 OK\r\ncontent-length: 2, 2\r\ncontent-length: 2\r\n\r\nok"),
        case("different lengths", b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\nok!").closing(),
        case("length not a number", b"HTTP/1.1 200 OK\r\ncontent-length: abc\r\n\r\nok").closing(),
        case("negative length", b"HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\nok").closing(),
        case("transfer-encoding in HTTP/1.0", b"HTTP/1.0 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n").closing(),
        case("transfer-encoding and length", b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-length: 100\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
        case("not HTTP", b"SSH-2.0-OpenSSH_9.2\r\n\r\n").closing(),
        case("status below 100", b"HTTP/1.1 099 Odd\r\ncontent-length: 0\r\n\r\n").closing(),
        case("status 599", b"HTTP/1.1 599 Whatever\r\ncontent-length: 0\r\n\r\n"),
        case("folded field", b"HTTP/1.1 200 OK\r\nx-folded: a\r\n b\r\ncontent-length: 0\r\n\r\n").closing(),
        case("space before the colon", b"HTTP/1.1 200 OK\r\nx-bad : 1\r\ncontent-length: 0\r\n\r\n").closing(),
        case("hop-by-hop fields", b"HTTP/1.1 200 OK\r\nconnection: x-hop, keep-alive\r\nx-hop: 1\r\nkeep-alive: timeout=5\r\nproxy-authenticate: Basic\r\nupgrade: h2c\r\nx-end: 2\r\ncontent-length: 0\r\n\r\n"),
        case("fields keep their order", b"HTTP/1.1 200 OK\r\nset-cookie: a=1\r\nx-b: 2\r\nset-cookie: b=2\r\nx-a: 1\r\nX-Mixed-Case: 3\r\ncontent-length: 0\r\n\r\n"),
        case("empty values", b"HTTP/1.1 200 OK\r\nx-empty:\r\nx-blank:   \r\ncontent-length: 0\r\n\r\n"),
        case("obs-text in a value", b"HTTP/1.1 200 OK\r\nx-obs: caf\xe9\r\ncontent-length: 0\r\n\r\n"),
        case("more than the length", b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokEXTRA"),
        case("shorter than the length", b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort").closing(),
        case("chunked, cut", b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhel").closing(),
        case("chunk size not hex", b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n").closing(),
        case("a megabyte", big),
        case("two chunks of 100 kB", big_chunked),
        // On purpose: chunk extensions held to the grammar (hyper reads them leniently).
        case("chunk extension off the grammar", b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5;a=b c\r\nhello\r\n0\r\n\r\n")
            .closing()
            .expect(Expect::Cut),
        // On purpose: the proxy never asks for an upgrade.
        case("101 unasked", b"HTTP/1.1 101 Switching Protocols\r\nupgrade: x\r\nconnection: upgrade\r\n\r\n")
            .closing()
            .expect(Expect::Refused),
        // On purpose: 64 KiB of head at most (hyper's client reads about 400 KiB).
        case("a 70 kB head", huge_head).expect(Expect::Refused),
    ]
}

/// A response as a client saw it, or none (the head was refused).
#[derive(Debug, PartialEq)]
enum Seen {
    Failed,
    /// The connection closed before a whole head (with what came of it).
    Cut(String),
    Response {
        status: u16,
        /// End-to-end fields in order (names lower case), without those the framing or the
        /// hop decides: content-length, transfer-encoding, connection and what it names, date.
        fields: Vec<(String, Vec<u8>)>,
        body: Vec<u8>,
        whole: bool,
    },
}

impl Seen {
    /// The same without the body (for bodies cut short, where each side may have got a
    /// different part of it).
    fn without_body(&self) -> Seen {
        match self {
            Seen::Failed => Seen::Failed,
            Seen::Cut(_) => Seen::Cut(String::new()),
            Seen::Response {
                status,
                fields,
                whole,
                ..
            } => Seen::Response {
                status: *status,
                fields: fields.clone(),
                body: Vec::new(),
                whole: *whole,
            },
        }
    }
}

const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "proxy-authenticate",
    "proxy-authorization",
    "keep-alive",
    "proxy-connection",
];

fn end_to_end(fields: Vec<(String, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
    let named: Vec<String> = fields
        .iter()
        .filter(|(name, _)| name == "connection")
        .flat_map(|(_, value)| {
            String::from_utf8_lossy(value)
                .split(',')
                .map(|item| item.trim().to_ascii_lowercase())
                .collect::<Vec<_>>()
        })
        .collect();
    fields
        .into_iter()
        .filter(|(name, _)| {
            !HOP_BY_HOP.contains(&name.as_str())
                && !named.contains(name)
                && name != "content-length"
                && name != "date"
        })
        .collect()
}

/// The response through the proxy, read until the server closes (the request says close).
fn through_proxy(web: SocketAddr, method: &str, path: &str) -> Seen {
    let mut stream = std::net::TcpStream::connect(web).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let started = Instant::now();
    let mut bytes = Vec::new();
    let mut chunk = vec![0u8; 256 * 1024];
    while started.elapsed() < Duration::from_secs(10) {
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => bytes.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => break,
        }
    }
    let mut fields = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut fields);
    let Ok(httparse::Status::Complete(len)) = response.parse(&bytes) else {
        // The connection was cut before a head went out (a body that failed at once).
        return Seen::Cut(String::from_utf8_lossy(&bytes).into_owned());
    };
    let status = response.code.unwrap();
    if status == 502 {
        return Seen::Failed;
    }
    let field = |name: &str| {
        response
            .headers
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
            .map(|f| String::from_utf8_lossy(f.value).into_owned())
    };
    let rest = &bytes[len..];
    let no_body = method == "HEAD" || status == 204 || status == 304;
    let (body, whole) = if no_body {
        (Vec::new(), true)
    } else if field("transfer-encoding").is_some() {
        dechunk(rest)
    } else if let Some(length) = field("content-length") {
        let length: usize = length.parse().unwrap();
        (
            rest[..length.min(rest.len())].to_vec(),
            rest.len() >= length,
        )
    } else {
        (rest.to_vec(), true)
    };
    let fields = response
        .headers
        .iter()
        .map(|f| (f.name.to_ascii_lowercase(), f.value.to_vec()))
        .collect();
    Seen::Response {
        status,
        fields: end_to_end(fields),
        body,
        whole,
    }
}

/// A chunked body's data, and whether its last chunk came.
fn dechunk(mut rest: &[u8]) -> (Vec<u8>, bool) {
    let mut body = Vec::new();
    loop {
        let Some(line_end) = rest.windows(2).position(|w| w == b"\r\n") else {
            return (body, false);
        };
        let size = std::str::from_utf8(&rest[..line_end]).unwrap();
        let size = usize::from_str_radix(size.split(';').next().unwrap().trim(), 16).unwrap();
        rest = &rest[line_end + 2..];
        if size == 0 {
            return (body, rest.ends_with(b"\r\n"));
        }
        if rest.len() < size + 2 {
            body.extend_from_slice(&rest[..size.min(rest.len())]);
            return (body, false);
        }
        body.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

/// The response as hyper's client reads it; the connection is returned if hyper would send
/// another request on it.
async fn through_hyper(
    upstream: SocketAddr,
    method: &str,
    path: &str,
    sender: Option<http1::SendRequest<Empty<Bytes>>>,
) -> (Seen, Option<http1::SendRequest<Empty<Bytes>>>) {
    let mut sender = match sender {
        Some(sender) => sender,
        None => {
            let stream = tokio::net::TcpStream::connect(upstream).await.unwrap();
            let (sender, connection) = http1::handshake(TokioIo::new(stream)).await.unwrap();
            tokio::spawn(connection);
            sender
        }
    };
    let request = http::Request::builder()
        .method(method)
        .uri(path)
        .header("host", "t")
        .body(Empty::new())
        .unwrap();
    let Ok(response) = sender.send_request(request).await else {
        return (Seen::Failed, None);
    };
    let status = response.status().as_u16();
    let fields = response
        .headers()
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec()))
        .collect();
    let mut body = response.into_body();
    let mut data = Vec::new();
    let whole = loop {
        match tokio::time::timeout(Duration::from_secs(10), body.frame()).await {
            Ok(Some(Ok(frame))) => {
                if let Ok(bytes) = frame.into_data() {
                    data.extend_from_slice(&bytes);
                }
            }
            Ok(None) => break true,
            Ok(Some(Err(_))) | Err(_) => break false,
        }
    };
    // Let the connection see a close or stray bytes before asking whether it is ready.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let reusable = whole && futures_ready(&mut sender).await;
    let seen = Seen::Response {
        status,
        fields: end_to_end(fields),
        body: data,
        whole,
    };
    (seen, reusable.then_some(sender))
}

async fn futures_ready(sender: &mut http1::SendRequest<Empty<Bytes>>) -> bool {
    matches!(
        tokio::time::timeout(Duration::from_millis(100), sender.ready()).await,
        Ok(Ok(()))
    )
}

#[test]
fn the_proxys_client_reads_upstream_answers_as_hypers_does() {
    let runtime = crate::harness::runtime();
    let block = test_support::LoopbackBlock::claim();
    let cases = cases();
    // Each case has two upstreams that answer alike: one behind the proxy, one for hyper.
    let upstreams: Vec<(RecordingUpstream, RecordingUpstream)> = cases
        .iter()
        .map(|case| {
            let start = || {
                let (parts, close) = (case.parts.clone(), case.close);
                RecordingUpstream::scripted(block.addr(90, 0), move |_| Answer {
                    parts: parts.clone(),
                    close,
                })
            };
            (start(), start())
        })
        .collect();
    let web = TestWeb::start_in(block, |config, _| {
        config.limits.upstream_timeout = Duration::from_secs(5);
        for (i, (proxied, _)) in upstreams.iter().enumerate() {
            config
                .proxies
                .push(route(&format!("/c{i}"), &[proxied.addr]));
        }
    });
    let mut differ = Vec::new();
    for (i, (case, (proxied, direct))) in cases.iter().zip(&upstreams).enumerate() {
        let path = format!("/c{i}");
        let ours = through_proxy(web.addr, case.method, &path);
        std::thread::sleep(Duration::from_millis(50));
        let ours_again = through_proxy(web.addr, case.method, &path);
        let ours_connections = proxied.accepted.load(Ordering::SeqCst);

        let (hyper, hyper_again) = runtime.block_on(async {
            let (first, kept) = through_hyper(direct.addr, case.method, &path, None).await;
            let (again, _) = through_hyper(direct.addr, case.method, &path, kept).await;
            (first, again)
        });
        let hyper_connections = direct.accepted.load(Ordering::SeqCst);

        let agrees = match case.expect {
            Expect::AsHyper => {
                let whole = matches!(hyper, Seen::Response { whole: true, .. });
                // A body that fails before its first byte leaves the downstream side with
                // nothing to send but the close: no head at all.
                let same = if whole {
                    ours == hyper && ours_again == hyper_again
                } else {
                    matches!(ours, Seen::Cut(_)) || ours.without_body() == hyper.without_body()
                };
                same && ours_connections == hyper_connections
            }
            Expect::Refused => {
                matches!(hyper, Seen::Response { whole: true, .. }) && ours == Seen::Failed
            }
            Expect::Cut => {
                matches!(hyper, Seen::Response { whole: true, .. })
                    && matches!(ours, Seen::Cut(_) | Seen::Response { whole: false, .. })
            }
        };
        if !agrees {
            let show = |seen: &Seen| {
                let text = format!("{seen:?}");
                text[..text.len().min(600)].to_owned()
            };
            differ.push(format!(
                "{} ({:?}):\n  proxy: {} [{ours_connections} connections]\n  hyper: {} [{hyper_connections} connections]",
                case.name,
                case.expect,
                show(&ours),
                show(&hyper)
            ));
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}
