//! Starting and stopping the whole server: database, migrations, projectors, HTTP.

pub mod pages;

use std::net::SocketAddr;

use axum::Router;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::routing::get;
use tessera_workers::{Queue, Queues};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::app::App;
use crate::config::Config;
use crate::db::Db;

static MISSING_PNG: &[u8] = include_bytes!("../../frontend/static/missing.png");

pub fn router(app: App) -> Router {
    let images = Router::new()
        .route("/avatars/original/missing.png", get(missing_image))
        .route("/headers/original/missing.png", get(missing_image));
    crate::api::router(app).merge(images)
}

async fn missing_image() -> impl axum::response::IntoResponse {
    (
        [
            (CONTENT_TYPE, "image/png"),
            (CACHE_CONTROL, "public, max-age=86400"),
        ],
        MISSING_PNG,
    )
}

/// Connect and migrate: what every command that touches the database starts with.
pub async fn open(config: &Config) -> anyhow::Result<Db> {
    if config.database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir)?;
    }
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    Ok(db)
}

/// A server running in this process (used by `serve` and by the tests).
pub struct Running {
    pub addr: SocketAddr,
    pub app: App,
    stop: Option<oneshot::Sender<()>>,
    http: JoinHandle<std::io::Result<()>>,
    projector: JoinHandle<()>,
    /// The streaming dispatcher (and its Redis wake-ups).
    streaming: Vec<JoinHandle<()>>,
    workers: Option<(CancellationToken, JoinHandle<()>)>,
}

impl Running {
    /// Stop serving, stop the projectors, then close the database.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.http).await;
        self.stop_workers().await;
        self.projector.abort();
        let _ = (&mut self.projector).await;
        for task in self.streaming.drain(..) {
            task.abort();
            let _ = task.await;
        }
        self.app.db.pool.close().await;
    }

    /// Wait until the HTTP server ends (on a signal).
    pub async fn wait(mut self) -> std::io::Result<()> {
        let result = (&mut self.http).await.unwrap_or(Ok(()));
        self.stop_workers().await;
        self.projector.abort();
        for task in &self.streaming {
            task.abort();
        }
        result
    }

    /// Let running jobs finish (they are at-least-once, so an abort would only repeat them).
    async fn stop_workers(&mut self) {
        if let Some((token, handle)) = self.workers.take() {
            token.cancel();
            let _ = tokio::time::timeout(std::time::Duration::from_secs(10), handle).await;
        }
    }
}

pub async fn start(
    config: Config,
    listener: TcpListener,
    until: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<Running> {
    let db = open(&config).await?;
    let app = App::new(db.clone(), config)?;
    let projector = crate::projections::spawn(
        db,
        app.recent.clone(),
        app.projector_wake.clone(),
        app.streaming.projected.clone(),
    );
    let mut streaming = vec![crate::streaming::dispatch::spawn(app.clone())];
    if let Some(url) = &app.config.redis_url {
        streaming.push(crate::streaming::wake::spawn(app.clone(), url.clone()));
    }
    let resuming = app.clone();
    tokio::spawn(async move {
        if let Err(e) = resuming.resume_media_processing().await {
            tracing::warn!(error = %e, "resuming media processing failed");
        }
    });
    let queues = crate::federate::workers::connect(&app).await?;
    let workers = app.config.run_workers.then(|| {
        let token = CancellationToken::new();
        let handle = tokio::spawn(run_workers(
            app.clone(),
            queues,
            Queue::ALL.to_vec(),
            token.clone(),
        ));
        (token, handle)
    });
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    // Clients may add a trailing slash (Mastodon.py asks for `/api/v1/conversations/`);
    // Rails ignores it, so must we. The path is trimmed before routing.
    let service = tower::Layer::layer(
        &tower_http::normalize_path::NormalizePathLayer::trim_trailing_slash(),
        router(app.clone()),
    );
    let closing = app.streaming.closing.clone();
    let http = tokio::spawn(async move {
        axum::serve(
            listener,
            axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<
                SocketAddr,
            >(service),
        )
        .with_graceful_shutdown(async move {
            tokio::select! {
                _ = stopped => {}
                _ = until => {}
            }
            closing.cancel();
        })
        .await
    });
    Ok(Running {
        addr,
        app,
        stop: Some(stop),
        http,
        projector,
        streaming,
        workers,
    })
}

/// Run queue workers until cancelled, logging (not ending the server) if they fail.
pub async fn run_workers(app: App, queues: Queues, which: Vec<Queue>, token: CancellationToken) {
    if let Err(e) = crate::federate::workers::run(app, queues, which, token).await {
        tracing::error!(error = %e, "queue workers stopped");
    }
}
