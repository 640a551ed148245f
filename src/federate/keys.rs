//! Private keys for signing, parsed once: the instance actor's and each local account's.

use std::collections::HashMap;
use std::sync::Mutex;

use tessera_federation::signatures::PrivateKey;

use super::FedError;
use crate::app::App;

#[derive(Default)]
pub struct KeyCache {
    /// Each local account's key id and key.
    accounts: Mutex<HashMap<i64, (String, PrivateKey)>>,
    instance: Mutex<Option<PrivateKey>>,
}

/// Who signs a request: an account (its deliveries) or the instance actor (fetches).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signer {
    Account(i64),
    Instance,
}

impl Signer {
    pub fn key_id(self, app: &App, username: Option<&str>) -> String {
        let base = app.config.base_url();
        match (self, username) {
            (Signer::Account(_), Some(u)) => format!("{base}/users/{u}#main-key"),
            _ => format!("{base}/actor#main-key"),
        }
    }
}

/// The key and its id for `signer`.
pub async fn signing_key(app: &App, signer: Signer) -> Result<(String, PrivateKey), FedError> {
    match signer {
        Signer::Instance => {
            let cached = app
                .federation
                .keys
                .instance
                .lock()
                .map_err(|_| FedError::Internal("key cache poisoned".into()))?
                .clone();
            let key = match cached {
                Some(k) => k,
                None => {
                    crate::app::instance_actor::public_key(app).await?;
                    let pem: String = sqlx::query_scalar(
                        "SELECT private_key_pem FROM instance_actor WHERE id = 1",
                    )
                    .fetch_one(&app.db.pool)
                    .await?;
                    let key = PrivateKey::from_pem(&pem)?;
                    if let Ok(mut slot) = app.federation.keys.instance.lock() {
                        *slot = Some(key.clone());
                    }
                    key
                }
            };
            Ok((signer.key_id(app, None), key))
        }
        Signer::Account(id) => {
            let cached = app
                .federation
                .keys
                .accounts
                .lock()
                .map_err(|_| FedError::Internal("key cache poisoned".into()))?
                .get(&id)
                .cloned();
            if let Some((key_id, key)) = cached {
                return Ok((key_id, key));
            }
            let row: Option<(String, String)> = sqlx::query_as(
                "SELECT a.username, s.private_key_pem FROM accounts a \
                 JOIN account_secrets s ON s.account_id = a.id WHERE a.id = $1",
            )
            .bind(id)
            .fetch_optional(&app.db.pool)
            .await?;
            let (username, pem) =
                row.ok_or_else(|| FedError::rejected(format!("account {id} has no key")))?;
            let key = PrivateKey::from_pem(&pem)?;
            let key_id = signer.key_id(app, Some(&username));
            if let Ok(mut map) = app.federation.keys.accounts.lock() {
                map.insert(id, (key_id.clone(), key.clone()));
            }
            Ok((key_id, key))
        }
    }
}
