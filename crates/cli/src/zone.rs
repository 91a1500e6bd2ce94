//! `roundtrip zone ...`.

#[derive(clap::Subcommand, Debug)]
pub enum ZoneCommand {}

pub fn run(cmd: ZoneCommand) -> anyhow::Result<u8> {
    match cmd {}
}
