//! `rel="me"` verification of profile links, as Mastodon's: a field whose value is a web
//! address is verified when the page there links back to the profile with `rel="me"`.
//! Saving the profile queues one `pull` job per address; the page is read through the safe
//! page client (size-limited, no private addresses unless allowed). Not retried.

use scraper::{Html, Selector};
use tessera_federation::sanitize;

use super::FedError;
use crate::app::App;
use crate::domain::account::{self, Account};
use crate::eventlog::SYSTEM_ACTOR;
use crate::queries::accounts as aq;

pub async fn verify(app: &App, url: &str, account_id: i64) -> Result<(), FedError> {
    let account = {
        let mut conn = app.db.pool.acquire().await?;
        aq::by_id(&mut conn, account_id).await?
    };
    let Some(account) = account.filter(|a| a.domain.is_none()) else {
        return Ok(());
    };
    let page = app
        .federation
        .page_client
        .get(url, "text/html, application/xhtml+xml")
        .await?;
    if !(200..300).contains(&page.status) {
        return Ok(());
    }
    let html = String::from_utf8_lossy(&page.body);
    if !links_back(&html, &[&account.url, &account.uri]) {
        return Ok(());
    }
    app.execute::<Account>(
        &account::stream(account_id),
        SYSTEM_ACTOR,
        None,
        account::Command::VerifyLink {
            url: url.to_string(),
            at: crate::time::now_ms(),
        },
    )
    .await
    .map_err(|e| FedError::Internal(e.to_string()))?;
    Ok(())
}

/// Whether the page has an `<a>` or `<link>` with `rel="me"` pointing at one of `targets`.
pub fn links_back(html: &str, targets: &[&str]) -> bool {
    let Ok(selector) = Selector::parse("a[rel][href], link[rel][href]") else {
        return false;
    };
    // The HTML parser's work grows with the square of the nesting.
    if sanitize::nests_deeper_than(html, sanitize::MAX_PAGE_DEPTH) {
        return false;
    }
    let same = |a: &str, b: &str| a.trim().trim_end_matches('/') == b.trim().trim_end_matches('/');
    Html::parse_document(html).select(&selector).any(|e| {
        let rel_me = e.value().attr("rel").is_some_and(|rel| {
            rel.split_ascii_whitespace()
                .any(|r| r.eq_ignore_ascii_case("me"))
        });
        let href = e.value().attr("href").unwrap_or_default();
        rel_me && targets.iter().any(|t| same(href, t))
    })
}

/// Whether a field's value, trimmed, is nothing but a web address.
pub fn is_web_address(value: &str) -> bool {
    (value.starts_with("https://") || value.starts_with("http://"))
        && !value.contains(char::is_whitespace)
        && url::Url::parse(value).is_ok()
}

/// The web addresses among a profile's field values.
pub fn addresses(values: impl IntoIterator<Item = String>) -> Vec<String> {
    values
        .into_iter()
        .map(|v| v.trim().to_string())
        .filter(|v| is_web_address(v))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_rel_me_link_to_the_profile_verifies() {
        let me = "https://tessera.example/@maya";
        assert!(links_back(
            r#"<a rel="me noopener" href="https://tessera.example/@maya/">Mastodon</a>"#,
            &[me]
        ));
        assert!(links_back(
            r#"<head><link rel="ME" href="https://tessera.example/@maya"></head>"#,
            &[me]
        ));
        assert!(!links_back(
            r#"<a href="https://tessera.example/@maya">no rel</a>"#,
            &[me]
        ));
        assert!(!links_back(
            r#"<a rel="me" href="https://tessera.example/@someone">other</a>"#,
            &[me]
        ));
        assert_eq!(
            addresses([
                "https://maya.example/".into(),
                "Lisbon".into(),
                "http://a b".into()
            ]),
            ["https://maya.example/"]
        );
    }

    #[test]
    fn a_page_nested_too_deeply_is_not_read() {
        let me = "https://tessera.example/@maya";
        let link = format!(r#"<a rel="me" href="{me}">me</a>"#);
        assert!(links_back(&format!("{}{link}", "<div>".repeat(100)), &[me]));
        assert!(!links_back(
            &format!("{}{link}", "<div>".repeat(100_000)),
            &[me]
        ));
    }
}
