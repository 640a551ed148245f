//! Status text → Mastodon-compatible HTML, plus mention/hashtag extraction
//! and the status length count.
//!
//! Everything here mirrors Mastodon's Ruby pipeline so that clients and
//! remote servers see the same markup and the same limits as they would from
//! Mastodon itself:
//!
//! * `Extractor` (twitter-text plus Mastodon's overrides) finds URLs,
//!   hashtags and mentions; overlapping entities are dropped, earliest wins,
//!   which is how a `#fragment` or `@user` inside a URL stays part of it.
//! * `TextFormatter#to_s` rewrites the entities and HTML-escapes the rest,
//!   then Rails' `simple_format` builds `<p>`/`<br />` and newlines are
//!   removed.
//! * `StatusLengthValidator#countable_text` gives every URL a fixed 23
//!   characters and counts remote mentions without their domain.
//!
//! Offsets are byte offsets into the (normalised) text; Ruby uses character
//! offsets, but the two are interchangeable as long as they are never mixed.

use std::collections::HashSet;
use std::sync::LazyLock;

use linkify::{LinkFinder, LinkKind};
use regex::Regex;

// ---------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------

/// `@user` or `@user@domain` as written in the text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Handle {
    pub username: String,
    pub domain: Option<String>,
}

/// A mention the caller resolved to an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedMention {
    /// Profile URL, e.g. `https://example.com/@alice`.
    pub url: String,
}

// ---------------------------------------------------------------------------
// Limits (Mastodon constants)
// ---------------------------------------------------------------------------

/// `StatusLengthValidator::URL_PLACEHOLDER_CHARS`; also what clients read as
/// `configuration.statuses.characters_reserved_per_url`.
pub const URL_PLACEHOLDER_CHARS: usize = 23;

/// `TextFormatter.shortened_link` shows this many characters of a URL
/// (after scheme and `www.`) before hiding the rest behind an ellipsis.
const DISPLAY_URL_CHARS: usize = 30;

/// `Account::USERNAME_LENGTH_LIMIT`. Longer `@names` are not treated as
/// mentions at all (rather than truncated, which would mention someone else).
const MAX_USERNAME_CHARS: usize = 30;

/// `Extractor::MAX_DOMAIN_LENGTH`: longer domains cannot be real hosts.
const MAX_DOMAIN_CHARS: usize = 253;

// ---------------------------------------------------------------------------
// Patterns
// ---------------------------------------------------------------------------
//
// Ruby's POSIX classes are Unicode-aware while the `regex` crate's are
// ASCII-only, so Onigmo's definitions are spelled out with `\p{..}`:
// `[[:word:]]` = L | M | Nd | Pc and `[[:alpha:]]` = L | M.

/// Onigmo's `[[:word:]]`, for use inside a character class.
const WORD: &str = r"\p{L}\p{M}\p{Nd}\p{Pc}";
/// Onigmo's `[[:alpha:]]`, for use inside a character class.
const ALPHA: &str = r"\p{L}\p{M}";
/// `Tag::HASHTAG_SEPARATORS`: underscore, middle dot, katakana middle dot, ZWNJ.
const HASHTAG_SEPARATORS: &str = r"_\x{00B7}\x{30FB}\x{200C}";

/// Compiles a pattern once. The patterns are literals covered by the
/// `patterns_compile` test; should one ever fail anyway, the feature it
/// drives degrades to "finds nothing" instead of panicking a request.
fn compile(pattern: &str) -> Option<Regex> {
    Regex::new(pattern).ok()
}

/// `Account::MENTION_RE` without its look-behind `(?<![=/[:word:]])`, which
/// the `regex` crate lacks; [`mention_may_follow`] applies it by hand.
/// Group 1 is the screen name, 2 the username, 3 the domain (with a port, unlike
/// Mastodon's, so servers on development ports can mention each other).
static MENTION_RE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    compile(&format!(
        r"@(([A-Za-z0-9_]+(?:[.-]+[A-Za-z0-9_]+)*)(?:@([{WORD}]+(?:[.-]+[{WORD}]+)*(?::[0-9]{{1,5}})?))?)"
    ))
});

/// `Tag::HASHTAG_RE` without its leading `(?:^|[^\/\)\w])`, which
/// [`hashtag_may_follow`] applies. Group 1 is the name.
static HASHTAG_RE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    let w = WORD;
    let a = ALPHA;
    let s = HASHTAG_SEPARATORS;
    let first = format!("[{w}_][{w}{s}]*[{a}{s}][{w}{s}]*[{w}_]");
    let last = format!("[{w}_]*[{a}][{w}_]*");
    compile(&format!("#((?:{first})|(?:{last}))"))
});

/// A single Onigmo `[[:word:]]` character.
static WORD_CHAR_RE: LazyLock<Option<Regex>> = LazyLock::new(|| compile(&format!(r"\A[{WORD}]\z")));

/// Finds URL candidates; http(s) filtering and twitter-text's edge rules are
/// applied on top in [`extract_urls`].
static LINK_FINDER: LazyLock<LinkFinder> = LazyLock::new(|| {
    let mut finder = LinkFinder::new();
    finder.kinds(&[LinkKind::Url]);
    finder.url_must_have_scheme(true);
    finder
});

// ---------------------------------------------------------------------------
// Entities
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Url,
    Hashtag(String),
    /// `written` is the screen name exactly as typed (`user` or `user@domain`).
    Mention {
        handle: Handle,
        written: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entity {
    start: usize,
    end: usize,
    kind: Kind,
}

/// twitter-text's `remove_overlapping_entities`: sort by start, then drop any
/// entity that begins before the last kept one ends.
fn remove_overlapping(mut entities: Vec<Entity>) -> Vec<Entity> {
    entities.sort_by_key(|e| e.start);
    let mut kept: Vec<Entity> = Vec::with_capacity(entities.len());
    for entity in entities {
        if kept.last().is_none_or(|prev| prev.end <= entity.start) {
            kept.push(entity);
        }
    }
    kept
}

/// All entities the formatter links, overlap-free, in text order.
fn all_entities(text: &str) -> Vec<Entity> {
    let mut entities = extract_urls(text);
    entities.extend(extract_hashtags(text));
    entities.extend(extract_mentions(text));
    remove_overlapping(entities)
}

fn char_before(text: &str, at: usize) -> Option<char> {
    text[..at].chars().next_back()
}

fn is_word_char(c: char) -> bool {
    let mut buf = [0u8; 4];
    WORD_CHAR_RE
        .as_ref()
        .is_some_and(|re| re.is_match(c.encode_utf8(&mut buf)))
}

// --- URLs ------------------------------------------------------------------

/// twitter-text's `valid_url_preceding_chars`: a URL glued to a letter,
/// digit, `@`, `$` or `#` is not a link.
fn url_may_follow(prev: Option<char>) -> bool {
    match prev {
        None => true,
        Some(c) => {
            !(c.is_ascii_alphanumeric()
                || matches!(
                    c,
                    '@' | '＠' | '$' | '#' | '＃' | '\u{FFFE}' | '\u{FEFF}' | '\u{FFFF}'
                ))
        }
    }
}

/// Characters Mastodon's `valid_url_path_ending_chars` refuses at the end of
/// a path, so "see https://x.com/a." does not swallow the full stop.
const BAD_PATH_END: &str = "(?!*\"'「」<>;:=,.$%[]~&|@";

fn bad_path_end(c: char) -> bool {
    c.is_whitespace() || BAD_PATH_END.contains(c)
}

/// Mastodon's `valid_url_query_ending_chars` (`UCHARS` approximated as
/// "anything from U+00A0 up").
fn good_query_end(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '&' | '=' | '#' | '/' | '-') || c >= '\u{A0}'
}

/// Cuts a linkify match down to what twitter-text's `valid_url` would take.
/// `url` starts at the scheme; returns the kept byte length.
fn twitter_url_len(url: &str, authority_start: usize) -> usize {
    let rest = &url[authority_start..];
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority_end = authority_start + authority_len;
    // Path and query never contain `<` or `>` in twitter-text, and a
    // fragment straight after the host (no `/`) is not part of the URL.
    let mut end = url[authority_end..]
        .find(['<', '>'])
        .map_or(url.len(), |i| authority_end + i);
    if url[authority_end..end].starts_with('#') {
        end = authority_end;
    }
    // Path characters exclude `?`, so the first one starts the query.
    let query_start = url[authority_end..end].find('?').map(|q| authority_end + q);
    while end > authority_end {
        let Some(last) = url[..end].chars().next_back() else {
            break;
        };
        let keep = if query_start.is_some_and(|q| q < end) {
            good_query_end(last)
        } else {
            last == ')' || !bad_path_end(last)
        };
        if keep {
            break;
        }
        end -= last.len_utf8();
    }
    end
}

/// http(s) URLs as Mastodon links them (`extract_url_without_protocol: false`).
fn extract_urls(text: &str) -> Vec<Entity> {
    let mut out = Vec::new();
    for link in LINK_FINDER.links(text) {
        let found = link.as_str();
        let Some(sep) = found.find("://") else {
            continue;
        };
        // linkify may start the scheme early ("x-https://"); twitter-text
        // only knows `https?://`, so re-anchor on it and check what precedes.
        let scheme_part = &found[..sep];
        let lower = scheme_part.to_ascii_lowercase();
        let scheme_len = if lower.ends_with("https") {
            5
        } else if lower.ends_with("http") {
            4
        } else {
            continue;
        };
        let start = link.start() + sep - scheme_len;
        if !url_may_follow(char_before(text, start)) {
            continue;
        }
        let url = &text[start..link.end()];
        let len = twitter_url_len(url, scheme_len + 3);
        if len <= scheme_len + 3 {
            continue;
        }
        out.push(Entity {
            start,
            end: start + len,
            kind: Kind::Url,
        });
    }
    out
}

// --- Hashtags --------------------------------------------------------------

/// `Tag::HASHTAG_RE`'s `(?:^|[^\/\)\w])`; Ruby's `\w` is ASCII-only here,
/// so a tag glued to CJK text ("日本語#タグ") still counts.
fn hashtag_may_follow(prev: Option<char>) -> bool {
    match prev {
        None => true,
        Some(c) => !(c == '/' || c == ')' || c.is_ascii_alphanumeric() || c == '_'),
    }
}

fn extract_hashtags(text: &str) -> Vec<Entity> {
    let Some(re) = HASHTAG_RE.as_ref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(caps) = re.captures_at(text, from) {
        let (Some(whole), Some(name)) = (caps.get(0), caps.get(1)) else {
            break;
        };
        if !hashtag_may_follow(char_before(text, whole.start())) {
            // Emulate the look-behind: retry from the next character, not
            // the end of the match.
            from = whole.start() + 1;
            continue;
        }
        from = whole.end();
        let mut name = name.as_str();
        // Mastodon's `Extractor`: "#taghttps://…" is the tag "tag"
        // followed by a URL, not the tag "taghttps".
        if text[whole.end()..].starts_with("://") {
            for scheme in ["https", "http"] {
                if let Some(stripped) = name.strip_suffix(scheme)
                    && !stripped.is_empty()
                {
                    name = stripped;
                    break;
                }
            }
        }
        out.push(Entity {
            start: whole.start(),
            end: whole.start() + 1 + name.len(),
            kind: Kind::Hashtag(name.to_owned()),
        });
    }
    out
}

// --- Mentions --------------------------------------------------------------

/// `Account::MENTION_RE`'s `(?<![=/[:word:]])`: keeps e-mail addresses and
/// `?user=@x` query strings from becoming mentions.
fn mention_may_follow(prev: Option<char>) -> bool {
    match prev {
        None => true,
        Some(c) => !(c == '=' || c == '/' || is_word_char(c)),
    }
}

/// twitter-text's `latin_accents`, used by `end_mention_match`.
fn is_latin_accent(c: char) -> bool {
    matches!(c,
        '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{FF}'
        | '\u{100}'..='\u{24F}' | '\u{253}' | '\u{254}' | '\u{256}' | '\u{257}'
        | '\u{259}' | '\u{25B}' | '\u{263}' | '\u{268}' | '\u{26F}' | '\u{272}'
        | '\u{289}' | '\u{28B}' | '\u{2BB}' | '\u{300}'..='\u{36F}'
        | '\u{1E00}'..='\u{1EFF}')
}

/// twitter-text's `end_mention_match`: "@josé", "@a@b@c" and "@x://" are not
/// mentions of a shorter name.
fn mention_ends_badly(after: &str) -> bool {
    after.starts_with("://")
        || after
            .chars()
            .next()
            .is_some_and(|c| c == '@' || c == '＠' || is_latin_accent(c))
}

fn extract_mentions(text: &str) -> Vec<Entity> {
    let Some(re) = MENTION_RE.as_ref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(caps) = re.captures_at(text, from) {
        let (Some(whole), Some(written), Some(username)) = (caps.get(0), caps.get(1), caps.get(2))
        else {
            break;
        };
        if !mention_may_follow(char_before(text, whole.start())) {
            from = whole.start() + 1;
            continue;
        }
        from = whole.end();
        let domain = caps.get(3).map(|m| m.as_str());
        if mention_ends_badly(&text[whole.end()..])
            || username.as_str().chars().count() > MAX_USERNAME_CHARS
            || domain.is_some_and(|d| d.chars().count() > MAX_DOMAIN_CHARS)
        {
            continue;
        }
        out.push(Entity {
            start: whole.start(),
            end: whole.end(),
            kind: Kind::Mention {
                handle: Handle {
                    username: username.as_str().to_owned(),
                    domain: domain.map(str::to_owned),
                },
                written: written.as_str().to_owned(),
            },
        });
    }
    out
}

// ---------------------------------------------------------------------------
// Text helpers (Ruby semantics)
// ---------------------------------------------------------------------------

/// `ERB::Util.html_escape`.
fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

/// The text of sanitised HTML, as a person reads it: entities decoded, one line per
/// paragraph or break. For places that are not HTML (push notifications, the search
/// index, page titles), which escape it again if and where they make HTML.
pub fn html_to_text(html: &str) -> String {
    let spaced = html
        .replace("</p>", "</p>\n")
        .replace("<br>", "\n")
        .replace("<br/>", "\n")
        .replace("<br />", "\n");
    let fragment = scraper::Html::parse_fragment(&spaced);
    fragment.root_element().text().collect::<String>()
}

/// Plain text made safe to put in HTML, once.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s);
    out
}

/// `Status#prepare_contents` strips with Ruby's `String#strip`, which only
/// knows ASCII whitespace and NUL (a leading NBSP or U+3000 survives).
fn ruby_strip(text: &str) -> &str {
    text.trim_matches(|c| matches!(c, '\0' | '\t' | '\n' | '\x0B' | '\x0C' | '\r' | ' '))
}

/// `String#blank?`: empty or only Unicode whitespace.
fn is_blank(text: &str) -> bool {
    text.chars().all(char::is_whitespace)
}

/// Rails' `simple_format` line handling: `\r\n` and lone `\r` become `\n`.
fn normalize_newlines(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// The text Mastodon would store and then format or count.
fn prepared(text: &str) -> Option<String> {
    if is_blank(text) {
        return None;
    }
    Some(normalize_newlines(ruby_strip(text)))
}

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

/// Handles mentioned, in order of first appearance, deduplicated
/// (case-insensitive on username and domain). Handles inside URLs are not
/// mentions, matching what [`render`] links.
pub fn mentions(text: &str) -> Vec<Handle> {
    let mut seen = HashSet::new();
    all_entities(text)
        .into_iter()
        .filter_map(|e| match e.kind {
            Kind::Mention { handle, .. } => Some(handle),
            _ => None,
        })
        .filter(|h| {
            seen.insert((
                h.username.to_lowercase(),
                h.domain.as_ref().map(|d| d.to_lowercase()),
            ))
        })
        .collect()
}

/// Hashtag names as written (without `#`), in order, deduplicated
/// case-insensitively. Tags inside URLs are skipped, as [`render`] does.
pub fn hashtags(text: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    all_entities(text)
        .into_iter()
        .filter_map(|e| match e.kind {
            Kind::Hashtag(name) => Some(name),
            _ => None,
        })
        .filter(|name| seen.insert(name.to_lowercase()))
        .collect()
}

/// Characters counted against the status limit: every URL is 23, a remote
/// mention counts as `@user`, everything else one per `char`.
///
/// Mastodon's server counts grapheme clusters, its web composer code points;
/// code points are never fewer, so a post accepted here is accepted there.
/// The caller adds the content warning's `chars().count()` itself, as
/// Mastodon counts `spoiler_text + text`.
pub fn counted_length(text: &str) -> usize {
    let Some(text) = prepared(text) else {
        return 0;
    };
    // Hashtags do not take part in the validator's overlap removal.
    let mut entities = extract_urls(&text);
    entities.extend(extract_mentions(&text));
    let entities = remove_overlapping(entities);

    let mut count = 0;
    let mut last = 0;
    for entity in entities {
        count += text[last..entity.start].chars().count();
        count += match &entity.kind {
            Kind::Url => URL_PLACEHOLDER_CHARS,
            Kind::Mention { handle, .. } => 1 + handle.username.chars().count(),
            Kind::Hashtag(_) => text[entity.start..entity.end].chars().count(),
        };
        last = entity.end;
    }
    count + text[last..].chars().count()
}

/// Render plain text as HTML. `resolve` maps a handle to its account's profile
/// URL (`None` leaves it as escaped text, as Mastodon does for unknown
/// accounts); like Mastodon's `local_domain?` check, it should treat
/// `@user@<our own domain>` as the local `@user`. `tag_url` maps a hashtag
/// name to its URL.
pub fn render(
    text: &str,
    resolve: &dyn Fn(&Handle) -> Option<ResolvedMention>,
    tag_url: &dyn Fn(&str) -> String,
) -> String {
    let Some(text) = prepared(text) else {
        return String::new();
    };

    let mut html = String::with_capacity(text.len() * 2);
    let mut last = 0;
    for entity in all_entities(&text) {
        escape_into(&mut html, &text[last..entity.start]);
        let source = &text[entity.start..entity.end];
        match &entity.kind {
            Kind::Url => html.push_str(&link_to_url(source)),
            Kind::Hashtag(name) => html.push_str(&link_to_hashtag(name, &tag_url(name))),
            Kind::Mention { handle, written } => match resolve(handle) {
                Some(account) => html.push_str(&link_to_mention(&handle.username, &account.url)),
                None => {
                    html.push('@');
                    escape_into(&mut html, written);
                }
            },
        }
        last = entity.end;
    }
    escape_into(&mut html, &text[last..]);

    simple_format(&html)
}

// ---------------------------------------------------------------------------
// Markup (TextFormatter)
// ---------------------------------------------------------------------------

/// `TextFormatter.shortened_link`: the scheme and `www.` are hidden, the
/// next 30 characters shown, anything longer hidden behind an ellipsis.
/// The prefix match is case-sensitive, as in Mastodon.
fn link_to_url(url: &str) -> String {
    let prefix_len = ["https://www.", "http://www.", "https://", "http://"]
        .iter()
        .find(|p| url.starts_with(*p))
        .map_or(0, |p| p.len());
    let (prefix, rest) = url.split_at(prefix_len);
    let split = rest
        .char_indices()
        .nth(DISPLAY_URL_CHARS)
        .map_or(rest.len(), |(i, _)| i);
    let (display, suffix) = rest.split_at(split);
    let class = if suffix.is_empty() { "" } else { "ellipsis" };
    format!(
        r#"<a href="{}" target="_blank" rel="nofollow noopener" translate="no"><span class="invisible">{}</span><span class="{class}">{}</span><span class="invisible">{}</span></a>"#,
        escape(url),
        escape(prefix),
        escape(display),
        escape(suffix),
    )
}

fn link_to_hashtag(name: &str, url: &str) -> String {
    format!(
        r#"<a href="{}" class="mention hashtag" rel="tag">#<span>{}</span></a>"#,
        escape(url),
        escape(name),
    )
}

/// Only the username is shown, even for remote accounts (Mastodon adds the
/// domain only when two mentioned accounts share a username).
fn link_to_mention(username: &str, url: &str) -> String {
    format!(
        r#"<span class="h-card" translate="no"><a href="{}" class="u-url mention">@<span>{}</span></a></span>"#,
        escape(url),
        escape(username),
    )
}

/// Rails' `simple_format(html, {}, sanitize: false).delete("\n")`: blank
/// lines separate paragraphs, a newline between two non-newline characters
/// becomes `<br />`, and every remaining newline is dropped.
fn simple_format(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + 16);
    let mut paragraphs: Vec<&str> = split_paragraphs(html);
    // Ruby's `split` drops trailing empty fields.
    while paragraphs.last().is_some_and(|p| p.is_empty()) {
        paragraphs.pop();
    }
    if paragraphs.is_empty() {
        return "<p></p>".to_owned();
    }
    for paragraph in paragraphs {
        out.push_str("<p>");
        let mut prev: Option<char> = None;
        let mut chars = paragraph.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\n' {
                let next = chars.peek().copied();
                if prev.is_some_and(|p| p != '\n') && next.is_some_and(|n| n != '\n') {
                    out.push_str("<br />");
                }
            } else {
                out.push(c);
            }
            prev = Some(c);
        }
        out.push_str("</p>");
    }
    out
}

/// Splits on runs of two or more newlines (`/\n\n+/`).
fn split_paragraphs(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\n' && bytes.get(i + 1) == Some(&b'\n') {
            parts.push(&text[start..i]);
            while bytes.get(i) == Some(&b'\n') {
                i += 1;
            }
            start = i;
        } else {
            i += 1;
        }
    }
    parts.push(&text[start..]);
    parts
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_the_text_a_person_reads() {
        assert_eq!(html_to_text("<p>a &amp; b &lt;c&gt;</p>"), "a & b <c>\n");
        assert_eq!(
            html_to_text("<p>Hello <b>world</b></p><p>first<br>second</p>"),
            "Hello world\nfirst\nsecond\n"
        );
    }

    fn no_accounts(_: &Handle) -> Option<ResolvedMention> {
        None
    }

    fn tag_url(name: &str) -> String {
        format!("https://example.com/tags/{name}")
    }

    /// Resolves `alice` locally and `bob@remote.example` remotely.
    fn accounts(h: &Handle) -> Option<ResolvedMention> {
        match (h.username.to_lowercase().as_str(), h.domain.as_deref()) {
            ("alice", None) => Some(ResolvedMention {
                url: "https://example.com/@alice".into(),
            }),
            ("bob", Some(d)) if d.eq_ignore_ascii_case("remote.example") => Some(ResolvedMention {
                url: "https://remote.example/@bob".into(),
            }),
            _ => None,
        }
    }

    fn plain(text: &str) -> String {
        render(text, &no_accounts, &tag_url)
    }

    fn full(text: &str) -> String {
        render(text, &accounts, &tag_url)
    }

    fn link(href: &str, prefix: &str, display: &str, suffix: &str) -> String {
        let class = if suffix.is_empty() { "" } else { "ellipsis" };
        format!(
            r#"<a href="{href}" target="_blank" rel="nofollow noopener" translate="no"><span class="invisible">{prefix}</span><span class="{class}">{display}</span><span class="invisible">{suffix}</span></a>"#
        )
    }

    fn handle(username: &str, domain: Option<&str>) -> Handle {
        Handle {
            username: username.into(),
            domain: domain.map(Into::into),
        }
    }

    #[test]
    fn text_that_looks_nested_is_rendered_flat_in_bounded_time() {
        let start = std::time::Instant::now();
        for text in [
            "(".repeat(100_000),
            format!("https://a.example/{}", "(".repeat(100_000)),
            format!(
                "https://a.example/{}{}",
                "(".repeat(50_000),
                ")".repeat(50_000)
            ),
            "<b>".repeat(100_000),
            "[".repeat(100_000),
            "*_".repeat(100_000),
            "#a".repeat(100_000),
            "@a".repeat(100_000),
        ] {
            let html = plain(&text);
            assert!(!html.contains("<b>"), "{html:.100}");
            counted_length(&text);
        }
        assert!(start.elapsed().as_secs() < 60, "{:?}", start.elapsed());
    }

    #[test]
    fn patterns_compile() {
        assert!(MENTION_RE.is_some());
        assert!(HASHTAG_RE.is_some());
        assert!(WORD_CHAR_RE.is_some());
    }

    // --- paragraphs, whitespace, escaping -------------------------------

    #[test]
    fn empty_and_blank_render_nothing() {
        assert_eq!(plain(""), "");
        assert_eq!(plain("  \n\t \r\n "), "");
        assert_eq!(plain("\u{3000}"), "");
    }

    #[test]
    fn single_line_is_one_paragraph() {
        assert_eq!(plain("hello world"), "<p>hello world</p>");
    }

    #[test]
    fn paragraphs_and_line_breaks() {
        assert_eq!(
            plain("line one\nline two\n\nsecond para"),
            "<p>line one<br />line two</p><p>second para</p>"
        );
        assert_eq!(plain("a\n\n\n\nb"), "<p>a</p><p>b</p>");
        assert_eq!(plain("a\nb\nc"), "<p>a<br />b<br />c</p>");
    }

    #[test]
    fn crlf_and_cr_are_normalised() {
        assert_eq!(plain("a\r\nb\r\n\r\nc"), "<p>a<br />b</p><p>c</p>");
        assert_eq!(plain("a\rb"), "<p>a<br />b</p>");
    }

    #[test]
    fn surrounding_whitespace_is_trimmed() {
        assert_eq!(plain("  \n\nhello\n \n"), "<p>hello</p>");
    }

    #[test]
    fn whitespace_only_paragraph_is_kept_like_rails() {
        assert_eq!(plain("a\n\n \n\nb"), "<p>a</p><p> </p><p>b</p>");
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            plain(r#"<script>alert("x") & 'y'</script>"#),
            "<p>&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;</p>"
        );
    }

    #[test]
    fn unicode_text_passes_through() {
        assert_eq!(plain("こんにちは 世界 😀"), "<p>こんにちは 世界 😀</p>");
    }

    // --- URLs -------------------------------------------------------------

    #[test]
    fn short_url() {
        assert_eq!(
            plain("see https://example.com/path ok"),
            format!(
                "<p>see {} ok</p>",
                link(
                    "https://example.com/path",
                    "https://",
                    "example.com/path",
                    ""
                )
            )
        );
    }

    #[test]
    fn long_url_is_split_with_ellipsis() {
        let url = "https://example.com/a/very/long/path/that/goes/on/and/on";
        assert_eq!(
            plain(url),
            format!(
                "<p>{}</p>",
                link(
                    url,
                    "https://",
                    "example.com/a/very/long/path/t",
                    "hat/goes/on/and/on"
                )
            )
        );
    }

    #[test]
    fn exactly_thirty_display_chars_has_no_ellipsis() {
        let url = "http://abcdefghijklmnopqrstuvwxyz.com";
        assert_eq!("abcdefghijklmnopqrstuvwxyz.com".len(), 30);
        assert_eq!(
            plain(url),
            format!(
                "<p>{}</p>",
                link(url, "http://", "abcdefghijklmnopqrstuvwxyz.com", "")
            )
        );
    }

    #[test]
    fn www_goes_into_the_invisible_prefix() {
        assert_eq!(
            plain("https://www.example.com/"),
            format!(
                "<p>{}</p>",
                link(
                    "https://www.example.com/",
                    "https://www.",
                    "example.com/",
                    ""
                )
            )
        );
    }

    #[test]
    fn href_and_display_are_escaped() {
        let html = plain("https://example.com/?a=1&b=2");
        assert_eq!(
            html,
            format!(
                "<p>{}</p>",
                link(
                    "https://example.com/?a=1&amp;b=2",
                    "https://",
                    "example.com/?a=1&amp;b=2",
                    ""
                )
            )
        );
    }

    #[test]
    fn trailing_punctuation_is_not_part_of_url() {
        assert_eq!(
            plain("Go to https://example.com/a."),
            format!(
                "<p>Go to {}.</p>",
                link("https://example.com/a", "https://", "example.com/a", "")
            )
        );
        assert_eq!(
            plain("(https://example.com/a)"),
            format!(
                "<p>({})</p>",
                link("https://example.com/a", "https://", "example.com/a", "")
            )
        );
    }

    #[test]
    fn balanced_parentheses_stay_in_url() {
        let url = "https://en.wikipedia.org/wiki/Rust_(language)";
        assert!(plain(url).contains(&format!(r#"href="{url}""#)));
    }

    #[test]
    fn only_http_and_https_are_linked() {
        assert_eq!(plain("ftp://example.com/x"), "<p>ftp://example.com/x</p>");
        assert_eq!(plain("example.com/x"), "<p>example.com/x</p>");
        assert_eq!(plain("www.example.com"), "<p>www.example.com</p>");
    }

    #[test]
    fn uppercase_scheme_is_linked_without_hidden_prefix() {
        let html = plain("HTTPS://EXAMPLE.COM");
        assert_eq!(
            html,
            format!(
                "<p>{}</p>",
                link("HTTPS://EXAMPLE.COM", "", "HTTPS://EXAMPLE.COM", "")
            )
        );
    }

    #[test]
    fn url_glued_to_a_word_is_not_linked() {
        assert_eq!(
            plain("foohttps://example.com"),
            "<p>foohttps://example.com</p>"
        );
        assert_eq!(plain("$https://example.com"), "<p>$https://example.com</p>");
    }

    #[test]
    fn fragment_and_at_inside_url_are_not_entities() {
        let text = "read https://example.com/a-@bob-#tag-x and https://example.com/@alice#frag";
        assert!(mentions(text).is_empty());
        assert!(hashtags(text).is_empty());
        let html = full(text);
        assert!(!html.contains("mention"), "{html}");
        assert!(
            html.contains(r#"href="https://example.com/a-@bob-#tag-x""#),
            "{html}"
        );
        assert!(
            html.contains(r#"href="https://example.com/@alice#frag""#),
            "{html}"
        );
    }

    #[test]
    fn url_with_non_ascii_path_counts_display_by_chars() {
        let url = "https://example.com/日本語日本語日本語日本語日本語日本語日本語";
        let html = plain(url);
        assert!(
            html.contains(r#"<span class="ellipsis">example.com/日本語日本語日本語日本語日本語日本語</span><span class="invisible">日本語</span>"#),
            "{html}"
        );
    }

    // --- mentions ---------------------------------------------------------

    #[test]
    fn unresolved_mention_stays_text() {
        assert_eq!(plain("hi @nobody!"), "<p>hi @nobody!</p>");
        assert_eq!(
            plain("hi @carol@elsewhere.example"),
            "<p>hi @carol@elsewhere.example</p>"
        );
    }

    #[test]
    fn local_mention_resolves() {
        assert_eq!(
            full("hi @alice."),
            r#"<p>hi <span class="h-card" translate="no"><a href="https://example.com/@alice" class="u-url mention">@<span>alice</span></a></span>.</p>"#
        );
    }

    #[test]
    fn remote_mention_shows_username_only() {
        assert_eq!(
            full("@bob@remote.example hello"),
            r#"<p><span class="h-card" translate="no"><a href="https://remote.example/@bob" class="u-url mention">@<span>bob</span></a></span> hello</p>"#
        );
    }

    #[test]
    fn mention_keeps_case_as_written() {
        assert!(full("(@Alice)").contains("@<span>Alice</span>"));
    }

    #[test]
    fn mention_url_is_escaped() {
        let resolve = |_: &Handle| {
            Some(ResolvedMention {
                url: r#"https://x.example/@a"b"#.into(),
            })
        };
        assert!(render("@a", &resolve, &tag_url).contains(r#"href="https://x.example/@a&quot;b""#));
    }

    #[test]
    fn email_is_not_a_mention() {
        assert!(mentions("write to alice@example.com").is_empty());
        assert_eq!(
            full("write to alice@example.com"),
            "<p>write to alice@example.com</p>"
        );
    }

    #[test]
    fn mentions_are_extracted_in_order_and_deduplicated() {
        assert_eq!(
            mentions("@alice @bob@Remote.Example @ALICE @bob@remote.example @bob"),
            vec![
                handle("alice", None),
                handle("bob", Some("Remote.Example")),
                handle("bob", None),
            ]
        );
    }

    #[test]
    fn mention_boundaries() {
        // Trailing dot and dash are not part of the username or domain.
        assert_eq!(
            mentions("@a.b-c. @d@e.example."),
            vec![handle("a.b-c", None), handle("d", Some("e.example"))]
        );
        // Not after `=`, `/` or a word character (Unicode-aware).
        assert!(mentions("?u=@alice /@alice é@alice").is_empty());
        // After punctuation and CJK punctuation it is fine.
        assert_eq!(mentions("「@alice」"), vec![handle("alice", None)]);
    }

    #[test]
    fn twitter_end_mention_rules() {
        assert!(mentions("@josé").is_empty());
        assert!(mentions("@a@b@c").is_empty());
        assert!(mentions("@alice://x").is_empty());
    }

    #[test]
    fn overlong_usernames_are_not_mentions() {
        let ok = "a".repeat(30);
        let long = "a".repeat(31);
        assert_eq!(mentions(&format!("@{ok}")), vec![handle(&ok, None)]);
        assert!(mentions(&format!("@{long}")).is_empty());
        assert!(mentions(&format!("@{long}@remote.example")).is_empty());
    }

    // --- hashtags ---------------------------------------------------------

    #[test]
    fn hashtag_renders() {
        assert_eq!(
            plain("I like #Rust!"),
            r#"<p>I like <a href="https://example.com/tags/Rust" class="mention hashtag" rel="tag">#<span>Rust</span></a>!</p>"#
        );
    }

    #[test]
    fn hashtags_dedupe_and_reject_all_digits() {
        assert_eq!(
            hashtags("#rust #Rust #123 #abc123 #RUST #4ever"),
            vec!["rust", "abc123", "4ever"]
        );
        assert_eq!(plain("#123"), "<p>#123</p>");
    }

    #[test]
    fn hashtag_boundaries() {
        assert_eq!(hashtags("foo#bar a/#b x)#c _#d"), Vec::<String>::new());
        assert_eq!(hashtags("(#yes) ##two"), vec!["yes", "two"]);
        // Ruby's `\w` is ASCII, so CJK text may touch the tag.
        assert_eq!(hashtags("日本語#タグ"), vec!["タグ"]);
    }

    #[test]
    fn hashtag_separators() {
        assert_eq!(hashtags("#foo·bar #a_b #x·"), vec!["foo·bar", "a_b", "x"]);
        assert_eq!(hashtags("#中文 #Ελληνικά"), vec!["中文", "Ελληνικά"]);
    }

    #[test]
    fn hashtag_glued_to_url_scheme_is_split() {
        assert_eq!(hashtags("#taghttps://example.com"), vec!["tag"]);
    }

    // --- counted length ---------------------------------------------------

    #[test]
    fn url_counts_as_23() {
        let url = format!("https://example.com/{}", "a".repeat(100 - 20));
        assert_eq!(url.chars().count(), 100);
        assert_eq!(counted_length(&url), 23);
        assert_eq!(counted_length(&format!("look {url} !")), 5 + 23 + 2);
    }

    #[test]
    fn remote_mention_counts_without_domain() {
        assert_eq!(counted_length("@bob@remote.example"), 4);
        assert_eq!(counted_length("hi @bob@remote.example"), 7);
        assert_eq!(counted_length("@alice"), 6);
    }

    #[test]
    fn unicode_counts_by_char() {
        assert_eq!(counted_length("😀😀😀"), 3);
        assert_eq!(counted_length("日本語のテキスト"), 8);
        // A skin-tone emoji is two code points (Mastodon's web composer agrees).
        assert_eq!(counted_length("👍🏽"), 2);
    }

    #[test]
    fn count_ignores_surrounding_whitespace_and_blank() {
        assert_eq!(counted_length("   "), 0);
        assert_eq!(counted_length("  hello \n"), 5);
        assert_eq!(counted_length("a\r\nb"), 3);
    }

    #[test]
    fn mention_inside_url_is_not_shortened() {
        assert_eq!(
            counted_length("https://example.com/a-@bob@remote.example"),
            23
        );
        assert_eq!(counted_length("a@b.example"), 11);
    }
}
