//! Who is listening to what, in this process: each open WebSocket or event stream is a
//! subscriber with a set of streams and a bounded channel its connection task drains.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use tokio::sync::mpsc;

/// Messages waiting for a slow client; beyond this the client is disconnected rather than
/// letting its backlog grow without bound.
const BACKLOG: usize = 1024;

/// Mastodon's streams.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Stream {
    User,
    UserNotification,
    Public {
        media: bool,
    },
    PublicLocal {
        media: bool,
    },
    PublicRemote {
        media: bool,
    },
    Hashtag(String),
    HashtagLocal(String),
    /// One of the subscriber's lists (checked when subscribing).
    List(i64),
    /// Direct-message conversations.
    Direct,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StreamError {
    #[error("Unknown stream type")]
    Unknown,
    #[error("No tag for stream provided")]
    NoTag,
    #[error("No list for stream provided")]
    NoList,
}

impl Stream {
    /// A stream by Mastodon's name (`public:local`, `hashtag` with `tag` ...).
    pub fn parse(name: &str, tag: Option<&str>, list: Option<&str>) -> Result<Stream, StreamError> {
        let tag = || {
            tag.map(|t| t.trim_start_matches('#').to_lowercase())
                .filter(|t| !t.is_empty() && t.len() <= 100)
                .ok_or(StreamError::NoTag)
        };
        Ok(match name {
            "user" => Stream::User,
            "user:notification" => Stream::UserNotification,
            "public" => Stream::Public { media: false },
            "public:media" => Stream::Public { media: true },
            "public:local" => Stream::PublicLocal { media: false },
            "public:local:media" => Stream::PublicLocal { media: true },
            "public:remote" => Stream::PublicRemote { media: false },
            "public:remote:media" => Stream::PublicRemote { media: true },
            "hashtag" => Stream::Hashtag(tag()?),
            "hashtag:local" => Stream::HashtagLocal(tag()?),
            "direct" => Stream::Direct,
            "list" => Stream::List(
                list.and_then(crate::ids::parse)
                    .ok_or(StreamError::NoList)?,
            ),
            _ => return Err(StreamError::Unknown),
        })
    }

    /// The `stream` array of each message, as Mastodon names it.
    pub fn names(&self) -> Vec<String> {
        let one = |s: &str| vec![s.to_string()];
        match self {
            Stream::User => one("user"),
            Stream::UserNotification => one("user:notification"),
            Stream::Public { media } => one(if *media { "public:media" } else { "public" }),
            Stream::PublicLocal { media } => one(if *media {
                "public:local:media"
            } else {
                "public:local"
            }),
            Stream::PublicRemote { media } => one(if *media {
                "public:remote:media"
            } else {
                "public:remote"
            }),
            Stream::Hashtag(t) => vec!["hashtag".into(), t.clone()],
            Stream::HashtagLocal(t) => vec!["hashtag:local".into(), t.clone()],
            Stream::List(id) => vec!["list".into(), id.to_string()],
            Stream::Direct => one("direct"),
        }
    }

    /// Streams of one's own timeline need a signed-in user, and the scope to read it.
    pub fn scope(&self) -> Option<&'static str> {
        match self {
            Stream::User => Some("read:statuses"),
            Stream::List(_) => Some("read:lists"),
            Stream::Direct => Some("read:statuses"),
            Stream::UserNotification => Some("read:notifications"),
            _ => None,
        }
    }
}

/// One message for a client: Mastodon's `event` and its `payload` (a JSON document as a
/// string, or a bare id for `delete`).
#[derive(Debug, Clone)]
pub struct Message {
    pub stream: Vec<String>,
    pub event: &'static str,
    pub payload: Arc<str>,
}

struct Subscriber {
    account_id: Option<i64>,
    token_id: Option<i64>,
    streams: HashSet<Stream>,
    tx: mpsc::Sender<Message>,
}

/// A subscriber as the dispatcher sees it.
#[derive(Debug, Clone)]
pub struct Listener {
    pub id: u64,
    pub account_id: Option<i64>,
    pub streams: HashSet<Stream>,
}

#[derive(Default)]
pub struct Hub {
    next: AtomicU64,
    subscribers: RwLock<HashMap<u64, Subscriber>>,
}

impl Hub {
    /// A new subscriber with no streams yet; its messages arrive on the receiver.
    pub fn connect(
        &self,
        account_id: Option<i64>,
        token_id: Option<i64>,
    ) -> (u64, mpsc::Receiver<Message>) {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::channel(BACKLOG);
        if let Ok(mut subs) = self.subscribers.write() {
            subs.insert(
                id,
                Subscriber {
                    account_id,
                    token_id,
                    streams: HashSet::new(),
                    tx,
                },
            );
        }
        (id, rx)
    }

    pub fn subscribe(&self, id: u64, stream: Stream) {
        if let Ok(mut subs) = self.subscribers.write()
            && let Some(s) = subs.get_mut(&id)
        {
            s.streams.insert(stream);
        }
    }

    pub fn unsubscribe(&self, id: u64, stream: &Stream) {
        if let Ok(mut subs) = self.subscribers.write()
            && let Some(s) = subs.get_mut(&id)
        {
            s.streams.remove(stream);
        }
    }

    pub fn disconnect(&self, id: u64) {
        if let Ok(mut subs) = self.subscribers.write() {
            subs.remove(&id);
        }
    }

    /// Close every stream of an account (suspended): dropping the sender ends them.
    pub fn disconnect_account(&self, account_id: i64) {
        if let Ok(mut subs) = self.subscribers.write() {
            subs.retain(|_, s| s.account_id != Some(account_id));
        }
    }

    /// Close every stream opened with a token that was just revoked.
    pub fn disconnect_token(&self, token_id: i64) {
        if let Ok(mut subs) = self.subscribers.write() {
            subs.retain(|_, s| s.token_id != Some(token_id));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.subscribers
            .read()
            .map(|s| s.is_empty())
            .unwrap_or(true)
    }

    pub fn len(&self) -> usize {
        self.subscribers.read().map(|s| s.len()).unwrap_or(0)
    }

    /// Who listens to what now, for one batch of dispatching.
    pub fn listeners(&self) -> Vec<Listener> {
        self.subscribers
            .read()
            .map(|subs| {
                subs.iter()
                    .filter(|(_, s)| !s.streams.is_empty())
                    .map(|(id, s)| Listener {
                        id: *id,
                        account_id: s.account_id,
                        streams: s.streams.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Queue a message for one subscriber; one that has gone or cannot keep up is dropped.
    pub fn send(&self, id: u64, message: Message) {
        let failed = match self.subscribers.read() {
            Ok(subs) => match subs.get(&id) {
                Some(s) => s.tx.try_send(message).is_err(),
                None => false,
            },
            Err(_) => false,
        };
        if failed {
            self.disconnect(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_read_and_named_as_mastodon_names_them() {
        assert_eq!(
            Stream::parse("public:local:media", None, None),
            Ok(Stream::PublicLocal { media: true })
        );
        assert_eq!(
            Stream::parse("hashtag", Some("#Rust"), None).map(|s| s.names()),
            Ok(vec!["hashtag".to_string(), "rust".to_string()])
        );
        assert_eq!(
            Stream::parse("hashtag", None, None),
            Err(StreamError::NoTag)
        );
        assert_eq!(
            Stream::parse("nonsense", None, None),
            Err(StreamError::Unknown)
        );
        assert_eq!(
            Stream::parse("list", Some("x"), Some("12")),
            Ok(Stream::List(12))
        );
        assert_eq!(Stream::parse("list", None, None), Err(StreamError::NoList));
    }

    #[tokio::test]
    async fn a_subscriber_that_cannot_keep_up_is_dropped() {
        let hub = Hub::default();
        let (id, mut rx) = hub.connect(None, None);
        hub.subscribe(id, Stream::Public { media: false });
        let m = Message {
            stream: vec!["public".into()],
            event: "delete",
            payload: Arc::from("1"),
        };
        for _ in 0..BACKLOG {
            hub.send(id, m.clone());
        }
        assert_eq!(hub.len(), 1);
        hub.send(id, m.clone());
        assert!(hub.is_empty(), "the full backlog disconnects it");
        assert!(rx.recv().await.is_some());
    }
}
