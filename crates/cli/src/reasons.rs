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

/// A lab config that cannot be used (`--config`), in `lang`: the file system's error by its
/// kind, the TOML parser's at file:line:column with its own words quoted, this crate's own checks
/// of the values by what they found ([`lab::config::ConfigError::describe`]).
pub fn lab_config(lang: Lang, err: &lab::config::ConfigError) -> String {
    err.describe(lang)
}

/// A web server config that cannot be used (`serve web --config`), in `lang`, as
/// [`lab_config`]: the file system's error, the TOML parser's, a certificate's or key's, the web
/// crate's own checks of the values by what they found ([`web::ConfigProblem`]).
pub fn web_config(lang: Lang, err: &web::ConfigError) -> String {
    use web::ConfigError;
    if lang == Lang::En {
        return err.to_string();
    }
    match err {
        ConfigError::Read { file, source } => {
            config_unreadable(lang, &file.display().to_string(), source)
        }
        ConfigError::Toml {
            file,
            line,
            column,
            message,
        } => toml(
            lang,
            &format!("{}:{line}:{column}", file.display()),
            message,
        ),
        ConfigError::Tls {
            file,
            line,
            column,
            error,
        } => format!(
            "{}:{line}:{column}: {}",
            file.display(),
            tls_file(lang, error)
        ),
        ConfigError::Invalid {
            file,
            line,
            column,
            reason,
        } => format!(
            "{}:{line}:{column}: {}",
            file.display(),
            reason.describe(lang)
        ),
    }
}

fn config_unreadable(lang: Lang, file: &str, err: &std::io::Error) -> String {
    t!(
        lang,
        "config-unreadable",
        file = file,
        error = text::io_error(lang, err)
    )
}

/// The TOML parser's refusal at `place` (`file:line:column`). Its message is free text (toml's,
/// with serde's about the file's shape): not translated, but quoted and attributed after a
/// sentence of ours.
fn toml(lang: Lang, place: &str, message: &str) -> String {
    let detail = message.trim().replace('\n', "; ");
    t!(lang, "config-toml", place = place, detail = detail)
}

/// A certificate or key file that cannot be used (`serve web --tls-cert/--tls-key`, a config's
/// `tls_cert`/`tls_key`), in `lang`: the file, and why by the class of the error (the file
/// system's, the PEM reader's, rustls's).
pub fn tls_file(lang: Lang, err: &web::TlsFileError) -> String {
    use web::{IdentityError, TlsFileProblem};
    if lang == Lang::En {
        return err.to_string();
    }
    let why = match &err.reason {
        TlsFileProblem::Read(io) => text::io_error(lang, io),
        TlsFileProblem::CertificatePem(pem) => {
            t!(lang, "tls-certificate-not-pem", why = pem_error(lang, pem))
        }
        TlsFileProblem::NoCertificate | TlsFileProblem::Identity(IdentityError::NoCertificate) => {
            t!(lang, "tls-no-certificate")
        }
        TlsFileProblem::KeyPem(pem) => t!(lang, "tls-key-not-pem", why = pem_error(lang, pem)),
        TlsFileProblem::NoKey => t!(lang, "tls-no-key"),
        TlsFileProblem::Identity(IdentityError::KeyMismatch) => t!(lang, "tls-key-mismatch"),
        TlsFileProblem::Identity(IdentityError::Certificate(why)) => {
            t!(
                lang,
                "tls-bad-certificate",
                why = certificate_error(lang, why)
            )
        }
        TlsFileProblem::Identity(IdentityError::Key(why)) => {
            t!(lang, "tls-unusable-key", why = rustls_error(lang, why))
        }
    };
    format!("{}: {why}", err.path.display())
}

/// The PEM reader's error, by its kind; the bytes it quotes stay as they are.
fn pem_error(lang: Lang, err: &rustls::pki_types::pem::Error) -> String {
    use rustls::pki_types::pem::Error;
    match err {
        Error::MissingSectionEnd { end_marker } => t!(
            lang,
            "pem-missing-end",
            marker = String::from_utf8_lossy(end_marker).into_owned()
        ),
        Error::IllegalSectionStart { line } => t!(
            lang,
            "pem-illegal-start",
            line = String::from_utf8_lossy(line).into_owned()
        ),
        Error::Base64Decode(detail) => t!(lang, "pem-base64", detail = detail),
        Error::Io(io) => text::io_error(lang, io),
        Error::NoItemsFound => t!(lang, "pem-nothing"),
        Error::SectionTooLarge => t!(lang, "pem-too-large"),
        other => t!(lang, "pem-other", detail = other.to_string()),
    }
}

/// rustls's refusal of a certificate, by its kind (what `CertifiedKey::from_der` can meet is a
/// leaf it cannot read); another kind in rustls's own words, quoted.
fn certificate_error(lang: Lang, err: &rustls::CertificateError) -> String {
    match err {
        rustls::CertificateError::BadEncoding => t!(lang, "tls-certificate-bad-encoding"),
        other => t!(lang, "tls-rustls-said", detail = other.to_string()),
    }
}

/// rustls's refusal of a private key: its words are free text (`General`), quoted.
fn rustls_error(lang: Lang, err: &rustls::Error) -> String {
    match err {
        rustls::Error::InvalidCertificate(why) => certificate_error(lang, why),
        other => t!(lang, "tls-rustls-said", detail = other.to_string()),
    }
}

/// The application server's error at its start, in `lang` ([`was::WasError::describe`]).
pub fn was_error(lang: Lang, err: &was::WasError) -> String {
    err.describe(lang)
}

/// A domain name that does not parse (a zone's origin), in `lang`: by what `domain` found wrong
/// (an empty label, a label or a name too long), else its own words.
pub fn name(lang: Lang, err: &dns::NameError) -> String {
    if lang == Lang::En {
        return err.to_string();
    }
    err.why.describe(lang)
}
