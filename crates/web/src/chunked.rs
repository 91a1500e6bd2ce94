//! The chunked transfer coding's grammar (RFC 9112 §7.1), checked on the raw bytes of a request
//! body as they are read, beside hyper's decoder.
//!
//! hyper decodes the body and refuses what it cannot frame: a chunk size that is not hex (so
//! `-5`, `0x5`), one that overflows, a missing or bare CR or LF. It reads chunk extensions
//! leniently (anything up to the CRLF but a bare LF), so `5;=`, `5;a=b c` or `5;\x01` pass,
//! and it allows whitespace after the size without an extension. This checker holds the body
//! to the grammar instead:
//!
//! ```text
//! chunked-body   = *chunk last-chunk trailer-section CRLF
//! chunk          = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//! chunk-size     = 1*HEXDIG
//! last-chunk     = 1*("0") [ chunk-ext ] CRLF
//! chunk-ext      = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
//! chunk-ext-name = token
//! chunk-ext-val  = token / quoted-string
//! trailer-section = *( field-line CRLF )
//! ```
//!
//! Trailer field lines are only framed here (up to their CRLF, no bare LF): hyper parses them
//! and refuses a bad name or value. The proxy reads the whole body before it forwards anything
//! (see `crate::proxy`), so a body either decoder refuses is answered 400 and never sent on.

/// Where the checker is in the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Hex digits of a chunk size; `digits` so far (leading zeros included).
    Size {
        digits: u32,
        size: u64,
    },
    /// Whitespace after the size or an extension, before `;` or CR.
    Bws {
        size: u64,
    },
    /// After `;` (and optional whitespace), before an extension name.
    ExtNameStart {
        size: u64,
    },
    ExtName {
        size: u64,
    },
    /// Whitespace after a name: `=` or `;` next.
    ExtNameBws {
        size: u64,
    },
    /// After `=` (and optional whitespace), before the value.
    ExtValueStart {
        size: u64,
    },
    ExtToken {
        size: u64,
    },
    ExtQuoted {
        size: u64,
    },
    ExtQuotedPair {
        size: u64,
    },
    /// After a quoted value's closing quote: whitespace, `;` or CR, not more token.
    AfterQuoted {
        size: u64,
    },
    /// The CR of the size line was read; LF next.
    SizeLf {
        size: u64,
    },
    Data {
        remaining: u64,
    },
    DataCr,
    DataLf,
    /// At the start of a trailer field line or of the final CRLF.
    TrailerStart,
    /// Inside a trailer field line.
    TrailerLine,
    TrailerLf,
    /// The CR of the final CRLF was read.
    EndLf,
    /// The body is over; what follows is not ours.
    Done,
    Invalid,
}

/// What the checker concluded so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Well formed so far; more bytes are expected.
    Partial,
    /// A whole, well-formed chunked body; the bytes after it were not looked at.
    Complete,
    /// Not the chunked coding's grammar.
    Invalid,
}

/// A streaming checker of one chunked body, fed bytes as they arrive (in any split).
#[derive(Debug, Clone)]
pub struct ChunkedChecker {
    state: State,
    /// Bytes in the current size line or trailer line, against endless lines.
    line: usize,
}

/// Longest chunk-size line (size and extensions) or trailer line accepted.
const MAX_LINE: usize = 4096;

impl Default for ChunkedChecker {
    fn default() -> Self {
        Self::new()
    }
}

impl ChunkedChecker {
    /// A checker at the start of a body.
    pub fn new() -> Self {
        ChunkedChecker {
            state: State::Size { digits: 0, size: 0 },
            line: 0,
        }
    }

    /// The verdict on what was fed so far.
    pub fn verdict(&self) -> Verdict {
        match self.state {
            State::Done => Verdict::Complete,
            State::Invalid => Verdict::Invalid,
            _ => Verdict::Partial,
        }
    }

    /// Feeds the next bytes of the body; returns how many belonged to it (all of them unless
    /// the body ended or went wrong within `bytes`).
    pub fn feed(&mut self, bytes: &[u8]) -> usize {
        let mut fed = 0;
        while fed < bytes.len() {
            match self.next_data(&bytes[fed..]) {
                (0, _) => break,
                (used, _) => fed += used,
            }
        }
        fed
    }

    /// Decodes: reads `bytes` up to the end of the first run of chunk data in them and
    /// returns how many bytes that was and where the data lies (empty when `bytes` held only
    /// framing; the body may then be over, or wrong: see [`Self::verdict`]). The data always
    /// ends where the consumed bytes end.
    pub fn next_data(&mut self, bytes: &[u8]) -> (usize, std::ops::Range<usize>) {
        let mut i = 0;
        while i < bytes.len() {
            if matches!(self.state, State::Done | State::Invalid) {
                break;
            }
            if let State::Data { remaining } = self.state {
                let take = remaining.min((bytes.len() - i) as u64);
                self.state = if take == remaining {
                    State::DataCr
                } else {
                    State::Data {
                        remaining: remaining - take,
                    }
                };
                return (i + take as usize, i..i + take as usize);
            }
            self.state = self.step(bytes[i]);
            i += 1;
        }
        (i, i..i)
    }

    fn step(&mut self, byte: u8) -> State {
        use State::*;
        let in_line = matches!(
            self.state,
            Size { .. }
                | Bws { .. }
                | ExtNameStart { .. }
                | ExtName { .. }
                | ExtNameBws { .. }
                | ExtValueStart { .. }
                | ExtToken { .. }
                | ExtQuoted { .. }
                | ExtQuotedPair { .. }
                | AfterQuoted { .. }
                | TrailerLine
        );
        if in_line {
            self.line += 1;
            if self.line > MAX_LINE {
                return Invalid;
            }
        } else {
            self.line = 0;
        }
        let ws = byte == b' ' || byte == b'\t';
        match self.state {
            Size { digits, size } => match (byte as char).to_digit(16) {
                Some(d) => {
                    let Some(size) = size.checked_mul(16).and_then(|s| s.checked_add(d as u64))
                    else {
                        return Invalid;
                    };
                    Size {
                        digits: digits + 1,
                        size,
                    }
                }
                None if digits == 0 => Invalid,
                None if ws => Bws { size },
                None if byte == b';' => ExtNameStart { size },
                None if byte == b'\r' => SizeLf { size },
                None => Invalid,
            },
            // Whitespace is only allowed before a `;` (BWS ";"), not before the CRLF.
            Bws { size } if ws => Bws { size },
            Bws { size } if byte == b';' => ExtNameStart { size },
            Bws { .. } => Invalid,
            ExtNameStart { size } if ws => ExtNameStart { size },
            ExtNameStart { size } if is_tchar(byte) => ExtName { size },
            ExtNameStart { .. } => Invalid,
            ExtName { size } if is_tchar(byte) => ExtName { size },
            ExtName { size } | ExtNameBws { size } if ws => ExtNameBws { size },
            ExtNameBws { size } if byte == b';' => ExtNameStart { size },
            ExtNameBws { size } if byte == b'=' => ExtValueStart { size },
            ExtNameBws { .. } => Invalid,
            ExtToken { size } | AfterQuoted { size } if ws => Bws { size },
            ExtName { size } | ExtToken { size } | AfterQuoted { size } if byte == b';' => {
                ExtNameStart { size }
            }
            ExtName { size } | ExtToken { size } | AfterQuoted { size } if byte == b'\r' => {
                SizeLf { size }
            }
            AfterQuoted { .. } => Invalid,
            ExtName { size } if byte == b'=' => ExtValueStart { size },
            ExtName { .. } => Invalid,
            ExtValueStart { size } if ws => ExtValueStart { size },
            ExtValueStart { size } if is_tchar(byte) => ExtToken { size },
            ExtValueStart { size } if byte == b'"' => ExtQuoted { size },
            ExtValueStart { .. } => Invalid,
            ExtToken { size } if is_tchar(byte) => ExtToken { size },
            ExtToken { .. } => Invalid,
            ExtQuoted { size } if byte == b'"' => AfterQuoted { size },
            ExtQuoted { size } if byte == b'\\' => ExtQuotedPair { size },
            ExtQuoted { size } if is_qdtext(byte) => ExtQuoted { size },
            ExtQuoted { .. } => Invalid,
            ExtQuotedPair { size } if ws || (0x21..=0x7e).contains(&byte) || byte >= 0x80 => {
                ExtQuoted { size }
            }
            ExtQuotedPair { .. } => Invalid,
            SizeLf { size } if byte == b'\n' => {
                if size == 0 {
                    TrailerStart
                } else {
                    Data { remaining: size }
                }
            }
            SizeLf { .. } => Invalid,
            Data { .. } => unreachable!("data is consumed in feed"),
            DataCr if byte == b'\r' => DataLf,
            DataLf if byte == b'\n' => Size { digits: 0, size: 0 },
            DataCr | DataLf => Invalid,
            TrailerStart if byte == b'\r' => EndLf,
            TrailerStart | TrailerLine if byte == b'\n' => Invalid,
            TrailerStart | TrailerLine if byte == b'\r' => TrailerLf,
            TrailerStart | TrailerLine => TrailerLine,
            TrailerLf if byte == b'\n' => TrailerStart,
            TrailerLf => Invalid,
            EndLf if byte == b'\n' => Done,
            EndLf => Invalid,
            Done => Done,
            Invalid => Invalid,
        }
    }
}

/// RFC 9110 §5.6.2 tchar.
fn is_tchar(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// RFC 9110 §5.6.4 qdtext (`"` and `\` excepted).
fn is_qdtext(byte: u8) -> bool {
    byte == b'\t'
        || byte == b' '
        || byte == 0x21
        || (0x23..=0x5b).contains(&byte)
        || (0x5d..=0x7e).contains(&byte)
        || byte >= 0x80
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(body: &[u8]) -> Verdict {
        let mut whole = ChunkedChecker::new();
        whole.feed(body);
        // The same bytes one at a time must end the same way.
        let mut bytewise = ChunkedChecker::new();
        for b in body {
            bytewise.feed(std::slice::from_ref(b));
        }
        assert_eq!(whole.verdict(), bytewise.verdict(), "{body:?}");
        whole.verdict()
    }

    #[test]
    fn well_formed_bodies_complete() {
        for body in [
            &b"0\r\n\r\n"[..],
            b"5\r\nhello\r\n0\r\n\r\n",
            b"5;a\r\nhello\r\n000;b=c\r\n\r\n",
            b"5 ; a = \"x \\\" y\" ;b=tok\r\nhello\r\n0\r\n\r\n",
            b"A\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n",
            b"5\r\nhel\r\n\r\n0\r\n\r\n",
        ] {
            assert_eq!(
                check(body),
                Verdict::Complete,
                "{:?}",
                String::from_utf8_lossy(body)
            );
        }
        let mut checker = ChunkedChecker::new();
        assert_eq!(
            checker.feed(b"0\r\n\r\nGET / HTTP/1.1"),
            5,
            "the next request is not ours"
        );
    }

    #[test]
    fn malformed_bodies_are_invalid() {
        for body in [
            &b"-5\r\nhello\r\n0\r\n\r\n"[..],
            b"0x5\r\nhello\r\n0\r\n\r\n",
            b"+5\r\nhello\r\n0\r\n\r\n",
            b"\r\nhello\r\n0\r\n\r\n",
            b"fffffffffffffffff\r\n",
            b"5\nhello\r\n0\r\n\r\n",
            b"5\r\nhelloXX0\r\n\r\n",
            b"5\r\nhello\n0\r\n\r\n",
            b"5;=\r\nhello\r\n0\r\n\r\n",
            b"5;a=b c\r\nhello\r\n0\r\n\r\n",
            b"5;\x01\r\nhello\r\n0\r\n\r\n",
            b"5;a=\"x\r\nhello\r\n0\r\n\r\n",
            b"5;a=\"x\"y\r\nhello\r\n0\r\n\r\n",
            b"5;a\nhello\r\n0\r\n\r\n",
            b"5 \r\nhello\r\n0\r\n\r\n",
            b"5;\r\nhello\r\n0\r\n\r\n",
            b"0\r\nX: 1\n\r\n",
            b"0\r\n\n",
        ] {
            assert_eq!(
                check(body),
                Verdict::Invalid,
                "{:?}",
                String::from_utf8_lossy(body)
            );
        }
        let endless = [b'a'; 5000];
        let mut checker = ChunkedChecker::new();
        checker.feed(b"1;");
        checker.feed(&endless);
        assert_eq!(checker.verdict(), Verdict::Invalid);
    }

    #[test]
    fn an_unfinished_body_is_partial() {
        for body in [
            &b""[..],
            b"5\r\nhel",
            b"5\r\nhello\r\n",
            b"0\r\n",
            b"0\r\nX: 1\r\n",
        ] {
            assert_eq!(
                check(body),
                Verdict::Partial,
                "{:?}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
