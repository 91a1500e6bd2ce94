//! The lab's certificate authority: made with rcgen the first time a lab starts, kept in the
//! lab's state directory (`$XDG_STATE_HOME/roundtrip/ca`, beside the lab's database) and reused
//! while it is valid. A chain like the real one: a root (10 years) signs an intermediate
//! (5 years, name-constrained to the lab's web names) which signs the web server's leaf (90 days,
//! the lab's web names as SANs, renewed a week before it expires).
//!
//! Nothing here touches a system trust store: the root is trusted only by whoever is handed it
//! ([`LabCa::root_der`], [`LabCa::root_path`]): the lab's own browser, `roundtrip get --cacert`,
//! `curl --cacert`.
//!
//! Files (keys 0600, the directory 0700):
//! ```text
//! ca/root.pem  root.key           the root: trust this one
//! ca/intermediate.pem  .key       the issuing CA
//! ca/leaf.pem  leaf.key           the web server's chain (leaf, then intermediate) and key
//! ca/ca.json                      what was issued: the root's expiry, the leaf's names
//! ```

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose,
    GeneralSubtree, IsCa, Issuer, KeyPair, KeyUsagePurpose, NameConstraints,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use serde::{Deserialize, Serialize};

const ROOT_LIFE: Duration = Duration::from_secs(10 * 365 * 86_400);
const INTERMEDIATE_LIFE: Duration = Duration::from_secs(5 * 365 * 86_400);
/// Let's Encrypt's leaf lifetime.
const LEAF_LIFE: Duration = Duration::from_secs(90 * 86_400);
/// Anything that expires within this is made again.
const RENEW_BEFORE: Duration = Duration::from_secs(7 * 86_400);
/// Not-before lies this far in the past, for clocks a little behind.
const BACKDATE: Duration = Duration::from_secs(3600);

/// The lab's CA as the rest of the lab uses it.
#[derive(Debug, Clone)]
pub struct LabCa {
    dir: PathBuf,
    root: CertificateDer<'static>,
    chain: Vec<CertificateDer<'static>>,
    key: Arc<PrivateKeyDer<'static>>,
    names: Vec<String>,
    made: Made,
}

/// What [`LabCa::load_or_create`] had to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Made {
    /// Everything was there and valid.
    Reused,
    /// The root was kept; the intermediate and leaf were issued again (expiring, or new names).
    Reissued,
    /// A new root, intermediate and leaf.
    Created,
}

/// Why the CA could not be made or read. `Display` is English; [`CaError::describe`] says it in
/// a language.
#[derive(Debug, thiserror::Error)]
pub enum CaError {
    /// A file or the directory.
    #[error("{}: {reason}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: CaFileProblem,
    },
    /// rcgen refused.
    #[error("making the lab's certificates: {0}")]
    Make(#[from] rcgen::Error),
}

/// What went wrong with a file of the CA.
#[derive(Debug, thiserror::Error)]
pub enum CaFileProblem {
    /// The system's error.
    #[error("{0}")]
    Io(std::io::Error),
    /// The PEM reader's, on a file this module wrote: its own words.
    #[error("{0}")]
    Pem(String),
    /// The leaf's chain has no intermediate.
    #[error("no intermediate in the chain")]
    NoIntermediate,
}

impl CaError {
    /// The error in `lang`: the file and the system's error by its kind; rcgen's and the PEM
    /// reader's own words quoted and attributed.
    pub fn describe(&self, lang: text::Lang) -> String {
        use text::t;
        if lang == text::Lang::En {
            return self.to_string();
        }
        match self {
            CaError::File { path, reason } => {
                let why = match reason {
                    CaFileProblem::Io(err) => text::io_error(lang, err),
                    CaFileProblem::Pem(detail) => t!(lang, "ca-pem", detail = detail),
                    CaFileProblem::NoIntermediate => t!(lang, "ca-no-intermediate"),
                };
                format!("{}: {why}", path.display())
            }
            CaError::Make(err) => t!(lang, "ca-make", detail = err.to_string()),
        }
    }
}

/// `ca.json`: what the files hold, as this module wrote them.
#[derive(Debug, Serialize, Deserialize)]
struct Record {
    /// The root's notAfter, in seconds since 1970.
    root_not_after: u64,
    /// The names the leaf was issued for.
    names: Vec<String>,
}

impl LabCa {
    /// The CA's directory in the user's state directory: `$XDG_STATE_HOME/roundtrip/ca`
    /// (`~/.local/state/roundtrip/ca`), beside the lab's database.
    pub fn default_dir() -> PathBuf {
        crate::config::default_database_path()
            .parent()
            .map_or_else(|| PathBuf::from("ca"), |state| state.join("ca"))
    }

    /// The CA in `dir` with a leaf for `names` (the first is the leaf's subject): reused when
    /// every file is there and valid for another week, else made again (the root kept when it
    /// is still good). Two labs starting at once take turns (a lock file).
    pub fn load_or_create(dir: &Path, names: &[String]) -> Result<LabCa, CaError> {
        Self::load_or_create_at(dir, names, SystemTime::now())
    }

    /// As [`LabCa::load_or_create`], at the time `now` (tests move the clock).
    pub fn load_or_create_at(
        dir: &Path,
        names: &[String],
        now: SystemTime,
    ) -> Result<LabCa, CaError> {
        let file_error = |path: &Path, err: std::io::Error| CaError::File {
            path: path.to_owned(),
            reason: CaFileProblem::Io(err),
        };
        std::fs::create_dir_all(dir).map_err(|e| file_error(dir, e))?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| file_error(dir, e))?;
        let _lock = Lock::take(&dir.join(".lock")).map_err(|e| file_error(dir, e))?;
        let mut names: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
        names.dedup();

        if let Some(ca) = Self::reuse(dir, &names, now) {
            return Ok(ca);
        }
        let root_kept = Self::stored_root(dir, now);
        let made = if root_kept.is_some() {
            Made::Reissued
        } else {
            Made::Created
        };
        let (root_pem, root_key) = match root_kept {
            Some(root) => root,
            None => {
                let key = KeyPair::generate()?;
                let cert = root_params(now).self_signed(&key)?;
                let pem = cert.pem();
                write(dir, "root.key", key.serialize_pem().as_bytes(), true)?;
                write(dir, "root.pem", pem.as_bytes(), false)?;
                let record = Record {
                    root_not_after: unix(now + ROOT_LIFE),
                    names: Vec::new(),
                };
                write_record(dir, &record)?;
                (pem, key)
            }
        };
        let root_issuer = Issuer::new(root_params(now), &root_key);
        let inter_key = KeyPair::generate()?;
        let inter = intermediate_params(now, &names).signed_by(&inter_key, &root_issuer)?;
        let inter_issuer = Issuer::new(intermediate_params(now, &names), &inter_key);
        let leaf_key = KeyPair::generate()?;
        let leaf = leaf_params(now, &names)?.signed_by(&leaf_key, &inter_issuer)?;
        write(
            dir,
            "intermediate.key",
            inter_key.serialize_pem().as_bytes(),
            true,
        )?;
        write(dir, "intermediate.pem", inter.pem().as_bytes(), false)?;
        write(dir, "leaf.key", leaf_key.serialize_pem().as_bytes(), true)?;
        write(
            dir,
            "leaf.pem",
            format!("{}{}", leaf.pem(), inter.pem()).as_bytes(),
            false,
        )?;
        let mut record = read_record(dir).unwrap_or(Record {
            root_not_after: 0,
            names: Vec::new(),
        });
        record.names = names.clone();
        write_record(dir, &record)?;
        let root =
            CertificateDer::from_pem_slice(root_pem.as_bytes()).map_err(|e| CaError::File {
                path: dir.join("root.pem"),
                reason: CaFileProblem::Pem(e.to_string()),
            })?;
        let key =
            PrivateKeyDer::from_pem_slice(leaf_key.serialize_pem().as_bytes()).map_err(|e| {
                CaError::File {
                    path: dir.join("leaf.key"),
                    reason: CaFileProblem::Pem(e.to_string()),
                }
            })?;
        Ok(LabCa {
            dir: dir.to_owned(),
            root,
            chain: vec![leaf.der().clone(), inter.der().clone()],
            key: Arc::new(key),
            names,
            made,
        })
    }

    /// Every file there, the root not near its end, the chain valid for `names` a week from
    /// `now`: the CA as it is.
    fn reuse(dir: &Path, names: &[String], now: SystemTime) -> Option<LabCa> {
        let record = read_record(dir)?;
        if record.root_not_after < unix(now + RENEW_BEFORE) || record.names != names {
            return None;
        }
        // The root's key too: a CA that could not issue the next leaf is repaired now.
        Self::stored_root(dir, now)?;
        let root = CertificateDer::from_pem_file(dir.join("root.pem")).ok()?;
        let chain = CertificateDer::pem_file_iter(dir.join("leaf.pem"))
            .ok()?
            .collect::<Result<Vec<_>, _>>()
            .ok()?;
        let key = PrivateKeyDer::from_pem_file(dir.join("leaf.key")).ok()?;
        // The key is the leaf's, and the chain verifies to the root for every name.
        rustls::sign::CertifiedKey::from_der(
            chain.clone(),
            key.clone_key(),
            &rustls::crypto::ring::default_provider(),
        )
        .ok()?;
        verify(&root, &chain, names, now + RENEW_BEFORE).ok()?;
        Some(LabCa {
            dir: dir.to_owned(),
            root,
            chain,
            key: Arc::new(key),
            names: names.to_vec(),
            made: Made::Reused,
        })
    }

    /// The stored root and its key, when both read back and the root has a week left.
    fn stored_root(dir: &Path, now: SystemTime) -> Option<(String, KeyPair)> {
        let record = read_record(dir)?;
        if record.root_not_after < unix(now + RENEW_BEFORE) {
            return None;
        }
        let pem = std::fs::read_to_string(dir.join("root.pem")).ok()?;
        let key_pem = std::fs::read_to_string(dir.join("root.key")).ok()?;
        let key = KeyPair::from_pem(&key_pem).ok()?;
        // The key must be the certificate's (rustls compares the public keys).
        let cert = CertificateDer::from_pem_slice(pem.as_bytes()).ok()?;
        rustls::sign::CertifiedKey::from_der(
            vec![cert],
            PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).ok()?,
            &rustls::crypto::ring::default_provider(),
        )
        .ok()?;
        Some((pem, key))
    }

    /// The root certificate, DER: what the lab's browser trusts.
    pub fn root_der(&self) -> &CertificateDer<'static> {
        &self.root
    }

    /// The root certificate, PEM.
    pub fn root_pem(&self) -> String {
        pem_block("CERTIFICATE", &self.root)
    }

    /// The root's file, for `curl --cacert` and `roundtrip get --cacert`.
    pub fn root_path(&self) -> PathBuf {
        self.dir.join("root.pem")
    }

    /// The web server's chain: leaf, then intermediate.
    pub fn leaf_chain(&self) -> &[CertificateDer<'static>] {
        &self.chain
    }

    /// The leaf's private key.
    pub fn leaf_key(&self) -> PrivateKeyDer<'static> {
        self.key.clone_key()
    }

    /// The chain's PEM file (`serve web --tls-cert`).
    pub fn leaf_chain_path(&self) -> PathBuf {
        self.dir.join("leaf.pem")
    }

    /// The leaf key's PEM file (`serve web --tls-key`), mode 0600.
    pub fn leaf_key_path(&self) -> PathBuf {
        self.dir.join("leaf.key")
    }

    /// The names the leaf is valid for.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Whether this start reused, reissued or created the CA.
    pub fn made(&self) -> Made {
        self.made
    }

    /// The web server's identity: the leaf chain and key.
    pub fn web_identity(&self) -> Result<web::TlsIdentity, web::IdentityError> {
        web::TlsIdentity::from_der(self.chain.clone(), self.leaf_key())
    }

    /// A leaf that a browser must refuse, signed by the same intermediate, for one tour's
    /// fault: made in memory only (the CA's directory is read, never written) and never in
    /// place of the real leaf. Its chain (leaf, then intermediate) and key.
    pub fn faulty_leaf(
        &self,
        fault: FaultyLeaf,
    ) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), CaError> {
        self.faulty_leaf_at(fault, SystemTime::now())
    }

    /// As [`LabCa::faulty_leaf`], at the time `now`.
    pub fn faulty_leaf_at(
        &self,
        fault: FaultyLeaf,
        now: SystemTime,
    ) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), CaError> {
        let key_path = self.dir.join("intermediate.key");
        let key_pem = std::fs::read_to_string(&key_path).map_err(|e| CaError::File {
            path: key_path.clone(),
            reason: CaFileProblem::Io(e),
        })?;
        let inter_key = KeyPair::from_pem(&key_pem)?;
        // The intermediate's name and key are what a leaf's issuer and authority key
        // identifier come from: the same as when the real leaf was signed.
        let inter_issuer = Issuer::new(intermediate_params(now, &self.names), &inter_key);
        let intermediate = self.chain.get(1).cloned().ok_or_else(|| CaError::File {
            path: self.leaf_chain_path(),
            reason: CaFileProblem::NoIntermediate,
        })?;
        let params = match fault {
            FaultyLeaf::Expired => {
                // Valid for 29 days, until yesterday.
                let mut params = leaf_params(now, &self.names)?;
                params.not_before = date(now - Duration::from_secs(30 * 86_400));
                params.not_after = date(now - Duration::from_secs(86_400));
                params
            }
            FaultyLeaf::WrongName => leaf_params(now, &[self.other_name()])?,
        };
        let leaf_key = KeyPair::generate()?;
        let leaf = params.signed_by(&leaf_key, &inter_issuer)?;
        let key = PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into());
        Ok((vec![leaf.der().clone(), intermediate], key))
    }

    /// The name the wrong-name leaf is for: another host of the lab's own domain
    /// (`mail.google.com`), which the intermediate may vouch for (its name constraints allow
    /// the lab's names and their subdomains), but not the name the browser asks for. A name
    /// outside the lab's domain would be refused for the constraint, not for the name.
    pub fn other_name(&self) -> String {
        other_name(&self.names)
    }

    /// The web server's identity for a fault: a [`LabCa::faulty_leaf`].
    pub fn faulty_identity(&self, fault: FaultyLeaf) -> Result<web::TlsIdentity, String> {
        let (chain, key) = self.faulty_leaf(fault).map_err(|e| e.to_string())?;
        web::TlsIdentity::from_der(chain, key).map_err(|e| e.to_string())
    }
}

/// Which certificate a browser must refuse ([`LabCa::faulty_leaf`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultyLeaf {
    /// The lab's names, but valid from 30 days ago until yesterday.
    Expired,
    /// Valid now, but for another name only ([`LabCa::other_name`]).
    WrongName,
}

/// Checks `chain` (leaf first) against `root` for every name at time `at`, as a browser would.
pub fn verify(
    root: &CertificateDer<'static>,
    chain: &[CertificateDer<'static>],
    names: &[String],
    at: SystemTime,
) -> Result<(), String> {
    use rustls::client::danger::ServerCertVerifier;
    let mut roots = rustls::RootCertStore::empty();
    roots.add(root.clone()).map_err(|e| e.to_string())?;
    let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(
        Arc::new(roots),
        Arc::new(rustls::crypto::ring::default_provider()),
    )
    .build()
    .map_err(|e| e.to_string())?;
    let (leaf, intermediates) = chain.split_first().ok_or("an empty chain")?;
    let at = UnixTime::since_unix_epoch(at.duration_since(UNIX_EPOCH).unwrap_or_default());
    for name in names {
        let server_name = ServerName::try_from(name.clone()).map_err(|e| e.to_string())?;
        verifier
            .verify_server_cert(leaf, intermediates, &server_name, &[], at)
            .map_err(|e| format!("{name}: {e}"))?;
    }
    Ok(())
}

/// The name of [`LabCa::other_name`] for a lab whose web names are `names`: `mail.` and the
/// shortest of them (the apex), made longer while it is one of them.
pub fn other_name(names: &[String]) -> String {
    let apex = names
        .iter()
        .min_by_key(|n| n.len())
        .map_or("lab", String::as_str);
    let mut other = format!("mail.{apex}");
    while names.contains(&other) {
        other = format!("other.{other}");
    }
    other
}

fn unix(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn date(at: SystemTime) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(unix(at) as i64)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

fn dn(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(
        DnType::OrganizationName,
        "roundtrip lab (not for any system trust store)",
    );
    dn.push(DnType::CommonName, common_name);
    dn
}

/// The root's parameters: the same every time, so that a stored root key signs again with the
/// same issuer name and key identifier.
fn root_params(now: SystemTime) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = dn("roundtrip lab root CA");
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(1));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.not_before = date(now - BACKDATE);
    params.not_after = date(now + ROOT_LIFE);
    params
}

fn intermediate_params(now: SystemTime, names: &[String]) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = dn("roundtrip lab intermediate CA 1");
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    // It can vouch for the lab's web names and nothing else, whoever trusts the root.
    params.name_constraints = Some(NameConstraints {
        permitted_subtrees: names
            .iter()
            .map(|n| GeneralSubtree::DnsName(n.clone()))
            .collect(),
        excluded_subtrees: Vec::new(),
    });
    params.use_authority_key_identifier_extension = true;
    params.not_before = date(now - BACKDATE);
    params.not_after = date(now + INTERMEDIATE_LIFE);
    params
}

fn leaf_params(now: SystemTime, names: &[String]) -> Result<CertificateParams, rcgen::Error> {
    let mut params = CertificateParams::new(names.to_vec())?;
    let mut dn = DistinguishedName::new();
    dn.push(
        DnType::CommonName,
        names.first().map_or("lab", String::as_str),
    );
    params.distinguished_name = dn;
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    params.not_before = date(now - BACKDATE);
    params.not_after = date(now + LEAF_LIFE);
    Ok(params)
}

fn pem_block(label: &str, der: &[u8]) -> String {
    // The base64 of RFC 7468, 64 columns.
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut text = String::new();
    for chunk in der.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                text.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                text.push('=');
            }
        }
    }
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in text.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

fn read_record(dir: &Path) -> Option<Record> {
    serde_json::from_slice(&std::fs::read(dir.join("ca.json")).ok()?).ok()
}

fn write_record(dir: &Path, record: &Record) -> Result<(), CaError> {
    let json = serde_json::to_vec_pretty(record).expect("a record serialises");
    write(dir, "ca.json", &json, false)
}

/// Writes `name` in `dir` whole or not at all (a temporary file renamed over it); a key is
/// created 0600 from the start, never readable by others even for a moment.
fn write(dir: &Path, name: &str, bytes: &[u8], secret: bool) -> Result<(), CaError> {
    let path = dir.join(name);
    let temporary = dir.join(format!(".{name}.tmp"));
    let error = |err: std::io::Error| CaError::File {
        path: path.clone(),
        reason: CaFileProblem::Io(err),
    };
    let _ = std::fs::remove_file(&temporary);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(if secret { 0o600 } else { 0o644 })
        .open(&temporary)
        .map_err(error)?;
    file.write_all(bytes).map_err(error)?;
    file.sync_all().map_err(error)?;
    std::fs::rename(&temporary, &path).map_err(error)
}

/// An exclusive `flock` on a file, released when dropped.
struct Lock(std::fs::File);

impl Lock {
    fn take(path: &Path) -> std::io::Result<Lock> {
        use std::os::fd::AsRawFd;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(path)?;
        // SAFETY: flock on an open descriptor; blocks until the other holder is done.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(Lock(file))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        use std::os::fd::AsRawFd;
        // SAFETY: as above.
        unsafe { libc::flock(self.0.as_raw_fd(), libc::LOCK_UN) };
    }
}

#[cfg(test)]
mod tests;
