//! HTTP/2 frames (RFC 9113 §4, §6) read from one direction's decrypted application data.
//! Bytes enter at [`Http2Reader::push`], record by record, in stream order; a frame may span
//! records, so the reader keeps the unfinished tail. Header blocks (HEADERS or PUSH_PROMISE
//! plus CONTINUATIONs) are decoded with this direction's HPACK table.

use serde::Serialize;

use super::hpack;

/// The client connection preface (RFC 9113 §3.4).
pub const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// The largest frame this reader accepts: 2^24 - 1, the most a length field can say.
const MAX_FRAME: usize = (1 << 24) - 1;

/// One SETTINGS parameter (RFC 9113 §6.5.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Setting {
    /// Its name, such as `SETTINGS_MAX_CONCURRENT_STREAMS`, or `0x....`.
    pub name: String,
    /// Its identifier.
    pub id: u16,
    /// Its value.
    pub value: u32,
}

fn setting_name(id: u16) -> String {
    match id {
        1 => "SETTINGS_HEADER_TABLE_SIZE".into(),
        2 => "SETTINGS_ENABLE_PUSH".into(),
        3 => "SETTINGS_MAX_CONCURRENT_STREAMS".into(),
        4 => "SETTINGS_INITIAL_WINDOW_SIZE".into(),
        5 => "SETTINGS_MAX_FRAME_SIZE".into(),
        6 => "SETTINGS_MAX_HEADER_LIST_SIZE".into(),
        8 => "SETTINGS_ENABLE_CONNECT_PROTOCOL".into(),
        9 => "SETTINGS_NO_RFC7540_PRIORITIES".into(),
        other => format!("0x{other:04x}"),
    }
}

/// An HTTP/2 error code's name (RFC 9113 §7).
pub fn error_name(code: u32) -> &'static str {
    match code {
        0x0 => "NO_ERROR",
        0x1 => "PROTOCOL_ERROR",
        0x2 => "INTERNAL_ERROR",
        0x3 => "FLOW_CONTROL_ERROR",
        0x4 => "SETTINGS_TIMEOUT",
        0x5 => "STREAM_CLOSED",
        0x6 => "FRAME_SIZE_ERROR",
        0x7 => "REFUSED_STREAM",
        0x8 => "CANCEL",
        0x9 => "COMPRESSION_ERROR",
        0xa => "CONNECT_ERROR",
        0xb => "ENHANCE_YOUR_CALM",
        0xc => "INADEQUATE_SECURITY",
        0xd => "HTTP_1_1_REQUIRED",
        _ => "unknown error code",
    }
}

/// What one frame said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "frame", rename_all = "snake_case")]
pub enum Http2Payload {
    /// The client's connection preface, `PRI * HTTP/2.0 ...`.
    Preface,
    /// DATA (0).
    Data {
        /// Bytes of data (padding excluded).
        len: usize,
        /// END_STREAM: the sender's last frame on this stream.
        end_stream: bool,
    },
    /// HEADERS (1), with its header block decoded once complete (with its CONTINUATIONs).
    Headers {
        /// The decoded header list, in order; empty until the block is complete.
        headers: Vec<(String, String)>,
        /// END_STREAM.
        end_stream: bool,
        /// END_HEADERS: the block ends in this frame.
        end_headers: bool,
        /// Why the block did not decode.
        error: Option<String>,
    },
    /// PRIORITY (2).
    Priority,
    /// RST_STREAM (3): the stream ends abnormally.
    RstStream {
        /// The error code.
        error_code: u32,
        /// Its name.
        error: &'static str,
    },
    /// SETTINGS (4).
    Settings {
        /// ACK: acknowledges the peer's SETTINGS.
        ack: bool,
        /// The parameters, in order.
        values: Vec<Setting>,
    },
    /// PUSH_PROMISE (5).
    PushPromise {
        /// The stream promised.
        promised_stream: u32,
        /// The request's header list, once complete.
        headers: Vec<(String, String)>,
    },
    /// PING (6).
    Ping {
        /// ACK: the answer to a PING.
        ack: bool,
        /// The 8 opaque bytes.
        data: u64,
    },
    /// GOAWAY (7): the sender will start no more streams after `last_stream`.
    Goaway {
        /// The last stream the sender processed.
        last_stream: u32,
        /// The error code.
        error_code: u32,
        /// Its name.
        error: &'static str,
        /// Debug data, as text.
        debug: String,
    },
    /// WINDOW_UPDATE (8): flow-control credit.
    WindowUpdate {
        /// Bytes added to the window.
        increment: u32,
    },
    /// CONTINUATION (9), with the header list when it completes a block.
    Continuation {
        /// The decoded header list if END_HEADERS.
        headers: Vec<(String, String)>,
        /// END_HEADERS.
        end_headers: bool,
        /// Why the completed block did not decode.
        error: Option<String>,
    },
    /// A frame type this reader does not decode.
    Unknown {
        /// Its type.
        frame_type: u8,
        /// Payload length.
        len: usize,
    },
    /// A frame whose payload is not what its type requires.
    Malformed {
        /// Its type.
        frame_type: u8,
        /// What was wrong.
        reason: &'static str,
    },
}

/// A frame as read, before the session places it in time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawFrame {
    /// Offset, in this direction's application data, of the frame's last byte.
    pub(crate) end: u64,
    pub(crate) stream: u32,
    pub(crate) flags: u8,
    pub(crate) payload: Http2Payload,
}

/// Reads one direction's frames.
#[derive(Debug)]
pub(crate) struct Http2Reader {
    buffer: Vec<u8>,
    /// Offset in the application data of `buffer[0]`.
    consumed: u64,
    preface_done: bool,
    hpack: hpack::Decoder,
    /// The header block being collected (HEADERS or PUSH_PROMISE, then CONTINUATIONs).
    block: Option<Vec<u8>>,
    /// Set after a malformed frame or preface: nothing after it is read.
    stopped: bool,
}

const END_STREAM: u8 = 0x1;
const ACK: u8 = 0x1;
const END_HEADERS: u8 = 0x4;
const PADDED: u8 = 0x8;
const PRIORITY: u8 = 0x20;

impl Http2Reader {
    /// A reader of the client's (`client`) or the server's frames.
    pub(crate) fn new(client: bool) -> Http2Reader {
        Http2Reader {
            buffer: Vec::new(),
            consumed: 0,
            preface_done: !client,
            hpack: hpack::Decoder::new(),
            block: None,
            stopped: false,
        }
    }

    /// Adds application data and returns the frames it completed.
    pub(crate) fn push(&mut self, data: &[u8]) -> Vec<RawFrame> {
        let mut frames = Vec::new();
        if self.stopped {
            return frames;
        }
        self.buffer.extend_from_slice(data);
        let mut at = 0usize;
        if !self.preface_done {
            let n = self.buffer.len().min(PREFACE.len());
            if self.buffer[..n] != PREFACE[..n] {
                self.stopped = true;
                frames.push(RawFrame {
                    end: self.consumed + n as u64,
                    stream: 0,
                    flags: 0,
                    payload: Http2Payload::Malformed {
                        frame_type: 0xff,
                        reason: "not the HTTP/2 connection preface",
                    },
                });
                return frames;
            }
            if n < PREFACE.len() {
                return frames;
            }
            self.preface_done = true;
            at = PREFACE.len();
            frames.push(RawFrame {
                end: self.consumed + at as u64 - 1,
                stream: 0,
                flags: 0,
                payload: Http2Payload::Preface,
            });
        }
        while self.buffer.len() - at >= 9 {
            let header = &self.buffer[at..at + 9];
            let len =
                usize::from(header[0]) << 16 | usize::from(header[1]) << 8 | usize::from(header[2]);
            if len > MAX_FRAME || self.buffer.len() - at - 9 < len {
                break;
            }
            let frame_type = header[3];
            let flags = header[4];
            let stream =
                u32::from_be_bytes([header[5], header[6], header[7], header[8]]) & 0x7fff_ffff;
            let payload = self.buffer[at + 9..at + 9 + len].to_vec();
            at += 9 + len;
            let payload = self.frame(frame_type, flags, &payload);
            frames.push(RawFrame {
                end: self.consumed + at as u64 - 1,
                stream,
                flags,
                payload,
            });
        }
        self.buffer.drain(..at);
        self.consumed += at as u64;
        frames
    }

    fn frame(&mut self, frame_type: u8, flags: u8, payload: &[u8]) -> Http2Payload {
        let malformed = |reason| Http2Payload::Malformed { frame_type, reason };
        let u32_at = |i: usize| -> Option<u32> {
            Some(u32::from_be_bytes(payload.get(i..i + 4)?.try_into().ok()?))
        };
        match frame_type {
            0 => match unpad(flags, payload) {
                Some(data) => Http2Payload::Data {
                    len: data.len(),
                    end_stream: flags & END_STREAM != 0,
                },
                None => malformed("bad padding"),
            },
            1 => {
                let Some(mut fragment) = unpad(flags, payload) else {
                    return malformed("bad padding");
                };
                if flags & PRIORITY != 0 {
                    let Some(rest) = fragment.get(5..) else {
                        return malformed("priority fields cut short");
                    };
                    fragment = rest;
                }
                let (headers, error) = self.fragment(fragment, flags & END_HEADERS != 0, true);
                Http2Payload::Headers {
                    headers,
                    end_stream: flags & END_STREAM != 0,
                    end_headers: flags & END_HEADERS != 0,
                    error,
                }
            }
            2 if payload.len() == 5 => Http2Payload::Priority,
            2 => malformed("PRIORITY is 5 bytes"),
            3 => match (payload.len(), u32_at(0)) {
                (4, Some(error_code)) => Http2Payload::RstStream {
                    error_code,
                    error: error_name(error_code),
                },
                _ => malformed("RST_STREAM is 4 bytes"),
            },
            4 => {
                if !payload.len().is_multiple_of(6) {
                    return malformed("SETTINGS is a multiple of 6 bytes");
                }
                let values = payload
                    .chunks_exact(6)
                    .map(|c| {
                        let id = u16::from_be_bytes([c[0], c[1]]);
                        Setting {
                            name: setting_name(id),
                            id,
                            value: u32::from_be_bytes([c[2], c[3], c[4], c[5]]),
                        }
                    })
                    .collect();
                Http2Payload::Settings {
                    ack: flags & ACK != 0,
                    values,
                }
            }
            5 => {
                let Some(fragment) = unpad(flags, payload) else {
                    return malformed("bad padding");
                };
                let Some(promised) = u32_at(0).filter(|_| fragment.len() >= 4) else {
                    return malformed("PUSH_PROMISE cut short");
                };
                let (headers, _) = self.fragment(&fragment[4..], flags & END_HEADERS != 0, true);
                Http2Payload::PushPromise {
                    promised_stream: promised & 0x7fff_ffff,
                    headers,
                }
            }
            6 => match <[u8; 8]>::try_from(payload) {
                Ok(data) => Http2Payload::Ping {
                    ack: flags & ACK != 0,
                    data: u64::from_be_bytes(data),
                },
                Err(_) => malformed("PING is 8 bytes"),
            },
            7 => match (u32_at(0), u32_at(4)) {
                (Some(last), Some(error_code)) => Http2Payload::Goaway {
                    last_stream: last & 0x7fff_ffff,
                    error_code,
                    error: error_name(error_code),
                    debug: String::from_utf8_lossy(&payload[8..]).into_owned(),
                },
                _ => malformed("GOAWAY cut short"),
            },
            8 => match (payload.len(), u32_at(0)) {
                (4, Some(increment)) => Http2Payload::WindowUpdate {
                    increment: increment & 0x7fff_ffff,
                },
                _ => malformed("WINDOW_UPDATE is 4 bytes"),
            },
            9 => {
                if self.block.is_none() {
                    return malformed("CONTINUATION without a header block");
                }
                let (headers, error) = self.fragment(payload, flags & END_HEADERS != 0, false);
                Http2Payload::Continuation {
                    headers,
                    end_headers: flags & END_HEADERS != 0,
                    error,
                }
            }
            _ => Http2Payload::Unknown {
                frame_type,
                len: payload.len(),
            },
        }
    }

    /// Adds a header-block fragment; when `end`, decodes the block.
    fn fragment(
        &mut self,
        fragment: &[u8],
        end: bool,
        first: bool,
    ) -> (Vec<(String, String)>, Option<String>) {
        let mut block = if first {
            Vec::new()
        } else {
            self.block.take().unwrap_or_default()
        };
        block.extend_from_slice(fragment);
        if !end {
            self.block = Some(block);
            return (Vec::new(), None);
        }
        match self.hpack.decode(&block) {
            Ok(headers) => (headers, None),
            Err(err) => (Vec::new(), Some(err.to_string())),
        }
    }
}

/// RFC 9113 §6.1: with PADDED, the first byte is the pad length, and that many bytes at the
/// end are padding.
fn unpad(flags: u8, payload: &[u8]) -> Option<&[u8]> {
    if flags & PADDED == 0 {
        return Some(payload);
    }
    let (&pad, rest) = payload.split_first()?;
    rest.get(..rest.len().checked_sub(usize::from(pad))?)
}
