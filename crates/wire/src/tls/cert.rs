//! A certificate from a captured Certificate message, summarized as a person reads one:
//! subject, issuer, validity and subject alternative names. DER bytes enter at [`summarize`]
//! from the handshake parser; x509-parser reads them.

use serde::Serialize;

/// What the story says about one certificate of a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateSummary {
    /// The subject's distinguished name, as OpenSSL prints it (`CN=www.google.com`).
    pub subject: String,
    /// The issuer's distinguished name.
    pub issuer: String,
    /// Valid from (`notBefore`), as text.
    pub not_before: String,
    /// Valid until (`notAfter`), as text.
    pub not_after: String,
    /// `notBefore` in seconds since the Unix epoch.
    pub not_before_unix: i64,
    /// `notAfter` in seconds since the Unix epoch.
    pub not_after_unix: i64,
    /// Subject alternative names: `DNS:www.google.com`, `IP:192.0.2.80`.
    pub san: Vec<String>,
    /// Whether the certificate may sign others (basicConstraints CA).
    pub is_ca: bool,
    /// Length of the DER encoding.
    pub der_len: usize,
    /// Set when the DER did not parse; the other fields are then empty.
    pub error: Option<String>,
}

/// Summarizes one DER-encoded certificate.
pub fn summarize(der: &[u8]) -> CertificateSummary {
    let mut summary = CertificateSummary {
        subject: String::new(),
        issuer: String::new(),
        not_before: String::new(),
        not_after: String::new(),
        not_before_unix: 0,
        not_after_unix: 0,
        san: Vec::new(),
        is_ca: false,
        der_len: der.len(),
        error: None,
    };
    let cert = match x509_parser::parse_x509_certificate(der) {
        Ok((_, cert)) => cert,
        Err(err) => {
            summary.error = Some(err.to_string());
            return summary;
        }
    };
    summary.subject = cert.subject().to_string();
    summary.issuer = cert.issuer().to_string();
    let validity = cert.validity();
    summary.not_before = validity.not_before.to_string();
    summary.not_after = validity.not_after.to_string();
    summary.not_before_unix = validity.not_before.timestamp();
    summary.not_after_unix = validity.not_after.timestamp();
    summary.is_ca = cert.is_ca();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            summary.san.push(match name {
                x509_parser::extensions::GeneralName::DNSName(name) => format!("DNS:{name}"),
                x509_parser::extensions::GeneralName::IPAddress(bytes) => match bytes.len() {
                    4 => format!(
                        "IP:{}",
                        std::net::Ipv4Addr::from(<[u8; 4]>::try_from(*bytes).unwrap_or_default())
                    ),
                    16 => format!(
                        "IP:{}",
                        std::net::Ipv6Addr::from(<[u8; 16]>::try_from(*bytes).unwrap_or_default())
                    ),
                    _ => format!("IP:{bytes:02x?}"),
                },
                other => other.to_string(),
            });
        }
    }
    summary
}
