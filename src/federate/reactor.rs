//! What the background reactors that follow the log share: where they start, moving
//! their checkpoint, and their loop.

use std::future::Future;
use std::time::Duration;

use super::FedError;
use crate::app::App;
use crate::projections::runner::{checkpoint, set_checkpoint};

/// On a reactor's first run, start it at `at` rather than at the beginning of the log.
pub async fn start_at(app: &App, name: &str, at: i64) -> Result<(), FedError> {
    let mut tx = app.db.begin_write().await?;
    if checkpoint(&mut tx, name).await? == 0 {
        set_checkpoint(&mut tx, name, at).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Move a reactor's checkpoint from `from` to `to`: only forward, since another process
/// may have moved it meanwhile.
pub async fn advance(app: &App, name: &str, from: i64, to: i64) -> Result<(), FedError> {
    let mut tx = app.db.begin_write().await?;
    if checkpoint(&mut tx, name).await? == from {
        set_checkpoint(&mut tx, name, to).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Run `start` once, then `step` in the background until the pool closes: again at once
/// while it finds events, else after a second.
pub fn spawn<S, SFut, F, Fut>(
    app: App,
    what: &'static str,
    start: S,
    step: F,
) -> tokio::task::JoinHandle<()>
where
    S: FnOnce(App) -> SFut + Send + 'static,
    SFut: Future<Output = Result<(), FedError>> + Send,
    F: Fn(App) -> Fut + Send + 'static,
    Fut: Future<Output = Result<usize, FedError>> + Send,
{
    tokio::spawn(async move {
        if let Err(e) = start(app.clone()).await {
            tracing::error!(error = %e, what, "reactor could not start");
        }
        loop {
            match step(app.clone()).await {
                Ok(0) => {}
                Ok(_) => continue,
                Err(FedError::Db(sqlx::Error::PoolClosed)) => return,
                Err(e) => tracing::error!(error = %e, what, "reactor failed; will retry"),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    })
}
