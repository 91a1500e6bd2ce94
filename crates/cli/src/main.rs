//! `roundtrip`: the command line of the project. Argument parsing and output only; every engine
//! lives in its own crate. A command enters at [`main`], is parsed by clap into [`Command`], and
//! is handed to the crate that does the work.
//!
//! Exit codes: 0 success, 1 the request or service failed (one-line reason on stderr), 2 bad usage.

mod dig;
mod get;
mod lab;
mod lang;
mod reasons;
mod serve;
mod serve_was;
mod serve_web;
mod tour;
mod usage;
mod zone;

use std::process::ExitCode;

/// The servers in this binary allocate per connection and per query (hyper's buffers, tokio's
/// task cells, aligned to 128 bytes); glibc's malloc spent ~6,000 instructions of each new
/// HTTP connection on them, mimalloc's thread-local free lists a fraction of that
/// (bench/RESULTS.md, "the allocator").
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "roundtrip",
    version,
    about = "The whole journey of a web request, for real"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// The language of every sentence: en or ko (default: as gettext reads LANGUAGE, LC_ALL,
    /// LC_MESSAGES and LANG; ko_KR.UTF-8 gives Korean; otherwise English).
    // Read before parsing, from the raw arguments (`lang::in_args`): clap's help and errors are
    // in the language, and dig's words have it too. Declared for clap to take it and show it.
    #[allow(dead_code)]
    #[arg(long, global = true, value_name = "en|ko")]
    lang: Option<text::Lang>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Start the lab, browse a URL through it, and tell what really happened, step by step.
    Tour(tour::TourArgs),
    /// Zone files: check them as BIND's named-checkzone does.
    #[command(subcommand)]
    Zone(zone::ZoneCommand),
    /// The lab internet: its hosts, links and servers, on this machine.
    #[command(subcommand)]
    Lab(lab::LabCommand),
    /// Run one of the lab's servers on its own.
    #[command(subcommand)]
    Serve(serve::ServeCommand),
    /// Ask a DNS server a question and print the answer in dig's layout.
    Dig(dig::DigArgs),
    /// Fetch a URL as a browser does and show where the time went (lookup, connect, first byte).
    Get(get::GetArgs),
}

impl Command {
    fn builds_a_lab(&self) -> bool {
        matches!(
            self,
            Command::Tour(_) | Command::Lab(lab::LabCommand::Up { .. })
        )
    }
}

/// The error of a file the user named that could not be written (`--output`, `--pcap`, ...).
fn cannot_write(lang: text::Lang, path: &std::path::Path, err: std::io::Error) -> anyhow::Error {
    anyhow::anyhow!(
        "{}",
        text::t!(
            lang,
            "cannot-write",
            path = path.display().to_string(),
            error = text::io_error(lang, &err)
        )
    )
}

/// An error that reached `main` (a failure with no sentence of its own: writing to a closed
/// pipe, a runtime that cannot start), with its causes: each as it says itself, the system's
/// errors by their kind in `lang` (English: anyhow's `{:#}`, as it has always been).
fn error_chain(lang: text::Lang, err: &anyhow::Error) -> String {
    if lang == text::Lang::En {
        return format!("{err:#}");
    }
    err.chain()
        .map(|cause| match cause.downcast_ref::<std::io::Error>() {
            Some(io) => text::io_error(lang, io),
            None => cause.to_string(),
        })
        .collect::<Vec<_>>()
        .join(": ")
}

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // The language first: clap's help and usage errors are in it.
    let flag = lang::in_args(&args);
    let lang = text::Lang::from_env(flag);
    let cli: Cli = match usage::parse(args, lang) {
        Ok(cli) => cli,
        Err(err) => return usage::exit(err, lang),
    };
    // The lab's hosts are network namespaces; an ordinary user may make them only inside a
    // user namespace of their own, which the kernel lets a process enter only while it has
    // one thread: now, before anything starts a thread.
    if cli.command.builds_a_lab() {
        ::lab::netns::enter_user_namespace();
    }
    let result = match cli.command {
        Command::Tour(args) => tour::run(args, lang),
        Command::Zone(cmd) => zone::run(cmd, lang),
        Command::Lab(cmd) => lab::run(cmd, lang),
        Command::Serve(cmd) => serve::run(cmd, lang),
        Command::Dig(args) => dig::run(args, lang),
        Command::Get(args) => get::run(args, lang),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("roundtrip: {}", error_chain(lang, &err));
            ExitCode::from(1)
        }
    }
}
