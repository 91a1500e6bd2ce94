//! The seed corpus: short documents about the journey of a web request (DNS record types and
//! response codes, HTTP status codes and headers, TCP states and flags, the steps of a
//! request), loaded into an empty database on its first start.
//!
//! The corpus is data, not code: `seed/corpus.txt`, one document per line, `title | body`;
//! blank lines and lines starting with `#` are ignored.

/// One document of the corpus.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SeedDocument {
    pub title: &'static str,
    pub body: &'static str,
}

const CORPUS: &str = include_str!("../seed/corpus.txt");

/// Every document of the corpus, in file order.
pub(crate) fn corpus() -> Vec<SeedDocument> {
    CORPUS
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| {
            let (title, body) = line.split_once('|')?;
            Some(SeedDocument {
                title: title.trim(),
                body: body.trim(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_line_is_a_document_with_a_title_and_a_body() {
        let lines = super::CORPUS
            .lines()
            .filter(|line| !line.trim().is_empty() && !line.trim().starts_with('#'))
            .count();
        let corpus = super::corpus();
        assert_eq!(corpus.len(), lines, "a line without `title | body`");
        assert!(corpus.len() >= 250, "only {} documents", corpus.len());
        for document in &corpus {
            assert!(
                !document.title.is_empty() && !document.body.is_empty(),
                "{document:?}"
            );
            assert!(document.title.len() <= 200, "{document:?}");
        }
        let mut titles: Vec<&str> = corpus.iter().map(|d| d.title).collect();
        titles.sort_unstable();
        let before = titles.len();
        titles.dedup();
        assert_eq!(before, titles.len(), "duplicate titles");
    }
}
