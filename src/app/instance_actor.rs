//! The instance actor: a `Service` whose key signs fetches made on the server's behalf.
//! Its key pair is made once, on first use, and kept beside the log.

use super::{App, blocking};
use crate::error::Error;

pub async fn public_key(app: &App) -> Result<String, Error> {
    let existing: Option<String> =
        sqlx::query_scalar("SELECT public_key_pem FROM instance_actor WHERE id = 1")
            .fetch_optional(&app.db.pool)
            .await?;
    if let Some(pem) = existing {
        return Ok(pem);
    }
    let keys = blocking(tessera_federation::keys::generate)
        .await?
        .map_err(Error::internal)?;
    // Two first requests may race: the first insert wins and both read it back.
    sqlx::query(
        "INSERT INTO instance_actor (id, public_key_pem, private_key_pem, created_at) VALUES (1, $1, $2, $3) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(&keys.public_pem)
    .bind(&keys.private_pem)
    .bind(crate::time::now_ms())
    .execute(&app.db.pool)
    .await?;
    Ok(
        sqlx::query_scalar("SELECT public_key_pem FROM instance_actor WHERE id = 1")
            .fetch_one(&app.db.pool)
            .await?,
    )
}
