//! The push worker's work: sign one stored activity with its author's key and POST it to
//! one inbox. The answer decides what happens next: delivered, retried later (server
//! errors, time-outs, 401, 408, 429, honouring `Retry-After`), or given up (other 4xx).

use std::time::SystemTime;

use http::{HeaderMap, HeaderValue, Method};
use tessera_federation::{ACTIVITY_JSON, signatures, vocab};
use tessera_workers::{JobOutcome, PushJob, retry};

use super::keys::{Signer, signing_key};
use super::{FedError, health};
use crate::app::App;

/// The `account_id` of activities signed by the instance actor.
pub const INSTANCE_ACTOR: i64 = 0;

pub async fn push(app: &App, job: &PushJob) -> JobOutcome {
    let result = match &job.web_push {
        Some(w) => super::webpush::deliver(app, job, w).await,
        None => attempt(app, job).await,
    };
    match result {
        Ok(outcome) => outcome,
        Err(e) => e.into_outcome(),
    }
}

async fn attempt(app: &App, job: &PushJob) -> Result<JobOutcome, FedError> {
    let domain = vocab::origin_of(&job.inbox)
        .ok_or_else(|| FedError::rejected(format!("{} has no host", job.inbox)))?;
    if app.domain_suspended(&domain).await? {
        return Ok(JobOutcome::Fail(format!("{domain} is blocked here")));
    }
    let health = health::of(app, &domain).await?;
    if health.unavailable {
        return Ok(JobOutcome::Fail(format!("{domain} is marked unavailable")));
    }
    let stored: Option<(i64, String)> =
        sqlx::query_as("SELECT account_id, body FROM outbound_activities WHERE id = $1")
            .bind(&job.activity_id)
            .fetch_optional(&app.db.pool)
            .await?;
    let Some((account_id, body)) = stored else {
        return Ok(JobOutcome::Fail(format!(
            "activity {} is not stored",
            job.activity_id
        )));
    };
    // Activities the server sends on its own behalf (a forwarded report) are stored under
    // account 0 and signed by the instance actor.
    let signer = if account_id == INSTANCE_ACTOR {
        Signer::Instance
    } else {
        Signer::Account(account_id)
    };
    let (key_id, key) = signing_key(app, signer).await?;
    // RSA signing is most of a delivery's CPU; on the blocking pool it uses every core
    // rather than the one the queue worker's jobs are polled on.
    let inbox = job.inbox.clone();
    let (headers, body) = crate::app::blocking(move || {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static(ACTIVITY_JSON),
        );
        headers.insert(
            http::header::ACCEPT,
            HeaderValue::from_static(ACTIVITY_JSON),
        );
        let body = body.into_bytes();
        signatures::sign_request(
            &Method::POST,
            &inbox,
            &mut headers,
            Some(&body),
            &key_id,
            &key,
            SystemTime::now(),
        )
        .map(|()| (headers, body))
    })
    .await??;
    let answer = app
        .federation
        .client
        .send(Method::POST, &job.inbox, headers, Some(body))
        .await;
    let fetched = match answer {
        Ok(f) => f,
        Err(e) => {
            health::record_failure(app, &domain).await?;
            return Err(e.into());
        }
    };
    let code = fetched.status;
    if (200..300).contains(&code) {
        // A failure recorded since `health` was read stays until the next success.
        if health.failing {
            health::forget_failures(app, &domain).await?;
        }
    } else if code >= 500 {
        health::record_failure(app, &domain).await?;
    }
    Ok(retry::outcome_of_status(
        code,
        fetched.retry_after(),
        format!("{} answered {code}", job.inbox),
    ))
}
