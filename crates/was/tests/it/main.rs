//! Integration tests of the application server: real servers on loopback, a real SQLite file
//! and a real PostgreSQL cluster, raw HTTP bytes on a TCP socket.

mod behaviour; // the cases, each written once and run against SQLite and PostgreSQL
mod connections; // header read timeout, keep-alive: the connection level, on SQLite
mod harness; // a WAS on its own runtime, its database (SQLite file / PostgreSQL cluster), raw HTTP
