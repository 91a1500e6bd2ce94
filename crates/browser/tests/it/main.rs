//! Integration tests of the browser against real servers on the test's loopback block.

mod http; // HTTP: redirects, reuse, timings, Happy Eyeballs, the client's FIN, the host cache
mod https; // TLS: HTTP/2 by ALPN, the certificate summary, certificate errors, the key log
mod lab; // the DNS fixture: a real root, `example.` and a resolver front on the test's block
mod names; // step 1 and stub resolution: hosts file, host cache, recursive query, --recursive
mod server; // the HTTP test server: hyper, real sockets, routes for every case
