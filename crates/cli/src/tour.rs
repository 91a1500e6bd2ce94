//! `roundtrip tour`: the lab started in-process, one URL browsed through it, and the story of
//! what really happened, from the packets up (the engine is `lab::tour`).

use std::path::PathBuf;

/// `roundtrip tour [URL] [--json] [--html FILE] [--pcap FILE] [--visits N] [--fault SPEC]`.
#[derive(clap::Args, Debug)]
pub struct TourArgs {
    /// The URL to browse (default: the lab's home page, http://www.google.com/; on the
    /// loopback fallback an ordinary user's is on port 8080).
    pub url: Option<String>,
    /// Print the whole journey as one JSON document (its shape: `lab::tour::Tour`).
    #[arg(long)]
    pub json: bool,
    /// Also write the journey as a self-contained HTML page with a sequence diagram.
    #[arg(long)]
    pub html: Option<PathBuf>,
    /// Also write the captured frames as a pcapng file, one interface per host and link
    /// (Wireshark, tshark -r).
    #[arg(long)]
    pub pcap: Option<PathBuf>,
    /// Browse this many times: the second visit shows the caches at work.
    #[arg(long, default_value_t = 1)]
    pub visits: usize,
    /// Break one part of the lab: root-down, nxdomain, was-down, was-slow, db-down, loss (a
    /// router loses a request segment and a resolver query; needs the lab's own network).
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
}

pub fn run(args: TourArgs) -> anyhow::Result<u8> {
    let config = match crate::lab::load_config(args.config.as_ref()) {
        Ok(config) => config,
        Err(code) => return Ok(code),
    };
    let options = lab::tour::TourOptions {
        config,
        url: args.url,
        visits: args.visits,
        fault: args.fault,
        search: (!args.no_search).then_some(args.search),
    };
    let tour = match lab::tour::run(options) {
        Ok(tour) => tour,
        Err(lab::tour::TourError::Usage(why)) => {
            eprintln!("roundtrip: {why}");
            return Ok(2);
        }
        Err(err) => {
            eprintln!("roundtrip: the lab could not start: {err}");
            return Ok(1);
        }
    };
    if let Some(path) = &args.pcap {
        wire::write_pcap(path, &tour.packets)
            .map_err(|err| anyhow::anyhow!("cannot write {}: {err}", path.display()))?;
    }
    if let Some(path) = &args.html {
        std::fs::write(path, journey::story::render_html(&tour.story))
            .map_err(|err| anyhow::anyhow!("cannot write {}: {err}", path.display()))?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&tour)?);
    } else {
        print!("{}", journey::story::render_text(&tour.story));
        println!(
            "\n{} packets captured, {} TCP connections; the tour took {:.0} ms.",
            tour.packets.len(),
            tour.connections.len(),
            tour.wall_ms
        );
        if let Some(path) = &args.pcap {
            println!("packets written to {} (tshark -r {0})", path.display());
        }
        if let Some(path) = &args.html {
            println!("sequence diagram written to {}", path.display());
        }
    }
    Ok(0)
}
