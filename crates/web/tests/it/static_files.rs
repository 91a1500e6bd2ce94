//! Static files: every behaviour of the static path against the real server.

use std::time::Duration;

use test_support::http::{RawConnection, get, request_bytes};

use crate::harness::{BIG_LEN, HELLO, TestWeb, big_content, path_of};

#[test]
fn a_file_is_served_with_its_type_length_and_validators() {
    let web = TestWeb::start(|_, _| {});
    let response = get(web.addr, "/hello.txt", &[]).unwrap();
    assert_eq!(response.status, 200, "{}", response.head);
    assert_eq!(response.text(), HELLO);
    assert_eq!(
        response.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(response.header("content-length"), Some("12"));
    assert_eq!(response.header("accept-ranges"), Some("bytes"));
    assert_eq!(response.header("cache-control"), Some("no-cache"));
    assert!(response.header("etag").unwrap().starts_with('"'));
    assert!(response.header("last-modified").unwrap().ends_with(" GMT"));

    let png = get(web.addr, "/logo.png", &[]).unwrap();
    assert_eq!(png.header("content-type"), Some("image/png"));
    let css = get(web.addr, "/style.css", &[]).unwrap();
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
}

#[test]
fn the_root_and_directories_serve_index_html() {
    let web = TestWeb::start(|_, _| {});
    let home = get(web.addr, "/", &[]).unwrap();
    assert_eq!(home.status, 200);
    assert!(home.text().contains("<title>home</title>"));
    assert_eq!(
        home.header("content-type"),
        Some("text/html; charset=utf-8")
    );

    let dir = get(web.addr, "/dir/", &[]).unwrap();
    assert_eq!(dir.status, 200);
    assert_eq!(dir.text(), "<p>dir index</p>\n");

    let redirect = get(web.addr, "/dir?x=1", &[]).unwrap();
    assert_eq!(redirect.status, 301);
    assert_eq!(redirect.header("location"), Some("/dir/?x=1"));

    assert_eq!(get(web.addr, "/emptydir/", &[]).unwrap().status, 404);
    assert_eq!(get(web.addr, "/hello.txt/", &[]).unwrap().status, 404);
    assert_eq!(get(web.addr, "/missing.html", &[]).unwrap().status, 404);
}

#[test]
fn head_has_the_headers_of_get_and_no_body() {
    let web = TestWeb::start(|_, _| {});
    let mut connection = RawConnection::connect(web.addr).unwrap();
    for path in ["/hello.txt", "/big.bin"] {
        let head = connection
            .request(request_bytes("HEAD", path, &[]).as_bytes())
            .unwrap();
        assert_eq!(head.status, 200);
        let expected = if path == "/big.bin" {
            BIG_LEN.to_string()
        } else {
            "12".into()
        };
        assert_eq!(head.header("content-length"), Some(expected.as_str()));
        assert!(head.body.is_empty());
    }
    // The connection is still in step: no body bytes were sent after the HEAD answers.
    let after = connection
        .request(request_bytes("GET", "/hello.txt", &[]).as_bytes())
        .unwrap();
    assert_eq!(after.text(), HELLO);
}

#[test]
fn other_methods_get_405_with_allow() {
    let web = TestWeb::start(|_, _| {});
    let response = test_support::http::raw_request(
        web.addr,
        b"POST /hello.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi",
    )
    .unwrap();
    assert_eq!(response.status, 405);
    assert_eq!(response.header("allow"), Some("GET, HEAD"));
}

#[test]
fn validators_give_304() {
    let web = TestWeb::start(|_, _| {});
    let first = get(web.addr, "/hello.txt", &[]).unwrap();
    let etag = first.header("etag").unwrap().to_owned();
    let modified = first.header("last-modified").unwrap().to_owned();

    let inm = get(web.addr, "/hello.txt", &[("If-None-Match", &etag)]).unwrap();
    assert_eq!(inm.status, 304, "{}", inm.head);
    assert!(inm.body.is_empty());
    assert_eq!(inm.header("etag"), Some(etag.as_str()));

    let weak = format!("\"other\", W/{etag}");
    assert_eq!(
        get(web.addr, "/hello.txt", &[("If-None-Match", &weak)])
            .unwrap()
            .status,
        304
    );
    assert_eq!(
        get(web.addr, "/hello.txt", &[("If-None-Match", "*")])
            .unwrap()
            .status,
        304
    );
    assert_eq!(
        get(web.addr, "/hello.txt", &[("If-None-Match", "\"nope\"")])
            .unwrap()
            .status,
        200
    );

    let ims = get(web.addr, "/hello.txt", &[("If-Modified-Since", &modified)]).unwrap();
    assert_eq!(ims.status, 304);
    let old = get(
        web.addr,
        "/hello.txt",
        &[("If-Modified-Since", "Sat, 01 Jan 2000 00:00:00 GMT")],
    )
    .unwrap();
    assert_eq!(old.status, 200);
    // If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2).
    let both = get(
        web.addr,
        "/hello.txt",
        &[
            ("If-None-Match", "\"nope\""),
            ("If-Modified-Since", &modified),
        ],
    )
    .unwrap();
    assert_eq!(both.status, 200);

    assert_eq!(
        get(web.addr, "/hello.txt", &[("If-Match", "\"nope\"")])
            .unwrap()
            .status,
        412
    );
    assert_eq!(
        get(web.addr, "/hello.txt", &[("If-Match", &etag)])
            .unwrap()
            .status,
        200
    );
}

#[test]
fn ranges_give_206_or_416() {
    let web = TestWeb::start(|_, _| {});
    let first = get(web.addr, "/hello.txt", &[("Range", "bytes=0-4")]).unwrap();
    assert_eq!(first.status, 206);
    assert_eq!(first.text(), "hello");
    assert_eq!(first.header("content-range"), Some("bytes 0-4/12"));

    let suffix = get(web.addr, "/hello.txt", &[("Range", "bytes=-6")]).unwrap();
    assert_eq!((suffix.status, suffix.text().as_str()), (206, "world\n"));
    let open = get(web.addr, "/hello.txt", &[("Range", "bytes=6-")]).unwrap();
    assert_eq!((open.status, open.text().as_str()), (206, "world\n"));

    let beyond = get(web.addr, "/hello.txt", &[("Range", "bytes=12-")]).unwrap();
    assert_eq!(beyond.status, 416);
    assert_eq!(beyond.header("content-range"), Some("bytes */12"));

    let several = get(web.addr, "/hello.txt", &[("Range", "bytes=0-1,4-5")]).unwrap();
    assert_eq!((several.status, several.text().as_str()), (200, HELLO));
    let bad = get(web.addr, "/hello.txt", &[("Range", "lines=1-2")]).unwrap();
    assert_eq!(bad.status, 200);

    let etag = first.header("etag").unwrap().to_owned();
    let same = get(
        web.addr,
        "/hello.txt",
        &[("Range", "bytes=0-4"), ("If-Range", &etag)],
    )
    .unwrap();
    assert_eq!(same.status, 206);
    let changed = get(
        web.addr,
        "/hello.txt",
        &[("Range", "bytes=0-4"), ("If-Range", "\"old\"")],
    )
    .unwrap();
    assert_eq!((changed.status, changed.text().as_str()), (200, HELLO));
}

#[test]
fn big_files_are_sent_whole_and_in_ranges_with_sendfile() {
    big_files_whole_and_in_ranges(true);
}

#[test]
fn big_files_are_streamed_whole_and_in_ranges_in_chunks() {
    big_files_whole_and_in_ranges(false);
}

fn big_files_whole_and_in_ranges(sendfile: bool) {
    let web = TestWeb::start(|config, _| config.static_files.sendfile = sendfile);
    let content = big_content();
    let whole = get(web.addr, "/big.bin", &[]).unwrap();
    assert_eq!(whole.status, 200);
    assert_eq!(
        whole.header("content-length"),
        Some(BIG_LEN.to_string().as_str())
    );
    assert!(whole.body == content, "the streamed body differs");

    let from = 1_000_003;
    let to = 2_500_000;
    let range = format!("bytes={from}-{to}");
    let part = get(web.addr, "/big.bin", &[("Range", &range)]).unwrap();
    assert_eq!(part.status, 206);
    assert!(part.body == content[from..=to], "the range's bytes differ");
    let expected = format!("bytes {from}-{to}/{BIG_LEN}");
    assert_eq!(part.header("content-range"), Some(expected.as_str()));

    // Several big responses on one keep-alive connection stay in step.
    let mut connection = RawConnection::connect(web.addr).unwrap();
    for _ in 0..3 {
        let again = connection
            .request(request_bytes("GET", "/big.bin", &[]).as_bytes())
            .unwrap();
        assert!(again.body == content);
        let small = connection
            .request(request_bytes("GET", "/hello.txt", &[]).as_bytes())
            .unwrap();
        assert_eq!(small.text(), HELLO);
    }
}

#[test]
fn text_is_gzipped_for_clients_that_accept_it() {
    let web = TestWeb::start(|_, _| {});
    let plain = get(web.addr, "/style.css", &[]).unwrap();
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.header("vary"), Some("Accept-Encoding"));

    let gzipped = get(
        web.addr,
        "/style.css",
        &[("Accept-Encoding", "gzip, deflate")],
    )
    .unwrap();
    assert_eq!(gzipped.status, 200);
    assert_eq!(gzipped.header("content-encoding"), Some("gzip"));
    assert_eq!(gzipped.header("vary"), Some("Accept-Encoding"));
    assert!(gzipped.body.len() < plain.body.len());
    let mut decoded = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(&gzipped.body[..]),
        &mut decoded,
    )
    .unwrap();
    assert_eq!(decoded.as_bytes(), &plain.body[..]);
    // Each representation has its own validator (RFC 9110 §8.8.3).
    assert_ne!(gzipped.header("etag"), plain.header("etag"));
    let etag = gzipped.header("etag").unwrap();
    let revalidated = get(
        web.addr,
        "/style.css",
        &[("Accept-Encoding", "gzip"), ("If-None-Match", etag)],
    )
    .unwrap();
    assert_eq!(revalidated.status, 304);

    let refused = get(web.addr, "/style.css", &[("Accept-Encoding", "gzip;q=0")]).unwrap();
    assert_eq!(refused.header("content-encoding"), None);
    // Tiny and binary files are not compressed.
    let tiny = get(web.addr, "/hello.txt", &[("Accept-Encoding", "gzip")]).unwrap();
    assert_eq!(tiny.header("content-encoding"), None);
}

#[test]
fn precompressed_siblings_are_preferred() {
    let web = TestWeb::start(|_, _| {});
    let br = get(web.addr, "/pre.js", &[("Accept-Encoding", "gzip, br")]).unwrap();
    assert_eq!(br.header("content-encoding"), Some("br"));
    assert_eq!(br.body, b"BROTLI-SIBLING");
    let gz = get(web.addr, "/pre.js", &[("Accept-Encoding", "gzip")]).unwrap();
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    assert_eq!(gz.body, b"GZIP-SIBLING");
    let identity = get(web.addr, "/pre.js", &[]).unwrap();
    assert_eq!(identity.header("content-encoding"), None);
    assert!(identity.text().starts_with("console.log"));
    assert_eq!(
        identity.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    // A range asks for the file's own bytes, whatever the client accepts.
    let range = get(
        web.addr,
        "/pre.js",
        &[("Accept-Encoding", "br"), ("Range", "bytes=0-6")],
    )
    .unwrap();
    assert_eq!((range.status, range.text().as_str()), (206, "console"));
}

#[test]
fn a_changed_file_is_served_changed() {
    let web = TestWeb::start(|config, _| {
        config.static_files.revalidate_after = Duration::ZERO;
    });
    let before = get(web.addr, "/hello.txt", &[]).unwrap();
    std::fs::write(path_of(&web.site, "hello.txt"), "changed content\n").unwrap();
    let after = get(web.addr, "/hello.txt", &[]).unwrap();
    assert_eq!(after.text(), "changed content\n");
    assert_ne!(before.header("etag"), after.header("etag"));
    std::fs::remove_file(path_of(&web.site, "hello.txt")).unwrap();
    assert_eq!(get(web.addr, "/hello.txt", &[]).unwrap().status, 404);
}

#[test]
fn keep_alive_serves_many_requests_on_one_connection() {
    let web = TestWeb::start(|_, _| {});
    let mut connection = RawConnection::connect(web.addr).unwrap();
    for _ in 0..50 {
        let response = connection
            .request(request_bytes("GET", "/hello.txt", &[]).as_bytes())
            .unwrap();
        assert_eq!(response.text(), HELLO);
    }
}
