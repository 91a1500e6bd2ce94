//! The command line's words in both languages: every help text of the tree is in both
//! catalogues (the English one word for word the doc comment), every command's help in Korean is
//! Korean and laid out as the English, and every kind of usage error reads in Korean and, through
//! the same catalogue, exactly as clap says it in English.

use std::collections::BTreeSet;
use std::ffi::OsString;

use clap::ArgAction;
use test_support::korean::{PROTOCOL_WORDS, english_outside_tokens};

use super::*;
use crate::Cli;

/// Every (id, English text) the help of the tree says, clap's own `help` and `-h/--help` too:
/// what the catalogues must hold.
fn entries(cmd: &Command, path: &mut Vec<String>, out: &mut Vec<(String, String)>) {
    if let Some(about) = cmd.get_about() {
        out.push((about_id(path), about.to_string()));
    }
    if let Some(after) = cmd.get_after_help() {
        out.push((after_help_id(path), after.to_string()));
    }
    for arg in cmd.get_arguments() {
        if let Some(help) = arg.get_help() {
            out.push((help_id(path, arg.get_id().as_str()), help.to_string()));
        }
    }
    for sub in cmd.get_subcommands() {
        path.push(sub.get_name().to_owned());
        entries(sub, path, out);
        path.pop();
    }
}

/// The English tree as clap builds it: with its own -h/--help, -V/--version and `help`s.
fn english_tree() -> Command {
    let mut cmd = Cli::command();
    cmd.build();
    cmd
}

#[test]
fn every_help_text_of_the_tree_is_in_both_catalogues_the_english_word_for_word() {
    let mut found = Vec::new();
    entries(&english_tree(), &mut Vec::new(), &mut found);
    assert!(found.len() > 90, "only {} texts", found.len());
    let mut problems = Vec::new();
    for (id, english) in &found {
        for lang in Lang::ALL {
            if !text::has(lang, id) {
                problems.push(format!("{id}: not in {lang}.ftl (English: {english})"));
            }
        }
        let catalogue = text::text(Lang::En, id, &[]);
        if text::has(Lang::En, id) && catalogue != *english {
            problems.push(format!(
                "{id}: en.ftl says\n    {catalogue}\n  the doc comment says\n    {english}"
            ));
        }
    }
    // And the catalogues hold no help the tree does not have (a flag removed, a command renamed).
    let ids: BTreeSet<&str> = found.iter().map(|(id, _)| id.as_str()).collect();
    for line in text::EN_FTL.lines() {
        let Some((id, _)) = line.split_once(" =") else {
            continue;
        };
        let generated = ["cli-about", "cli-help-", "cli-after-help-"];
        if generated.iter().any(|prefix| id.starts_with(prefix)) && !ids.contains(id) {
            problems.push(format!("{id}: in the catalogues, not in the command tree"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every command's path in the tree that a person can ask the help of, `help` subcommands
/// included (not the copies of the tree a `help` holds to list them).
fn paths(cmd: &Command, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(path.clone());
    if path.last().is_some_and(|name| name == "help") {
        return;
    }
    for sub in cmd.get_subcommands() {
        path.push(sub.get_name().to_owned());
        paths(sub, path, out);
        path.pop();
    }
}

/// The help `args` ask for, in `lang`, as the user sees it.
fn help_of(args: &[String], lang: Lang) -> String {
    let args: Vec<OsString> = std::iter::once("roundtrip".into())
        .chain(args.iter().map(OsString::from))
        .collect();
    match parse::<Cli>(args.clone(), lang) {
        Ok(_) => panic!("{args:?} parsed"),
        Err(err) => {
            assert_eq!(err.kind(), ErrorKind::DisplayHelp, "{args:?}: {err}");
            assert!(!err.use_stderr());
            err.to_string()
        }
    }
}

/// What may stand in Korean text as it is: protocol tokens, and the command line's own words
/// (command names, long flags, value names, default values) as a person types them.
fn command_line_words(cmd: &Command, out: &mut BTreeSet<String>) {
    out.insert(cmd.get_name().to_owned());
    for arg in cmd.get_arguments() {
        out.extend(arg.get_long().map(str::to_owned));
        out.extend(
            arg.get_value_names()
                .unwrap_or_default()
                .iter()
                .map(ToString::to_string),
        );
        out.extend(
            arg.get_default_values()
                .iter()
                .map(|value| value.to_string_lossy().into_owned()),
        );
    }
    for sub in cmd.get_subcommands() {
        command_line_words(sub, out);
    }
}

/// The values the flags' helps name as a person types them (`--log-level`, `--access-log`).
const FLAG_VALUES: &[&str] = &["error", "warn", "info", "debug", "trace", "off", "stderr"];

fn assert_korean(text: &str, extra: &[&str]) {
    let mut words = BTreeSet::new();
    command_line_words(&english_tree(), &mut words);
    let mut allowed: Vec<&str> = PROTOCOL_WORDS.to_vec();
    allowed.extend(words.iter().map(String::as_str));
    allowed.extend_from_slice(FLAG_VALUES);
    allowed.extend_from_slice(extra);
    let english = english_outside_tokens(text, &allowed);
    assert!(
        english.is_empty(),
        "English outside the protocol tokens:\n{}\n--- the whole text ---\n{text}",
        english.join("\n")
    );
}

/// The usage line and the rows of a help (each argument's or command's names, up to the gap
/// before what it does), line by line: what must be the same in both languages.
fn skeleton(help: &str) -> Vec<&str> {
    help.lines()
        .map(|line| {
            if let Some(usage) = line
                .strip_prefix("Usage: ")
                .or_else(|| line.strip_prefix("사용법: "))
            {
                return usage;
            }
            let text = line.trim_start();
            match line.len() - text.len() {
                // A row; what it does comes after two spaces, or on the next line, further in.
                1..=6 => text.split("  ").next().unwrap_or_default(),
                _ => "",
            }
        })
        .collect()
}

#[test]
fn the_help_of_every_command_is_korean_in_korean_and_clap_s_own_in_english() {
    let mut all = Vec::new();
    paths(&english_tree(), &mut Vec::new(), &mut all);
    assert!(all.len() > 15, "{all:?}");
    for path in all {
        let asks: Vec<Vec<String>> = if path.last().is_some_and(|name| name == "help") {
            // A `help` has no --help of its own: `help help` shows it.
            vec![[path.clone(), vec!["help".into()]].concat()]
        } else {
            ["--help", "-h"]
                .iter()
                .map(|flag| [path.clone(), vec![(*flag).into()]].concat())
                .chain(
                    // `roundtrip help serve web`, `roundtrip lab help up`: the long help.
                    (!path.is_empty()).then(|| {
                        let (last, parent) = path.split_last().unwrap();
                        [parent.to_vec(), vec!["help".into(), last.clone()]].concat()
                    }),
                )
                .collect()
        };
        for ask in asks {
            let korean = help_of(&ask, Lang::Ko);
            assert_korean(&korean, &[]);
            for heading in ["사용법: roundtrip", "옵션:"] {
                assert!(
                    korean.contains(heading) || path.last().is_some_and(|n| n == "help"),
                    "{ask:?}: no {heading}\n{korean}"
                );
            }
            // English is clap's own rendering of the derive's tree, untouched.
            let english = help_of(&ask, Lang::En);
            let args = std::iter::once("roundtrip".to_owned()).chain(ask.iter().cloned());
            let clap = Cli::command().try_get_matches_from(args).unwrap_err();
            assert_eq!(english, clap.to_string(), "{ask:?}");
            // The same lines, flags and placeholders in both (not for `help help`, which lists
            // the commands in Korean: clap's built tree lists them in its `help`).
            if path.last().is_none_or(|name| name != "help") {
                assert_eq!(skeleton(&korean), skeleton(&english), "{ask:?}\n{korean}");
            }
        }
    }
}

#[test]
fn defaults_are_said_in_korean_after_the_help() {
    let korean = help_of(&["tour".into(), "--help".into()], Lang::Ko);
    assert!(
        korean.contains("두 번째 방문에서 캐시가 일하는 모습이 보입니다 [기본값: 1]"),
        "{korean}"
    );
    assert!(korean.contains("[기본값: TIME_WAIT]"), "{korean}");
    assert!(!korean.contains("[default:"), "{korean}");
    let english = help_of(&["tour".into(), "--help".into()], Lang::En);
    assert!(english.contains("[default: TIME_WAIT]"), "{english}");
}

// ---- the errors ----

/// `line`'s error from the tree in `lang` (`None`: it parsed).
fn error_of(line: &[&str], lang: Lang) -> clap::Error {
    let args: Vec<OsString> = std::iter::once("roundtrip")
        .chain(line.iter().copied())
        .map(OsString::from)
        .collect();
    match parse::<Cli>(args, lang) {
        Ok(_) => panic!("{line:?} parsed"),
        Err(err) => err,
    }
}

/// `err` in English through the catalogue must be clap's own words; in Korean, Korean.
fn check_both_ways(
    what: &str,
    english: &clap::Error,
    korean: &clap::Error,
    typed: &[&str],
) -> String {
    let ours = render(english, Lang::En, &Styles::default()).to_string();
    assert_eq!(
        ours,
        english.to_string(),
        "{what}: English through the catalogue"
    );
    let said = render(korean, Lang::Ko, &Styles::default()).to_string();
    assert!(said.starts_with("오류: "), "{what}: {said}");
    assert!(
        said.ends_with("자세한 내용은 '--help'로 확인하세요.\n"),
        "{what}: {said}"
    );
    let mut allowed: Vec<&str> = typed.to_vec();
    allowed.push("roundtrip");
    assert_korean(&said, &allowed);
    assert!(english.use_stderr() && korean.use_stderr(), "{what}");
    said
}

#[test]
fn every_usage_error_of_the_tree_reads_in_korean_and_as_clap_s_in_english() {
    let cases: &[(&[&str], ErrorKind, &[&str], &str)] = &[
        (
            &["tour", "--bogus"],
            ErrorKind::UnknownArgument,
            &["bogus"],
            "'--bogus' 자체를 값으로 넘기려면 '-- --bogus'처럼 쓰세요",
        ),
        (
            &["tour", "--jsn"],
            ErrorKind::UnknownArgument,
            &["jsn"],
            "비슷한 인자가 있습니다: '--json'",
        ),
        (
            &["--json", "tour"],
            ErrorKind::UnknownArgument,
            &[],
            "'tour --json'처럼 쓸 수 있습니다",
        ),
        (
            &["tuor"],
            ErrorKind::InvalidSubcommand,
            &["tuor"],
            "비슷한 명령이 있습니다: 'tour'",
        ),
        (
            &["help", "nope"],
            ErrorKind::InvalidSubcommand,
            &["nope"],
            "알 수 없는 명령입니다: 'nope'",
        ),
        (
            &["lab", "exec"],
            ErrorKind::MissingRequiredArgument,
            &[],
            "꼭 필요한 인자가 빠졌습니다:\n  <COMMAND>...",
        ),
        (
            &["--lang", "ko"],
            ErrorKind::MissingSubcommand,
            &[],
            "'roundtrip'에는 하위 명령이 필요한데 주어지지 않았습니다\n  [하위 명령: tour, zone, lab, serve, dig, get, help]",
        ),
        (
            &["tour", "--html="],
            ErrorKind::InvalidValue,
            &[],
            "'--html <HTML>'에 값이 필요한데 주어지지 않았습니다",
        ),
        (
            &["tour", "--visits="],
            ErrorKind::ValueValidation,
            &[],
            "'' 값은 '--visits <VISITS>'에 쓸 수 없습니다: 값이 비어 있습니다",
        ),
        (
            &["get", "-v", "-s", "http://x/"],
            ErrorKind::ArgumentConflict,
            &[],
            "'--verbose' 인자는 '--silent' 인자와 함께 쓸 수 없습니다",
        ),
        (
            &["dig", "--json=1", "x", "--lang", "ko"],
            ErrorKind::TooManyValues,
            &[],
            "'--json'에는 값이 더 올 수 없는데 '1' 값이 더 있습니다",
        ),
        (
            &["tour", "--visits", "x"],
            ErrorKind::ValueValidation,
            &[],
            "'x' 값은 '--visits <VISITS>'에 쓸 수 없습니다: 숫자가 아닙니다",
        ),
        (
            &["tour", "--visits", "99999999999999999999999"],
            ErrorKind::ValueValidation,
            &[],
            "수가 너무 큽니다",
        ),
        (
            &["lab", "up", "--dns-port", "70000"],
            ErrorKind::ValueValidation,
            &[],
            "'70000' 값은 '--dns-port <DNS_PORT>'에 쓸 수 없습니다: 0~65535 범위를 벗어납니다",
        ),
        (
            &["serve", "web", "--listen", "1.2.3.4", "--root", "/"],
            ErrorKind::ValueValidation,
            &[],
            "주소와 포트가 아닙니다 (예: 127.0.0.1:8080, [::1]:8080)",
        ),
        (
            &["get", "--bind", "1.2.3", "http://x/"],
            ErrorKind::ValueValidation,
            &[],
            "IP 주소가 아닙니다",
        ),
        (
            &["get", "--max-time", "soon", "http://x/"],
            ErrorKind::ValueValidation,
            &["soon"],
            "숫자가 아닙니다",
        ),
        (
            &[
                "serve",
                "was",
                "--listen",
                "127.0.0.1:1",
                "--log-level",
                "loud",
            ],
            ErrorKind::ValueValidation,
            &["loud"],
            "로그 수준이 아닙니다",
        ),
        (
            &["tour", "--fault", "boom"],
            ErrorKind::ValueValidation,
            &["boom"],
            "알 수 없는 장애 \"boom\": 다음 가운데 하나를 쓰세요: root-down, nxdomain, was-down, was-slow, db-down, loss, cert-expired, cert-wrong-name",
        ),
        (
            &["tour", "--lang", "de"],
            ErrorKind::ValueValidation,
            &["de"],
            "알 수 없는 언어 \"de\": en 또는 ko를 쓰세요",
        ),
    ];
    for (line, kind, typed, korean_says) in cases {
        let what = line.join(" ");
        let english = error_of(line, Lang::En);
        let korean = error_of(line, Lang::Ko);
        assert_eq!(english.kind(), *kind, "{what}: {english}");
        assert_eq!(korean.kind(), *kind, "{what}");
        let rendered = check_both_ways(&what, &english, &korean, typed);
        // What the program prints is this rendering.
        let said = korean.apply::<Catalogue>().to_string();
        assert_eq!(said, rendered);
        assert!(said.contains(korean_says), "{what}:\n{said}");
    }
}

#[test]
fn the_usage_line_of_an_error_has_its_heading_in_korean() {
    let said = error_of(&["tour", "--bogus"], Lang::Ko)
        .apply::<Catalogue>()
        .to_string();
    assert_eq!(
        said,
        "오류: 알 수 없는 인자입니다: '--bogus'\n\n  \
         힌트: '--bogus' 자체를 값으로 넘기려면 '-- --bogus'처럼 쓰세요\n\n\
         사용법: roundtrip tour [OPTIONS] [URL]\n\n\
         자세한 내용은 '--help'로 확인하세요.\n"
    );
}

/// The kinds our own tree cannot give (no `require_equals`, no `num_args` ranges, no argument
/// given twice that may not be) on a small command of their own: the formatter must know them
/// all the same.
#[test]
fn the_kinds_our_tree_cannot_give_read_in_korean_too() {
    let cmd = || {
        Command::new("roundtrip")
            .arg(Arg::new("eq").long("eq").require_equals(true))
            .arg(Arg::new("two").long("two").num_args(2))
            .arg(Arg::new("few").long("few").num_args(3..=4))
            .arg(
                Arg::new("once")
                    .long("once")
                    .action(ArgAction::Set)
                    .conflicts_with_all(["eq", "two"]),
            )
            .arg(Arg::new("pos").num_args(1))
            .arg(Arg::new("x").short('x').action(ArgAction::SetTrue))
            .arg(
                Arg::new("y")
                    .short('y')
                    .action(ArgAction::SetTrue)
                    .conflicts_with("x"),
            )
            .args_override_self(false)
            .subcommand(Command::new("sub"))
            .args_conflicts_with_subcommands(true)
    };
    let cases: &[(&[&str], ErrorKind, &[&str])] = &[
        (&["--eq", "v"], ErrorKind::NoEquals, &[]),
        (&["--two", "a"], ErrorKind::WrongNumberOfValues, &[]),
        (&["--few", "a"], ErrorKind::TooFewValues, &[]),
        (&["a", "b"], ErrorKind::ArgumentConflict, &["b"]),
        (
            &["--once", "a", "--once", "b"],
            ErrorKind::ArgumentConflict,
            &[],
        ),
        (
            &["--once", "a", "--eq=v", "--two", "a", "b"],
            ErrorKind::ArgumentConflict,
            &[],
        ),
        (&["-x", "-y"], ErrorKind::ArgumentConflict, &[]),
    ];
    for (line, kind, typed) in cases {
        let what = line.join(" ");
        let args = std::iter::once("roundtrip").chain(line.iter().copied());
        let err = cmd().try_get_matches_from(args.clone()).unwrap_err();
        assert_eq!(err.kind(), *kind, "{what}: {err}");
        let mut allowed = typed.to_vec();
        allowed.extend([
            "eq", "two", "few", "once", "pos", "sub", "EQ", "TWO", "FEW", "ONCE", "POS",
        ]);
        check_both_ways(&what, &err, &err, &allowed);
    }
    // A value that is not UTF-8.
    use std::os::unix::ffi::OsStringExt;
    let err = Command::new("roundtrip")
        .arg(Arg::new("pos"))
        .try_get_matches_from([OsString::from("roundtrip"), OsString::from_vec(vec![0xff])])
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidUtf8);
    check_both_ways("not UTF-8", &err, &err, &[]);
}

#[test]
fn the_help_and_the_version_are_not_errors_and_print_to_stdout() {
    for lang in Lang::ALL {
        let err = error_of(&["-V"], lang);
        assert_eq!(err.kind(), ErrorKind::DisplayVersion);
        assert!(!err.use_stderr());
        assert_eq!(err.apply::<Catalogue>().to_string(), "roundtrip 0.0.0\n");
    }
}
