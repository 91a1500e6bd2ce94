//! `roundtrip lab up`, `lab exec` and `lab config`: the lab internet until Ctrl-C, a command run
//! inside one of its hosts, and the config it starts from.

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
        /// Also forward the resolver and the web server to loopback addresses of this machine
        /// (the config's [publish]: 127.0.0.1:1053 and 127.0.0.1:8080 by default), for tools
        /// that cannot run inside the lab.
        #[arg(long)]
        publish: bool,
    },
    /// Run a command inside a running lab's host (default: the browser's machine), as a
    /// program on that host: its network, and the lab's resolver in /etc/resolv.conf.
    Exec {
        /// The host (`roundtrip lab up` lists them).
        host: Option<String>,
        /// The command and its arguments, after `--`.
        #[arg(last = true, required = true)]
        command: Vec<String>,
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

/// Prints where the lab's hosts live and its address table.
pub fn print_table(running: &lab::RunningLab) {
    let placement = &running.placement;
    println!("The lab's hosts: {}.", placement.how);
    if let Some(reason) = &placement.fallback_reason {
        println!("Not in namespaces: {reason}.");
    }
    println!();
    println!(
        "{:<20} {:<14} {:<22} {:<24} serves",
        "host", "role", "address", "IPv6"
    );
    let config = &running.config;
    let browser_v6 = config.browser6.map_or("-".into(), |a| a.to_string());
    println!(
        "{:<20} {:<14} {:<22} {:<24} the tour's browser; `roundtrip lab exec -- COMMAND` runs here",
        config.browser_name,
        "browser",
        config.browser.to_string(),
        browser_v6
    );
    for row in &running.hosts {
        let v6 = row.addr6.map_or("-".into(), |a| a.ip().to_string());
        let addr = if row.addr.port() == 0 {
            row.addr.ip().to_string()
        } else {
            row.addr.to_string()
        };
        println!(
            "{:<20} {:<14} {:<22} {:<24} {}",
            row.name, row.role, addr, v6, row.detail
        );
    }
}

pub fn run(cmd: LabCommand) -> anyhow::Result<u8> {
    match cmd {
        LabCommand::Config => {
            print!("{}", lab::LabConfig::default_text());
            Ok(0)
        }
        LabCommand::Exec { host, command } => exec(host, command),
        LabCommand::Up {
            config,
            dns_port,
            publish,
        } => {
            let mut config = match load_config(config.as_ref()) {
                Ok(config) => config,
                Err(code) => return Ok(code),
            };
            if let Some(port) = dns_port {
                config.dns_port = port;
            }
            let running = lab::start(
                &config,
                &lab::Faults::default(),
                std::sync::Arc::new(journey::Silent),
            )?;
            // On loopback the lab runs its config moved there: show those addresses.
            let config = &running.config;
            let (port, resolver) = (config.dns_port, config.resolver_addr());
            let root = config
                .dns
                .iter()
                .find(|s| s.role == "root")
                .map(|s| s.address)
                .expect("the config has a root");
            let home = lab::tour::home_url(config);
            print_table(&running);
            let ca = &running.ca;
            let root_ca = ca.root_path();
            println!();
            println!(
                "HTTPS: {} on port {} with a certificate for {} from the lab's own CA ({:?}); \
                 nothing on this machine trusts it: give its root to a client yourself, \
                 e.g. curl --cacert {}",
                config.web.name,
                config.https_port,
                ca.names().join(", "),
                ca.made(),
                root_ca.display()
            );
            let https_home = match config.https_port {
                443 => format!("https://{}/", config.web.name),
                port => format!("https://{}:{port}/", config.web.name),
            };
            // Kept until the lab stops.
            let _forwards = if publish || config.publish.enabled {
                match publish_ports(&running) {
                    Ok(forwards) => forwards,
                    Err(code) => return Ok(code),
                }
            } else {
                None
            };
            let published = match lab::state::publish(&running) {
                Ok(published) => published,
                Err(err) => {
                    eprintln!("roundtrip: cannot publish the lab for `lab exec`: {err}");
                    None
                }
            };
            println!();
            if published.is_some() {
                println!(
                    "Try: roundtrip lab exec -- dig www.google.com            (the laptop asks the ISP's resolver)"
                );
                println!(
                    "     roundtrip lab exec -- curl -v http://www.google.com/  (any tool, from the laptop)"
                );
                println!(
                    "     roundtrip lab exec -- curl -v --cacert {} {https_home}  (TLS 1.3, HTTP/2)",
                    root_ca.display()
                );
                println!(
                    "     roundtrip lab exec -- roundtrip get http://www.google.com/search?q=dns -v"
                );
                println!(
                    "     roundtrip lab exec resolver -- dig @{root} www.google.com +norec  (from the resolver's host)"
                );
                println!("Ctrl-C stops the lab.");
                running.run_until_interrupted();
                drop(published);
                eprintln!("lab stopped");
                return Ok(0);
            }
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
                home
            );
            println!(
                "     curl -v --cacert {} --resolve {}:{}:{} {https_home}   (HTTPS, HTTP/2)",
                root_ca.display(),
                config.web.name,
                config.https_port,
                config.web.address,
            );
            println!("Ctrl-C stops the lab.");
            running.run_until_interrupted();
            eprintln!("lab stopped");
            Ok(0)
        }
    }
}

/// Forwards the resolver and the web server to this machine's loopback (the config's
/// `[publish]`), and says where; nothing to do when the lab already runs on loopback.
fn publish_ports(running: &lab::RunningLab) -> Result<Option<lab::publish::Published>, u8> {
    let config = &running.config;
    let Some(laptop) = running.netns(&config.browser_name) else {
        println!();
        println!(
            "Publish: nothing to forward, the lab already runs on this machine's loopback \
             (the resolver on {}, the web server on {}).",
            config.resolver_addr(),
            config.web_addr()
        );
        return Ok(None);
    };
    let published = lab::publish::Published::start(
        laptop,
        (config.publish.dns, config.resolver_addr()),
        (config.publish.http, config.web_addr()),
    )
    .map_err(|err| {
        eprintln!("roundtrip: cannot publish the lab: {err}");
        1u8
    })?;
    println!();
    println!(
        "Published on this machine (each connection enters the lab from {}):",
        config.browser_name
    );
    for forward in &published.forwards {
        println!(
            "  {:<5} {:<22} -> {} ({})",
            forward.service, forward.local, forward.target, forward.protocols
        );
    }
    let (dns, http) = (config.publish.dns, config.publish.http);
    println!(
        "  dig @{} -p {} {}    curl --resolve {}:{}:{} http://{}:{}/",
        dns.ip(),
        dns.port(),
        config.web.name,
        config.web.name,
        http.port(),
        http.ip(),
        config.web.name,
        http.port()
    );
    Ok(Some(published))
}

/// `roundtrip lab exec [HOST] -- COMMAND...`: joins the host of the newest running lab and
/// executes the command there (it replaces this process, so its exit code is the command's).
fn exec(host: Option<String>, command: Vec<String>) -> anyhow::Result<u8> {
    use std::os::unix::process::CommandExt;
    let state = match lab::state::find_running() {
        Ok(state) => state,
        Err(why) => {
            eprintln!("roundtrip: {why}");
            return Ok(1);
        }
    };
    let name = host.unwrap_or_else(|| state.browser.clone());
    let Some(target) = state.hosts.iter().find(|h| h.name == name) else {
        let names: Vec<&str> = state.hosts.iter().map(|h| h.name.as_str()).collect();
        eprintln!(
            "roundtrip: the lab has no host {name:?}; its hosts: {}",
            names.join(", ")
        );
        return Ok(2);
    };
    if let Err(err) = lab::netns::join_lab_host(state.pid, target.tid, &state.resolv_conf) {
        eprintln!("roundtrip: cannot enter {name}: {err}");
        return Ok(1);
    }
    let err = std::process::Command::new(&command[0])
        .args(&command[1..])
        .exec();
    eprintln!("roundtrip: cannot run {}: {err}", command[0]);
    Ok(if err.kind() == std::io::ErrorKind::NotFound {
        127
    } else {
        126
    })
}
