//! `roundtrip serve ...`: long-running servers.

#[derive(clap::Subcommand, Debug)]
pub enum ServeCommand {}

pub fn run(cmd: ServeCommand) -> anyhow::Result<u8> {
    match cmd {}
}
