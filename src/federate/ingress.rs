//! The ingress worker's work: apply one verified activity as events. The inbox already
//! checked that the activity's actor signed it; here the authority rules are applied:
//! objects are taken inline only from their own origin (otherwise refetched), only an
//! object's owner may update or delete it, a deleted object is never created again, and an
//! activity id seen before appends nothing.

use serde_json::Value;
use tessera_federation::sanitize;
use tessera_federation::vocab::{self, Activity, Note, same_origin};
use tessera_workers::IngressJob;

use super::actors::{self, ActorRow};
use super::{FedError, fetch};
use crate::app::{App, Outcome};
use crate::domain::account::{self, Account};
use crate::domain::block::{self, Block};
use crate::domain::favourite::{self, Favourite};
use crate::domain::follow::{self, Follow};
use crate::domain::once::{self, Once};
use crate::domain::pin::{self, Pin};
use crate::domain::reblog::{self, Reblog};
use crate::domain::report::{self, Report};
use crate::domain::status::{self, Status};
use crate::domain::{Aggregate, Rejection};
use crate::error::Error;
use crate::eventlog::{self, local_actor};
use crate::events::{self, Event, StatusEdited, StatusPosted};
use crate::{ids, time};

/// Reply parents are fetched up to this many levels up a thread.
pub const MAX_PARENT_DEPTH: u8 = 3;

pub async fn apply(app: &App, job: &IngressJob) -> Result<(), FedError> {
    let doc = vocab::parse_document(job.body.as_bytes())?;
    let act = vocab::activity(&doc)?;
    if act.actor != job.key_owner {
        return Err(FedError::rejected("the activity's actor did not sign it"));
    }
    let dedupe = format!("ap:{}", act.id);
    if seen(app, &dedupe).await? {
        return Ok(());
    }
    let actor = actors::resolve(app, &act.actor).await?;
    let ctx = Ctx {
        app,
        doc: &doc,
        act: &act,
        actor: &actor,
        dedupe: &dedupe,
    };
    match act.kind.as_str() {
        "Follow" => ctx.follow().await,
        "Accept" => ctx.answer_follow(true).await,
        "Reject" => ctx.answer_follow(false).await,
        "Undo" => ctx.undo().await,
        "Create" => ctx.create().await,
        "Update" => ctx.update().await,
        "Delete" => ctx.delete().await,
        "Announce" => ctx.announce().await,
        "Like" => ctx.like().await,
        "Block" => ctx.block().await,
        "Move" => ctx.moved().await,
        "Flag" => ctx.flag().await,
        "Add" => ctx.feature(true).await,
        "Remove" => ctx.feature(false).await,
        // Emoji reactions are not modelled yet.
        other => {
            tracing::debug!(kind = other, id = %act.id, "activity type ignored");
            Ok(())
        }
    }
}

async fn seen(app: &App, dedupe: &str) -> Result<bool, FedError> {
    let mut conn = app.db.pool.acquire().await?;
    Ok(eventlog::find_deduped(&mut conn, dedupe)
        .await
        .map_err(|e| FedError::Internal(e.to_string()))?
        .is_some())
}

struct Ctx<'a> {
    app: &'a App,
    /// The whole activity as received.
    doc: &'a Value,
    act: &'a Activity,
    actor: &'a ActorRow,
    dedupe: &'a str,
}

/// A status row, as the authority checks need it.
#[derive(Debug, Clone, sqlx::FromRow)]
struct StatusRef {
    id: i64,
    account_id: i64,
    visibility: String,
}

async fn status_by_uri(app: &App, uri: &str) -> Result<Option<StatusRef>, FedError> {
    Ok(sqlx::query_as(
        "SELECT id, account_id, visibility FROM statuses WHERE uri = $1 AND reblog_of_id IS NULL",
    )
    .bind(uri)
    .fetch_optional(&app.db.pool)
    .await?)
}

async fn featured_url(app: &App, account_id: i64) -> Result<Option<String>, FedError> {
    let url: Option<Option<String>> =
        sqlx::query_scalar("SELECT featured_url FROM accounts WHERE id = $1")
            .bind(account_id)
            .fetch_optional(&app.db.pool)
            .await?;
    Ok(url.flatten())
}

/// A remote account pins (or unpins) one of its own statuses.
pub async fn record_pin(
    app: &App,
    account_id: i64,
    status_id: i64,
    on: bool,
    dedupe: Option<&str>,
) -> Result<(), FedError> {
    let author: Option<i64> = sqlx::query_scalar("SELECT account_id FROM statuses WHERE id = $1")
        .bind(status_id)
        .fetch_optional(&app.db.pool)
        .await?;
    if author != Some(account_id) {
        return Err(FedError::rejected(
            "an actor may only feature its own posts",
        ));
    }
    let command = if on {
        pin::Command::Pin(events::Pin {
            account_id,
            status_id,
            created_at: time::now_ms(),
        })
    } else {
        pin::Command::Unpin
    };
    app.execute::<Pin>(
        &pin::stream(account_id, status_id),
        &local_actor(account_id),
        dedupe,
        command,
    )
    .await
    .map_err(|e| match e {
        Error::Forbidden(m) | Error::Validation(m) => FedError::Rejected(m),
        e => e.into(),
    })?;
    Ok(())
}

async fn tombstoned(app: &App, uri: &str) -> Result<bool, FedError> {
    let found: Option<String> = sqlx::query_scalar("SELECT uri FROM tombstones WHERE uri = $1")
        .bind(uri)
        .fetch_optional(&app.db.pool)
        .await?;
    Ok(found.is_some())
}

impl Ctx<'_> {
    fn label(&self) -> String {
        local_actor(self.actor.id)
    }

    async fn run<A: Aggregate>(
        &self,
        stream: &str,
        dedupe: Option<&str>,
        command: A::Command,
    ) -> Result<Outcome, FedError> {
        match self
            .app
            .execute::<A>(stream, &self.label(), dedupe, command)
            .await
        {
            Ok(o) => Ok(o),
            Err(Error::NotFound) => Ok(Outcome::Appended(vec![])),
            Err(Error::Forbidden(m)) | Err(Error::Validation(m)) => Err(FedError::Rejected(m)),
            Err(e) => Err(e.into()),
        }
    }

    /// The embedded object when it comes from the actor's own server, otherwise the
    /// object fetched from its origin.
    async fn object_document(&self) -> Result<Value, FedError> {
        let id = self
            .act
            .object_id()
            .ok_or_else(|| FedError::rejected("the activity has no object"))?;
        if self.act.object.is_object() && same_origin(id, &self.act.actor) {
            return Ok(self.act.object.clone());
        }
        fetch::object(self.app, id).await
    }

    async fn local_target(&self) -> Result<ActorRow, FedError> {
        let id = self
            .act
            .object_id()
            .ok_or_else(|| FedError::rejected("the activity has no object"))?;
        actors::local_by_uri(self.app, id)
            .await?
            .ok_or_else(|| FedError::rejected(format!("{id} is not an account here")))
    }

    async fn follow(&self) -> Result<(), FedError> {
        let target = self.local_target().await?;
        if blocked(self.app, target.id, self.actor.id).await? {
            return Ok(());
        }
        let rel = events::Follow {
            follow_id: ids::next_id(),
            account_id: self.actor.id,
            target_account_id: target.id,
            created_at: time::now_ms(),
            uri: Some(self.act.id.clone()),
        };
        self.run::<Follow>(
            &follow::stream(self.actor.id, target.id),
            Some(self.dedupe),
            follow::Command::Follow {
                rel,
                target_locked: target.locked != 0,
            },
        )
        .await?;
        Ok(())
    }

    /// Accept or Reject of one of our follows: the local follower comes from our own
    /// Follow's id or from the embedded Follow; the remote answering must be its target.
    async fn answer_follow(&self, accepted: bool) -> Result<(), FedError> {
        let object_id = self.act.object_id().unwrap_or_default();
        let follower: Option<i64> = match our_follow_id(self.app, object_id) {
            Some(follow_id) => {
                sqlx::query_scalar(
                    "SELECT account_id FROM follow_requests WHERE id = $1 \
                 UNION SELECT account_id FROM follows WHERE id = $1",
                )
                .bind(follow_id)
                .fetch_optional(&self.app.db.pool)
                .await?
            }
            None => match self.act.object.get("actor").and_then(vocab::id_of) {
                Some(uri) => actors::local_by_uri(self.app, uri).await?.map(|a| a.id),
                None => None,
            },
        };
        let Some(follower) = follower else {
            return Ok(());
        };
        let command = if accepted {
            follow::Command::Authorize
        } else {
            // A Reject after an Accept removes the follower (Mastodon's way of doing so).
            follow::Command::Unfollow
        };
        let command = match (accepted, self.follow_state(follower).await?) {
            (false, Follow::Requested(_)) => follow::Command::Reject,
            _ => command,
        };
        self.run::<Follow>(
            &follow::stream(follower, self.actor.id),
            Some(self.dedupe),
            command,
        )
        .await?;
        Ok(())
    }

    async fn follow_state(&self, follower: i64) -> Result<Follow, FedError> {
        let mut conn = self.app.db.pool.acquire().await?;
        let history = eventlog::read_stream(&mut conn, &follow::stream(follower, self.actor.id))
            .await
            .map_err(|e| FedError::Internal(e.to_string()))?;
        Ok(Follow::from_events(history.iter().map(|r| &r.event)))
    }

    async fn undo(&self) -> Result<(), FedError> {
        let inner_id = self.act.object_id().unwrap_or_default().to_string();
        if let Some(inner_actor) = self.act.object.get("actor").and_then(vocab::id_of)
            && inner_actor != self.act.actor
        {
            return Err(FedError::rejected(
                "only the actor of an activity may undo it",
            ));
        }
        let kind = vocab::type_of(&self.act.object).map(str::to_string);
        let pool = &self.app.db.pool;
        let actor = self.actor.id;
        if kind.as_deref().is_none_or(|k| k == "Follow") {
            let target: Option<i64> = sqlx::query_scalar(
                "SELECT target_account_id FROM follows WHERE uri = $1 AND account_id = $2 \
                 UNION SELECT target_account_id FROM follow_requests WHERE uri = $1 AND account_id = $2",
            )
            .bind(&inner_id)
            .bind(actor)
            .fetch_optional(pool)
            .await?;
            let target = match target {
                Some(t) => Some(t),
                None => match self.act.object.get("object").and_then(vocab::id_of) {
                    Some(uri) => actors::local_by_uri(self.app, uri).await?.map(|a| a.id),
                    None => None,
                },
            };
            if let Some(target) = target {
                self.run::<Follow>(
                    &follow::stream(actor, target),
                    Some(self.dedupe),
                    follow::Command::Unfollow,
                )
                .await?;
                return Ok(());
            }
        }
        if kind.as_deref().is_none_or(|k| k == "Like") {
            let status: Option<i64> = sqlx::query_scalar(
                "SELECT status_id FROM favourites WHERE uri = $1 AND account_id = $2",
            )
            .bind(&inner_id)
            .bind(actor)
            .fetch_optional(pool)
            .await?;
            let status = match status {
                Some(s) => Some(s),
                None => match self.act.object.get("object").and_then(vocab::id_of) {
                    Some(uri) => status_by_uri(self.app, uri).await?.map(|s| s.id),
                    None => None,
                },
            };
            if let Some(status) = status {
                self.run::<Favourite>(
                    &favourite::stream(actor, status),
                    Some(self.dedupe),
                    favourite::Command::Unfavourite,
                )
                .await?;
                return Ok(());
            }
        }
        if kind.as_deref().is_none_or(|k| k == "Announce") {
            let original: Option<i64> = sqlx::query_scalar(
                "SELECT reblog_of_id FROM statuses WHERE activity_uri = $1 AND account_id = $2",
            )
            .bind(&inner_id)
            .bind(actor)
            .fetch_optional(pool)
            .await?
            .flatten();
            if let Some(original) = original {
                self.run::<Reblog>(
                    &reblog::stream(actor, original),
                    Some(self.dedupe),
                    reblog::Command::Unreblog,
                )
                .await?;
                return Ok(());
            }
        }
        if kind.as_deref().is_none_or(|k| k == "Block") {
            let target: Option<i64> = sqlx::query_scalar(
                "SELECT target_account_id FROM blocks WHERE uri = $1 AND account_id = $2",
            )
            .bind(&inner_id)
            .bind(actor)
            .fetch_optional(pool)
            .await?;
            if let Some(target) = target {
                self.run::<Block>(
                    &block::stream(actor, target),
                    Some(self.dedupe),
                    block::Command::Unblock,
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn create(&self) -> Result<(), FedError> {
        let doc = self.object_document().await?;
        let note = vocab::note(&doc)?;
        if note.attributed_to != self.act.actor || !same_origin(&note.id, &self.act.actor) {
            return Err(FedError::rejected(format!(
                "{} is not {}'s to create",
                note.id, self.act.actor
            )));
        }
        if self.vote(&note).await? {
            return Ok(());
        }
        create_status(self.app, &note, self.actor, 0).await?;
        Ok(())
    }

    /// A vote on one of our polls: a note with a `name` (the choice) and no content, in
    /// reply to the poll's status. Returns whether the note was one.
    async fn vote(&self, note: &Note) -> Result<bool, FedError> {
        let (Some(choice), Some(question)) = (&note.name, &note.in_reply_to) else {
            return Ok(false);
        };
        if !sanitize::plain_text(&note.content_html).trim().is_empty() {
            return Ok(false);
        }
        let found: Option<(i64, String)> = sqlx::query_as(
            "SELECT p.id, p.options FROM polls p JOIN statuses s ON s.id = p.status_id \
             WHERE s.uri = $1 AND s.local = 1",
        )
        .bind(question)
        .fetch_optional(&self.app.db.pool)
        .await?;
        let Some((poll_id, options)) = found else {
            return Ok(false);
        };
        let options: Vec<String> = serde_json::from_str(&options).unwrap_or_default();
        let index = options
            .iter()
            .position(|o| o == choice)
            .ok_or_else(|| FedError::rejected(format!("{choice} is not a choice of {question}")))?;
        match self
            .app
            .vote(
                self.actor.id,
                poll_id,
                vec![index],
                Some(note.id.clone()),
                &self.label(),
            )
            .await
        {
            Ok(_) | Err(Error::NotFound) => Ok(true),
            Err(Error::Validation(m)) | Err(Error::Forbidden(m)) => Err(FedError::Rejected(m)),
            Err(e) => Err(e.into()),
        }
    }

    async fn update(&self) -> Result<(), FedError> {
        let kind = vocab::type_of(&self.act.object).unwrap_or_default();
        let object_id = self.act.object_id().unwrap_or_default();
        if vocab::ACTOR_TYPES.contains(&kind) || object_id == self.act.actor {
            if object_id != self.act.actor {
                return Err(FedError::rejected("an actor may only update itself"));
            }
            let doc = self.object_document().await?;
            actors::store(self.app, &doc).await?;
            return Ok(());
        }
        let Some(existing) = status_by_uri(self.app, object_id).await? else {
            // An edit of something we never saw: nothing to update.
            return Ok(());
        };
        if existing.account_id != self.actor.id {
            return Err(FedError::rejected("only its author may update a status"));
        }
        let doc = self.object_document().await?;
        let note = vocab::note(&doc)?;
        if note.id != object_id || note.attributed_to != self.act.actor {
            return Err(FedError::rejected("the updated note is not the one named"));
        }
        let (content, spoiler_text, sensitive) = rendered(&note);
        let edit = StatusEdited {
            status_id: existing.id,
            account_id: self.actor.id,
            text: String::new(),
            content,
            spoiler_text,
            sensitive,
            language: note.language.clone(),
            mentions: mentioned_accounts(self.app, &note).await?,
            tags: note.hashtags.clone(),
            emojis: remote_emojis(&note),
            edited_at: note
                .updated_ms
                .unwrap_or_else(time::now_ms)
                .min(time::now_ms()),
        };
        self.run::<Status>(
            &status::stream(existing.id),
            Some(self.dedupe),
            status::Command::Edit {
                edit: Box::new(edit),
                max_chars: usize::MAX,
                remote: true,
            },
        )
        .await?;
        Ok(())
    }

    async fn delete(&self) -> Result<(), FedError> {
        let object_id = self
            .act
            .object_id()
            .ok_or_else(|| FedError::rejected("the activity has no object"))?
            .to_string();
        if object_id == self.act.actor {
            self.run::<Account>(
                &account::stream(self.actor.id),
                Some(self.dedupe),
                account::Command::RemoteDeleted,
            )
            .await?;
            return Ok(());
        }
        if !same_origin(&object_id, &self.act.actor) {
            return Err(FedError::rejected(
                "an actor may only delete its own objects",
            ));
        }
        if let Some(existing) = status_by_uri(self.app, &object_id).await? {
            if existing.account_id != self.actor.id {
                return Err(FedError::rejected("only its author may delete a status"));
            }
            self.run::<Status>(
                &status::stream(existing.id),
                Some(self.dedupe),
                status::Command::Delete {
                    by_account_id: self.actor.id,
                },
            )
            .await?;
        }
        // Remembered either way, so a Create that arrives late (or again) is ignored.
        self.run::<Once>(
            &once::tombstone_stream(&object_id),
            None,
            Event::ObjectTombstoned(events::Tombstone {
                uri: object_id.clone(),
                deleted_at: time::now_ms(),
            }),
        )
        .await?;
        Ok(())
    }

    async fn announce(&self) -> Result<(), FedError> {
        // A community (FEP-1b12) announces whole activities; communities are not built yet.
        if let Some(kind) = self.act.object_type()
            && !vocab::NOTE_TYPES.contains(&kind)
        {
            tracing::debug!(kind, id = %self.act.id, "announced activity ignored");
            return Ok(());
        }
        let object_id = self
            .act
            .object_id()
            .ok_or_else(|| FedError::rejected("the activity has no object"))?
            .to_string();
        let original = match status_by_uri(self.app, &object_id).await? {
            Some(s) => s,
            None => {
                if tombstoned(self.app, &object_id).await? {
                    return Ok(());
                }
                // Never trusted inline: the announced post is fetched from its origin.
                let doc = fetch::object(self.app, &object_id).await?;
                let note = vocab::note(&doc)?;
                if note.id != object_id {
                    return Err(FedError::rejected(
                        "the announced object is not the one named",
                    ));
                }
                let author = actors::resolve(self.app, &note.attributed_to).await?;
                if !same_origin(&note.id, &author.uri) {
                    return Err(FedError::rejected("the announced note is not its author's"));
                }
                let id = create_status(self.app, &note, &author, 0).await?;
                StatusRef {
                    id,
                    account_id: author.id,
                    visibility: vocab::visibility(&note, author.followers_url.as_deref()).into(),
                }
            }
        };
        let public = |l: &[String]| l.iter().any(|a| a == tessera_federation::context::PUBLIC);
        let visibility = if public(&self.act.to) {
            "public"
        } else if public(&self.act.cc) {
            "unlisted"
        } else {
            "private"
        };
        self.run::<Reblog>(
            &reblog::stream(self.actor.id, original.id),
            Some(self.dedupe),
            reblog::Command::Reblog {
                reblog: events::Reblog {
                    reblog_id: ids::next_id(),
                    account_id: self.actor.id,
                    status_id: original.id,
                    status_account_id: original.account_id,
                    visibility: visibility.into(),
                    created_at: time::now_ms(),
                    uri: Some(self.act.id.clone()),
                },
                original_visibility: original.visibility,
            },
        )
        .await?;
        Ok(())
    }

    async fn like(&self) -> Result<(), FedError> {
        let object_id = self.act.object_id().unwrap_or_default();
        let Some(status) = status_by_uri(self.app, object_id).await? else {
            return Ok(());
        };
        self.run::<Favourite>(
            &favourite::stream(self.actor.id, status.id),
            Some(self.dedupe),
            favourite::Command::Favourite(events::Favourite {
                favourite_id: ids::next_id(),
                account_id: self.actor.id,
                status_id: status.id,
                status_account_id: status.account_id,
                created_at: time::now_ms(),
                uri: Some(self.act.id.clone()),
            }),
        )
        .await?;
        Ok(())
    }

    /// Add (pin) or Remove (unpin) of one of the actor's own posts in its `featured`
    /// collection. Other collections are not modelled.
    async fn feature(&self, on: bool) -> Result<(), FedError> {
        let featured = featured_url(self.app, self.actor.id).await?;
        if featured.is_none() || self.act.target.as_deref() != featured.as_deref() {
            tracing::debug!(id = %self.act.id, "Add/Remove to another collection ignored");
            return Ok(());
        }
        let object_id = self
            .act
            .object_id()
            .ok_or_else(|| FedError::rejected("the activity has no object"))?
            .to_string();
        let status = match status_by_uri(self.app, &object_id).await? {
            Some(s) => s.id,
            None if on && !tombstoned(self.app, &object_id).await? => {
                // Never trusted inline: the pinned post is fetched from its origin.
                super::pull::object(self.app, &object_id).await?
            }
            None => return Ok(()),
        };
        record_pin(self.app, self.actor.id, status, on, Some(self.dedupe)).await
    }

    async fn block(&self) -> Result<(), FedError> {
        let target = self.local_target().await?;
        end_follows(self.app, self.actor.id, target.id, &self.label()).await?;
        self.run::<Block>(
            &block::stream(self.actor.id, target.id),
            Some(self.dedupe),
            block::Command::Block(events::Block {
                block_id: ids::next_id(),
                account_id: self.actor.id,
                target_account_id: target.id,
                uri: Some(self.act.id.clone()),
                created_at: time::now_ms(),
            }),
        )
        .await?;
        Ok(())
    }

    async fn moved(&self) -> Result<(), FedError> {
        if self.act.object_id() != Some(self.act.actor.as_str()) {
            return Err(FedError::rejected("an actor may only move itself"));
        }
        let Some(target) = self.act.target.clone() else {
            return Err(FedError::rejected("a Move needs a target"));
        };
        vocab::http_url("target", &target)?;
        self.run::<Account>(
            &account::stream(self.actor.id),
            Some(self.dedupe),
            account::Command::Moved(target),
        )
        .await?;
        Ok(())
    }

    /// A report from another server's moderators: the first local account named is the
    /// one reported, with whichever of its statuses are named.
    async fn flag(&self) -> Result<(), FedError> {
        if let Some(domain) = &self.actor.domain {
            let mut conn = self.app.db.pool.acquire().await?;
            if crate::queries::domain_blocks::covering(&mut conn, domain)
                .await?
                .is_some_and(|b| b.reject_reports != 0)
            {
                return Err(FedError::rejected(format!(
                    "reports from {domain} are refused here"
                )));
            }
        }
        let named = vocab::ids_of(Some(&self.act.object));
        let mut target = None;
        let mut status_ids = Vec::new();
        for uri in &named {
            if target.is_none()
                && let Some(a) = actors::local_by_uri(self.app, uri).await?
            {
                target = Some(a.id);
            } else if let Some(s) = status_by_uri(self.app, uri).await? {
                status_ids.push(s.id);
            }
        }
        let Some(target) = target else {
            return Err(FedError::rejected("the report names no account of ours"));
        };
        // Mastodon puts the comment on the Flag itself.
        let comment = self
            .doc
            .get("content")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let report_id = ids::next_id();
        self.run::<Report>(
            &report::stream(report_id),
            Some(self.dedupe),
            report::Command::File(events::Report {
                report_id,
                account_id: self.actor.id,
                target_account_id: target,
                status_ids,
                comment: comment.chars().take(1000).collect(),
                uri: Some(self.act.id.clone()),
                created_at: time::now_ms(),
                category: None,
                forward: false,
            }),
        )
        .await?;
        Ok(())
    }
}

/// Is `account` blocking `target`?
pub async fn blocked(app: &App, account: i64, target: i64) -> Result<bool, FedError> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM blocks WHERE account_id = $1 AND target_account_id = $2",
    )
    .bind(account)
    .bind(target)
    .fetch_optional(&app.db.pool)
    .await?;
    Ok(found.is_some())
}

/// End the follows (and requests) both ways between two accounts, as a block does.
pub async fn end_follows(app: &App, a: i64, b: i64, label: &str) -> Result<(), Error> {
    for (from, to) in [(a, b), (b, a)] {
        match app
            .execute::<Follow>(
                &follow::stream(from, to),
                label,
                None,
                follow::Command::Unfollow,
            )
            .await
        {
            Ok(_) | Err(Error::NotFound) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Our own Follow activities are `<base>/follows/<follow id>`.
fn our_follow_id(app: &App, uri: &str) -> Option<i64> {
    let prefix = format!("{}/follows/", app.config.base_url());
    uri.strip_prefix(&prefix)?.parse().ok()
}

/// Sanitised content (with an Article's title shown), the content warning, and whether it
/// is sensitive. A title and a content warning are plain text, as Mastodon reads them: the
/// warning is kept as written, and escaped only where HTML is made.
fn rendered(note: &Note) -> (String, String, bool) {
    let mut html = String::new();
    if let Some(title) = note
        .name
        .as_deref()
        .filter(|_| note.kind != "Note" && note.kind != "Question")
    {
        html.push_str(&format!(
            "<p><strong>{}</strong></p>",
            crate::domain::text::escape(title)
        ));
    }
    html.push_str(&sanitize::remote_html(&note.content_html));
    let spoiler = note.summary.clone().unwrap_or_default();
    let sensitive = note.sensitive || !spoiler.is_empty();
    (html, spoiler, sensitive)
}

/// A `Question`'s choices and the counts its server gave: a poll of our own to show.
fn remote_poll(note: &Note) -> Option<events::PollSpec> {
    let poll = note.poll.as_ref().filter(|p| p.options.len() >= 2)?;
    let options: Vec<(String, i64)> = poll
        .options
        .iter()
        .take(20)
        .map(|(title, votes)| (title.chars().take(200).collect(), (*votes).max(0)))
        .collect();
    Some(events::PollSpec {
        poll_id: crate::ids::next_id(),
        multiple: poll.multiple,
        expires_at: poll.closes_ms,
        hide_totals: false,
        counts: Some(options.iter().map(|(_, v)| *v).collect()),
        voters_count: poll.voters_count.filter(|v| *v >= 0),
        options: options.into_iter().map(|(t, _)| t).collect(),
    })
}

/// A note's attachments as Mastodon keeps them: at most four, referenced where they live.
fn remote_media(note: &Note) -> Vec<events::AttachedMedia> {
    note.attachments
        .iter()
        .take(crate::domain::media::MAX_ATTACHMENTS)
        .map(|a| {
            let mime = a.media_type.as_deref().map(|m| m.to_ascii_lowercase());
            let kind = match mime.as_deref().and_then(|m| m.split('/').next()) {
                Some("image") => "image",
                Some("video") => "video",
                Some("audio") => "audio",
                _ => "unknown",
            };
            events::AttachedMedia {
                media_id: crate::ids::next_id(),
                remote: Some(events::RemoteMedia {
                    url: a.url.clone(),
                    kind: kind.into(),
                    mime,
                    description: a.description.as_deref().map(|d| {
                        d.chars()
                            .take(crate::domain::media::MAX_DESCRIPTION_CHARS)
                            .collect()
                    }),
                    blurhash: a.blurhash.clone().filter(|b| b.len() <= 100),
                    width: a.width.filter(|w| *w > 0),
                    height: a.height.filter(|h| *h > 0),
                    focus: a.focus,
                }),
            }
        })
        .collect()
}

/// The custom emoji a remote note uses, shown from its server (not cached here).
fn remote_emojis(note: &Note) -> Vec<crate::events::StatusEmoji> {
    note.emojis
        .iter()
        .map(|e| crate::events::StatusEmoji {
            shortcode: e.shortcode.clone(),
            url: e.url.clone(),
            static_url: e.url.clone(),
        })
        .collect()
}

async fn mentioned_accounts(app: &App, note: &Note) -> Result<Vec<i64>, FedError> {
    let mut ids = Vec::new();
    for href in note.mentions.iter().take(50) {
        if let Some(a) = actors::by_uri(app, href).await?
            && !ids.contains(&a.id)
        {
            ids.push(a.id);
        }
    }
    Ok(ids)
}

/// Record a remote note as a status (its parent first, fetched up to a bounded depth).
/// Returns the status id, existing or new.
pub async fn create_status(
    app: &App,
    note: &Note,
    author: &ActorRow,
    depth: u8,
) -> Result<i64, FedError> {
    if let Some(existing) = status_by_uri(app, &note.id).await? {
        return Ok(existing.id);
    }
    if tombstoned(app, &note.id).await? {
        return Err(FedError::rejected(format!("{} was deleted", note.id)));
    }
    let parent = match &note.in_reply_to {
        Some(uri) => parent_status(app, uri, depth).await,
        None => None,
    };
    let (content, spoiler_text, sensitive) = rendered(note);
    let now = time::now_ms();
    let posted = StatusPosted {
        status_id: ids::next_id(),
        account_id: author.id,
        uri: note.id.clone(),
        url: note.url.clone().unwrap_or_else(|| note.id.clone()),
        text: String::new(),
        content,
        spoiler_text,
        visibility: vocab::visibility(note, author.followers_url.as_deref()).into(),
        sensitive,
        language: note.language.clone(),
        in_reply_to_id: parent.as_ref().map(|p| p.id),
        in_reply_to_account_id: parent.as_ref().map(|p| p.account_id),
        mentions: mentioned_accounts(app, note).await?,
        tags: note.hashtags.iter().take(30).cloned().collect(),
        application: None,
        created_at: note.published_ms.unwrap_or(now).min(now),
        remote: true,
        media: remote_media(note),
        poll: remote_poll(note),
        emojis: remote_emojis(note),
    };
    let status_id = posted.status_id;
    let result = app
        .execute::<Status>(
            &status::stream(status_id),
            &local_actor(author.id),
            Some(&format!("object:{}", note.id)),
            status::Command::Post {
                status: Box::new(posted),
                max_chars: usize::MAX,
            },
        )
        .await;
    match result {
        Ok(Outcome::Appended(_)) => Ok(status_id),
        Ok(Outcome::Duplicate(_)) => status_by_uri(app, &note.id)
            .await?
            .map(|s| s.id)
            .ok_or_else(|| FedError::rejected(format!("{} was deleted", note.id))),
        Err(Error::Validation(m)) => Err(FedError::Rejected(m)),
        Err(e) => Err(e.into()),
    }
}

/// The status a reply answers: known, or fetched from its origin while the thread is not
/// too deep. A parent that cannot be had leaves the reply unthreaded, not lost.
async fn parent_status(app: &App, uri: &str, depth: u8) -> Option<StatusRef> {
    if let Ok(Some(known)) = status_by_uri(app, uri).await {
        return Some(known);
    }
    if depth >= MAX_PARENT_DEPTH {
        return None;
    }
    let fetched: Result<i64, FedError> = async {
        let doc = fetch::object(app, uri).await?;
        let note = vocab::note(&doc)?;
        let author = actors::resolve(app, &note.attributed_to).await?;
        if !same_origin(&note.id, &author.uri) {
            return Err(FedError::rejected("the parent is not its author's"));
        }
        Box::pin(create_status(app, &note, &author, depth + 1)).await
    }
    .await;
    match fetched {
        Ok(_) => status_by_uri(app, uri).await.ok().flatten(),
        Err(e) => {
            tracing::debug!(uri, error = %e, "reply parent not fetched");
            None
        }
    }
}

impl From<Rejection> for FedError {
    fn from(r: Rejection) -> Self {
        FedError::Rejected(r.to_string())
    }
}
