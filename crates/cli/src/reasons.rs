//! Why another crate's parser refused something, in the chosen language.
//!
//! A parser's error is shown inside one of our sentences (`roundtrip: 설정 파일이 잘못되었습니다:
//! ...`). Where the error is a finite classification (an `io::ErrorKind`, the variants of
//! `url::ParseError`, rustls's `Error` and `CertificateError`, a PEM error, a number that does not
//! parse), each class has its own message in the catalogues. Where a parser's message is free
//! text (toml's, sqlx's), it is not translated: the sentence around it is ours, in the language,
//! with the place it points at, and the parser's own words follow quoted and attributed
//! (`(toml: "...")`), as they are.
//!
//! English keeps each parser's own words, as before.

use std::error::Error;
use std::net::AddrParseError;
use std::num::{IntErrorKind, ParseFloatError, ParseIntError};

use text::{Lang, t};

/// Why clap's value parser refused `value` (the error clap kept as its source), in `lang`. In
/// English, the source's own words (clap's rendering, unchanged).
pub fn value(lang: Lang, value: &str, source: &(dyn Error + 'static)) -> String {
    if lang == Lang::En {
        return source.to_string();
    }
    if let Some(err) = source.downcast_ref::<text::UnknownLang>() {
        return err.describe(lang);
    }
    if let Some(err) = source.downcast_ref::<lab::tour::UnknownFault>() {
        return err.describe(lang);
    }
    if let Some(err) = source.downcast_ref::<ParseIntError>() {
        return match err.kind() {
            IntErrorKind::Empty => t!(lang, "value-empty"),
            IntErrorKind::PosOverflow => t!(lang, "value-too-large"),
            IntErrorKind::NegOverflow => t!(lang, "value-too-small"),
            _ => t!(lang, "value-not-a-number"),
        };
    }
    if source.downcast_ref::<ParseFloatError>().is_some() {
        return if value.trim().is_empty() {
            t!(lang, "value-empty")
        } else {
            t!(lang, "value-not-a-number")
        };
    }
    if let Some(err) = source.downcast_ref::<AddrParseError>() {
        // The standard library's kinds of address (its AddrKind is private; its messages name
        // them: "invalid IP address syntax", "invalid IPv4 socket address syntax", ...).
        return if err.to_string().contains("socket address") {
            t!(lang, "value-not-a-socket-address")
        } else {
            t!(lang, "value-not-an-ip-address")
        };
    }
    if source
        .downcast_ref::<tracing::metadata::ParseLevelError>()
        .is_some()
    {
        return t!(lang, "value-not-a-log-level");
    }
    // clap's own range check on integers: "70000 is not in 0..=65535".
    let said = source.to_string();
    if let Some((_, range)) = said.split_once(" is not in ")
        && let Some((min, max)) = range.split_once("..=")
    {
        return t!(lang, "value-out-of-range", min = min, max = max);
    }
    t!(lang, "value-other", detail = said)
}
