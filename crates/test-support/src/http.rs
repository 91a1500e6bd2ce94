//! A raw HTTP/1.1 client for tests: bytes written exactly as given on a std `TcpStream`, and
//! responses read back field by field, so a test sees what a client library would normalise
//! (a request head never finished, `%2e%2e`, both Content-Length and Transfer-Encoding, a
//! 100 Continue before the answer, whether the server closed the connection).

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// One response as it came off the wire.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// The status code.
    pub status: u16,
    /// Header fields in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
    /// The status line and header fields, as text.
    pub head: String,
}

impl RawResponse {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as (lossy) text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A client connection that writes raw bytes and reads responses one at a time.
pub struct RawConnection {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl RawConnection {
    /// Connects, with 5 s read and write timeouts.
    pub fn connect(addr: SocketAddr) -> io::Result<Self> {
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
        stream.set_read_timeout(Some(Duration::from_secs(5)))?;
        stream.set_write_timeout(Some(Duration::from_secs(5)))?;
        Ok(RawConnection {
            stream,
            buffer: Vec::new(),
        })
    }

    /// Writes `bytes` as they are.
    pub fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// Sends a request and reads its response (a 1xx is returned as it is; read again).
    /// A request starting with `HEAD ` expects no body.
    pub fn request(&mut self, raw: &[u8]) -> io::Result<RawResponse> {
        self.send(raw)?;
        self.read_response(raw.starts_with(b"HEAD "))
    }

    /// Reads the next response; `head_request` when it answers a HEAD (no body follows).
    pub fn read_response(&mut self, head_request: bool) -> io::Result<RawResponse> {
        let end = loop {
            if let Some(at) = find(&self.buffer, b"\r\n\r\n") {
                break at;
            }
            self.fill()?;
        };
        let head = String::from_utf8_lossy(&self.buffer[..end]).into_owned();
        self.buffer.drain(..end + 4);
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| invalid(format!("bad status line {status_line:?}")))?;
        let headers: Vec<(String, String)> = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
            .collect();
        let mut response = RawResponse {
            status,
            headers,
            body: Vec::new(),
            head,
        };
        if head_request || status < 200 || status == 204 || status == 304 {
            return Ok(response);
        }
        let chunked = response
            .header("transfer-encoding")
            .is_some_and(|te| te.to_ascii_lowercase().contains("chunked"));
        if chunked {
            loop {
                let line_end = loop {
                    if let Some(at) = find(&self.buffer, b"\r\n") {
                        break at;
                    }
                    self.fill()?;
                };
                let size_text = String::from_utf8_lossy(&self.buffer[..line_end]).into_owned();
                let size =
                    usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                        .map_err(|_| invalid(format!("bad chunk size {size_text:?}")))?;
                self.buffer.drain(..line_end + 2);
                self.fill_to(size + 2)?;
                if size == 0 {
                    // No trailers expected in these tests: the empty line ends the body.
                    self.buffer.drain(..2);
                    break;
                }
                response.body.extend_from_slice(&self.buffer[..size]);
                self.buffer.drain(..size + 2);
            }
        } else if let Some(len) = response.header("content-length") {
            let len: usize = len
                .parse()
                .map_err(|_| invalid("bad content-length".into()))?;
            self.fill_to(len)?;
            response.body = self.buffer.drain(..len).collect();
        } else {
            loop {
                match self.stream.read_to_end(&mut self.buffer) {
                    Ok(_) => break,
                    Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                    Err(err) => return Err(err),
                }
            }
            response.body = std::mem::take(&mut self.buffer);
        }
        Ok(response)
    }

    /// Whether the server closes the connection (EOF or reset, nothing more sent) within
    /// `within`. Bytes that arrive instead are kept for the next read and mean "not closed".
    pub fn closed_within(&mut self, within: Duration) -> bool {
        if !self.buffer.is_empty() {
            return false;
        }
        let _ = self
            .stream
            .set_read_timeout(Some(within.max(Duration::from_millis(1))));
        let mut byte = [0u8; 1];
        let closed = loop {
            match self.stream.read(&mut byte) {
                Ok(0) => break true,
                Ok(_) => {
                    self.buffer.push(byte[0]);
                    break false;
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err)
                    if matches!(
                        err.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    break false;
                }
                Err(_) => break true, // reset
            }
        };
        let _ = self.stream.set_read_timeout(Some(Duration::from_secs(5)));
        closed
    }

    /// The underlying stream, for tests that need it.
    pub fn stream(&mut self) -> &mut TcpStream {
        &mut self.stream
    }

    fn fill(&mut self) -> io::Result<()> {
        let mut chunk = [0u8; 16 * 1024];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the server closed the connection",
                    ));
                }
                Ok(n) => {
                    self.buffer.extend_from_slice(&chunk[..n]);
                    return Ok(());
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err),
            }
        }
    }

    fn fill_to(&mut self, len: usize) -> io::Result<()> {
        while self.buffer.len() < len {
            self.fill()?;
        }
        Ok(())
    }
}

/// Connects, sends `raw`, reads one response.
pub fn raw_request(addr: SocketAddr, raw: &[u8]) -> io::Result<RawResponse> {
    RawConnection::connect(addr)?.request(raw)
}

/// `GET path` with `Host: host` and extra header lines, on a new connection.
pub fn get(addr: SocketAddr, path: &str, extra: &[(&str, &str)]) -> io::Result<RawResponse> {
    raw_request(addr, request_bytes("GET", path, extra).as_bytes())
}

/// A request head: `METHOD path HTTP/1.1`, `Host: test` unless given, the extra fields.
pub fn request_bytes(method: &str, path: &str, extra: &[(&str, &str)]) -> String {
    let mut text = format!("{method} {path} HTTP/1.1\r\n");
    if !extra.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        text.push_str("Host: test\r\n");
    }
    for (name, value) in extra {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    text
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}
