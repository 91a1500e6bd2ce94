//! The tour in Korean (issue 11): no English sentence outside the protocol tokens, for the
//! default tour, a second visit, every fault and the redirect; the language chosen by `--lang`
//! and by the environment; `--json` with English keys and Korean sentences; the Korean HTML page
//! read back from a real headless Chromium's DOM.

use std::process::Command;

use serde_json::Value;
use test_support::Peer;
use test_support::korean::{PROTOCOL_WORDS, english_outside_tokens};

use super::tour::{Lab, captured, render, statuses, story_text};

/// Runs a Korean tour (text) with `args`; checks it succeeded and is Korean; returns its text.
fn korean_tour(lab: &Lab, args: &[&str]) -> String {
    let mut all = vec!["--lang", "ko"];
    all.extend_from_slice(args);
    let (code, out, err) = lab.tour(&all);
    assert_eq!(code, 0, "tour {args:?} failed: {err}");
    assert_korean(&out, &format!("tour --lang ko {}", args.join(" ")));
    out
}

fn assert_korean(text: &str, what: &str) {
    let english = english_outside_tokens(text, PROTOCOL_WORDS);
    assert!(
        english.is_empty(),
        "{what}: English outside the protocol tokens:\n{}\n\n--- the whole text ---\n{text}",
        english.join("\n")
    );
}

#[test]
fn the_default_tour_in_korean_has_no_english_sentence() {
    let lab = Lab::new();
    let out = korean_tour(&lab, &[]);
    // The seed's five steps, by the seed's names, and its terms.
    for title in [
        "1. 브라우저가 자신의 DNS 캐시를 확인한다",
        "2. 가장 가까운 DNS 서버가 이름을 찾는다 (재귀적 질의, 그 뒤는 반복적 질의)",
        "3. 브라우저가 TCP/IP 위에서 HTTP 요청을 보낸다",
        "4. 웹 서버와 WAS, 데이터베이스가 일을 한다",
        "5. 상태 코드와 함께 응답이 돌아오고, 연결을 닫는다",
    ] {
        assert!(out.contains(title), "no step {title:?}:\n{out}");
    }
    assert!(out.contains("브라우저 DNS 캐시 미스(MISS)"), "{out}");
    // The browser's HSTS preload list sends it to https, and ALPN gives HTTP/2.
    assert!(out.contains("HSTS: google.com은"), "{out}");
    assert!(out.contains("HTTP/2 200 OK: 2xx: 성공"), "{out}");
    assert!(out.contains("TIME_WAIT"), "{out}");
    assert!(out.contains("용어 정리"), "a glossary: {out}");
    assert!(out.contains("각 줄을 어떻게 알았는지"), "a legend: {out}");
    if is_captured(&out) {
        assert!(out.contains("재귀적 질의 (RD=1)"), "{out}");
        assert!(out.contains("반복적 질의 (RD=0)"), "{out}");
        assert!(out.contains("3 way handshake"), "{out}");
        assert!(out.contains("4 way handshake"), "{out}");
    }
}

/// Where the first step's heading (`N. ...` at the start of a line) begins.
fn first_step(out: &str) -> usize {
    let mut at = 0;
    for line in out.split_inclusive('\n') {
        let bytes = line.as_bytes();
        if bytes.len() > 2 && bytes[0].is_ascii_digit() && line[1..].starts_with(". ") {
            return at;
        }
        at += line.len();
    }
    panic!("no step in:\n{out}")
}

/// Whether the text tour had packets (root or CAP_NET_RAW): its last line counts them.
fn is_captured(out: &str) -> bool {
    !out.contains("패킷을 캡처하지 못했습니다")
}

#[test]
fn a_second_visit_in_korean_has_no_english_sentence() {
    let lab = Lab::new();
    let out = korean_tour(&lab, &["--visits", "2", "--no-search"]);
    assert!(
        out.contains("1번째 방문: 브라우저 DNS 캐시 미스(MISS)"),
        "{out}"
    );
    assert!(
        out.contains("2번째 방문: 브라우저 DNS 캐시 히트(HIT)"),
        "{out}"
    );
}

#[test]
fn every_fault_in_korean_has_no_english_sentence() {
    let lab = Lab::new();
    // Every fault the tour knows, so that a new one is checked too; the symptom of each known
    // one (the first two show only on the wire).
    let symptoms = [
        ("root-down", "목적지 도달 불가 (포트 도달 불가)"),
        ("nxdomain", "부정 응답: 그런 이름이 없습니다"),
        ("was-down", "502 Bad Gateway"),
        ("was-slow", "504 Gateway Timeout"),
        ("db-down", "503 Service Unavailable"),
        ("cert-expired", "서버의 인증서가"),
        (
            "cert-wrong-name",
            "이름 www.google.com에 대해 유효하지 않습니다",
        ),
    ];
    for (fault, _) in lab::tour::Fault::ALL {
        let (code, out, err) = lab.tour(&["--lang", "ko", "--fault", fault]);
        if code == 2 {
            // A fault this lab cannot inject is refused, in Korean too.
            assert_korean(
                &err,
                &format!("tour --lang ko --fault {fault}: its refusal"),
            );
            continue;
        }
        assert_eq!(code, 0, "--fault {fault}: {err}");
        assert_korean(&out, &format!("tour --lang ko --fault {fault}"));
        // The fault is named before the story.
        let named = out
            .find(&format!("주입한 장애: {fault}"))
            .unwrap_or_else(|| panic!("{fault} not named:\n{out}"));
        assert!(named < first_step(&out), "{fault}:\n{out}");
        let Some((_, symptom)) = symptoms.iter().find(|(f, _)| *f == fault) else {
            continue;
        };
        let packets_only = ["root-down", "nxdomain"].contains(&fault);
        if !packets_only || is_captured(&out) {
            assert!(out.contains(symptom), "{fault}: no {symptom:?}:\n{out}");
        }
    }
}

#[test]
fn a_usage_error_of_the_tour_is_told_in_korean() {
    let lab = Lab::new();
    let (code, _, err) = lab.tour(&["--lang", "ko", "--visits", "0"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--visits는 1 이상이어야 합니다"), "{err}");
    assert_korean(&err, "tour --lang ko --visits 0");
}

#[test]
fn the_redirect_in_korean_has_no_english_sentence_and_says_why() {
    let lab = Lab::new();
    let out = korean_tour(&lab, &[&lab.url("google.com", "/")]);
    assert!(out.contains("301 Moved Permanently: 3xx"), "{out}");
    assert!(out.contains("브라우저가 리다이렉트를 따라"), "{out}");
    assert!(out.contains("왜 그럴까요"), "{out}");
}

#[test]
fn the_language_comes_from_the_flag_then_the_environment() {
    let lab = Lab::new();
    let args = ["--no-search", "--json"];
    let lang = |args: &[&str], env: &[(&str, &str)]| -> (String, String) {
        let (code, out, err) = lab.tour_with_env(args, env);
        assert_eq!(code, 0, "{err}");
        let tour: Value = serde_json::from_str(&out).unwrap();
        (
            tour["story"]["lang"].as_str().unwrap().to_owned(),
            tour["story"]["steps"][0]["title"]
                .as_str()
                .unwrap()
                .to_owned(),
        )
    };
    let korean = (
        "ko".to_owned(),
        "브라우저가 자신의 DNS 캐시를 확인한다".to_owned(),
    );
    let english = (
        "en".to_owned(),
        "The browser checks its own DNS cache".to_owned(),
    );
    assert_eq!(lang(&args, &[]), english, "no locale: English");
    assert_eq!(lang(&args, &[("LANG", "ko_KR.UTF-8")]), korean, "LANG");
    assert_eq!(
        lang(
            &args,
            &[("LC_MESSAGES", "ko_KR.UTF-8"), ("LANG", "en_US.UTF-8")]
        ),
        korean
    );
    assert_eq!(
        lang(&args, &[("LC_ALL", "C"), ("LANG", "ko_KR.UTF-8")]),
        english,
        "LC_ALL wins over LANG"
    );
    let mut flagged = vec!["--lang", "en"];
    flagged.extend_from_slice(&args);
    assert_eq!(
        lang(&flagged, &[("LC_ALL", "ko_KR.UTF-8")]),
        english,
        "--lang wins"
    );
    // --lang is accepted before the subcommand too (a global option).
    let (code, out, err) = lab.tour(&["--no-search", "--json", "--lang=ko"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"lang\": \"ko\""), "{out}");
}

#[test]
fn json_keeps_english_keys_and_tells_its_sentences_in_korean() {
    let lab = Lab::new();
    let tour = lab.tour_json(&["--lang", "ko", "--no-search"]);
    assert_eq!(statuses(&tour), vec![200]);
    for key in [
        "url",
        "visits",
        "packets",
        "connections",
        "time_wait",
        "events",
        "story",
    ] {
        assert!(!tour[key].is_null(), "no {key}");
    }
    let text = story_text(&tour);
    assert_korean(&text, "the JSON story's lines");
    let kinds: Vec<&str> = tour["story"]["steps"][0]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["source"].as_str().unwrap())
        .collect();
    assert!(
        kinds
            .iter()
            .all(|k| ["wire", "reported", "inferred"].contains(k)),
        "{kinds:?}"
    );
    if captured(&tour) {
        assert!(text.contains("반복적 질의 (RD=0)"), "{text}");
    }
}

#[test]
fn the_korean_html_page_renders_in_chromium_in_korean_and_switches_to_english() {
    let lab = Lab::new();
    let html = lab.zones.dir.join("tour-ko.html");
    let (code, out, err) = lab.tour(&[
        "--lang",
        "ko",
        "--no-search",
        "--html",
        html.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("시퀀스 다이어그램을"), "{out}");
    let Some(chromium) = Peer::find("chromium", "chromium") else {
        return;
    };
    korean_font_installed();
    let dom = render(&chromium, &html, &lab.zones.dir);
    assert!(
        dom.contains("data-rendered=\"yes\""),
        "the script ran to its end"
    );
    assert!(
        dom.contains("<html lang=\"ko\">"),
        "{}",
        &dom[..dom.len().min(300)]
    );
    for korean in [
        "시퀀스 다이어그램",
        "다섯 단계",
        "용어 정리",
        "브라우저가 자신의 DNS 캐시를 확인한다",
        "상태 코드와 함께 응답이 돌아오고, 연결을 닫는다",
        "최종 상태 코드: 200",
        "Read in English",
    ] {
        assert!(dom.contains(korean), "no {korean:?} in the DOM");
    }
    // The page's own text, read back from the DOM, is Korean but for the protocol tokens.
    let text = visible_text(&dom);
    let mut allowed = PROTOCOL_WORDS.to_vec();
    allowed.extend(["Read", "in", "English"]); // the switch's label, in the language it switches to
    let english = english_outside_tokens(&text, &allowed);
    assert!(
        english.is_empty(),
        "English in the Korean page:\n{}",
        english.join("\n")
    );

    // The switch: the same page opened on its English telling.
    let english_page = lab.zones.dir.join("tour-en.html");
    std::fs::copy(&html, &english_page).unwrap();
    let dom = render_url(
        &chromium,
        &format!("file://{}#en", english_page.display()),
        &lab.zones.dir,
    );
    assert!(
        dom.contains("<html lang=\"en\">"),
        "{}",
        &dom[..dom.len().min(300)]
    );
    assert!(dom.contains("The browser checks its own DNS cache"));
    assert!(dom.contains("한국어로 보기"));
}

/// A CJK font, without which Chromium draws Hangul as empty boxes (CI installs fonts-noto-cjk).
fn korean_font_installed() {
    let fonts = Command::new("fc-list").arg(":lang=ko").output();
    let found = fonts.is_ok_and(|o| !o.stdout.is_empty());
    if !found {
        let message = "no Korean font (apt-get install fonts-noto-cjk): Hangul would not render";
        if std::env::var_os("ROUNDTRIP_REQUIRE_PEERS").is_some_and(|v| v == "1") {
            panic!("{message}, and ROUNDTRIP_REQUIRE_PEERS=1 says it must");
        }
        eprintln!("\n!!! {message}\n");
    }
}

/// The DOM after the page's script ran, for a URL (a `#` fragment picks the telling).
fn render_url(chromium: &std::path::Path, url: &str, scratch: &std::path::Path) -> String {
    let profile = scratch.join("chromium-profile-url");
    let output = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(url)
        .output()
        .expect("chromium runs");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The text a person sees: the DOM without its tags, its script and its style, with the
/// entities the page uses decoded.
fn visible_text(dom: &str) -> String {
    let mut body = dom.to_owned();
    for (open, close) in [
        ("<script", "</script>"),
        ("<style", "</style>"),
        ("<title", "</title>"),
    ] {
        while let Some(start) = body.find(open) {
            let end = body[start..]
                .find(close)
                .map_or(body.len(), |e| start + e + close.len());
            body.replace_range(start..end, "\n");
        }
    }
    let mut text = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push('\n');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&gt;", ">")
        .replace("&lt;", "<")
        .replace("&amp;", "&")
        .replace("&quot;", "\"")
}
