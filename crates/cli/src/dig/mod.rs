//! `roundtrip dig`: placeholder until the dig client lands.

/// Arguments of `roundtrip dig`.
#[derive(clap::Args, Debug)]
pub struct DigArgs {
    /// Arguments in dig's own order: NAME [TYPE] [@SERVER[:PORT]] [+tcp] [+norec].
    #[arg(allow_hyphen_values = true)]
    pub words: Vec<String>,
    /// Print the response as one JSON document.
    #[arg(long)]
    pub json: bool,
}

pub fn run(_args: DigArgs) -> anyhow::Result<u8> {
    anyhow::bail!("dig is not built yet")
}
