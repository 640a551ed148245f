//! Custom emoji: an operator's catalogue (stream `custom_emoji:<shortcode>`, a
//! [`super::toggle`]) and the `:shortcode:`s a text uses.

use std::collections::HashSet;

/// As Mastodon's `CustomEmoji::SHORTCODE_RE_FRAGMENT`: two or more of `[a-zA-Z0-9_]`.
pub fn is_shortcode(s: &str) -> bool {
    s.len() >= 2 && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

pub fn stream(shortcode: &str) -> String {
    format!("custom_emoji:{shortcode}")
}

/// The shortcodes written as `:shortcode:` in `text`, in order, once each. As Mastodon's
/// scan, the colons must not touch a letter, digit or another colon outside.
pub fn shortcodes(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut seen = HashSet::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b':' {
            i += 1;
            continue;
        }
        let before_ok = i == 0 || !is_word_or_colon(text, i, true);
        let start = i + 1;
        let mut end = start;
        while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
            end += 1;
        }
        let closed = end < bytes.len() && bytes[end] == b':';
        if before_ok && closed && end - start >= 2 {
            let after_ok = end + 1 >= bytes.len() || !is_word_or_colon(text, end + 1, false);
            if after_ok {
                let code = &text[start..end];
                if seen.insert(code.to_string()) {
                    found.push(code.to_string());
                }
                i = end + 1;
                continue;
            }
        }
        i = if closed { end } else { end.max(i + 1) };
    }
    found
}

/// Whether the character just before `at` (or at `at`) is alphanumeric or a colon.
fn is_word_or_colon(text: &str, at: usize, before: bool) -> bool {
    let c = if before {
        text[..at].chars().next_back()
    } else {
        text[at..].chars().next()
    };
    c.is_some_and(|c| c.is_alphanumeric() || c == ':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortcodes_are_found_between_colons_once_each() {
        assert_eq!(
            shortcodes(":blobcat: hello :party_parrot:! :blobcat:"),
            ["blobcat", "party_parrot"]
        );
        assert_eq!(shortcodes("line\n:ok:"), ["ok"]);
    }

    #[test]
    fn colons_in_words_times_and_urls_are_not_shortcodes() {
        assert!(shortcodes("at 10:30:45 today").is_empty());
        assert!(shortcodes("word:abc:word").is_empty());
        assert!(shortcodes("::double::").is_empty());
        assert!(shortcodes(":a: is too short").is_empty());
        assert!(shortcodes("https://x.example/:path:x").is_empty());
    }

    #[test]
    fn a_shortcode_is_two_or_more_word_characters() {
        assert!(is_shortcode("blob_cat2"));
        assert!(!is_shortcode("a"));
        assert!(!is_shortcode("has-dash"));
        assert!(!is_shortcode("ünï"));
    }
}
