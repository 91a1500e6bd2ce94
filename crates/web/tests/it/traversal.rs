//! The path never leaves the root: each way out, sent as raw bytes (a client library would
//! normalise most of them away), gets 400 or 404 and never the file outside.

use test_support::http::raw_request;

use crate::harness::{HELLO, SECRET, TestWeb};

fn assert_refused(web: &TestWeb, target: &str) {
    let raw = format!("GET {target} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    match raw_request(web.addr, raw.as_bytes()) {
        Ok(response) => {
            assert!(
                response.status == 400 || response.status == 404,
                "{target}: status {} ({})",
                response.status,
                response.head
            );
            assert!(
                !response.text().contains(SECRET),
                "{target} leaked the secret"
            );
        }
        // hyper may refuse a request line outright and close: also not the file.
        Err(err) => eprintln!("{target}: connection ended: {err}"),
    }
}

#[test]
fn dot_dot_in_every_spelling_is_refused() {
    let web = TestWeb::start(|_, _| {});
    for target in [
        "/../secret.txt",
        "/dir/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/.%2e/secret.txt",
        "/%2e./secret.txt",
        "/dir/%2e%2e/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/dir%2f..%2f..%2fsecret.txt",
        "/%252e%252e/secret.txt",
        "/..;/secret.txt",
        "/dir/..",
        "/..",
    ] {
        assert_refused(&web, target);
    }
}

#[test]
fn backslashes_nul_and_bad_encodings_are_refused() {
    let web = TestWeb::start(|_, _| {});
    for target in [
        "/..\\secret.txt",
        "/dir\\..\\..\\secret.txt",
        "/dir%5c..%5c..%5csecret.txt",
        "/%5c..%5csecret.txt",
        "/hello.txt%00.html",
        "/%00",
        "/%ff%fe",
        "/%c0%ae%c0%ae/secret.txt",
    ] {
        assert_refused(&web, target);
    }
}

#[test]
fn absolute_form_targets_are_held_to_the_root_too() {
    let web = TestWeb::start(|_, _| {});
    assert_refused(&web, "http://test/../secret.txt");
    assert_refused(&web, "http://test/%2e%2e/secret.txt");
    let inside = raw_request(
        web.addr,
        b"GET http://test/hello.txt HTTP/1.1\r\nHost: test\r\n\r\n",
    )
    .unwrap();
    assert_eq!(inside.text(), HELLO);
}

#[test]
fn symlinks_out_of_the_root_are_not_followed() {
    let web = TestWeb::start(|_, _| {});
    assert_refused(&web, "/escape");
    assert_refused(&web, "/up/secret.txt");
    // Out through a link and back in again ends inside the root: that file may be served.
    // A link that stays inside the root is served.
    let inside = raw_request(web.addr, b"GET /link.txt HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    assert_eq!((inside.status, inside.text().as_str()), (200, HELLO));
}

#[test]
fn decoded_names_that_stay_inside_are_served() {
    let web = TestWeb::start(|_, _| {});
    for target in [
        "/hello%2etxt",
        "/./hello.txt",
        "//hello.txt",
        "/dir/./../hello.txt",
    ] {
        let raw = format!("GET {target} HTTP/1.1\r\nHost: t\r\n\r\n");
        let response = raw_request(web.addr, raw.as_bytes()).unwrap();
        if target.contains("..") {
            assert_eq!(response.status, 400, "{target}");
        } else {
            assert_eq!(
                (response.status, response.text().as_str()),
                (200, HELLO),
                "{target}"
            );
        }
    }
}
