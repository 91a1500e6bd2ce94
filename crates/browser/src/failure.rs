//! Why an exchange failed after the connection was made, or why a TLS handshake failed, by
//! class: what hyper, h2, rustls and the system say is read for its kind, so that a person is
//! told in their language what happened (the server closed the connection mid-response, a
//! protocol error, an alert). The English stays the libraries' own words, as before; a kind
//! that has no class here keeps its words, quoted and attributed in other languages.

use std::fmt;
use std::io;

use text::{Lang, t};

use crate::tls::CertRefusal;

/// Why an HTTP exchange failed after connecting. `Display` is English: hyper's words with their
/// causes, after "reading the body: " when the body was being read.
#[derive(Debug, Clone)]
pub struct HttpFailure {
    /// While the response's body was being read (after its head).
    pub reading_body: bool,
    /// What happened, by class.
    pub problem: HttpProblem,
    /// hyper's words and their causes', in English.
    pub text: String,
}

/// What happened to an HTTP exchange, by class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpProblem {
    /// The server closed the connection before the message was complete.
    ClosedMidMessage,
    /// The connection was closed (or closed under a request).
    Closed,
    /// A timeout of hyper's.
    Timeout,
    /// The response's head is larger than the client reads.
    HeadTooLarge,
    /// The status line's code is not one.
    BadStatus,
    /// The response is not HTTP as the client reads it.
    BadResponse,
    /// The exchange was canceled.
    Canceled,
    /// HTTP/2: the connection was closed with GOAWAY and this reason.
    GoAway {
        /// The reason's name (`PROTOCOL_ERROR`), as on the wire.
        reason: String,
        /// Sent by the server (else by this client).
        remote: bool,
    },
    /// HTTP/2: the stream was reset with RST_STREAM and this reason.
    Reset {
        /// The reason's name.
        reason: String,
        /// Sent by the server (else by this client).
        remote: bool,
    },
    /// The system's error on the socket.
    Io {
        /// Its number.
        code: i32,
    },
    /// Another kind: hyper's words are all there is.
    Other,
}

impl HttpFailure {
    /// The failure of `err`, while reading the body or not.
    pub fn of(err: &hyper::Error, reading_body: bool) -> HttpFailure {
        HttpFailure {
            reading_body,
            problem: HttpProblem::of(err),
            text: chain(err),
        }
    }

    /// Why, in `lang`.
    pub fn describe(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        let why = self.problem.describe(lang, &self.text);
        if self.reading_body {
            t!(lang, "http-fail-reading-body", why = why)
        } else {
            why
        }
    }
}

impl fmt::Display for HttpFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.reading_body {
            write!(f, "reading the body: {}", self.text)
        } else {
            f.write_str(&self.text)
        }
    }
}

impl HttpProblem {
    /// The class of `err`: hyper's own kinds first, then what its causes are (h2's frames, the
    /// system's errors, a body cut short).
    pub fn of(err: &hyper::Error) -> HttpProblem {
        if err.is_incomplete_message() {
            return HttpProblem::ClosedMidMessage;
        }
        if err.is_timeout() {
            return HttpProblem::Timeout;
        }
        if err.is_parse_too_large() {
            return HttpProblem::HeadTooLarge;
        }
        if err.is_parse_status() {
            return HttpProblem::BadStatus;
        }
        if err.is_parse() {
            return HttpProblem::BadResponse;
        }
        if err.is_canceled() {
            return HttpProblem::Canceled;
        }
        let mut source = std::error::Error::source(err);
        while let Some(cause) = source {
            if let Some(h2) = cause.downcast_ref::<h2::Error>()
                && let Some(reason) = h2.reason()
            {
                let reason = format!("{reason:?}");
                let remote = h2.is_remote();
                if h2.is_go_away() {
                    return HttpProblem::GoAway { reason, remote };
                }
                if h2.is_reset() {
                    return HttpProblem::Reset { reason, remote };
                }
            }
            if let Some(io) = cause.downcast_ref::<io::Error>() {
                if let Some(code) = io.raw_os_error() {
                    return HttpProblem::Io { code };
                }
                if io.kind() == io::ErrorKind::UnexpectedEof {
                    return HttpProblem::ClosedMidMessage;
                }
            }
            source = cause.source();
        }
        if err.is_closed() {
            return HttpProblem::Closed;
        }
        HttpProblem::Other
    }

    /// Why, in `lang`; `text` is hyper's words, for a kind that has no class.
    pub fn describe(&self, lang: Lang, text: &str) -> String {
        let side = |remote: bool| {
            if remote {
                t!(lang, "http-fail-by-server")
            } else {
                t!(lang, "http-fail-by-client")
            }
        };
        match self {
            HttpProblem::ClosedMidMessage => t!(lang, "http-fail-closed-mid-message"),
            HttpProblem::Closed => t!(lang, "http-fail-closed"),
            HttpProblem::Timeout => t!(lang, "http-fail-timeout"),
            HttpProblem::HeadTooLarge => t!(lang, "http-fail-head-too-large"),
            HttpProblem::BadStatus => t!(lang, "http-fail-bad-status"),
            HttpProblem::BadResponse => t!(lang, "http-fail-bad-response", detail = text),
            HttpProblem::Canceled => t!(lang, "http-fail-canceled"),
            HttpProblem::GoAway { reason, remote } => t!(
                lang,
                "http-fail-goaway",
                reason = reason,
                by = side(*remote)
            ),
            HttpProblem::Reset { reason, remote } => {
                t!(lang, "http-fail-reset", reason = reason, by = side(*remote))
            }
            HttpProblem::Io { code } => text::io_error(lang, &io::Error::from_raw_os_error(*code)),
            HttpProblem::Other => t!(lang, "http-fail-other", detail = text),
        }
    }
}

/// hyper's words and its causes', as they have always been shown.
fn chain(err: &hyper::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Why a TLS handshake failed, by class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandshakeProblem {
    /// The server's certificate was refused.
    Certificate(CertRefusal),
    /// The server sent an alert.
    Alert(String),
    /// No TLS version or cipher suite in common (rustls's reason, as it names it).
    NoSharedVersion(String),
    /// None of the offered application protocols.
    NoAlpn,
    /// The server closed the connection during the handshake.
    ClosedByServer,
    /// The system's error on the socket.
    Io {
        /// Its number.
        code: i32,
    },
    /// The handshake did not finish in time.
    Timeout {
        /// The limit, in seconds as shown.
        secs: String,
    },
    /// The host is not a name TLS can check.
    NotAName(String),
    /// The client's TLS could not be set up (rustls's words).
    Setup(String),
    /// Another of rustls's errors: its words are all there is.
    Other(String),
}

impl HandshakeProblem {
    /// The class of a failed handshake's error `err`, for `host`.
    pub fn of(err: &io::Error, host: &str) -> HandshakeProblem {
        use rustls::Error;
        if let Some(refusal) = CertRefusal::of(err, host) {
            return HandshakeProblem::Certificate(refusal);
        }
        match err.get_ref().and_then(|e| e.downcast_ref::<Error>()) {
            Some(Error::AlertReceived(alert)) => HandshakeProblem::Alert(format!("{alert:?}")),
            Some(Error::PeerIncompatible(why)) => {
                HandshakeProblem::NoSharedVersion(format!("{why:?}"))
            }
            Some(Error::NoApplicationProtocol) => HandshakeProblem::NoAlpn,
            Some(other) => HandshakeProblem::Other(other.to_string()),
            None => match err.raw_os_error() {
                Some(code) => HandshakeProblem::Io { code },
                None if err.kind() == io::ErrorKind::UnexpectedEof => {
                    HandshakeProblem::ClosedByServer
                }
                None => HandshakeProblem::Other(err.to_string()),
            },
        }
    }

    /// Why, in `lang`, one clause (after "TLS handshake failed: "). A certificate's refusal is
    /// said from the catalogues in every language; the others in a language other than
    /// English (English keeps the line it has always had).
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            HandshakeProblem::Certificate(refusal) => refusal.describe(lang),
            HandshakeProblem::Alert(alert) => t!(lang, "tls-fail-alert", alert = alert),
            HandshakeProblem::NoSharedVersion(detail) => {
                t!(lang, "tls-fail-no-shared-version", detail = detail)
            }
            HandshakeProblem::NoAlpn => t!(lang, "tls-fail-no-alpn"),
            HandshakeProblem::ClosedByServer => t!(lang, "tls-fail-closed"),
            HandshakeProblem::Io { code } => {
                text::io_error(lang, &io::Error::from_raw_os_error(*code))
            }
            HandshakeProblem::Timeout { secs } => t!(lang, "tls-fail-timeout", secs = secs),
            HandshakeProblem::NotAName(host) => t!(lang, "tls-fail-not-a-name", host = host),
            HandshakeProblem::Setup(detail) => t!(lang, "tls-fail-setup", detail = detail),
            HandshakeProblem::Other(detail) => t!(lang, "tls-fail-other", detail = detail),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each class in Korean with no English outside its tokens; hyper's and rustls's own words,
    /// where there is no class, quoted and attributed.
    #[test]
    fn every_class_is_said_in_korean() {
        let words = [
            "hyper",
            "PROTOCOL_ERROR",
            "RST_STREAM",
            "GOAWAY",
            "HandshakeFailure",
        ];
        let http = [
            HttpProblem::ClosedMidMessage,
            HttpProblem::Closed,
            HttpProblem::Timeout,
            HttpProblem::HeadTooLarge,
            HttpProblem::BadStatus,
            HttpProblem::BadResponse,
            HttpProblem::Canceled,
            HttpProblem::GoAway {
                reason: "PROTOCOL_ERROR".into(),
                remote: true,
            },
            HttpProblem::Reset {
                reason: "PROTOCOL_ERROR".into(),
                remote: false,
            },
            HttpProblem::Io { code: 104 },
            HttpProblem::Other,
        ];
        for problem in http {
            let said = problem.describe(Lang::Ko, "some words of hyper's");
            test_support::korean::assert_korean(&said, &words);
        }
        let failure = HttpFailure {
            reading_body: true,
            problem: HttpProblem::ClosedMidMessage,
            text: "error reading a body from connection".into(),
        };
        assert_eq!(
            failure.to_string(),
            "reading the body: error reading a body from connection"
        );
        assert_eq!(
            failure.describe(Lang::Ko),
            "본문을 읽는 중에: 메시지가 다 오기 전에 서버가 연결을 닫았습니다"
        );
        let tls = [
            HandshakeProblem::Certificate(CertRefusal::UnknownIssuer),
            HandshakeProblem::Alert("HandshakeFailure".into()),
            HandshakeProblem::NoSharedVersion("NoCipherSuitesInCommon".into()),
            HandshakeProblem::NoAlpn,
            HandshakeProblem::ClosedByServer,
            HandshakeProblem::Io { code: 104 },
            HandshakeProblem::Timeout { secs: "5".into() },
            HandshakeProblem::NotAName("a_b".into()),
            HandshakeProblem::Setup("some words of rustls's".into()),
            HandshakeProblem::Other("some words of rustls's".into()),
        ];
        for problem in tls {
            let said = problem.describe(Lang::Ko);
            test_support::korean::assert_korean(
                &said,
                &["NoCipherSuitesInCommon", "HandshakeFailure", "FILE"],
            );
        }
        // The handshake's English line stays what it was, by class.
        assert_eq!(
            HandshakeProblem::Alert("HandshakeFailure".into()).describe(Lang::En),
            "the server refused the handshake: alert HandshakeFailure"
        );
        let eof = io::Error::new(io::ErrorKind::UnexpectedEof, "tls handshake eof");
        assert_eq!(
            HandshakeProblem::of(&eof, "x"),
            HandshakeProblem::ClosedByServer
        );
    }
}
