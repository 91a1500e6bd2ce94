//! Integration tests of the resolver: real authoritative servers (`authdns`) on a loopback block
//! of each test's own, the resolver in-process with a manual clock, or behind its real front.

mod front; // the server front: UDP and TCP, the ACL, bad queries from clients
mod hostile; // upstream servers that lie, spoof or send garbage: no panic, no cache pollution
mod scenarios; // one data file per behaviour: zones + questions + expected answers
