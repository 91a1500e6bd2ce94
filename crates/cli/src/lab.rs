//! `roundtrip lab up` and `roundtrip lab config`: the lab internet on loopback until Ctrl-C, and
//! the config it starts from.

use std::path::PathBuf;

#[derive(clap::Subcommand, Debug)]
pub enum LabCommand {
    /// Start the lab's servers, print the address table, and run until interrupted.
    Up {
        /// The lab's config (TOML); default: the default lab (`roundtrip lab config`).
        #[arg(long)]
        config: Option<PathBuf>,
        /// The port the lab's DNS servers share (overrides the config; default: 53 as root,
        /// 1053 otherwise).
        #[arg(long)]
        dns_port: Option<u16>,
    },
    /// Print the default lab config (TOML), to save and edit.
    Config,
}

/// The config of `--config FILE`, or the default lab; a bad file is refused with its line.
pub fn load_config(path: Option<&PathBuf>) -> Result<lab::LabConfig, u8> {
    match path {
        None => Ok(lab::LabConfig::default_lab()),
        Some(path) => lab::LabConfig::load(path).map_err(|err| {
            eprintln!("roundtrip: bad lab config: {err}");
            2
        }),
    }
}

/// Prints the address table of a running lab.
pub fn print_table(running: &lab::RunningLab) {
    println!("{:<20} {:<20} {:<14} serves", "host", "address", "role");
    for row in &running.hosts {
        println!(
            "{:<20} {:<20} {:<14} {}",
            row.name,
            row.addr.to_string(),
            row.role,
            row.detail
        );
    }
    println!(
        "{:<20} {:<20} {:<14} source address of `roundtrip get --bind` and the tour",
        "browser",
        running.config.browser.to_string(),
        "browser"
    );
}

pub fn run(cmd: LabCommand) -> anyhow::Result<u8> {
    match cmd {
        LabCommand::Config => {
            print!("{}", lab::LabConfig::default_text());
            Ok(0)
        }
        LabCommand::Up { config, dns_port } => {
            let mut config = match load_config(config.as_ref()) {
                Ok(config) => config,
                Err(code) => return Ok(code),
            };
            if let Some(port) = dns_port {
                config.dns_port = port;
            }
            let port = config.dns_port;
            let resolver = config.resolver_addr();
            let root = config
                .dns
                .iter()
                .find(|s| s.role == "root")
                .map(|s| s.address)
                .expect("the config has a root");
            let running = lab::start(
                &config,
                &lab::Faults::default(),
                std::sync::Arc::new(journey::Silent),
            )?;
            print_table(&running);
            println!();
            println!(
                "Try: dig @{} -p {port} www.google.com              (a recursive query to the ISP's resolver)",
                resolver.ip()
            );
            println!(
                "     dig @{root} -p {port} www.google.com +norec       (the root's referral to com.)"
            );
            println!(
                "     roundtrip dig www.google.com +trace @{root}:{port} (the iterative walk, hop by hop)"
            );
            println!(
                "     roundtrip get {}search?q=dns --resolver {resolver} -v   (the web server, the WAS, the database)",
                lab::tour::home_url(&config)
            );
            println!("Ctrl-C stops the lab.");
            running.run_until_interrupted();
            eprintln!("lab stopped");
            Ok(0)
        }
    }
}
