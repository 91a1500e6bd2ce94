//! Is a Korean text Korean? [`english_outside_tokens`] finds the English words in a text that is
//! meant to be Korean, leaving out what stays as it is on the wire: protocol tokens, names,
//! addresses, URLs, header lines and SQL.

/// Words a Korean story may carry as they are: protocol tokens and names (as on the wire or as
/// engineers write them in Korean), and the English expansions of abbreviations that Korean
/// technical writing gives in parentheses, as in "AA(authoritative answer)".
#[rustfmt::skip]
pub const PROTOCOL_WORDS: &[&str] = &[
    // TCP/IP
    "SYN", "SYN-ACK", "ACK", "FIN", "RST", "PSH", "TCP", "IP", "IPv4", "IPv6", "UDP", "ICMP",
    "ICMPv6", "ARP", "MAC", "ISN", "TTL", "seq", "ack", "len", "hop", "limit", "who-has", "tell",
    "is-at", "ESTABLISHED", "LAST-ACK", "CLOSED", "way", "handshake", "active", "close",
    "sock_diag", "neighbour", "discovery", "Happy", "Eyeballs", "RFC", "keep-alive",
    // DNS
    "DNS", "RD", "AA", "CNAME", "NXDOMAIN", "NODATA", "NOERROR", "SERVFAIL", "REFUSED", "SOA",
    "NS", "A", "AAAA", "IN", "MINIMUM", "QNAME", "ID", "minimisation", "referral", "glue", "recursion",
    "desired", "authoritative", "answer", "start", "of", "authority", "time", "to", "live", "TLD",
    // HTTP and the servers
    "HTTP", "GET", "HEAD", "POST", "OK", "Moved", "Permanently", "Found", "Not", "Bad", "Gateway",
    "Timeout", "Service", "Unavailable", "Internal", "Server", "Error", "Host", "URL", "WAS",
    "web", "application", "server", "search", "sqlite", "postgres", "HIT", "MISS", "ms", "www",
    "xx", "en", "ko", "ISP", "TLS", "ALPN", "Location", "CA", "rustls",
    "notBefore", "notAfter", "subjectAltName",
    // TLS and HTTP/2, and HSTS with its header's directives
    "HTTPS", "https", "HSTS", "Strict-Transport-Security", "includeSubDomains", "preload",
    "Strict", "Transport", "Security", "max-age",
    "ClientHello", "ServerHello", "EncryptedExtensions", "Certificate", "CertificateVerify",
    "Finished", "NewSessionTicket", "SNI", "HPACK", "SETTINGS", "HEADERS", "DATA", "PING", "PRI",
    "GOAWAY", "WINDOW_UPDATE", "END_STREAM", "close_notify", "alert", "time_appconnect", "curl",
    // the lab's own names: hosts, and the faults as `--fault` spells them
    "resolver", "laptop", "root-down", "nxdomain", "was-down", "was-slow", "db-down",
    "cert-expired", "cert-wrong-name",
    // flags, as a command line spells them
    "no-hsts",
    // tools, formats, standards and settings by their own names, as a Korean engineer writes
    // them (the command line's help names them)
    "BIND", "named-checkzone", "dig", "gettext", "LANGUAGE", "LANG", "JSON", "PEM", "PKI",
    "Mozilla", "SQLite", "PostgreSQL", "TOML", "HTML", "CIDR", "IANA", "RRset", "NSS",
    "SSLKEYLOGFILE", "pcapng", "Wireshark", "tshark", "DSB", "Decryption", "Secrets", "Block",
    "nameserver", "slowloris", "Fetch", "hosts", "loss", "clap", "toml",
    // a PEM file's markers
    "BEGIN", "END", "PRIVATE", "KEY", "CERTIFICATE",
];

/// The English words of `text` outside protocol tokens, each with its line: a word of ASCII
/// letters that is not in `allowed`, and not part of a token that carries a name, an address, a
/// URL or a number (anything with `.`, `:`, `/`, `=`, `?`, `_`, `@`, `<`, `>`, `[`, `]`, `*`,
/// `$` or a digit in it). Header lines (`name: value` under a request or a response) and SQL
/// statements are skipped whole.
pub fn english_outside_tokens(text: &str, allowed: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        if is_header_line(trimmed) || is_sql(trimmed) || is_certificate_names(trimmed) {
            continue;
        }
        let unquoted = without_sql_literals(trimmed);
        for token in unquoted.split_whitespace() {
            if token.contains(|c: char| ".:/=?_@<>[]*$".contains(c) || c.is_ascii_digit()) {
                continue;
            }
            for word in token.split(|c: char| !(c.is_ascii_alphabetic() || c == '-')) {
                let word = word.trim_matches('-');
                if word.is_empty() || allowed.contains(&word) {
                    continue;
                }
                if word.chars().all(|c| c.is_ascii_alphabetic() || c == '-') && word.len() > 1 {
                    found.push(format!("{word:?} in: {}", line.trim()));
                }
            }
        }
    }
    found
}

/// Fails unless `text` is a Korean sentence: it has Hangul, and no English outside the protocol
/// tokens, the words in `allowed` (the tokens of the place it comes from: a config's keys, a
/// command's words) and the flags it names (`--allow`, `(--cacert`). What is inside double quotes is not
/// looked at: a value as typed, or another program's own words, quoted and attributed.
pub fn assert_korean(text: &str, allowed: &[&str]) {
    assert!(
        text.chars().any(|c| ('\u{ac00}'..='\u{d7a3}').contains(&c)),
        "no Hangul in: {text}"
    );
    let mut outside = String::new();
    let mut quoted = false;
    for c in text.chars() {
        if c == '"' {
            quoted = !quoted;
        } else if !quoted {
            outside.push(c);
        }
    }
    let flags: Vec<String> = text
        .split_whitespace()
        .filter_map(|token| token.find("--").map(|at| &token[at + 2..]))
        .map(|flag| {
            flag.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect()
        })
        .collect();
    let mut words = PROTOCOL_WORDS.to_vec();
    words.extend_from_slice(allowed);
    words.extend(flags.iter().map(String::as_str));
    let english = english_outside_tokens(&outside, &words);
    assert!(
        english.is_empty(),
        "English outside the protocol tokens:\n{}\n--- the whole text ---\n{text}",
        english.join("\n")
    );
}

/// `line` without its SQL string literals (`'...'`, as the story shows bound values): they are
/// data a person typed, not sentences.
fn without_sql_literals(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut quoted = false;
    for c in line.chars() {
        if c == '\'' {
            quoted = !quoted;
        } else if !quoted {
            out.push(c);
        }
    }
    out
}

fn is_header_line(line: &str) -> bool {
    let Some((name, _)) = line.split_once(": ") else {
        return false;
    };
    !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && !PROTOCOL_WORDS.contains(&name)
}

/// A certificate's subject and issuer (`CN=..., O=...`) and its validity date: the
/// certificate's own data, as a header line is the response's.
fn is_certificate_names(line: &str) -> bool {
    line.starts_with("CN=") || line.starts_with("O=")
}

fn is_sql(line: &str) -> bool {
    [
        "SELECT ", "INSERT ", "UPDATE ", "DELETE ", "WITH ", "BEGIN", "COMMIT",
    ]
    .iter()
    .any(|keyword| line.starts_with(keyword))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn korean_with_protocol_tokens_passes() {
        let text = "  7.602 ms  패킷  SYN      브라우저 [2001:db8::10]:38822 -> www.google.com \
                    [2001:db8::80]:80: \"연결하자\". 초기 순서 번호(ISN) 1391624612\n\
                    \x20 User-Agent: roundtrip/0.0.0\n\
                    \x20 SELECT d.id FROM documents WHERE x MATCH $1\n\
                    \x20 바인딩한 값: $1 = '\"TIME\" \"WAIT\"', $2 = 20\n\
                    \x20 HTTP/1.1 502 Bad Gateway: 5xx: 서버 쪽 오류";
        assert_eq!(
            english_outside_tokens(text, PROTOCOL_WORDS),
            Vec::<String>::new()
        );
    }

    #[test]
    fn an_english_sentence_is_found() {
        let text = "  4.2 ms  보고  host cache MISS: www.google.com is neither in /etc/hosts";
        let found = english_outside_tokens(text, PROTOCOL_WORDS);
        for word in ["host", "cache", "neither"] {
            assert!(
                found.iter().any(|f| f.starts_with(&format!("{word:?}"))),
                "{found:?}"
            );
        }
    }

    #[test]
    fn one_stray_english_word_is_found() {
        let found = english_outside_tokens("브라우저가 connected 했습니다", PROTOCOL_WORDS);
        assert_eq!(found.len(), 1, "{found:?}");
    }
}
