//! HTTPS: the certificate chain and key (PEM files, or DER from the lab's CA), the rustls
//! server config (ring provider, TLS 1.3 and 1.2, ALPN `h2` then `http/1.1`), and the HTTP/2
//! limits a hardened server sets.
//!
//! ALPN decides the protocol (RFC 7301): a client that offers `h2` gets HTTP/2 through hyper's
//! `http2` connection, any other (or none) HTTP/1.1 through the same path as plain HTTP.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A certificate chain (leaf first) and its private key, checked to belong together.
pub struct TlsIdentity {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

impl Clone for TlsIdentity {
    fn clone(&self) -> Self {
        TlsIdentity {
            chain: self.chain.clone(),
            key: self.key.clone_key(),
        }
    }
}

impl std::fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("TlsIdentity")
            .field("certificates", &self.chain.len())
            .finish_non_exhaustive()
    }
}

/// A certificate or key file that cannot be used: the file, and why.
#[derive(Debug, thiserror::Error)]
#[error("{}: {reason}", path.display())]
pub struct TlsFileError {
    /// The file at fault.
    pub path: PathBuf,
    /// What is wrong with it.
    pub reason: TlsFileProblem,
}

/// What is wrong with a certificate or key file: each a class of its own (the system's error,
/// the PEM reader's, rustls's), so that it can be said in any language; `Display` is English.
#[derive(Debug, thiserror::Error)]
pub enum TlsFileProblem {
    /// The file could not be read.
    #[error("{0}")]
    Read(std::io::Error),
    /// The certificate file is not PEM.
    #[error("not a PEM certificate file: {0}")]
    CertificatePem(rustls::pki_types::pem::Error),
    /// The certificate file holds no certificate.
    #[error("no certificate (BEGIN CERTIFICATE) in the file")]
    NoCertificate,
    /// The key file is not PEM.
    #[error("not a PEM private key file: {0}")]
    KeyPem(rustls::pki_types::pem::Error),
    /// The key file holds no private key.
    #[error("no private key (BEGIN PRIVATE KEY) in the file")]
    NoKey,
    /// The chain and the key do not make an identity.
    #[error("{0}")]
    Identity(IdentityError),
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    // Given, never taken from the process default: one provider (ring) for the whole project.
    Arc::new(rustls::crypto::ring::default_provider())
}

impl TlsIdentity {
    /// Reads a PEM certificate chain (leaf first, then its intermediates) and a PEM private key
    /// (PKCS#8, PKCS#1 or SEC1), and checks that the key is the leaf's.
    pub fn from_pem_files(cert: &Path, key: &Path) -> Result<TlsIdentity, TlsFileError> {
        let at = |path: &Path, reason: TlsFileProblem| TlsFileError {
            path: path.to_owned(),
            reason,
        };
        let bytes = std::fs::read(cert).map_err(|err| at(cert, TlsFileProblem::Read(err)))?;
        let chain = CertificateDer::pem_slice_iter(&bytes)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|err| at(cert, TlsFileProblem::CertificatePem(err)))?;
        if chain.is_empty() {
            return Err(at(cert, TlsFileProblem::NoCertificate));
        }
        let bytes = std::fs::read(key).map_err(|err| at(key, TlsFileProblem::Read(err)))?;
        let key_der = PrivateKeyDer::from_pem_slice(&bytes).map_err(|err| {
            at(
                key,
                match err {
                    rustls::pki_types::pem::Error::NoItemsFound => TlsFileProblem::NoKey,
                    err => TlsFileProblem::KeyPem(err),
                },
            )
        })?;
        TlsIdentity::from_der(chain, key_der).map_err(|why| {
            let path = if why.is_the_keys() { key } else { cert };
            at(path, TlsFileProblem::Identity(why))
        })
    }

    /// A chain (leaf first) and key already in DER, as the lab's CA makes them.
    pub fn from_der(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Result<TlsIdentity, IdentityError> {
        if chain.is_empty() {
            return Err(IdentityError::NoCertificate);
        }
        match rustls::sign::CertifiedKey::from_der(chain.clone(), key.clone_key(), &provider()) {
            Ok(_) => Ok(TlsIdentity { chain, key }),
            Err(rustls::Error::InconsistentKeys(_)) => Err(IdentityError::KeyMismatch),
            Err(rustls::Error::InvalidCertificate(err)) => Err(IdentityError::Certificate(err)),
            Err(err) => Err(IdentityError::Key(err)),
        }
    }

    /// The chain, leaf first.
    pub fn chain(&self) -> &[CertificateDer<'static>] {
        &self.chain
    }

    /// rustls's server side: TLS 1.3 and 1.2, ALPN `h2` (when `http2`) then `http/1.1`.
    pub(crate) fn server_config(&self, http2: bool) -> Arc<rustls::ServerConfig> {
        let mut config = rustls::ServerConfig::builder_with_provider(provider())
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .expect("ring supports TLS 1.3 and 1.2")
            .with_no_client_auth()
            .with_single_cert(self.chain.clone(), self.key.clone_key())
            .expect("checked in from_der");
        config.alpn_protocols = if http2 {
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        } else {
            vec![b"http/1.1".to_vec()]
        };
        Arc::new(config)
    }
}

/// Why a chain and a key do not make a [`TlsIdentity`], by rustls's classes.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// The chain is empty.
    #[error("no certificate")]
    NoCertificate,
    /// The key is not the leaf certificate's.
    #[error("the private key does not match the certificate's public key")]
    KeyMismatch,
    /// rustls refuses the leaf certificate.
    #[error("bad certificate: {0}")]
    Certificate(rustls::CertificateError),
    /// rustls cannot use the private key.
    #[error("unusable private key: {0}")]
    Key(rustls::Error),
}

impl IdentityError {
    /// Whether the key is at fault (else the certificate chain).
    pub fn is_the_keys(&self) -> bool {
        matches!(self, IdentityError::KeyMismatch | IdentityError::Key(_))
    }
}

/// HTTP/2's limits (RFC 9113 §6.5.2 SETTINGS, §5.1.2 streams), set as a server on the internet
/// sets them. The defaults are nginx's where nginx has one.
#[derive(Debug, Clone, PartialEq)]
pub struct Http2Limits {
    /// Offer `h2` in ALPN at all.
    pub enabled: bool,
    /// SETTINGS_MAX_CONCURRENT_STREAMS (nginx `http2_max_concurrent_streams` 128).
    pub max_concurrent_streams: u32,
    /// SETTINGS_MAX_HEADER_LIST_SIZE, the decoded header list; `None` = the server's
    /// `max_header_bytes`. It also bounds the HEADERS + CONTINUATION frames buffered for one
    /// header block, which is what stops a CONTINUATION flood.
    pub max_header_list_size: Option<u32>,
    /// SETTINGS_INITIAL_WINDOW_SIZE: how much request body a stream may send unacknowledged.
    pub initial_stream_window: u32,
    /// The connection's flow-control window, for all streams together.
    pub initial_connection_window: u32,
    /// SETTINGS_MAX_FRAME_SIZE (16 KiB is the protocol's floor and nginx's choice).
    pub max_frame_size: u32,
    /// Streams the client opened and reset before the server took them up; more and the
    /// connection ends with GOAWAY ENHANCE_YOUR_CALM (the rapid-reset attack, CVE-2023-44487).
    pub max_pending_accept_reset_streams: usize,
    /// Streams the server had to reset because the client broke the protocol on them; more and
    /// the connection ends with GOAWAY (the "MadeYouReset" attack, CVE-2025-8671).
    pub max_local_error_reset_streams: usize,
    /// Pings an idle connection this often, and closes it when no answer comes within
    /// `keep_alive_timeout`.
    pub keep_alive_interval: Duration,
    /// See `keep_alive_interval`.
    pub keep_alive_timeout: Duration,
    /// A connection with no stream open this long gets GOAWAY, and is dropped if still open
    /// as long again (a client that does not read, or never answers the GOAWAY's PING);
    /// `None` = the server's `header_timeout`, the time an idle HTTP/1.1 connection is kept.
    pub idle_timeout: Option<Duration>,
}

impl Default for Http2Limits {
    fn default() -> Self {
        Http2Limits {
            enabled: true,
            max_concurrent_streams: 128,
            max_header_list_size: None,
            initial_stream_window: 256 * 1024,
            initial_connection_window: 1024 * 1024,
            max_frame_size: 16 * 1024,
            max_pending_accept_reset_streams: 20,
            max_local_error_reset_streams: 256,
            keep_alive_interval: Duration::from_secs(60),
            keep_alive_timeout: Duration::from_secs(20),
            idle_timeout: None,
        }
    }
}

/// The value of `Strict-Transport-Security` on HTTPS responses by default (one year, the
/// subdomains too: what the HSTS preload list asks of a site).
pub const DEFAULT_HSTS: &str = "max-age=31536000; includeSubDomains";
