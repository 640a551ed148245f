//! Media use cases: upload (checked and decoded before anything is kept), process (the
//! files we serve: re-encoded without metadata, a preview, a blurhash), describe, and the
//! avatar and header images of a profile.

use crate::domain::media::{self, Media};
use crate::error::Error;
use crate::eventlog::local_actor;
use crate::events::{MediaDescribed, MediaFiles, MediaProcessed, MediaUploaded};
use crate::media::process::{self, Accepted, MediaError};
use crate::media::storage::StorageError;
use crate::queries::media::{self as q, MediaRow};
use crate::{ids, time};

use super::{App, blocking};

/// Avatars are cropped to 400×400 and headers to 1500×500, as Mastodon's.
pub const AVATAR_SIZE: (u32, u32) = (400, 400);
pub const HEADER_SIZE: (u32, u32) = (1500, 500);

pub struct Upload {
    pub bytes: Vec<u8>,
    pub description: Option<String>,
    pub focus: Option<(f64, f64)>,
}

/// Whether the client waits for the files (`/api/v1/media`) or is told to come back
/// (`/api/v2/media`, answered 202 while processing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Now,
    Later,
}

impl From<MediaError> for Error {
    fn from(e: MediaError) -> Self {
        match e {
            MediaError::TooLarge => Error::TooLarge(e.to_string()),
            other => Error::Validation(other.to_string()),
        }
    }
}

impl From<StorageError> for Error {
    fn from(e: StorageError) -> Self {
        Error::Unavailable(e.to_string())
    }
}

impl App {
    /// Check, decode and keep an upload. Anything wrong with the file is a 4xx before a
    /// byte is stored or an event appended.
    pub async fn upload_media(
        &self,
        account_id: i64,
        upload: Upload,
        when: When,
    ) -> Result<i64, Error> {
        media::check(upload.description.as_deref(), upload.focus)?;
        let bytes = upload.bytes;
        let media_id = ids::next_id();
        let mut uploaded = MediaUploaded {
            media_id,
            account_id,
            kind: "image".into(),
            upload_key: None,
            files: None,
            description: upload.description,
            focus: upload.focus,
            created_at: time::now_ms(),
        };
        match when {
            When::Now => {
                let files = blocking(move || {
                    let accepted = process::accept(&bytes)?;
                    process::attachment(&accepted)
                })
                .await??;
                uploaded.files = Some(self.store_files(media_id, files).await?);
            }
            When::Later => {
                // Decoded now so a broken file is refused now; the files come after.
                let bytes = blocking(move || process::accept(&bytes).map(|_| bytes)).await??;
                let key = format!("media/{media_id}/upload");
                self.storage.put(&key, bytes).await?;
                uploaded.upload_key = Some(key);
            }
        }
        let kept: Vec<String> = match (&uploaded.files, &uploaded.upload_key) {
            (Some(f), _) => vec![f.file_key.clone(), f.preview_key.clone()],
            (None, Some(k)) => vec![k.clone()],
            (None, None) => vec![],
        };
        let appended = self
            .execute::<Media>(
                &media::stream(media_id),
                &local_actor(account_id),
                None,
                media::Command::Upload(Box::new(uploaded)),
            )
            .await;
        if let Err(e) = appended {
            // Not recorded, so not kept either.
            for key in kept {
                let _ = self.storage.delete(&key).await;
            }
            return Err(e);
        }
        if when == When::Later {
            let app = self.clone();
            tokio::spawn(async move {
                if let Err(e) = app.process_upload(media_id).await {
                    tracing::warn!(media_id, error = %e, "processing an upload failed");
                }
            });
        }
        Ok(media_id)
    }

    /// Make the files of an upload kept for later, and record them.
    pub async fn process_upload(&self, media_id: i64) -> Result<(), Error> {
        let row = {
            let mut conn = self.db.pool.acquire().await?;
            q::by_id(&mut conn, media_id)
                .await?
                .ok_or(Error::NotFound)?
        };
        let Some(upload_key) = row.upload_key.filter(|_| row.processed == 0) else {
            return Ok(());
        };
        let bytes = self
            .storage
            .get(&upload_key)
            .await?
            .ok_or_else(|| Error::internal(format!("upload {upload_key} is missing")))?;
        let files = blocking(move || {
            let accepted = process::accept(&bytes)?;
            process::attachment(&accepted)
        })
        .await??;
        let files = self.store_files(media_id, files).await?;
        self.execute::<Media>(
            &media::stream(media_id),
            &local_actor(row.account_id),
            None,
            media::Command::Process(Box::new(MediaProcessed { media_id, files })),
        )
        .await?;
        self.storage.delete(&upload_key).await?;
        Ok(())
    }

    /// Finish uploads a stopped process left unprocessed (run at start).
    pub async fn resume_media_processing(&self) -> Result<(), Error> {
        let pending = {
            let mut conn = self.db.pool.acquire().await?;
            q::unprocessed(&mut conn, 1000).await?
        };
        for row in pending {
            if let Err(e) = self.process_upload(row.id).await {
                tracing::warn!(media_id = row.id, error = %e, "resuming an upload failed");
            }
        }
        Ok(())
    }

    async fn store_files(&self, media_id: i64, p: process::Processed) -> Result<MediaFiles, Error> {
        let file_key = format!("media/{media_id}/original.{}", p.original.extension);
        let preview_key = format!("media/{media_id}/small.{}", p.preview.extension);
        let files = MediaFiles {
            file_key: file_key.clone(),
            mime: p.original.mime.to_string(),
            width: i64::from(p.original.width),
            height: i64::from(p.original.height),
            size: i64::try_from(p.original.bytes.len()).unwrap_or(i64::MAX),
            preview_key: preview_key.clone(),
            preview_width: i64::from(p.preview.width),
            preview_height: i64::from(p.preview.height),
            blurhash: p.blurhash,
        };
        self.storage.put(&file_key, p.original.bytes).await?;
        self.storage.put(&preview_key, p.preview.bytes).await?;
        Ok(files)
    }

    /// A new description or focal point for one's own upload not yet posted.
    pub async fn describe_media(
        &self,
        account_id: i64,
        media_id: i64,
        description: Option<String>,
        focus: Option<(f64, f64)>,
    ) -> Result<MediaRow, Error> {
        let row = self.own_unattached(account_id, media_id).await?;
        self.execute::<Media>(
            &media::stream(media_id),
            &local_actor(account_id),
            None,
            media::Command::Describe {
                by: account_id,
                described: MediaDescribed {
                    media_id,
                    description: description.or(row.description),
                    focus: focus.or(row.focus_x.zip(row.focus_y)),
                },
            },
        )
        .await?;
        self.own_unattached(account_id, media_id).await
    }

    /// Delete one's own upload that no status carries, and its files.
    pub async fn delete_media(&self, account_id: i64, media_id: i64) -> Result<(), Error> {
        #[derive(sqlx::FromRow)]
        struct Found {
            status_id: Option<i64>,
            upload_key: Option<String>,
            file_key: Option<String>,
            preview_key: Option<String>,
        }
        let found: Found = sqlx::query_as(
            "SELECT status_id, upload_key, file_key, preview_key FROM media_attachments \
             WHERE id = $1 AND account_id = $2",
        )
        .bind(media_id)
        .bind(account_id)
        .fetch_optional(&self.db.pool)
        .await?
        .ok_or(Error::NotFound)?;
        self.execute::<Media>(
            &media::stream(media_id),
            &local_actor(account_id),
            None,
            media::Command::Delete {
                media_id,
                by: account_id,
                attached: found.status_id.is_some(),
            },
        )
        .await?;
        // The log no longer points at the files; one left behind by a failure is unused.
        for key in [found.upload_key, found.file_key, found.preview_key]
            .into_iter()
            .flatten()
        {
            if let Err(e) = self.storage.delete(&key).await {
                tracing::warn!(key, error = %e, "file of a deleted upload not removed");
            }
        }
        Ok(())
    }

    /// One's own upload, before it is posted (Mastodon shows no one else's, nor posted ones).
    pub async fn own_unattached(&self, account_id: i64, media_id: i64) -> Result<MediaRow, Error> {
        let mut conn = self.db.pool.acquire().await?;
        q::unattached(&mut conn, account_id, &[media_id])
            .await?
            .remove(&media_id)
            .ok_or(Error::NotFound)
    }

    /// The uploads to post with a status, in the order given: one's own, processed, not
    /// posted before, at most four.
    pub async fn media_to_attach(
        &self,
        account_id: i64,
        media_ids: &[i64],
    ) -> Result<Vec<i64>, Error> {
        if media_ids.len() > media::MAX_ATTACHMENTS {
            return Err(Error::Validation(format!(
                "Too many attachments: a post may have at most {}",
                media::MAX_ATTACHMENTS
            )));
        }
        let mut seen = std::collections::HashSet::new();
        let ids: Vec<i64> = media_ids
            .iter()
            .copied()
            .filter(|i| seen.insert(*i))
            .collect();
        let found = {
            let mut conn = self.db.pool.acquire().await?;
            q::unattached(&mut conn, account_id, &ids).await?
        };
        for id in &ids {
            match found.get(id) {
                None => {
                    return Err(Error::Validation(format!(
                        "Media {id} is not one of your attachments waiting to be posted"
                    )));
                }
                Some(m) if m.processed == 0 => {
                    return Err(Error::Validation(
                        "Cannot attach files that have not finished processing. Try again in a moment!"
                            .into(),
                    ));
                }
                Some(_) => {}
            }
        }
        Ok(ids)
    }

    /// Check and crop a new avatar or header, keep it, and return its storage key.
    pub async fn store_profile_image(
        &self,
        account_id: i64,
        name: &str,
        bytes: Vec<u8>,
        size: (u32, u32),
    ) -> Result<String, Error> {
        let encoded = blocking(move || {
            let accepted: Accepted = process::accept(&bytes)?;
            process::cropped(&accepted, size.0, size.1)
        })
        .await??;
        let key = format!(
            "accounts/{account_id}/{name}-{}.{}",
            ids::next_id(),
            encoded.extension
        );
        self.storage.put(&key, encoded.bytes).await?;
        Ok(key)
    }
}
