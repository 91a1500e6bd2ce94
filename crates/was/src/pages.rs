//! The HTML pages: minijinja templates embedded in the binary, rendered with HTML escaping
//! (minijinja escapes every `{{ value }}` of a template whose name ends in `.html`).

use std::sync::LazyLock;

use minijinja::Environment;

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, source) in [
        ("layout.html", include_str!("../templates/layout.html")),
        ("search.html", include_str!("../templates/search.html")),
        ("document.html", include_str!("../templates/document.html")),
        ("error.html", include_str!("../templates/error.html")),
    ] {
        env.add_template(name, source)
            .unwrap_or_else(|err| panic!("template {name} does not parse: {err}"));
    }
    env
});

/// Renders the template `name` with `context`.
pub(crate) fn render(name: &str, context: minijinja::Value) -> Result<String, minijinja::Error> {
    TEMPLATES.get_template(name)?.render(context)
}

#[cfg(test)]
mod tests {
    use minijinja::context;

    #[test]
    fn every_template_parses_and_values_are_escaped() {
        let page = super::render(
            "error.html",
            context! { status => 404, reason => "Not Found", message => "<script>alert(1)</script>", database => "sqlite" },
        )
        .unwrap();
        assert!(
            page.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"),
            "{page}"
        );
        assert!(!page.contains("<script>"), "{page}");
        // Render each template with data, so an unknown filter or a typo fails here.
        let hit = context! { id => 1, title => "A <b>", snippet => vec![context! { text => "x", mark => true }] };
        let page = super::render(
            "search.html",
            context! { query => "a", hits => vec![hit], database => "sqlite" },
        )
        .unwrap();
        assert!(
            page.contains("<mark>x</mark>") && page.contains("A &lt;b&gt;"),
            "{page}"
        );
        let document = context! { id => 1, title => "T", body => "B & C" };
        let page = super::render(
            "document.html",
            context! { document => document, created => true, database => "postgres" },
        )
        .unwrap();
        assert!(
            page.contains("B &amp; C") && page.contains("Document added"),
            "{page}"
        );
    }
}
