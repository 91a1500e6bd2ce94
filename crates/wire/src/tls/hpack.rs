//! HPACK (RFC 7541), the decoding side only: a captured HTTP/2 header block back to its header
//! list, for the story. Bytes enter at [`Decoder::decode`] with one complete header block
//! (HEADERS plus its CONTINUATIONs); each direction of a connection keeps its own decoder,
//! because each direction's encoder keeps its own dynamic table (§2.2).
//!
//! Written here rather than taken from crates.io: `hpack` 0.3 is unmaintained and
//! `fluke-hpack` 0.3.1 still unwraps a malformed dynamic-table size update, and captured bytes
//! are hostile. Every malformed block is an [`HpackError`], never a panic.

use std::collections::{HashMap, VecDeque};
use std::sync::OnceLock;

/// Why a header block did not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HpackError {
    /// The block ends inside a representation.
    #[error("the header block ends inside a field")]
    Truncated,
    /// An integer longer than any sane value (§5.1 lets a decoder limit them).
    #[error("an integer too large")]
    IntegerTooLarge,
    /// An index that is neither in the static nor in the dynamic table (§2.3.3).
    #[error("index {0} is in neither table")]
    BadIndex(usize),
    /// Huffman-coded bytes that are not a valid code, or bad padding (§5.2).
    #[error("bad Huffman coding")]
    BadHuffman,
    /// A table size update larger than the limit (§6.3).
    #[error("a table size update above the limit")]
    TableSizeTooLarge,
}

/// The static table, RFC 7541 Appendix A (index 1 first).
const STATIC_TABLE: [(&str, &str); 61] = [
    (":authority", ""),
    (":method", "GET"),
    (":method", "POST"),
    (":path", "/"),
    (":path", "/index.html"),
    (":scheme", "http"),
    (":scheme", "https"),
    (":status", "200"),
    (":status", "204"),
    (":status", "206"),
    (":status", "304"),
    (":status", "400"),
    (":status", "404"),
    (":status", "500"),
    ("accept-charset", ""),
    ("accept-encoding", "gzip, deflate"),
    ("accept-language", ""),
    ("accept-ranges", ""),
    ("accept", ""),
    ("access-control-allow-origin", ""),
    ("age", ""),
    ("allow", ""),
    ("authorization", ""),
    ("cache-control", ""),
    ("content-disposition", ""),
    ("content-encoding", ""),
    ("content-language", ""),
    ("content-length", ""),
    ("content-location", ""),
    ("content-range", ""),
    ("content-type", ""),
    ("cookie", ""),
    ("date", ""),
    ("etag", ""),
    ("expect", ""),
    ("expires", ""),
    ("from", ""),
    ("host", ""),
    ("if-match", ""),
    ("if-modified-since", ""),
    ("if-none-match", ""),
    ("if-range", ""),
    ("if-unmodified-since", ""),
    ("last-modified", ""),
    ("link", ""),
    ("location", ""),
    ("max-forwards", ""),
    ("proxy-authenticate", ""),
    ("proxy-authorization", ""),
    ("range", ""),
    ("referer", ""),
    ("refresh", ""),
    ("retry-after", ""),
    ("server", ""),
    ("set-cookie", ""),
    ("strict-transport-security", ""),
    ("transfer-encoding", ""),
    ("user-agent", ""),
    ("vary", ""),
    ("via", ""),
    ("www-authenticate", ""),
];

/// The default and largest dynamic table size accepted (SETTINGS_HEADER_TABLE_SIZE's initial
/// value is 4096; a peer may announce more, but this decoder only reads captures).
const MAX_TABLE_SIZE: usize = 1 << 16;

/// A header-list decoder for one direction of one connection.
#[derive(Debug)]
pub struct Decoder {
    dynamic: VecDeque<(Vec<u8>, Vec<u8>)>,
    size: usize,
    max_size: usize,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder {
            dynamic: VecDeque::new(),
            size: 0,
            max_size: 4096,
        }
    }
}

/// A literal's name and value, and the bytes after it.
type Literal<'a> = (Vec<u8>, Vec<u8>, &'a [u8]);

/// A header as (name, value), bytes shown lossily as UTF-8.
pub type Header = (String, String);

impl Decoder {
    /// A decoder with the initial table size, 4096 (RFC 7540 §6.5.2).
    pub fn new() -> Decoder {
        Decoder::default()
    }

    /// Decodes one complete header block into its header list, updating the dynamic table.
    pub fn decode(&mut self, mut block: &[u8]) -> Result<Vec<Header>, HpackError> {
        let mut headers = Vec::new();
        while let Some(&first) = block.first() {
            if first & 0x80 != 0 {
                // §6.1 Indexed Header Field.
                let (index, rest) = integer(block, 7)?;
                block = rest;
                let (name, value) = self.entry(index)?;
                headers.push((lossy(&name), lossy(&value)));
            } else if first & 0x40 != 0 {
                // §6.2.1 Literal with Incremental Indexing.
                let (name, value, rest) = self.literal(block, 6)?;
                block = rest;
                headers.push((lossy(&name), lossy(&value)));
                self.insert(name, value);
            } else if first & 0x20 != 0 {
                // §6.3 Dynamic Table Size Update.
                let (size, rest) = integer(block, 5)?;
                block = rest;
                if size > MAX_TABLE_SIZE {
                    return Err(HpackError::TableSizeTooLarge);
                }
                self.max_size = size;
                self.evict(0);
            } else {
                // §6.2.2 without indexing (0000), §6.2.3 never indexed (0001).
                let (name, value, rest) = self.literal(block, 4)?;
                block = rest;
                headers.push((lossy(&name), lossy(&value)));
            }
        }
        Ok(headers)
    }

    fn literal<'a>(&self, block: &'a [u8], prefix: u8) -> Result<Literal<'a>, HpackError> {
        let (index, rest) = integer(block, prefix)?;
        let (name, rest) = if index == 0 {
            string(rest)?
        } else {
            (self.entry(index)?.0, rest)
        };
        let (value, rest) = string(rest)?;
        Ok((name, value, rest))
    }

    fn entry(&self, index: usize) -> Result<(Vec<u8>, Vec<u8>), HpackError> {
        if index == 0 {
            return Err(HpackError::BadIndex(0));
        }
        if let Some((name, value)) = STATIC_TABLE.get(index - 1) {
            return Ok((name.as_bytes().to_vec(), value.as_bytes().to_vec()));
        }
        self.dynamic
            .get(index - 1 - STATIC_TABLE.len())
            .cloned()
            .ok_or(HpackError::BadIndex(index))
    }

    /// §4.4: an entry larger than the table empties it and is not added.
    fn insert(&mut self, name: Vec<u8>, value: Vec<u8>) {
        let size = name.len() + value.len() + 32; // §4.1
        self.evict(size);
        if size <= self.max_size {
            self.size += size;
            self.dynamic.push_front((name, value));
        }
    }

    fn evict(&mut self, room: usize) {
        while self.size + room > self.max_size {
            let Some((name, value)) = self.dynamic.pop_back() else {
                break;
            };
            self.size -= name.len() + value.len() + 32;
        }
    }
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// §5.1 an integer with an N-bit prefix; values above 2^28 are refused.
fn integer(block: &[u8], prefix: u8) -> Result<(usize, &[u8]), HpackError> {
    let (&first, mut rest) = block.split_first().ok_or(HpackError::Truncated)?;
    let mask = (1u16 << prefix) as usize - 1;
    let mut value = usize::from(first) & mask;
    if value < mask {
        return Ok((value, rest));
    }
    let mut shift = 0;
    loop {
        let (&byte, tail) = rest.split_first().ok_or(HpackError::Truncated)?;
        rest = tail;
        if shift > 21 {
            return Err(HpackError::IntegerTooLarge);
        }
        value += usize::from(byte & 0x7f) << shift;
        shift += 7;
        if byte & 0x80 == 0 {
            return Ok((value, rest));
        }
    }
}

/// §5.2 a string literal, Huffman-coded when the H bit is set.
fn string(block: &[u8]) -> Result<(Vec<u8>, &[u8]), HpackError> {
    let huffman = block.first().ok_or(HpackError::Truncated)? & 0x80 != 0;
    let (len, rest) = integer(block, 7)?;
    if rest.len() < len {
        return Err(HpackError::Truncated);
    }
    let (bytes, rest) = rest.split_at(len);
    let bytes = if huffman {
        huffman_decode(bytes)?
    } else {
        bytes.to_vec()
    };
    Ok((bytes, rest))
}

/// The Huffman codes by (bit length, code), built once from [`HUFFMAN_CODES`].
fn huffman_table() -> &'static HashMap<(u8, u32), u16> {
    static TABLE: OnceLock<HashMap<(u8, u32), u16>> = OnceLock::new();
    TABLE.get_or_init(|| {
        HUFFMAN_CODES
            .iter()
            .enumerate()
            .map(|(symbol, &(code, len))| ((len, code), symbol as u16))
            .collect()
    })
}

/// Appendix B's canonical Huffman code, bit by bit. §5.2: padding is at most 7 bits, all ones
/// (the EOS code's prefix), and EOS itself in the string is an error.
fn huffman_decode(bytes: &[u8]) -> Result<Vec<u8>, HpackError> {
    let table = huffman_table();
    let mut out = Vec::with_capacity(bytes.len() * 8 / 5);
    let (mut code, mut len) = (0u32, 0u8);
    for byte in bytes {
        for bit in (0..8).rev() {
            code = (code << 1) | u32::from((byte >> bit) & 1);
            len += 1;
            if len > 30 {
                return Err(HpackError::BadHuffman);
            }
            if let Some(&symbol) = table.get(&(len, code)) {
                let symbol = u8::try_from(symbol).map_err(|_| HpackError::BadHuffman)?; // 256 = EOS
                out.push(symbol);
                (code, len) = (0, 0);
            }
        }
    }
    if len > 7 || code != (1u32 << len) - 1 {
        return Err(HpackError::BadHuffman);
    }
    Ok(out)
}

/// RFC 7541 Appendix B: (code, bit length) of symbols 0..=255 and EOS (256).
const HUFFMAN_CODES: [(u32, u8); 257] = [
    (0x1ff8, 13),
    (0x7fffd8, 23),
    (0xfffffe2, 28),
    (0xfffffe3, 28),
    (0xfffffe4, 28),
    (0xfffffe5, 28),
    (0xfffffe6, 28),
    (0xfffffe7, 28),
    (0xfffffe8, 28),
    (0xffffea, 24),
    (0x3ffffffc, 30),
    (0xfffffe9, 28),
    (0xfffffea, 28),
    (0x3ffffffd, 30),
    (0xfffffeb, 28),
    (0xfffffec, 28),
    (0xfffffed, 28),
    (0xfffffee, 28),
    (0xfffffef, 28),
    (0xffffff0, 28),
    (0xffffff1, 28),
    (0xffffff2, 28),
    (0x3ffffffe, 30),
    (0xffffff3, 28),
    (0xffffff4, 28),
    (0xffffff5, 28),
    (0xffffff6, 28),
    (0xffffff7, 28),
    (0xffffff8, 28),
    (0xffffff9, 28),
    (0xffffffa, 28),
    (0xffffffb, 28),
    (0x14, 6),
    (0x3f8, 10),
    (0x3f9, 10),
    (0xffa, 12),
    (0x1ff9, 13),
    (0x15, 6),
    (0xf8, 8),
    (0x7fa, 11),
    (0x3fa, 10),
    (0x3fb, 10),
    (0xf9, 8),
    (0x7fb, 11),
    (0xfa, 8),
    (0x16, 6),
    (0x17, 6),
    (0x18, 6),
    (0x0, 5),
    (0x1, 5),
    (0x2, 5),
    (0x19, 6),
    (0x1a, 6),
    (0x1b, 6),
    (0x1c, 6),
    (0x1d, 6),
    (0x1e, 6),
    (0x1f, 6),
    (0x5c, 7),
    (0xfb, 8),
    (0x7ffc, 15),
    (0x20, 6),
    (0xffb, 12),
    (0x3fc, 10),
    (0x1ffa, 13),
    (0x21, 6),
    (0x5d, 7),
    (0x5e, 7),
    (0x5f, 7),
    (0x60, 7),
    (0x61, 7),
    (0x62, 7),
    (0x63, 7),
    (0x64, 7),
    (0x65, 7),
    (0x66, 7),
    (0x67, 7),
    (0x68, 7),
    (0x69, 7),
    (0x6a, 7),
    (0x6b, 7),
    (0x6c, 7),
    (0x6d, 7),
    (0x6e, 7),
    (0x6f, 7),
    (0x70, 7),
    (0x71, 7),
    (0x72, 7),
    (0xfc, 8),
    (0x73, 7),
    (0xfd, 8),
    (0x1ffb, 13),
    (0x7fff0, 19),
    (0x1ffc, 13),
    (0x3ffc, 14),
    (0x22, 6),
    (0x7ffd, 15),
    (0x3, 5),
    (0x23, 6),
    (0x4, 5),
    (0x24, 6),
    (0x5, 5),
    (0x25, 6),
    (0x26, 6),
    (0x27, 6),
    (0x6, 5),
    (0x74, 7),
    (0x75, 7),
    (0x28, 6),
    (0x29, 6),
    (0x2a, 6),
    (0x7, 5),
    (0x2b, 6),
    (0x76, 7),
    (0x2c, 6),
    (0x8, 5),
    (0x9, 5),
    (0x2d, 6),
    (0x77, 7),
    (0x78, 7),
    (0x79, 7),
    (0x7a, 7),
    (0x7b, 7),
    (0x7ffe, 15),
    (0x7fc, 11),
    (0x3ffd, 14),
    (0x1ffd, 13),
    (0xffffffc, 28),
    (0xfffe6, 20),
    (0x3fffd2, 22),
    (0xfffe7, 20),
    (0xfffe8, 20),
    (0x3fffd3, 22),
    (0x3fffd4, 22),
    (0x3fffd5, 22),
    (0x7fffd9, 23),
    (0x3fffd6, 22),
    (0x7fffda, 23),
    (0x7fffdb, 23),
    (0x7fffdc, 23),
    (0x7fffdd, 23),
    (0x7fffde, 23),
    (0xffffeb, 24),
    (0x7fffdf, 23),
    (0xffffec, 24),
    (0xffffed, 24),
    (0x3fffd7, 22),
    (0x7fffe0, 23),
    (0xffffee, 24),
    (0x7fffe1, 23),
    (0x7fffe2, 23),
    (0x7fffe3, 23),
    (0x7fffe4, 23),
    (0x1fffdc, 21),
    (0x3fffd8, 22),
    (0x7fffe5, 23),
    (0x3fffd9, 22),
    (0x7fffe6, 23),
    (0x7fffe7, 23),
    (0xffffef, 24),
    (0x3fffda, 22),
    (0x1fffdd, 21),
    (0xfffe9, 20),
    (0x3fffdb, 22),
    (0x3fffdc, 22),
    (0x7fffe8, 23),
    (0x7fffe9, 23),
    (0x1fffde, 21),
    (0x7fffea, 23),
    (0x3fffdd, 22),
    (0x3fffde, 22),
    (0xfffff0, 24),
    (0x1fffdf, 21),
    (0x3fffdf, 22),
    (0x7fffeb, 23),
    (0x7fffec, 23),
    (0x1fffe0, 21),
    (0x1fffe1, 21),
    (0x3fffe0, 22),
    (0x1fffe2, 21),
    (0x7fffed, 23),
    (0x3fffe1, 22),
    (0x7fffee, 23),
    (0x7fffef, 23),
    (0xfffea, 20),
    (0x3fffe2, 22),
    (0x3fffe3, 22),
    (0x3fffe4, 22),
    (0x7ffff0, 23),
    (0x3fffe5, 22),
    (0x3fffe6, 22),
    (0x7ffff1, 23),
    (0x3ffffe0, 26),
    (0x3ffffe1, 26),
    (0xfffeb, 20),
    (0x7fff1, 19),
    (0x3fffe7, 22),
    (0x7ffff2, 23),
    (0x3fffe8, 22),
    (0x1ffffec, 25),
    (0x3ffffe2, 26),
    (0x3ffffe3, 26),
    (0x3ffffe4, 26),
    (0x7ffffde, 27),
    (0x7ffffdf, 27),
    (0x3ffffe5, 26),
    (0xfffff1, 24),
    (0x1ffffed, 25),
    (0x7fff2, 19),
    (0x1fffe3, 21),
    (0x3ffffe6, 26),
    (0x7ffffe0, 27),
    (0x7ffffe1, 27),
    (0x3ffffe7, 26),
    (0x7ffffe2, 27),
    (0xfffff2, 24),
    (0x1fffe4, 21),
    (0x1fffe5, 21),
    (0x3ffffe8, 26),
    (0x3ffffe9, 26),
    (0xffffffd, 28),
    (0x7ffffe3, 27),
    (0x7ffffe4, 27),
    (0x7ffffe5, 27),
    (0xfffec, 20),
    (0xfffff3, 24),
    (0xfffed, 20),
    (0x1fffe6, 21),
    (0x3fffe9, 22),
    (0x1fffe7, 21),
    (0x1fffe8, 21),
    (0x7ffff3, 23),
    (0x3fffea, 22),
    (0x3fffeb, 22),
    (0x1ffffee, 25),
    (0x1ffffef, 25),
    (0xfffff4, 24),
    (0xfffff5, 24),
    (0x3ffffea, 26),
    (0x7ffff4, 23),
    (0x3ffffeb, 26),
    (0x7ffffe6, 27),
    (0x3ffffec, 26),
    (0x3ffffed, 26),
    (0x7ffffe7, 27),
    (0x7ffffe8, 27),
    (0x7ffffe9, 27),
    (0x7ffffea, 27),
    (0x7ffffeb, 27),
    (0xffffffe, 28),
    (0x7ffffec, 27),
    (0x7ffffed, 27),
    (0x7ffffee, 27),
    (0x7ffffef, 27),
    (0x7fffff0, 27),
    (0x3ffffee, 26),
    (0x3fffffff, 30),
];

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

    fn pairs(list: &[(&str, &str)]) -> Vec<Header> {
        list.iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    /// RFC 7541 C.4: "Request Examples with Huffman Coding", three requests on one connection,
    /// so the dynamic table carries over.
    #[test]
    fn c4_requests_with_huffman_coding() {
        let mut decoder = Decoder::new();
        let first = decoder
            .decode(&hex("8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff"))
            .unwrap();
        assert_eq!(
            first,
            pairs(&[
                (":method", "GET"),
                (":scheme", "http"),
                (":path", "/"),
                (":authority", "www.example.com")
            ])
        );
        let second = decoder
            .decode(&hex("8286 84be 5886 a8eb 1064 9cbf"))
            .unwrap();
        assert_eq!(second[4], ("cache-control".into(), "no-cache".into()));
        assert_eq!(second[3], (":authority".into(), "www.example.com".into()));
        let third = decoder
            .decode(&hex(
                "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
            ))
            .unwrap();
        assert_eq!(
            third,
            pairs(&[
                (":method", "GET"),
                (":scheme", "https"),
                (":path", "/index.html"),
                (":authority", "www.example.com"),
                ("custom-key", "custom-value")
            ])
        );
        assert_eq!(decoder.size, 164, "C.4.3's table size");
    }

    #[test]
    fn malformed_blocks_are_errors() {
        let mut decoder = Decoder::new();
        for bad in [
            &[0x3f][..],                                 // a size update cut short
            &[0x3f, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], // an endless integer
            &[0xff, 0x80],                               // index cut short
            &[0xbe],                                     // index 62, empty dynamic table
            &[0x80],                                     // index 0
            &[0x40, 0x85, 0xff],                         // literal name cut short
            &[0x40, 0x81, 0x00, 0x00], // Huffman code for a zero byte with bad padding
            &[0x40, 0x84, 0xff, 0xff, 0xff, 0xff, 0x00], // EOS in a string
        ] {
            assert!(decoder.decode(bad).is_err(), "{bad:02x?}");
        }
    }
}
