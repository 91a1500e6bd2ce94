//! `roundtrip serve ...`: the lab's servers, each runnable on its own as a long-running service.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;

#[derive(clap::Subcommand, Debug)]
pub enum ServeCommand {
    /// An authoritative DNS server for one or more zones, over UDP and TCP.
    Auth {
        /// Address and port to listen on, e.g. 127.0.0.2:1053.
        #[arg(long)]
        listen: SocketAddr,
        /// A zone: `[ORIGIN=]FILE`; without ORIGIN, the file's $ORIGIN or SOA owner. Repeatable.
        #[arg(long = "zone", required = true)]
        zones: Vec<String>,
        /// UDP worker threads.
        #[arg(long, default_value_t = 1)]
        udp_workers: usize,
        /// Answer every query from the zones, never from the packet cache of earlier answers.
        #[arg(long)]
        no_packet_cache: bool,
    },
}

pub fn run(cmd: ServeCommand) -> anyhow::Result<u8> {
    match cmd {
        ServeCommand::Auth {
            listen,
            zones,
            udp_workers,
            no_packet_cache,
        } => {
            let config = authdns::ServerConfig {
                udp_workers,
                packet_cache: !no_packet_cache,
                ..Default::default()
            };
            serve_auth(listen, &zones, config)
        }
    }
}

fn serve_auth(
    listen: SocketAddr,
    zones: &[String],
    config: authdns::ServerConfig,
) -> anyhow::Result<u8> {
    let mut catalog = authdns::Catalog::new();
    for spec in zones {
        let (origin, file) = match spec.split_once('=') {
            Some((origin, file)) => (
                Some(
                    dns::parse_name(origin)
                        .with_context(|| format!("bad origin in --zone {spec}"))?,
                ),
                file,
            ),
            None => (None, spec.as_str()),
        };
        let loaded =
            dns::parse_file(&PathBuf::from(file), origin.as_ref()).and_then(dns::Zone::build);
        let (zone, warnings) = match loaded {
            Ok(loaded) => loaded,
            Err(err) => {
                eprintln!("roundtrip: {err}");
                return Ok(1);
            }
        };
        for warning in warnings {
            eprintln!("warning: {warning}");
        }
        eprintln!(
            "zone {} loaded from {file}: {} names",
            zone.origin().fmt_with_dot(),
            zone.len()
        );
        catalog.insert(zone);
    }
    let udp =
        std::net::UdpSocket::bind(listen).with_context(|| format!("cannot bind UDP {listen}"))?;
    let tcp =
        std::net::TcpListener::bind(listen).with_context(|| format!("cannot bind TCP {listen}"))?;
    let server = authdns::spawn(
        udp,
        tcp,
        Arc::new(catalog),
        Arc::new(journey::Silent),
        config,
    )?;
    eprintln!("serving on {listen} (UDP and TCP)");
    server.wait();
    Ok(0)
}
