//! The command line's own words in the chosen language (issue 11), from the binary: clap's help
//! and usage errors (exit 0 and 2, stdout and stderr as in English), `--lang` read before parsing
//! (wherever it is, dig's words too, or from the environment), and the reasons other crates'
//! parsers give (TOML, PEM, URLs, database URLs, the system's) inside a Korean sentence, with
//! file:line:column where there is one and a parser's free text quoted and attributed.
//! (`usage::tests` in the binary walks the whole command tree; these check the wiring.)

use std::path::Path;

use test_support::tls::{TestCerts, arg};

use super::{run_in_locale as run, stderr, stdout};

/// The command line's own words, as a person types them: they stay English in Korean text.
#[rustfmt::skip]
const COMMAND_WORDS: &[&str] = &[
    "roundtrip", "tour", "zone", "check", "lab", "up", "exec", "config", "serve", "auth", "web",
    "was", "get", "help", "lang", "json", "html", "pcap", "keylog", "visits", "fault", "search",
    "no-search", "tls-cert", "tls-key", "listen", "root", "proxy", "header-timeout",
    "max-header-bytes", "max-body-bytes", "upstream-timeout", "workers", "access-log", "db",
    "max-connections", "log-level", "error", "warn", "info", "debug", "off", "stderr", "FILE",
    "DATA", "ORIGIN", "print", "dns-port", "publish", "zones", "udp-workers", "no-packet-cache",
    "root-hints", "upstream-port", "allow", "no-qname-minimisation", "max-ttl", "cache-size",
    "bogus", "nope", "tuor", "version", "verbose", "silent", "request", "data", "fail",
];

/// Fails when `text` has English outside the protocol tokens and the command line's words;
/// what is inside double quotes (a parser's own words, attributed) is not looked at.
fn assert_korean(text: &str) {
    test_support::korean::assert_korean(text, COMMAND_WORDS);
}

#[test]
fn the_help_is_korean_wherever_the_language_comes_from() {
    let ko = [("LANG", "ko_KR.UTF-8")];
    // The command line, its environment, how its help begins.
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case] = &[
        (
            &["--lang", "ko", "--help"],
            &[],
            "웹 요청 하나가 실제로 거쳐 가는 여정 전체를 보여 줍니다",
        ),
        (
            &["tour", "--help"],
            &ko,
            "랩을 시작하고, 그 안에서 URL 하나를",
        ),
        (&["--lang", "ko", "help", "tour"], &[], "랩을 시작하고"),
        (&["lab", "help", "up"], &ko, "랩의 서버들을 시작하고"),
        (
            &["serve", "web", "-h", "--lang=ko"],
            &[],
            "웹 서버: 정적 파일",
        ),
        (
            &["dig", "--help"],
            &[("LANGUAGE", "ko"), ("LANG", "en_US.UTF-8")],
            "DNS 서버에 질문을 하나 보내고",
        ),
        (&["zone", "check", "--help"], &ko, "존 파일을 검사합니다"),
        (&["get", "--help"], &ko, "브라우저처럼 URL을 가져오고"),
    ];
    for (args, env, about) in cases {
        let out = run(args, env);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{args:?}");
        let help = stdout(&out);
        assert!(help.starts_with(about), "{args:?}:\n{help}");
        assert!(help.contains("\n사용법: roundtrip "), "{args:?}:\n{help}");
        assert!(help.contains("  -h, --help"), "{args:?}:\n{help}");
        assert!(help.contains("도움말을 출력합니다"), "{args:?}:\n{help}");
        assert_korean(&help);
    }
    // `get`'s words after the options, Korean too.
    let help = stdout(&run(&["get", "--help"], &ko));
    assert!(help.contains("\n종료 코드: 0 응답이 왔음"), "{help}");

    // English, as clap has always rendered it.
    let out = run(&["tour", "--help"], &[]);
    assert_eq!(out.status.code(), Some(0));
    let help = stdout(&out);
    assert!(
        help.starts_with(
            "Start the lab, browse a URL through it, and tell what really happened, step by \
             step\n\nUsage: roundtrip tour [OPTIONS] [URL]\n\nArguments:\n  [URL]  The URL to \
             browse"
        ),
        "{help}"
    );
    assert!(
        help.contains("[default: 1]\n") && help.ends_with("  -h, --help             Print help\n"),
        "{help}"
    );
    let help = stdout(&run(&["--help"], &[("LANG", "C")]));
    assert!(
        help.contains("  help   Print this message or the help of the given subcommand(s)\n"),
        "{help}"
    );
}

#[test]
fn usage_errors_exit_2_on_stderr_in_both_languages() {
    let cases: &[&[&str]] = &[
        &["tour", "--bogus"],
        &["tuor"],
        &["help", "nope"],
        &["lab", "exec"],
        &["get", "-v", "-s", "http://x/"],
        &["tour", "--visits", "x"],
        &["tour", "--html="],
        &["lab", "up", "--dns-port", "70000"],
        &["serve", "auth", "--listen", "nope", "--zone", "z"],
        // dig takes every word after its name, --lang among them: read before parsing.
        &["dig", "--json=1", "x", "--lang", "LANG"],
    ];
    for args in cases {
        for lang in ["ko", "en"] {
            let mut line: Vec<&str> = args
                .iter()
                .map(|w| if *w == "LANG" { lang } else { w })
                .collect();
            if !args.contains(&"LANG") {
                line.extend(["--lang", lang]);
            }
            let out = run(&line, &[]);
            assert_eq!(out.status.code(), Some(2), "{line:?}: {}", stderr(&out));
            assert_eq!(stdout(&out), "", "{line:?}");
            let said = stderr(&out);
            if lang == "ko" {
                assert!(said.starts_with("오류: "), "{line:?}:\n{said}");
                assert!(
                    said.ends_with("\n\n자세한 내용은 '--help'로 확인하세요.\n"),
                    "{said}"
                );
                assert_korean(&said);
            } else {
                assert!(said.starts_with("error: "), "{line:?}:\n{said}");
                assert!(
                    said.ends_with("\n\nFor more information, try '--help'.\n"),
                    "{said}"
                );
            }
        }
    }
    // The exact Korean of one, with its tip and its usage line.
    let out = run(&["tour", "--bogus"], &[("LANG", "ko_KR.UTF-8")]);
    assert_eq!(
        stderr(&out),
        "오류: 알 수 없는 인자입니다: '--bogus'\n\n  \
         힌트: '--bogus' 자체를 값으로 넘기려면 '-- --bogus'처럼 쓰세요\n\n\
         사용법: roundtrip tour [OPTIONS] [URL]\n\n\
         자세한 내용은 '--help'로 확인하세요.\n"
    );
    let out = run(&["tour", "--bogus"], &[]);
    assert_eq!(
        stderr(&out),
        "error: unexpected argument '--bogus' found\n\n  \
         tip: to pass '--bogus' as a value, use '-- --bogus'\n\n\
         Usage: roundtrip tour [OPTIONS] [URL]\n\n\
         For more information, try '--help'.\n"
    );
    // No command at all: the help, on stderr, exit 2.
    let out = run(&["--lang", "ko"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("오류: 'roundtrip'에는 하위 명령이 필요한데 주어지지 않았습니다"),
        "{}",
        stderr(&out)
    );
    let out = run(&[], &[("LANG", "ko_KR.UTF-8")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("웹 요청 하나가 실제로 거쳐 가는 여정 전체를 보여 줍니다"),
        "{}",
        stderr(&out)
    );
}

/// A scratch directory of this test's own.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("rt-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_config_s_toml_error_is_said_in_korean_at_its_line_and_column() {
    let dir = scratch("toml-ko");
    let lab = dir.join("lab.toml");
    std::fs::write(&lab, "[browser]\nadress = \"198.51.100.10\"\n").unwrap();
    let lab_arg = lab.display().to_string();
    for command in [&["tour"][..], &["lab", "up"]] {
        let mut args = command.to_vec();
        args.extend(["--lang", "ko", "--config", &lab_arg]);
        let out = run(&args, &[]);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let said = stderr(&out);
        assert!(
            said.starts_with(&format!(
                "roundtrip: 랩 설정이 잘못되었습니다: {lab_arg}:2:1: TOML 문법이나 이 설정 파일의 \
                 형식에 맞지 않습니다 (toml: \"unknown field `adress`, expected one of "
            )),
            "{said}"
        );
        assert_korean(&said);
    }
    // English, as before: toml's words after the key.
    let out = run(&["tour", "--config", &lab_arg], &[]);
    assert_eq!(
        stderr(&out),
        format!(
            "roundtrip: bad lab config: {lab_arg}:2: adress: unknown field `adress`, expected one \
             of `name`, `address`, `address6`\n"
        )
    );

    // The web server's config: a syntax error, at its column.
    let web = dir.join("web.toml");
    std::fs::write(&web, "workers = 1\nroot = \n").unwrap();
    let web_arg = web.display().to_string();
    let args = [
        "serve",
        "web",
        "--lang",
        "ko",
        "--listen",
        "127.0.0.1:1",
        "--root",
        "/tmp",
        "--config",
    ];
    let out = run(&[&args[..], &[&web_arg]].concat(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let said = stderr(&out);
    assert!(
        said.starts_with(&format!(
            "roundtrip: 설정 파일이 잘못되었습니다: {web_arg}:2:8: TOML 문법이나 이 설정 파일의 \
             형식에 맞지 않습니다 (toml: \""
        )),
        "{said}"
    );
    assert_korean(&said);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_system_s_errors_are_said_in_korean_by_their_kind() {
    let missing = "/nonexistent-roundtrip-dir/lab.toml";
    let out = run(&["lab", "up", "--lang", "ko", "--config", missing], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        format!(
            "roundtrip: 랩 설정이 잘못되었습니다: {missing} 파일을 읽을 수 없습니다: 그런 파일이나 \
             디렉터리가 없습니다 (오류 번호 2)\n"
        )
    );
    let out = run(&["lab", "up", "--config", missing], &[]);
    assert_eq!(
        stderr(&out),
        format!(
            "roundtrip: bad lab config: cannot read the file {missing}: No such file or directory \
             (os error 2)\n"
        )
    );
    let args = [
        "serve",
        "web",
        "--lang",
        "ko",
        "--listen",
        "127.0.0.1:1",
        "--root",
        "/tmp",
        "--tls-cert",
        missing,
        "--tls-key",
        missing,
    ];
    let out = run(&args, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "roundtrip: TLS 인증서나 키를 쓸 수 없습니다: {missing}: 그런 파일이나 디렉터리가 \
             없습니다 (오류 번호 2)\n"
        )
    );
}

#[test]
fn a_bad_key_or_certificate_is_said_in_korean_by_what_is_wrong() {
    let certs = TestCerts::new(&["www.google.com"]);
    let stray = certs.stray_key();
    let serve = |cert: &Path, key: &Path, lang: &str| {
        let (cert, key) = (arg(cert), arg(key));
        let args = [
            "serve",
            "web",
            "--lang",
            lang,
            "--listen",
            "127.0.0.1:1",
            "--root",
            "/tmp",
            "--tls-cert",
            &cert,
            "--tls-key",
            &key,
        ];
        let out = run(&args, &[]);
        assert_eq!(out.status.code(), Some(1));
        stderr(&out)
    };
    let cases = [
        (
            &certs.cert_pem,
            &stray,
            &stray,
            "개인 키가 인증서의 공개 키와 짝이 맞지 않습니다",
            "the private key does not match the certificate's public key",
        ),
        (
            &certs.cert_pem,
            &certs.cert_pem,
            &certs.cert_pem,
            "파일에 개인 키(BEGIN PRIVATE KEY)가 없습니다",
            "no private key (BEGIN PRIVATE KEY) in the file",
        ),
        (
            &certs.key_pem,
            &certs.key_pem,
            &certs.key_pem,
            "파일에 인증서(BEGIN CERTIFICATE)가 없습니다",
            "no certificate (BEGIN CERTIFICATE) in the file",
        ),
    ];
    for (cert, key, at_fault, korean, english) in cases {
        assert_eq!(
            serve(cert, key, "ko"),
            format!(
                "roundtrip: TLS 인증서나 키를 쓸 수 없습니다: {}: {korean}\n",
                at_fault.display()
            )
        );
        assert_eq!(
            serve(cert, key, "en"),
            format!("roundtrip: {}: {english}\n", at_fault.display())
        );
    }
    // A PEM file whose section never ends: the PEM reader's kind of error, the marker as it is.
    let broken = certs.dir.join("broken.pem");
    let pem = std::fs::read_to_string(&certs.key_pem).unwrap();
    let cut = pem.find("-----END").unwrap();
    std::fs::write(&broken, &pem[..cut]).unwrap();
    let said = serve(&certs.cert_pem, &broken, "ko");
    assert!(
        said.starts_with(&format!(
            "roundtrip: TLS 인증서나 키를 쓸 수 없습니다: {}: PEM 형식의 개인 키 파일이 \
             아닙니다: 구역을 끝내는 -----END PRIVATE KEY----- 줄이 없습니다\n",
            broken.display()
        )),
        "{said}"
    );
    assert_korean(&said);
}

#[test]
fn a_bad_url_or_database_url_or_origin_is_said_in_korean_by_what_is_wrong() {
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["get", "--no-cache", "http://[::1"],
            1,
            "roundtrip: get: http://[::1: 올바른 URL이 아닙니다(IPv6 주소가 올바르지 \
             않습니다). 입력한 URL을 확인하세요\n",
        ),
        (
            &["get", "--no-cache", "http://x:99999/"],
            1,
            "roundtrip: get: http://x:99999/: 올바른 URL이 아닙니다(포트 번호가 올바르지 \
             않습니다). 입력한 URL을 확인하세요\n",
        ),
        (
            &[
                "serve",
                "was",
                "--listen",
                "127.0.0.1:1",
                "--db",
                "mysql://x",
            ],
            2,
            "roundtrip: --db 값이 잘못되었습니다: 잘못된 데이터베이스 URL \"mysql://x\": \
             sqlite://FILE 또는 postgres://... 꼴이어야 합니다\n",
        ),
        (
            &[
                "serve",
                "was",
                "--listen",
                "127.0.0.1:1",
                "--db",
                "sqlite://",
            ],
            2,
            "roundtrip: --db 값이 잘못되었습니다: 잘못된 데이터베이스 URL \"sqlite://\": \
             SQLite URL에는 파일이 있어야 합니다: sqlite://FILE\n",
        ),
        (
            &["zone", "check", "a..b", "/dev/null"],
            2,
            "roundtrip: 잘못된 오리진 \"a..b\": 빈 레이블이 있습니다 (점 두 개가 연달아 있는 \
             경우 등)\n",
        ),
    ];
    for (args, code, said) in cases {
        let out = run(args, &[("LANG", "ko_KR.UTF-8")]);
        assert_eq!(out.status.code(), Some(*code), "{args:?}: {}", stderr(&out));
        assert_eq!(stderr(&out), *said, "{args:?}");
        assert_korean(said);
    }
    // English keeps the parsers' words.
    let out = run(&["get", "--no-cache", "http://[::1"], &[]);
    assert_eq!(
        stderr(&out),
        "roundtrip: get: http://[::1: not a valid URL (invalid IPv6 address): check the URL you \
         gave\n"
    );
}
