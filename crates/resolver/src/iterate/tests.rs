//! Unit tests of the pure parts of iteration; the behaviour as a whole is tested against real
//! servers in `tests/it/`.

use super::*;

fn name(text: &str) -> Name {
    dns::parse_name(text).unwrap()
}

#[test]
fn ancestor_cuts_to_a_label_count() {
    // label_count counts the root label: www.google.com. has 4.
    assert_eq!(ancestor(&name("www.google.com"), 2), name("com"));
    assert_eq!(ancestor(&name("www.google.com"), 3), name("google.com"));
    assert_eq!(ancestor(&name("www.google.com"), 9), name("www.google.com"));
}

#[test]
fn records_group_into_rrsets_with_the_smallest_ttl() {
    let a = |last| RecordData::A(domain::rdata::A::from_octets(192, 0, 2, last));
    let sets = group(vec![
        (name("a.example"), Rtype::A, 300, a(1)),
        (name("A.EXAMPLE"), Rtype::A, 60, a(2)),
        (name("a.example"), Rtype::A, 300, a(1)),
        (name("b.example"), Rtype::A, 10, a(3)),
    ]);
    assert_eq!(sets.len(), 2);
    assert_eq!(sets[0].ttl, 60);
    assert_eq!(sets[0].data, vec![a(1), a(2)]);
}
