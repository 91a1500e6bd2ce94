//! Key logs in the NSS format (`SSLKEYLOGFILE`, as curl, Firefox, Chrome and rustls's
//! `KeyLogFile` write them): one line per secret, `LABEL <client random hex> <secret hex>`.
//! Text enters at [`KeyLog::parse`], or secret by secret at [`KeyLog::add`] (the arguments of
//! rustls's `KeyLog::log`); it leaves as text through [`KeyLog::to_nss`] and [`write_keylog`],
//! and into a pcapng Decryption Secrets Block through [`crate::write_pcap_with_keylog`].

use std::io;
use std::path::Path;

use super::handshake::to_hex;

/// TLS 1.3 labels (RFC 8446 §7.1 secrets), and TLS 1.2's master secret.
pub mod label {
    /// The client's handshake traffic secret.
    pub const CLIENT_HANDSHAKE: &str = "CLIENT_HANDSHAKE_TRAFFIC_SECRET";
    /// The server's handshake traffic secret.
    pub const SERVER_HANDSHAKE: &str = "SERVER_HANDSHAKE_TRAFFIC_SECRET";
    /// The client's first application traffic secret.
    pub const CLIENT_TRAFFIC_0: &str = "CLIENT_TRAFFIC_SECRET_0";
    /// The server's first application traffic secret.
    pub const SERVER_TRAFFIC_0: &str = "SERVER_TRAFFIC_SECRET_0";
    /// TLS 1.2 (and before): the master secret.
    pub const CLIENT_RANDOM: &str = "CLIENT_RANDOM";
}

/// One line of a key log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyLogEntry {
    /// `CLIENT_HANDSHAKE_TRAFFIC_SECRET`, `CLIENT_RANDOM` ...
    pub label: String,
    /// The ClientHello's random, which names the connection.
    pub client_random: Vec<u8>,
    /// The secret.
    pub secret: Vec<u8>,
}

/// The secrets of a run's TLS connections.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyLog {
    entries: Vec<KeyLogEntry>,
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

impl KeyLog {
    /// An empty key log.
    pub fn new() -> KeyLog {
        KeyLog::default()
    }

    /// Reads NSS key-log text; comments (`#`), blank lines and lines that do not parse are
    /// skipped, as Wireshark skips them.
    pub fn parse(text: &str) -> KeyLog {
        let mut log = KeyLog::new();
        for line in text.lines() {
            let mut fields = line.split_ascii_whitespace();
            let (Some(label), Some(random), Some(secret), None) =
                (fields.next(), fields.next(), fields.next(), fields.next())
            else {
                continue;
            };
            if label.starts_with('#') {
                continue;
            }
            if let (Some(random), Some(secret)) = (unhex(random), unhex(secret)) {
                log.add(label, &random, &secret);
            }
        }
        log
    }

    /// Adds one secret; the same (label, client random) again replaces the first.
    pub fn add(&mut self, label: &str, client_random: &[u8], secret: &[u8]) {
        let entry = KeyLogEntry {
            label: label.to_owned(),
            client_random: client_random.to_vec(),
            secret: secret.to_vec(),
        };
        match self
            .entries
            .iter_mut()
            .find(|e| e.label == label && e.client_random == client_random)
        {
            Some(known) => *known = entry,
            None => self.entries.push(entry),
        }
    }

    /// The secret logged under `label` for the connection whose ClientHello carried
    /// `client_random`.
    pub fn secret(&self, label: &str, client_random: &[u8]) -> Option<&[u8]> {
        self.entries
            .iter()
            .find(|e| e.label == label && e.client_random == client_random)
            .map(|e| e.secret.as_slice())
    }

    /// Every line, in the order added.
    pub fn entries(&self) -> &[KeyLogEntry] {
        &self.entries
    }

    /// Whether there is no secret at all.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The NSS key-log text: one line per secret, each ending in a newline.
    pub fn to_nss(&self) -> String {
        self.entries
            .iter()
            .map(|e| {
                format!(
                    "{} {} {}\n",
                    e.label,
                    to_hex(&e.client_random),
                    to_hex(&e.secret)
                )
            })
            .collect()
    }
}

/// Writes `keylog` to a new file at `path` in the NSS format (`--keylog FILE`). The file holds
/// secrets that decrypt the run's traffic, so it is made readable by its owner only.
pub fn write_keylog(path: &Path, keylog: &KeyLog) -> io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(keylog.to_nss().as_bytes())?;
    file.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nss_text_reads_back_the_same() {
        let text = "# a comment\n\
            CLIENT_HANDSHAKE_TRAFFIC_SECRET 0102 aabb\n\
            not a line\n\
            SERVER_TRAFFIC_SECRET_0 0102 ccdd\n\
            CLIENT_RANDOM 0g02 ccdd\n";
        let log = KeyLog::parse(text);
        assert_eq!(log.entries().len(), 2);
        assert_eq!(
            log.secret(label::CLIENT_HANDSHAKE, &[1, 2]),
            Some(&[0xaa, 0xbb][..])
        );
        assert_eq!(log.secret(label::CLIENT_HANDSHAKE, &[1, 3]), None);
        assert_eq!(KeyLog::parse(&log.to_nss()), log);
    }
}
