//! TLS 1.3 record protection undone with logged secrets (RFC 8446 §5.2, §5.3, §7.1, §7.3).
//! A direction's traffic secret enters at [`RecordKeys::new`]; each protected record
//! (TLSCiphertext: the 5-byte header, then the encrypted body) enters at [`RecordKeys::open`].
//!
//! A logged traffic secret is already the PRK of HKDF, so there is no Extract:
//! `key = HKDF-Expand-Label(secret, "key", "", key_length)`,
//! `iv = HKDF-Expand-Label(secret, "iv", "", 12)`; the nonce is the iv XOR the record's
//! 64-bit sequence number (per direction, from 0 at each key change), the additional data is
//! the record header, and the plaintext is `content ‖ content type ‖ zeros`.

use ring::{aead, hkdf};

use super::handshake::CipherSuite;

/// Why a protected record was not opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpenError {
    /// The tag did not verify: wrong key, or bytes changed.
    BadTag,
    /// The plaintext was all zeros: no content type (RFC 8446 §5.4 says unexpected_message).
    NoContentType,
}

/// The AEAD and hash of a TLS 1.3 cipher suite.
fn suite(suite: CipherSuite) -> Option<(&'static aead::Algorithm, hkdf::Algorithm)> {
    match suite.0 {
        0x1301 => Some((&aead::AES_128_GCM, hkdf::HKDF_SHA256)),
        0x1302 => Some((&aead::AES_256_GCM, hkdf::HKDF_SHA384)),
        0x1303 => Some((&aead::CHACHA20_POLY1305, hkdf::HKDF_SHA256)),
        _ => None,
    }
}

struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

/// RFC 8446 §7.1: HKDF-Expand(Secret, HkdfLabel, Length) with
/// `HkdfLabel = length(u16) ‖ opaque label<7..255> = "tls13 " + Label ‖ opaque context<0..255>`.
pub(crate) fn expand_label(
    hash: hkdf::Algorithm,
    secret: &[u8],
    label: &[u8],
    context: &[u8],
    len: usize,
) -> Option<Vec<u8>> {
    let mut info = Vec::with_capacity(4 + 6 + label.len() + context.len());
    info.extend_from_slice(&u16::try_from(len).ok()?.to_be_bytes());
    info.push(u8::try_from(6 + label.len()).ok()?);
    info.extend_from_slice(b"tls13 ");
    info.extend_from_slice(label);
    info.push(u8::try_from(context.len()).ok()?);
    info.extend_from_slice(context);
    let prk = hkdf::Prk::new_less_safe(hash, secret);
    let info = [info.as_slice()];
    let okm = prk.expand(&info, Len(len)).ok()?;
    let mut out = vec![0; len];
    okm.fill(&mut out).ok()?;
    Some(out)
}

/// One direction's record keys under one traffic secret, with its sequence number.
pub(crate) struct RecordKeys {
    hash: hkdf::Algorithm,
    secret: Vec<u8>,
    key: aead::LessSafeKey,
    iv: [u8; aead::NONCE_LEN],
    /// The next record's sequence number.
    pub(crate) seq: u64,
}

impl std::fmt::Debug for RecordKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordKeys")
            .field("seq", &self.seq)
            .finish()
    }
}

impl RecordKeys {
    /// Keys for `secret` under `cipher_suite`; `None` for a suite this crate cannot open.
    pub(crate) fn new(cipher_suite: CipherSuite, secret: &[u8]) -> Option<RecordKeys> {
        let (aead_alg, hash) = suite(cipher_suite)?;
        let key = expand_label(hash, secret, b"key", b"", aead_alg.key_len())?;
        let iv = expand_label(hash, secret, b"iv", b"", aead::NONCE_LEN)?;
        Some(RecordKeys {
            hash,
            secret: secret.to_vec(),
            key: aead::LessSafeKey::new(aead::UnboundKey::new(aead_alg, &key).ok()?),
            iv: iv.try_into().ok()?,
            seq: 0,
        })
    }

    /// RFC 8446 §7.2: after a KeyUpdate, `application_traffic_secret_N+1 =
    /// HKDF-Expand-Label(application_traffic_secret_N, "traffic upd", "", Hash.length)`, and
    /// the sequence number starts again from 0.
    pub(crate) fn next_generation(&self) -> Option<RecordKeys> {
        let aead_alg = self.key.algorithm();
        let hash_len = self.hash.hmac_algorithm().digest_algorithm().output_len();
        let secret = expand_label(self.hash, &self.secret, b"traffic upd", b"", hash_len)?;
        let key = expand_label(self.hash, &secret, b"key", b"", aead_alg.key_len())?;
        let iv = expand_label(self.hash, &secret, b"iv", b"", aead::NONCE_LEN)?;
        Some(RecordKeys {
            hash: self.hash,
            secret,
            key: aead::LessSafeKey::new(aead::UnboundKey::new(aead_alg, &key).ok()?),
            iv: iv.try_into().ok()?,
            seq: 0,
        })
    }

    /// Opens one record (header, body); the sequence number moves on whether or not it opens,
    /// because the sender counted it. Gives the inner content type and the content.
    pub(crate) fn open(&mut self, header: &[u8], body: &[u8]) -> Result<(u8, Vec<u8>), OpenError> {
        let mut nonce = self.iv;
        for (n, s) in nonce[4..].iter_mut().zip(self.seq.to_be_bytes()) {
            *n ^= s;
        }
        self.seq += 1;
        let mut buffer = body.to_vec();
        let plain = self
            .key
            .open_in_place(
                aead::Nonce::assume_unique_for_key(nonce),
                aead::Aad::from(header),
                &mut buffer,
            )
            .map_err(|_| OpenError::BadTag)?;
        let end = plain
            .iter()
            .rposition(|&b| b != 0)
            .ok_or(OpenError::NoContentType)?;
        let content_type = plain[end];
        let len = end;
        buffer.truncate(len);
        Ok((content_type, buffer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// RFC 8448 §3 (Simple 1-RTT Handshake): "derive write traffic keys for handshake data"
    /// from the server handshake traffic secret b6 7b 7d 69 ...: key 3f ce 51 60 ..., iv 5d 31
    /// 3e b2 ...
    #[test]
    fn rfc8448_server_handshake_key_and_iv() {
        let secret = hex(
            "b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4 e9 c9 12 bc de d9 10 5d 42 be fd 59 d3 91 ad 38",
        );
        let key = expand_label(hkdf::HKDF_SHA256, &secret, b"key", b"", 16).unwrap();
        let iv = expand_label(hkdf::HKDF_SHA256, &secret, b"iv", b"", 12).unwrap();
        assert_eq!(key, hex("3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc"));
        assert_eq!(iv, hex("5d 31 3e b2 67 12 76 ee 13 00 0b 30"));
    }
}
