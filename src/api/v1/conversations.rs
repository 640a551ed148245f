//! `/api/v1/conversations`: direct-message conversations, read and removed.

use axum::extract::{OriginalUri, Path, State};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::api::auth::Auth;
use crate::api::entities::{Ctx, conversation_to_api};
use crate::api::id;
use crate::api::pagination::{PageParams, Paged};
use crate::api::params::Query;
use crate::app::App;
use crate::domain::conversation::{self, Conversation};
use crate::error::Error;
use crate::eventlog::local_actor;
use crate::events::ConversationRef;
use crate::queries::conversations as q;

pub fn router() -> Router<App> {
    Router::new()
        .route("/api/v1/conversations", get(index))
        .route("/api/v1/conversations/{id}", delete(remove))
        .route("/api/v1/conversations/{id}/read", post(read))
}

async fn index(
    State(app): State<App>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PageParams>,
) -> Result<Paged, Error> {
    let me = auth.require("read:statuses")?;
    let mut conn = app.db.pool.acquire().await?;
    let list = q::list(&mut conn, me.id(), &p.page(20, 40)).await?;
    let ctx = Ctx::new(&app.config);
    let cursors = list
        .first()
        .zip(list.last())
        .map(|(a, b)| (a.row.last_status_id, b.row.last_status_id));
    Ok(Paged::new(
        list.iter().map(|c| conversation_to_api(c, &ctx)).collect(),
        &app.config.base_url(),
        &uri,
        cursors,
    ))
}

/// One's own conversation, or 404.
async fn own(app: &App, account_id: i64, raw: &str) -> Result<q::ConversationRow, Error> {
    let mut conn = app.db.pool.acquire().await?;
    q::get(&mut conn, account_id, id(raw)?)
        .await?
        .ok_or(Error::NotFound)
}

async fn read(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:conversations")?;
    let row = own(&app, me.id(), &raw).await?;
    let r = ConversationRef {
        account_id: me.id(),
        conversation_id: row.conversation_id,
    };
    if row.unread != 0 {
        app.execute::<Conversation>(
            &conversation::stream(me.id(), row.conversation_id),
            &local_actor(me.id()),
            None,
            conversation::Command::Read(r),
        )
        .await?;
    }
    let mut conn = app.db.pool.acquire().await?;
    let row = q::get(&mut conn, me.id(), row.conversation_id)
        .await?
        .ok_or(Error::NotFound)?;
    let view = q::hydrate(&mut conn, me.id(), vec![row])
        .await?
        .pop()
        .ok_or(Error::NotFound)?;
    Ok(Json(conversation_to_api(&view, &Ctx::new(&app.config))))
}

async fn remove(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:conversations")?;
    let row = own(&app, me.id(), &raw).await?;
    app.execute::<Conversation>(
        &conversation::stream(me.id(), row.conversation_id),
        &local_actor(me.id()),
        None,
        conversation::Command::Remove(ConversationRef {
            account_id: me.id(),
            conversation_id: row.conversation_id,
        }),
    )
    .await?;
    Ok(Json(json!({})))
}
