use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use fluent_syntax::ast;

use super::*;

// ---- choosing the language ----

#[test]
fn the_flag_wins_over_the_environment() {
    assert_eq!(
        Lang::select(Some(Lang::En), None, Some("ko_KR.UTF-8"), None, None),
        Lang::En
    );
    assert_eq!(
        Lang::select(Some(Lang::Ko), None, None, None, Some("C")),
        Lang::Ko
    );
}

#[test]
fn lc_all_then_lc_messages_then_lang_decide() {
    let ko = Some("ko_KR.UTF-8");
    let en = Some("en_US.UTF-8");
    assert_eq!(Lang::select(None, None, ko, en, en), Lang::Ko);
    assert_eq!(Lang::select(None, None, en, ko, ko), Lang::En);
    assert_eq!(Lang::select(None, None, None, ko, en), Lang::Ko);
    assert_eq!(Lang::select(None, None, None, None, ko), Lang::Ko);
    // An empty variable counts as unset, as in C's setlocale.
    assert_eq!(Lang::select(None, None, Some(""), Some(""), ko), Lang::Ko);
}

#[test]
fn language_comes_first_as_in_gnu_gettext_unless_the_locale_is_c() {
    let ko_kr = Some("ko_KR.UTF-8");
    let en_us = Some("en_US.UTF-8");
    // A priority list: the first language we have a catalogue for wins.
    assert_eq!(
        Lang::select(None, Some("ko:en"), None, None, en_us),
        Lang::Ko
    );
    assert_eq!(
        Lang::select(None, Some("en:ko"), None, None, ko_kr),
        Lang::En
    );
    assert_eq!(
        Lang::select(None, Some("fr:de:ko_KR"), None, None, en_us),
        Lang::Ko
    );
    assert_eq!(
        Lang::select(None, Some(":ko:"), None, None, en_us),
        Lang::Ko
    );
    // Before LC_ALL and LC_MESSAGES too: they only decide whether LANGUAGE is read.
    assert_eq!(
        Lang::select(None, Some("ko"), en_us, en_us, en_us),
        Lang::Ko
    );
    assert_eq!(Lang::select(None, Some("en"), ko_kr, None, None), Lang::En);
    // A list naming none of ours gives gettext's untranslated text: English, not the locale.
    assert_eq!(
        Lang::select(None, Some("fr:de"), None, None, ko_kr),
        Lang::En
    );
    // Ignored in the C locale: set to C or POSIX, or nothing set at all (C by default).
    for c in ["C", "POSIX"] {
        assert_eq!(
            Lang::select(None, Some("ko"), Some(c), None, None),
            Lang::En,
            "{c}"
        );
        assert_eq!(
            Lang::select(None, Some("ko"), None, None, Some(c)),
            Lang::En,
            "{c}"
        );
    }
    assert_eq!(Lang::select(None, Some("ko"), None, None, None), Lang::En);
    assert_eq!(
        Lang::select(None, Some("ko"), Some(""), None, None),
        Lang::En
    );
    // C.UTF-8 is not "C": gettext reads LANGUAGE there.
    assert_eq!(
        Lang::select(None, Some("ko"), Some("C.UTF-8"), None, None),
        Lang::Ko
    );
    // Empty LANGUAGE counts as unset.
    assert_eq!(Lang::select(None, Some(""), None, None, ko_kr), Lang::Ko);
    // --lang still wins over all of it.
    assert_eq!(
        Lang::select(Some(Lang::En), Some("ko"), None, None, ko_kr),
        Lang::En
    );
}

#[test]
fn english_is_the_default_and_unknown_locales_are_english() {
    assert_eq!(Lang::select(None, None, None, None, None), Lang::En);
    for locale in ["C", "POSIX", "C.UTF-8", "fr_FR.UTF-8", "kok_IN"] {
        assert_eq!(
            Lang::select(None, None, None, None, Some(locale)),
            Lang::En,
            "{locale}"
        );
    }
    for locale in [
        "ko",
        "ko_KR",
        "ko_KR.UTF-8",
        "ko_KR.utf8",
        "ko_KR.EUC-KR",
        "ko_KR@x",
    ] {
        assert_eq!(Lang::from_locale(locale), Lang::Ko, "{locale}");
    }
}

#[test]
fn lang_parses_its_codes() {
    assert_eq!("ko".parse::<Lang>(), Ok(Lang::Ko));
    assert_eq!("en".parse::<Lang>(), Ok(Lang::En));
    assert_eq!("KO".parse::<Lang>(), Ok(Lang::Ko));
    assert!("de".parse::<Lang>().is_err());
    assert_eq!(Lang::Ko.to_string(), "ko");
}

#[test]
fn an_operating_system_error_is_the_systems_words_in_english_and_korean_by_its_kind() {
    let in_use = std::io::Error::from_raw_os_error(libc_eaddrinuse());
    assert_eq!(io_error(Lang::En, &in_use), in_use.to_string());
    assert_eq!(
        io_error(Lang::Ko, &in_use),
        format!(
            "다른 소켓이 이미 쓰고 있는 주소입니다 (오류 번호 {})",
            libc_eaddrinuse()
        )
    );
    // An error a program made keeps its own words.
    let made = std::io::Error::other("query longer than 65535 octets");
    assert_eq!(io_error(Lang::Ko, &made), "query longer than 65535 octets");
}

/// EADDRINUSE on Linux.
fn libc_eaddrinuse() -> i32 {
    98
}

// ---- the catalogues ----

/// Each message of a catalogue with the variables it uses, after checking it parses cleanly
/// and has no id twice.
fn messages(name: &str, source: &str) -> BTreeMap<String, BTreeSet<String>> {
    let resource = match fluent_syntax::parser::parse(source) {
        Ok(resource) => resource,
        Err((_, errors)) => panic!("{name}: syntax errors: {errors:#?}"),
    };
    let mut out = BTreeMap::new();
    for entry in resource.body {
        match entry {
            ast::Entry::Message(message) => {
                let mut vars = BTreeSet::new();
                if let Some(value) = &message.value {
                    pattern_vars(value, &mut vars);
                }
                assert!(
                    message.value.is_some(),
                    "{name}: {} has no value",
                    message.id.name
                );
                let id = message.id.name.to_owned();
                assert!(out.insert(id.clone(), vars).is_none(), "{name}: {id} twice");
            }
            ast::Entry::Term(term) => panic!("{name}: terms are not used ({})", term.id.name),
            ast::Entry::Junk { content } => panic!("{name}: junk: {content}"),
            _ => {}
        }
    }
    out
}

fn pattern_vars(pattern: &ast::Pattern<&str>, vars: &mut BTreeSet<String>) {
    for element in &pattern.elements {
        if let ast::PatternElement::Placeable { expression } = element {
            expression_vars(expression, vars);
        }
    }
}

fn expression_vars(expression: &ast::Expression<&str>, vars: &mut BTreeSet<String>) {
    match expression {
        ast::Expression::Select { selector, variants } => {
            inline_vars(selector, vars);
            for variant in variants {
                pattern_vars(&variant.value, vars);
            }
        }
        ast::Expression::Inline(inline) => inline_vars(inline, vars),
    }
}

fn inline_vars(inline: &ast::InlineExpression<&str>, vars: &mut BTreeSet<String>) {
    match inline {
        ast::InlineExpression::VariableReference { id } => {
            vars.insert(id.name.to_owned());
        }
        ast::InlineExpression::FunctionReference { arguments, .. } => {
            for arg in &arguments.positional {
                inline_vars(arg, vars);
            }
            for arg in &arguments.named {
                inline_vars(&arg.value, vars);
            }
        }
        ast::InlineExpression::Placeable { expression } => expression_vars(expression, vars),
        _ => {}
    }
}

#[test]
fn both_catalogues_have_the_same_ids_with_the_same_variables() {
    let en = messages("en.ftl", EN_FTL);
    let ko = messages("ko.ftl", KO_FTL);
    let only_en: Vec<&String> = en.keys().filter(|id| !ko.contains_key(*id)).collect();
    let only_ko: Vec<&String> = ko.keys().filter(|id| !en.contains_key(*id)).collect();
    assert!(only_en.is_empty(), "missing from ko.ftl: {only_en:#?}");
    assert!(only_ko.is_empty(), "missing from en.ftl: {only_ko:#?}");
    let mut differ = Vec::new();
    for (id, vars) in &en {
        if &ko[id] != vars {
            differ.push(format!("{id}: en {vars:?}, ko {:?}", ko[id]));
        }
    }
    assert!(
        differ.is_empty(),
        "variables differ:\n{}",
        differ.join("\n")
    );
    assert!(en.len() > 50, "only {} messages", en.len());
}

#[test]
fn every_message_formats_without_error_in_both_languages() {
    for (lang, source) in [(Lang::En, EN_FTL), (Lang::Ko, KO_FTL)] {
        let bundle = &catalogues().bundles[lang.index()];
        for (id, vars) in messages(lang.code(), source) {
            let mut args = FluentArgs::new();
            for var in &vars {
                args.set(var.as_str(), FluentValue::from("x"));
            }
            let pattern = bundle.get_message(&id).and_then(|m| m.value()).unwrap();
            let mut errors = Vec::new();
            let text = bundle.format_pattern(pattern, Some(&args), &mut errors);
            assert!(errors.is_empty(), "{lang} {id}: {errors:?}");
            assert!(!text.trim().is_empty(), "{lang} {id} is empty");
        }
    }
}

/// A Korean message is Korean: it has Hangul in it, or it has no words at all outside its
/// variables (a pure layout such as `{ $from } -> { $to }`).
#[test]
fn every_korean_message_is_written_in_korean() {
    let bundle = &catalogues().bundles[Lang::Ko.index()];
    let mut english = Vec::new();
    for (id, vars) in messages("ko.ftl", KO_FTL) {
        let mut args = FluentArgs::new();
        for var in &vars {
            args.set(var.as_str(), FluentValue::from(""));
        }
        let pattern = bundle.get_message(&id).and_then(|m| m.value()).unwrap();
        let text = bundle.format_pattern(pattern, Some(&args), &mut Vec::new());
        let hangul = text.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c));
        let words = text
            .split(|c: char| !c.is_ascii_alphabetic())
            .filter(|w| w.len() > 1 && !PROTOCOL_WORDS.contains(w))
            .count();
        if !hangul && words > 0 {
            english.push(format!("{id}: {text}"));
        }
    }
    assert!(english.is_empty(), "not Korean:\n{}", english.join("\n"));
}

/// Words a Korean message may carry as they are: protocol tokens and names.
const PROTOCOL_WORDS: &[&str] = &["TCP", "IP", "UDP", "DNS", "HTTP", "TTL", "ms", "WAS"];

#[test]
fn a_lookup_never_panics() {
    assert_eq!(
        text(Lang::Ko, "no-such-message-id", &[]),
        "no-such-message-id"
    );
    // A missing variable shows as itself, in either language.
    let id = "lang-unknown";
    assert!(text(Lang::En, id, &[]).contains("{$value}"));
}

#[test]
fn the_macro_formats_variables_and_numbers() {
    let en = t!(Lang::En, "lang-unknown", value = "de");
    assert!(en.contains("\"de\""), "{en}");
    let ko = t!(Lang::Ko, "lang-unknown", value = "de");
    assert!(ko.contains("\"de\""), "{ko}");
    assert_ne!(en, ko);
}

// ---- every use of a message in the workspace ----

/// Every `t!(lang, "id", a = .., b = ..)` in the workspace's sources names a message of the
/// catalogues and passes exactly that message's variables.
#[test]
fn every_t_in_the_workspace_names_a_message_with_its_variables() {
    let en = messages("en.ftl", EN_FTL);
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    rust_files(&crates, &mut files);
    let mut problems = Vec::new();
    let mut uses = 0;
    let mut used = BTreeSet::new();
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap();
        for (id, names) in t_calls(&source) {
            uses += 1;
            used.insert(id.clone());
            match en.get(&id) {
                None => problems.push(format!("{}: no message {id}", file.display())),
                Some(vars) if *vars != names => problems.push(format!(
                    "{}: {id} is given {names:?}, uses {vars:?}",
                    file.display()
                )),
                Some(_) => {}
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(uses > 50, "only {uses} uses of t! found");
    // And no message is left that nothing says.
    let unused: Vec<&String> = en
        .keys()
        .filter(|id| !used.contains(*id) && !DYNAMIC_IDS.iter().any(|p| id.starts_with(p)))
        .collect();
    assert!(unused.is_empty(), "messages no code uses: {unused:#?}");
}

/// Messages looked up by a computed id, by prefix: the step titles (`STEP_*` in the tour's
/// story, translated once the lines are in); the command line's help, by the command's path and
/// the argument's id (the cli crate's tests walk its command tree: each of its ids is in the
/// catalogues, and each of these ids is one of the tree's).
const DYNAMIC_IDS: &[&str] = &[
    "lang-unknown",
    "step-",
    "cli-about",
    "cli-help-",
    "cli-after-help-",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() && name != "target" && name != "locales" {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The id and variable names of each `t!(` call in `source` (this file's own examples too).
fn t_calls(source: &str) -> Vec<(String, BTreeSet<String>)> {
    // Comments may show the macro with a made-up id.
    let code: String = source
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .map(|line| format!("{line}\n"))
        .collect();
    let mut out = Vec::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("t!(") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + 3..];
        // `t!(` only, not `assert!(` or `print!(`.
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let Some(args) = call_arguments(rest) else {
            continue;
        };
        let mut parts = args.into_iter();
        let _lang = parts.next();
        let Some(id) = parts.next() else { continue };
        let id = id.trim();
        if !(id.starts_with('"') && id.ends_with('"')) {
            continue; // the macro's own definition
        }
        let names = parts
            .filter_map(|part| part.split_once('=').map(|(n, _)| n.trim().to_owned()))
            .collect();
        out.push((id.trim_matches('"').to_owned(), names));
    }
    out
}

/// The top-level comma-separated arguments of a call whose `(` was just read.
fn call_arguments(text: &str) -> Option<Vec<String>> {
    let mut depth = 0;
    let mut parts = vec![String::new()];
    let mut chars = text.chars();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            parts.last_mut()?.push(c);
            if c == '\\' {
                parts.last_mut()?.push(chars.next()?);
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' if depth == 0 => {
                return Some(parts.into_iter().filter(|p| !p.trim().is_empty()).collect());
            }
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(String::new());
                continue;
            }
            _ => {}
        }
        parts.last_mut()?.push(c);
    }
    None
}
