//! Every command speaks the chosen language (issue 11), beyond the tour: `serve`'s lines and
//! errors, `dig`'s usage and transport errors; and the language chosen from `LANGUAGE` as GNU
//! gettext reads it. Korean output has no English sentence outside the protocol tokens; the
//! English stays as it was.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Stdio};
use std::time::Duration;

use test_support::korean::{PROTOCOL_WORDS, english_outside_tokens};
use test_support::{ChildGuard, LoopbackBlock};

use super::{roundtrip_in_locale as roundtrip, run_in_locale as run, stderr};

/// Fails when `text` has English outside the protocol tokens and `extra` (command-line words).
fn assert_korean(text: &str, extra: &[&str]) {
    let mut allowed = PROTOCOL_WORDS.to_vec();
    allowed.extend_from_slice(extra);
    let english = english_outside_tokens(text, &allowed);
    assert!(
        english.is_empty(),
        "English outside the protocol tokens:\n{}\n--- the whole text ---\n{text}",
        english.join("\n")
    );
}

/// A server started with `args`, its stderr read line by line.
struct Server {
    child: ChildGuard,
    lines: std::io::Lines<BufReader<std::process::ChildStderr>>,
}

impl Server {
    fn start(args: &[&str]) -> Server {
        let mut child: Child = roundtrip(args, &[])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("roundtrip starts");
        let lines = BufReader::new(child.stderr.take().unwrap()).lines();
        Server {
            child: ChildGuard(child),
            lines,
        }
    }

    fn line(&mut self) -> String {
        match self.lines.next() {
            Some(Ok(line)) => line,
            other => panic!("no line from the server: {other:?}"),
        }
    }

    /// SIGTERM, then every line it says until it exits.
    fn stop(mut self) -> String {
        // SAFETY: kill on the pid of a child this test started and has not reaped.
        unsafe { libc::kill(self.child.0.id() as i32, libc::SIGTERM) };
        let rest: Vec<String> = self.lines.by_ref().map_while(Result::ok).collect();
        assert!(
            self.child.exited_within(Duration::from_secs(15)).is_some(),
            "did not stop on SIGTERM"
        );
        rest.join("\n")
    }
}

fn site_dir() -> String {
    let site = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../lab/site");
    site.canonicalize().unwrap().display().to_string()
}

#[test]
fn serve_web_says_where_it_serves_and_why_it_cannot_in_korean() {
    let block = LoopbackBlock::claim();
    let listen = block.addr(80, 8080);
    let site = site_dir();
    let web = |lang: &str| {
        let args = [
            "serve",
            "web",
            "--lang",
            lang,
            "--listen",
            &listen.to_string(),
            "--root",
            &site,
            "--workers",
            "1",
            "--access-log",
            "off",
        ];
        Server::start(&args)
    };
    let mut server = web("ko");
    let serving = server.line();
    assert_eq!(
        serving,
        format!("웹 서버가 {site} 아래의 파일을 제공하는 중입니다: http://{listen} (워커 1개)")
    );
    assert_korean(&serving, &[]);

    // The address is taken: this machine's matter, said in Korean with the system's number.
    let taken = run(
        &[
            "serve",
            "web",
            "--lang",
            "ko",
            "--listen",
            &listen.to_string(),
            "--root",
            &site,
        ],
        &[],
    );
    assert_eq!(taken.status.code(), Some(1));
    let said = stderr(&taken);
    assert!(
        said.starts_with(&format!(
            "roundtrip: TCP {listen}: 소켓을 바인드할 수 없습니다: 다른 소켓이 이미 쓰고 있는 주소입니다 (오류 번호 "
        )),
        "{said}"
    );
    assert_korean(&said, &[]);
    let taken = run(
        &[
            "serve",
            "web",
            "--lang",
            "en",
            "--listen",
            &listen.to_string(),
            "--root",
            &site,
        ],
        &[],
    );
    assert_eq!(
        stderr(&taken),
        format!("roundtrip: cannot bind TCP {listen}: Address already in use (os error 98)\n")
    );

    let stopping = server.stop();
    assert_eq!(stopping, "웹 서버를 종료하는 중입니다");

    // English, as it was.
    let mut server = web("en");
    assert_eq!(
        server.line(),
        format!("web: serving {site} on http://{listen} (1 worker)")
    );
    assert_eq!(server.stop(), "web: shutting down");

    // A usage mistake, in Korean: the flag stays as typed.
    let bad = run(
        &[
            "serve",
            "web",
            "--lang",
            "ko",
            "--listen",
            &listen.to_string(),
            "--root",
            &site,
        ]
        .into_iter()
        .chain(["--max-header-bytes", "10"])
        .collect::<Vec<_>>(),
        &[],
    );
    assert_eq!(bad.status.code(), Some(1));
    assert_eq!(
        stderr(&bad),
        "roundtrip: --max-header-bytes는 1024 이상이어야 합니다\n"
    );
    let bad = run(
        &[
            "serve",
            "web",
            "--lang",
            "ko",
            "--listen",
            &listen.to_string(),
            "--root",
            &site,
        ]
        .into_iter()
        .chain(["--header-timeout=-1"])
        .collect::<Vec<_>>(),
        &[],
    );
    assert_eq!(
        stderr(&bad),
        "roundtrip: --header-timeout -1: 0보다 큰 초 수여야 합니다\n"
    );
}

#[test]
fn serve_was_auth_and_resolver_speak_korean() {
    let block = LoopbackBlock::claim();
    let dir = std::env::temp_dir().join(format!("rt-serve-ko-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    let was: SocketAddr = block.addr(81, 8081);
    let db = format!("sqlite://{}", dir.join("was.db").display());
    let was_args = |lang: &'static str| {
        vec![
            "serve".to_owned(),
            "was".into(),
            "--lang".into(),
            lang.into(),
            "--listen".into(),
            was.to_string(),
            "--db".into(),
            db.clone(),
            "--log-level".into(),
            "error".into(),
        ]
    };
    let args = was_args("ko");
    let mut server = Server::start(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let serving = server.line();
    assert_eq!(
        serving,
        format!(
            "애플리케이션 서버(WAS)가 요청을 받는 중입니다: http://{was}, 데이터베이스 sqlite ({db})"
        )
    );
    assert_korean(&serving, &[]);
    assert_eq!(
        server.stop(),
        "종료하는 중입니다: 처리 중인 요청을 마저 끝냅니다"
    );
    let args = was_args("en");
    let mut server = Server::start(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(
        server.line(),
        format!("application server on http://{was} with sqlite ({db})")
    );
    assert_eq!(server.stop(), "stopping: finishing requests in flight");

    let zone = dir.join("example.test.zone");
    std::fs::write(
        &zone,
        "$ORIGIN example.test.\n$TTL 300\n\
         @ IN SOA ns1 hostmaster 1 3600 900 604800 300\n\
         @ IN NS ns1\nns1 IN A 192.0.2.1\n",
    )
    .unwrap();
    let auth = block.addr(2, 1053);
    let zone_arg = zone.display().to_string();
    let auth_args = |lang: &'static str| {
        [
            "serve",
            "auth",
            "--lang",
            lang,
            "--listen",
            &auth.to_string(),
            "--zone",
            &zone_arg,
        ]
        .map(str::to_owned)
    };
    let args = auth_args("ko");
    let mut server = Server::start(&args.each_ref().map(String::as_str));
    let loaded = server.line();
    let serving = server.line();
    assert!(
        loaded.starts_with("존 example.test.: 이름 ")
            && loaded.ends_with(&format!("개를 읽었습니다 (파일 {zone_arg})")),
        "{loaded}"
    );
    assert_eq!(
        serving,
        format!("권한 서버가 질의를 받는 중입니다: {auth} (UDP와 TCP)")
    );
    assert_korean(&format!("{loaded}\n{serving}"), &[]);
    drop(server);
    let args = auth_args("en");
    let mut server = Server::start(&args.each_ref().map(String::as_str));
    let loaded = server.line();
    assert!(
        loaded.starts_with(&format!("zone example.test. loaded from {zone_arg}: "))
            && loaded.ends_with(" names"),
        "{loaded}"
    );
    assert_eq!(server.line(), format!("serving on {auth} (UDP and TCP)"));
    drop(server);

    let resolver = block.addr(53, 1053);
    let mut server = Server::start(&[
        "serve",
        "resolver",
        "--lang",
        "ko",
        "--listen",
        &resolver.to_string(),
        "--upstream-port",
        "1053",
    ]);
    let serving = server.line();
    assert!(
        serving.starts_with(&format!(
            "리졸버가 질의를 받는 중입니다: {resolver} (UDP와 TCP). 루트 서버 "
        )),
        "{serving}"
    );
    assert_korean(&serving, &[]);
    drop(server);

    // A bad --allow is the user's mistake (exit 2), said in Korean around the value as typed.
    let bad = run(
        &[
            "serve",
            "resolver",
            "--lang",
            "ko",
            "--listen",
            &resolver.to_string(),
        ]
        .into_iter()
        .chain(["--allow", "10.0.0.0/99"])
        .collect::<Vec<_>>(),
        &[],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).starts_with("roundtrip: --allow 값이 잘못되었습니다: "),
        "{}",
        stderr(&bad)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// dig's usage errors: the user's mistake, said in Korean, with the usage line in Korean.
#[test]
fn dig_usage_and_transport_errors_in_korean() {
    // The options as typed and the command's own name stay as they are.
    let command_words = ["roundtrip", "dig", "AXFR", "IXFR"];
    for (args, korean, english) in [
        (
            vec!["x", "+nofoo=1"],
            "알 수 없는 옵션 '+nofoo=1'",
            "unknown option '+nofoo=1'",
        ),
        (
            vec!["x", "-t"],
            "옵션 '-t'에 값이 없습니다",
            "option '-t' needs a value",
        ),
        (
            vec!["x", "-p", "99999"],
            "잘못된 포트 '99999': 0~65535 사이의 숫자여야 합니다",
            "bad port '99999': expected a number 0-65535",
        ),
        (
            vec!["x", "@ns1.example.com"],
            "잘못된 서버 '@ns1.example.com': ",
            "bad server '@ns1.example.com': expected an IP address",
        ),
        (
            vec!["a..b"],
            "잘못된 이름 'a..b': 빈 레이블이 있습니다",
            "bad name 'a..b': empty label",
        ),
        (
            vec!["x", "+time=0"],
            "잘못된 값 '0' (+time): 0보다 큰 숫자여야 합니다",
            "bad value '0' for +time: expected a positive number",
        ),
        (
            vec!["x", "AXFR"],
            "영역 전송(AXFR, IXFR)은 아직 지원하지 않습니다",
            "zone transfers (AXFR, IXFR) are not supported yet",
        ),
    ] {
        let mut ko = vec!["dig", "--lang", "ko"];
        ko.extend(&args);
        let out = run(&ko, &[]);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let said = stderr(&out);
        assert!(
            said.starts_with(&format!("roundtrip: dig: {korean}")),
            "{args:?}: {said}"
        );
        assert!(
            said.contains("(사용법: roundtrip dig 이름 [타입] [@서버[:포트]]"),
            "{said}"
        );
        let typed: Vec<&str> = args.clone();
        let mut allowed = command_words.to_vec();
        allowed.extend(
            typed
                .iter()
                .filter(|w| w.chars().all(|c| c.is_ascii_alphabetic())),
        );
        assert_korean(&said, &allowed);

        let mut en = vec!["dig", "--lang", "en"];
        en.extend(&args);
        let said = stderr(&run(&en, &[]));
        assert!(
            said.starts_with(&format!("roundtrip: dig: {english}")),
            "{args:?}: {said}"
        );
        assert!(
            said.trim_end().ends_with(
                "(usage: roundtrip dig NAME [TYPE] [@SERVER[:PORT]] [-p PORT] [+tcp] [+norec] \
                 [+short] [+time=SECS] [+tries=N] [--json])"
            ),
            "{said}"
        );
    }

    // Nothing listens: the server's side, in Korean.
    let block = LoopbackBlock::claim();
    let silent = block.addr(9, 1053);
    let out = run(
        &[
            "dig",
            "--lang",
            "ko",
            &format!("@{silent}"),
            "example.test",
            "+tries=2",
            "+time=1",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!("roundtrip: 질의를 2번 보냈지만 응답이 없습니다: {silent} (연결 거부)\n")
    );
    let out = run(
        &[
            "dig",
            "--lang",
            "ko",
            &format!("@{silent}"),
            "example.test",
            "+tcp",
            "+tries=1",
        ],
        &[],
    );
    assert_eq!(
        stderr(&out),
        format!("roundtrip: TCP로 질의를 1번 보냈지만 응답이 없습니다: {silent} (연결 거부)\n")
    );
}

/// LANGUAGE, as GNU gettext reads it: a priority list before LC_ALL / LC_MESSAGES / LANG,
/// ignored when the locale is C or POSIX (and so when none is set); `--lang` first of all.
#[test]
fn language_is_read_as_gettext_reads_it() {
    let said = |env: &[(&str, &str)], flag: Option<&str>| {
        let mut args = vec!["dig"];
        if let Some(flag) = flag {
            args.extend(["--lang", flag]);
        }
        args.extend(["x", "-t"]);
        let out = run(&args, env);
        assert_eq!(out.status.code(), Some(2));
        if stderr(&out).contains("사용법") {
            "ko"
        } else {
            assert!(stderr(&out).contains("usage"), "{}", stderr(&out));
            "en"
        }
    };
    let en_us = ("LANG", "en_US.UTF-8");
    assert_eq!(said(&[("LANGUAGE", "ko"), en_us], None), "ko");
    assert_eq!(said(&[("LANGUAGE", "fr:ko_KR:en"), en_us], None), "ko");
    assert_eq!(
        said(&[("LANGUAGE", "en:ko"), ("LANG", "ko_KR.UTF-8")], None),
        "en"
    );
    assert_eq!(
        said(&[("LANGUAGE", "ko"), ("LC_ALL", "en_US.UTF-8")], None),
        "ko",
        "LANGUAGE before LC_ALL"
    );
    assert_eq!(
        said(
            &[("LANGUAGE", "ko"), ("LC_ALL", "C"), ("LANG", "en_US.UTF-8")],
            None
        ),
        "en",
        "ignored in the C locale"
    );
    assert_eq!(
        said(&[("LANGUAGE", "ko"), ("LANG", "POSIX")], None),
        "en",
        "ignored in the POSIX locale"
    );
    assert_eq!(said(&[("LANGUAGE", "ko")], None), "en", "no locale is C");
    assert_eq!(
        said(&[("LANGUAGE", "fr:de"), ("LANG", "ko_KR.UTF-8")], None),
        "en",
        "none of ours: gettext's untranslated English"
    );
    assert_eq!(
        said(&[("LANGUAGE", "ko"), ("LANG", "ko_KR.UTF-8")], Some("en")),
        "en",
        "--lang wins"
    );
    assert_eq!(said(&[("LANG", "ko_KR.UTF-8")], None), "ko");
}
