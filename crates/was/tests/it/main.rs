//! Integration tests of the application server: real servers on loopback, a real SQLite file
//! and a real PostgreSQL cluster, raw HTTP bytes on a TCP socket.

mod behaviour;
mod harness; // a WAS on its own runtime, the databases (SQLite file / PostgreSQL cluster), raw HTTP // the cases, each written once and run against SQLite and PostgreSQL
