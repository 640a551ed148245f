//! Remote HTML made safe to show, with the allow-list Mastodon applies to federated
//! content: paragraphs, line breaks, links, the `h-card`/`mention`/`hashtag` spans and
//! simple inline formatting. Everything else is unwrapped to its text; scripts, styles
//! and event handlers vanish; links get `rel="nofollow noopener noreferrer"`.

use std::collections::HashSet;
use std::sync::OnceLock;

use ammonia::Builder;

/// The classes Mastodon's clients style; any others are dropped.
const ALLOWED_CLASSES: [&str; 8] = [
    "h-card",
    "u-url",
    "mention",
    "hashtag",
    "invisible",
    "ellipsis",
    "quote-inline",
    "mention hashtag",
];

fn cleaner() -> &'static Builder<'static> {
    static CLEANER: OnceLock<Builder<'static>> = OnceLock::new();
    CLEANER.get_or_init(|| {
        let tags: HashSet<&str> = [
            "p",
            "br",
            "span",
            "a",
            "del",
            "s",
            "pre",
            "code",
            "em",
            "strong",
            "b",
            "i",
            "u",
            "ul",
            "ol",
            "li",
            "blockquote",
            "sub",
            "sup",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
        ]
        .into_iter()
        .collect();
        let mut b = Builder::default();
        b.tags(tags)
            .clean_content_tags(["script", "style"].into_iter().collect())
            .generic_attributes(HashSet::new())
            .tag_attributes(
                [
                    ("a", ["href", "class"].into_iter().collect()),
                    ("span", ["class"].into_iter().collect()),
                    ("ol", ["start", "reversed"].into_iter().collect()),
                    ("li", ["value"].into_iter().collect()),
                ]
                .into_iter()
                .collect(),
            )
            .url_schemes(
                [
                    "http", "https", "dat", "dweb", "ipfs", "ipns", "ssb", "gopher", "xmpp",
                    "magnet", "gemini",
                ]
                .into_iter()
                .collect(),
            )
            .link_rel(Some("nofollow noopener noreferrer"))
            .attribute_filter(|_, attr, value| {
                if attr != "class" {
                    return Some(value.into());
                }
                let kept: Vec<&str> = value
                    .split_ascii_whitespace()
                    .filter(|c| ALLOWED_CLASSES.contains(c))
                    .collect();
                (!kept.is_empty()).then(|| kept.join(" ").into())
            });
        b
    })
}

/// Sanitise HTML that came from another server.
pub fn remote_html(html: &str) -> String {
    cleaner().clean(html).to_string()
}

/// Plain text for a name or a summary line: tags stripped, entities kept as text.
pub fn plain_text(html: &str) -> String {
    ammonia::Builder::empty().clean(html).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_handlers_and_unknown_tags_go() {
        let dirty =
            r#"<p onclick="x()">hi <script>alert(1)</script><img src=x onerror=y><b>there</b></p>"#;
        assert_eq!(remote_html(dirty), "<p>hi <b>there</b></p>");
    }

    #[test]
    fn mentions_and_links_survive_with_safe_rel() {
        let html = r#"<p><span class="h-card"><a href="https://b.example/@y" class="u-url mention evil">@<span>y</span></a></span> <a href="javascript:alert(1)">x</a></p>"#;
        let clean = remote_html(html);
        assert!(clean.contains(r#"class="u-url mention""#), "{clean}");
        assert!(
            clean.contains(r#"rel="nofollow noopener noreferrer""#),
            "{clean}"
        );
        assert!(!clean.contains("javascript"), "{clean}");
        assert!(!clean.contains("evil"), "{clean}");
    }

    #[test]
    fn plain_text_drops_every_tag() {
        assert_eq!(plain_text("<b>Ann</b> <i>Example</i>"), "Ann Example");
    }
}
