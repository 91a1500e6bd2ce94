//! Why a zone file or a zone is refused, in a language (the `text` catalogues). `Display` is the
//! English of the catalogue, as the messages have always been worded (`zone check` lays them
//! out as BIND's tools do); `describe` says them in any language, with the file's own words
//! (names, types, TTLs as written) as they are.

use std::fmt;

use text::{Lang, t};

use super::{DirectiveNeeds, DurationProblem, MAX_INCLUDE_DEPTH, RdataProblem, ZoneErrorReason};

impl ZoneErrorReason {
    /// Why, in `lang`.
    pub fn describe(&self, lang: Lang) -> String {
        use ZoneErrorReason as R;
        let quoted = |text: &str| format!("{text:?}");
        match self {
            R::Io(problem) => {
                let error = match problem.os_code {
                    Some(code) => text::io_error(lang, &std::io::Error::from_raw_os_error(code)),
                    None => problem.text.clone(),
                };
                t!(lang, "zone-io", error = error)
            }
            R::NotUtf8 => t!(lang, "zone-not-utf8"),
            R::UnopenedParenthesis => t!(lang, "zone-unopened-parenthesis"),
            R::UnclosedParenthesis => t!(lang, "zone-unclosed-parenthesis"),
            R::UnterminatedQuote => t!(lang, "zone-unterminated-quote"),
            R::UnknownDirective(directive) => {
                t!(lang, "zone-unknown-directive", directive = directive)
            }
            R::DirectiveArgument { directive, what } => match what {
                DirectiveNeeds::OneName => {
                    t!(lang, "zone-directive-needs-name", directive = *directive)
                }
                DirectiveNeeds::OneTtl => {
                    t!(lang, "zone-directive-needs-ttl", directive = *directive)
                }
                DirectiveNeeds::FileAndOrigin => {
                    t!(lang, "zone-directive-needs-file", directive = *directive)
                }
            },
            R::IncludeTooDeep => t!(
                lang,
                "zone-include-too-deep",
                depth = MAX_INCLUDE_DEPTH.to_string()
            ),
            R::BadTtl { text, why } => t!(
                lang,
                "zone-bad-ttl",
                text = quoted(text),
                why = why.describe(lang)
            ),
            R::BadName { text, why } => t!(
                lang,
                "zone-bad-name",
                text = quoted(text),
                why = why.describe(lang)
            ),
            R::NoOrigin(text) => t!(lang, "zone-no-origin", text = quoted(text)),
            R::NoOwner => t!(lang, "zone-no-owner"),
            R::NoTtl => t!(lang, "zone-no-ttl"),
            R::ClassMismatch { found, zone } => {
                t!(lang, "zone-class-mismatch", found = found, zone = zone)
            }
            R::UnknownType(word) => t!(lang, "zone-unknown-type", word = quoted(word)),
            R::MissingType => t!(lang, "zone-missing-type"),
            R::ObsoleteType(rtype) => t!(lang, "zone-obsolete-type", rtype = rtype),
            R::BadRdata { rtype, why } => t!(
                lang,
                "zone-bad-rdata",
                rtype = rtype,
                why = why.describe(lang)
            ),
            R::OutOfZone { owner, origin } => {
                t!(lang, "zone-out-of-zone", owner = owner, origin = origin)
            }
            R::NoSoa(origin) => t!(lang, "zone-no-soa", origin = origin),
            R::NoSoaNoOrigin => t!(lang, "zone-no-soa-no-origin"),
            R::SoaNotAtApex { owner, origin } => {
                t!(lang, "zone-soa-not-at-apex", owner = owner, origin = origin)
            }
            R::MultipleSoa => t!(lang, "zone-multiple-soa"),
            R::NoApexNs(origin) => t!(lang, "zone-no-apex-ns", origin = origin),
            R::CnameAndOtherData(owner) => t!(lang, "zone-cname-and-other-data", owner = owner),
            R::MultipleCnames(owner) => t!(lang, "zone-multiple-cnames", owner = owner),
            R::MultipleDnames(owner) => t!(lang, "zone-multiple-dnames", owner = owner),
            R::MissingGlue { target } => t!(lang, "zone-missing-glue", target = target),
            R::Empty => t!(lang, "zone-empty"),
        }
    }
}

impl fmt::Display for ZoneErrorReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(Lang::En))
    }
}

impl std::error::Error for ZoneErrorReason {}

impl DurationProblem {
    /// Why, in `lang`.
    pub fn describe(self, lang: Lang) -> String {
        match self {
            DurationProblem::Empty => t!(lang, "zone-duration-empty"),
            DurationProblem::NotADuration => t!(lang, "zone-duration-not-a-duration"),
            DurationProblem::UnitWithoutNumber => t!(lang, "zone-duration-unit-without-number"),
            DurationProblem::NumberAfterUnit => t!(lang, "zone-duration-number-after-unit"),
            DurationProblem::TooLargeTtl => t!(lang, "zone-duration-too-large-ttl"),
            DurationProblem::TooLarge => t!(lang, "zone-duration-too-large"),
        }
    }
}

impl fmt::Display for DurationProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(Lang::En))
    }
}

impl RdataProblem {
    /// Why, in `lang`. `domain`'s own words are told by what they say where the catalogues know
    /// them; others stay as they are, quoted and attributed.
    pub fn describe(&self, lang: Lang) -> String {
        use RdataProblem as R;
        match self {
            R::EndsTooSoon => t!(lang, "zone-rdata-ends-too-soon"),
            R::TooLong => t!(lang, "zone-rdata-too-long"),
            R::TrailingTokens => t!(lang, "zone-rdata-trailing"),
            R::NoOrigin => t!(lang, "zone-rdata-no-origin"),
            R::BadName(why) => t!(lang, "zone-rdata-bad-name", why = why.describe(lang)),
            R::InvalidName => t!(lang, "zone-rdata-invalid-name"),
            R::BadEscape => t!(lang, "zone-rdata-bad-escape"),
            R::BadSymbol => t!(lang, "zone-rdata-bad-symbol"),
            R::NonAscii => t!(lang, "zone-rdata-non-ascii"),
            R::CharStrTooLong => t!(lang, "zone-rdata-charstr-too-long"),
            R::NotUtf8 => t!(lang, "zone-rdata-not-utf8"),
            R::Domain(words) => match *words {
                "bad symbol" => t!(lang, "zone-rdata-bad-symbol"),
                "non-ASCII characters" => t!(lang, "zone-rdata-non-ascii"),
                "expected IPv4 address" => t!(lang, "zone-rdata-expected-ipv4"),
                "expected IPv6 address" => t!(lang, "zone-rdata-expected-ipv6"),
                "expected decimal number" => t!(lang, "zone-rdata-expected-number"),
                "decimal number overflow" => t!(lang, "zone-rdata-number-overflow"),
                "expected hex digits" => t!(lang, "zone-rdata-expected-hex"),
                "uneven number of hex digits" => t!(lang, "zone-rdata-uneven-hex"),
                "illegal Base 64 data" => t!(lang, "zone-rdata-bad-base64"),
                "unexpected end of entry" => t!(lang, "zone-rdata-end-of-entry"),
                other => t!(lang, "zone-rdata-domain-said", detail = other),
            },
            R::Unexpected(word) => {
                t!(lang, "zone-rdata-unexpected", word = format!("{word:?}"))
            }
            R::GenericInvalid => t!(lang, "zone-rdata-generic-invalid"),
            R::GenericNames => t!(lang, "zone-rdata-generic-names"),
            R::GenericTooLong => t!(lang, "zone-rdata-generic-too-long"),
            R::SoaTimer { field, text, why } => t!(
                lang,
                "zone-rdata-soa-timer",
                field = *field,
                text = format!("{text:?}"),
                why = why.describe(lang)
            ),
            R::NoRootServers => t!(lang, "zone-rdata-no-root-servers"),
        }
    }
}

impl fmt::Display for RdataProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(Lang::En))
    }
}
