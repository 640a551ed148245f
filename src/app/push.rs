//! Web Push subscriptions (one per access token) and the server's VAPID key.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use tessera_federation::webpush::{SubscriptionKeys, VapidKey};

use super::App;
use crate::domain::push::{self, Push};
use crate::error::Error;
use crate::eventlog::local_actor;
use crate::events::PushSubscription;
use crate::{ids, time};

pub struct NewSubscription {
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    pub alerts: Vec<String>,
    pub policy: String,
}

impl App {
    /// The VAPID key, made and kept on first use, then held by this process (clients ask for
    /// it with every `/api/v2/instance`).
    pub async fn vapid_key(&self) -> Result<Arc<VapidKey>, Error> {
        self.vapid
            .get_or_try_init(|| async { self.load_vapid_key().await.map(Arc::new) })
            .await
            .cloned()
    }

    /// Two processes' first uses may race: the first insert wins and both read it back.
    async fn load_vapid_key(&self) -> Result<VapidKey, Error> {
        let stored: Option<String> =
            sqlx::query_scalar("SELECT private_pkcs8 FROM vapid_key WHERE id = 1")
                .fetch_optional(&self.db.pool)
                .await?;
        let encoded = match stored {
            Some(k) => k,
            None => {
                let pkcs8 = VapidKey::generate_pkcs8().map_err(Error::internal)?;
                sqlx::query(
                    "INSERT INTO vapid_key (id, private_pkcs8, created_at) VALUES (1, $1, $2) \
                     ON CONFLICT (id) DO NOTHING",
                )
                .bind(STANDARD.encode(pkcs8))
                .bind(time::now_ms())
                .execute(&self.db.pool)
                .await?;
                sqlx::query_scalar("SELECT private_pkcs8 FROM vapid_key WHERE id = 1")
                    .fetch_one(&self.db.pool)
                    .await?
            }
        };
        let pkcs8 = STANDARD.decode(encoded).map_err(Error::internal)?;
        VapidKey::from_pkcs8(&pkcs8).map_err(Error::internal)
    }

    /// Subscribe `token_id` (replacing its subscription). The endpoint must be a URL the
    /// safe client may reach, and the keys usable.
    pub async fn subscribe_push(
        &self,
        token_id: i64,
        account_id: i64,
        s: NewSubscription,
    ) -> Result<(), Error> {
        self.federation
            .client
            .check_url(&s.endpoint)
            .map_err(|e| Error::Validation(format!("Endpoint {}: {e}", s.endpoint)))?;
        SubscriptionKeys::parse(&s.p256dh, &s.auth)
            .map_err(|e| Error::Validation(e.to_string()))?;
        self.execute::<Push>(
            &push::stream(token_id),
            &local_actor(account_id),
            None,
            push::Command::Subscribe(PushSubscription {
                subscription_id: ids::next_id(),
                token_id,
                account_id,
                endpoint: s.endpoint,
                p256dh: s.p256dh,
                auth: s.auth,
                alerts: s.alerts,
                policy: s.policy,
                created_at: time::now_ms(),
            }),
        )
        .await?;
        Ok(())
    }

    pub async fn push_command(
        &self,
        token_id: i64,
        account_id: i64,
        command: push::Command,
    ) -> Result<(), Error> {
        self.execute::<Push>(
            &push::stream(token_id),
            &local_actor(account_id),
            None,
            command,
        )
        .await?;
        Ok(())
    }
}
