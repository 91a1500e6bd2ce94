//! `roundtrip lab up`: the lab internet on loopback until Ctrl-C.

#[derive(clap::Subcommand, Debug)]
pub enum LabCommand {
    /// Start the lab's servers, print the address table, and run until interrupted.
    Up {
        /// The port the lab's DNS servers share (default: 53 as root, 1053 otherwise).
        #[arg(long)]
        dns_port: Option<u16>,
    },
}

pub fn run(cmd: LabCommand) -> anyhow::Result<u8> {
    match cmd {
        LabCommand::Up { dns_port } => {
            let port = dns_port.unwrap_or_else(lab::default_dns_port);
            let running = lab::start_dns(
                &lab::default_zones_dir(),
                port,
                std::sync::Arc::new(journey::Silent),
            )?;
            println!("{:<22} {:<18} {:<14} zones", "host", "address", "role");
            for (host, addr) in &running.hosts {
                let zones: Vec<&str> = host.zones.iter().map(|(origin, _)| *origin).collect();
                println!(
                    "{:<22} {:<18} {:<14} {}",
                    host.name,
                    addr.to_string(),
                    host.role,
                    zones.join(" ")
                );
            }
            println!(
                "{:<22} {:<18} {:<14} recursive, from the lab's root hints",
                "resolver",
                running.resolver.to_string(),
                "resolver"
            );
            println!();
            println!(
                "Try: dig @127.0.0.53 -p {port} www.google.com              (a recursive query to the ISP's resolver)"
            );
            println!(
                "     dig @127.0.0.2 -p {port} www.google.com +norec       (the root's referral to com.)"
            );
            println!(
                "     roundtrip dig www.google.com +trace @127.0.0.2:{port} (the iterative walk, hop by hop)"
            );
            println!("Ctrl-C stops the lab.");
            running.wait();
            Ok(0)
        }
    }
}
