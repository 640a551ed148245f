//! A scripted remote server for inbox tests: it serves actors and notes on a loopback port,
//! records what is delivered to it, and signs requests draft-cavage style — correctly, or
//! wrongly on purpose. It is a test double for the bad-input cases only (a real peer built
//! on Fedify covers interoperability, and other Tessera instances the rest); its signer is
//! written here, independently of Tessera's, so the two check each other.

#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rsa::pkcs8::DecodePrivateKey;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

#[derive(Default)]
struct Shared {
    objects: HashMap<String, Value>,
    /// The first copy of each activity, in arrival order (a receiver dedupes by id).
    received: Vec<Value>,
    /// How many copies of each activity id arrived, and how many were answered.
    copies: HashMap<String, usize>,
    answered: HashMap<String, usize>,
    /// Every POST waits this long before answering.
    delay: Duration,
}

pub struct Peer {
    pub addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    keys: HashMap<String, ring::signature::RsaKeyPair>,
    public_pems: HashMap<String, String>,
    http: reqwest::Client,
}

/// How to sign (or mis-sign) one request.
#[derive(Clone)]
pub struct Signing {
    pub actor: String,
    /// Override the key id (default: the actor's `#main-key`).
    pub key_id: Option<String>,
    pub headers: Vec<&'static str>,
    pub algorithm: &'static str,
    pub date: SystemTime,
    /// Sign this body's digest but send the real one (a signature over another body).
    pub digest_of: Option<Vec<u8>>,
    /// Send this Digest header, signed as if it were right.
    pub digest_header: Option<String>,
}

impl Peer {
    pub fn signing(&self, actor: &str) -> Signing {
        Signing {
            actor: actor.to_string(),
            key_id: None,
            headers: vec!["(request-target)", "host", "date", "digest"],
            algorithm: "rsa-sha256",
            date: SystemTime::now(),
            digest_of: None,
            digest_header: None,
        }
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.addr.port())
    }

    pub fn actor_id(&self, name: &str) -> String {
        format!("{}/users/{name}", self.base())
    }

    /// Start serving actors with these names, each with a key of its own.
    pub async fn start(names: &[&str]) -> Peer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let base = format!("http://127.0.0.1:{}", addr.port());
        let shared = Arc::new(Mutex::new(Shared::default()));
        let mut keys = HashMap::new();
        let mut public_pems = HashMap::new();
        for name in names {
            let pair = tessera_federation::keys::generate().unwrap();
            let private = rsa::RsaPrivateKey::from_pkcs8_pem(&pair.private_pem).unwrap();
            let der = rsa::pkcs8::EncodePrivateKey::to_pkcs8_der(&private).unwrap();
            keys.insert(
                name.to_string(),
                ring::signature::RsaKeyPair::from_pkcs8(der.as_bytes()).unwrap(),
            );
            public_pems.insert(name.to_string(), pair.public_pem.clone());
            let id = format!("{base}/users/{name}");
            let actor = json!({
                "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
                "id": id, "type": "Person", "preferredUsername": name,
                "inbox": format!("{id}/inbox"), "outbox": format!("{id}/outbox"),
                "followers": format!("{id}/followers"),
                "endpoints": {"sharedInbox": format!("{base}/inbox")},
                "publicKey": {"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": pair.public_pem},
            });
            shared
                .lock()
                .unwrap()
                .objects
                .insert(format!("/users/{name}"), actor);
        }
        let app = Router::new()
            .route("/{*path}", get(serve).post(receive))
            .with_state(shared.clone());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Peer {
            addr,
            shared,
            keys,
            public_pems,
            http: reqwest::Client::new(),
        }
    }

    /// The public key (SPKI PEM) the peer signs `name`'s requests with.
    pub fn public_pem(&self, name: &str) -> String {
        self.public_pems[name].clone()
    }

    /// Serve `doc` at its own `id`.
    pub fn publish(&self, doc: Value) {
        let id = doc["id"].as_str().unwrap().to_string();
        let path = id.trim_start_matches(&self.base()).to_string();
        self.shared.lock().unwrap().objects.insert(path, doc);
    }

    pub fn received(&self) -> Vec<Value> {
        self.shared.lock().unwrap().received.clone()
    }

    /// Copies of activity `id` that arrived, and that were answered 202.
    pub fn copies(&self, id: &str) -> (usize, usize) {
        let s = self.shared.lock().unwrap();
        (
            s.copies.get(id).copied().unwrap_or(0),
            s.answered.get(id).copied().unwrap_or(0),
        )
    }

    pub fn set_delay(&self, delay: Duration) {
        self.shared.lock().unwrap().delay = delay;
    }

    /// POST `body` to `url`, signed as `how` says. Returns the status.
    pub async fn post(&self, url: &str, body: &[u8], how: &Signing) -> StatusCode {
        self.post_response(url, body, how).await.status()
    }

    /// As [`Peer::post`], with the whole answer.
    pub async fn post_response(&self, url: &str, body: &[u8], how: &Signing) -> reqwest::Response {
        let headers = self.signed_headers(url, body, how);
        let mut req = self.http.post(url).body(body.to_vec());
        for (k, v) in headers {
            req = req.header(k, v);
        }
        req.send().await.unwrap()
    }

    pub async fn post_unsigned(&self, url: &str, body: &[u8]) -> StatusCode {
        self.http
            .post(url)
            .header("content-type", "application/activity+json")
            .body(body.to_vec())
            .send()
            .await
            .unwrap()
            .status()
    }

    fn signed_headers(&self, url: &str, body: &[u8], how: &Signing) -> Vec<(String, String)> {
        let u = url::Url::parse(url).unwrap();
        let host = match u.port() {
            Some(p) => format!("{}:{p}", u.host_str().unwrap()),
            None => u.host_str().unwrap().to_string(),
        };
        let date = httpdate::fmt_http_date(how.date);
        let real_digest = format!("SHA-256={}", STANDARD.encode(Sha256::digest(body)));
        let digest = match (&how.digest_header, &how.digest_of) {
            (Some(d), _) => d.clone(),
            (None, Some(other)) => format!("SHA-256={}", STANDARD.encode(Sha256::digest(other))),
            (None, None) => real_digest,
        };
        let target = match u.query() {
            Some(q) => format!("post {}?{q}", u.path()),
            None => format!("post {}", u.path()),
        };
        let lines: Vec<String> = how
            .headers
            .iter()
            .map(|h| match *h {
                "(request-target)" => format!("(request-target): {target}"),
                "host" => format!("host: {host}"),
                "date" => format!("date: {date}"),
                "digest" => format!("digest: {digest}"),
                "content-type" => "content-type: application/activity+json".to_string(),
                other => panic!("no header {other}"),
            })
            .collect();
        let signing_string = lines.join("\n");
        let name = how.actor.rsplit('/').next().unwrap();
        let key = &self.keys[name];
        let signature = if how.algorithm == "hmac-sha256" {
            let k = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"secret");
            STANDARD.encode(ring::hmac::sign(&k, signing_string.as_bytes()).as_ref())
        } else {
            let mut sig = vec![0; key.public().modulus_len()];
            key.sign(
                &ring::signature::RSA_PKCS1_SHA256,
                &ring::rand::SystemRandom::new(),
                signing_string.as_bytes(),
                &mut sig,
            )
            .unwrap();
            STANDARD.encode(sig)
        };
        let key_id = how
            .key_id
            .clone()
            .unwrap_or_else(|| format!("{}#main-key", how.actor));
        vec![
            ("host".into(), host),
            ("date".into(), date),
            ("digest".into(), digest),
            ("content-type".into(), "application/activity+json".into()),
            (
                "signature".into(),
                format!(
                    "keyId=\"{key_id}\",algorithm=\"{}\",headers=\"{}\",signature=\"{signature}\"",
                    how.algorithm,
                    how.headers.join(" ")
                ),
            ),
        ]
    }
}

async fn serve(State(shared): State<Arc<Mutex<Shared>>>, Path(path): Path<String>) -> Response {
    let doc = shared
        .lock()
        .unwrap()
        .objects
        .get(&format!("/{path}"))
        .cloned();
    match doc {
        Some(d) => (
            [(header::CONTENT_TYPE, "application/activity+json")],
            d.to_string(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn receive(
    State(shared): State<Arc<Mutex<Shared>>>,
    _headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    let id = v["id"].as_str().unwrap_or_default().to_string();
    let delay = {
        let mut s = shared.lock().unwrap();
        let n = s.copies.entry(id.clone()).or_default();
        *n += 1;
        if *n == 1 {
            s.received.push(v);
        }
        s.delay
    };
    tokio::time::sleep(delay).await;
    *shared.lock().unwrap().answered.entry(id).or_default() += 1;
    StatusCode::ACCEPTED
}

/// Two hours from now, for skew tests.
pub fn two_hours() -> Duration {
    Duration::from_secs(2 * 3600)
}
