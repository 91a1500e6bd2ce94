//! Integration tests of the application server: real servers on loopback, a real SQLite file
//! and a real PostgreSQL cluster, raw HTTP bytes on a TCP socket.

mod harness; // a WAS on its own runtime, the databases (SQLite file / PostgreSQL cluster), raw HTTP
mod behaviour; // the cases, each written once and run against SQLite and PostgreSQL
