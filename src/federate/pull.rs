//! The pull worker's work: fetch a remote actor, object or collection and apply it.

use serde_json::Value;
use tessera_federation::vocab;
use tessera_workers::{PullJob, PullPurpose};

use super::{FedError, actors, fetch, ingress};
use crate::app::App;

/// How many posts of a newly seen account's outbox are fetched.
pub const OUTBOX_ITEMS: usize = 20;

pub async fn run(app: &App, job: &PullJob) -> Result<(), FedError> {
    match &job.purpose {
        PullPurpose::Actor => {
            actors::refresh(app, &job.url).await?;
        }
        PullPurpose::Object | PullPurpose::ReplyParent { .. } => {
            object(app, &job.url).await?;
        }
        PullPurpose::Outbox => {
            collection(app, &job.url).await?;
        }
        PullPurpose::Featured => {
            featured(app, &job.url).await?;
        }
        PullPurpose::Card { status_id } => {
            super::cards::fetch(app, &job.url, *status_id).await?;
        }
        PullPurpose::VerifyLink { account_id } => {
            super::links::verify(app, &job.url, *account_id).await?;
        }
        PullPurpose::PurgeAccount { account_id } => {
            app.purge_account(*account_id)
                .await
                .map_err(|e| FedError::Internal(format!("purging account {account_id}: {e}")))?;
        }
        PullPurpose::FollowImport { account_id } => {
            let handle = tessera_federation::handle::Handle::parse(&job.url)
                .filter(|h| h.domain.is_some())
                .ok_or_else(|| FedError::rejected(format!("{} is not an address", job.url)))?;
            let target = actors::resolve_handle(app, &handle).await?;
            app.follow(*account_id, target.id)
                .await
                .map_err(|e| FedError::rejected(format!("following {}: {e}", job.url)))?;
        }
    }
    Ok(())
}

/// A note by its id, stored as a status of its (fetched) author.
pub async fn object(app: &App, url: &str) -> Result<i64, FedError> {
    let doc = fetch::object(app, url).await?;
    note_document(app, &doc).await
}

async fn note_document(app: &App, doc: &Value) -> Result<i64, FedError> {
    let note = vocab::note(doc)?;
    let author = actors::resolve(app, &note.attributed_to).await?;
    if !vocab::same_origin(&note.id, &author.uri) {
        return Err(FedError::rejected("the note is not its author's"));
    }
    ingress::create_status(app, &note, &author, 0).await
}

/// A newly seen account's pinned posts (its showcase): stored, and pinned for their author
/// in the collection's order when the collection is that author's `featured`.
async fn featured(app: &App, url: &str) -> Result<(), FedError> {
    let owner: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM accounts WHERE featured_url = $1 AND domain IS NOT NULL",
    )
    .bind(url)
    .fetch_optional(&app.db.pool)
    .await?;
    // Each new pin goes first, so the collection is pinned from its end to keep its order.
    for status_id in collection(app, url).await?.into_iter().rev() {
        if let Some(owner) = owner
            && let Err(e) = ingress::record_pin(app, owner, status_id, true, None).await
        {
            tracing::debug!(url, error = %e, "featured item not pinned");
        }
    }
    Ok(())
}

/// The first page of an outbox or featured collection: each public note (inside its
/// Create, for outboxes) is stored, and the stored statuses' ids returned. Items are
/// refetched from their origin unless they come from the collection's own server.
pub async fn collection(app: &App, url: &str) -> Result<Vec<i64>, FedError> {
    let doc = fetch::object(app, url).await?;
    let page = match doc.get("first") {
        Some(Value::String(first)) => fetch::object(app, first).await?,
        Some(embedded @ Value::Object(_)) => embedded.clone(),
        _ => doc,
    };
    let items = page
        .get("orderedItems")
        .or_else(|| page.get("items"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut stored = Vec::new();
    for item in items.iter().take(OUTBOX_ITEMS) {
        let object = match vocab::type_of(item) {
            Some("Create") => item.get("object").cloned().unwrap_or(Value::Null),
            Some("Announce") => continue,
            _ => item.clone(),
        };
        let result = match (&object, vocab::id_of(&object)) {
            (Value::Object(_), Some(id)) if vocab::same_origin(id, url) => {
                note_document(app, &object).await
            }
            (_, Some(id)) => self::object(app, id).await,
            _ => continue,
        };
        match result {
            Ok(id) => stored.push(id),
            Err(e) => tracing::debug!(url, error = %e, "collection item skipped"),
        }
    }
    Ok(stored)
}
