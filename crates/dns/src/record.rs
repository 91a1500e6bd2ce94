//! Resource records: owned, with concrete types, as the zone file and the servers hold them.

use std::fmt;

use bytes::Bytes;
pub use domain::base::Rtype;
pub use domain::base::iana::Class;

use crate::Name;

/// The data of one record, of any type in common use; unknown types are kept as raw octets
/// (RFC 3597).
pub type RecordData = domain::rdata::ZoneRecordData<Bytes, Name>;

/// One resource record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The owner name, absolute.
    pub owner: Name,
    /// The class, `IN` nearly always.
    pub class: Class,
    /// Time to live in seconds.
    pub ttl: u32,
    /// The typed data.
    pub data: RecordData,
}

impl Record {
    /// The record's type.
    pub fn rtype(&self) -> Rtype {
        use domain::base::RecordData as _;
        self.data.rtype()
    }
}

/// One line of a zone file in canonical form: absolute owner, TTL, class, type, data.
impl fmt::Display for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}\t{}\t{}\t{}\t{}",
            self.owner.fmt_with_dot(),
            self.ttl,
            self.class,
            self.rtype(),
            present(&self.data)
        )
    }
}

/// Record data in zone-file presentation form, on one line (`10 mail.example.com.`); data of
/// unknown types as RFC 3597 writes it and BIND prints it (`\# 2 ABCD`).
pub fn present(data: &RecordData) -> impl fmt::Display + '_ {
    struct Present<'a>(&'a RecordData);
    impl fmt::Display for Present<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            use domain::base::zonefile_fmt::{DisplayKind, ZonefileFmt};
            match self.0 {
                RecordData::Unknown(unknown) => {
                    let octets = unknown.data();
                    write!(f, "\\# {}", octets.len())?;
                    if !octets.is_empty() {
                        f.write_str(" ")?;
                        for octet in octets.iter() {
                            write!(f, "{octet:02X}")?;
                        }
                    }
                    Ok(())
                }
                known => write!(f, "{}", known.display_zonefile(DisplayKind::Simple)),
            }
        }
    }
    Present(data)
}
