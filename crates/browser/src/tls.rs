//! `https://`: TLS on rustls with the ring provider (one provider for the whole project, see
//! CRATES.md), trusting the web PKI's roots (Mozilla's, from `webpki-roots`, so no system trust
//! store is read or touched) and any extra roots the caller gives — the lab's own CA, say,
//! which only this client then trusts. ALPN offers `http/1.1` only: HTTP/2 comes later.
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
    /// The protocol agreed by ALPN (`http/1.1`), if the server took part.
    pub alpn: Option<String>,
    /// The certificate chain's length as the server sent it.
    pub peer_certificates: usize,
}

/// The client configuration: web PKI roots plus `extra_roots`.
pub fn client_config(
    extra_roots: &[CertificateDer<'static>],
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
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
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
) -> Result<(TlsStream<TcpStream>, TlsInfo), String> {
    let server_name = ServerName::try_from(host.to_owned())
        .map_err(|_| format!("{host} is not a name TLS can check"))?;
    let connector = tokio_rustls::TlsConnector::from(config);
    let stream = connector
        .connect(server_name, tcp)
        .await
        .map_err(|err| err.to_string())?;
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
        alpn: session
            .alpn_protocol()
            .map(|p| String::from_utf8_lossy(p).into_owned()),
        peer_certificates: session.peer_certificates().map_or(0, <[_]>::len),
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
