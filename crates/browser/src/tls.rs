//! `https://`: TLS on rustls with the ring provider (one provider for the whole project, see
//! CRATES.md), trusting the web PKI's roots (Mozilla's, from `webpki-roots`, so no system trust
//! store is read or touched) and any extra roots the caller gives — the lab's own CA, say,
//! which only this client then trusts. ALPN offers `h2` and `http/1.1` (or `http/1.1` only).
//!
//! [`Stream`] is what hyper runs on: the TCP stream as it is, or inside TLS.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use rustls::pki_types::{CertificateDer, ServerName};
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

/// What the TLS handshake agreed.
#[derive(Debug, Clone, Serialize)]
pub struct TlsInfo {
    /// The name sent in SNI and checked against the certificate (or the address).
    pub server_name: String,
    /// `TLSv1_3` or `TLSv1_2`.
    pub version: String,
    /// The cipher suite, by its IANA name.
    pub cipher_suite: String,
    /// The key exchange group: `X25519`, `secp256r1`.
    pub key_exchange_group: Option<String>,
    /// The protocol agreed by ALPN (`h2`, `http/1.1`), if the server took part.
    pub alpn: Option<String>,
    /// The certificate chain's length as the server sent it.
    pub peer_certificates: usize,
    /// The server's own certificate (the chain's first), as curl -v summarises it.
    pub certificate: Option<CertificateSummary>,
}

/// What a certificate says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateSummary {
    /// Its subject: `CN=www.google.com`.
    pub subject: String,
    /// Who issued it: `CN=roundtrip lab intermediate CA`.
    pub issuer: String,
    /// Valid from (RFC 3339, UTC).
    pub not_before: String,
    /// Valid until (RFC 3339, UTC).
    pub not_after: String,
    /// The names it is valid for (subjectAltName): `DNS:www.google.com`, `IP:203.0.113.80`.
    pub subject_alt_names: Vec<String>,
}

impl CertificateSummary {
    /// The summary of a DER certificate, or `None` if it does not parse as X.509.
    pub fn of(der: &[u8]) -> Option<CertificateSummary> {
        use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};
        let (_, cert) = X509Certificate::from_der(der).ok()?;
        let subject_alt_names = cert
            .subject_alternative_name()
            .ok()
            .flatten()
            .map(|san| {
                san.value
                    .general_names
                    .iter()
                    .map(|name| match name {
                        GeneralName::DNSName(dns) => format!("DNS:{dns}"),
                        GeneralName::IPAddress(bytes) => match bytes.len() {
                            4 => format!(
                                "IP:{}",
                                std::net::Ipv4Addr::from(
                                    <[u8; 4]>::try_from(*bytes).unwrap_or_default()
                                )
                            ),
                            16 => format!(
                                "IP:{}",
                                std::net::Ipv6Addr::from(
                                    <[u8; 16]>::try_from(*bytes).unwrap_or_default()
                                )
                            ),
                            _ => "IP:?".to_owned(),
                        },
                        other => other.to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Some(CertificateSummary {
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            not_before: rfc3339(cert.validity().not_before),
            not_after: rfc3339(cert.validity().not_after),
            subject_alt_names,
        })
    }
}

/// `2026-12-01T23:34:19Z`.
fn rfc3339(t: x509_parser::time::ASN1Time) -> String {
    let d = t.to_datetime();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        d.year(),
        u8::from(d.month()),
        d.day(),
        d.hour(),
        d.minute(),
        d.second()
    )
}

/// A certificate the client refused, by kind: what a person is told (in their language,
/// [`CertRefusal::describe`]) and a program can match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CertRefusal {
    /// Past its notAfter (RFC 3339 times, when rustls said them).
    Expired {
        not_after: Option<String>,
        now: Option<String>,
    },
    /// Before its notBefore.
    NotValidYet,
    /// Not valid for the name asked for.
    WrongName { name: String },
    /// Issued by an authority this client does not trust.
    UnknownIssuer,
    /// Revoked.
    Revoked,
}

impl CertRefusal {
    /// The refusal in `lang`, one clause (after "TLS handshake failed: ").
    pub fn describe(&self, lang: text::Lang) -> String {
        use text::t;
        match self {
            CertRefusal::Expired {
                not_after: Some(until),
                now: Some(now),
            } => t!(lang, "cert-expired-at", until = until, now = now),
            CertRefusal::Expired { .. } => t!(lang, "cert-expired"),
            CertRefusal::NotValidYet => t!(lang, "cert-not-yet-valid"),
            CertRefusal::WrongName { name } => t!(lang, "cert-wrong-name", name = name),
            CertRefusal::UnknownIssuer => t!(lang, "cert-unknown-issuer"),
            CertRefusal::Revoked => t!(lang, "cert-revoked"),
        }
    }

    /// Which refusal a failed handshake was, if it was a certificate's.
    pub fn of(err: &io::Error, host: &str) -> Option<CertRefusal> {
        use rustls::{CertificateError, Error};
        let tls = err.get_ref()?.downcast_ref::<Error>()?;
        let Error::InvalidCertificate(cert) = tls else {
            return None;
        };
        Some(match cert {
            CertificateError::Expired => CertRefusal::Expired {
                not_after: None,
                now: None,
            },
            CertificateError::ExpiredContext { time, not_after } => CertRefusal::Expired {
                not_after: Some(unix_text(not_after.as_secs())),
                now: Some(unix_text(time.as_secs())),
            },
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                CertRefusal::NotValidYet
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                CertRefusal::WrongName {
                    name: host.to_owned(),
                }
            }
            CertificateError::UnknownIssuer => CertRefusal::UnknownIssuer,
            CertificateError::Revoked => CertRefusal::Revoked,
            _ => return None,
        })
    }
}

/// Why a handshake failed: one English line, and the certificate refusal when it was one.
#[derive(Debug, Clone)]
pub struct HandshakeError {
    /// [`explain_failure`]'s line.
    pub why: String,
    /// Why, by class (a certificate's refusal among them).
    pub problem: crate::failure::HandshakeProblem,
}

/// Why a handshake failed, in one line a person can act on (curl's and browsers' wording).
pub fn explain_failure(err: &io::Error, host: &str) -> String {
    use rustls::{CertificateError, Error};
    let Some(tls) = err.get_ref().and_then(|e| e.downcast_ref::<Error>()) else {
        return err.to_string();
    };
    match tls {
        Error::InvalidCertificate(CertificateError::Expired) => {
            "the server's certificate has expired".to_owned()
        }
        Error::InvalidCertificate(CertificateError::ExpiredContext { time, not_after }) => format!(
            "the server's certificate expired at {} (now {})",
            unix_text(not_after.as_secs()),
            unix_text(time.as_secs())
        ),
        Error::InvalidCertificate(CertificateError::NotValidYet) => {
            "the server's certificate is not valid yet".to_owned()
        }
        Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        ) => format!("the server's certificate is not valid for the name {host}"),
        Error::InvalidCertificate(CertificateError::UnknownIssuer) => {
            "the server's certificate was issued by an authority this client does not trust \
             (--cacert FILE adds one)"
                .to_owned()
        }
        Error::InvalidCertificate(CertificateError::Revoked) => {
            "the server's certificate has been revoked".to_owned()
        }
        Error::InvalidCertificate(other) => {
            format!("the server's certificate is refused: {other:?}")
        }
        Error::AlertReceived(alert) => format!("the server refused the handshake: alert {alert:?}"),
        Error::PeerIncompatible(why) => {
            format!("the server and this client share no TLS version or cipher suite ({why:?})")
        }
        Error::NoApplicationProtocol => {
            "the server accepts none of the offered application protocols (ALPN)".to_owned()
        }
        other => other.to_string(),
    }
}

fn unix_text(secs: u64) -> String {
    x509_parser::time::ASN1Time::from_timestamp(secs as i64)
        .map_or_else(|_| format!("{secs} s after 1970"), rfc3339)
}

/// The client configuration: web PKI roots plus `extra_roots`; ALPN as `http` says; the
/// secrets to `key_log` when given.
pub fn client_config(
    extra_roots: &[CertificateDer<'static>],
    http: crate::fetch::HttpVersions,
    key_log: Option<Arc<dyn rustls::KeyLog>>,
) -> Result<Arc<rustls::ClientConfig>, rustls::Error> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for root in extra_roots {
        roots.add(root.clone())?;
    }
    // The provider is given, not taken from the process default, so the browser never depends
    // on (or panics over) what another part of the process installed.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = match http {
        crate::fetch::HttpVersions::Http2AndHttp11 => vec![b"h2".to_vec(), b"http/1.1".to_vec()],
        crate::fetch::HttpVersions::Http11Only => vec![b"http/1.1".to_vec()],
    };
    if let Some(key_log) = key_log {
        config.key_log = key_log;
    }
    Ok(Arc::new(config))
}

/// The certificates of a PEM file (`--cacert`): one or more `BEGIN CERTIFICATE` blocks.
pub fn load_pem_certificates(
    path: &std::path::Path,
) -> Result<Vec<CertificateDer<'static>>, String> {
    use rustls::pki_types::pem::PemObject;
    let certificates = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|err| format!("{}: {err}", path.display()))?;
    if certificates.is_empty() {
        return Err(format!("{}: no certificate in the file", path.display()));
    }
    Ok(certificates)
}

/// The TLS handshake over `tcp` for `host` (a DNS name or an address).
pub async fn handshake(
    config: Arc<rustls::ClientConfig>,
    host: &str,
    tcp: TcpStream,
) -> Result<(TlsStream<TcpStream>, TlsInfo), HandshakeError> {
    let server_name = ServerName::try_from(host.to_owned()).map_err(|_| HandshakeError {
        why: format!("{host} is not a name TLS can check"),
        problem: crate::failure::HandshakeProblem::NotAName(host.to_owned()),
    })?;
    let connector = tokio_rustls::TlsConnector::from(config);
    let stream = connector
        .connect(server_name, tcp)
        .await
        .map_err(|err| HandshakeError {
            why: explain_failure(&err, host),
            problem: crate::failure::HandshakeProblem::of(&err, host),
        })?;
    let (_, session) = stream.get_ref();
    let info = TlsInfo {
        server_name: host.to_owned(),
        version: session
            .protocol_version()
            .map(|v| format!("{v:?}"))
            .unwrap_or_default(),
        cipher_suite: session
            .negotiated_cipher_suite()
            .map(|s| format!("{:?}", s.suite()))
            .unwrap_or_default(),
        key_exchange_group: session
            .negotiated_key_exchange_group()
            .map(|g| format!("{:?}", g.name())),
        alpn: session
            .alpn_protocol()
            .map(|p| String::from_utf8_lossy(p).into_owned()),
        peer_certificates: session.peer_certificates().map_or(0, <[_]>::len),
        certificate: session
            .peer_certificates()
            .and_then(|chain| chain.first())
            .and_then(|leaf| CertificateSummary::of(leaf)),
    };
    Ok((stream, info))
}

/// A connection's byte stream: plain TCP, or TLS over TCP.
pub enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Stream::Plain(s) => s.is_write_vectored(),
            Stream::Tls(s) => s.is_write_vectored(),
        }
    }
}
