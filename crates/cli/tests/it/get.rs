//! `roundtrip get` end to end: the binary against a small real HTTP/1.1 server started here on
//! a loopback block of the test's own (a thread per connection, keep-alive, real sockets):
//! exit codes, the `--json` document's shape, `-v`'s curl-style header lines, the host cache
//! commands; and `--recursive` through the lab's real DNS hierarchy (`roundtrip serve auth`
//! for the root, com. and google.com. in the same block), the second run answered by the
//! host cache file.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use test_support::{LabZones, LoopbackBlock, start_lab_auth};

/// A tiny HTTP/1.1 server: `/ok` 200 `hello`, `/moved` 301 to `/ok`, anything else 404.
struct Site {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    _block: LoopbackBlock,
}

impl Site {
    fn start() -> Site {
        Self::start_in(LoopbackBlock::claim())
    }

    /// The site on `.80` of `block` (the lab's www.google.com address).
    fn start_in(block: LoopbackBlock) -> Site {
        let listener = TcpListener::bind(block.addr(80, 0)).unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        std::thread::spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        std::thread::spawn(move || serve(stream));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Site {
            addr,
            stop,
            _block: block,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Answers requests on one connection until the client closes it (or 5 s of silence).
fn serve(stream: TcpStream) {
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return; // the client's FIN (or silence): done
        }
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                break;
            }
        }
        let path = request_line.split_whitespace().nth(1).unwrap_or("/");
        let (status, extra, body) = match path {
            "/ok" => ("200 OK", "", "hello\n"),
            "/moved" => ("301 Moved Permanently", "Location: /ok\r\n", ""),
            _ => ("404 Not Found", "", "not here\n"),
        };
        let response = format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\n{extra}Content-Length: {}\r\n\r\n{body}",
            body.len()
        );
        if writer.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

/// Runs `roundtrip get ARGS` with no locale in its environment (English unless ARGS say).
fn get(args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_roundtrip"));
    for name in ["LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"] {
        command.env_remove(name);
    }
    // The HSTS store in a directory of the test run's own, not the user's profile.
    command
        .env(
            "XDG_CACHE_HOME",
            std::env::temp_dir().join(format!("rt-get-profile-{}", std::process::id())),
        )
        .arg("get")
        .args(args)
        .output()
        .expect("roundtrip get runs")
}

#[test]
fn the_hsts_preload_list_sends_http_to_https_and_says_so_when_that_fails() {
    let listed = get(&["--hsts-list"]);
    assert_eq!(listed.status.code(), Some(0));
    assert!(
        text(&listed.stdout).starts_with("google.com\tpreloaded\thttps only, with its subdomains"),
        "{}",
        text(&listed.stdout)
    );
    // A plain HTTP server under a preloaded name: the browser goes to https:// before any
    // packet, the handshake fails, and the error says HSTS did it and how to ask for http.
    let site = Site::start();
    let url = format!("http://www.google.com:{}/ok", site.addr.port());
    let hosts = std::env::temp_dir().join(format!("rt-hsts-hosts-{}", std::process::id()));
    std::fs::write(&hosts, format!("{} www.google.com\n", site.addr.ip())).unwrap();
    let out = get(&["--no-cache", "--hosts-file", hosts.to_str().unwrap(), &url]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("HSTS had made") && err.contains("--no-hsts"),
        "{err}"
    );
    let plain = get(&[
        "--no-cache",
        "--no-hsts",
        "--hosts-file",
        hosts.to_str().unwrap(),
        &url,
    ]);
    assert_eq!(plain.status.code(), Some(0), "{}", text(&plain.stderr));
    let _ = std::fs::remove_file(hosts);
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn exit_codes_follow_curl_a_404_is_an_answer_unless_fail() {
    let site = Site::start();
    let ok = get(&["--no-cache", &site.url("/ok")]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    assert_eq!(text(&ok.stdout), "hello\n", "the body on stdout");
    let missing = get(&["--no-cache", "-s", &site.url("/missing")]);
    assert_eq!(missing.status.code(), Some(0));
    assert_eq!(text(&missing.stdout), "not here\n");
    assert!(missing.stderr.is_empty(), "-s: no report");
    let failed = get(&["--no-cache", "--fail", &site.url("/missing")]);
    assert_eq!(failed.status.code(), Some(1));
    assert!(failed.stdout.is_empty(), "--fail writes no body");

    // Nothing listens on .81 of the block: refused, one line saying so.
    let dead = format!("http://{}/", site._block.addr(81, 80));
    let refused = get(&["--no-cache", &dead]);
    assert_eq!(refused.status.code(), Some(1));
    let stderr = text(&refused.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("connection refused"), "{stderr}");

    let ftp = get(&["--no-cache", "ftp://example.com/"]);
    assert_eq!(ftp.status.code(), Some(1));
    assert!(text(&ftp.stderr).contains("not supported"));

    let usage = get(&["--no-cache", "--max-redirs", "many", &site.url("/ok")]);
    assert_eq!(usage.status.code(), Some(2));
    let usage = get(&[
        "--no-cache",
        "--resolver",
        "not-an-address",
        &site.url("/ok"),
    ]);
    assert_eq!(usage.status.code(), Some(2));
}

#[test]
fn json_describes_every_leg_and_the_close() {
    let site = Site::start();
    let output = get(&["--no-cache", "--json", &site.url("/moved")]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).expect("one JSON document");
    assert_eq!(doc["status"], 200);
    assert_eq!(doc["final_url"], site.url("/ok"));
    assert!(doc["status_class"].as_str().unwrap().starts_with("2xx"));
    assert_eq!(doc["error"], serde_json::Value::Null);
    let legs = doc["legs"].as_array().unwrap();
    assert_eq!(legs.len(), 2);
    assert_eq!(legs[0]["status"], 301);
    assert_eq!(legs[0]["redirect_to"], site.url("/ok"));
    assert_eq!(legs[0]["resolved"]["source"]["kind"], "literal");
    assert_eq!(legs[0]["connection"]["remote"], site.addr.to_string());
    assert_eq!(legs[0]["connection"]["attempts"][0]["outcome"], "connected");
    assert_eq!(legs[1]["connection"]["reused"], true);
    assert_eq!(legs[1]["resolved"], serde_json::Value::Null);
    for leg in legs {
        let t = &leg["timings"];
        for name in [
            "time_namelookup",
            "time_connect",
            "time_appconnect",
            "time_pretransfer",
            "time_starttransfer",
            "time_total",
        ] {
            assert!(t[name].is_f64(), "{name} in {t}");
        }
        for name in [
            "fetchStart",
            "domainLookupStart",
            "domainLookupEnd",
            "connectStart",
            "connectEnd",
            "secureConnectionStart",
            "requestStart",
            "responseStart",
            "responseEnd",
        ] {
            assert!(t["resource_timing"][name].is_f64(), "{name} in {t}");
        }
        assert!(t["time_total"].as_f64() >= t["time_starttransfer"].as_f64());
    }
    let closed = doc["closed_connections"].as_array().unwrap();
    assert_eq!(closed.len(), 1, "one connection for both legs");
    assert_eq!(closed[0]["first_fin"], "client");
    assert_eq!(closed[0]["requests"], 2);

    let failed = get(&["--no-cache", "--json", "ftp://example.com/"]);
    assert_eq!(failed.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&failed.stdout).unwrap();
    assert!(doc["error"].as_str().unwrap().contains("not supported"));
}

#[test]
fn the_report_in_korean_keeps_only_the_protocol_tokens_in_english() {
    let site = Site::start();
    let output = get(&["--lang", "ko", "--no-cache", "-v", &site.url("/moved")]);
    assert_eq!(output.status.code(), Some(0));
    let stderr = text(&output.stderr);
    let english =
        test_support::korean::english_outside_tokens(&stderr, test_support::korean::PROTOCOL_WORDS);
    assert!(english.is_empty(), "{}\n---\n{stderr}", english.join("\n"));
    assert!(stderr.contains("< HTTP/1.1 301"), "{stderr}");
    assert!(stderr.contains("3xx: 리다이렉션"), "{stderr}");
    assert!(stderr.contains("브라우저가 리다이렉트를 따라"), "{stderr}");
    assert!(
        stderr.contains("클라이언트가 첫 FIN을 보냈으므로"),
        "{stderr}"
    );
    // An error says whose fault it was, in Korean too.
    let failed = get(&["--lang", "ko", "--no-cache", "ftp://example.com/"]);
    assert_eq!(failed.status.code(), Some(1));
    assert!(
        text(&failed.stderr).contains("지원하지 않습니다"),
        "{}",
        text(&failed.stderr)
    );
}

#[test]
fn verbose_shows_the_headers_as_curl_does() {
    let site = Site::start();
    let output = get(&["--no-cache", "-v", &site.url("/ok")]);
    assert_eq!(output.status.code(), Some(0));
    let stderr = text(&output.stderr);
    for line in [
        "> GET /ok HTTP/1.1",
        &format!("> Host: {}", site.addr),
        "> User-Agent: roundtrip/",
        "> Accept: */*",
        "< HTTP/1.1 200 OK",
        "< content-type: text/plain",
        "<",
    ] {
        assert!(
            stderr.lines().any(|l| l.starts_with(line)),
            "{line:?} in:\n{stderr}"
        );
    }
    assert!(stderr.contains("time_starttransfer"), "{stderr}");
    assert!(stderr.contains("the client sent the first FIN"), "{stderr}");
    assert_eq!(text(&output.stdout), "hello\n", "the body stays on stdout");
}

#[test]
fn the_host_cache_can_be_listed_and_cleared() {
    let dir = std::env::temp_dir().join(format!("rt-get-cache-{}", std::process::id()));
    let file = dir.join("hosts.json");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        &file,
        r#"{"version":1,"hosts":{"www.example":{"addresses":["192.0.2.1"],"stored":0,"expires":99999999999}}}"#,
    )
    .unwrap();
    let cache = file.to_str().unwrap();
    let listed = get(&["--cache-file", cache, "--cache-list"]);
    assert_eq!(listed.status.code(), Some(0), "{}", text(&listed.stderr));
    assert!(text(&listed.stdout).starts_with("www.example\t"));
    let cleared = get(&["--cache-file", cache, "--cache-clear"]);
    assert_eq!(cleared.status.code(), Some(0));
    let listed = get(&["--cache-file", cache, "--cache-list"]);
    assert!(text(&listed.stdout).contains("empty"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn recursive_resolution_walks_the_lab_then_the_host_cache_file_answers() {
    const DNS_PORT: u16 = 1053;
    let block = LoopbackBlock::claim();
    let zones = LabZones::in_block(&block);
    let _servers = start_lab_auth(
        std::path::Path::new(env!("CARGO_BIN_EXE_roundtrip")),
        &zones,
        &block,
        DNS_PORT,
    );
    let www = block.ip(80);
    let site = Site::start_in(block);
    let url = format!("http://www.google.com:{}/ok", site.addr.port());
    let cache = zones.dir.join("hosts.json");
    let hints = zones.root_hints();
    // www.google.com is on the HSTS preload list, and this test's server speaks plain HTTP.
    let args = [
        "--no-hsts",
        "--recursive",
        "--root-hints",
        hints.to_str().unwrap(),
        "--dns-port",
        "1053",
        "--cache-file",
        cache.to_str().unwrap(),
        "--json",
        &url,
    ];
    let first = get(&args);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    let resolved = &doc["legs"][0]["resolved"];
    assert_eq!(resolved["source"]["kind"], "recursive", "{resolved}");
    assert_eq!(resolved["addresses"][0], www.to_string());
    assert_eq!(resolved["cnames"][0], "www.l.google.com");
    let hops: Vec<&str> = resolved["hops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap())
        .collect();
    assert!(
        hops.iter().any(|h| h.trim_start().starts_with("com.")),
        "the walk asked the com. servers: {hops:#?}"
    );
    assert_eq!(doc["status"], 200);

    let second = get(&args);
    assert_eq!(second.status.code(), Some(0), "{}", text(&second.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&second.stdout).unwrap();
    let source = &doc["legs"][0]["resolved"]["source"];
    assert_eq!(source["kind"], "host_cache", "{source}");
    assert!(source["ttl_left"].as_u64().unwrap() <= 300);

    let listed = get(&["--cache-file", cache.to_str().unwrap(), "--cache-list"]);
    assert!(
        text(&listed.stdout).starts_with("www.google.com\t"),
        "{}",
        text(&listed.stdout)
    );
}

/// `get -v --recursive` in Korean: the resolver's hop lines and the CNAME line are Korean
/// around the wire's tokens; `--json` keeps its keys and machine values English and tells its
/// sentences (each leg's status class, the hop lines) in Korean; English stays as it was.
#[test]
fn recursive_hops_and_json_sentences_follow_the_language() {
    const DNS_PORT: u16 = 1053;
    let block = LoopbackBlock::claim();
    let zones = LabZones::in_block(&block);
    let _servers = start_lab_auth(
        std::path::Path::new(env!("CARGO_BIN_EXE_roundtrip")),
        &zones,
        &block,
        DNS_PORT,
    );
    let site = Site::start_in(block);
    let url = format!("http://www.google.com:{}/ok", site.addr.port());
    let hints = zones.root_hints();
    let run = |lang: &str, extra: &str| {
        get(&[
            "--lang",
            lang,
            "--no-hsts",
            "--no-cache",
            "--recursive",
            "--root-hints",
            hints.to_str().unwrap(),
            "--dns-port",
            "1053",
            extra,
            &url,
        ])
    };
    let verbose = run("ko", "-v");
    assert_eq!(verbose.status.code(), Some(0), "{}", text(&verbose.stderr));
    let stderr = text(&verbose.stderr);
    let english =
        test_support::korean::english_outside_tokens(&stderr, test_support::korean::PROTOCOL_WORDS);
    assert!(english.is_empty(), "{}\n---\n{stderr}", english.join("\n"));
    assert!(
        stderr.contains("CNAME을 따라감: www.l.google.com"),
        "{stderr}"
    );
    assert!(stderr.contains(" com. A -> 위임: com. NS "), "{stderr}");

    let json = run("ko", "--json");
    assert_eq!(json.status.code(), Some(0), "{}", text(&json.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let leg = &doc["legs"][0];
    assert_eq!(leg["resolved"]["source"]["kind"], "recursive");
    assert_eq!(leg["connection"]["attempts"][0]["outcome"], "connected");
    let class = leg["status_class"].as_str().unwrap();
    assert!(class.starts_with("2xx: 성공"), "{class}");
    assert!(
        doc["status_class"]
            .as_str()
            .unwrap()
            .starts_with("2xx: 성공")
    );
    let hops: String = leg["resolved"]["hops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| format!("{}\n", h.as_str().unwrap()))
        .collect();
    assert!(hops.contains("위임: com."), "{hops}");
    let sentences = format!("{class}\n{hops}{}", doc["name_service"].as_str().unwrap());
    let english = test_support::korean::english_outside_tokens(
        &sentences,
        test_support::korean::PROTOCOL_WORDS,
    );
    assert!(
        english.is_empty(),
        "{}\n---\n{sentences}",
        english.join("\n")
    );

    // English, as it was.
    let json = run("en", "--json");
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let leg = &doc["legs"][0];
    assert_eq!(
        leg["status_class"],
        "2xx success: the request was received, understood and accepted"
    );
    assert!(
        leg["resolved"]["hops"][0]
            .as_str()
            .unwrap()
            .contains(" com. A -> referral to com. NS "),
        "{leg}"
    );
    let verbose = run("en", "-v");
    assert!(text(&verbose.stderr).contains("*   via CNAME www.l.google.com"));
}

/// A profile file that cannot be used is set aside with a warning in the chosen language (the
/// browser starts empty and still browses); English as it was.
#[test]
fn a_profile_file_of_another_version_is_told_in_korean() {
    let site = Site::start();
    let dir = std::env::temp_dir().join(format!("rt-get-profile-ko-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cache = dir.join("hosts.json");
    let hsts = dir.join("hsts.json");
    let args = |lang: &'static str| {
        std::fs::write(&cache, r#"{"version": 99, "hosts": {}}"#).unwrap();
        std::fs::write(&hsts, r#"{"version": 99, "hosts": {}}"#).unwrap();
        get(&[
            "--lang",
            lang,
            "--cache-file",
            cache.to_str().unwrap(),
            "--hsts-file",
            hsts.to_str().unwrap(),
            &site.url("/ok"),
        ])
    };
    let korean = args("ko");
    assert_eq!(korean.status.code(), Some(0), "{}", text(&korean.stderr));
    let stderr = text(&korean.stderr);
    assert!(
        stderr.contains("호스트 캐시 파일의 버전이 99입니다(이 프로그램은 1)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("HSTS 저장소 파일의 버전이 99입니다"),
        "{stderr}"
    );
    let english =
        test_support::korean::english_outside_tokens(&stderr, test_support::korean::PROTOCOL_WORDS);
    assert!(english.is_empty(), "{}\n---\n{stderr}", english.join("\n"));
    let english = args("en");
    let stderr = text(&english.stderr);
    assert!(
        stderr.contains("host cache version 99 is not 1; starting empty"),
        "{stderr}"
    );
    assert!(
        stderr.contains("HSTS store version 99 is not 1; starting empty"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
