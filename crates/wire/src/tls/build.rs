//! TLS records and handshake messages built by hand, for the unit tests and the `tls_stream`
//! fuzz target (feature `testing`): the length-prefixed vectors of RFC 8446 §3.4, and a
//! ClientHello and ServerHello as a browser and a server send them.

/// An opaque vector with a one-octet length.
pub fn vec8(body: &[u8]) -> Vec<u8> {
    let mut out = vec![body.len() as u8];
    out.extend_from_slice(body);
    out
}

/// An opaque vector with a two-octet length.
pub fn vec16(body: &[u8]) -> Vec<u8> {
    let mut out = (body.len() as u16).to_be_bytes().to_vec();
    out.extend_from_slice(body);
    out
}

/// An extension: its type and its body.
pub fn extension(kind: u16, body: &[u8]) -> Vec<u8> {
    let mut out = kind.to_be_bytes().to_vec();
    out.extend(vec16(body));
    out
}

/// A handshake message: its type and a three-octet length.
pub fn message(msg_type: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![msg_type];
    out.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    out.extend_from_slice(body);
    out
}

/// A record of `content_type` in the clear (legacy version 0x0303).
pub fn record(content_type: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![content_type, 3, 3];
    out.extend(vec16(body));
    out
}

/// The client random of [`client_hello`].
pub const CLIENT_RANDOM: [u8; 32] = [7; 32];

/// A TLS 1.3 ClientHello as a browser sends one: SNI www.google.com, ALPN h2 and http/1.1,
/// versions 1.3 and 1.2, a key share for x25519; the random is [`CLIENT_RANDOM`].
pub fn client_hello() -> Vec<u8> {
    let mut body = vec![3, 3];
    body.extend(CLIENT_RANDOM);
    body.extend(vec8(&[0xaa; 32]));
    body.extend(vec16(&[0x13, 0x01, 0x13, 0x02, 0x13, 0x03, 0xc0, 0x2f]));
    body.extend(vec8(&[0]));
    let mut exts = Vec::new();
    let mut sni = vec![0];
    sni.extend(vec16(b"www.google.com"));
    exts.extend(extension(0, &vec16(&sni)));
    let mut alpn = vec8(b"h2");
    alpn.extend(vec8(b"http/1.1"));
    exts.extend(extension(16, &vec16(&alpn)));
    exts.extend(extension(43, &vec8(&[3, 4, 3, 3])));
    exts.extend(extension(10, &vec16(&[0x00, 0x1d, 0x00, 0x17])));
    let mut share = vec![0x00, 0x1d];
    share.extend(vec16(&[9; 32]));
    exts.extend(extension(51, &vec16(&share)));
    body.extend(vec16(&exts));
    message(1, &body)
}

/// A TLS 1.3 ServerHello choosing `suite` (0x1301 TLS_AES_128_GCM_SHA256, ...) and x25519.
pub fn server_hello(suite: u16) -> Vec<u8> {
    let mut body = vec![3, 3];
    body.extend([8u8; 32]);
    body.extend(vec8(&[0xaa; 32]));
    body.extend(suite.to_be_bytes());
    body.push(0);
    let mut exts = extension(43, &[3, 4]);
    let mut share = vec![0x00, 0x1d];
    share.extend(vec16(&[5; 32]));
    exts.extend(extension(51, &share));
    body.extend(vec16(&exts));
    message(2, &body)
}
