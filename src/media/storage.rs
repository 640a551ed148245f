//! Where media files live, behind one interface: the local disk under the data folder by
//! default, S3-compatible object storage when a bucket is configured. Files are stored
//! under keys we generate (`media/<id>/original.jpg`), never under a client's file name.

use std::sync::Arc;

use bytes::Bytes;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use crate::config::{Config, MediaStore};

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("media storage: {0}")]
    Store(#[from] object_store::Error),
    #[error("media storage: not a key we make: {0}")]
    BadKey(String),
    #[error("media storage: {0}")]
    Setup(String),
}

#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    /// `local` or `s3`, for logs and the admin.
    pub kind: &'static str,
}

impl Storage {
    pub fn from_config(config: &Config) -> Result<Storage, StorageError> {
        match &config.media_store {
            MediaStore::Local => {
                let dir = config.data_dir.join("media");
                std::fs::create_dir_all(&dir)
                    .map_err(|e| StorageError::Setup(format!("{}: {e}", dir.display())))?;
                Ok(Storage {
                    store: Arc::new(LocalFileSystem::new_with_prefix(&dir)?),
                    kind: "local",
                })
            }
            MediaStore::S3 {
                bucket,
                endpoint,
                region,
                access_key_id,
                secret_access_key,
            } => {
                let mut builder = AmazonS3Builder::new()
                    .with_bucket_name(bucket)
                    .with_region(region)
                    .with_access_key_id(access_key_id)
                    .with_secret_access_key(secret_access_key);
                if let Some(endpoint) = endpoint {
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_allow_http(endpoint.starts_with("http://"))
                        .with_virtual_hosted_style_request(false);
                }
                Ok(Storage {
                    store: Arc::new(builder.build()?),
                    kind: "s3",
                })
            }
        }
    }

    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), StorageError> {
        self.store
            .put(&path(key)?, PutPayload::from(Bytes::from(bytes)))
            .await?;
        Ok(())
    }

    /// The file, or `None` when there is none under `key`.
    pub async fn get(&self, key: &str) -> Result<Option<Bytes>, StorageError> {
        match self.store.get(&path(key)?).await {
            Ok(found) => Ok(Some(found.bytes().await?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        match self.store.delete(&path(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

fn path(key: &str) -> Result<Path, StorageError> {
    if is_key(key) {
        Ok(Path::from(key))
    } else {
        Err(StorageError::BadKey(key.to_string()))
    }
}

/// Keys are a few segments of lower-case letters, digits, `-`, `_` and `.`, none starting
/// with a dot: what we generate, and nothing a request could use to climb out.
pub fn is_key(key: &str) -> bool {
    let segments: Vec<&str> = key.split('/').collect();
    (2..=4).contains(&segments.len())
        && segments.iter().all(|s| {
            !s.is_empty()
                && s.len() <= 64
                && !s.starts_with('.')
                && s.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
                })
        })
}

/// Keys a visitor may fetch: processed files and avatars, never a pending upload.
pub fn is_public_key(key: &str) -> bool {
    is_key(key)
        && match key.split('/').collect::<Vec<_>>().as_slice() {
            ["media", id, file] => {
                id.bytes().all(|b| b.is_ascii_digit())
                    && (file.starts_with("original.") || file.starts_with("small."))
            }
            ["emojis", id, file] | ["cards", id, file] => {
                id.bytes().all(|b| b.is_ascii_digit()) && file.starts_with("original.")
            }
            ["accounts", id, file] => {
                id.bytes().all(|b| b.is_ascii_digit())
                    && (file.starts_with("avatar-") || file.starts_with("header-"))
            }
            _ => false,
        }
}

/// The content type of a file we wrote, from the extension we gave it.
pub fn content_type(key: &str) -> Option<&'static str> {
    match key.rsplit('.').next()? {
        "jpg" => Some("image/jpeg"),
        "png" => Some("image/png"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_generated_keys_pass() {
        assert!(is_public_key("media/123/original.jpg"));
        assert!(is_public_key("accounts/7/avatar-99.png"));
        assert!(is_public_key("emojis/42/original.png"));
        assert!(!is_public_key("emojis/x/original.png"));
        assert!(!is_public_key("media/123/upload"));
        assert!(!is_public_key("media/../secret"));
        assert!(!is_public_key("media/123/../../etc/passwd"));
        assert!(!is_public_key("media/12a/original.jpg"));
        assert!(!is_key("/etc/passwd"));
        assert!(!is_key("media/1/.hidden"));
        assert!(!is_key("media/1/Original.JPG"));
    }
}
