//! With Redis, processes tell each other that the event log moved, so a post made through
//! one process reaches streams held by another at once rather than at the next look.
//! The log stays the only source of what is sent: a lost wake-up costs 250 ms, no event.

use std::time::Duration;

use futures::StreamExt;
use redis::AsyncCommands;
use tokio::task::JoinHandle;

use crate::app::App;

/// Publish this process's progress and listen for everyone else's, reconnecting on error.
pub fn spawn(app: App, url: String) -> JoinHandle<()> {
    tokio::spawn(async move {
        let channel = format!("tessera:{}:log", app.config.domain);
        loop {
            if let Err(e) = run(&app, &url, &channel).await {
                tracing::warn!(error = %e, "streaming wake-ups over Redis stopped; reconnecting");
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    })
}

async fn run(app: &App, url: &str, channel: &str) -> redis::RedisResult<()> {
    let client = redis::Client::open(url)?;
    let mut publisher = client.get_connection_manager().await?;
    let mut subscriber = client.get_async_pubsub().await?;
    subscriber.subscribe(channel).await?;
    let mut messages = subscriber.on_message();
    let mut projected = app.streaming.projected.subscribe();
    loop {
        tokio::select! {
            changed = projected.changed() => {
                if changed.is_err() {
                    return Ok(());
                }
                let _: i64 = publisher.publish(channel, "1").await?;
            }
            message = messages.next() => {
                if message.is_none() {
                    return Ok(());
                }
                app.streaming.elsewhere.send_modify(|n| *n += 1);
            }
        }
    }
}
