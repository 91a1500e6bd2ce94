//! The story of one request: what the tour tells, in a shape every renderer shares.
//!
//! The tour assembles a [`Story`] from the captured packets and the parts' own reports; this
//! module only renders it — as terminal text ([`render_text`]), as a waterfall of phases
//! ([`render_waterfall`]), as one self-contained HTML page with a sequence diagram
//! ([`render_html`]), and as JSON (the `Serialize` derive, the shape documented on each field).
//! Times are milliseconds from the start of the journey, so every line carries its offset.
//!
//! The story's sentences are already in its language ([`Story::lang`]); the renderers add
//! their own words (headings, the legend of sources, the glossary, the page's labels) from the
//! `text` catalogues in the same language.

use serde::Serialize;
use text::{Lang, t};

use crate::Source;

/// The whole journey of one request, ready to render.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Story {
    /// The URL the browser was asked to fetch.
    pub url: String,
    /// The language its sentences are in: `en` or `ko`.
    pub lang: String,
    /// The fault injected into the lab, named and explained (shown before the story).
    pub fault: Option<String>,
    /// Wall-clock start of the journey, milliseconds since the Unix epoch.
    pub started_at_unix_ms: u64,
    /// The same instant in nanoseconds, so that a line's `at_ms` can be matched to a captured
    /// frame's timestamp.
    pub started_at_unix_ns: u64,
    /// The hosts taking part, one lane each in the sequence diagram, in the diagram's order.
    pub lanes: Vec<Lane>,
    /// THE-FLOW.md's five steps (more when a visit repeats them), each with what happened.
    pub steps: Vec<Step>,
    /// Every message between two hosts, in time order: one arrow each in the diagram.
    pub messages: Vec<Message>,
    /// The phases of the request for the waterfall, in time order.
    pub phases: Vec<Phase>,
    /// What the story could not see, or should warn about (for example: no permission to
    /// capture packets).
    pub notes: Vec<String>,
    /// The final HTTP status, when a response came.
    pub status: Option<u16>,
}

/// A host in the diagram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lane {
    /// The name people know it by: `browser`, `a.root-servers.net`, `www.google.com`.
    pub name: String,
    /// Its role: `browser`, `resolver`, `root`, `tld`, `authoritative`, `web`, `was`, `db`.
    pub role: String,
    /// Its address, `127.0.0.2:53`, or a description such as `sqlite file`.
    pub addr: String,
}

/// One step of the flow.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// 1 to 5, as in THE-FLOW.md.
    pub number: u8,
    /// The step's title: "The browser checks its own DNS cache".
    pub title: String,
    /// What happened in it, in time order.
    pub lines: Vec<Line>,
}

/// One thing that happened, told in one line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    /// Milliseconds from the journey's start.
    pub at_ms: f64,
    /// Captured on the wire, reported by the part itself, or inferred from captured packets.
    pub source: Source,
    /// The line's text.
    pub text: String,
}

/// One message from one host to another: a packet, or a part's report of a call (SQL).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    /// Milliseconds from the journey's start.
    pub at_ms: f64,
    /// The sending lane's name.
    pub from: String,
    /// The receiving lane's name.
    pub to: String,
    /// `dns`, `tcp`, `http` or `sql`.
    pub protocol: String,
    /// A short label for the arrow: `SYN`, `A? www.google.com`, `GET /`.
    pub label: String,
    /// The full detail shown when the arrow is clicked.
    pub detail: String,
    /// Captured or reported.
    pub source: Source,
}

/// A phase of the request, for the waterfall.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Phase {
    /// `dns`, `connect`, `request`, `wait (server)`, `download`, `close`, `TIME_WAIT`...
    pub name: String,
    /// Milliseconds from the journey's start.
    pub start_ms: f64,
    /// Milliseconds from the journey's start.
    pub end_ms: f64,
}

impl Story {
    /// Adds a line to step `number`, creating the step with `title` if it is new.
    pub fn line(&mut self, number: u8, title: &str, at_ms: f64, source: Source, text: String) {
        let index = match self.steps.iter().position(|s| s.number == number) {
            Some(index) => index,
            None => {
                self.steps.push(Step {
                    number,
                    title: title.to_owned(),
                    lines: Vec::new(),
                });
                self.steps.len() - 1
            }
        };
        self.steps[index].lines.push(Line {
            at_ms,
            source,
            text,
        });
    }
}

impl Story {
    /// The language of its sentences (English when `lang` is not one we speak).
    pub fn language(&self) -> Lang {
        self.lang.parse().unwrap_or_default()
    }
}

/// The tag a line of the given source carries in the terminal story, in `lang`.
pub fn source_tag(lang: Lang, source: Source) -> String {
    match source {
        Source::Wire => t!(lang, "tag-wire"),
        Source::Reported => t!(lang, "tag-said"),
        Source::Inferred => t!(lang, "tag-inferred"),
    }
}

/// Columns a text takes in a terminal: Hangul (and other East Asian wide characters) take two.
pub fn display_width(text: &str) -> usize {
    text.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

fn is_wide(c: char) -> bool {
    matches!(c,
        '\u{1100}'..='\u{115F}'
        | '\u{2E80}'..='\u{A4CF}'
        | '\u{AC00}'..='\u{D7A3}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FF00}'..='\u{FF60}')
}

/// `text` padded with spaces to `width` terminal columns.
fn pad(text: &str, width: usize) -> String {
    format!(
        "{text}{}",
        " ".repeat(width.saturating_sub(display_width(text)))
    )
}

/// The story as terminal text: the fault (if one was injected), the legend of sources, the
/// steps with their lines, the waterfall, the notes, then a glossary of the terms the story used.
pub fn render_text(story: &Story) -> String {
    let lang = story.language();
    let mut out = String::new();
    out.push_str(&t!(lang, "story-title", url = &story.url));
    out.push('\n');
    if let Some(fault) = &story.fault {
        out.push_str(&format!("\n!! {fault}\n"));
    }
    let tags = [Source::Wire, Source::Reported, Source::Inferred].map(|s| source_tag(lang, s));
    let tag_width = tags.iter().map(|t| display_width(t)).max().unwrap_or(4);
    out.push('\n');
    out.push_str(&t!(
        lang,
        "story-legend",
        wire = &tags[0],
        said = &tags[1],
        inferred = &tags[2]
    ));
    out.push('\n');
    for step in &story.steps {
        out.push_str(&format!("\n{}. {}\n", step.number, step.title));
        for line in &step.lines {
            let tag = pad(&source_tag(lang, line.source), tag_width);
            let mut rows = line.text.lines();
            let first = rows.next().unwrap_or("");
            out.push_str(&format!("  {:>9.3} ms  {tag}  {first}\n", line.at_ms));
            for row in rows {
                out.push_str(&format!("  {:>9}     {}  {row}\n", "", pad("", tag_width)));
            }
        }
    }
    if !story.phases.is_empty() {
        out.push('\n');
        out.push_str(&t!(lang, "waterfall-title"));
        out.push('\n');
        out.push_str(&render_waterfall(&story.phases, 50));
    }
    for note in &story.notes {
        out.push('\n');
        out.push_str(&t!(lang, "note", note = note));
        out.push('\n');
    }
    let glossary = glossary(story);
    if !glossary.is_empty() {
        out.push('\n');
        out.push_str(&t!(lang, "glossary-title"));
        out.push('\n');
        for entry in glossary {
            out.push_str(&format!("  - {entry}\n"));
        }
    }
    out
}

/// The glossary entries for the terms the story uses, in its language: each term explained
/// once, in the order the journey meets them.
pub fn glossary(story: &Story) -> Vec<String> {
    let lang = story.language();
    let mut all = String::new();
    for step in &story.steps {
        for line in &step.lines {
            all.push_str(&line.text);
            all.push('\n');
        }
    }
    let has = |token: &str| all.contains(token);
    let entries: [(bool, String); 23] = [
        (has("HSTS"), t!(lang, "glossary-hsts")),
        (has("RD=1") || has("RD=0"), t!(lang, "glossary-recursive")),
        (
            has("? com.") || has("? google.com."),
            t!(lang, "glossary-qname-minimisation"),
        ),
        (
            has(&t!(lang, "dns-referral")),
            t!(lang, "glossary-referral"),
        ),
        (
            has(&t!(lang, "dns-section-glue")),
            t!(lang, "glossary-glue"),
        ),
        (has("CNAME"), t!(lang, "glossary-cname")),
        (has("AA)"), t!(lang, "glossary-aa")),
        (has("NODATA"), t!(lang, "glossary-nodata")),
        (has("NXDOMAIN"), t!(lang, "glossary-nxdomain")),
        (has(" SOA "), t!(lang, "glossary-soa")),
        (has("TTL"), t!(lang, "glossary-ttl")),
        (has("ARP"), t!(lang, "glossary-arp")),
        (has("SYN"), t!(lang, "glossary-handshake")),
        (has(" ack "), t!(lang, "glossary-seq-ack")),
        (has("ClientHello"), t!(lang, "glossary-tls")),
        (has("ALPN"), t!(lang, "glossary-sni-alpn")),
        (has("HTTP/2 "), t!(lang, "glossary-http2")),
        (
            has("certificate_expired") || has("bad_certificate") || has("unknown_ca"),
            t!(lang, "glossary-certificate-check"),
        ),
        (has("close_notify"), t!(lang, "glossary-close-notify")),
        (has("FIN"), t!(lang, "glossary-close")),
        (has("TIME_WAIT"), t!(lang, "glossary-time-wait")),
        (has("WAS"), t!(lang, "glossary-was")),
        (
            has("HTTP/1.1 ") || has("HTTP/2 "),
            t!(lang, "glossary-status"),
        ),
    ];
    entries
        .into_iter()
        .filter_map(|(used, entry)| used.then_some(entry))
        .collect()
}

/// The phases as bars on a common time axis `width` characters wide.
pub fn render_waterfall(phases: &[Phase], width: usize) -> String {
    let end = phases.iter().map(|p| p.end_ms).fold(0.0_f64, f64::max);
    let scale = if end > 0.0 { width as f64 / end } else { 0.0 };
    let name_width = phases
        .iter()
        .map(|p| display_width(&p.name))
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for phase in phases {
        // Every phase gets at least one cell, so that a 30 us phase is still visible.
        let start = ((phase.start_ms * scale).floor() as usize).min(width.saturating_sub(1));
        let cells = (((phase.end_ms - phase.start_ms) * scale).round() as usize)
            .max(1)
            .min(width - start);
        out.push_str(&format!(
            "  {}  |{}{}{}| {:>9.3} ms  (@ {:.3} ms)\n",
            pad(&phase.name, name_width),
            " ".repeat(start),
            "#".repeat(cells),
            " ".repeat(width - start - cells),
            phase.end_ms - phase.start_ms,
            phase.start_ms,
        ));
    }
    out
}

/// The story as one self-contained HTML page: the steps, a sequence diagram with one lane per
/// host and one arrow per message (a click shows the message's detail), the waterfall and the
/// glossary. No external resources: the data is embedded as JSON and drawn by an inline script.
///
/// `stories` is the same journey told in one or more languages (the first is shown first); the
/// page has a switch between them, and its `lang` attribute follows the one shown.
pub fn render_html(stories: &[Story]) -> String {
    let Some(first) = stories.first() else {
        return String::new();
    };
    let tellings: Vec<serde_json::Value> = stories
        .iter()
        .map(|story| {
            let lang = story.language();
            serde_json::json!({
                "lang": lang.code(),
                "story": story,
                "glossary": glossary(story),
                "ui": html_words(lang, &story.url),
            })
        })
        .collect();
    let data = serde_json::to_string(&tellings).unwrap_or_else(|_| "[]".to_owned());
    // `</` inside a script element would end it; JSON allows `\/`, so nothing is lost.
    let data = data.replace("</", "<\\/");
    HTML_TEMPLATE
        .replace("{{LANG}}", first.language().code())
        .replace("{{TITLE}}", &escape_html(&first.url))
        .replace("{{DATA}}", &data)
}

/// The page's own words in `lang`, by the names the page's script uses.
fn html_words(lang: Lang, url: &str) -> serde_json::Value {
    let tags = [Source::Wire, Source::Reported, Source::Inferred].map(|s| source_tag(lang, s));
    serde_json::json!({
        "title": t!(lang, "story-title", url = url),
        "status": t!(lang, "html-final-status"),
        "no_response": t!(lang, "html-no-response"),
        "diagram": t!(lang, "html-diagram"),
        "diagram_help": t!(lang, "html-diagram-help"),
        "detail": t!(lang, "html-detail"),
        "click": t!(lang, "html-click"),
        "waterfall": t!(lang, "waterfall-title"),
        "steps": t!(lang, "html-steps"),
        "glossary": t!(lang, "glossary-title"),
        "legend": t!(lang, "story-legend", wire = &tags[0], said = &tags[1], inferred = &tags[2]),
        "wire": &tags[0],
        "reported": &tags[1],
        "inferred": &tags[2],
        "captured": t!(lang, "html-captured"),
        "told": t!(lang, "html-reported"),
        "concluded": t!(lang, "html-inferred"),
        "switch": t!(lang, "html-switch"),
        "roles": {
            "browser": t!(lang, "role-browser"),
            "resolver": t!(lang, "role-resolver"),
            "root": t!(lang, "role-root"),
            "tld": t!(lang, "role-tld"),
            "authoritative": t!(lang, "role-authoritative"),
            "web": t!(lang, "role-web"),
            "was": t!(lang, "role-was"),
            "db": t!(lang, "role-db"),
        },
        "language": t!(lang, "html-language-name"),
    })
}

/// Escapes text for HTML element content and attribute values (the page title).
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const HTML_TEMPLATE: &str = include_str!("story.html");

#[cfg(test)]
mod tests {
    use super::*;

    fn story() -> Story {
        let mut story = Story {
            url: "http://www.google.com/".into(),
            lanes: vec![
                Lane {
                    name: "browser".into(),
                    role: "browser".into(),
                    addr: "127.0.0.10".into(),
                },
                Lane {
                    name: "www.google.com".into(),
                    role: "web".into(),
                    addr: "127.0.0.80:80".into(),
                },
            ],
            messages: vec![Message {
                at_ms: 1.5,
                from: "browser".into(),
                to: "www.google.com".into(),
                protocol: "tcp".into(),
                label: "SYN".into(),
                detail: "seq 0 </script>".into(),
                source: Source::Wire,
            }],
            phases: vec![
                Phase {
                    name: "dns".into(),
                    start_ms: 0.0,
                    end_ms: 2.0,
                },
                Phase {
                    name: "connect".into(),
                    start_ms: 2.0,
                    end_ms: 2.01,
                },
            ],
            ..Story::default()
        };
        story.line(
            1,
            "The browser checks its own DNS cache",
            0.1,
            Source::Reported,
            "miss".into(),
        );
        story.line(3, "HTTP over TCP", 1.5, Source::Wire, "SYN\nseq 0".into());
        story.line(1, "ignored title", 0.2, Source::Reported, "second".into());
        story
    }

    #[test]
    fn lines_join_their_step_in_order() {
        let story = story();
        assert_eq!(story.steps.len(), 2);
        assert_eq!(story.steps[0].lines.len(), 2);
        assert_eq!(story.steps[0].title, "The browser checks its own DNS cache");
    }

    #[test]
    fn text_carries_offsets_sources_and_continuation_lines() {
        let text = render_text(&story());
        assert!(
            text.contains("1. The browser checks its own DNS cache"),
            "{text}"
        );
        // Tags are padded to the widest ("inferred").
        assert!(text.contains("    0.100 ms  said      miss"), "{text}");
        assert!(text.contains("    1.500 ms  wire      SYN\n"), "{text}");
        assert!(text.contains("                        seq 0\n"), "{text}");
        assert!(text.contains("Waterfall"), "{text}");
    }

    #[test]
    fn the_legend_explains_every_tag_before_the_steps() {
        let text = render_text(&story());
        let legend = text.find("How each line is known").expect("a legend");
        assert!(legend < text.find("1. ").unwrap(), "{text}");
        for tag in ["wire =", "said =", "inferred ="] {
            assert!(text.contains(tag), "{tag}: {text}");
        }
    }

    #[test]
    fn the_fault_is_named_before_the_story() {
        let mut story = story();
        story.fault = Some("fault injected: db-down (the database is gone)".into());
        let text = render_text(&story);
        let fault = text.find("fault injected: db-down").expect("the fault");
        assert!(fault < text.find("1. ").unwrap(), "{text}");
    }

    #[test]
    fn the_glossary_explains_only_the_terms_the_story_used() {
        let story = story();
        let glossary = glossary(&story);
        assert!(
            glossary.iter().any(|g| g.starts_with("3 way handshake")),
            "{glossary:?}"
        );
        assert!(
            !glossary.iter().any(|g| g.starts_with("NXDOMAIN")),
            "{glossary:?}"
        );
        let text = render_text(&story);
        assert!(text.contains("\nGlossary\n  - 3 way handshake"), "{text}");
    }

    #[test]
    fn a_korean_story_is_framed_in_korean_and_aligned_by_display_width() {
        let mut story = story();
        story.lang = "ko".into();
        let text = render_text(&story);
        assert!(
            text.contains("http://www.google.com/ 요청의 여정"),
            "{text}"
        );
        assert!(text.contains("워터폴"), "{text}");
        assert!(text.contains("용어 정리"), "{text}");
        // Hangul takes two columns: the tags "패킷" and "보고" are as wide as each other.
        assert!(text.contains("    0.100 ms  보고  miss"), "{text}");
        assert!(text.contains("    1.500 ms  패킷  SYN\n"), "{text}");
        assert_eq!(display_width("패킷"), 4);
        assert_eq!(display_width("wire"), 4);
    }

    #[test]
    fn a_tiny_phase_still_gets_a_cell() {
        let text = render_waterfall(&story().phases, 20);
        let connect = text.lines().find(|l| l.contains("connect")).unwrap();
        assert_eq!(connect.matches('#').count(), 1, "{text}");
        let dns = text.lines().find(|l| l.contains("dns")).unwrap();
        assert_eq!(dns.matches('#').count(), 20, "{text}");
    }

    #[test]
    fn html_embeds_the_data_without_closing_its_script() {
        let html = render_html(&[story()]);
        assert!(html.contains("<title>roundtrip: http://www.google.com/</title>"));
        assert!(!html.contains("seq 0 </script>"));
        assert!(html.contains(r"seq 0 <\/script>"));
        assert_eq!(html.matches("</script>").count(), 1);
    }

    #[test]
    fn html_carries_every_telling_and_starts_in_the_first_language() {
        let english = story();
        let mut korean = story();
        korean.lang = "ko".into();
        let html = render_html(&[korean, english]);
        assert!(html.contains("<html lang=\"ko\">"), "{}", &html[..200]);
        // Both tellings' own words are in the page, for the switch.
        assert!(html.contains("한국어로 보기"));
        assert!(html.contains("Read in English"));
        assert!(html.contains("\"lang\":\"ko\""));
        assert!(html.contains("\"lang\":\"en\""));
    }
}
