//! `roundtrip lab up`, `lab exec` and `lab config`: the lab internet until Ctrl-C, a command run
//! inside one of its hosts, and the config it starts from.

use std::path::PathBuf;

use text::{Lang, t};

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
        /// (the config's [publish]: 127.0.0.1:1053, 127.0.0.1:8080 and 127.0.0.1:8443 by
        /// default), for tools that cannot run inside the lab.
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
pub fn load_config(path: Option<&PathBuf>, lang: Lang) -> Result<lab::LabConfig, u8> {
    match path {
        None => Ok(lab::LabConfig::default_lab()),
        Some(path) => lab::LabConfig::load(path).map_err(|err| {
            eprintln!(
                "roundtrip: {}",
                t!(
                    lang,
                    "lab-bad-config",
                    error = crate::reasons::lab_config(lang, &err)
                )
            );
            2
        }),
    }
}

/// Prints where the lab's hosts live and its address table.
pub fn print_table(running: &lab::RunningLab, lang: Lang) {
    let placement = &running.placement;
    println!(
        "{}",
        t!(lang, "lab-placement", how = placement.how_text(lang))
    );
    if let Some(reason) = &placement.fallback_text(lang) {
        println!("{}", t!(lang, "lab-not-in-namespaces", reason = reason));
    }
    println!();
    let pad = |text: String, width: usize| {
        let shown = journey::story::display_width(&text);
        format!("{text}{}", " ".repeat(width.saturating_sub(shown)))
    };
    println!(
        "{} {} {} {} {}",
        pad(t!(lang, "lab-column-host"), 20),
        pad(t!(lang, "lab-column-role"), 14),
        pad(t!(lang, "lab-column-address"), 22),
        pad("IPv6".into(), 24),
        t!(lang, "lab-column-serves")
    );
    let config = &running.config;
    let browser_v6 = config.browser6.map_or("-".into(), |a| a.to_string());
    let role = |role: &str| pad(t!(lang, "lab-role", role = role), 14);
    println!(
        "{:<20} {} {:<22} {:<24} {}",
        config.browser_name,
        role("browser"),
        config.browser.to_string(),
        browser_v6,
        t!(lang, "lab-browser-serves")
    );
    for row in &running.hosts {
        let v6 = row.addr6.map_or("-".into(), |a| a.ip().to_string());
        let addr = if row.addr.port() == 0 {
            row.addr.ip().to_string()
        } else {
            row.addr.to_string()
        };
        println!(
            "{:<20} {} {:<22} {:<24} {}",
            row.name,
            role(&row.role),
            addr,
            v6,
            row.serves.text(lang)
        );
    }
}

pub fn run(cmd: LabCommand, lang: Lang) -> anyhow::Result<u8> {
    match cmd {
        LabCommand::Config => {
            print!("{}", lab::LabConfig::default_text());
            Ok(0)
        }
        LabCommand::Exec { host, command } => exec(host, command, lang),
        LabCommand::Up {
            config,
            dns_port,
            publish,
        } => {
            let mut config = match load_config(config.as_ref(), lang) {
                Ok(config) => config,
                Err(code) => return Ok(code),
            };
            if let Some(port) = dns_port {
                config.dns_port = port;
            }
            let running = match lab::start(
                &config,
                &lab::Faults::default(),
                std::sync::Arc::new(journey::Silent),
            ) {
                Ok(running) => running,
                // English as it has always been said (the error and its causes).
                Err(err) if lang == Lang::En => return Err(err.into()),
                Err(err) => {
                    eprintln!(
                        "roundtrip: {}",
                        t!(lang, "tour-lab-failed", error = err.describe(lang))
                    );
                    return Ok(1);
                }
            };
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
            // Listening before the table (which ends with "Ctrl-C") is printed.
            let interrupts = lab::Interrupts::listen()?;
            print_table(&running, lang);
            let ca = &running.ca;
            let root_ca = ca.root_path();
            println!();
            println!(
                "{}",
                t!(
                    lang,
                    "lab-https",
                    name = config.web.name.as_str(),
                    port = config.https_port,
                    names = ca.names().join(", ").as_str(),
                    made = format!("{:?}", ca.made()).as_str(),
                    root = root_ca.display().to_string().as_str()
                )
            );
            let https_home = match config.https_port {
                443 => format!("https://{}/", config.web.name),
                port => format!("https://{}:{port}/", config.web.name),
            };
            // Kept until the lab stops.
            let _forwards = if publish || config.publish.enabled {
                match publish_ports(&running, lang) {
                    Ok(forwards) => forwards,
                    Err(code) => return Ok(code),
                }
            } else {
                None
            };
            let published = match lab::state::publish(&running) {
                Ok(published) => published,
                Err(err) => {
                    eprintln!(
                        "roundtrip: {}",
                        t!(
                            lang,
                            "lab-cannot-publish",
                            error = text::io_error(lang, &err)
                        )
                    );
                    None
                }
            };
            println!();
            if published.is_some() {
                let try_ = t!(lang, "lab-try");
                let indent = " ".repeat(journey::story::display_width(&try_));
                println!(
                    "{try_} roundtrip lab exec -- dig www.google.com            ({})",
                    t!(lang, "lab-try-exec-dig")
                );
                println!(
                    "{indent} roundtrip lab exec -- curl -v http://www.google.com/  ({})",
                    t!(lang, "lab-try-exec-curl")
                );
                println!(
                    "{indent} roundtrip lab exec -- curl -v --cacert {} {https_home}  ({})",
                    root_ca.display(),
                    t!(lang, "lab-try-exec-curl-https")
                );
                println!(
                    "{indent} roundtrip lab exec -- roundtrip get http://www.google.com/search?q=dns -v"
                );
                println!(
                    "{indent} roundtrip lab exec resolver -- dig @{root} www.google.com +norec  ({})",
                    t!(lang, "lab-try-exec-resolver")
                );
                println!("{}", t!(lang, "lab-ctrl-c"));
                running.run_until_interrupted(interrupts);
                drop(published);
                eprintln!("{}", t!(lang, "lab-stopped"));
                return Ok(0);
            }
            let try_ = t!(lang, "lab-try");
            let indent = " ".repeat(journey::story::display_width(&try_));
            println!(
                "{try_} dig @{} -p {port} www.google.com              ({})",
                resolver.ip(),
                t!(lang, "lab-try-dig")
            );
            println!(
                "{indent} dig @{root} -p {port} www.google.com +norec       ({})",
                t!(lang, "lab-try-dig-norec")
            );
            println!(
                "{indent} roundtrip dig www.google.com +trace @{root}:{port} ({})",
                t!(lang, "lab-try-trace")
            );
            println!(
                "{indent} roundtrip get {}search?q=dns --resolver {resolver} -v   ({})",
                home,
                t!(lang, "lab-try-get")
            );
            println!(
                "{indent} curl -v --cacert {} --resolve {}:{}:{} {https_home}   ({})",
                root_ca.display(),
                config.web.name,
                config.https_port,
                config.web.address,
                t!(lang, "lab-try-exec-curl-https")
            );
            println!("{}", t!(lang, "lab-ctrl-c"));
            running.run_until_interrupted(interrupts);
            eprintln!("{}", t!(lang, "lab-stopped"));
            Ok(0)
        }
    }
}

/// Forwards the resolver and the web server to this machine's loopback (the config's
/// `[publish]`), and says where; nothing to do when the lab already runs on loopback.
fn publish_ports(
    running: &lab::RunningLab,
    lang: Lang,
) -> Result<Option<lab::publish::Published>, u8> {
    let config = &running.config;
    let Some(laptop) = running.netns(&config.browser_name) else {
        println!();
        println!(
            "{}",
            t!(
                lang,
                "lab-publish-on-loopback",
                resolver = config.resolver_addr().to_string().as_str(),
                web = config.web_addr().to_string().as_str()
            )
        );
        return Ok(None);
    };
    let published = lab::publish::Published::start(
        laptop,
        (config.publish.dns, config.resolver_addr()),
        (config.publish.http, config.web_addr()),
        (config.publish.https, config.web_https_addr()),
    )
    .map_err(|err| {
        eprintln!(
            "roundtrip: {}",
            t!(lang, "lab-publish-failed", error = err.describe(lang))
        );
        1u8
    })?;
    println!();
    println!(
        "{}",
        t!(lang, "lab-published", host = config.browser_name.as_str())
    );
    for forward in &published.forwards {
        println!(
            "  {:<5} {:<22} -> {} ({})",
            forward.service, forward.local, forward.target, forward.protocols
        );
    }
    let (dns, https) = (config.publish.dns, config.publish.https);
    println!("  dig @{} -p {} {}", dns.ip(), dns.port(), config.web.name);
    println!(
        "  curl --cacert {} --resolve {}:{}:{} https://{}:{}/",
        running.ca.root_path().display(),
        config.web.name,
        https.port(),
        https.ip(),
        config.web.name,
        https.port()
    );
    Ok(Some(published))
}

/// `roundtrip lab exec [HOST] -- COMMAND...`: joins the host of the newest running lab and
/// executes the command there (it replaces this process, so its exit code is the command's).
fn exec(host: Option<String>, command: Vec<String>, lang: Lang) -> anyhow::Result<u8> {
    use std::os::unix::process::CommandExt;
    let state = match lab::state::find_running() {
        Ok(state) => state,
        Err(why) => {
            eprintln!("roundtrip: {}", why.describe(lang));
            return Ok(1);
        }
    };
    let name = host.unwrap_or_else(|| state.browser.clone());
    let Some(target) = state.hosts.iter().find(|h| h.name == name) else {
        let names: Vec<&str> = state.hosts.iter().map(|h| h.name.as_str()).collect();
        eprintln!(
            "roundtrip: {}",
            t!(
                lang,
                "lab-no-such-host",
                name = format!("{name:?}"),
                hosts = names.join(", ")
            )
        );
        return Ok(2);
    };
    if let Err(err) = lab::netns::join_lab_host(state.pid, target.tid, &state.resolv_conf) {
        eprintln!(
            "roundtrip: {}",
            t!(
                lang,
                "lab-cannot-enter",
                name = &name,
                error = err.describe(lang)
            )
        );
        return Ok(1);
    }
    let err = std::process::Command::new(&command[0])
        .args(&command[1..])
        .exec();
    eprintln!(
        "roundtrip: {}",
        t!(
            lang,
            "lab-cannot-run",
            command = &command[0],
            error = text::io_error(lang, &err)
        )
    );
    Ok(if err.kind() == std::io::ErrorKind::NotFound {
        127
    } else {
        126
    })
}
