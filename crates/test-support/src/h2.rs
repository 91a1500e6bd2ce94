//! HTTP/2 frames by hand (RFC 9113 §4.1: length(24) type(8) flags(8) R+stream(31) payload), so
//! a test can be the client a well-behaved library would never be: rapid resets, endless
//! CONTINUATION frames, bad prefaces.

use std::io::{self, Read, Write};

/// The client connection preface (RFC 9113 §3.4).
pub const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

pub const DATA: u8 = 0x0;
pub const HEADERS: u8 = 0x1;
pub const RST_STREAM: u8 = 0x3;
pub const SETTINGS: u8 = 0x4;
pub const PING: u8 = 0x6;
pub const GOAWAY: u8 = 0x7;
pub const WINDOW_UPDATE: u8 = 0x8;
pub const CONTINUATION: u8 = 0x9;

pub const END_STREAM: u8 = 0x1;
pub const ACK: u8 = 0x1;
pub const END_HEADERS: u8 = 0x4;

/// Error codes (RFC 9113 §7).
pub const CANCEL: u32 = 0x8;
pub const ENHANCE_YOUR_CALM: u32 = 0xb;

/// One frame's bytes.
pub fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len() as u32;
    let mut out = Vec::with_capacity(9 + payload.len());
    out.extend_from_slice(&len.to_be_bytes()[1..]);
    out.push(kind);
    out.push(flags);
    out.extend_from_slice(&(stream & 0x7fff_ffff).to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// The preface and an empty SETTINGS frame.
pub fn client_start() -> Vec<u8> {
    let mut out = PREFACE.to_vec();
    out.extend(frame(SETTINGS, 0, 0, &[]));
    out
}

/// An HPACK header block for `GET https://authority/path` (static table indexes and literals
/// without indexing, RFC 7541 §6.1, §6.2.2), with `extra` literal fields.
pub fn get_block(authority: &str, path: &str, extra: &[(&str, &str)]) -> Vec<u8> {
    let mut block = vec![0x82, 0x87]; // :method GET, :scheme https
    literal_indexed_name(&mut block, 1, authority); // :authority
    literal_indexed_name(&mut block, 4, path); // :path
    for (name, value) in extra {
        literal(&mut block, name, value);
    }
    block
}

fn string(block: &mut Vec<u8>, text: &str) {
    assert!(text.len() < 127, "short strings only");
    block.push(text.len() as u8);
    block.extend_from_slice(text.as_bytes());
}

fn literal_indexed_name(block: &mut Vec<u8>, index: u8, value: &str) {
    assert!(index < 15);
    block.push(index);
    string(block, value);
}

/// A literal field without indexing, new name.
pub fn literal(block: &mut Vec<u8>, name: &str, value: &str) {
    block.push(0x00);
    string(block, name);
    string(block, value);
}

/// A RST_STREAM frame.
pub fn rst_stream(stream: u32, code: u32) -> Vec<u8> {
    frame(RST_STREAM, 0, stream, &code.to_be_bytes())
}

/// One frame read: (type, flags, stream, payload).
pub type Frame = (u8, u8, u32, Vec<u8>);

/// Reads one frame; `Ok(None)` at the end of the stream.
pub fn read_frame(reader: &mut impl Read) -> io::Result<Option<Frame>> {
    let mut head = [0u8; 9];
    match reader.read_exact(&mut head) {
        Ok(()) => {}
        Err(err) if err.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(err) => return Err(err),
    }
    let len = u32::from_be_bytes([0, head[0], head[1], head[2]]) as usize;
    let stream = u32::from_be_bytes([head[5], head[6], head[7], head[8]]) & 0x7fff_ffff;
    let mut payload = vec![0; len];
    reader.read_exact(&mut payload)?;
    Ok(Some((head[3], head[4], stream, payload)))
}

/// Reads frames until a GOAWAY (its error code) or the end of the stream / an error (`None`),
/// acknowledging the server's SETTINGS on the way.
pub fn until_goaway(stream: &mut (impl Read + Write)) -> Option<u32> {
    loop {
        match read_frame(stream) {
            Ok(Some((GOAWAY, _, _, payload))) if payload.len() >= 8 => {
                return Some(u32::from_be_bytes([
                    payload[4], payload[5], payload[6], payload[7],
                ]));
            }
            Ok(Some((SETTINGS, flags, _, _))) if flags & ACK == 0 => {
                let _ = stream.write_all(&frame(SETTINGS, ACK, 0, &[]));
            }
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => return None,
        }
    }
}
