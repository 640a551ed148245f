//! Remote actors: found by id, key id or handle, fetched from their origin when unknown
//! or stale, and kept as accounts through `RemoteAccountFetched` events.

use serde_json::Value;
use tessera_federation::handle::Handle;
use tessera_federation::host;
use tessera_federation::sanitize;
use tessera_federation::vocab::{self, origin_of};
use tessera_federation::webfinger::Jrd;

use super::{FedError, fetch};
use crate::app::{App, Outcome};
use crate::domain::account::{self, Account, Command};
use crate::eventlog::SYSTEM_ACTOR;
use crate::events::{ProfileField, RemoteAccount};
use crate::{ids, time};

/// A known remote actor is refetched when older than this.
pub const STALE_AFTER_MS: i64 = 24 * 3600 * 1000;

/// What federation needs of an account, local or remote.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActorRow {
    pub id: i64,
    pub username: String,
    pub domain: Option<String>,
    pub uri: String,
    pub locked: i64,
    pub suspended: i64,
    pub public_key_pem: String,
    pub key_id: Option<String>,
    pub inbox_url: Option<String>,
    pub shared_inbox_url: Option<String>,
    pub followers_url: Option<String>,
    pub fetched_at: Option<i64>,
}

impl ActorRow {
    pub fn is_local(&self) -> bool {
        self.domain.is_none()
    }

    /// Where to deliver to this actor: the shared inbox first.
    pub fn delivery_inbox(&self) -> Option<&str> {
        self.shared_inbox_url
            .as_deref()
            .or(self.inbox_url.as_deref())
    }
}

const COLUMNS: &str = "id, username, domain, uri, locked, suspended, public_key_pem, key_id, \
     inbox_url, shared_inbox_url, followers_url, fetched_at";

pub async fn by_uri(app: &App, uri: &str) -> Result<Option<ActorRow>, FedError> {
    Ok(sqlx::query_as(crate::sqlf!(
        "SELECT {COLUMNS} FROM accounts WHERE uri = $1"
    ))
    .bind(uri)
    .fetch_optional(&app.db.pool)
    .await?)
}

pub async fn by_id(app: &App, id: i64) -> Result<Option<ActorRow>, FedError> {
    Ok(
        sqlx::query_as(crate::sqlf!("SELECT {COLUMNS} FROM accounts WHERE id = $1"))
            .bind(id)
            .fetch_optional(&app.db.pool)
            .await?,
    )
}

pub async fn by_key_id(app: &App, key_id: &str) -> Result<Option<ActorRow>, FedError> {
    Ok(sqlx::query_as(crate::sqlf!(
        "SELECT {COLUMNS} FROM accounts WHERE key_id = $1"
    ))
    .bind(key_id)
    .fetch_optional(&app.db.pool)
    .await?)
}

/// The local account an actor URI of ours names, if any.
pub async fn local_by_uri(app: &App, uri: &str) -> Result<Option<ActorRow>, FedError> {
    Ok(by_uri(app, uri).await?.filter(ActorRow::is_local))
}

/// The account for an actor id: known and fresh, or fetched now.
pub async fn resolve(app: &App, uri: &str) -> Result<ActorRow, FedError> {
    if let Some(known) = by_uri(app, uri).await? {
        let fresh = known
            .fetched_at
            .is_none_or(|at| time::now_ms() - at < STALE_AFTER_MS);
        if known.is_local() || fresh {
            return Ok(known);
        }
        // A stale copy still serves if the origin cannot be reached right now.
        return match refresh(app, uri).await {
            Ok(row) => Ok(row),
            Err(e) if e.is_transient() => Ok(known),
            Err(e) => Err(e),
        };
    }
    if app.config.is_own_host(uri) {
        return Err(FedError::rejected(format!("{uri} is not a local account")));
    }
    refresh(app, uri).await
}

/// Fetch the actor document again and record it.
pub async fn refresh(app: &App, uri: &str) -> Result<ActorRow, FedError> {
    let doc = fetch::object(app, uri).await?;
    store(app, &doc).await
}

/// The known account that owns a key id, if any (else see [`fetch_key`]).
pub async fn known_key(app: &App, key_id: &str) -> Result<Option<ActorRow>, FedError> {
    if let Some(known) = by_key_id(app, key_id).await? {
        return Ok(Some(known));
    }
    let without_fragment = key_id.split('#').next().unwrap_or(key_id);
    Ok(by_uri(app, without_fragment)
        .await?
        .filter(|known| known.key_id.as_deref() == Some(key_id)))
}

/// Fetch the owner of a key id from its origin (the key id's document is the actor, or a key
/// whose `owner` is the actor), and record it.
pub async fn fetch_key(app: &App, key_id: &str) -> Result<ActorRow, FedError> {
    let without_fragment = key_id.split('#').next().unwrap_or(key_id);
    let doc = fetch::object(app, without_fragment).await?;
    let actor_doc = if vocab::type_of(&doc).is_some_and(|t| vocab::ACTOR_TYPES.contains(&t)) {
        doc
    } else {
        let owner = doc.get("owner").and_then(Value::as_str).ok_or_else(|| {
            FedError::rejected(format!("{key_id} names neither an actor nor a key owner"))
        })?;
        if !vocab::same_origin(owner, key_id) {
            return Err(FedError::rejected("the key's owner is on another server"));
        }
        fetch::object(app, owner).await?
    };
    let row = store(app, &actor_doc).await?;
    if row.key_id.as_deref() != Some(key_id) {
        return Err(FedError::rejected(format!(
            "{key_id} is not the key of {}",
            row.uri
        )));
    }
    Ok(row)
}

/// Record an actor document (fetched from its origin, or sent by the actor itself).
pub async fn store(app: &App, doc: &Value) -> Result<ActorRow, FedError> {
    let actor = vocab::actor(doc)?;
    // Canonical, so that a block on the domain and this account compare like with like.
    let domain = origin_of(&actor.id).ok_or_else(|| FedError::rejected("actor id has no host"))?;
    if app.config.is_own_host(&actor.id) {
        return Err(FedError::rejected(
            "an actor of ours cannot be stored as remote",
        ));
    }
    for (field, url) in [
        ("inbox", Some(&actor.inbox)),
        ("publicKey.id", Some(&actor.public_key_id)),
    ] {
        if let Some(url) = url
            && !vocab::same_origin(url, &actor.id)
        {
            return Err(FedError::rejected(format!(
                "the actor's {field} is on another server"
            )));
        }
    }
    let existing = by_uri(app, &actor.id).await?;
    let account_id = existing.as_ref().map_or_else(ids::next_id, |e| e.id);
    let now = time::now_ms();
    let snapshot = RemoteAccount {
        account_id,
        uri: actor.id.clone(),
        username: actor.preferred_username.chars().take(100).collect(),
        domain,
        // As Mastodon reads an actor: the name and each field's name are plain text, kept as
        // written (escaped where HTML is made); the summary and each field's value are HTML,
        // sanitised here once and served as kept.
        display_name: actor.name.chars().take(200).collect(),
        note_html: sanitize::remote_html(&actor.summary_html),
        fields: actor
            .fields
            .iter()
            .take(16)
            .map(|(name, value)| ProfileField {
                name: name.clone(),
                value: sanitize::remote_html(value),
            })
            .collect(),
        locked: actor.manually_approves_followers,
        bot: actor.is_bot(),
        discoverable: actor.discoverable,
        url: actor.url.clone(),
        inbox_url: actor.inbox.clone(),
        shared_inbox_url: actor.shared_inbox.clone(),
        followers_url: actor.followers.clone(),
        outbox_url: actor.outbox.clone(),
        featured_url: actor.featured.clone(),
        key_id: actor.public_key_id.clone(),
        public_key_pem: actor.public_key_pem.clone(),
        avatar_url: actor.avatar_url.clone(),
        header_url: actor.header_url.clone(),
        created_at: actor.published_ms.unwrap_or(now),
        fetched_at: now,
    };
    // First sight is deduplicated by actor id, so two inboxes racing make one account.
    let dedupe = existing.is_none().then(|| format!("actor:{}", actor.id));
    let outcome = app
        .execute::<Account>(
            &account::stream(account_id),
            SYSTEM_ACTOR,
            dedupe.as_deref(),
            Command::RemoteFetched(Box::new(snapshot)),
        )
        .await?;
    // First sight: their recent and pinned public posts (their showcase) are fetched in the
    // background, as Mastodon does.
    if let (Outcome::Appended(events), None) = (&outcome, &existing)
        && !events.is_empty()
        && let Ok(queues) = app.federation.queues()
    {
        let jobs: Vec<tessera_workers::PullJob> = [
            (&actor.outbox, tessera_workers::PullPurpose::Outbox),
            (&actor.featured, tessera_workers::PullPurpose::Featured),
        ]
        .into_iter()
        .filter_map(|(url, purpose)| {
            url.clone()
                .map(|url| tessera_workers::PullJob { url, purpose })
        })
        .collect();
        if let Err(e) = queues.enqueue_pull(jobs).await {
            tracing::warn!(error = %e, "could not queue the first fetches of an account");
        }
    }
    by_uri(app, &actor.id)
        .await?
        .ok_or_else(|| FedError::Internal(format!("{} vanished after it was stored", actor.id)))
}

/// `user@host` to an account: known, or found by WebFinger and fetched.
pub async fn resolve_handle(app: &App, handle: &Handle) -> Result<ActorRow, FedError> {
    let Some(written) = handle.domain.as_deref() else {
        return Err(FedError::rejected("not a remote handle"));
    };
    let domain = host::canonical_host(written)
        .ok_or_else(|| FedError::rejected(format!("{written} is not a host name")))?;
    let domain = domain.as_str();
    let known: Option<ActorRow> = sqlx::query_as(crate::sqlf!(
        "SELECT {COLUMNS} FROM accounts WHERE username_lower = $1 AND domain = $2"
    ))
    .bind(handle.username.to_lowercase())
    .bind(domain)
    .fetch_optional(&app.db.pool)
    .await?;
    if let Some(known) = known {
        return Ok(known);
    }
    if app.domain_suspended(domain).await? {
        return Err(FedError::rejected(format!("{domain} is blocked here")));
    }
    let jrd = webfinger(app, handle, domain).await?;
    let actor_url = jrd
        .links
        .iter()
        .find(|l| {
            l.rel == "self"
                && l.kind.as_deref().is_some_and(|k| {
                    k.starts_with("application/activity+json")
                        || k.starts_with("application/ld+json")
                })
        })
        .and_then(|l| l.href.clone())
        .ok_or_else(|| FedError::rejected("WebFinger names no ActivityPub actor"))?;
    resolve(app, &actor_url).await
}

/// The WebFinger document of `user@domain`, through the safe client.
pub async fn webfinger(app: &App, handle: &Handle, domain: &str) -> Result<Jrd, FedError> {
    let scheme = if app.config.allow_private_addresses && crate::config::is_local_host(domain) {
        "http"
    } else {
        "https"
    };
    let url = format!(
        "{scheme}://{domain}/.well-known/webfinger?resource=acct:{}@{domain}",
        handle.username
    );
    let fetched = app
        .federation
        .client
        .get(&url, "application/jrd+json, application/json")
        .await?;
    if fetched.status != 200 {
        return Err(FedError::Status {
            url,
            status: fetched.status,
        });
    }
    serde_json::from_slice(&fetched.body)
        .map_err(|e| FedError::rejected(format!("WebFinger answer is not a JRD: {e}")))
}
