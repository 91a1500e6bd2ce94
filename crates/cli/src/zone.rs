//! `roundtrip zone check ORIGIN FILE [--print]`: load a zone as the servers would, like BIND's
//! `named-checkzone` (and with `--print`, `named-compilezone -o -`).
//!
//! Its report keeps named-checkzone's own lines (`zone google.com/IN: loaded serial 1`, `OK`,
//! `file:line: reason`), in English in every language, so that scripts written for BIND's tool
//! read it; only the lines of its own (a bad origin) follow `--lang`.

use std::path::PathBuf;

use text::{Lang, t};

#[derive(clap::Subcommand, Debug)]
pub enum ZoneCommand {
    /// Check a zone file: exit 0 if it loads, 1 with `file:line: reason` if not.
    Check {
        /// The zone's origin, e.g. `google.com.` or `.` for the root.
        origin: String,
        /// The zone file.
        file: PathBuf,
        /// Print the zone in canonical form: one record per line, absolute names, TTL and class.
        #[arg(long)]
        print: bool,
    },
}

pub fn run(cmd: ZoneCommand, lang: Lang) -> anyhow::Result<u8> {
    match cmd {
        ZoneCommand::Check {
            origin,
            file,
            print,
        } => {
            let origin = match dns::parse_name(&origin) {
                Ok(name) => name,
                Err(err) => {
                    eprintln!(
                        "roundtrip: {}",
                        t!(
                            lang,
                            "zone-bad-origin",
                            origin = format!("{origin:?}"),
                            error = crate::reasons::name(lang, &err)
                        )
                    );
                    return Ok(2);
                }
            };
            let loaded = dns::parse_file(&file, Some(&origin)).and_then(dns::Zone::build);
            let (zone, warnings) = match loaded {
                Ok(loaded) => loaded,
                Err(err) => {
                    eprintln!("{err}");
                    eprintln!(
                        "zone {}/IN: not loaded due to errors.",
                        origin.fmt_with_dot()
                    );
                    return Ok(1);
                }
            };
            for warning in &warnings {
                eprintln!("{warning}");
            }
            if print {
                use std::io::Write;
                let mut out = std::io::BufWriter::new(std::io::stdout().lock());
                for record in zone.records() {
                    writeln!(out, "{record}")?;
                }
                out.flush()?;
            } else {
                let serial = match zone.soa().data.first() {
                    Some(dns::RecordData::Soa(soa)) => soa.serial().into_int(),
                    _ => 0,
                };
                println!(
                    "zone {}/{}: loaded serial {serial}",
                    origin.fmt_with_dot(),
                    zone.class()
                );
                println!("OK");
            }
            Ok(0)
        }
    }
}
