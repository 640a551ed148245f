//! Activities as Mastodon, GoToSocial, Misskey, Pleroma and Lemmy send them (the
//! federation crate's fixtures, moved onto a loopback peer and signed with its keys) are
//! accepted, applied and shown through the Mastodon API.

use serde_json::{Value, json};

use crate::peer::Peer;
use crate::support::*;

fn fixture(name: &str, from: &str, to: &str, ours: &str) -> Value {
    let path = format!(
        "{}/federation/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path)
        .unwrap()
        .replace(from, to)
        .replace("https://tessera.example", ours)
        .replace("/u/nutomic", "/users/nutomic")
        .replace("/c/rust", "/users/rust");
    serde_json::from_str(&text).unwrap()
}

/// Publish an actor fixture with the peer's key for it, under its own key id.
fn publish_actor(peer: &Peer, mut actor: Value, name: &str) -> String {
    actor["publicKey"]["publicKeyPem"] = json!(peer.public_pem(name));
    let key_id = actor["publicKey"]["id"].as_str().unwrap().to_string();
    if !key_id.contains('#') {
        // GoToSocial's keys live at a URL of their own, which names their owner.
        peer.publish(json!({
            "@context": "https://w3id.org/security/v1",
            "id": key_id, "owner": actor["id"], "publicKeyPem": peer.public_pem(name),
        }));
    }
    peer.publish(actor);
    key_id
}

#[tokio::test]
async fn activities_as_five_implementations_send_them_are_applied() {
    let s = TestServer::federating().await;
    let alice = s.user("alice").await;
    let cases = [
        (
            "https://mastodon.example",
            "Gargron",
            Some("mastodon_actor.json"),
            "mastodon_create_note.json",
            "Hello",
        ),
        (
            "https://gts.example",
            "tobi",
            Some("gotosocial_actor.json"),
            "gotosocial_create_note.json",
            "hello everyone!",
        ),
        (
            "https://misskey.example",
            "9ab1c2d3e4",
            Some("misskey_actor.json"),
            "misskey_create_question.json",
            "Cats or dogs?",
        ),
        (
            "https://pleroma.example",
            "lain",
            None,
            "pleroma_create_note.json",
            "Pleroma speaks <b>HTML</b>",
        ),
        (
            "https://lemmy.example",
            "nutomic",
            None,
            "lemmy_create_page.json",
            "<strong>Announcing Lemmy 0.19</strong>",
        ),
    ];
    for (origin, name, actor_file, create_file, expected) in cases {
        let peer = Peer::start(&[name]).await;
        let base = peer.base();
        let mut signing = peer.signing(&peer.actor_id(name));
        let mut username = name.to_string();
        if let Some(file) = actor_file {
            let actor = fixture(file, origin, &base, &s.base);
            username = actor["preferredUsername"].as_str().unwrap().to_string();
            signing.key_id = Some(publish_actor(&peer, actor, name));
        }
        let create = fixture(create_file, origin, &base, &s.base);
        let status = peer
            .post(&s.url("/inbox"), create.to_string().as_bytes(), &signing)
            .await;
        assert_eq!(status, 202, "{create_file}");
        s.ingress_drained().await;
        let (_, public) = s
            .get("/api/v1/timelines/public?remote=true", Some(&alice.token))
            .await;
        let found = public
            .as_array()
            .unwrap()
            .iter()
            .find(|st| st["uri"] == create["object"]["id"])
            .cloned()
            .unwrap_or_else(|| panic!("{create_file} was not applied: {public}"));
        assert_schema("Status", &found);
        assert!(
            found["content"].as_str().unwrap().contains(expected),
            "{create_file}: {}",
            found["content"]
        );
        assert_eq!(
            found["account"]["acct"],
            format!("{username}@{}", base.trim_start_matches("http://"))
        );
        if create_file.contains("question") {
            // A Question is a poll, with the counts its server gave.
            assert_schema("Poll", &found["poll"]);
            assert_eq!(found["poll"]["options"][0]["title"], "Cats");
            assert_eq!(found["poll"]["options"][0]["votes_count"], 12);
        }
    }
    // Mastodon's note mentions alice: she is notified.
    let (_, notes) = s
        .get("/api/v1/notifications?types[]=mention", Some(&alice.token))
        .await;
    assert_eq!(notes.as_array().unwrap().len(), 1, "{notes}");
    let (ok, out) = s.replay(false).await;
    assert!(ok, "{out}");
    s.stop().await;
}
