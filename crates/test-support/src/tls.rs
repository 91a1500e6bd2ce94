//! TLS for tests: a throwaway CA (root -> leaf) written to a temporary directory, and a
//! blocking rustls client that trusts only that root and offers the ALPN protocols given.

use std::io;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, ServerName};

/// A root and a leaf for `names`, as PEM files in a directory removed on drop.
pub struct TestCerts {
    pub dir: PathBuf,
    /// The root's PEM file (`curl --cacert`).
    pub root_pem: PathBuf,
    /// The leaf's PEM file (`--tls-cert`).
    pub cert_pem: PathBuf,
    /// The leaf's key, PEM (`--tls-key`).
    pub key_pem: PathBuf,
    /// The root, DER (for [`client`]).
    pub root: CertificateDer<'static>,
}

impl TestCerts {
    pub fn new(names: &[&str]) -> TestCerts {
        let dir = std::env::temp_dir().join(format!(
            "roundtrip-certs-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let root_key = KeyPair::generate().unwrap();
        let mut root_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        root_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        root_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "roundtrip test root");
        let root = root_params.self_signed(&root_key).unwrap();
        let issuer = Issuer::new(root_params, &root_key);
        let leaf_key = KeyPair::generate().unwrap();
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let leaf = CertificateParams::new(names)
            .unwrap()
            .signed_by(&leaf_key, &issuer)
            .unwrap();
        let certs = TestCerts {
            root_pem: dir.join("root.pem"),
            cert_pem: dir.join("cert.pem"),
            key_pem: dir.join("key.pem"),
            root: root.der().clone(),
            dir,
        };
        std::fs::write(&certs.root_pem, root.pem()).unwrap();
        std::fs::write(&certs.cert_pem, leaf.pem()).unwrap();
        std::fs::write(&certs.key_pem, leaf_key.serialize_pem()).unwrap();
        certs
    }

    /// Another key, PEM, that belongs to no certificate here.
    pub fn stray_key(&self) -> PathBuf {
        let path = self.dir.join("stray.key");
        std::fs::write(&path, KeyPair::generate().unwrap().serialize_pem()).unwrap();
        path
    }
}

impl Drop for TestCerts {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A blocking TLS connection.
pub type TlsStream = rustls::StreamOwned<rustls::ClientConnection, TcpStream>;

/// Connects to `addr`, sends SNI `name`, trusts only `root`, offers `alpn`; the handshake is
/// done when this returns.
pub fn client(
    addr: SocketAddr,
    name: &str,
    root: &CertificateDer<'static>,
    alpn: &[&[u8]],
) -> io::Result<TlsStream> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(root.clone()).map_err(io::Error::other)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let server_name = ServerName::try_from(name.to_owned()).map_err(io::Error::other)?;
    let connection =
        rustls::ClientConnection::new(Arc::new(config), server_name).map_err(io::Error::other)?;
    let tcp = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    tcp.set_read_timeout(Some(Duration::from_secs(10)))?;
    tcp.set_write_timeout(Some(Duration::from_secs(10)))?;
    let mut stream = rustls::StreamOwned::new(connection, tcp);
    while stream.conn.is_handshaking() {
        stream.conn.complete_io(&mut stream.sock)?;
    }
    Ok(stream)
}

/// The PEM file's path as a string, for command lines.
pub fn arg(path: &Path) -> String {
    path.display().to_string()
}
