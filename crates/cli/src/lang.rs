//! The language of a command, known before its command line is parsed: clap writes the help and
//! the usage errors while it parses, so they can be in the chosen language only if `--lang` was
//! read first, from the raw arguments.

use std::ffi::OsString;

use text::Lang;

/// The word `word` as `--lang`: `None` when it is not `--lang`; `Some(value)` when it is, with
/// its value attached (`--lang=ko`) or taken from `rest` (`--lang ko`), `Some(None)` when nothing
/// follows it. The one place that knows the flag's spelling: [`in_args`] reads the language with
/// it, and `dig` skips (and checks) the flag among its own words with it.
pub fn flag<'a>(
    word: &'a str,
    rest: &mut impl Iterator<Item = &'a str>,
) -> Option<Option<&'a str>> {
    match word.strip_prefix("--lang=") {
        Some(value) => Some(Some(value)),
        None if word == "--lang" => Some(rest.next()),
        None => None,
    }
}

/// The `--lang` of a command line (the program's name first, as `std::env::args_os` gives it):
/// the last one with a language we have a catalogue for, anywhere before a `--` (what follows
/// `--` is another program's: `lab exec -- dig --lang x`). That includes `dig`'s own words, which
/// clap hands to dig whole (`roundtrip dig NAME --lang ko`). A value we have no catalogue for is
/// left to clap (or dig) to refuse, in the language the environment chooses.
pub fn in_args(args: &[OsString]) -> Option<Lang> {
    let mut words = args
        .iter()
        .skip(1)
        .map(|arg| arg.to_str().unwrap_or_default())
        .take_while(|word| *word != "--");
    let mut found = None;
    while let Some(word) = words.next() {
        if let Some(Some(value)) = flag(word, &mut words)
            && let Ok(lang) = value.parse()
        {
            found = Some(lang);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<OsString> {
        std::iter::once("roundtrip")
            .chain(line.split_whitespace())
            .map(OsString::from)
            .collect()
    }

    #[test]
    fn the_flag_is_read_wherever_it_is_before_a_double_dash() {
        assert_eq!(in_args(&args("--lang ko tour")), Some(Lang::Ko));
        assert_eq!(in_args(&args("tour --lang=ko --json")), Some(Lang::Ko));
        assert_eq!(
            in_args(&args("dig www.example.com +norec --lang ko")),
            Some(Lang::Ko)
        );
        assert_eq!(in_args(&args("x +trace --lang=en")), Some(Lang::En));
        assert_eq!(in_args(&args("dig x +trace")), None);
        // The last one wins, as clap takes it; one we have no catalogue for is not taken.
        assert_eq!(in_args(&args("--lang ko tour --lang en")), Some(Lang::En));
        assert_eq!(in_args(&args("--lang ko tour --lang de")), Some(Lang::Ko));
        assert_eq!(in_args(&args("tour --lang")), None);
        // After `--`, the words are another program's.
        assert_eq!(in_args(&args("lab exec -- dig --lang ko")), None);
        assert_eq!(
            in_args(&args("lab exec --lang ko -- dig --lang en")),
            Some(Lang::Ko)
        );
    }
}
