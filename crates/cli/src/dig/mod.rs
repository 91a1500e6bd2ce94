//! `roundtrip dig`: ask one DNS server one question and show the answer the way dig does.
//!
//! # Layout
//! A request enters at [`run`] with the words the user typed, in dig's own free order, and
//! passes through:
//! 1. [`parse_words`]: the words become a [`DigCommand`]: a typed [`DigQuery`] (what to ask,
//!    whom, over what) and an [`OutputFormat`]. Nothing stringly-typed goes further.
//! 2. [`DigQuery::to_message`]: the query on the wire, with a random ID and an EDNS0 OPT record
//!    advertising a UDP payload size of 1232 octets, as dig does.
//! 3. [`transport::exchange`]: UDP with timeout and retries, TCP for `+tcp` or when the UDP
//!    response is truncated; the first response whose ID and question match is kept.
//! 4. [`response::DigResponse::decode`]: every section is parsed and turned into owned
//!    presentation values; a malformed response stops here with a reason.
//! 5. [`render`]: dig's text layout, `+short`, or one `--json` document, on stdout.
//!
//! Exit codes, as dig: 0 when a response arrived (whatever its rcode), 1 when no server answered
//! or the response was malformed, 2 for bad usage (one line on stderr).

mod render;
mod response;
mod trace;
mod transport;

use std::fmt;
use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use anyhow::Context as _;
use domain::base::iana::Class;
use domain::base::message_builder::PushError;
use domain::base::{Message, MessageBuilder, Name, Rtype};
use text::{Lang, t};

use self::response::DigResponse;

/// Arguments of `roundtrip dig`.
#[derive(clap::Args, Debug)]
pub struct DigArgs {
    /// Arguments in dig's own order: NAME [TYPE] [CLASS] [@SERVER[:PORT]] [-p PORT]
    /// [-t TYPE] [-c CLASS] [-q NAME] [+tcp] [+norec] [+short] [+time=SECS] [+tries=N].
    #[arg(allow_hyphen_values = true, trailing_var_arg = true)]
    pub words: Vec<String>,
    /// Print the response as one JSON document.
    #[arg(long)]
    pub json: bool,
}

/// The port of a DNS server when none is given (RFC 1035 section 4.2).
const DNS_PORT: u16 = 53;

/// The EDNS0 UDP payload size dig advertises since BIND 9.16: the DNS Flag Day 2020 value,
/// which avoids IP fragmentation on almost every path.
pub const EDNS_UDP_PAYLOAD_SIZE: u16 = 1232;

/// dig's default wait for a response to one try (`+time=5`).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// dig's default number of UDP tries (`+tries=3`: the first and two retries).
const DEFAULT_TRIES: u32 = 3;

/// Where the system's resolvers are listed; the first `nameserver` is dig's default server.
const RESOLV_CONF: &str = "/etc/resolv.conf";

/// Runs `roundtrip dig`: parse, ask, print. Returns the exit code.
pub fn run(args: DigArgs, lang: Lang) -> anyhow::Result<u8> {
    let command = match parse_words(&args.words, args.json, system_default_server) {
        Ok(command) => command,
        Err(usage) => {
            // The usage reminder, one line, after the mistake.
            eprintln!(
                "roundtrip: dig: {} ({})",
                usage.describe(lang),
                t!(lang, "dig-usage")
            );
            return Ok(2);
        }
    };
    if let Some(from) = command.trace {
        return trace::run(
            &command.query,
            from,
            command.format == OutputFormat::Json,
            lang,
        );
    }
    let query = &command.query;
    let query_message = query
        .to_message(rand::random())
        .with_context(|| t!(lang, "dig-cannot-build", name = query.name.to_string()))?;
    let exchange = match transport::exchange(query, query_message.as_slice()) {
        Ok(exchange) => exchange,
        Err(err) => {
            eprintln!("roundtrip: {}", err.describe(lang));
            return Ok(1);
        }
    };
    let response = DigResponse::decode(&exchange.response)
        .with_context(|| t!(lang, "dig-malformed", server = query.server.to_string()))?;

    let command_line = args.words.join(" ");
    let written = write_output(command.format, &command_line, &exchange, &response);
    match written {
        Ok(()) => Ok(0),
        // `roundtrip dig ... | head -1`: the reader has what it wanted.
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        Err(err) => Err(anyhow::Error::new(err).context(t!(lang, "cannot-write-stdout"))),
    }
}

/// Writes the response to stdout in `format`.
fn write_output(
    format: OutputFormat,
    command_line: &str,
    exchange: &transport::Exchange,
    response: &DigResponse,
) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        OutputFormat::Dig => render::write_text(
            &mut out,
            command_line,
            exchange,
            response,
            SystemTime::now(),
        )?,
        OutputFormat::Short => render::write_short(&mut out, response)?,
        OutputFormat::Json => render::write_json(&mut out, exchange, response)?,
    }
    out.flush()
}

/// What to ask, whom to ask, and how: everything that leaves this machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigQuery {
    /// The name asked about, always absolute.
    pub name: Name<Vec<u8>>,
    /// The record type asked for; A unless given (NS for the root when no name is given).
    pub rtype: Rtype,
    /// The class asked in; IN unless given (CH is the one people use, for `version.bind`).
    pub class: Class,
    /// The server asked: an IP address and port; no host names are resolved.
    pub server: SocketAddr,
    /// `+tcp`: ask over TCP from the start instead of UDP (the default for ANY, as in dig).
    pub tcp: bool,
    /// The RD bit: `+rec` (the default) asks the server to recurse, `+norec` does not.
    pub recursion_desired: bool,
    /// `+time=SECS`: how long to wait for a response to one try.
    pub timeout: Duration,
    /// `+tries=N`: how many times to send the query before giving up (`+retry=N` is N + 1).
    pub tries: u32,
}

impl DigQuery {
    /// The query on the wire: `id`, opcode QUERY, RD as asked, one question, and an EDNS0 OPT
    /// record (RFC 6891 section 6) with a UDP payload size of [`EDNS_UDP_PAYLOAD_SIZE`].
    pub fn to_message(&self, id: u16) -> Result<Message<Vec<u8>>, PushError> {
        let mut builder = MessageBuilder::new_vec();
        let header = builder.header_mut();
        header.set_id(id);
        header.set_rd(self.recursion_desired);
        let mut question = builder.question();
        question.push((&self.name, self.rtype, self.class))?;
        let mut additional = question.additional();
        additional.opt(|opt| {
            opt.set_udp_payload_size(EDNS_UDP_PAYLOAD_SIZE);
            Ok(())
        })?;
        Ok(additional.into_message())
    }
}

/// How the response is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// dig's full layout: header, sections, statistics.
    Dig,
    /// `+short`: the record data of the answer section, one per line.
    Short,
    /// `--json`: one JSON document (see `render::write_json`).
    Json,
}

/// A parsed `roundtrip dig` command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigCommand {
    pub query: DigQuery,
    pub format: OutputFormat,
    /// `+trace`: resolve iteratively in-process instead of asking the server to recurse.
    pub trace: Option<TraceFrom>,
}

/// Where `+trace` starts its walk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceFrom {
    /// The real root servers (IANA's hints), every server asked on this port.
    RootHints { port: u16 },
    /// `@SERVER[:PORT]` taken as the one root server, every server asked on its port: how the
    /// lab's hierarchy is walked (`@127.0.0.2:1053`).
    Root(SocketAddr),
}

/// Why the words of a `roundtrip dig` command line do not make a query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UsageError {
    /// A `+option` or `-option` this dig does not know.
    UnknownOption(String),
    /// Something BIND's dig does that this one does not do yet.
    NotSupported(Unsupported),
    /// An option that takes a value (`-p`, `-t`, `-c`, `-q`) was the last word.
    MissingValue(&'static str),
    /// `-p PORT` or the port of `@SERVER:PORT` is not a number from 0 to 65535.
    BadPort(String),
    /// `@SERVER` is not an IP address, optionally with a port.
    BadServer(String),
    /// `-t TYPE` names no record type.
    BadType(String),
    /// `-c CLASS` names no class.
    BadClass(String),
    /// The name is not a valid domain name (empty label, label over 63 octets, over 255 octets).
    BadName { name: String, reason: String },
    /// `+time=` or `+tries=` without a positive number.
    BadNumber { option: &'static str, value: String },
    /// A word left over once name, type and class are all known.
    ExtraArgument(String),
    /// `--lang` with a language we have no catalogue for.
    BadLang(String),
}

impl UsageError {
    /// The error in `lang`, one line: the user's mistake, with what was expected.
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            Self::UnknownOption(option) => t!(lang, "dig-unknown-option", option = option),
            Self::NotSupported(Unsupported::ZoneTransfers) => t!(lang, "dig-zone-transfers"),
            Self::MissingValue(option) => t!(lang, "dig-missing-value", option = *option),
            Self::BadPort(port) => t!(lang, "dig-bad-port", port = port),
            Self::BadServer(server) => t!(lang, "dig-bad-server", server = server),
            Self::BadType(rtype) => t!(lang, "dig-bad-type", rtype = rtype),
            Self::BadClass(class) => t!(lang, "dig-bad-class", class = class),
            Self::BadName { name, reason } => t!(
                lang,
                "dig-bad-name",
                name = name,
                reason = name_problem(lang, reason)
            ),
            Self::BadNumber { option, value } => {
                t!(lang, "dig-bad-number", value = value, option = *option)
            }
            Self::ExtraArgument(word) => t!(lang, "dig-extra-argument", word = word),
            Self::BadLang(value) => t!(lang, "lang-unknown", value = value),
        }
    }
}

/// Why a name does not parse, in `lang`: the `domain` crate's reasons it has words for in the
/// catalogues (an empty name or label, a label over 63 octets, a name over 255; as `domain`
/// words them, and as the `dns` crate does), else its own.
pub(crate) fn name_problem(lang: Lang, reason: &str) -> String {
    match reason {
        "empty name" => t!(lang, "dig-name-empty"),
        "empty label" => t!(lang, "dig-name-empty-label"),
        "long label" | "a label is longer than 63 octets" => t!(lang, "dig-name-long-label"),
        "long domain name" | "the name is longer than 255 octets" => t!(lang, "dig-name-long"),
        other => other.to_owned(),
    }
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(Lang::En))
    }
}

impl std::error::Error for UsageError {}

/// What BIND's dig does that this one does not do yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unsupported {
    /// AXFR and IXFR.
    ZoneTransfers,
}

/// The server given as `@SERVER`, before `-p` is applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ServerWord {
    /// `@192.0.2.1` or `@::1`: the port comes from `-p` or is 53.
    Address(IpAddr),
    /// `@192.0.2.1:1053` or `@[::1]:1053`: the port was given and wins over `-p`.
    AddressAndPort(SocketAddr),
}

/// Turns dig-style words into a command, in any order, as dig takes them:
/// - `@SERVER`, `@SERVER:PORT`, `@[IPV6]:PORT` choose the server (IP addresses only);
///   `default_server` is asked for one only when none is given;
/// - `+option` words set options; `-p PORT`, `-t TYPE`, `-c CLASS`, `-q NAME` as in dig;
/// - `--json` (clap passes it through when it follows the words);
/// - any other word is the type if it is a type mnemonic (or `TYPEnnn`) and no type was given
///   yet, else the class if it is a class mnemonic (`IN`, `CH`, `HS`, `CLASSnnn`) and no class
///   was given yet, else the name.
///
/// With no name, the root is asked, for NS when no type is given either, as dig does.
pub fn parse_words(
    words: &[String],
    json: bool,
    default_server: impl FnOnce() -> IpAddr,
) -> Result<DigCommand, UsageError> {
    let mut name: Option<Name<Vec<u8>>> = None;
    let mut rtype: Option<Rtype> = None;
    let mut class: Option<Class> = None;
    let mut server: Option<ServerWord> = None;
    let mut port_option: Option<u16> = None;
    let mut tcp: Option<bool> = None;
    let mut recursion_desired = true;
    let mut short = false;
    let mut json = json;
    let mut timeout = DEFAULT_TIMEOUT;
    let mut tries = DEFAULT_TRIES;
    let mut trace = false;

    let mut words = words.iter().map(String::as_str);
    while let Some(word) = words.next() {
        if word == "--json" {
            json = true;
        } else if let Some(value) = crate::lang::flag(word, &mut words) {
            // The global `--lang`, after dig's words: the language was read from them before
            // the command line was parsed (`crate::lang::in_args`); here it is only checked.
            let value = value.ok_or(UsageError::MissingValue("--lang"))?;
            value
                .parse::<Lang>()
                .map_err(|_| UsageError::BadLang(value.to_owned()))?;
        } else if let Some(server_text) = word.strip_prefix('@') {
            server = Some(parse_server(server_text)?);
        } else if let Some(option) = word.strip_prefix('+') {
            let (key, value) = match option.split_once('=') {
                Some((key, value)) => (key, Some(value)),
                None => (option, None),
            };
            match (key, value) {
                ("tcp" | "vc", None) => tcp = Some(true),
                ("notcp" | "novc", None) => tcp = Some(false),
                ("rec" | "recurse", None) => recursion_desired = true,
                ("norec" | "norecurse", None) => recursion_desired = false,
                ("short", None) => short = true,
                ("noshort", None) => short = false,
                ("time", Some(value)) => {
                    timeout = Duration::from_secs(u64::from(positive_number("time", value)?));
                }
                ("tries", Some(value)) => tries = positive_number("tries", value)?,
                ("retry", Some(value)) => tries = retries_to_tries(value)?,
                ("trace", None) => trace = true,
                ("notrace", None) => trace = false,
                _ => return Err(UsageError::UnknownOption(word.to_owned())),
            }
        } else if let Some(flag) = word.strip_prefix('-').filter(|flag| !flag.is_empty()) {
            // dig takes both `-p 53` and `-p53`.
            let mut letters = flag.chars();
            let letter = letters.next();
            let attached = letters.as_str();
            match letter {
                Some('p') => {
                    let value = option_value("-p", attached, &mut words)?;
                    port_option = Some(parse_port(value)?);
                }
                Some('t') => {
                    let value = option_value("-t", attached, &mut words)?;
                    let parsed = parse_rtype(value);
                    rtype = Some(parsed.ok_or_else(|| UsageError::BadType(value.to_owned()))?);
                }
                Some('c') => {
                    let value = option_value("-c", attached, &mut words)?;
                    let parsed = parse_class(value);
                    class = Some(parsed.ok_or_else(|| UsageError::BadClass(value.to_owned()))?);
                }
                Some('q') => name = Some(parse_name(option_value("-q", attached, &mut words)?)?),
                _ => return Err(UsageError::UnknownOption(word.to_owned())),
            }
        } else if let Some(word_type) = parse_rtype(word).filter(|_| rtype.is_none()) {
            rtype = Some(word_type);
        } else if let Some(word_class) = parse_class(word).filter(|_| class.is_none()) {
            class = Some(word_class);
        } else if name.is_none() {
            name = Some(parse_name(word)?);
        } else {
            return Err(UsageError::ExtraArgument(word.to_owned()));
        }
    }

    let default_type = if name.is_none() { Rtype::NS } else { Rtype::A };
    let rtype = rtype.unwrap_or(default_type);
    if matches!(rtype, Rtype::AXFR | Rtype::IXFR) {
        return Err(UsageError::NotSupported(Unsupported::ZoneTransfers));
    }
    let trace = trace.then(|| match server {
        Some(ServerWord::AddressAndPort(address)) => TraceFrom::Root(address),
        Some(ServerWord::Address(ip)) => {
            TraceFrom::Root(SocketAddr::new(ip, port_option.unwrap_or(DNS_PORT)))
        }
        None => TraceFrom::RootHints {
            port: port_option.unwrap_or(DNS_PORT),
        },
    });
    let server = match server {
        Some(ServerWord::AddressAndPort(address)) => address,
        Some(ServerWord::Address(ip)) => SocketAddr::new(ip, port_option.unwrap_or(DNS_PORT)),
        None => SocketAddr::new(default_server(), port_option.unwrap_or(DNS_PORT)),
    };
    let format = if json {
        OutputFormat::Json
    } else if short {
        OutputFormat::Short
    } else {
        OutputFormat::Dig
    };
    Ok(DigCommand {
        query: DigQuery {
            name: name.unwrap_or_else(Name::root_vec),
            rtype,
            class: class.unwrap_or(Class::IN),
            server,
            // dig asks ANY over TCP unless told +notcp: the answer is usually large.
            tcp: tcp.unwrap_or(rtype == Rtype::ANY),
            recursion_desired,
            timeout,
            tries,
        },
        format,
        trace,
    })
}

/// The value of a one-letter option: attached (`-p53`) or the next word (`-p 53`).
fn option_value<'a>(
    option: &'static str,
    attached: &'a str,
    rest: &mut impl Iterator<Item = &'a str>,
) -> Result<&'a str, UsageError> {
    if attached.is_empty() {
        rest.next().ok_or(UsageError::MissingValue(option))
    } else {
        Ok(attached)
    }
}

/// A record type mnemonic (`A`, `aaaa`, `TYPE65`), case-insensitively; `None` for anything else.
fn parse_rtype(word: &str) -> Option<Rtype> {
    Rtype::from_str(word).ok()
}

/// A class mnemonic (`IN`, `CH`, `HS`, `CLASS3`); `ANY` is left to the type, as dig does.
fn parse_class(word: &str) -> Option<Class> {
    Class::from_str(word)
        .ok()
        .filter(|class| *class != Class::ANY)
}

/// A domain name in presentation format; relative names are taken as absolute, as dig does.
fn parse_name(word: &str) -> Result<Name<Vec<u8>>, UsageError> {
    if word.is_empty() {
        return Err(UsageError::BadName {
            name: String::new(),
            reason: "empty name".to_owned(),
        });
    }
    Name::from_str(word).map_err(|err| UsageError::BadName {
        name: word.to_owned(),
        reason: err.to_string(),
    })
}

fn parse_port(value: &str) -> Result<u16, UsageError> {
    value
        .parse()
        .map_err(|_| UsageError::BadPort(value.to_owned()))
}

/// `@SERVER`: `192.0.2.1`, `::1`, `192.0.2.1:53` or `[::1]:53`.
fn parse_server(text: &str) -> Result<ServerWord, UsageError> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Ok(ServerWord::Address(ip));
    }
    if let Ok(address) = text.parse::<SocketAddr>() {
        return Ok(ServerWord::AddressAndPort(address));
    }
    // `[::1]` without a port.
    if let Some(ip) = text
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .and_then(|inner| inner.parse::<IpAddr>().ok())
    {
        return Ok(ServerWord::Address(ip));
    }
    // An IP address with a port that is not a port deserves the more precise message.
    if let Some((host, port)) = text.rsplit_once(':') {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.parse::<IpAddr>().is_ok() {
            return Err(UsageError::BadPort(port.to_owned()));
        }
    }
    Err(UsageError::BadServer(text.to_owned()))
}

fn positive_number(option: &'static str, value: &str) -> Result<u32, UsageError> {
    match value.parse::<u32>() {
        Ok(number) if number > 0 => Ok(number),
        _ => Err(UsageError::BadNumber {
            option,
            value: value.to_owned(),
        }),
    }
}

/// `+retry=N`: N retries after the first try (0 is allowed: one try only).
fn retries_to_tries(value: &str) -> Result<u32, UsageError> {
    value
        .parse::<u32>()
        .ok()
        .and_then(|retries| retries.checked_add(1))
        .ok_or(UsageError::BadNumber {
            option: "retry",
            value: value.to_owned(),
        })
}

/// dig's default server: the first `nameserver` in /etc/resolv.conf, or 127.0.0.1 when there is
/// none (as dig falls back to the local host).
fn system_default_server() -> IpAddr {
    std::fs::read_to_string(RESOLV_CONF)
        .ok()
        .and_then(|text| first_nameserver(&text))
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
}

/// The first `nameserver ADDRESS` line of resolv.conf(5) text whose address is an IP address
/// (a `%zone` suffix on an IPv6 address is dropped).
fn first_nameserver(resolv_conf: &str) -> Option<IpAddr> {
    resolv_conf.lines().find_map(|line| {
        let mut fields = line.split_whitespace();
        if fields.next() != Some("nameserver") {
            return None;
        }
        let address = fields.next()?;
        let address = address.split('%').next().unwrap_or(address);
        address.parse().ok()
    })
}

#[cfg(test)]
mod tests;
