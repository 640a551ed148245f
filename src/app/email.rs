//! Links sent by mail: confirming an address after registration, and resetting a
//! password. Each link carries a random token stored only as its SHA-256, used once,
//! and good for a limited time.

use sha2::{Digest, Sha256};

use super::{App, blocking};
use crate::domain::account::{self, Account};
use crate::domain::password;
use crate::error::Error;
use crate::eventlog::local_actor;
use crate::time;

const CONFIRM: &str = "confirm";
const RESET: &str = "reset";
const CONFIRM_FOR_MS: i64 = 7 * 24 * 3600 * 1000;
const RESET_FOR_MS: i64 = 2 * 3600 * 1000;

fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl App {
    async fn issue_email_token(
        &self,
        account_id: i64,
        purpose: &str,
        valid_ms: i64,
    ) -> Result<String, Error> {
        let token = password::generate() + &password::generate();
        sqlx::query(
            "INSERT INTO email_tokens (token_hash, account_id, purpose, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(digest(&token))
        .bind(account_id)
        .bind(purpose)
        .bind(time::now_ms() + valid_ms)
        .execute(&self.db.pool)
        .await?;
        Ok(token)
    }

    /// The account a live token of `purpose` belongs to, marking it used.
    async fn use_email_token(&self, token: &str, purpose: &str) -> Result<i64, Error> {
        let account: Option<i64> = sqlx::query_scalar(
            "UPDATE email_tokens SET used_at = $3 WHERE token_hash = $1 AND purpose = $2 \
             AND used_at IS NULL AND expires_at > $3 RETURNING account_id",
        )
        .bind(digest(token))
        .bind(purpose)
        .bind(time::now_ms())
        .fetch_optional(&self.db.pool)
        .await?;
        account.ok_or(Error::NotFound)
    }

    /// Mail a confirmation link to a newly registered account.
    pub async fn send_confirmation(&self, account_id: i64, email: &str) -> Result<(), Error> {
        let token = self
            .issue_email_token(account_id, CONFIRM, CONFIRM_FOR_MS)
            .await?;
        let link = format!(
            "{}/auth/confirmation?confirmation_token={token}",
            self.config.base_url()
        );
        let body = format!(
            "Welcome to {title}!\n\nTo confirm this e-mail address, open:\n\n{link}\n\nThe link works for seven days. If you did not sign up, ignore this message.\n",
            title = self.config.instance_title
        );
        crate::mail::queue(
            self,
            email,
            &format!(
                "Confirm your e-mail address for {}",
                self.config.instance_title
            ),
            &body,
        )
        .await?;
        Ok(())
    }

    pub async fn confirm_email(&self, token: &str) -> Result<(), Error> {
        let account_id = self.use_email_token(token, CONFIRM).await?;
        self.execute::<Account>(
            &account::stream(account_id),
            &local_actor(account_id),
            None,
            account::Command::Confirm,
        )
        .await?;
        Ok(())
    }

    /// Mail a reset link if the address belongs to a local account; silent otherwise, so
    /// the form does not tell who has an account.
    pub async fn request_password_reset(&self, email: &str) -> Result<(), Error> {
        // A deleted account keeps its address taken, but gets no mail.
        let account: Option<i64> = sqlx::query_scalar(crate::sqlf!(
            "SELECT u.account_id FROM local_users u JOIN accounts a ON a.id = u.account_id \
             WHERE u.email_lower = $1 AND (a.suspended & {}) = 0",
            crate::projections::moderation::DELETED
        ))
        .bind(email.trim().to_lowercase())
        .fetch_optional(&self.db.pool)
        .await?;
        let Some(account_id) = account else {
            return Ok(());
        };
        let token = self
            .issue_email_token(account_id, RESET, RESET_FOR_MS)
            .await?;
        let link = format!(
            "{}/auth/password/edit?reset_password_token={token}",
            self.config.base_url()
        );
        let body = format!(
            "Someone asked to reset the password of your account on {title}.\n\nTo choose a new one, open:\n\n{link}\n\nThe link works for two hours. If it was not you, ignore this message: your password stays as it is.\n",
            title = self.config.instance_title
        );
        crate::mail::queue(
            self,
            email.trim(),
            &format!("Reset your password on {}", self.config.instance_title),
            &body,
        )
        .await?;
        Ok(())
    }

    /// Is this reset token live (for showing the form)?
    pub async fn reset_token_is_live(&self, token: &str) -> Result<bool, Error> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT account_id FROM email_tokens WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
        )
        .bind(digest(token))
        .bind(RESET)
        .bind(time::now_ms())
        .fetch_optional(&self.db.pool)
        .await?;
        Ok(found.is_some())
    }

    /// Set a new password with a reset token; every access token of the account is revoked.
    pub async fn reset_password(&self, token: &str, new_password: &str) -> Result<(), Error> {
        crate::domain::validate::password(new_password)?;
        let plain = new_password.to_string();
        let hash = blocking(move || password::hash(&plain))
            .await?
            .map_err(Error::internal)?;
        let account_id = self.use_email_token(token, RESET).await?;
        self.set_password_hash(account_id, hash).await
    }
}
