//! The tour of an `https://` URL (issue 12): the TLS handshake and HTTP/2 told from the captured
//! packets, decrypted with the secrets the lab's browser logged in memory; the pcapng carries
//! them in a Decryption Secrets Block, so tshark reads the decrypted HTTP/2 on its own; the
//! `--keylog` file is SSLKEYLOGFILE's format; and the Korean telling keeps only protocol words
//! in English. Root only (the capture on the test's loopback block); skips loudly otherwise.

use test_support::Peer;
use test_support::korean::{PROTOCOL_WORDS, english_outside_tokens};

use super::tour::{Lab, story_text};

#[test]
fn an_https_tour_tells_tls_and_http2_from_the_decrypted_packets() {
    if !test_support::is_root() {
        eprintln!("\n!!! SKIPPED: the https tour's capture on the test's block needs root\n");
        return;
    }
    let lab = Lab::new();
    let dir = std::env::temp_dir().join(format!("rt-tour-https-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (pcap, keylog) = (dir.join("tls.pcapng"), dir.join("keys.log"));
    let (code, out, err) = lab.tour(&[
        "https://www.google.com/",
        "--no-search",
        "--json",
        "--pcap",
        pcap.to_str().unwrap(),
        "--keylog",
        keylog.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let tour: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(tour["story"]["status"], 200);
    let text = story_text(&tour);
    for said in [
        "ClientHello  browser -> www.google.com, in the clear",
        "(SNI) www.google.com, application protocols offered (ALPN) h2, http/1.1",
        "ServerHello  www.google.com -> browser, in the clear: TLS 1.3",
        "the application protocol chosen by ALPN is h2",
        "Certificate from www.google.com (decrypted): a chain of 2",
        "names DNS:www.google.com, DNS:google.com",
        "CertificateVerify from www.google.com (decrypted)",
        "Finished  www.google.com -> browser (decrypted)",
        "Finished  browser -> www.google.com (decrypted)",
        "the TLS handshake is done: TLS 1.3, h2 over it; 1 round trip(s)",
        "the connection preface (PRI * HTTP/2.0)",
        "HTTP/2 HEADERS browser -> www.google.com on stream 1",
        ":status: 200",
        "END_STREAM",
        "close_notify",
    ] {
        assert!(text.contains(said), "{said:?} not in:\n{text}");
    }
    assert!(!text.contains("cannot be decrypted"), "{text}");
    let session = &tour["tls"][0];
    assert_eq!(session["alpn"], "h2", "{session}");

    // The key log, as SSLKEYLOGFILE writes it.
    let keys = std::fs::read_to_string(&keylog).unwrap();
    for label in [
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
        "SERVER_HANDSHAKE_TRAFFIC_SECRET",
        "CLIENT_TRAFFIC_SECRET_0",
        "SERVER_TRAFFIC_SECRET_0",
    ] {
        assert!(
            keys.lines().any(|l| l.starts_with(label)),
            "{label}: {keys}"
        );
    }

    // tshark, with nothing but the pcapng, decrypts the HTTP/2.
    if let Some(tshark) = Peer::find("tshark", "tshark") {
        let read = std::process::Command::new(tshark)
            .arg("-r")
            .arg(&pcap)
            .args([
                "-Y",
                "http2.header",
                "-T",
                "fields",
                "-e",
                "http2.header.value",
            ])
            .output()
            .unwrap();
        let values = String::from_utf8_lossy(&read.stdout);
        assert!(
            values.contains("200"),
            "tshark: {values}{}",
            String::from_utf8_lossy(&read.stderr)
        );
        assert!(values.contains("www.google.com"), "{values}");
    }

    // In Korean, the same story keeps only the protocol's words in English (a certificate's
    // own subject and issuer are its data, as header lines are: test_support::korean).
    let (code, out, err) = lab.tour(&["--lang", "ko", "https://www.google.com/", "--no-search"]);
    assert_eq!(code, 0, "{err}");
    let english = english_outside_tokens(&out, PROTOCOL_WORDS);
    assert!(
        english.is_empty(),
        "English in the Korean https tour:\n{}\n\n{out}",
        english.join("\n")
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_default_tour_is_https_by_the_preload_list_and_without_hsts_it_meets_the_301_first() {
    let lab = Lab::new();
    let (code, out, err) = lab.tour(&["--no-search"]);
    assert_eq!(code, 0, "{err}");
    // HSTS acts in step 1, before any packet; the journey is then TLS and HTTP/2.
    let hsts = out
        .find("HSTS: google.com is on the browser's built-in preload list")
        .unwrap_or_else(|| panic!("no HSTS line:\n{out}"));
    assert!(hsts < out.find("\n2. ").unwrap(), "{out}");
    assert!(out.contains("HTTP/2 200 OK: 2xx: success"), "{out}");
    assert!(!out.contains("HTTP/1.1 301"), "{out}");
    if !out.contains("no packets were captured") {
        assert!(
            out.contains("ClientHello  browser -> www.google.com"),
            "{out}"
        );
        assert!(!out.contains("GET / HTTP/1.1"), "no plain request: {out}");
    }

    // Without HSTS the browser sends plain HTTP first and the web server sends it to https.
    let (code, out, err) = lab.tour(&["--no-search", "--no-hsts"]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("HSTS: google.com"), "{out}");
    assert!(out.contains("HTTP/1.1 301 Moved Permanently: 3xx"), "{out}");
    assert!(out.contains("HTTP/2 200 OK: 2xx: success"), "{out}");
    if !out.contains("no packets were captured") {
        let plain = out.find("GET / HTTP/1.1").expect("the plain request");
        let hello = out.find("ClientHello  browser").expect("then TLS");
        assert!(plain < hello, "{out}");
    }
}

/// `--fault cert-expired` and `--fault cert-wrong-name`: the web server presents a certificate
/// the lab's CA issued for the tour only; the browser refuses it, sends no request, and the story
/// tells the handshake up to the alert that crossed the wire, decrypted.
fn a_refused_certificate(fault: &str, why: &str, wrong: &str, alert: &str) {
    let lab = Lab::new();
    let (code, out, err) = lab.tour(&["--json", "--fault", fault]);
    // As the other faults that end in the browser's error (nxdomain): the tour itself succeeded.
    assert_eq!(code, 0, "{err}");
    let tour: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(tour["fault"], fault);
    let visits = tour["visits"].as_array().unwrap();
    assert_eq!(
        visits.len(),
        1,
        "no search after a refused page: {visits:?}"
    );
    assert!(visits[0]["visit"].is_null(), "{visits:?}");
    let error = visits[0]["error"].as_str().unwrap();
    assert!(error.contains("TLS handshake failed"), "{error}");
    assert!(error.contains(why), "{error}");
    let text = story_text(&tour);
    assert!(
        text.contains(why),
        "the browser's reason in the story:\n{text}"
    );
    assert!(
        !text.contains("HTTP/2 HEADERS browser ->"),
        "no request:\n{text}"
    );
    assert!(!text.contains("GET / HTTP/1.1"), "no request:\n{text}");
    assert!(
        tour["story"]["status"].is_null(),
        "{}",
        tour["story"]["status"]
    );
    if super::tour::captured(&tour) {
        for said in [
            "ClientHello  browser -> www.google.com, in the clear",
            "ServerHello  www.google.com -> browser, in the clear: TLS 1.3",
            "Certificate from www.google.com (decrypted): a chain of 2",
            wrong,
            "alert browser -> www.google.com (decrypted with the sender's handshake traffic secret",
            alert,
        ] {
            assert!(text.contains(said), "{said:?} not in:\n{text}");
        }
        assert!(!text.contains("the TLS handshake is done"), "{text}");
        assert!(!text.contains("cannot be decrypted"), "{text}");
    }
    // The fault is named first, with what it breaks.
    let (code, out, err) = lab.tour(&["--fault", fault]);
    assert_eq!(code, 0, "{err}");
    let named = out
        .find(&format!("fault injected: {fault} ("))
        .unwrap_or_else(|| panic!("not named:\n{out}"));
    // (No step 1 is told: the browser's failed visit has no account of its caches.)
    let first_step = out
        .find("\n2. ")
        .unwrap_or_else(|| panic!("no step 2:\n{out}"));
    assert!(named < first_step, "{out}");
    assert!(out.contains(why), "{out}");
    if !out.contains("no packets were captured") {
        // The alert is on the wire, and the glossary says what the browser checked.
        assert!(out.contains(alert), "{out}");
        assert!(
            out.contains("certificate check: before it trusts the server"),
            "{out}"
        );
        // The browser's refusal is told in step 5, after the handshake it ended (step 3).
        let refusal = out.find("no response for").unwrap();
        assert!(out.find("Certificate from").unwrap() < refusal, "{out}");
    }
}

#[test]
fn an_expired_certificate_is_refused_with_its_alert() {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    // As the certificate line prints it (OpenSSL's way): `until Dec  1 04:25:15 2026`.
    let (y, m, d) = civil_date(now / 86_400 - 1);
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][m as usize - 1];
    let until = format!("until {month} {d:>2} ");
    let _ = y;
    a_refused_certificate(
        "cert-expired",
        "the server's certificate expired at",
        &until,
        "certificate_expired: the certificate's validity period is over; browser refuses it",
    );
}

#[test]
fn a_certificate_for_another_name_is_refused_with_its_alert() {
    a_refused_certificate(
        "cert-wrong-name",
        "the server's certificate is not valid for the name www.google.com",
        "names DNS:mail.google.com\n",
        "bad_certificate: the certificate cannot be accepted",
    );
}

/// The proleptic Gregorian date of a day since 1970-01-01 (H. Hinnant's civil_from_days).
fn civil_date(days: u64) -> (i64, u32, u32) {
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}
