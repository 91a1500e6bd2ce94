//! Why a visit failed, told to a person in their language (the `text` catalogues), with whose
//! fault it was: the name's (DNS), the network's, the server's or the user's (a bad URL).
//! `Display` on [`FetchError`] stays English, for logs and `--json`'s stable `error` field.

use text::{Lang, t};

use crate::connect::{Attempt, AttemptOutcome};
use crate::failure::HandshakeProblem;
use crate::{FetchError, NameError, UrlProblem};

impl FetchError {
    /// The error in `lang`, one line.
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            FetchError::BadUrl { url, why } => {
                t!(lang, "fetch-bad-url", url = url, why = why.describe(lang))
            }
            FetchError::UnsupportedScheme { url, scheme } => {
                t!(lang, "fetch-unsupported-scheme", url = url, scheme = scheme)
            }
            FetchError::Name(name) => name.describe(lang),
            FetchError::Connect {
                host,
                attempts,
                timed_out,
            } => t!(
                lang,
                "fetch-connect",
                host = host,
                attempts = describe_attempts(lang, attempts, *timed_out)
            ),
            FetchError::Tls { host, why, problem } => t!(
                lang,
                "fetch-tls",
                host = host,
                why = match problem {
                    // English keeps its line, but a certificate's refusal is the catalogue's.
                    HandshakeProblem::Certificate(_) => problem.describe(lang),
                    _ if lang == Lang::En => why.clone(),
                    _ => problem.describe(lang),
                }
            ),
            FetchError::Http { url, why } => {
                t!(lang, "fetch-http", url = url, why = why.describe(lang))
            }
            FetchError::Timeout { url, timeout } => t!(
                lang,
                "fetch-timeout",
                url = url,
                secs = format!("{}", timeout.as_secs_f64())
            ),
            FetchError::BadRedirect { url, location } => t!(
                lang,
                "fetch-bad-redirect",
                url = url,
                location = format!("{location:?}")
            ),
            FetchError::TooManyRedirects { limit, url } => {
                t!(lang, "fetch-too-many-redirects", limit = *limit, url = url)
            }
            FetchError::RedirectLoop { method, url } => t!(
                lang,
                "fetch-redirect-loop",
                request = format!("{method} {url}")
            ),
            FetchError::AfterHsts {
                from,
                domain,
                source,
            } => t!(
                lang,
                "fetch-after-hsts",
                error = source.describe(lang),
                from = from,
                domain = domain
            ),
        }
    }
}

impl UrlProblem {
    /// Why, in `lang`: the URL parser's refusals by their class (`url::ParseError`), as the URL
    /// standard words them; in English the parser's own words, as before.
    pub fn describe(&self, lang: Lang) -> String {
        use url::ParseError;
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            UrlProblem::Parse(err) => match err {
                ParseError::EmptyHost => t!(lang, "url-empty-host"),
                ParseError::IdnaError => t!(lang, "url-idna"),
                ParseError::InvalidPort => t!(lang, "url-invalid-port"),
                ParseError::InvalidIpv4Address => t!(lang, "url-invalid-ipv4"),
                ParseError::InvalidIpv6Address => t!(lang, "url-invalid-ipv6"),
                ParseError::InvalidDomainCharacter => t!(lang, "url-invalid-domain-character"),
                ParseError::RelativeUrlWithoutBase => t!(lang, "url-relative"),
                ParseError::Overflow => t!(lang, "url-too-long"),
                // The other two are about a base URL or setting a host, which a typed URL never
                // meets; and url may add kinds: the parser's words, quoted.
                other => t!(lang, "url-other", detail = other.to_string()),
            },
            UrlProblem::NoHost => t!(lang, "url-no-host"),
            UrlProblem::HeaderValue { name, value } => t!(
                lang,
                "url-header-value",
                name = name,
                value = format!("{value:?}")
            ),
            UrlProblem::Request(detail) => t!(lang, "url-request", detail = detail),
        }
    }
}

impl NameError {
    /// The error in `lang`, one line.
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            NameError::BadName { host, why } => {
                t!(lang, "name-bad", host = host, why = why.describe(lang))
            }
            NameError::NxDomain { host, by } => {
                t!(lang, "name-nxdomain", host = host, by = by_words(lang, by))
            }
            NameError::NoAddress { host } => t!(lang, "name-no-address", host = host),
            NameError::Failed { host, by, why } => {
                t!(
                    lang,
                    "name-failed",
                    host = host,
                    by = by_words(lang, by),
                    why = why
                )
            }
        }
    }
}

/// Who answered a lookup, as `names` records it ("the resolver 192.0.2.53:53", "the iterative
/// resolution"), in `lang`.
fn by_words(lang: Lang, by: &str) -> String {
    if let Some(server) = by.strip_prefix("the resolver ") {
        t!(lang, "name-by-resolver", server = server)
    } else if by == "the iterative resolution" {
        t!(lang, "name-by-iteration")
    } else {
        by.to_owned()
    }
}

fn describe_attempts(lang: Lang, attempts: &[Attempt], timed_out: bool) -> String {
    let mut parts: Vec<String> = attempts
        .iter()
        .map(|a| {
            let outcome = match a.outcome {
                AttemptOutcome::Refused => t!(lang, "attempt-refused"),
                AttemptOutcome::TimedOut => t!(lang, "attempt-timed-out"),
                AttemptOutcome::Unreachable => t!(lang, "attempt-unreachable"),
                AttemptOutcome::Skipped => t!(lang, "attempt-skipped"),
                // The system's error by its kind (English: its own words, as before).
                _ => match (a.os_code, &a.error) {
                    (Some(code), Some(_)) if lang != Lang::En => {
                        text::io_error(lang, &std::io::Error::from_raw_os_error(code))
                    }
                    (_, Some(error)) if lang == Lang::En => error.clone(),
                    _ => t!(lang, "attempt-failed"),
                },
            };
            format!("{} {outcome}", a.remote)
        })
        .collect();
    if timed_out {
        parts.push(t!(lang, "attempt-connect-timeout"));
    }
    if parts.is_empty() {
        parts.push(t!(lang, "attempt-no-address"));
    }
    parts.join(", ")
}
