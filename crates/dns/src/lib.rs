//! DNS shared by roundtrip's clients and servers: names, records, RFC 1035 zone files and the
//! zone tree with its delegation cuts. No sockets live here.
//!
//! The wire format is NLnet Labs' `domain` crate (zero-copy parsing, a builder with name
//! compression). This crate gives the rest of the workspace concrete, owned types on top of it
//! ([`Name`], [`Record`], [`RecordData`]) and adds what a name server needs beyond the wire:
//!
//! - [`zonefile`]: a zone file enters at [`zonefile::parse_file`], which lexes the text into
//!   entries (parentheses, quotes, comments, escapes), applies the directives (`$ORIGIN`, `$TTL`,
//!   `$INCLUDE`) and hands each record's RDATA to `domain`'s scanner for its type. Every record
//!   remembers its file and line, so that every error reads `file:line: reason`.
//! - [`zone`]: [`Zone::build`] checks the records as a zone (SOA and NS at the apex, CNAME alone,
//!   glue present, nothing out of zone) and holds them in a tree keyed by lower-cased wire names,
//!   where [`Zone::lookup`] walks from the apex down and stops at the closest enclosing
//!   delegation cut, DNAME or wildcard (RFC 1034 §4.3.2, RFC 4592).
//! - [`query`]: the checks every server makes of an incoming query, and its error answer.

pub mod name;
pub mod query;
pub mod record;
pub mod relocate;
pub mod zone;
pub mod zonefile;

pub use name::{Name, NameError, NameProblem, name_key, parse_name};
pub use record::{Class, Record, RecordData, Rtype, present};
pub use zone::{Lookup, Node, Rrset, Suspicious, Zone, ZoneWarning};
pub use zonefile::{
    DirectiveNeeds, DurationProblem, ParsedZone, RdataProblem, ReadProblem, ZoneError,
    ZoneErrorReason, parse_file, parse_str,
};
