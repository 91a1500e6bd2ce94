//! RFC 1035 §5 zone files ("master files"), read into records that remember their file and line.
//!
//! A file enters at [`parse_file`] (or [`parse_str`]): [`lex`] turns the text into entries —
//! one per record or directive, joining lines inside parentheses, dropping comments, keeping
//! quoted strings whole — and [`Parser`] applies the directives and reads each record: owner,
//! TTL and class (in either order), type, then the RDATA through `domain`'s scanner for that type
//! (or RFC 3597's `\# LEN HEX` for any type).
//!
//! Where BIND and the RFCs leave a choice, this reader decides as follows:
//! - **No `$TTL`**: a record without a TTL takes the last TTL written explicitly in the file
//!   (RFC 1035 §5.1); if there is none yet and the record is the SOA, its MINIMUM field (as BIND
//!   does); otherwise the record is refused.
//! - **A relative `$ORIGIN`** is taken relative to the current origin (as BIND does).
//! - **`$INCLUDE FILE [ORIGIN]`**: FILE is relative to the directory of the including file, so a
//!   zone directory can be moved whole; the included file starts with the includer's origin (or
//!   the one given), `$TTL` and owner. When it ends, the origin and the owner are restored
//!   (RFC 1035 §5.1 "does not change the origin in the parent file"), but a `$TTL` (or a TTL
//!   written on a record) inside the included file stays in force, as BIND does: RFC 1035 names
//!   only the origin, and BIND's reader restores only the origin and the owner. Includes nest
//!   at most 8 deep.
//! - **Durations**: `$TTL`, a record's TTL and the SOA's REFRESH, RETRY, EXPIRE and MINIMUM
//!   take seconds or BIND's units (`1w2d3h4m5s`, any case, in any order, each part with its
//!   number: `1h30` is refused, as BIND refuses it). These four are the only RDATA fields BIND
//!   reads as durations (its RRSIG original TTL, for one, takes plain seconds); a TTL is at most
//!   2^31 - 1 (RFC 2181 §8; BIND warns and uses 0, we refuse), an SOA timer at most 2^32 - 1.
//! - **Character strings** (TXT, HINFO, NAPTR's flags, services and regexp) are at most 255
//!   octets after escapes are decoded (`\DDD` and `\X` count one octet each); a longer one,
//!   quoted or not, is refused with its line, as BIND refuses it, rather than split.
//! - **An RRset whose records have different TTLs** (RFC 2181 §5.2 forbids it) keeps the TTL of
//!   its first record, with a warning — as BIND does ("TTL set to prior TTL"); see [`crate::zone`].
//! - **Data outside the zone** is refused (BIND only warns and drops it).
//! - **MD and MF** (RFC 1035, obsoleted by MX in RFC 973) are refused, as BIND refuses them.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use domain::base::Rtype;
use domain::base::charstr::{CharStr, CharStrBuilder};
use domain::base::scan::Scanner as DomainScanner;
use domain::base::scan::{ConvertSymbols, EntrySymbol, ScannerError, Symbol, Symbols};
use domain::dep::octseq::builder::OctetsBuilder as _;
use domain::dep::octseq::str::Str;

use crate::name::ends_with_unescaped_dot;
use crate::{Class, Name, Record, RecordData};

/// How deep `$INCLUDE` may nest before the file is refused (a loop would never end).
pub const MAX_INCLUDE_DEPTH: usize = 8;

/// The largest TTL a zone may state: RFC 2181 §8, 2^31 - 1 seconds.
pub const MAX_TTL: u32 = 0x7fff_ffff;

/// A zone file that was read: its origin and its records, each with its file and line.
#[derive(Debug, Clone)]
pub struct ParsedZone {
    /// The zone's origin: given by the caller, or the file's first `$ORIGIN`, or its SOA owner.
    pub origin: Name,
    /// The zone's class (IN unless the file says otherwise).
    pub class: Class,
    /// Every record in file order (includes expanded in place).
    pub records: Vec<SourcedRecord>,
}

/// A record and where it was written.
#[derive(Debug, Clone)]
pub struct SourcedRecord {
    /// The record.
    pub record: Record,
    /// Where it was written.
    pub at: Position,
}

/// A place in a zone file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// The file, as it was named to the reader.
    pub file: Arc<Path>,
    /// The line, counting from 1.
    pub line: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// A zone that cannot be loaded: where, and why. `Display` is English, as BIND's tools and
/// `zone check` lay it out; [`ZoneError::describe`] says it in a language.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}: {reason}", file.display())]
pub struct ZoneError {
    /// The file at fault.
    pub file: PathBuf,
    /// The line at fault, counting from 1.
    pub line: usize,
    /// What is wrong.
    pub reason: ZoneErrorReason,
}

impl ZoneError {
    pub(crate) fn at(at: &Position, reason: ZoneErrorReason) -> Self {
        ZoneError {
            file: at.file.to_path_buf(),
            line: at.line,
            reason,
        }
    }

    /// The error in `lang`: the file and line, then why.
    pub fn describe(&self, lang: text::Lang) -> String {
        format!(
            "{}:{}: {}",
            self.file.display(),
            self.line,
            self.reason.describe(lang)
        )
    }
}

/// What is wrong with a zone file or a zone. `Display` is English;
/// [`ZoneErrorReason::describe`] says it in a language (in `describe.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZoneErrorReason {
    /// The file cannot be read.
    Io(ReadProblem),
    /// The file is not UTF-8.
    NotUtf8,
    /// `)` without `(`.
    UnopenedParenthesis,
    /// `(` never closed.
    UnclosedParenthesis,
    /// A quoted string never closed.
    UnterminatedQuote,
    /// A `$` word that is not a directive.
    UnknownDirective(String),
    /// A directive without what it needs.
    DirectiveArgument {
        /// `$ORIGIN`, `$TTL` or `$INCLUDE`.
        directive: &'static str,
        /// What it needs.
        what: DirectiveNeeds,
    },
    /// `$INCLUDE`s nested too deep.
    IncludeTooDeep,
    /// A TTL that is not one.
    BadTtl {
        /// As written.
        text: String,
        /// Why.
        why: DurationProblem,
    },
    /// A name that is not one.
    BadName {
        /// As written.
        text: String,
        /// Why.
        why: crate::NameProblem,
    },
    /// A relative name with no origin to complete it.
    NoOrigin(String),
    /// The first record has no owner.
    NoOwner,
    /// A record without a TTL and nothing to take one from.
    NoTtl,
    /// A class other than the zone's.
    ClassMismatch {
        /// The record's.
        found: String,
        /// The zone's.
        zone: String,
    },
    /// A word where the type was expected that is no type or class.
    UnknownType(String),
    /// A record without a type.
    MissingType,
    /// MD or MF.
    ObsoleteType(String),
    /// The RDATA of a type that cannot be read.
    BadRdata {
        /// The type.
        rtype: String,
        /// Why.
        why: RdataProblem,
    },
    /// A record outside the zone.
    OutOfZone {
        /// Its owner.
        owner: String,
        /// The zone.
        origin: String,
    },
    /// No SOA at the apex.
    NoSoa(String),
    /// No SOA and no `$ORIGIN`: the zone's apex is not known.
    NoSoaNoOrigin,
    /// An SOA elsewhere than at the apex.
    SoaNotAtApex {
        /// Its owner.
        owner: String,
        /// The zone.
        origin: String,
    },
    /// Two SOA records.
    MultipleSoa,
    /// No NS records at the apex.
    NoApexNs(String),
    /// CNAME and other data at one name.
    CnameAndOtherData(String),
    /// Two CNAMEs at one name.
    MultipleCnames(String),
    /// Two DNAMEs at one name.
    MultipleDnames(String),
    /// An in-zone NS target without addresses.
    MissingGlue {
        /// The target.
        target: String,
    },
    /// No records at all.
    Empty,
}

/// A file the system would not read: its error, kept as words and number (a zone error is
/// cloned and compared; an `io::Error` is neither).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadProblem {
    /// The system's error number, when it was the system's error.
    pub os_code: Option<i32>,
    /// The error's words, in English.
    pub text: String,
}

impl From<&std::io::Error> for ReadProblem {
    fn from(err: &std::io::Error) -> Self {
        ReadProblem {
            os_code: err.raw_os_error(),
            text: err.to_string(),
        }
    }
}

/// What a directive needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirectiveNeeds {
    /// `$ORIGIN NAME`.
    OneName,
    /// `$TTL TTL`.
    OneTtl,
    /// `$INCLUDE FILE [ORIGIN]`.
    FileAndOrigin,
}

/// Why a duration (a TTL, an SOA timer) is not one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationProblem {
    /// Nothing written.
    Empty,
    /// Not a number nor BIND's units.
    NotADuration,
    /// A unit with no number before it.
    UnitWithoutNumber,
    /// A bare number after a number with a unit (`1h30`).
    NumberAfterUnit,
    /// Over 2^31 - 1 (a TTL: RFC 2181 §8).
    TooLargeTtl,
    /// Over 2^32 - 1.
    TooLarge,
}

/// Why a record's data cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RdataProblem {
    /// The data ends before the type's fields do.
    EndsTooSoon,
    /// The data is longer than the record can hold.
    TooLong,
    /// Data after the type's last field (as `domain`'s scanner finds it).
    TrailingTokens,
    /// A relative name with no origin to complete it.
    NoOrigin,
    /// A name that is not one.
    BadName(crate::NameProblem),
    /// A name that is not one, for a reason not known.
    InvalidName,
    /// An escape that cannot be read.
    BadEscape,
    /// A character that cannot be in this field.
    BadSymbol,
    /// Non-ASCII characters where only ASCII may be.
    NonAscii,
    /// A character string over 255 octets.
    CharStrTooLong,
    /// Not UTF-8 where text must be.
    NotUtf8,
    /// `domain`'s own words (its per-type scanners'): free text, with the common ones known.
    Domain(&'static str),
    /// A word after the data.
    Unexpected(String),
    /// RFC 3597 `\#` data that is not valid for the type.
    GenericInvalid,
    /// RFC 3597 `\#` data whose names cannot be read.
    GenericNames,
    /// RFC 3597 `\#` data longer than the record.
    GenericTooLong,
    /// An SOA timer that is not a duration.
    SoaTimer {
        /// `refresh`, `retry`, `expire` or `minimum`.
        field: &'static str,
        /// As written.
        text: String,
        /// Why.
        why: DurationProblem,
    },
    /// Root hints with no root server that has an address.
    NoRootServers,
}

mod describe;

/// Reads the zone file at `path`. `origin` is the zone's origin if the caller knows it; when it
/// is `None`, the file's first `$ORIGIN` or its SOA's owner is the origin.
pub fn parse_file(path: &Path, origin: Option<&Name>) -> Result<ParsedZone, ZoneError> {
    let text = read_text(path, None)?;
    parse_text(&text, path, origin)
}

/// Reads zone-file text that claims to come from `file` (for messages and `$INCLUDE`).
pub fn parse_str(text: &str, file: &Path, origin: Option<&Name>) -> Result<ParsedZone, ZoneError> {
    parse_text(text, file, origin)
}

fn parse_text(text: &str, file: &Path, origin: Option<&Name>) -> Result<ParsedZone, ZoneError> {
    let mut parser = Parser {
        state: Scope {
            origin: origin.cloned(),
            last_owner: None,
        },
        default_ttl: None,
        last_explicit_ttl: None,
        class: None,
        first_origin: origin.cloned(),
        records: Vec::new(),
    };
    parser.read(text, Arc::from(file), 0)?;
    let origin = match parser.first_origin.take() {
        Some(origin) => origin,
        None => parser
            .records
            .iter()
            .find(|r| r.record.rtype() == Rtype::SOA)
            .map(|r| r.record.owner.clone())
            .ok_or_else(|| ZoneError {
                file: file.to_path_buf(),
                line: 1,
                reason: ZoneErrorReason::NoSoaNoOrigin,
            })?,
    };
    Ok(ParsedZone {
        origin,
        class: parser.class.unwrap_or(Class::IN),
        records: parser.records,
    })
}

fn read_text(path: &Path, included_at: Option<&Position>) -> Result<String, ZoneError> {
    let fail = |reason| match included_at {
        Some(at) => ZoneError::at(at, reason),
        None => ZoneError {
            file: path.to_path_buf(),
            line: 1,
            reason,
        },
    };
    let bytes =
        std::fs::read(path).map_err(|e| fail(ZoneErrorReason::Io(ReadProblem::from(&e))))?;
    String::from_utf8(bytes).map_err(|_| fail(ZoneErrorReason::NotUtf8))
}

// ---------------------------------------------------------------------------------------------
// Lexer: text -> entries of tokens.

/// One word of a zone file. Escapes stay in the text (`\.`, `\059`); the scanners decode them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The text, without the quotes of a quoted string.
    pub text: String,
    /// Whether it was written in double quotes.
    pub quoted: bool,
    /// The line it starts on.
    pub line: usize,
    /// Whether white space (or a line start) precedes it: `key="v"` is two tokens, joined.
    pub spaced: bool,
}

/// One logical line: a record or a directive, with the lines inside parentheses joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its words.
    pub tokens: Vec<Token>,
    /// Whether the line began with white space: the owner is the previous record's.
    pub blank_owner: bool,
}

/// Splits zone-file text into entries (RFC 1035 §5.1): `;` starts a comment, `(` and `)` join
/// lines, `"..."` keeps spaces and `;`, and `\X` escapes any character.
pub fn lex(text: &str) -> Result<Vec<Entry>, (usize, ZoneErrorReason)> {
    let mut entries = Vec::new();
    let mut tokens: Vec<Token> = Vec::new();
    let mut blank_owner = false;
    let mut depth = 0usize;
    let mut paren_line = 0;
    let mut line = 1;
    let mut at_line_start = true;
    let mut chars = text.chars().peekable();
    let mut current: Option<Token> = None;
    // Whether the next token follows a separator; SVCB's `key="value"` needs to know.
    let mut spaced = true;

    fn finish(current: &mut Option<Token>, tokens: &mut Vec<Token>) {
        if let Some(token) = current.take() {
            tokens.push(token);
        }
    }

    while let Some(c) = chars.next() {
        if at_line_start && depth == 0 {
            at_line_start = false;
            if tokens.is_empty() {
                blank_owner = c == ' ' || c == '\t';
            }
        }
        match c {
            '\n' => {
                finish(&mut current, &mut tokens);
                if depth == 0 && !tokens.is_empty() {
                    entries.push(Entry {
                        tokens: std::mem::take(&mut tokens),
                        blank_owner,
                    });
                }
                line += 1;
                at_line_start = true;
                spaced = true;
            }
            ' ' | '\t' | '\r' => {
                finish(&mut current, &mut tokens);
                spaced = true;
            }
            ';' => {
                finish(&mut current, &mut tokens);
                spaced = true;
                while chars.peek().is_some_and(|&c| c != '\n') {
                    chars.next();
                }
            }
            '(' => {
                finish(&mut current, &mut tokens);
                spaced = true;
                if depth == 0 {
                    paren_line = line;
                }
                depth += 1;
            }
            ')' => {
                finish(&mut current, &mut tokens);
                spaced = true;
                if depth == 0 {
                    return Err((line, ZoneErrorReason::UnopenedParenthesis));
                }
                depth -= 1;
            }
            '"' => {
                finish(&mut current, &mut tokens);
                let start = line;
                let mut quoted = String::new();
                loop {
                    match chars.next() {
                        None => return Err((start, ZoneErrorReason::UnterminatedQuote)),
                        Some('"') => break,
                        Some('\\') => {
                            quoted.push('\\');
                            match chars.next() {
                                None => return Err((start, ZoneErrorReason::UnterminatedQuote)),
                                Some(escaped) => {
                                    if escaped == '\n' {
                                        line += 1;
                                    }
                                    quoted.push(escaped);
                                }
                            }
                        }
                        Some(other) => {
                            if other == '\n' {
                                line += 1;
                            }
                            quoted.push(other);
                        }
                    }
                }
                tokens.push(Token {
                    text: quoted,
                    quoted: true,
                    line: start,
                    spaced,
                });
                spaced = false;
            }
            _ => {
                let token = current.get_or_insert_with(|| Token {
                    text: String::new(),
                    quoted: false,
                    line,
                    spaced,
                });
                spaced = false;
                token.text.push(c);
                if c == '\\'
                    && let Some(escaped) = chars.next()
                {
                    if escaped == '\n' {
                        line += 1;
                    }
                    token.text.push(escaped);
                }
            }
        }
    }
    finish(&mut current, &mut tokens);
    if depth > 0 {
        return Err((paren_line, ZoneErrorReason::UnclosedParenthesis));
    }
    if !tokens.is_empty() {
        entries.push(Entry {
            tokens,
            blank_owner,
        });
    }
    Ok(entries)
}

// ---------------------------------------------------------------------------------------------
// Parser: entries -> records.

/// What `$INCLUDE` saves and restores: the origin and the owner, as BIND does (a `$TTL` set in
/// an included file stays in force after it).
#[derive(Debug, Clone)]
struct Scope {
    origin: Option<Name>,
    last_owner: Option<Name>,
}

struct Parser {
    state: Scope,
    /// The last `$TTL`, wherever it was written.
    default_ttl: Option<u32>,
    last_explicit_ttl: Option<u32>,
    class: Option<Class>,
    /// The first origin known: the caller's, or the first `$ORIGIN` of the top file.
    first_origin: Option<Name>,
    records: Vec<SourcedRecord>,
}

impl Parser {
    fn read(&mut self, text: &str, file: Arc<Path>, depth: usize) -> Result<(), ZoneError> {
        let fail = |line: usize, reason| ZoneError {
            file: file.to_path_buf(),
            line,
            reason,
        };
        let entries = lex(text).map_err(|(line, reason)| fail(line, reason))?;
        for entry in entries {
            let at = Position {
                file: file.clone(),
                line: entry.tokens[0].line,
            };
            let first = &entry.tokens[0];
            if !entry.blank_owner && !first.quoted && first.text.starts_with('$') {
                self.directive(&entry.tokens, &at, depth)?;
            } else {
                let record = self.record(&entry, &at)?;
                self.records.push(SourcedRecord { record, at });
            }
        }
        Ok(())
    }

    fn directive(
        &mut self,
        tokens: &[Token],
        at: &Position,
        depth: usize,
    ) -> Result<(), ZoneError> {
        let fail = |reason| ZoneError::at(at, reason);
        let word = tokens[0].text.to_ascii_uppercase();
        match word.as_str() {
            "$ORIGIN" => {
                let [_, name] = tokens else {
                    return Err(fail(ZoneErrorReason::DirectiveArgument {
                        directive: "$ORIGIN",
                        what: DirectiveNeeds::OneName,
                    }));
                };
                let origin = self.name(name, at)?;
                if self.first_origin.is_none() && depth == 0 {
                    self.first_origin = Some(origin.clone());
                }
                self.state.origin = Some(origin);
            }
            "$TTL" => {
                let [_, ttl] = tokens else {
                    return Err(fail(ZoneErrorReason::DirectiveArgument {
                        directive: "$TTL",
                        what: DirectiveNeeds::OneTtl,
                    }));
                };
                self.default_ttl = Some(parse_ttl(&ttl.text).map_err(fail)?);
            }
            "$INCLUDE" => {
                let (file_token, origin_token) = match tokens {
                    [_, file] => (file, None),
                    [_, file, origin] => (file, Some(origin)),
                    _ => {
                        return Err(fail(ZoneErrorReason::DirectiveArgument {
                            directive: "$INCLUDE",
                            what: DirectiveNeeds::FileAndOrigin,
                        }));
                    }
                };
                if depth + 1 > MAX_INCLUDE_DEPTH {
                    return Err(fail(ZoneErrorReason::IncludeTooDeep));
                }
                let path = at
                    .file
                    .parent()
                    .unwrap_or(Path::new(""))
                    .join(&file_token.text);
                let text = read_text(&path, Some(at))?;
                let saved = self.state.clone();
                if let Some(origin) = origin_token {
                    self.state.origin = Some(self.name(origin, at)?);
                }
                self.read(&text, Arc::from(path.as_path()), depth + 1)?;
                self.state = saved;
            }
            _ => {
                return Err(fail(ZoneErrorReason::UnknownDirective(
                    tokens[0].text.clone(),
                )));
            }
        }
        Ok(())
    }

    /// Reads `[owner] [ttl] [class] type rdata` (TTL and class in either order).
    fn record(&mut self, entry: &Entry, at: &Position) -> Result<Record, ZoneError> {
        let fail = |reason| ZoneError::at(at, reason);
        let mut rest = &entry.tokens[..];
        let owner = if entry.blank_owner {
            self.state
                .last_owner
                .clone()
                .ok_or_else(|| fail(ZoneErrorReason::NoOwner))?
        } else {
            let owner = self.name(&rest[0], at)?;
            rest = &rest[1..];
            owner
        };
        let mut ttl = None;
        let mut class = None;
        let rtype = loop {
            let Some((token, tail)) = rest.split_first() else {
                return Err(fail(ZoneErrorReason::MissingType));
            };
            rest = tail;
            let word = token.text.as_str();
            if ttl.is_none() && !token.quoted && word.starts_with(|c: char| c.is_ascii_digit()) {
                ttl = Some(parse_ttl(word).map_err(fail)?);
            } else if let Some(found) = class.is_none().then(|| parse_class(word)).flatten() {
                class = Some(found);
            } else {
                break Rtype::from_str(word)
                    .map_err(|_| fail(ZoneErrorReason::UnknownType(word.to_owned())))?;
            }
        };

        if matches!(rtype, Rtype::MD | Rtype::MF) {
            return Err(fail(ZoneErrorReason::ObsoleteType(rtype.to_string())));
        }
        let class = class.unwrap_or(self.class.unwrap_or(Class::IN));
        match self.class {
            None => self.class = Some(class),
            Some(zone) if zone != class => {
                return Err(fail(ZoneErrorReason::ClassMismatch {
                    found: class.to_string(),
                    zone: zone.to_string(),
                }));
            }
            Some(_) => {}
        }

        // BIND reads the SOA's four timers as durations (`1d`, `2h30m`); `domain` takes seconds.
        let soa_tokens;
        if rtype == Rtype::SOA && rest.first().is_none_or(|t| t.text != "\\#") {
            soa_tokens = soa_timers_in_seconds(rest).map_err(fail)?;
            rest = &soa_tokens;
        }
        let origin = self.state.origin.clone();
        let mut scanner = TokenScanner {
            tokens: rest,
            pos: 0,
            origin: origin.as_ref(),
        };
        let data = RecordData::scan(rtype, &mut scanner).map_err(|err| {
            fail(ZoneErrorReason::BadRdata {
                rtype: rtype.to_string(),
                why: err.0,
            })
        })?;
        let data = typed_from_generic(rtype, data).map_err(fail)?;
        if scanner.pos < rest.len() {
            return Err(fail(ZoneErrorReason::BadRdata {
                rtype: rtype.to_string(),
                why: RdataProblem::Unexpected(rest[scanner.pos].text.clone()),
            }));
        }

        let ttl = match ttl {
            Some(ttl) => {
                self.last_explicit_ttl = Some(ttl);
                ttl
            }
            None => match (self.default_ttl, self.last_explicit_ttl, &data) {
                (Some(ttl), _, _) | (None, Some(ttl), _) => ttl,
                (None, None, RecordData::Soa(soa)) => soa.minimum().as_secs(),
                (None, None, _) => return Err(fail(ZoneErrorReason::NoTtl)),
            },
        };
        self.state.last_owner = Some(owner.clone());
        Ok(Record {
            owner,
            class,
            ttl,
            data,
        })
    }

    /// An owner or `$ORIGIN` name: `@`, absolute, or relative to the current origin.
    fn name(&self, token: &Token, at: &Position) -> Result<Name, ZoneError> {
        resolve_name(&token.text, self.state.origin.as_ref()).map_err(|err| ZoneError::at(at, err))
    }
}

/// RFC 3597 §5: a known type written as `\# LEN HEX` is the same record as its usual form, so
/// it is read into its type (and checked as that type) rather than kept as opaque octets.
fn typed_from_generic(rtype: Rtype, data: RecordData) -> Result<RecordData, ZoneErrorReason> {
    use domain::base::ParsedName;
    use domain::base::name::FlattenInto;
    use domain::base::rdata::ParseRecordData;
    use domain::dep::octseq::Parser as OctetParser;
    let RecordData::Unknown(unknown) = &data else {
        return Ok(data);
    };
    let bytes = unknown.data().clone();
    let bad = |why: RdataProblem| ZoneErrorReason::BadRdata {
        rtype: rtype.to_string(),
        why,
    };
    let mut parser = OctetParser::from_ref(&bytes);
    let typed =
        domain::rdata::ZoneRecordData::<Bytes, ParsedName<Bytes>>::parse_rdata(rtype, &mut parser)
            .map_err(|_| bad(RdataProblem::GenericInvalid))?;
    match typed {
        Some(typed) if parser.remaining() == 0 => {
            let typed: RecordData = typed
                .try_flatten_into()
                .map_err(|_| bad(RdataProblem::GenericNames))?;
            if matches!(typed, RecordData::Unknown(_)) {
                Ok(data)
            } else {
                Ok(typed)
            }
        }
        Some(_) => Err(bad(RdataProblem::GenericTooLong)),
        None => Ok(data),
    }
}

/// `@` is the origin; a name without a final (unescaped) dot is relative to it.
fn resolve_name(text: &str, origin: Option<&Name>) -> Result<Name, ZoneErrorReason> {
    let bad = |why: crate::NameProblem| ZoneErrorReason::BadName {
        text: text.to_owned(),
        why,
    };
    if text == "@" {
        return origin
            .cloned()
            .ok_or_else(|| ZoneErrorReason::NoOrigin(text.to_owned()));
    }
    let absolute = if ends_with_unescaped_dot(text) {
        text.to_owned()
    } else {
        let origin = origin.ok_or_else(|| ZoneErrorReason::NoOrigin(text.to_owned()))?;
        if origin.is_root() {
            format!("{text}.")
        } else {
            format!("{text}.{origin}.")
        }
    };
    if absolute.starts_with('.') && absolute != "." {
        return Err(bad(crate::NameProblem::EmptyLabel));
    }
    crate::parse_name(&absolute).map_err(|err| bad(err.why))
}

/// A TTL: seconds, or BIND's units (`1w2d3h4m5s`, any case), at most 2^31 - 1 (RFC 2181 §8).
pub fn parse_ttl(text: &str) -> Result<u32, ZoneErrorReason> {
    parse_duration(text, MAX_TTL).map_err(|why| ZoneErrorReason::BadTtl {
        text: text.to_owned(),
        why,
    })
}

/// The SOA's REFRESH, RETRY, EXPIRE and MINIMUM, in the order they are written.
const SOA_TIMERS: [&str; 4] = ["refresh", "retry", "expire", "minimum"];

/// The SOA's RDATA tokens with its four timers (after MNAME, RNAME, SERIAL) rewritten in
/// seconds, as BIND reads them: durations up to 2^32 - 1. Other tokens are left for `domain`.
fn soa_timers_in_seconds(tokens: &[Token]) -> Result<Vec<Token>, ZoneErrorReason> {
    let mut tokens = tokens.to_vec();
    for (token, field) in tokens.iter_mut().skip(3).zip(SOA_TIMERS) {
        if token.quoted {
            continue;
        }
        let seconds =
            parse_duration(&token.text, u32::MAX).map_err(|why| ZoneErrorReason::BadRdata {
                rtype: "SOA".to_owned(),
                why: RdataProblem::SoaTimer {
                    field,
                    text: token.text.clone(),
                    why,
                },
            })?;
        token.text = seconds.to_string();
    }
    Ok(tokens)
}

/// A duration as BIND reads one: a number of seconds, or numbers each followed by a unit (`s`,
/// `m`, `h`, `d`, `w`, any case) and summed (`1h30m`, `1w1w`); at most `max`.
fn parse_duration(text: &str, max: u32) -> Result<u32, DurationProblem> {
    let too_large = if max == MAX_TTL {
        DurationProblem::TooLargeTtl
    } else {
        DurationProblem::TooLarge
    };
    if text.is_empty() {
        return Err(DurationProblem::Empty);
    }
    let mut total: u64 = 0;
    let mut number: Option<u64> = None;
    let mut had_unit = false;
    for c in text.chars() {
        if let Some(digit) = c.to_digit(10) {
            number = Some(number.unwrap_or(0) * 10 + u64::from(digit));
            if number > Some(u64::from(max)) {
                return Err(too_large);
            }
            continue;
        }
        let unit = match c.to_ascii_lowercase() {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            'w' => 604800,
            _ => return Err(DurationProblem::NotADuration),
        };
        total += number.take().ok_or(DurationProblem::UnitWithoutNumber)? * unit;
        had_unit = true;
        if total > u64::from(max) {
            return Err(too_large);
        }
    }
    if let Some(number) = number {
        if had_unit {
            return Err(DurationProblem::NumberAfterUnit);
        }
        total = number;
    }
    u32::try_from(total)
        .ok()
        .filter(|&t| t <= max)
        .ok_or(too_large)
}

fn parse_class(word: &str) -> Option<Class> {
    match Class::from_str(word) {
        Ok(Class::ANY) | Ok(Class::NONE) | Err(_) => None,
        Ok(class) => Some(class),
    }
}

// ---------------------------------------------------------------------------------------------
// The RDATA scanner: `domain`'s `Scanner` over our tokens, resolving relative names.

/// Feeds one record's RDATA tokens to `domain`'s per-type scanners.
struct TokenScanner<'a> {
    tokens: &'a [Token],
    pos: usize,
    origin: Option<&'a Name>,
}

/// Why the RDATA could not be read; `domain`'s scanners produce it.
#[derive(Debug)]
struct ScanError(RdataProblem);

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for ScanError {}

impl ScannerError for ScanError {
    fn custom(msg: &'static str) -> Self {
        ScanError(RdataProblem::Domain(msg))
    }
    fn end_of_entry() -> Self {
        ScanError(RdataProblem::EndsTooSoon)
    }
    fn short_buf() -> Self {
        ScanError(RdataProblem::TooLong)
    }
    fn trailing_tokens() -> Self {
        ScanError(RdataProblem::TrailingTokens)
    }
}

impl From<domain::base::scan::SymbolCharsError> for ScanError {
    fn from(_: domain::base::scan::SymbolCharsError) -> Self {
        ScanError(RdataProblem::BadEscape)
    }
}

impl From<domain::dep::octseq::builder::ShortBuf> for ScanError {
    fn from(_: domain::dep::octseq::builder::ShortBuf) -> Self {
        ScanError(RdataProblem::TooLong)
    }
}

impl<'a> TokenScanner<'a> {
    fn next_token(&mut self) -> Result<&'a Token, ScanError> {
        let token = self
            .tokens
            .get(self.pos)
            .ok_or(ScanError(RdataProblem::EndsTooSoon))?;
        self.pos += 1;
        Ok(token)
    }

    fn symbols(token: &Token) -> Symbols<std::str::Chars<'_>> {
        Symbols::new(token.text.chars())
    }
}

impl DomainScanner for TokenScanner<'_> {
    type Octets = Bytes;
    type OctetsBuilder = BytesMut;
    type Name = Name;
    type Error = ScanError;

    fn has_space(&self) -> bool {
        self.tokens.get(self.pos).is_none_or(|t| t.spaced)
    }

    fn continues(&mut self) -> bool {
        self.pos < self.tokens.len()
    }

    fn scan_svcb_octets(&mut self) -> Result<Self::Octets, Self::Error> {
        // `alpn="h2,h3"` arrives as `alpn=` and a quoted `h2,h3` with no space between.
        let mut out = BytesMut::from(&self.scan_octets()?[..]);
        while let Some(next) = self.tokens.get(self.pos).filter(|t| t.quoted && !t.spaced) {
            for sym in Self::symbols(next) {
                out.extend_from_slice(&[sym
                    .into_octet()
                    .map_err(|_| ScanError(RdataProblem::BadSymbol))?]);
            }
            self.pos += 1;
        }
        Ok(out.freeze())
    }

    fn scan_symbols<F>(&mut self, mut op: F) -> Result<(), Self::Error>
    where
        F: FnMut(Symbol) -> Result<(), Self::Error>,
    {
        let token = self.next_token()?;
        for sym in Self::symbols(token) {
            op(sym)?;
        }
        Ok(())
    }

    fn scan_entry_symbols<F>(&mut self, mut op: F) -> Result<(), Self::Error>
    where
        F: FnMut(EntrySymbol) -> Result<(), Self::Error>,
    {
        while self.continues() {
            let token = self.next_token()?;
            for sym in Self::symbols(token) {
                op(sym.into())?;
            }
            op(EntrySymbol::EndOfToken)?;
        }
        Ok(())
    }

    fn convert_token<C: ConvertSymbols<Symbol, Self::Error>>(
        &mut self,
        mut convert: C,
    ) -> Result<Self::Octets, Self::Error> {
        let token = self.next_token()?;
        let mut out = BytesMut::new();
        for sym in Self::symbols(token) {
            if let Some(data) = convert.process_symbol(sym)? {
                out.extend_from_slice(data);
            }
        }
        if let Some(data) = convert.process_tail()? {
            out.extend_from_slice(data);
        }
        Ok(out.freeze())
    }

    fn convert_entry<C: ConvertSymbols<EntrySymbol, Self::Error>>(
        &mut self,
        mut convert: C,
    ) -> Result<Self::Octets, Self::Error> {
        let mut out = BytesMut::new();
        while self.continues() {
            let token = self.next_token()?;
            for sym in Self::symbols(token) {
                if let Some(data) = convert.process_symbol(sym.into())? {
                    out.extend_from_slice(data);
                }
            }
        }
        if let Some(data) = convert.process_tail()? {
            out.extend_from_slice(data);
        }
        Ok(out.freeze())
    }

    fn scan_octets(&mut self) -> Result<Self::Octets, Self::Error> {
        let token = self.next_token()?;
        let mut out = BytesMut::new();
        for sym in Self::symbols(token) {
            out.extend_from_slice(&[sym
                .into_octet()
                .map_err(|_| ScanError(RdataProblem::BadSymbol))?]);
        }
        Ok(out.freeze())
    }

    fn scan_ascii_str<F, T>(&mut self, op: F) -> Result<T, Self::Error>
    where
        F: FnOnce(&str) -> Result<T, Self::Error>,
    {
        let text = self.scan_string()?;
        if text.is_ascii() {
            op(&text)
        } else {
            Err(ScanError(RdataProblem::NonAscii))
        }
    }

    fn scan_name(&mut self) -> Result<Self::Name, Self::Error> {
        let token = self.next_token()?;
        resolve_name(&token.text, self.origin).map_err(|err| match err {
            ZoneErrorReason::NoOrigin(_) => ScanError(RdataProblem::NoOrigin),
            ZoneErrorReason::BadName { why, .. } => ScanError(RdataProblem::BadName(why)),
            _ => ScanError(RdataProblem::InvalidName),
        })
    }

    fn scan_charstr(&mut self) -> Result<CharStr<Self::Octets>, Self::Error> {
        let token = self.next_token()?;
        let mut builder = CharStrBuilder::<BytesMut>::new();
        for sym in Self::symbols(token) {
            let octet = sym
                .into_octet()
                .map_err(|_| ScanError(RdataProblem::BadSymbol))?;
            builder
                .append_slice(&[octet])
                .map_err(|_| ScanError(RdataProblem::CharStrTooLong))?;
        }
        Ok(builder.finish())
    }

    fn scan_string(&mut self) -> Result<Str<Self::Octets>, Self::Error> {
        let token = self.next_token()?;
        let mut out = String::new();
        for sym in Self::symbols(token) {
            match sym {
                Symbol::Char(c) => out.push(c),
                Symbol::SimpleEscape(b) | Symbol::DecimalEscape(b) => out.push(char::from(b)),
            }
        }
        Str::from_utf8(Bytes::from(out.into_bytes())).map_err(|_| ScanError(RdataProblem::NotUtf8))
    }

    fn scan_charstr_entry(&mut self) -> Result<Self::Octets, Self::Error> {
        let mut out = BytesMut::new();
        while self.continues() {
            let token = self.next_token()?;
            let mut content = Vec::new();
            for sym in Self::symbols(token) {
                content.push(
                    sym.into_octet()
                        .map_err(|_| ScanError(RdataProblem::BadSymbol))?,
                );
            }
            // Each token is one character string, quoted or not; one longer than 255 octets is
            // refused, as BIND refuses it (it is not split).
            let len =
                u8::try_from(content.len()).map_err(|_| ScanError(RdataProblem::CharStrTooLong))?;
            out.extend_from_slice(&[len]);
            out.extend_from_slice(&content);
        }
        Ok(out.freeze())
    }

    fn scan_opt_unknown_marker(&mut self) -> Result<bool, Self::Error> {
        match self.tokens.get(self.pos) {
            Some(token) if !token.quoted && token.text == "\\#" => {
                self.pos += 1;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    fn octets_builder(&mut self) -> Result<Self::OctetsBuilder, Self::Error> {
        Ok(BytesMut::new())
    }
}

#[cfg(test)]
mod tests;
