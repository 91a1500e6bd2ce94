//! The web server against real sockets on a loopback block of each test's own.

mod conformance; // whose fault: malformed bodies, TRACE, methods, targets, Host, HTTP/1.2
mod fast_path; // the own HTTP/1.1 loop against hyper, byte for byte
mod harness; // the server on its own runtime, a site on disk, a small hyper upstream
mod https; // TLS 1.3/1.2 and HTTP/2 with curl, openssl, nghttp, h2load; HSTS, 301, abuse
mod interop; // curl and wrk against the server
mod limits; // timeouts and size limits, with raw bytes
mod proxy; // the reverse proxy: 200, 502, 504, round-robin, keep-alive, headers, 100-continue
mod server; // access log, journey events, graceful shutdown, virtual hosts and redirects
mod static_files; // GET/HEAD, MIME, index, 304, ranges, encodings, big files
mod traversal; // every way out of the root: 400 or 404, never the file
mod upstream_client; // the proxy's HTTP/1.1 client against hyper's, on the same answers
