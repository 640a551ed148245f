//! Outgoing mail: stored first, then sent by the `mail` queue — over SMTP when
//! `TESSERA_SMTP_URL` is set, otherwise written as an `.eml` file under `<data>/mail/`
//! (the default for one machine and for development).

use lettre::Address;
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tessera_workers::{JobOutcome, MailJob};

use crate::app::App;
use crate::error::Error;
use crate::{ids, time};

/// Store a message and queue it for sending.
pub async fn queue(app: &App, to: &str, subject: &str, body: &str) -> Result<String, Error> {
    let id = format!("{}", ids::next_id());
    sqlx::query(
        "INSERT INTO mail_outbox (id, to_address, subject, body_text, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&id)
    .bind(to)
    .bind(subject)
    .bind(body)
    .bind(time::now_ms())
    .execute(&app.db.pool)
    .await?;
    let queues = app.federation.queues().map_err(Error::internal)?;
    queues
        .enqueue_mail(vec![MailJob {
            message_id: id.clone(),
        }])
        .await
        .map_err(Error::internal)?;
    Ok(id)
}

pub async fn send(app: &App, job: &MailJob) -> JobOutcome {
    match try_send(app, job).await {
        Ok(()) => JobOutcome::Done,
        Err(MailError::Final(m)) => JobOutcome::Fail(m),
        Err(MailError::Again(m)) => JobOutcome::Retry {
            after: None,
            reason: m,
        },
    }
}

enum MailError {
    Final(String),
    Again(String),
}

async fn try_send(app: &App, job: &MailJob) -> Result<(), MailError> {
    let again = |e: &dyn std::fmt::Display| MailError::Again(e.to_string());
    let row: Option<(String, String, String, Option<i64>)> = sqlx::query_as(
        "SELECT to_address, subject, body_text, sent_at FROM mail_outbox WHERE id = $1",
    )
    .bind(&job.message_id)
    .fetch_optional(&app.db.pool)
    .await
    .map_err(|e| again(&e))?;
    let Some((to, subject, body, sent_at)) = row else {
        return Err(MailError::Final(format!("no message {}", job.message_id)));
    };
    if sent_at.is_some() {
        return Ok(());
    }
    let message = Message::builder()
        .from(sender(app)?)
        .to(to
            .parse::<Mailbox>()
            .map_err(|e| MailError::Final(format!("{to}: {e}")))?)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| MailError::Final(e.to_string()))?;
    match &app.config.smtp_url {
        Some(url) => {
            let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map_err(|e| MailError::Final(format!("TESSERA_SMTP_URL: {e}")))?
                .build();
            transport.send(message).await.map_err(|e| {
                if e.is_permanent() {
                    MailError::Final(e.to_string())
                } else {
                    again(&e)
                }
            })?;
        }
        None => {
            let dir = app.config.data_dir.join("mail");
            tokio::fs::create_dir_all(&dir)
                .await
                .map_err(|e| again(&e))?;
            let path = dir.join(format!("{}.eml", job.message_id));
            tokio::fs::write(&path, message.formatted())
                .await
                .map_err(|e| again(&e))?;
        }
    }
    sqlx::query("UPDATE mail_outbox SET sent_at = $2 WHERE id = $1")
        .bind(&job.message_id)
        .bind(time::now_ms())
        .execute(&app.db.pool)
        .await
        .map_err(|e| again(&e))?;
    Ok(())
}

/// From the contact address, or `notifications@<host>`, named after the instance.
fn sender(app: &App) -> Result<Mailbox, MailError> {
    let host = app.config.host();
    // A server known by its IP address (development, tests) has no mail domain.
    let host = if host.parse::<std::net::IpAddr>().is_ok() {
        "localhost".to_string()
    } else {
        host.to_string()
    };
    let address = if app.config.contact_email.is_empty() {
        Address::new("notifications", host)
    } else {
        app.config.contact_email.parse::<Address>()
    }
    .map_err(|e| MailError::Final(format!("sender address: {e}")))?;
    Ok(Mailbox::new(
        Some(app.config.instance_title.clone()),
        address,
    ))
}
