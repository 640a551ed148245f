//! What each queue's jobs carry: ids and URLs, never keys or whole models. An ingress job
//! carries the received body, which is input still to be applied, not a model.

use serde::{Deserialize, Serialize};

use crate::Queue;

/// Sign the stored activity `activity_id` and POST it to `inbox`; or, with `web_push`,
/// encrypt a notification for a Web Push subscription and POST it to its endpoint
/// (`inbox`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushJob {
    pub activity_id: String,
    pub inbox: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_push: Option<WebPush>,
}

/// One notification for one access token's subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebPush {
    pub notification_id: i64,
    pub account_id: i64,
    pub token_id: i64,
}

/// Fetch `url` and apply it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullJob {
    pub url: String,
    pub purpose: PullPurpose,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PullPurpose {
    Actor,
    Object,
    Outbox,
    Featured,
    ReplyParent {
        depth: u8,
    },
    /// The page a status links to, for its preview card.
    Card {
        status_id: i64,
    },
    /// An address (`acct:user@host`) from an imported follows list: found by WebFinger,
    /// then followed by the importing account.
    FollowImport {
        account_id: i64,
    },
    /// A profile field's page (the job's URL): does it link back with `rel="me"`?
    VerifyLink {
        account_id: i64,
    },
    /// Remove what a deleted local account posted, reblogged, favourited and uploaded;
    /// the job's URL is unused.
    PurgeAccount {
        account_id: i64,
    },
}

/// Apply one received activity whose signature was verified as `key_owner`'s.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngressJob {
    pub body: String,
    pub key_owner: String,
    pub received_at_ms: i64,
}

/// Send the stored message `message_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailJob {
    pub message_id: String,
}

/// What is stored for a job: the job, how many times it has run, and why the last run
/// failed. A retry is a new stored job with `tries` one higher, due after the back-off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope<J> {
    pub job: J,
    #[serde(default)]
    pub tries: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

impl<J> Envelope<J> {
    pub fn new(job: J) -> Envelope<J> {
        Envelope {
            job,
            tries: 0,
            last_error: None,
        }
    }
}

/// A job type and the queue it belongs to.
pub trait Job:
    Clone + Serialize + for<'de> Deserialize<'de> + Send + Sync + Unpin + 'static
{
    const QUEUE: Queue;
}

impl Job for PushJob {
    const QUEUE: Queue = Queue::Push;
}
impl Job for PullJob {
    const QUEUE: Queue = Queue::Pull;
}
impl Job for IngressJob {
    const QUEUE: Queue = Queue::Ingress;
}
impl Job for MailJob {
    const QUEUE: Queue = Queue::Mail;
}
