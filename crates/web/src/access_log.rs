//! The access log: nginx's `combined` format plus the request time, one line per request:
//!
//! ```text
//! 127.0.0.1 - - [25/Nov/2026:17:19:40 +0000] "GET /index.html HTTP/1.1" 200 1024 "-" "curl/8.14.1" 0.000
//! ```
//!
//! Lines go into a 64 KiB buffer behind a mutex and are written when it fills, and at least every
//! 200 ms by a flush task, so a busy server makes one `write` per many requests instead of one
//! per request (nginx without `buffer=`).

use std::fmt::Write as _;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::config::AccessLog;

/// A shared, buffered access log writer.
pub(crate) struct AccessLogger {
    out: Mutex<std::io::BufWriter<Box<dyn Write + Send>>>,
}

/// What one log line says.
pub(crate) struct LogLine<'a> {
    pub client: SocketAddr,
    pub request_line: &'a str,
    pub status: u16,
    pub bytes: u64,
    pub referer: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub request_time: Duration,
}

impl AccessLogger {
    /// Opens the log; `None` when it is off.
    pub(crate) fn open(log: &AccessLog) -> Result<Option<Arc<Self>>, crate::StartError> {
        let out: Box<dyn Write + Send> = match log {
            AccessLog::Off => return Ok(None),
            AccessLog::Stderr => Box::new(std::io::stderr()),
            AccessLog::File(path) => Box::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|error| crate::StartError::AccessLog {
                        path: path.clone(),
                        error,
                    })?,
            ),
        };
        Ok(Some(Arc::new(AccessLogger {
            out: Mutex::new(std::io::BufWriter::with_capacity(64 * 1024, out)),
        })))
    }

    pub(crate) fn write(&self, line: &LogLine<'_>) {
        let mut text = String::with_capacity(160);
        let _ = write!(text, "{} - - [", line.client.ip());
        local_time(&mut text, SystemTime::now());
        text.push_str("] \"");
        escaped(&mut text, line.request_line);
        let _ = write!(text, "\" {} {} \"", line.status, line.bytes);
        escaped(&mut text, line.referer.unwrap_or("-"));
        text.push_str("\" \"");
        escaped(&mut text, line.user_agent.unwrap_or("-"));
        let _ = writeln!(text, "\" {:.3}", line.request_time.as_secs_f64());
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let _ = out.write_all(text.as_bytes());
    }

    pub(crate) fn flush(&self) {
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let _ = out.flush();
    }
}

/// nginx escapes `"`, `\` and bytes outside printable ASCII as `\xHH` so a line stays one line.
fn escaped(out: &mut String, text: &str) {
    for byte in text.bytes() {
        if byte == b'"' || byte == b'\\' || !(0x20..0x7f).contains(&byte) {
            let _ = write!(out, "\\x{byte:02X}");
        } else {
            out.push(byte as char);
        }
    }
}

/// `25/Nov/2026:17:19:40 +0000` (UTC: the server does not read the time zone database).
fn local_time(out: &mut String, now: SystemTime) {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (year, month, day) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    let _ = write!(
        out,
        "{day:02}/{}/{year}:{:02}:{:02}:{:02} +0000",
        MONTHS[(month - 1) as usize],
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    );
}

/// Howard Hinnant's days-to-civil: days since 1970-01-01 to (year, month 1-12, day 1-31).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_is_formatted_like_nginx() {
        let mut text = String::new();
        local_time(&mut text, UNIX_EPOCH + Duration::from_secs(1_795_627_180));
        assert_eq!(text, "25/Nov/2026:17:19:40 +0000");
        let mut text = String::new();
        local_time(&mut text, UNIX_EPOCH + Duration::from_secs(951_782_400));
        assert_eq!(text, "29/Feb/2000:00:00:00 +0000");
    }

    #[test]
    fn quotes_and_control_bytes_are_escaped() {
        let mut text = String::new();
        escaped(&mut text, "a\"b\n\\");
        assert_eq!(text, "a\\x22b\\x0A\\x5C");
    }
}
