//! Domain names: an owned, absolute name and its lower-cased wire form used as a lookup key.

use bytes::Bytes;
use domain::base::ToName;

/// An absolute domain name, owned, in wire format. Comparisons ignore ASCII case.
pub type Name = domain::base::Name<Bytes>;

/// Why a name could not be read. `Display` is English; [`NameError::describe`] says it in a
/// language.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe(text::Lang::En))]
pub struct NameError {
    /// The text as given.
    pub text: String,
    /// What is wrong with it.
    pub why: NameProblem,
}

impl NameError {
    /// The error in `lang`.
    pub fn describe(&self, lang: text::Lang) -> String {
        text::t!(
            lang,
            "name-invalid",
            text = format!("{:?}", self.text),
            why = self.why.describe(lang)
        )
    }
}

/// What is wrong with a name. `Display` is English; [`NameProblem::describe`] says it in a
/// language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameProblem {
    /// A label is empty (two dots in a row, or a leading dot).
    EmptyLabel,
    /// A label is over 63 octets.
    LongLabel,
    /// The name is over 255 octets.
    LongName,
    /// `domain`'s own words for another problem (an escape it cannot read, ...): free text.
    Domain(String),
}

impl NameProblem {
    /// The problem in `lang`; `domain`'s own words stay as they are, quoted and attributed.
    pub fn describe(&self, lang: text::Lang) -> String {
        use text::t;
        match self {
            NameProblem::EmptyLabel => t!(lang, "name-empty-label"),
            NameProblem::LongLabel => t!(lang, "name-long-label"),
            NameProblem::LongName => t!(lang, "name-long"),
            NameProblem::Domain(detail) => t!(lang, "name-domain-said", detail = detail),
        }
    }
}

impl std::fmt::Display for NameProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe(text::Lang::En))
    }
}

/// Parses an absolute name in presentation form (`www.google.com.`; the final dot is optional,
/// `.` is the root). Escapes `\.` and `\DDD` are understood.
pub fn parse_name(text: &str) -> Result<Name, NameError> {
    let absolute = if text == "." || ends_with_unescaped_dot(text) {
        text.to_owned()
    } else {
        format!("{text}.")
    };
    if absolute.starts_with('.') && absolute != "." {
        return Err(NameError {
            text: text.to_owned(),
            why: NameProblem::EmptyLabel,
        });
    }
    absolute.parse::<Name>().map_err(|err| NameError {
        text: text.to_owned(),
        why: describe_from_str_error(&err),
    })
}

/// Whether a presentation-form name ends in a dot that is not escaped (`a\.` is relative).
pub fn ends_with_unescaped_dot(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.last() != Some(&b'.') {
        return false;
    }
    // Count the backslashes right before the dot: an even number means the dot is unescaped.
    let backslashes = bytes[..bytes.len() - 1]
        .iter()
        .rev()
        .take_while(|&&b| b == b'\\')
        .count();
    backslashes % 2 == 0
}

fn describe_from_str_error(err: &domain::base::name::FromStrError) -> NameProblem {
    use domain::base::name::FromStrError;
    match err {
        FromStrError::ShortBuf => NameProblem::LongName,
        FromStrError::Presentation(err) => {
            // domain's messages are terse ("long domain name"); say which limit was hit. Its
            // error kinds are private: its words are what tells them apart.
            match err.to_string().as_str() {
                "long domain name" => NameProblem::LongName,
                "long label" | "label length limit exceeded" => NameProblem::LongLabel,
                "empty label" => NameProblem::EmptyLabel,
                other => NameProblem::Domain(other.to_owned()),
            }
        }
    }
}

/// The name's wire form with ASCII letters lower-cased: the key under which zones and caches
/// store a name, so that lookups are byte comparisons.
pub fn name_key(name: &impl ToName) -> Box<[u8]> {
    let mut key = Vec::with_capacity(name.compose_len() as usize);
    for label in name.iter_labels() {
        key.push(label.len() as u8);
        key.extend(label.as_slice().iter().map(u8::to_ascii_lowercase));
    }
    key.into_boxed_slice()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_absolute_and_relative_looking_names_as_absolute() {
        assert_eq!(
            parse_name("www.google.com").unwrap().to_string(),
            "www.google.com"
        );
        assert_eq!(
            parse_name("www.google.com.").unwrap(),
            parse_name("WWW.Google.COM").unwrap()
        );
        assert!(parse_name(".").unwrap().is_root());
    }

    #[test]
    fn refuses_long_labels_and_names() {
        let label = "a".repeat(64);
        assert_eq!(
            parse_name(&label).unwrap_err().why.to_string(),
            "a label is longer than 63 octets"
        );
        let long = vec!["abcdefghi"; 30].join(".");
        assert_eq!(
            parse_name(&long).unwrap_err().why.to_string(),
            "the name is longer than 255 octets"
        );
        assert_eq!(parse_name("a..b").unwrap_err().why, NameProblem::EmptyLabel);
        assert_eq!(
            parse_name("a..b").unwrap_err().to_string(),
            "invalid domain name \"a..b\": empty label"
        );
        let err = parse_name(&label).unwrap_err().describe(text::Lang::Ko);
        assert!(err.contains("63바이트"), "{err}");
    }

    #[test]
    fn escaped_dot_is_not_a_separator() {
        assert!(!ends_with_unescaped_dot("a\\."));
        assert!(ends_with_unescaped_dot("a\\\\."));
        let name = parse_name("a\\.b.example.").unwrap();
        assert_eq!(name.label_count(), 3); // "a.b", "example", root
    }

    #[test]
    fn key_is_lowercase_wire_form() {
        let key = name_key(&parse_name("WwW.Ab.").unwrap());
        assert_eq!(&key[..], b"\x03www\x02ab\x00");
    }
}
