//! `roundtrip tour`: the lab started in-process, one URL browsed through it, and the story of
//! what really happened, from the packets up (the engine is `lab::tour`).

use std::path::PathBuf;

use text::{Lang, t};

/// `roundtrip tour [URL] [--json] [--html FILE] [--pcap FILE] [--keylog FILE] [--visits N]
/// [--fault SPEC] [--lang en|ko]`.
#[derive(clap::Args, Debug)]
pub struct TourArgs {
    /// The URL to browse (default: the lab's home page, http://www.google.com/, which the
    /// browser's HSTS preload list makes https://; on the loopback fallback an ordinary user's
    /// is https://www.google.com:8443/).
    pub url: Option<String>,
    /// Print the whole journey as one JSON document (its shape: `lab::tour::Tour`).
    #[arg(long)]
    pub json: bool,
    /// Also write the journey as a self-contained HTML page with a sequence diagram.
    #[arg(long)]
    pub html: Option<PathBuf>,
    /// Also write the captured frames as a pcapng file, one interface per host and link, with
    /// the browser's TLS secrets in a Decryption Secrets Block (Wireshark and tshark -r show
    /// the decrypted HTTP/2 with no setup).
    #[arg(long)]
    pub pcap: Option<PathBuf>,
    /// Also write the browser's TLS secrets in the NSS key-log format (SSLKEYLOGFILE's).
    #[arg(long)]
    pub keylog: Option<PathBuf>,
    /// Browse this many times: the second visit shows the caches at work.
    #[arg(long, default_value_t = 1)]
    pub visits: usize,
    /// Break one part of the lab: root-down, nxdomain, was-down, was-slow, db-down, loss (a
    /// router loses a request segment and a resolver query; needs the lab's own network),
    /// cert-expired, cert-wrong-name (the web server's certificate; the browser refuses it).
    #[arg(long)]
    pub fault: Option<lab::tour::Fault>,
    /// The lab's config (default: `roundtrip lab config`).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// After the home page, search for this, as a person would (dynamic: web -> WAS -> DB).
    #[arg(long, default_value = "TIME_WAIT")]
    pub search: String,
    /// Do not search after the home page.
    #[arg(long)]
    pub no_search: bool,
    /// A browser without HSTS (no preload list, no store): http:// goes out as plain HTTP,
    /// and the web server's 301 sends it to https://.
    #[arg(long)]
    pub no_hsts: bool,
}

pub fn run(args: TourArgs, lang: Lang) -> anyhow::Result<u8> {
    let config = match crate::lab::load_config(args.config.as_ref(), lang) {
        Ok(config) => config,
        Err(code) => return Ok(code),
    };
    let options = lab::tour::TourOptions {
        config,
        url: args.url,
        visits: args.visits,
        fault: args.fault,
        search: (!args.no_search).then_some(args.search),
        hsts: !args.no_hsts,
        lang,
    };
    let tour = match lab::tour::run(options) {
        Ok(tour) => tour,
        Err(lab::tour::TourError::Usage(why)) => {
            eprintln!("roundtrip: {why}");
            return Ok(2);
        }
        Err(lab::tour::TourError::Lab(err)) => {
            eprintln!(
                "roundtrip: {}",
                t!(lang, "tour-lab-failed", error = err.describe(lang))
            );
            return Ok(1);
        }
    };
    let cannot_write = |path: &std::path::Path, err| crate::cannot_write(lang, path, err);
    if let Some(path) = &args.pcap {
        wire::write_pcap_with_keylog(path, &tour.packets, Some(&tour.keylog))
            .map_err(|err| cannot_write(path, err))?;
    }
    if let Some(path) = &args.keylog {
        wire::write_keylog(path, &tour.keylog).map_err(|err| cannot_write(path, err))?;
    }
    if let Some(path) = &args.html {
        std::fs::write(path, journey::story::render_html(&tour.tellings))
            .map_err(|err| cannot_write(path, err))?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&tour)?);
    } else {
        print!("{}", journey::story::render_text(&tour.story));
        println!(
            "\n{}",
            t!(
                lang,
                "tour-summary",
                packets = tour.packets.len(),
                connections = tour.connections.len(),
                ms = format!("{:.0}", tour.wall_ms)
            )
        );
        if let Some(path) = &args.pcap {
            println!(
                "{}",
                t!(lang, "tour-pcap-written", path = path.display().to_string())
            );
        }
        if let Some(path) = &args.html {
            println!(
                "{}",
                t!(lang, "tour-html-written", path = path.display().to_string())
            );
        }
    }
    Ok(0)
}
