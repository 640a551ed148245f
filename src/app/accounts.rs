//! Account use cases: registration, profile, moderation, follows.

use crate::domain::account::{self, Account, ProfileChange};
use crate::domain::block::{self, Block};
use crate::domain::follow::{self, Follow};
use crate::domain::marker::{self, Marker};
use crate::domain::mute::{self, Mute};
use crate::domain::{Rejection, password, text, validate};
use crate::error::Error;
use crate::eventlog::{SYSTEM_ACTOR, local_actor};
use crate::events::{self, AccountRegistered, Follow as FollowRel, ProfileField};
use crate::queries::accounts::{self as q, AccountRow};
use crate::{ids, time};

use super::{App, blocking};

/// Unknown remote accounts looked up by WebFinger while rendering one status.
const MAX_REMOTE_MENTIONS: usize = 5;

pub struct Registration {
    pub username: String,
    pub email: String,
    pub password: String,
    pub display_name: String,
    pub locale: String,
    pub role: String,
    pub approved: bool,
    pub confirmed: bool,
}

impl App {
    /// Remember where `account_id` stopped reading `timeline` (`home` or `notifications`).
    pub async fn save_marker(
        &self,
        account_id: i64,
        timeline: &str,
        last_read_id: &str,
    ) -> Result<(), Error> {
        self.execute::<Marker>(
            &marker::stream(account_id, timeline),
            &local_actor(account_id),
            None,
            marker::Save {
                account_id,
                timeline: timeline.to_string(),
                last_read_id: last_read_id.to_string(),
                at: time::now_ms(),
            },
        )
        .await?;
        Ok(())
    }

    /// Register a local account: hash the password and make the key pair off the runtime,
    /// then append `AccountRegistered` and store the secrets in the same transaction.
    pub async fn register(&self, r: Registration) -> Result<i64, Error> {
        validate::username(&r.username)?;
        validate::email(&r.email)?;
        validate::password(&r.password)?;
        {
            let mut conn = self.db.pool.acquire().await?;
            if q::local_by_username(&mut conn, &r.username)
                .await?
                .is_some()
            {
                return Err(Error::Validation("Username has already been taken".into()));
            }
            if q::email_taken(&mut conn, &r.email).await? {
                return Err(Error::Validation("Email has already been taken".into()));
            }
        }
        let plain = r.password.clone();
        let (hash, keys) = tokio::join!(
            blocking(move || password::hash(&plain)),
            blocking(tessera_federation::keys::generate)
        );
        let hash = hash?.map_err(Error::internal)?;
        let keys = keys?.map_err(Error::internal)?;
        self.register_prepared(r, hash, keys).await
    }

    /// Record a registration whose password hash and key pair are already made (the
    /// benchmark seeds many accounts with one of each).
    pub async fn register_prepared(
        &self,
        r: Registration,
        hash: String,
        keys: tessera_federation::keys::KeyPair,
    ) -> Result<i64, Error> {
        let account_id = ids::next_id();
        let base = self.config.base_url();
        let event = AccountRegistered {
            account_id,
            uri: format!("{base}/users/{}", r.username),
            url: format!("{base}/@{}", r.username),
            username: r.username,
            email: r.email,
            display_name: r.display_name,
            role: r.role,
            approved: r.approved,
            confirmed: r.confirmed,
            locale: r.locale,
            public_key_pem: keys.public_pem,
            created_at: time::now_ms(),
        };
        let secrets = super::SideWrite::AccountSecrets {
            account_id,
            password_hash: hash,
            private_key_pem: keys.private_pem,
        };
        self.execute_with::<Account>(
            &account::stream(account_id),
            SYSTEM_ACTOR,
            None,
            account::Command::Register(event),
            &secrets,
        )
        .await
        .map_err(|e| match e {
            // Two registrations raced for one name: the unique index decided.
            Error::Conflict(_) => {
                Error::Validation("Username or email has already been taken".into())
            }
            other => other,
        })?;
        Ok(account_id)
    }

    pub async fn update_profile(
        &self,
        account_id: i64,
        mut change: ProfileChange,
        note: Option<String>,
    ) -> Result<(), Error> {
        if let Some(note) = note {
            validate::max_chars("Note", &note, validate::NOTE_MAX)?;
            let html = self.render_text(&note).await?.0;
            change.note = Some((note, html));
        }
        let links = crate::federate::links::addresses(
            change.fields.iter().flatten().map(|f| f.value.clone()),
        );
        self.execute::<Account>(
            &account::stream(account_id),
            &local_actor(account_id),
            None,
            account::Command::UpdateProfile(change),
        )
        .await?;
        // Each linked page is asked whether it links back (`rel="me"`); links verified
        // since the fields last changed are not asked again.
        if !links.is_empty()
            && let Ok(queues) = self.federation.queues()
        {
            let jobs = links
                .into_iter()
                .map(|url| tessera_workers::PullJob {
                    url,
                    purpose: tessera_workers::PullPurpose::VerifyLink { account_id },
                })
                .collect();
            if let Err(e) = queues.enqueue_pull(jobs).await {
                tracing::warn!(account_id, error = %e, "could not queue the profile links' checks");
            }
        }
        Ok(())
    }

    /// Change one's password, knowing the current one.
    pub async fn change_password(
        &self,
        account_id: i64,
        current: &str,
        new_password: &str,
    ) -> Result<(), Error> {
        validate::password(new_password)?;
        let stored = {
            let mut conn = self.db.pool.acquire().await?;
            q::password_hash(&mut conn, account_id)
                .await?
                .unwrap_or_default()
        };
        let current = current.to_string();
        if !blocking(move || password::verify(&current, &stored)).await? {
            return Err(Error::Validation("The current password is wrong".into()));
        }
        let plain = new_password.to_string();
        let hash = blocking(move || password::hash(&plain))
            .await?
            .map_err(Error::internal)?;
        self.set_password_hash(account_id, hash).await
    }

    /// Replace a password: every app's token is revoked and every browser signed out.
    pub async fn set_password_hash(&self, account_id: i64, hash: String) -> Result<(), Error> {
        let mut tx = self.db.begin_write().await?;
        sqlx::query("UPDATE account_secrets SET password_hash = $2 WHERE account_id = $1")
            .bind(account_id)
            .bind(hash)
            .execute(&mut *tx)
            .await?;
        super::sign_out_everywhere(&mut tx, account_id).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn moderate(
        &self,
        account_id: i64,
        command: account::Command,
        by: &str,
    ) -> Result<(), Error> {
        self.execute::<Account>(&account::stream(account_id), by, None, command)
            .await?;
        Ok(())
    }

    /// Render text as HTML, linking mentions of accounts that exist; returns the HTML and
    /// the mentioned accounts in order.
    pub async fn render_text(&self, source: &str) -> Result<(String, Vec<AccountRow>), Error> {
        let handles: Vec<text::Handle> = text::mentions(source);
        let usernames: Vec<String> = handles
            .iter()
            .filter(|h| {
                h.domain
                    .as_deref()
                    .is_none_or(|d| self.config.is_own_host(d))
            })
            .map(|h| h.username.clone())
            .collect();
        let found = if usernames.is_empty() {
            Vec::new()
        } else {
            let mut conn = self.db.pool.acquire().await?;
            q::local_by_usernames(&mut conn, &usernames).await?
        };
        // Remote accounts: known ones, or found by WebFinger now (a few, as Mastodon does).
        let mut remote: Vec<(String, String, AccountRow)> = Vec::new();
        for h in handles.iter().take(MAX_REMOTE_MENTIONS) {
            let Some(domain) = h.domain.as_deref().filter(|d| !self.config.is_own_host(d)) else {
                continue;
            };
            let handle = tessera_federation::handle::Handle {
                username: h.username.clone(),
                domain: Some(domain.to_lowercase()),
            };
            if let Ok(actor) = crate::federate::actors::resolve_handle(self, &handle).await {
                let mut conn = self.db.pool.acquire().await?;
                if let Some(row) = q::by_id(&mut conn, actor.id).await? {
                    remote.push((h.username.to_lowercase(), domain.to_lowercase(), row));
                }
            }
        }
        let lookup = |h: &text::Handle| -> Option<&AccountRow> {
            if let Some(d) = h.domain.as_deref().filter(|d| !self.config.is_own_host(d)) {
                let (u, d) = (h.username.to_lowercase(), d.to_lowercase());
                return remote
                    .iter()
                    .find(|(ru, rd, a)| *ru == u && *rd == d && a.suspended == 0)
                    .map(|(_, _, a)| a);
            }
            found
                .iter()
                .find(|a| a.username.eq_ignore_ascii_case(&h.username) && a.suspended == 0)
        };
        let base = self.config.base_url();
        let html = text::render(
            source,
            &|h| lookup(h).map(|a| text::ResolvedMention { url: a.url.clone() }),
            &|tag| format!("{base}/tags/{}", tag.to_lowercase()),
        );
        let mut mentioned: Vec<AccountRow> = Vec::new();
        for h in &handles {
            if let Some(a) = lookup(h)
                && !mentioned.iter().any(|m| m.id == a.id)
            {
                mentioned.push(a.clone());
            }
        }
        Ok((html, mentioned))
    }

    pub async fn follow(&self, account_id: i64, target_id: i64) -> Result<(), Error> {
        let target = self.visible_account(target_id).await?;
        let rel = FollowRel {
            follow_id: ids::next_id(),
            account_id,
            target_account_id: target.id,
            created_at: time::now_ms(),
            uri: None,
        };
        if crate::federate::ingress::blocked(self, target.id, account_id)
            .await
            .map_err(Error::internal)?
        {
            return Err(Error::Forbidden("This action is not allowed".into()));
        }
        // A remote account answers with Accept (or Reject): until then it is a request.
        let cmd = follow::Command::Follow {
            rel,
            target_locked: target.locked != 0 || target.domain.is_some(),
        };
        self.execute::<Follow>(
            &follow::stream(account_id, target_id),
            &local_actor(account_id),
            None,
            cmd,
        )
        .await?;
        Ok(())
    }

    pub async fn unfollow(&self, account_id: i64, target_id: i64) -> Result<(), Error> {
        self.visible_account(target_id).await?;
        self.execute::<Follow>(
            &follow::stream(account_id, target_id),
            &local_actor(account_id),
            None,
            follow::Command::Unfollow,
        )
        .await?;
        Ok(())
    }

    /// Block `target_id`: follows both ways end first, then the block is recorded.
    pub async fn block(&self, account_id: i64, target_id: i64) -> Result<(), Error> {
        self.visible_account(target_id).await?;
        let label = local_actor(account_id);
        crate::federate::ingress::end_follows(self, account_id, target_id, &label).await?;
        self.execute::<Block>(
            &block::stream(account_id, target_id),
            &label,
            None,
            block::Command::Block(events::Block {
                block_id: ids::next_id(),
                account_id,
                target_account_id: target_id,
                uri: None,
                created_at: time::now_ms(),
            }),
        )
        .await?;
        Ok(())
    }

    /// Mute `target_id` (with its notifications, unless `notifications` is false), for
    /// `duration_secs` seconds or, with 0, until unmuted.
    pub async fn mute(
        &self,
        account_id: i64,
        target_id: i64,
        notifications: bool,
        duration_secs: i64,
    ) -> Result<(), Error> {
        self.visible_account(target_id).await?;
        if !(0..=365 * 24 * 3600 * 10).contains(&duration_secs) {
            return Err(Error::Validation("Duration is out of range".into()));
        }
        let now = time::now_ms();
        self.execute::<Mute>(
            &mute::stream(account_id, target_id),
            &local_actor(account_id),
            None,
            mute::Command::Mute(events::Mute {
                mute_id: ids::next_id(),
                account_id,
                target_account_id: target_id,
                notifications,
                expires_at: (duration_secs > 0).then(|| now + duration_secs * 1000),
                created_at: now,
            }),
        )
        .await?;
        Ok(())
    }

    pub async fn unmute(&self, account_id: i64, target_id: i64) -> Result<(), Error> {
        self.visible_account(target_id).await?;
        self.execute::<Mute>(
            &mute::stream(account_id, target_id),
            &local_actor(account_id),
            None,
            mute::Command::Unmute,
        )
        .await?;
        Ok(())
    }

    pub async fn unblock(&self, account_id: i64, target_id: i64) -> Result<(), Error> {
        self.visible_account(target_id).await?;
        self.execute::<Block>(
            &block::stream(account_id, target_id),
            &local_actor(account_id),
            None,
            block::Command::Unblock,
        )
        .await?;
        Ok(())
    }

    /// The target authorises or rejects the request `requester_id` sent them.
    pub async fn answer_follow_request(
        &self,
        target_id: i64,
        requester_id: i64,
        authorize: bool,
    ) -> Result<(), Error> {
        let cmd = if authorize {
            follow::Command::Authorize
        } else {
            follow::Command::Reject
        };
        self.execute::<Follow>(
            &follow::stream(requester_id, target_id),
            &local_actor(target_id),
            None,
            cmd,
        )
        .await?;
        Ok(())
    }

    /// An account that exists and is not suspended.
    pub async fn visible_account(&self, id: i64) -> Result<AccountRow, Error> {
        let mut conn = self.db.pool.acquire().await?;
        q::by_id(&mut conn, id)
            .await?
            .filter(|a| a.suspended == 0)
            .ok_or(Error::NotFound)
    }
}

/// Mastodon accepts profile fields as `fields_attributes[0][name]` (a map) or as an array.
pub fn fields_from(value: &serde_json::Value) -> Result<Vec<ProfileField>, Rejection> {
    let entries: Vec<&serde_json::Value> = match value {
        serde_json::Value::Array(a) => a.iter().collect(),
        serde_json::Value::Object(m) => {
            let mut keyed: Vec<(&String, &serde_json::Value)> = m.iter().collect();
            keyed.sort_by_key(|(k, _)| k.parse::<u32>().unwrap_or(u32::MAX));
            keyed.into_iter().map(|(_, v)| v).collect()
        }
        _ => {
            return Err(crate::domain::invalid(
                "fields_attributes must be a list of name and value",
            ));
        }
    };
    Ok(entries
        .into_iter()
        .filter_map(|e| {
            let name = e
                .get("name")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .trim()
                .to_string();
            let value = e
                .get("value")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .trim()
                .to_string();
            (!name.is_empty() || !value.is_empty()).then_some(ProfileField { name, value })
        })
        .collect())
}
