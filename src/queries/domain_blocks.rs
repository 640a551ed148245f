//! Instance-level domain blocks. A block on `example.com` covers `a.example.com` too.

use tessera_federation::host::canonical_host;

use super::Sql;
use crate::db::Conn;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BlockRow {
    pub id: i64,
    pub domain: String,
    pub severity: String,
    pub reject_media: i64,
    pub reject_reports: i64,
    pub private_comment: Option<String>,
    pub public_comment: Option<String>,
    pub obfuscate: i64,
    pub created_at: i64,
}

impl BlockRow {
    pub fn suspends(&self) -> bool {
        self.severity == "suspend"
    }
}

const COLUMNS: &str = "id, domain, severity, reject_media, reject_reports, private_comment, \
     public_comment, obfuscate, created_at";

/// The block domains that cover `domain` (`host`, `host:port` or a URL), once made
/// canonical (blocks are stored canonical too): for `a.b.example.com`, itself,
/// `b.example.com`, `example.com` and `com`. With a port, `host:port` comes first (a block
/// naming a port covers that port only). Addresses are not split.
pub fn suffixes(domain: &str) -> Vec<String> {
    // What has no canonical host can still be matched exactly, never as a parent.
    let Some(domain) = canonical_host(domain) else {
        return vec![domain.trim().to_ascii_lowercase()];
    };
    let (host, port) = split_port(&domain);
    let mut out = Vec::new();
    if port.is_some() {
        out.push(domain.clone());
    }
    out.push(host.to_string());
    if host.parse::<std::net::IpAddr>().is_err() && !host.starts_with('[') {
        let mut rest = host;
        while let Some((_, parent)) = rest.split_once('.') {
            out.push(parent.to_string());
            rest = parent;
        }
    }
    out
}

/// A `host:port` as its host and port.
pub fn split_port(domain: &str) -> (&str, Option<&str>) {
    match domain.rsplit_once(':') {
        Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
            (host, Some(port))
        }
        _ => (domain, None),
    }
}

/// Does a block on `block` cover accounts of `domain`?
pub fn covers(block: &str, domain: &str) -> bool {
    let block = canonical_host(block).unwrap_or_else(|| block.trim().to_ascii_lowercase());
    suffixes(domain).contains(&block)
}

/// `LIKE` patterns (with `ESCAPE '\'`) that, with `= domain`, find every account domain
/// a block on `domain` may cover: subdomains, and any port.
pub fn like_covered(domain: &str) -> [String; 3] {
    let e = domain
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    [format!("%.{e}"), format!("{e}:%"), format!("%.{e}:%")]
}

/// The most severe block covering `host`, if any (suspend over silence over noop; on a tie
/// the most specific domain).
pub async fn covering(conn: &mut Conn, host: &str) -> Result<Option<BlockRow>, sqlx::Error> {
    let hosts = suffixes(host);
    let mut sql = Sql::new(&format!(
        "SELECT {COLUMNS} FROM domain_blocks WHERE domain IN ("
    ));
    sql.texts(&hosts).push(")");
    let mut rows: Vec<BlockRow> = sql.fetch_all(conn).await?;
    let rank = |b: &BlockRow| match b.severity.as_str() {
        "suspend" => 2,
        "silence" => 1,
        _ => 0,
    };
    rows.sort_by_key(|b| {
        (
            std::cmp::Reverse(rank(b)),
            std::cmp::Reverse(b.domain.len()),
        )
    });
    Ok(rows.into_iter().next())
}

/// Does a `suspend` block cover `host`?
pub async fn suspends(conn: &mut Conn, host: &str) -> Result<bool, sqlx::Error> {
    Ok(covering(conn, host).await?.is_some_and(|b| b.suspends()))
}

pub async fn by_id(conn: &mut Conn, id: i64) -> Result<Option<BlockRow>, sqlx::Error> {
    sqlx::query_as(crate::sqlf!(
        "SELECT {COLUMNS} FROM domain_blocks WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Newest first, paged by id.
pub async fn page(conn: &mut Conn, page: &super::Page) -> Result<Vec<BlockRow>, sqlx::Error> {
    let mut sql = Sql::new(&format!("SELECT {COLUMNS} FROM domain_blocks WHERE 1 = 1"));
    page.apply(&mut sql, "id");
    Ok(page.finish(sql.fetch_all(conn).await?))
}

/// Every block, by domain (the public list).
pub async fn all(conn: &mut Conn) -> Result<Vec<BlockRow>, sqlx::Error> {
    sqlx::query_as(crate::sqlf!(
        "SELECT {COLUMNS} FROM domain_blocks ORDER BY domain"
    ))
    .fetch_all(conn)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_is_covered_by_its_parent_domains() {
        assert_eq!(
            suffixes("A.Spam.Example."),
            ["a.spam.example", "spam.example", "example"]
        );
    }

    #[test]
    fn a_port_is_covered_by_its_host_and_a_block_with_a_port_by_that_port_only() {
        assert!(covers("127.0.0.1", "127.0.0.1:8443"));
        assert!(covers("127.0.0.1:8443", "127.0.0.1:8443"));
        assert!(!covers("127.0.0.1:8443", "127.0.0.1:9000"));
        assert!(!covers("0.0.1", "127.0.0.1"));
        assert!(covers("example.com", "a.example.com:8443"));
        assert!(!covers("ample.com", "example.com"));
    }

    #[test]
    fn every_spelling_of_a_host_is_covered_by_its_block() {
        for spelling in [
            "evil.example.:8443",
            "Evil.Example.",
            "EVIL.example:8443",
            "sub.evil.example.:8443",
            "https://evil.example.:443/users/x#main-key",
        ] {
            assert!(covers("evil.example", spelling), "{spelling}");
        }
        assert!(covers("xn--bcher-kva.example", "bücher.example."));
        assert!(covers("127.0.0.1", "127.0.0.1.:8443"));
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_covered("x_y.example")[0], "%.x\\_y.example");
    }
}
