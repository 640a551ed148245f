//! Federation, the application's half: remote actors, the inbox and its ingress worker,
//! the outbox reactor and the push worker. The protocol itself (documents, signatures,
//! the safe client) lives in the `tessera-federation` crate; the queues in
//! `tessera-workers`.

pub mod actors;
pub mod cards;
pub mod deliver;
pub mod fetch;
pub mod health;
pub mod inbox;
pub mod ingress;
pub mod keys;
pub mod links;
pub mod outbox;
pub mod publish;
pub mod pull;
pub mod reactor;
pub mod webpush;
pub mod workers;

use std::sync::{Arc, OnceLock};

use tessera_federation::safe_client::{AddressPolicy, FetchError, Limits, SafeClient};
use tessera_federation::signatures::SignatureError;
use tessera_federation::vocab::VocabError;
use tessera_workers::{JobOutcome, Queues};

use crate::config::Config;
use crate::error::Error;

/// What federation needs beside the database: the outbound client, cached keys, and the
/// queues (absent in commands that only read).
/// The most read of a linked page or its image (Mastodon reads pages up to 1 MB and
/// card images up to 8 MB; some pages carry more than a megabyte of inline script).
pub const PAGE_MAX_BYTES: usize = 8 * 1024 * 1024;

pub struct Federation {
    pub client: SafeClient,
    /// For linked pages and their images, which may be larger than any activity.
    pub page_client: SafeClient,
    pub keys: keys::KeyCache,
    queues: OnceLock<Queues>,
    ingress_batcher: OnceLock<inbox::IngressBatcher>,
}

impl Federation {
    pub fn new(config: &Config) -> Result<Federation, Error> {
        let policy = if config.allow_private_addresses {
            AddressPolicy::AllowPrivate
        } else {
            AddressPolicy::PublicOnly
        };
        let agent = format!(
            "Tessera/{} (+{})",
            env!("CARGO_PKG_VERSION"),
            config.base_url()
        );
        let client =
            SafeClient::new(policy.clone(), Limits::default(), &agent).map_err(Error::internal)?;
        let page_limits = Limits {
            max_body_bytes: PAGE_MAX_BYTES,
            ..Limits::default()
        };
        let page_client = SafeClient::new(policy, page_limits, &agent).map_err(Error::internal)?;
        Ok(Federation {
            client,
            page_client,
            keys: keys::KeyCache::default(),
            queues: OnceLock::new(),
            ingress_batcher: OnceLock::new(),
        })
    }

    pub fn set_queues(&self, queues: Queues) {
        let _ = self.queues.set(queues);
    }

    pub fn set_ingress_batcher(&self, batcher: inbox::IngressBatcher) {
        let _ = self.ingress_batcher.set(batcher);
    }

    pub fn ingress_batcher(&self) -> Option<&inbox::IngressBatcher> {
        self.ingress_batcher.get()
    }

    pub fn queues(&self) -> Result<&Queues, FedError> {
        self.queues
            .get()
            .ok_or_else(|| FedError::Internal("the queues are not connected".into()))
    }
}

pub type Shared = Arc<Federation>;

/// Why a federation step failed, and whether trying again could help.
#[derive(Debug, thiserror::Error)]
pub enum FedError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("{0}")]
    Vocab(#[from] VocabError),
    #[error("signature: {0}")]
    Signature(#[from] SignatureError),
    /// The activity breaks an authority rule or names something we cannot accept.
    #[error("rejected: {0}")]
    Rejected(String),
    /// The remote answered with an error status.
    #[error("{url} answered {status}")]
    Status { url: String, status: u16 },
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("{0}")]
    App(#[from] Error),
    #[error("{0}")]
    Internal(String),
}

impl FedError {
    pub fn rejected(m: impl Into<String>) -> FedError {
        FedError::Rejected(m.into())
    }

    /// Could the same job succeed later?
    pub fn is_transient(&self) -> bool {
        match self {
            FedError::Fetch(FetchError::Transport(_) | FetchError::Timeout(_)) => true,
            FedError::Status { status, .. } => *status >= 500 || matches!(status, 401 | 408 | 429),
            FedError::Db(_) | FedError::Internal(_) => true,
            FedError::App(e) => matches!(
                e,
                Error::Conflict(_) | Error::Internal(_) | Error::Unavailable(_)
            ),
            _ => false,
        }
    }

    pub fn into_outcome(self) -> JobOutcome {
        if self.is_transient() {
            JobOutcome::Retry {
                after: None,
                reason: self.to_string(),
            }
        } else {
            JobOutcome::Fail(self.to_string())
        }
    }
}
