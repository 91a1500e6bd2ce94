use super::*;

use crate::Cli;

/// Every (id, English text) the help of the tree says, clap's own `help` and `-h/--help` too:
/// what the catalogues must hold.
fn entries(cmd: &Command, path: &mut Vec<String>, out: &mut Vec<(String, String)>) {
    if let Some(about) = cmd.get_about() {
        out.push((about_id(path), about.to_string()));
    }
    if let Some(after) = cmd.get_after_help() {
        out.push((after_help_id(path), after.to_string()));
    }
    for arg in cmd.get_arguments() {
        if let Some(help) = arg.get_help() {
            out.push((help_id(path, arg.get_id().as_str()), help.to_string()));
        }
    }
    for sub in cmd.get_subcommands() {
        path.push(sub.get_name().to_owned());
        entries(sub, path, out);
        path.pop();
    }
}

fn english_tree() -> Command {
    let mut cmd = Cli::command();
    cmd.build();
    cmd
}

#[test]
fn dump_entries() {
    let mut out = Vec::new();
    entries(&english_tree(), &mut Vec::new(), &mut out);
    out.sort();
    out.dedup();
    for (id, text) in out {
        println!("{id} = {text}");
    }
}
