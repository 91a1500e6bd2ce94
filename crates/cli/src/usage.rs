//! The command line's own words in the chosen language: clap's help (`--help`, `-h`, the `help`
//! subcommands, the usage line) and its usage errors (exit 2).
//!
//! # Layout
//! A command line enters at [`parse`] with the language already chosen
//! ([`crate::lang::in_args`]: clap writes its help while it parses, so the language must be
//! known before):
//! - English is clap's own, untouched: the help rendered from the doc comments of the argument
//!   structs, the errors by clap's rich formatter.
//! - Korean is the same command tree ([`localized`]) with every about, every argument's help and
//!   every heading taken from the catalogue, under an id derived from the command's path and the
//!   argument's id ([`about_id`], [`help_id`]: `cli-about-serve-web`,
//!   `cli-help-serve-web-tls-cert`, `cli-help-lang` for the flag every command has); its errors
//!   are rendered by [`Catalogue`] from their kind and their context ([`ContextKind`]), the
//!   values clap found kept as typed.
//!
//! The English catalogue holds the same ids with the doc comments' own text, and the English
//! rendering of the errors through the catalogue equals clap's (the tests check both), so the two
//! languages cannot drift apart.

use std::error::Error as _;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::process::ExitCode;

use clap::builder::{StyledStr, Styles};
use clap::error::{ContextKind, ContextValue, ErrorFormatter, ErrorKind};
use clap::{Arg, Command, CommandFactory, FromArgMatches};
use text::{Lang, t};

/// The command line `args` (the program's name first) parsed into `T`, or clap's error, whose
/// words are in `lang` when it is printed with [`exit`].
pub fn parse<T: CommandFactory + FromArgMatches>(
    args: Vec<OsString>,
    lang: Lang,
) -> Result<T, clap::Error> {
    let mut cmd = command::<T>(lang);
    let mut matches = cmd.try_get_matches_from_mut(args)?;
    T::from_arg_matches_mut(&mut matches).map_err(|err| err.format(&mut cmd))
}

/// `T`'s command tree in `lang`.
pub fn command<T: CommandFactory>(lang: Lang) -> Command {
    match lang {
        Lang::En => T::command(),
        Lang::Ko => localized(T::command(), lang),
    }
}

/// Prints a parse's error (or the help or version it asked for) in `lang`, as clap does: to
/// stderr with exit code 2 for a usage error, to stdout with 0 for the help and the version.
pub fn exit(err: clap::Error, lang: Lang) -> ExitCode {
    let code = if err.use_stderr() { 2 } else { 0 };
    let _ = match lang {
        Lang::En => err.print(),
        Lang::Ko => err.apply::<Catalogue>().print(),
    };
    ExitCode::from(code)
}

// ---- the help ----

/// The catalogue id of the about of the command at `path` (`[]` for roundtrip itself): `cli-about`,
/// `cli-about-serve-web`. clap's `help` subcommands share one id, and the copies of the tree
/// that the root's `help` holds (to list them) have the ids of what they copy.
pub fn about_id(path: &[String]) -> String {
    if path.last().is_some_and(|name| name == "help") {
        return "cli-about-help".to_owned();
    }
    id("cli-about", path, None)
}

/// The catalogue id of the help of argument `arg` of the command at `path`:
/// `cli-help-tour-url`; `-h/--help`, `-V/--version` and the global `--lang` have one id
/// wherever they are (`cli-help-help`, `cli-help-version`, `cli-help-lang`).
pub fn help_id(path: &[String], arg: &str) -> String {
    match arg {
        "help" | "version" | "lang" => format!("cli-help-{arg}"),
        _ => id("cli-help", path, Some(arg)),
    }
}

/// The catalogue id of the text after the options of the command at `path`
/// (`cli-after-help-get`).
pub fn after_help_id(path: &[String]) -> String {
    id("cli-after-help", path, None)
}

fn id(prefix: &str, path: &[String], arg: Option<&str>) -> String {
    let mut id = prefix.to_owned();
    for name in path
        .iter()
        .filter(|name| *name != "help")
        .map(String::as_str)
        .chain(arg)
    {
        id.push('-');
        id.push_str(&name.replace('_', "-"));
    }
    id
}

/// `cmd` with its words in `lang`. clap adds its own `-h/--help`, `-V/--version` and `help`
/// subcommands when it builds the tree; built first, they are here to be given words like the
/// rest (what the parser does with them is clap's, as in English). One difference of layout
/// follows: a tree built whole gives each `help` a copy of the commands beside it, so `help help`
/// lists them, where English shows `[COMMAND]...`.
fn localized(mut cmd: Command, lang: Lang) -> Command {
    cmd.build();
    let styles = cmd.get_styles().clone();
    let words = Words::new(lang, &styles);
    localize(cmd, &mut Vec::new(), &words)
}

/// The words every command's help shares: the template with its usage heading, the headings of
/// the argument lists.
struct Words<'a> {
    lang: Lang,
    styles: &'a Styles,
    template: String,
    template_without_args: String,
    arguments: String,
    options: String,
    commands: String,
}

impl<'a> Words<'a> {
    fn new(lang: Lang, styles: &'a Styles) -> Words<'a> {
        let usage = styles.get_usage();
        let heading = format!("{usage}{}:{usage:#}", t!(lang, "cli-heading-usage"));
        // clap's own two templates (with and without an argument list), the heading in `lang`.
        Words {
            lang,
            styles,
            template: format!(
                "{{before-help}}{{about-with-newline}}\n{heading} {{usage}}\n\n{{all-args}}{{after-help}}"
            ),
            template_without_args: format!(
                "{{before-help}}{{about-with-newline}}\n{heading} {{usage}}{{after-help}}"
            ),
            arguments: t!(lang, "cli-heading-arguments"),
            options: t!(lang, "cli-heading-options"),
            commands: t!(lang, "cli-heading-commands"),
        }
    }
}

fn localize(cmd: Command, path: &mut Vec<String>, words: &Words) -> Command {
    let lang = words.lang;
    let shows_args = cmd.get_arguments().any(|arg| !arg.is_hide_set())
        || cmd.get_subcommands().any(|sub| !sub.is_hide_set());
    let mut cmd = cmd
        .help_template(if shows_args {
            &words.template
        } else {
            &words.template_without_args
        })
        .subcommand_help_heading(words.commands.clone());
    if cmd.get_about().is_some() {
        cmd = cmd
            .about(text::text(lang, &about_id(path), &[]))
            .long_about(None);
    }
    if cmd.get_after_help().is_some() {
        cmd = cmd
            .after_help(text::text(lang, &after_help_id(path), &[]))
            .after_long_help(None);
    }
    cmd = cmd.mut_args(|arg| localize_arg(arg, path, words));
    cmd.mut_subcommands(|sub| {
        path.push(sub.get_name().to_owned());
        let sub = localize(sub, path, words);
        path.pop();
        sub
    })
}

fn localize_arg(arg: Arg, path: &[String], words: &Words) -> Arg {
    let lang = words.lang;
    // A heading of our own puts the positionals in clap's order of options (display order, then
    // name); their display order is their place, as clap's "Arguments" orders them.
    let arg = match arg.get_index() {
        Some(place) if arg.is_positional() => arg
            .help_heading(words.arguments.clone())
            .display_order(place),
        _ => arg.help_heading(words.options.clone()),
    };
    let arg = arg.long_help(None);
    if arg.get_help().is_none() {
        return arg;
    }
    let mut help = StyledStr::from(text::text(lang, &help_id(path, arg.get_id().as_str()), &[]));
    // What clap appends to the help in English ([default: ..], [possible values: ..]), in
    // `lang`: clap's is hidden.
    let (context, value) = (words.styles.get_context(), words.styles.get_context_value());
    let takes_values = arg.get_action().takes_values();
    let mut arg = arg;
    if takes_values && !arg.is_hide_default_value_set() && !arg.get_default_values().is_empty() {
        let defaults = arg
            .get_default_values()
            .iter()
            .map(|value| quoted_if_spaced(&value.to_string_lossy()))
            .collect::<Vec<_>>()
            .join(" ");
        let said = t!(
            lang,
            "cli-default",
            value = format!("{value}{defaults}{value:#}")
        );
        let _ = write!(help, " {context}{said}{context:#}");
        arg = arg.hide_default_value(true);
    }
    let possible: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|value| !value.is_hide_set())
        .map(|value| quoted_if_spaced(value.get_name()))
        .collect();
    if takes_values && !arg.is_hide_possible_values_set() && !possible.is_empty() {
        let values = possible
            .iter()
            .map(|name| format!("{value}{name}{value:#}"))
            .collect::<Vec<_>>()
            .join(&format!("{context}, {context:#}"));
        let said = t!(lang, "cli-possible-values", values = values);
        let _ = write!(help, " {context}{said}{context:#}");
        arg = arg.hide_possible_values(true);
    }
    arg.help(help)
}

/// A value as clap shows it in a list: quoted when it has white space.
fn quoted_if_spaced(value: &str) -> String {
    if value.contains(char::is_whitespace) {
        format!("{value:?}")
    } else {
        value.to_owned()
    }
}

// ---- the errors ----

/// clap's usage errors in Korean, from the catalogue: [`render`] in [`Lang::Ko`].
pub struct Catalogue;

impl ErrorFormatter for Catalogue {
    fn format_error(error: &clap::error::Error<Self>) -> StyledStr {
        // The styles every command of ours has (clap's default ones); clap strips them when
        // stderr is not a terminal, as it does its own.
        render(error, Lang::Ko, &Styles::default())
    }
}

/// A usage error in `lang`, laid out as clap's rich formatter lays it out: the error, its tips,
/// the usage line and where to look for more. In English it is clap's own text, word for word.
pub fn render<F: ErrorFormatter>(
    error: &clap::error::Error<F>,
    lang: Lang,
    styles: &Styles,
) -> StyledStr {
    let (invalid, valid, literal) = (
        styles.get_invalid(),
        styles.get_valid(),
        styles.get_literal(),
    );
    let bad = |text: &str| format!("{invalid}{text}{invalid:#}");
    let good = |text: &str| format!("{valid}{text}{valid:#}");
    let lit = |text: &str| format!("{literal}{text}{literal:#}");
    let string = |kind| match error.get(kind) {
        Some(ContextValue::String(text)) => Some(text.as_str()),
        _ => None,
    };
    let number = |kind| match error.get(kind) {
        Some(ContextValue::Number(n)) => Some(*n as i64),
        _ => None,
    };
    let strings = |kind| match error.get(kind) {
        Some(ContextValue::Strings(list)) => Some(list.as_slice()),
        _ => None,
    };
    // A list of values clap gives with the error, on a line of its own.
    let list = |kind| -> Option<String> {
        match strings(kind) {
            Some(values) if !values.is_empty() => Some(
                values
                    .iter()
                    .map(|v| good(&quoted_if_spaced(v)))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            _ => None,
        }
    };
    let on_a_line = |said: String| format!("\n  {said}");

    let mut out = String::new();
    let error_style = styles.get_error();
    let _ = write!(
        out,
        "{error_style}{}{error_style:#} ",
        t!(lang, "clap-error")
    );
    let message = match error.kind() {
        ErrorKind::ArgumentConflict => {
            let (what, name) = match (
                string(ContextKind::InvalidArg),
                string(ContextKind::InvalidSubcommand),
            ) {
                (Some(arg), _) => ("argument", Some(arg)),
                (None, Some(sub)) => ("subcommand", Some(sub)),
                (None, None) => ("argument", None),
            };
            name.map(|name| {
                let name = bad(name);
                match error.get(ContextKind::PriorArg) {
                    Some(ContextValue::String(same))
                        if Some(same.as_str()) == string(ContextKind::InvalidArg) =>
                    {
                        t!(lang, "clap-conflict-repeated", kind = what, name = name)
                    }
                    Some(ContextValue::String(other)) => t!(
                        lang,
                        "clap-conflict-with",
                        kind = what,
                        name = name,
                        other = bad(other)
                    ),
                    Some(ContextValue::Strings(others)) => {
                        let mut said =
                            t!(lang, "clap-conflict-with-these", kind = what, name = name);
                        for other in others {
                            let _ = write!(said, "\n  {}", bad(other));
                        }
                        said
                    }
                    _ => t!(lang, "clap-conflict-with-others", kind = what, name = name),
                }
            })
        }
        ErrorKind::NoEquals => {
            string(ContextKind::InvalidArg).map(|arg| t!(lang, "clap-no-equals", arg = bad(arg)))
        }
        ErrorKind::InvalidValue => match (
            string(ContextKind::InvalidArg),
            string(ContextKind::InvalidValue),
        ) {
            (Some(arg), Some("")) => Some(t!(lang, "clap-value-required", arg = bad(arg))),
            (Some(arg), Some(value)) => Some(
                t!(
                    lang,
                    "clap-invalid-value",
                    value = bad(value),
                    arg = lit(arg)
                ) + &list(ContextKind::ValidValue)
                    .map(|values| on_a_line(t!(lang, "clap-possible-values", values = values)))
                    .unwrap_or_default(),
            ),
            _ => None,
        },
        ErrorKind::InvalidSubcommand => string(ContextKind::InvalidSubcommand)
            .map(|sub| t!(lang, "clap-unrecognized-subcommand", subcommand = bad(sub))),
        ErrorKind::MissingRequiredArgument => strings(ContextKind::InvalidArg).map(|args| {
            let mut said = t!(lang, "clap-missing-required");
            for arg in args {
                let _ = write!(said, "\n  {}", good(arg));
            }
            said
        }),
        ErrorKind::MissingSubcommand => string(ContextKind::InvalidSubcommand).map(|parent| {
            t!(lang, "clap-missing-subcommand", command = bad(parent))
                + &list(ContextKind::ValidSubcommand)
                    .map(|values| on_a_line(t!(lang, "clap-subcommands", values = values)))
                    .unwrap_or_default()
        }),
        ErrorKind::InvalidUtf8 => Some(t!(lang, "clap-invalid-utf8")),
        ErrorKind::TooManyValues => match (
            string(ContextKind::InvalidArg),
            string(ContextKind::InvalidValue),
        ) {
            (Some(arg), Some(value)) => Some(t!(
                lang,
                "clap-too-many-values",
                value = bad(value),
                arg = lit(arg)
            )),
            _ => None,
        },
        ErrorKind::TooFewValues => match (
            string(ContextKind::InvalidArg),
            number(ContextKind::ActualNumValues),
            number(ContextKind::MinValues),
        ) {
            (Some(arg), Some(actual), Some(min)) => Some(t!(
                lang,
                "clap-too-few-values",
                min = good(&min.to_string()),
                arg = lit(arg),
                actual = actual
            )),
            _ => None,
        },
        ErrorKind::WrongNumberOfValues => match (
            string(ContextKind::InvalidArg),
            number(ContextKind::ActualNumValues),
            number(ContextKind::ExpectedNumValues),
        ) {
            (Some(arg), Some(actual), Some(expected)) => Some(t!(
                lang,
                "clap-wrong-number-of-values",
                expected = good(&expected.to_string()),
                arg = lit(arg),
                actual = actual
            )),
            _ => None,
        },
        ErrorKind::ValueValidation => match (
            string(ContextKind::InvalidArg),
            string(ContextKind::InvalidValue),
        ) {
            (Some(arg), Some(value)) => Some(match error.source() {
                Some(source) => t!(
                    lang,
                    "clap-invalid-value-because",
                    value = bad(value),
                    arg = lit(arg),
                    reason = crate::reasons::value(lang, value, source)
                ),
                None => t!(
                    lang,
                    "clap-invalid-value",
                    value = bad(value),
                    arg = lit(arg)
                ),
            }),
            _ => None,
        },
        ErrorKind::UnknownArgument => string(ContextKind::InvalidArg)
            .map(|arg| t!(lang, "clap-unknown-argument", arg = bad(arg))),
        _ => None,
    };
    // A kind this does not know (clap may add some): clap's own words, quoted and attributed.
    let message = message.unwrap_or_else(|| {
        let detail = match error.kind().as_str() {
            Some(detail) => detail.to_owned(),
            None => error.source().map(ToString::to_string).unwrap_or_default(),
        };
        t!(lang, "clap-error-other", detail = detail)
    });
    out.push_str(&message);

    // Tips: a similar subcommand, argument or value; then clap's own suggestions.
    let tip = format!("{valid}{}{valid:#}", t!(lang, "clap-tip"));
    let mut suggested = false;
    for (kind, what) in [
        (ContextKind::SuggestedSubcommand, "subcommand"),
        (ContextKind::SuggestedArg, "argument"),
        (ContextKind::SuggestedValue, "value"),
    ] {
        let names: Vec<String> = match error.get(kind) {
            Some(ContextValue::String(name)) => vec![name.clone()],
            Some(ContextValue::Strings(names)) => names.clone(),
            _ => continue,
        };
        out.push('\n');
        if !suggested {
            out.push('\n');
            suggested = true;
        }
        let count = names.len();
        let names = names
            .iter()
            .map(|name| format!("'{}'", good(name)))
            .collect::<Vec<_>>()
            .join(", ");
        let said = t!(
            lang,
            "clap-tip-similar",
            what = what,
            count = count,
            names = names
        );
        let _ = write!(out, "  {tip} {said}");
    }
    if let Some(ContextValue::StyledStrs(suggestions)) = error.get(ContextKind::Suggested) {
        if !suggested {
            out.push('\n');
        }
        for suggestion in suggestions {
            let said = suggestion_in(lang, &suggestion.to_string(), &bad, &good);
            let _ = write!(out, "\n  {tip} {said}");
        }
    }
    if let Some(ContextValue::StyledStr(usage)) = error.get(ContextKind::Usage) {
        out.push_str("\n\n");
        out.push_str(&usage_in(lang, usage, styles));
    }
    // Every command of ours has -h/--help.
    let more = t!(lang, "clap-try-help", help = lit("--help"));
    let _ = writeln!(out, "\n\n{more}");
    StyledStr::from(out)
}

/// clap's usage line (`Usage: roundtrip tour [OPTIONS] [URL]`) with its heading in `lang`; a
/// second usage (`       roundtrip <COMMAND>`) stays under the first.
fn usage_in(lang: Lang, usage: &StyledStr, styles: &Styles) -> String {
    let styled = usage.ansi().to_string();
    let style = styles.get_usage();
    let said = t!(lang, "cli-heading-usage");
    let Some(rest) = styled
        .strip_prefix(&format!("{style}Usage:{style:#}"))
        .or_else(|| styled.strip_prefix("Usage:"))
    else {
        return styled;
    };
    let indent = " ".repeat(journey::story::display_width(&said) + 2);
    let rest = rest.replace("\n       ", &format!("\n{indent}"));
    format!("{style}{said}:{style:#}{rest}")
}

/// One of clap's suggestions in `lang`. clap words them in three ways (clap_builder's
/// `Error::unknown_argument`, `invalid_subcommand` and `unnecessary_double_dash`); the quoted
/// parts are the user's words and the command's, kept as they are. One clap might add later
/// stays as clap says it.
fn suggestion_in(
    lang: Lang,
    plain: &str,
    bad: &dyn Fn(&str) -> String,
    good: &dyn Fn(&str) -> String,
) -> String {
    let quoted: Vec<&str> = plain.split('\'').skip(1).step_by(2).collect();
    if plain.starts_with("to pass '") && plain.contains("' as a value, use '") && quoted.len() == 2
    {
        t!(
            lang,
            "clap-tip-pass-as-value",
            value = bad(quoted[0]),
            usage = good(quoted[1])
        )
    } else if plain.starts_with("subcommand '")
        && plain.ends_with("' exists; to use it, remove the '--' before it")
        && !quoted.is_empty()
    {
        t!(
            lang,
            "clap-tip-remove-double-dash",
            subcommand = good(quoted[0]),
            dashes = bad("--")
        )
    } else if plain.starts_with('\'') && plain.ends_with("' exists") && quoted.len() == 1 {
        t!(lang, "clap-tip-exists", usage = good(quoted[0]))
    } else {
        plain.to_owned()
    }
}

#[cfg(test)]
mod tests;
