//! `text`: every sentence `roundtrip` says to a person, in English and in Korean.
//!
//! The sentences live in two message catalogues in Project Fluent's format, one per language:
//! `locales/en.ftl` and `locales/ko.ftl`, embedded in the binary at compile time. The flow this
//! project implements was first written in Korean (THE-FLOW.md), for Korean learners; the Korean
//! catalogue is written for them, in the seed's own terms. Protocol tokens (SYN, `A?`,
//! NXDOMAIN, `HTTP/1.1 200 OK`, header lines, SQL) are not in the catalogues: the code passes
//! them in as variables, as they were on the wire.
//!
//! A sentence enters at [`t!`] (or [`text`], the function behind it): `t!(lang, "id", name =
//! value, ...)` looks the message `id` up in `lang`'s catalogue and formats it with the named
//! variables. The language is chosen once per command by [`Lang::select`] (`--lang`, else
//! `LANGUAGE` / `LC_ALL` / `LC_MESSAGES` / `LANG` as GNU gettext reads them, else English) and
//! passed down.
//!
//! A lookup never panics. A message missing from a catalogue falls back to English, then to its
//! own id; a missing variable shows as `{$name}`. Neither can reach a user unnoticed: the tests
//! of this crate check that both catalogues hold the same ids with the same variables, that
//! every message formats without error, and that every `t!` in the workspace names an id that
//! exists, with exactly the message's variables.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// The English catalogue.
pub const EN_FTL: &str = include_str!("../locales/en.ftl");
/// The Korean catalogue.
pub const KO_FTL: &str = include_str!("../locales/ko.ftl");

/// A language `roundtrip` speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// English, the default.
    #[default]
    En,
    /// Korean (한국어).
    Ko,
}

impl Lang {
    /// Both languages, in catalogue order.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ko];

    /// The `--lang` code and the HTML `lang` attribute: `en` or `ko`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ko => "ko",
        }
    }

    /// The language a command speaks, as GNU gettext chooses the language of messages:
    /// 1. `--lang`, when given;
    /// 2. the locale of messages: the first set and non-empty of `LC_ALL`, `LC_MESSAGES`,
    ///    `LANG` (POSIX: the others are not looked at), `C` when none is;
    /// 3. unless that locale is `C` or `POSIX`, `LANGUAGE` comes before it: a colon-separated
    ///    priority list (`ko:en`), of which the first language we have a catalogue for wins;
    ///    when it names none of ours, English (gettext's untranslated text), not the locale;
    /// 4. otherwise the locale's language: Korean for `ko_KR.UTF-8`, English for anything we
    ///    have no catalogue for (`fr_FR.UTF-8`, `C`, `POSIX`).
    ///
    /// A pure function of its arguments, so that it can be tested without touching the
    /// process's environment; [`Lang::from_env`] passes the real values.
    pub fn select(
        flag: Option<Lang>,
        language: Option<&str>,
        lc_all: Option<&str>,
        lc_messages: Option<&str>,
        lang: Option<&str>,
    ) -> Lang {
        if let Some(flag) = flag {
            return flag;
        }
        let locale = [lc_all, lc_messages, lang]
            .into_iter()
            .flatten()
            .find(|value| !value.is_empty())
            .unwrap_or("C");
        // gettext ignores LANGUAGE in the C locale (POSIX's is the same locale): there the
        // output of a program is specified by POSIX and must not depend on it.
        if locale != "C"
            && locale != "POSIX"
            && let Some(list) = language.filter(|l| !l.is_empty())
        {
            return list
                .split(':')
                .filter(|entry| !entry.is_empty())
                .find_map(|entry| entry.parse::<Lang>().ok())
                .unwrap_or(Lang::En);
        }
        Lang::from_locale(locale)
    }

    /// [`Lang::select`] with the process's own `LANGUAGE`, `LC_ALL`, `LC_MESSAGES` and `LANG`.
    pub fn from_env(flag: Option<Lang>) -> Lang {
        let var = |name| std::env::var(name).ok();
        Lang::select(
            flag,
            var("LANGUAGE").as_deref(),
            var("LC_ALL").as_deref(),
            var("LC_MESSAGES").as_deref(),
            var("LANG").as_deref(),
        )
    }

    /// The language of a locale name such as `ko_KR.UTF-8`, `ko`, `en_US.utf8` or `C`:
    /// Korean when its language part is `ko`, English otherwise.
    pub fn from_locale(locale: &str) -> Lang {
        // language[_territory][.codeset][@modifier]
        let language = locale
            .split(['_', '.', '@', '-'])
            .next()
            .unwrap_or_default();
        if language.eq_ignore_ascii_case("ko") {
            Lang::Ko
        } else {
            Lang::En
        }
    }

    /// Its place in [`Lang::ALL`], for tables kept per language.
    pub fn index(self) -> usize {
        match self {
            Lang::En => 0,
            Lang::Ko => 1,
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Lang {
    type Err = UnknownLang;
    /// `en` or `ko` (a locale name such as `ko_KR.UTF-8` is accepted too).
    fn from_str(text: &str) -> Result<Lang, UnknownLang> {
        match text.split(['_', '.', '@', '-']).next().unwrap_or_default() {
            l if l.eq_ignore_ascii_case("en") => Ok(Lang::En),
            l if l.eq_ignore_ascii_case("ko") => Ok(Lang::Ko),
            _ => Err(UnknownLang(text.to_owned())),
        }
    }
}

/// A language we have no catalogue for, as typed (`--lang de`). `Display` is English, for clap's
/// own usage error; [`UnknownLang::describe`] says it in a language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownLang(pub String);

impl UnknownLang {
    /// The error in `lang`.
    pub fn describe(&self, lang: Lang) -> String {
        crate::t!(lang, "lang-unknown", value = self.0.as_str())
    }
}

impl fmt::Display for UnknownLang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown language {:?}: en or ko", self.0)
    }
}

impl std::error::Error for UnknownLang {}

/// A variable's value: text (passed through as it is) or a whole number (which a message may
/// select on, for plurals).
#[derive(Debug, Clone, PartialEq)]
pub enum Arg<'a> {
    /// Text, shown as it is: a host name, a record, a duration already formatted.
    Text(Cow<'a, str>),
    /// A count.
    Number(i64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(text: &'a str) -> Self {
        Arg::Text(Cow::Borrowed(text))
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(text: &'a String) -> Self {
        Arg::Text(Cow::Borrowed(text))
    }
}

impl From<String> for Arg<'_> {
    fn from(text: String) -> Self {
        Arg::Text(Cow::Owned(text))
    }
}

macro_rules! number_args {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg<'_> {
            fn from(n: $t) -> Self {
                Arg::Number(i64::try_from(n).unwrap_or(i64::MAX))
            }
        }
    )*};
}
number_args!(u8, u16, u32, u64, usize, i32, i64);

/// Looks a message up and formats it: `t!(lang, "id")`, `t!(lang, "id", host = name, n = 3)`.
/// The id must be a string literal (a test finds every `t!` in the workspace and checks its id
/// and its variables against the catalogues).
#[macro_export]
macro_rules! t {
    ($lang:expr, $id:literal $(,)?) => {
        $crate::text($lang, $id, &[])
    };
    ($lang:expr, $id:literal, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::text($lang, $id, &[$((stringify!($name), $crate::Arg::from($value))),+])
    };
}

struct Catalogues {
    bundles: [FluentBundle<FluentResource>; 2],
}

fn catalogues() -> &'static Catalogues {
    static CATALOGUES: OnceLock<Catalogues> = OnceLock::new();
    CATALOGUES.get_or_init(|| Catalogues {
        bundles: [bundle(Lang::En, EN_FTL), bundle(Lang::Ko, KO_FTL)],
    })
}

fn bundle(lang: Lang, source: &str) -> FluentBundle<FluentResource> {
    let locale = lang.code().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![locale]);
    // No Unicode isolation marks around variables: the text goes to terminals, JSON and tests.
    bundle.set_use_isolating(false);
    // A syntax error keeps the entries that parsed (a test fails on any error).
    let resource =
        FluentResource::try_new(source.to_owned()).unwrap_or_else(|(partial, _)| partial);
    // Only a duplicate id is an error here; the first one stays (a test fails on it).
    let _ = bundle.add_resource(resource);
    bundle
}

/// The message `id` in `lang`, formatted with `args`. Never panics: a message missing from
/// `lang`'s catalogue is taken from the English one, and one missing from both is shown as its
/// id (the tests make either a failure).
pub fn text(lang: Lang, id: &str, args: &[(&str, Arg)]) -> String {
    let catalogues = catalogues();
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        let value = match value {
            Arg::Text(text) => FluentValue::from(text.as_ref()),
            Arg::Number(n) => FluentValue::from(*n),
        };
        fluent_args.set(*name, value);
    }
    for bundle in [
        &catalogues.bundles[lang.index()],
        &catalogues.bundles[Lang::En.index()],
    ] {
        if let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) {
            let mut errors = Vec::new();
            return bundle
                .format_pattern(pattern, Some(&fluent_args), &mut errors)
                .into_owned();
        }
    }
    id.to_owned()
}

/// An operating system's error in `lang`. In English, as the system words it (`Address already
/// in use (os error 98)`); in another language, what its kind means there, with the error's
/// number for a search (an error made by a program rather than the system keeps its own text).
pub fn io_error(lang: Lang, err: &std::io::Error) -> String {
    use std::io::ErrorKind;
    if lang == Lang::En {
        return err.to_string();
    }
    let Some(code) = err.raw_os_error() else {
        return err.to_string();
    };
    let what = match err.kind() {
        ErrorKind::AddrInUse => t!(lang, "io-error-addr-in-use"),
        ErrorKind::AddrNotAvailable => t!(lang, "io-error-addr-not-available"),
        ErrorKind::PermissionDenied => t!(lang, "io-error-permission-denied"),
        ErrorKind::NotFound => t!(lang, "io-error-not-found"),
        ErrorKind::ConnectionRefused => t!(lang, "io-error-connection-refused"),
        ErrorKind::ConnectionReset => t!(lang, "io-error-connection-reset"),
        ErrorKind::TimedOut | ErrorKind::WouldBlock => t!(lang, "io-error-timed-out"),
        ErrorKind::HostUnreachable | ErrorKind::NetworkUnreachable => {
            t!(lang, "io-error-unreachable")
        }
        ErrorKind::InvalidInput => t!(lang, "io-error-invalid-input"),
        _ => t!(lang, "io-error-other"),
    };
    t!(lang, "io-error-numbered", what = what, code = code)
}

/// Whether `lang`'s catalogue has the message `id` (for tests and for callers that pick one of
/// several ids at run time).
pub fn has(lang: Lang, id: &str) -> bool {
    catalogues().bundles[lang.index()].has_message(id)
}

#[cfg(test)]
mod tests;
