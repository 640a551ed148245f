//! Moderators' use cases: actions on accounts, the report workflow and instance-level
//! domain blocks. The moderator is the actor of every event.

use tessera_federation::host::canonical_host;

use crate::domain::account::{self, Account};
use crate::domain::domain_block::{self, DomainBlock};
use crate::domain::report::{self, Report};
use crate::error::Error;
use crate::eventlog::local_actor;
use crate::events::DomainBlock as BlockSettings;
use crate::queries::domain_blocks as dq;
use crate::{ids, time};

use super::App;

/// What `POST /api/v1/admin/accounts/:id/action` can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountAction {
    /// Only resolve the report, if one is named.
    None,
    Disable,
    Silence,
    Suspend,
}

impl AccountAction {
    pub fn parse(s: &str) -> Result<AccountAction, Error> {
        Ok(match s {
            "none" => AccountAction::None,
            "disable" => AccountAction::Disable,
            "silence" => AccountAction::Silence,
            "suspend" => AccountAction::Suspend,
            "sensitive" => {
                return Err(Error::Validation(
                    "Marking an account's media sensitive is not supported".into(),
                ));
            }
            other => {
                return Err(Error::Validation(format!(
                    "Type {other} is not one of none, disable, silence, suspend"
                )));
            }
        })
    }
}

/// A block as an operator asks for it; the domain is checked and normalised here.
pub struct BlockRequest {
    pub domain: String,
    pub severity: String,
    pub reject_media: bool,
    pub reject_reports: bool,
    pub private_comment: Option<String>,
    pub public_comment: Option<String>,
    pub obfuscate: bool,
}

impl App {
    /// Act on an account, and resolve the report the action answers, if any (it must be
    /// about this account).
    pub async fn act_on_account(
        &self,
        moderator: i64,
        account_id: i64,
        action: AccountAction,
        report_id: Option<i64>,
    ) -> Result<(), Error> {
        if account_id == moderator && action != AccountAction::None {
            return Err(Error::Validation(
                "Moderators cannot act on their own account".into(),
            ));
        }
        if let Some(report_id) = report_id {
            let mut conn = self.db.pool.acquire().await?;
            let target: Option<i64> =
                sqlx::query_scalar("SELECT target_account_id FROM reports WHERE id = $1")
                    .bind(report_id)
                    .fetch_optional(&mut *conn)
                    .await?;
            if target != Some(account_id) {
                return Err(Error::Validation(format!(
                    "Report {report_id} is not about this account"
                )));
            }
        }
        let command = match action {
            AccountAction::None => None,
            AccountAction::Disable => Some(account::Command::Disable),
            AccountAction::Silence => Some(account::Command::Silence),
            AccountAction::Suspend => Some(account::Command::Suspend),
        };
        if let Some(command) = command {
            self.moderate_as(moderator, account_id, command).await?;
        }
        if let Some(report_id) = report_id {
            self.report_command(
                moderator,
                report_id,
                report::Command::Resolve {
                    by: moderator,
                    at: time::now_ms(),
                },
            )
            .await?;
        }
        Ok(())
    }

    pub async fn moderate_as(
        &self,
        moderator: i64,
        account_id: i64,
        command: account::Command,
    ) -> Result<(), Error> {
        self.execute::<Account>(
            &account::stream(account_id),
            &local_actor(moderator),
            None,
            command,
        )
        .await?;
        Ok(())
    }

    pub async fn report_command(
        &self,
        moderator: i64,
        report_id: i64,
        command: report::Command,
    ) -> Result<(), Error> {
        self.execute::<Report>(
            &report::stream(report_id),
            &local_actor(moderator),
            None,
            command,
        )
        .await?;
        Ok(())
    }

    pub async fn block_domain(&self, moderator: i64, r: BlockRequest) -> Result<i64, Error> {
        let domain = normalise_domain(&r.domain)?;
        if self.config.is_own_host(&domain) {
            return Err(Error::Validation(
                "This server's own domain cannot be blocked".into(),
            ));
        }
        let block_id = ids::next_id();
        let settings = settings(block_id, domain.clone(), r);
        self.execute::<DomainBlock>(
            &domain_block::stream(&domain),
            &local_actor(moderator),
            None,
            domain_block::Command::Create(settings),
        )
        .await?;
        Ok(block_id)
    }

    /// Change a block's settings; its domain stays.
    pub async fn change_domain_block(
        &self,
        moderator: i64,
        block_id: i64,
        r: BlockRequest,
    ) -> Result<(), Error> {
        let existing = self.domain_block(block_id).await?;
        let settings = settings(block_id, existing.domain.clone(), r);
        self.execute::<DomainBlock>(
            &domain_block::stream(&existing.domain),
            &local_actor(moderator),
            None,
            domain_block::Command::Change(settings),
        )
        .await?;
        Ok(())
    }

    pub async fn unblock_domain(&self, moderator: i64, block_id: i64) -> Result<(), Error> {
        let existing = self.domain_block(block_id).await?;
        self.execute::<DomainBlock>(
            &domain_block::stream(&existing.domain),
            &local_actor(moderator),
            None,
            domain_block::Command::Remove,
        )
        .await?;
        Ok(())
    }

    async fn domain_block(&self, block_id: i64) -> Result<dq::BlockRow, Error> {
        let mut conn = self.db.pool.acquire().await?;
        dq::by_id(&mut conn, block_id).await?.ok_or(Error::NotFound)
    }

    /// Is federation with `host` cut off by a `suspend` block?
    pub async fn domain_suspended(&self, host: &str) -> Result<bool, sqlx::Error> {
        let mut conn = self.db.pool.acquire().await?;
        dq::suspends(&mut conn, host).await
    }
}

fn settings(block_id: i64, domain: String, r: BlockRequest) -> BlockSettings {
    let blank = |c: Option<String>| c.filter(|c| !c.trim().is_empty());
    BlockSettings {
        block_id,
        domain,
        severity: r.severity,
        reject_media: r.reject_media,
        reject_reports: r.reject_reports,
        private_comment: blank(r.private_comment),
        public_comment: blank(r.public_comment),
        obfuscate: r.obfuscate,
        created_at: time::now_ms(),
    }
}

/// A domain as blocks store it: its canonical host (lower case, punycode, no trailing dot
/// or default port; see `tessera_federation::host`), with a port only when one is named
/// (the block then covers that port only). A URL is reduced to its host, as Mastodon does.
pub fn normalise_domain(input: &str) -> Result<String, Error> {
    let invalid = || Error::Validation(format!("{input:?} is not a domain name"));
    let trimmed = input.trim();
    if trimmed.is_empty() || trimmed.contains(char::is_whitespace) {
        return Err(invalid());
    }
    // What an admin pastes may carry a path (`spam.example/@x`): read it as a URL.
    let as_url = if trimmed.contains("://") {
        trimmed.to_string()
    } else {
        format!("https://{trimmed}")
    };
    let canonical = canonical_host(&as_url).ok_or_else(invalid)?;
    let (host, _) = crate::queries::domain_blocks::split_port(&canonical);
    // A single label names no server on the internet; `localhost` names the test ones.
    let named = host.starts_with('[')
        || host.parse::<std::net::IpAddr>().is_ok()
        || host.contains('.')
        || host == "localhost";
    if named { Ok(canonical) } else { Err(invalid()) }
}

#[cfg(test)]
mod tests {
    use super::normalise_domain;

    #[test]
    fn domains_are_normalised_and_nonsense_is_refused() {
        assert_eq!(normalise_domain(" Spam.Example. ").unwrap(), "spam.example");
        assert_eq!(
            normalise_domain("https://spam.example/@x").unwrap(),
            "spam.example"
        );
        assert_eq!(
            normalise_domain("127.0.0.1:8443").unwrap(),
            "127.0.0.1:8443"
        );
        assert_eq!(
            normalise_domain("bücher.example").unwrap(),
            "xn--bcher-kva.example"
        );
        for (typed, stored) in [
            ("Evil.Example.:8443", "evil.example:8443"),
            ("EVIL.example:443", "evil.example"),
            ("https://evil.example.:443/users/x", "evil.example"),
            ("http://[::1]:80/", "[::1]"),
            ("[::1]:8443", "[::1]:8443"),
            ("LocalHost.", "localhost"),
        ] {
            assert_eq!(normalise_domain(typed).unwrap(), stored, "{typed}");
        }
        assert!(normalise_domain("").is_err());
        assert!(normalise_domain(".").is_err());
        assert!(normalise_domain("not a domain").is_err());
        assert!(normalise_domain("spam").is_err());
    }
}
