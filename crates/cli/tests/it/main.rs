//! Integration tests of the `roundtrip` binary: real processes, real files, real sockets.

mod dig; // `roundtrip dig` against a real `roundtrip serve auth`, and against real dig's output
mod dig_trace; // `roundtrip dig +trace`: the walk . -> com. -> google.com. on the lab, text and JSON
mod get; // `roundtrip get` against a small real HTTP server: exit codes, --json, -v, the host cache
mod lab_network; // the lab as a network of namespaces, as `nobody`: capture, two at once, exec, the fallback
mod lab_up; // `roundtrip lab up --config` / `lab config`: the table, a request through it, SIGINT, a bad config
mod lang; // serve and dig in Korean (lines, usage and transport errors), LANGUAGE read as gettext reads it
mod lang_reasons; // our own reasons in Korean with the real bytes: configs, --proxy, --allow, zone files, no lab, a cut response
mod lang_usage; // clap's help and usage errors in Korean, --lang before parsing; other parsers' reasons (TOML, PEM, URL)
mod resolver_interop; // `roundtrip serve resolver` against Unbound (differential) and through NSD
mod serve_web_tls; // `roundtrip serve web --tls-cert/--tls-key`: HTTPS + HTTP/2 with curl; a bad key refused
mod tour; // `roundtrip tour`: the whole lab in a block, the journey's JSON, faults, pcap, HTML in Chromium
mod tour_https; // an https:// tour: TLS and HTTP/2 from the decrypted packets, the DSB pcapng, --keylog
mod tour_lang; // the tour in Korean: no English outside protocol tokens, --lang and LANG, the page in Chromium
mod tour_story; // the story teaches: pcap-backed wire lines, NODATA, pure ACKs, the close, SQL values, why
mod was_crash; // `roundtrip serve was` killed (SIGKILL) mid-stream of POSTs loses no row it answered 201 for
mod zone_check; // `roundtrip zone check` against the lab zones and BIND's named-compilezone

use std::process::{Command, Output};

/// `roundtrip ARGS` with no locale in its environment but `env`: the language tests choose it.
pub fn roundtrip_in_locale(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_roundtrip"));
    for name in ["LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"] {
        command.env_remove(name);
    }
    command.envs(env.iter().copied()).args(args);
    command
}

/// [`roundtrip_in_locale`], run to its end.
pub fn run_in_locale(args: &[&str], env: &[(&str, &str)]) -> Output {
    roundtrip_in_locale(args, env)
        .output()
        .expect("roundtrip runs")
}

/// A process's standard output, as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A process's standard error, as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
