//! The lab's documentation-range addresses moved onto loopback, as text: for the lab's
//! fallback when it cannot have namespaces, and for tests that run the lab's zones in a
//! loopback block of their own.
//!
//! The lab numbers its hosts so that the last octet alone tells them apart across
//! 198.51.100.0/24 and 203.0.113.0/24 (a.root-servers.net is 203.0.113.2, the resolver
//! 198.51.100.53, the browser's machine 198.51.100.10), so `A.B.C.N` becomes `PREFIX.N`.
//! 192.0.2.0/24 stays as it is: the zones' own example data lives there. Loopback has one IPv6 address, so a line that holds an address of
//! the lab's IPv6 plan, 2001:db8:1ab::/48 (an AAAA record, an `address6` key), is dropped: the loopback lab is IPv4 only.

/// The lab's IPv6 addresses: 2001:db8:1ab::/48, inside the documentation range (RFC 3849).
pub const LAB_IPV6: &str = "2001:db8:1ab:";

/// The documentation ranges (RFC 5737) the lab's hosts' IPv4 addresses come from.
pub const LAB_PREFIXES: [&str; 2] = ["198.51.100.", "203.0.113."];

/// `text` with every whole dotted quad of [`LAB_PREFIXES`] (and of `127.0.0.`)
/// rewritten to `prefix.N`, and every line holding an address of the lab's IPv6 plan ([`LAB_IPV6`]) dropped. Only whole
/// addresses change, not part of a longer word or number (`10.192.0.2.5`, `192.0.2.300`).
pub fn to_loopback(text: &str, prefix: [u8; 3]) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if line.to_ascii_lowercase().contains(LAB_IPV6) {
            continue;
        }
        let mut line = line.to_owned();
        for from in LAB_PREFIXES.iter().chain(&["127.0.0."]) {
            line = rewrite_prefix(&line, from, prefix);
        }
        out.push_str(&line);
    }
    out
}

fn rewrite_prefix(text: &str, from: &str, prefix: [u8; 3]) -> String {
    let [a, b, c] = prefix;
    let part_of_word = |ch: char| ch.is_ascii_alphanumeric() || ch == '.';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(from) {
        out.push_str(&rest[..at]);
        let after = &rest[at + from.len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let (host, tail) = after.split_at(digits);
        let starts_inside = out.chars().next_back().is_some_and(part_of_word);
        // A sentence may end with an address: "203.0.113.2." is still one.
        let ends_inside = tail.starts_with(|ch: char| ch.is_ascii_alphanumeric())
            || tail.starts_with('.') && tail[1..].starts_with(|ch: char| part_of_word(ch));
        match host.parse::<u8>() {
            Ok(host) if digits <= 3 && !starts_inside && !ends_inside => {
                out.push_str(&format!("{a}.{b}.{c}.{host}"));
                rest = tail;
            }
            _ => {
                out.push_str(from);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::to_loopback;

    #[test]
    fn lab_addresses_move_into_the_block() {
        let rewrite = |text: &str| to_loopback(text, [127, 70, 3]);
        assert_eq!(
            rewrite("ns1  IN  A  203.0.113.6   ; glue"),
            "ns1  IN  A  127.70.3.6   ; glue"
        );
        assert_eq!(
            rewrite("@ TXT \"v=spf1 ip4:203.0.113.25 -all\"\nrefused A 127.0.0.254\n"),
            "@ TXT \"v=spf1 ip4:127.70.3.25 -all\"\nrefused A 127.70.3.254\n"
        );
        assert_eq!(rewrite("(198.51.100.2/.3)"), "(127.70.3.2/.3)");
        assert_eq!(rewrite("at 198.51.100.10."), "at 127.70.3.10.");
        assert_eq!(
            rewrite("example data 192.0.2.1 stays"),
            "example data 192.0.2.1 stays"
        );
    }

    #[test]
    fn ipv6_lines_are_dropped() {
        assert_eq!(
            to_loopback(
                "a A 203.0.113.2\na AAAA 2001:DB8:1AB:3::2\nb A 203.0.113.3\n",
                [127, 0, 0]
            ),
            "a A 127.0.0.2\nb A 127.0.0.3\n"
        );
    }

    #[test]
    fn other_numbers_that_contain_a_lab_address_stay() {
        for text in [
            "10.198.51.100.5",
            "1198.51.100.5",
            "198.51.100.300",
            "203.0.113.1234",
            "127.0.0.5.6",
            "198.51.100.5x",
            "203.0.113.",
            "203.0.113.x",
        ] {
            assert_eq!(to_loopback(text, [127, 70, 3]), text, "{text}");
        }
    }
}
