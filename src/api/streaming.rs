//! Mastodon's streaming API on the API's own port: a WebSocket at `/api/v1/streaming`
//! (several streams on one socket, by `subscribe`/`unsubscribe` messages) and Server-Sent
//! Events at `/api/v1/streaming/<stream>`. The token comes by `Authorization`, the
//! `access_token` query parameter, or `Sec-WebSocket-Protocol`. Heartbeats every 15 s; a
//! stream ends when its token is revoked or its account suspended.

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message as Frame, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::mpsc;

use crate::api::auth::{Auth, authenticate, bearer};
use crate::api::params::Query;
use crate::app::App;
use crate::error::Error;
use crate::streaming::hub::{Message, Stream, StreamError};

const HEARTBEAT: Duration = Duration::from_secs(15);
const SOCKET_BUFFER: usize = 8 * 1024;

pub fn router() -> Router<App> {
    Router::new()
        .route("/api/v1/streaming", get(websocket))
        .route("/api/v1/streaming/", get(websocket))
        .route("/api/v1/streaming/health", get(health))
        .route("/api/v1/streaming/{*stream}", get(server_sent_events))
}

async fn health() -> &'static str {
    "OK"
}

/// The caller's token, however it was sent, and who it belongs to.
struct StreamAuth {
    token: Option<String>,
    auth: Option<Auth>,
    /// Offered as `Sec-WebSocket-Protocol`, so echoed back in the handshake.
    protocol: Option<String>,
}

impl FromRequestParts<App> for StreamAuth {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Error> {
        let protocol = parts
            .headers
            .get("sec-websocket-protocol")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(',').next().unwrap_or("").trim().to_string())
            .filter(|v| !v.is_empty());
        let token = bearer(parts).or_else(|| protocol.clone());
        let auth = match &token {
            Some(t) => Some(authenticate(app, t).await?),
            None => None,
        };
        Ok(StreamAuth {
            token,
            auth,
            protocol,
        })
    }
}

impl StreamAuth {
    fn token_id(&self) -> Option<i64> {
        self.auth.as_ref().map(|a| a.token.id)
    }

    fn account_id(&self) -> Option<i64> {
        self.auth
            .as_ref()
            .and_then(|a| a.user.as_ref())
            .map(|u| u.account.id)
    }

    /// May this caller read `stream`? One's own timeline needs a user token with its scope,
    /// and a list stream the list's owner.
    async fn allow(&self, app: &App, stream: &Stream) -> Result<(), Error> {
        match (stream.scope(), &self.auth) {
            (None, _) => return Ok(()),
            (Some(_), None) => return Err(Error::InvalidToken),
            (Some(scope), Some(auth)) => auth.require(scope).map(drop)?,
        }
        if let Stream::List(list_id) = stream {
            let mut conn = app.db.pool.acquire().await?;
            let owner = crate::queries::lists::owner_of(&mut conn, *list_id).await?;
            if owner.is_none() || owner != self.account_id() {
                return Err(Error::NotFound);
            }
        }
        Ok(())
    }

    /// Whether the token still works (not revoked, the account not suspended).
    async fn still_valid(&self, app: &App) -> bool {
        match (&self.token, &self.auth) {
            (Some(token), Some(_)) => match authenticate(app, token).await {
                Ok(a) => a.user.as_ref().is_none_or(|u| u.account.suspended == 0),
                Err(_) => false,
            },
            _ => true,
        }
    }
}

#[derive(Deserialize)]
struct StreamParams {
    #[serde(default)]
    stream: Option<String>,
    #[serde(default)]
    tag: Option<String>,
    #[serde(default)]
    list: Option<String>,
}

fn parse(name: &str, tag: Option<&str>, list: Option<&str>) -> Result<Stream, Error> {
    Stream::parse(name, tag, list).map_err(|e| match e {
        StreamError::Unknown => Error::NotFound,
        other => Error::BadRequest(other.to_string()),
    })
}

async fn server_sent_events(
    State(app): State<App>,
    who: StreamAuth,
    Path(path): Path<String>,
    Query(p): Query<StreamParams>,
) -> Result<Response, Error> {
    let stream = parse(&path.replace('/', ":"), p.tag.as_deref(), p.list.as_deref())?;
    who.allow(&app, &stream).await?;
    let (id, mut from_hub) = app.streaming.hub.connect(who.account_id(), who.token_id());
    app.streaming.hub.subscribe(id, stream);
    let (tx, rx) = mpsc::channel::<SseEvent>(16);
    // The pump forwards messages and checks the token; when the client goes, the send fails
    // and it leaves the hub.
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(HEARTBEAT);
        tick.tick().await;
        let closing = app.streaming.closing.clone();
        loop {
            tokio::select! {
                _ = closing.cancelled() => break,
                message = from_hub.recv() => {
                    let Some(m) = message else { break };
                    // Mastodon writes `undefined` for an event without a payload.
                    let data = if m.payload.is_empty() { "undefined" } else { m.payload.as_ref() };
                    let event = SseEvent::default().event(m.event).data(data);
                    if tx.send(event).await.is_err() {
                        break;
                    }
                }
                _ = tick.tick() => {
                    if tx.is_closed() || !who.still_valid(&app).await {
                        break;
                    }
                }
            }
        }
        app.streaming.hub.disconnect(id);
    });
    let events = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|e| (Ok::<_, Infallible>(e), rx))
    });
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::new().interval(HEARTBEAT).text("thump"))
        .into_response())
}

async fn websocket(
    State(app): State<App>,
    who: StreamAuth,
    Query(p): Query<StreamParams>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, Error> {
    let Ok(upgrade) = upgrade else {
        return Err(Error::BadRequest(
            "Use a WebSocket here, or /api/v1/streaming/<stream> for server-sent events".into(),
        ));
    };
    let first = match &p.stream {
        Some(name) => {
            let s = parse(name, p.tag.as_deref(), p.list.as_deref())?;
            who.allow(&app, &s).await?;
            Some(s)
        }
        None => None,
    };
    // Stream messages are small: small buffers keep an open socket cheap (tungstenite's
    // defaults are 128 KiB each way).
    let upgrade = upgrade
        .read_buffer_size(SOCKET_BUFFER)
        .write_buffer_size(SOCKET_BUFFER);
    let upgrade = match who.protocol.clone() {
        Some(protocol) => upgrade.protocols([protocol]),
        None => upgrade,
    };
    Ok(upgrade.on_upgrade(move |socket| serve_socket(app, who, first, socket)))
}

#[derive(Deserialize)]
struct Request {
    #[serde(rename = "type")]
    kind: String,
    stream: String,
    #[serde(default)]
    tag: Option<String>,
    #[serde(default)]
    list: Option<String>,
}

async fn serve_socket(app: App, who: StreamAuth, first: Option<Stream>, socket: WebSocket) {
    let hub = &app.streaming.hub;
    let (id, mut from_hub) = hub.connect(who.account_id(), who.token_id());
    if let Some(s) = first {
        hub.subscribe(id, s);
    }
    let (mut sink, mut incoming) = socket.split();
    let mut tick = tokio::time::interval(HEARTBEAT);
    tick.tick().await;
    let closing = app.streaming.closing.clone();
    loop {
        tokio::select! {
            _ = closing.cancelled() => break,
            message = from_hub.recv() => {
                let Some(m) = message else { break };
                if sink.send(Frame::Text(frame(&m).into())).await.is_err() {
                    break;
                }
            }
            received = incoming.next() => {
                let text = match received {
                    Some(Ok(Frame::Text(t))) => t,
                    Some(Ok(Frame::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => continue,
                };
                if let Err(e) = handle_request(&app, &who, id, text.as_str()).await {
                    let error = json!({ "error": e.to_string(), "status": e.status_code().as_u16() });
                    if sink.send(Frame::Text(error.to_string().into())).await.is_err() {
                        break;
                    }
                }
            }
            _ = tick.tick() => {
                if !who.still_valid(&app).await {
                    break;
                }
                if sink.send(Frame::Ping(Vec::new().into())).await.is_err() {
                    break;
                }
            }
        }
    }
    hub.disconnect(id);
    let _ = sink.close().await;
}

async fn handle_request(app: &App, who: &StreamAuth, id: u64, text: &str) -> Result<(), Error> {
    let r: Request = serde_json::from_str(text)
        .map_err(|e| Error::BadRequest(format!("Malformed message: {e}")))?;
    let stream = parse(&r.stream, r.tag.as_deref(), r.list.as_deref())?;
    match r.kind.as_str() {
        "subscribe" => {
            who.allow(app, &stream).await?;
            app.streaming.hub.subscribe(id, stream);
        }
        "unsubscribe" => app.streaming.hub.unsubscribe(id, &stream),
        other => {
            return Err(Error::BadRequest(format!(
                "Unknown message type {other}: use subscribe or unsubscribe"
            )));
        }
    }
    Ok(())
}

/// Mastodon's WebSocket message: the stream, the event, and the payload as a string.
fn frame(m: &Message) -> String {
    // An event without a payload (`filters_changed`) has none, as Mastodon sends it.
    if m.payload.is_empty() {
        return json!({ "stream": m.stream, "event": m.event }).to_string();
    }
    json!({ "stream": m.stream, "event": m.event, "payload": m.payload.as_ref() }).to_string()
}
