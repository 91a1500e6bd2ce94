//! The zone-file reader, construct by construct (RFC 1035 §5.1, RFC 3597 §5), and one test per
//! error with the exact `file:line` it must name.

use std::path::Path;

use super::*;
use crate::parse_name;

fn parse(text: &str) -> Result<ParsedZone, ZoneError> {
    parse_str(
        text,
        Path::new("t.zone"),
        Some(&parse_name("example.com.").unwrap()),
    )
}

fn lines(text: &str) -> Vec<String> {
    parse(text)
        .unwrap()
        .records
        .iter()
        .map(|r| r.record.to_string())
        .collect()
}

fn error(text: &str) -> String {
    parse(text).unwrap_err().to_string()
}

const SOA: &str = "@ 3600 IN SOA ns1 hostmaster ( 2026112501 ; serial\n 7200 3600 1209600 300 )\n";

#[test]
fn origin_ttl_at_and_relative_names() {
    let got = lines(
        "$TTL 300\n$ORIGIN example.com.\n@ IN A 192.0.2.1\nwww CNAME @\nmail.other.net. MX 10 mail\n",
    );
    assert_eq!(
        got,
        [
            "example.com.\t300\tIN\tA\t192.0.2.1",
            "www.example.com.\t300\tIN\tCNAME\texample.com.",
            "mail.other.net.\t300\tIN\tMX\t10 mail.example.com.",
        ]
    );
}

#[test]
fn relative_origin_is_relative_to_the_current_origin() {
    let got = lines("$TTL 60\n$ORIGIN sub\nhost A 192.0.2.2\n");
    assert_eq!(got, ["host.sub.example.com.\t60\tIN\tA\t192.0.2.2"]);
}

#[test]
fn parentheses_join_lines_and_comments_are_dropped() {
    let got = lines(SOA);
    assert_eq!(
        got,
        [
            "example.com.\t3600\tIN\tSOA\tns1.example.com. hostmaster.example.com. 2026112501 7200 3600 1209600 300"
        ]
    );
}

#[test]
fn ttl_and_class_in_either_order_and_ttl_units() {
    let got = lines("a 1h30m IN A 192.0.2.1\nb IN 2D A 192.0.2.2\nc 1W A 192.0.2.3\n");
    assert_eq!(
        got,
        [
            "a.example.com.\t5400\tIN\tA\t192.0.2.1",
            "b.example.com.\t172800\tIN\tA\t192.0.2.2",
            "c.example.com.\t604800\tIN\tA\t192.0.2.3",
        ]
    );
}

#[test]
fn omitted_owner_is_the_previous_owner() {
    let got = lines("$TTL 60\nhost A 192.0.2.1\n  AAAA 2001:db8::1\n\tTXT \"x\"\n");
    assert!(
        got.iter().all(|l| l.starts_with("host.example.com.\t")),
        "{got:?}"
    );
}

#[test]
fn without_ttl_directive_the_last_explicit_ttl_is_used() {
    // RFC 1035 §5.1: the TTL defaults to the last one stated.
    let got = lines("a 120 A 192.0.2.1\nb A 192.0.2.2\n");
    assert_eq!(got[1], "b.example.com.\t120\tIN\tA\t192.0.2.2");
}

#[test]
fn without_any_ttl_the_soa_takes_its_minimum() {
    let got = lines("@ IN SOA ns1 hm 1 2 3 4 300\n");
    assert!(got[0].starts_with("example.com.\t300\tIN\tSOA"), "{got:?}");
}

#[test]
fn quoted_strings_keep_semicolons_spaces_and_escapes() {
    let got = lines("$TTL 60\nt TXT \"a;b c\" \"q\\\"uote\" \"\\065\\.\" plain\n");
    assert_eq!(
        got,
        ["t.example.com.\t60\tIN\tTXT\t\"a;b c\" \"q\\\"uote\" \"A.\" \"plain\""]
    );
}

#[test]
fn escaped_dot_stays_inside_a_label() {
    let parsed = parse("$TTL 60\nfirst\\.last MX 10 mail\n").unwrap();
    let owner = &parsed.records[0].record.owner;
    assert_eq!(owner.label_count(), 4); // "first.last", example, com, root
}

#[test]
fn every_common_record_type_reads() {
    let zone = r#"$TTL 300
@ NS ns1
@ SOA ns1 hostmaster 1 7200 3600 1209600 300
@ A 192.0.2.1
@ AAAA 2001:db8::1
@ MX 10 mail
@ TXT "v=spf1 -all"
@ CAA 0 issue "letsencrypt.org"
@ HINFO "PC" "Linux"
@ SSHFP 2 1 123456789abcdef67890123456789abcdef67890
_443._tcp TLSA 3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
_sip._udp SRV 10 60 5060 sip
@ NAPTR 100 10 "S" "SIP+D2U" "" _sip._udp
svc SVCB 1 . alpn="h2,h3" port=8443
@ HTTPS 1 . alpn=h2
ptr PTR host.example.net.
alias CNAME www
old DNAME new.example.net.
u TYPE65534 \# 2 abcd
"#;
    let got = lines(zone);
    let types: Vec<&str> = got.iter().map(|l| l.split('\t').nth(3).unwrap()).collect();
    assert_eq!(
        types,
        [
            "NS",
            "SOA",
            "A",
            "AAAA",
            "MX",
            "TXT",
            "CAA",
            "HINFO",
            "SSHFP",
            "TLSA",
            "SRV",
            "NAPTR",
            "SVCB",
            "HTTPS",
            "PTR",
            "CNAME",
            "DNAME",
            "TYPE65534"
        ]
    );
    assert!(
        got.iter()
            .any(|l| l.ends_with("CAA\t0 issue \"letsencrypt.org\"")),
        "{got:#?}"
    );
    assert!(
        got.iter()
            .any(|l| l.ends_with("SRV\t10 60 5060 sip.example.com.")),
        "{got:#?}"
    );
    assert!(
        got.iter().any(|l| l.ends_with("TYPE65534\t\\# 2 ABCD")),
        "{got:#?}"
    );
}

#[test]
fn known_type_in_rfc3597_form_reads() {
    // RFC 3597 §5: the generic form of a known type is that type.
    let got = lines("$TTL 60\nh A \\# 4 c0000201\nm MX \\# 8 000a 046d61696c00\n");
    assert_eq!(
        got,
        [
            "h.example.com.\t60\tIN\tA\t192.0.2.1",
            "m.example.com.\t60\tIN\tMX\t10 mail."
        ]
    );
    assert!(error("$TTL 60\nh A \\# 3 c00002\n").starts_with("t.zone:2: bad A data:"));
}

/// `outer.zone` (origin example.com.) that includes `inner.zone`, both written to a new
/// directory, parsed; the records and their printed form. The directory is removed.
fn parse_with_include(tag: &str, inner: &str, outer: &str) -> (ParsedZone, Vec<String>) {
    let dir = std::env::temp_dir().join(format!("rt-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("inner.zone"), inner).unwrap();
    std::fs::write(dir.join("outer.zone"), outer).unwrap();
    let parsed = parse_file(
        &dir.join("outer.zone"),
        Some(&parse_name("example.com.").unwrap()),
    );
    std::fs::remove_dir_all(&dir).unwrap();
    let parsed = parsed.unwrap();
    let printed = parsed
        .records
        .iter()
        .map(|r| r.record.to_string())
        .collect();
    (parsed, printed)
}

#[test]
fn include_reads_relative_to_the_including_file_and_restores_the_origin() {
    let (parsed, got) = parse_with_include(
        "include",
        "host A 192.0.2.9\n",
        "$TTL 60\n$INCLUDE inner.zone sub.example.com.\nafter A 192.0.2.10\n",
    );
    assert_eq!(
        got,
        [
            "host.sub.example.com.\t60\tIN\tA\t192.0.2.9",
            "after.example.com.\t60\tIN\tA\t192.0.2.10"
        ]
    );
    assert!(parsed.records[0].at.file.ends_with("inner.zone"));
    assert_eq!(parsed.records[0].at.line, 1);
    assert_eq!(parsed.records[1].at.line, 3);
}

#[test]
fn include_loop_is_refused() {
    let dir = std::env::temp_dir().join(format!("rt-loop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("self.zone"), "$TTL 60\n$INCLUDE self.zone\n").unwrap();
    let err = parse_file(
        &dir.join("self.zone"),
        Some(&parse_name("example.com.").unwrap()),
    )
    .unwrap_err();
    assert_eq!(err.reason, ZoneErrorReason::IncludeTooDeep);
    assert_eq!(err.line, 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn origin_comes_from_the_file_when_not_given() {
    let parsed = parse_str(
        "$ORIGIN example.org.\n$TTL 60\n@ A 192.0.2.1\n",
        Path::new("x"),
        None,
    )
    .unwrap();
    assert_eq!(parsed.origin, parse_name("example.org").unwrap());
    let parsed = parse_str(
        "example.net. 60 SOA ns.example.net. hm.example.net. 1 2 3 4 5\n",
        Path::new("x"),
        None,
    )
    .unwrap();
    assert_eq!(parsed.origin, parse_name("example.net").unwrap());
}

// ----- Errors: each names the file and the line at fault. -----

#[test]
fn error_unclosed_parenthesis_names_the_opening_line() {
    assert_eq!(
        error("$TTL 60\n@ SOA ns hm (\n 1 2 3 4 5\n"),
        "t.zone:2: unbalanced parentheses: '(' is never closed"
    );
}

#[test]
fn error_unopened_parenthesis() {
    assert_eq!(
        error("$TTL 60\n\na A 192.0.2.1 )\n"),
        "t.zone:3: unbalanced parentheses: ')' without '('"
    );
}

#[test]
fn error_unterminated_quote() {
    assert_eq!(
        error("$TTL 60\nt TXT \"open\n"),
        "t.zone:2: unterminated quoted string"
    );
}

#[test]
fn error_unknown_directive() {
    assert_eq!(
        error("$TTL 60\n$GENERATE 1-4 h$ A 192.0.2.$\n"),
        "t.zone:2: unknown directive $GENERATE"
    );
}

#[test]
fn error_bad_ttl() {
    assert_eq!(
        error("a 99999999999 A 192.0.2.1\n"),
        "t.zone:1: bad TTL \"99999999999\": larger than 2147483647 (RFC 2181 §8)"
    );
    assert!(error("$TTL 1x\n").starts_with("t.zone:1: bad TTL \"1x\""));
}

#[test]
fn error_no_ttl() {
    assert_eq!(
        error("a A 192.0.2.1\n"),
        "t.zone:1: no TTL: the record has none, there is no $TTL and no TTL was given before"
    );
}

#[test]
fn error_unknown_type() {
    assert_eq!(
        error("$TTL 60\n\nwww AA 192.0.2.1\n"),
        "t.zone:3: unknown type or class \"AA\""
    );
}

#[test]
fn error_bad_rdata() {
    assert!(error("$TTL 60\nwww A 192.0.2.300\n").starts_with("t.zone:2: bad A data:"));
    assert!(
        error("$TTL 60\nwww A 192.0.2.1 extra\n")
            .starts_with("t.zone:2: bad A data: unexpected \"extra\"")
    );
    assert!(
        error("$TTL 60\nwww MX 10\n").starts_with("t.zone:2: bad MX data: the data ends too soon")
    );
}

#[test]
fn error_label_too_long() {
    let text = format!("$TTL 60\n{} A 192.0.2.1\n", "a".repeat(64));
    assert!(
        error(&text).contains("t.zone:2: invalid name"),
        "{}",
        error(&text)
    );
}

#[test]
fn error_no_owner_on_first_record() {
    assert_eq!(
        error("$TTL 60\n  A 192.0.2.1\n"),
        "t.zone:2: no owner: the first record of the file starts with white space"
    );
}

#[test]
fn error_relative_name_without_origin() {
    let err = parse_str("$TTL 60\nwww A 192.0.2.1\n", Path::new("o.zone"), None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "o.zone:2: relative name \"www\" but no origin is known (use $ORIGIN or give the zone's origin)"
    );
}

#[test]
fn error_class_mismatch() {
    assert_eq!(
        error("$TTL 60\na IN A 192.0.2.1\nb CH A 192.0.2.1\n"),
        "t.zone:3: class CH differs from the zone's class IN"
    );
}

#[test]
fn error_missing_include_names_the_include_line() {
    assert!(
        error("$TTL 60\n\n$INCLUDE /nonexistent/zone.inc\n")
            .starts_with("t.zone:3: cannot read the file:")
    );
}

#[test]
fn ttl_units() {
    assert_eq!(parse_ttl("3600").unwrap(), 3600);
    assert_eq!(parse_ttl("1h").unwrap(), 3600);
    assert_eq!(parse_ttl("1w1d1h1m1s").unwrap(), 694861);
    assert_eq!(parse_ttl("2147483647").unwrap(), MAX_TTL);
    assert!(parse_ttl("2147483648").is_err());
    assert!(parse_ttl("h").is_err());
}

#[test]
fn ttl_units_each_need_their_number() {
    // BIND refuses a bare number after a unit (`1h30`); `1w1w` and `1H30M` it sums.
    assert_eq!(parse_ttl("1H30M").unwrap(), 5400);
    assert_eq!(parse_ttl("1w1w").unwrap(), 1_209_600);
    assert_eq!(parse_ttl("30M").unwrap(), 1800);
    assert!(parse_ttl("1h30").is_err());
    assert!(
        error("$TTL 1h30\n").starts_with("t.zone:1: bad TTL \"1h30\": a number without a unit")
    );
}

#[test]
fn soa_timers_take_ttl_units() {
    // The four timers are durations to BIND; the serial is not.
    let got = lines("$TTL 1h\n@ IN SOA ns1 hm ( 1 1d 2h 4w 1h )\n");
    assert_eq!(
        got,
        ["example.com.\t3600\tIN\tSOA\tns1.example.com. hm.example.com. 1 86400 7200 2419200 3600"]
    );
    let got = lines("$TTL 1h\n@ SOA ns1 hm 2026 1h30m 30M 2w 1D\n");
    assert!(got[0].ends_with(" 2026 5400 1800 1209600 86400"), "{got:?}");
    // Up to 2^32 - 1 (BIND's limit for these fields), not the TTL's 2^31 - 1.
    let got = lines("$TTL 1h\n@ SOA ns1 hm 1 4294967295 5000w 1 1\n");
    assert!(got[0].ends_with(" 1 4294967295 3024000000 1 1"), "{got:?}");
    // Without $TTL, the SOA's TTL is its MINIMUM, read with its unit.
    let got = lines("@ SOA ns1 hm 1 1 1 1 5m\n");
    assert!(got[0].starts_with("example.com.\t300\tIN\tSOA"), "{got:?}");
}

#[test]
fn error_soa_timer_names_the_field() {
    assert_eq!(
        error("$TTL 1h\n@ SOA ns1 hm ( 1\n 1d\n 1x 1 1 )\n"),
        "t.zone:2: bad SOA data: retry \"1x\": not a number of seconds or a duration like 1h30m"
    );
    assert!(
        error("$TTL 1h\n@ SOA ns1 hm 1 1 1 10000w 1\n")
            .starts_with("t.zone:2: bad SOA data: expire \"10000w\": larger than 4294967295")
    );
    assert!(error("$TTL 1h\n@ SOA ns1 hm 1h 1 1 1 1\n").starts_with("t.zone:2: bad SOA data:"));
    assert!(error("$TTL 1h\n@ SOA ns1 hm 1 1 1 1h30 1\n").starts_with("t.zone:2: bad SOA data:"));
}

#[test]
fn soa_in_rfc3597_form_is_not_rewritten() {
    // \# data is octets; the timers are not tokens of their own there.
    let got = lines(
        "$TTL 1h\n@ SOA \\# 29 036e733100 02686d00 00000001 00000e10 00000708 00093a80 00000e10\n",
    );
    assert_eq!(
        got,
        ["example.com.\t3600\tIN\tSOA\tns1. hm. 1 3600 1800 604800 3600"]
    );
}

#[test]
fn ttl_set_in_an_include_stays_after_it_and_the_owner_is_restored() {
    let (_, got) = parse_with_include(
        "include-ttl",
        "$TTL 120\nhost A 192.0.2.9\n",
        "$TTL 1h\nbefore A 192.0.2.1\n$INCLUDE inner.zone sub.example.com.\n AAAA 2001:db8::1\nafter A 192.0.2.10\n",
    );
    // As named-compilezone prints it: the blank owner is the includer's last owner again, and
    // the included $TTL 120 is the TTL from there on.
    assert_eq!(
        got,
        [
            "before.example.com.\t3600\tIN\tA\t192.0.2.1",
            "host.sub.example.com.\t120\tIN\tA\t192.0.2.9",
            "before.example.com.\t120\tIN\tAAAA\t2001:db8::1",
            "after.example.com.\t120\tIN\tA\t192.0.2.10",
        ]
    );
}

#[test]
fn character_strings_longer_than_255_octets_are_refused() {
    let a255 = "a".repeat(255);
    let a256 = "a".repeat(256);
    let escaped255 = "\\065".repeat(255);
    // 255 octets is the limit, however written: quoted, unquoted, or as \DDD escapes.
    for ok in [
        format!("t TXT \"{a255}\""),
        format!("t TXT {a255}"),
        format!("t TXT \"{escaped255}\""),
        format!("t TXT \"{a255}\" \"{a255}\""),
        format!("t HINFO \"{a255}\" x"),
        format!("t NAPTR 1 1 \"{a255}\" \"\" \"\" ."),
        // CAA's value is the rest of the RDATA, not a character string (RFC 8659 §4.1).
        format!("t CAA 0 issue \"{a256}\""),
    ] {
        assert!(parse(&format!("$TTL 60\n{ok}\n")).is_ok(), "{ok}");
    }
    let got = lines(&format!("$TTL 60\nt TXT \"{escaped255}\"\n"));
    assert!(got[0].ends_with(&format!("TXT\t\"{}\"", "A".repeat(255))));
    for (rtype, bad) in [
        ("TXT", format!("t TXT \"{a256}\"")),
        ("TXT", format!("t TXT {a256}")),
        ("TXT", format!("t TXT ok \"{escaped255}b\"")),
        ("TXT", format!("t TXT \"{}\"", "\\\\".repeat(256))),
        ("HINFO", format!("t HINFO x \"{a256}\"")),
        ("NAPTR", format!("t NAPTR 1 1 \"\" \"{a256}\" \"\" .")),
        ("NAPTR", format!("t NAPTR 1 1 \"\" \"\" \"{a256}\" .")),
    ] {
        assert_eq!(
            error(&format!("$TTL 60\n\n{bad}\n")),
            format!("t.zone:3: bad {rtype} data: character string longer than 255 octets"),
            "{bad}"
        );
    }
}

#[test]
fn error_obsolete_md_and_mf() {
    assert_eq!(
        error("$TTL 60\nold MD mail\n"),
        "t.zone:2: type MD is obsolete (RFC 973: use MX)"
    );
    assert!(error("$TTL 60\nold MF mail\n").starts_with("t.zone:2: type MF is obsolete"));
}

/// Every reason a file is refused for, said in Korean: the file and the line first, the
/// file's own words (names, types, TTLs as written) as they are, and no English besides.
#[test]
fn every_refusal_is_said_in_korean_with_its_line() {
    use text::Lang;
    let cases: &[(&str, &str)] = &[
        (
            "$TTL 60\n@ SOA ns hm (\n 1 2 3 4 5\n",
            "t.zone:2: 괄호 짝이",
        ),
        ("$TTL 60\n@ SOA ns hm 1 2 3 4 5 )\n", "t.zone:2: 괄호 짝이"),
        ("$TTL 60\nwww TXT \"open\n", "t.zone:2: 따옴표로"),
        (
            "$TTL 60\n$GENERATE 1-2 a A 192.0.2.1\n",
            "t.zone:2: 알 수 없는 지시어",
        ),
        (
            "$TTL 99999999999\n",
            "t.zone:1: 잘못된 TTL \"99999999999\": 2147483647보다",
        ),
        ("$TTL 1x\n", "t.zone:1: 잘못된 TTL \"1x\": 초 수도"),
        ("$TTL 1h30\n", "t.zone:1: 잘못된 TTL \"1h30\": 단위가"),
        ("$TTL h\n", "t.zone:1: 잘못된 TTL \"h\": 숫자 없이"),
        ("$TTL\n", "t.zone:1: $TTL 뒤에는 TTL이"),
        ("$ORIGIN\n", "t.zone:1: $ORIGIN 뒤에는"),
        ("www A 192.0.2.1\n", "t.zone:1: TTL이 없습니다"),
        (
            "$TTL 60\nwww AA 192.0.2.1\n",
            "t.zone:2: 알 수 없는 타입이나",
        ),
        (
            "$TTL 60\nwww A 192.0.2.300\n",
            "t.zone:2: A 레코드의 데이터가 잘못되었습니다: IPv4",
        ),
        (
            "$TTL 60\nwww AAAA 192.0.2.1\n",
            "t.zone:2: AAAA 레코드의 데이터가 잘못되었습니다: IPv6",
        ),
        (
            "$TTL 60\nwww A 192.0.2.1 extra\n",
            "t.zone:2: A 레코드의 데이터가 잘못되었습니다: 데이터 뒤에",
        ),
        (
            "$TTL 60\nwww MX 10\n",
            "t.zone:2: MX 레코드의 데이터가 잘못되었습니다: 데이터가 너무",
        ),
        (
            "$TTL 60\nwww MX x mail\n",
            "t.zone:2: MX 레코드의 데이터가 잘못되었습니다: 10진수",
        ),
        (
            "$TTL 60\nwww CNAME a..b.\n",
            "t.zone:2: CNAME 레코드의 데이터가 잘못되었습니다: 잘못된 도메인",
        ),
        (
            "$TTL 60\na..b A 192.0.2.1\n",
            "t.zone:2: 잘못된 이름 \"a..b\": 빈 레이블",
        ),
        (
            "$TTL 60\n  A 192.0.2.1\n",
            "t.zone:2: 소유자 이름이 없습니다",
        ),
        (
            "$TTL 60\nwww CH A 192.0.2.1\nx IN A 192.0.2.1\n",
            "t.zone:3: 레코드의 클래스(IN)가",
        ),
        (
            "$TTL 60\nwww MD a.example.\n",
            "t.zone:2: MD 타입은 폐기되었습니다",
        ),
        (
            "$TTL 60\n@ SOA ns hm 1 2 1x 4 5\n",
            "t.zone:2: SOA 레코드의 데이터가 잘못되었습니다: SOA의 retry 값 \"1x\"",
        ),
        (
            "$TTL 60\nwww A \\# 3 c00002\n",
            "t.zone:2: A 레코드의 데이터가 잘못되었습니다: \\# 데이터가",
        ),
        ("$TTL 60\n$INCLUDE\n", "t.zone:2: $INCLUDE 뒤에는"),
    ];
    let tokens = [
        "SOA", "MX", "CNAME", "MD", "A", "AAAA", "CH", "retry", "TTL",
    ];
    for (text, korean) in cases {
        let err = parse(text).unwrap_err();
        let said = err.describe(Lang::Ko);
        assert!(
            said.starts_with(korean),
            "{text:?}:\n{said}\n(English: {err})"
        );
        test_support::korean::assert_korean(&said, &tokens);
        assert_eq!(err.describe(Lang::En), err.to_string());
    }
    // A file that cannot be read: the system's error by its kind, with its number.
    let err = parse_file(Path::new("/nonexistent-rt/z.zone"), None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "/nonexistent-rt/z.zone:1: cannot read the file: No such file or directory (os error 2)"
    );
    assert_eq!(
        err.describe(Lang::Ko),
        "/nonexistent-rt/z.zone:1: 파일을 읽을 수 없습니다: 그런 파일이나 디렉터리가 없습니다 \
         (오류 번호 2)"
    );
    // domain's own words that the catalogues do not know: quoted and attributed.
    let other = RdataProblem::Domain("illegal signature time");
    assert_eq!(other.to_string(), "illegal signature time");
    assert_eq!(
        other.describe(Lang::Ko),
        "데이터를 읽지 못했습니다 (domain: \"illegal signature time\")"
    );
}
