//! Remote HTML made safe to show, with the allow-list Mastodon applies to federated
//! content: paragraphs, line breaks, links, the `h-card`/`mention`/`hashtag` spans and
//! simple inline formatting. Everything else is unwrapped to its text; scripts, styles
//! and event handlers vanish; links get `rel="nofollow noopener noreferrer"`.
//!
//! Markup nested deeper than [`MAX_HTML_DEPTH`] is not given to the HTML parser: its tree
//! builder looks through the open elements at each tag, so 100,000 nested `<div>`s (half
//! a megabyte) would cost minutes of CPU. Such markup is shown as its text alone.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::sync::OnceLock;

use ammonia::Builder;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use html5ever::{LocalName, TokenizerResult, local_name};

/// How deeply remote markup may nest (as estimated by [`nests_deeper_than`]) and still be
/// parsed as a post; posts nest a handful of levels.
pub const MAX_HTML_DEPTH: usize = 128;
/// The same for a whole web page (a link's preview, a profile link's `rel="me"`), which
/// may leave more elements open (paragraphs, list items) than a post.
pub const MAX_PAGE_DEPTH: usize = 512;

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
    if too_deep(html) {
        let text = escaped_text(html);
        let text = text.trim();
        return if text.is_empty() {
            String::new()
        } else {
            format!("<p>{text}</p>")
        };
    }
    cleaner().clean(html).to_string()
}

/// Plain text for a name or a summary line: tags stripped, entities kept as text.
pub fn plain_text(html: &str) -> String {
    if too_deep(html) {
        return escaped_text(html);
    }
    ammonia::Builder::empty().clean(html).to_string()
}

/// Whether `html` nests deeper than [`MAX_HTML_DEPTH`]: too deep to parse as a post.
pub fn too_deep(html: &str) -> bool {
    nests_deeper_than(html, MAX_HTML_DEPTH)
}

/// Whether `html` nests deeper than `limit`, by an estimate that errs on the deep side:
/// every start tag but a void one opens an element, and an end tag closes only the
/// innermost open element, if it has its name, so what the parser would close implicitly
/// stays open here. (The parser adds a few elements of its own, such as `tbody`, but
/// never more than one or two a level.) In one pass of the tokenizer, which is linear,
/// keeps no stack of its own, and stops at the first level too deep.
pub fn nests_deeper_than(html: &str, limit: usize) -> bool {
    // Each level takes a `<`: short markup cannot nest too deeply, and needs no tokenizing.
    if html.bytes().filter(|&b| b == b'<').count() <= limit {
        return false;
    }
    let sink = Depth {
        limit,
        open: RefCell::default(),
        ending: Cell::new(false),
        stopped: Cell::new(false),
    };
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(html.into());
    match tokenizer.feed(&input) {
        // The sink stops the tokenizer (as a script would) at the first level too deep.
        TokenizerResult::Script(()) => return true,
        TokenizerResult::Done | TokenizerResult::EncodingIndicator(_) => {}
    }
    tokenizer.sink.ending.set(true);
    tokenizer.end();
    tokenizer.sink.stopped.get()
}

struct Depth {
    limit: usize,
    open: RefCell<Vec<LocalName>>,
    /// Set before the tokenizer's end, which must not be stopped.
    ending: Cell<bool>,
    stopped: Cell<bool>,
}

impl TokenSink for Depth {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        if self.stopped.get() {
            return TokenSinkResult::Continue;
        }
        if let Token::TagToken(tag) = token {
            let mut open = self.open.borrow_mut();
            match tag.kind {
                TagKind::StartTag if !is_void(&tag.name) => {
                    open.push(tag.name);
                    if open.len() > self.limit {
                        self.stopped.set(true);
                        if !self.ending.get() {
                            return TokenSinkResult::Script(());
                        }
                    }
                }
                TagKind::EndTag if open.last() == Some(&tag.name) => {
                    open.pop();
                }
                _ => {}
            }
        }
        TokenSinkResult::Continue
    }
}

/// Elements the parser never leaves open.
fn is_void(name: &LocalName) -> bool {
    matches!(
        *name,
        local_name!("area")
            | local_name!("base")
            | local_name!("basefont")
            | local_name!("bgsound")
            | local_name!("br")
            | local_name!("col")
            | local_name!("embed")
            | local_name!("frame")
            | local_name!("hr")
            | local_name!("img")
            | local_name!("input")
            | local_name!("keygen")
            | local_name!("link")
            | local_name!("meta")
            | local_name!("param")
            | local_name!("source")
            | local_name!("track")
            | local_name!("wbr")
    )
}

/// The text of `html` without any of its markup, escaped for HTML: what markup too deep
/// to parse is shown as. Entities are decoded, then the text escaped again.
fn escaped_text(html: &str) -> String {
    #[derive(Default)]
    struct Text(RefCell<String>);

    impl TokenSink for Text {
        type Handle = ();

        fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
            if let Token::CharacterTokens(t) = token {
                let mut out = self.0.borrow_mut();
                for c in t.chars() {
                    match c {
                        '&' => out.push_str("&amp;"),
                        '<' => out.push_str("&lt;"),
                        '>' => out.push_str("&gt;"),
                        '"' => out.push_str("&quot;"),
                        '\u{a0}' => out.push_str("&nbsp;"),
                        c => out.push(c),
                    }
                }
            }
            TokenSinkResult::Continue
        }
    }

    let tokenizer = Tokenizer::new(Text::default(), TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(html.into());
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.0.take()
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

    /// Runs `f` on a thread with a small stack, failing if it takes longer than `limit`.
    fn bounded(limit: std::time::Duration, f: impl FnOnce() + Send + 'static) {
        let start = std::time::Instant::now();
        std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(f)
            .unwrap()
            .join()
            .unwrap();
        assert!(start.elapsed() < limit, "took {:?}", start.elapsed());
    }

    #[test]
    fn markup_nested_100_000_deep_is_shown_as_text_in_bounded_time() {
        for tag in ["div", "b", "blockquote", "ul"] {
            bounded(std::time::Duration::from_secs(30), move || {
                let open = format!("<{tag}>").repeat(100_000);
                let close = format!("</{tag}>").repeat(100_000);
                let html = format!("{open}deep &amp; <i>down</i>{close}");
                assert_eq!(remote_html(&html), "<p>deep &amp; down</p>", "{tag}");
                assert_eq!(plain_text(&html), "deep &amp; down", "{tag}");
            });
        }
    }

    #[test]
    fn tricks_that_keep_elements_open_count_as_depth() {
        let n = 10_000;
        for html in [
            // Self-closing syntax does not close an HTML element.
            "<div/>".repeat(n),
            // An end tag inside an attribute is text.
            r#"<div title="</div>">"#.repeat(n),
            // `</p>` closes the `<b>`s, which the parser reopens at each new one: without
            // the limit, a tree of n²/2 elements.
            (0..n).map(|i| format!("<p><b id={i}></p>x")).collect(),
            // Misnested end tags.
            "<b><i></b>".repeat(n),
            // A list item in a table is kept open.
            "<li><table></li>".repeat(n),
        ] {
            assert!(too_deep(&html), "{:.40}", html);
            bounded(std::time::Duration::from_secs(30), move || {
                let _ = remote_html(&html);
                let _ = plain_text(&html);
            });
        }
    }

    #[test]
    fn ordinary_markup_is_not_too_deep() {
        let post = r#"<p><span class="h-card"><a href="https://b.example/@y" class="u-url mention">@<span>y</span></a></span> hi<br>there</p>"#;
        assert!(!too_deep(&post.repeat(1_000)));
        let flat = "<p>one</p><p>two<br><img src=x></p>".repeat(10_000);
        assert!(!too_deep(&flat));
        assert!(remote_html(&flat).starts_with("<p>one</p><p>two<br></p>"));
        let nested =
            |n: usize| format!("{}x{}", "<blockquote>".repeat(n), "</blockquote>".repeat(n));
        assert!(!too_deep(&nested(MAX_HTML_DEPTH)));
        assert!(remote_html(&nested(MAX_HTML_DEPTH)).starts_with("<blockquote><blockquote>"));
        assert!(too_deep(&nested(MAX_HTML_DEPTH + 1)));
        assert_eq!(remote_html(&nested(MAX_HTML_DEPTH + 1)), "<p>x</p>");
        // The last tag counts; a tag cut short by the end of the text is none.
        assert!(too_deep(&format!("{}<i>", "<b>".repeat(MAX_HTML_DEPTH))));
        assert!(!too_deep(&format!("{}<i", "<b>".repeat(MAX_HTML_DEPTH))));
    }
}
