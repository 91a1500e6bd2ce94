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
                RecordData::Rrsig(_) => {
                    // RFC 4034 §3.2: the expiration and inception are written YYYYMMDDHHmmSS,
                    // as BIND writes them (`domain` writes seconds, which §3.2 also reads).
                    let text = self.0.display_zonefile(DisplayKind::Simple).to_string();
                    let mut fields: Vec<String> = text.split(' ').map(str::to_owned).collect();
                    for field in fields.iter_mut().skip(4).take(2) {
                        if let Ok(seconds) = field.parse::<u32>() {
                            *field = rrsig_time(seconds);
                        }
                    }
                    f.write_str(&fields.join(" "))
                }
                known => write!(f, "{}", known.display_zonefile(DisplayKind::Simple)),
            }
        }
    }
    Present(data)
}

/// Seconds since 1970 (UTC) as RFC 4034 §3.2's YYYYMMDDHHmmSS.
fn rrsig_time(seconds: u32) -> String {
    let in_day = seconds % 86_400;
    let (year, month, day) = civil_from_days(u64::from(seconds / 86_400));
    format!(
        "{year:04}{month:02}{day:02}{:02}{:02}{:02}",
        in_day / 3600,
        in_day / 60 % 60,
        in_day % 60
    )
}

/// Year, month (1-12) and day (1-31) of the proleptic Gregorian calendar for a day count since
/// 1970-01-01 (Howard Hinnant's `civil_from_days`): years start in March so that the leap day
/// is the last day of the year, and 146097 days are 400 Gregorian years.
pub fn civil_from_days(days_since_epoch: u64) -> (u64, u64, u64) {
    let z = days_since_epoch + 719_468;
    let era = z / 146_097;
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::rrsig_time;

    #[test]
    fn rrsig_times_are_calendar_dates() {
        assert_eq!(rrsig_time(0), "19700101000000");
        assert_eq!(rrsig_time(951_782_400), "20000229000000"); // a leap day
        assert_eq!(rrsig_time(1_767_225_600), "20260101000000");
        assert_eq!(rrsig_time(1_893_456_000), "20300101000000");
        assert_eq!(rrsig_time(u32::MAX), "21060207062815");
    }
}
