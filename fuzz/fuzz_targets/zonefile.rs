//! Any text as a zone file: an error or a zone, never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let origin = dns::parse_name("example.com.").unwrap();
    if let Ok(parsed) = dns::parse_str(text, Path::new("fuzz.zone"), Some(&origin)) {
        let _ = dns::Zone::build(parsed);
    }
});
