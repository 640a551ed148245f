//! Documents as Mastodon, GoToSocial, Misskey, Pleroma and Lemmy publish them (written from
//! their documentation and captured examples, in tests/fixtures) parse into what Tessera
//! keeps; and what Tessera publishes parses back to what it said.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use tessera_federation::documents::{self, ActorInput, AttachmentInput, EmojiInput, NoteInput};
use tessera_federation::sanitize;
use tessera_federation::vocab::{self, parse_document};

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    parse_document(&std::fs::read(&path).unwrap()).unwrap()
}

#[test]
fn a_mastodon_actor_gives_inboxes_key_fields_and_images() {
    let a = vocab::actor(&fixture("mastodon_actor.json")).unwrap();
    assert_eq!(a.preferred_username, "Gargron");
    assert_eq!(a.inbox, "https://mastodon.example/users/Gargron/inbox");
    assert_eq!(
        a.shared_inbox.as_deref(),
        Some("https://mastodon.example/inbox")
    );
    assert_eq!(
        a.public_key_id,
        "https://mastodon.example/users/Gargron#main-key"
    );
    assert!(a.public_key_pem.starts_with("-----BEGIN PUBLIC KEY-----"));
    assert_eq!(a.fields.len(), 1);
    assert_eq!(a.fields[0].0, "Patreon");
    assert!(a.avatar_url.as_deref().unwrap().ends_with(".jpg"));
    assert!(a.discoverable && !a.manually_approves_followers && !a.is_bot());
    assert_eq!(a.published_ms, Some(1_458_086_400_000));
}

#[test]
fn a_gotosocial_actor_with_a_path_key_id_and_locked_account_parses() {
    let a = vocab::actor(&fixture("gotosocial_actor.json")).unwrap();
    assert_eq!(a.public_key_id, "https://gts.example/users/tobi/main-key");
    assert!(a.manually_approves_followers);
    assert_eq!(
        a.shared_inbox.as_deref(),
        Some("https://gts.example/sharedInbox")
    );
}

#[test]
fn a_misskey_actor_with_extensions_and_null_image_parses() {
    let a = vocab::actor(&fixture("misskey_actor.json")).unwrap();
    assert_eq!(a.name, "しゅいろ");
    assert_eq!(a.header_url, None);
    assert_eq!(
        a.avatar_url.as_deref(),
        Some("https://misskey.example/files/avatar.webp")
    );
}

#[test]
fn a_lemmy_community_is_a_group_actor() {
    let a = vocab::actor(&fixture("lemmy_group.json")).unwrap();
    assert_eq!(a.kind, "Group");
    assert_eq!(a.preferred_username, "rust");
}

#[test]
fn a_mastodon_create_carries_mentions_hashtags_language_and_media() {
    let doc = fixture("mastodon_create_note.json");
    let act = vocab::activity(&doc).unwrap();
    assert_eq!(act.kind, "Create");
    assert_eq!(act.actor, "https://mastodon.example/users/Gargron");
    let n = vocab::note(&act.object).unwrap();
    assert_eq!(n.mentions, vec!["https://tessera.example/users/alice"]);
    assert_eq!(n.hashtags, vec!["fediverse"]);
    assert_eq!(n.language.as_deref(), Some("en"));
    assert_eq!(n.attachments.len(), 1);
    assert_eq!(n.attachments[0].description.as_deref(), Some("A cat"));
    assert_eq!(n.attachments[0].width, Some(640));
    assert_eq!(
        vocab::visibility(&n, Some("https://mastodon.example/users/Gargron/followers")),
        "public"
    );
    assert!(sanitize::remote_html(&n.content_html).contains("class=\"u-url mention\""));
}

#[test]
fn gotosocial_addresses_with_bare_strings_and_offsets_in_times() {
    let act = vocab::activity(&fixture("gotosocial_create_note.json")).unwrap();
    assert_eq!(act.to, vec!["https://www.w3.org/ns/activitystreams#Public"]);
    let n = vocab::note(&act.object).unwrap();
    assert_eq!(n.published_ms, Some(1_634_726_437_000));
    assert_eq!(n.summary, None, "an empty summary is no content warning");
    assert_eq!(vocab::visibility(&n, None), "public");
}

#[test]
fn a_misskey_question_is_a_poll() {
    let act = vocab::activity(&fixture("misskey_create_question.json")).unwrap();
    let n = vocab::note(&act.object).unwrap();
    let poll = n.poll.unwrap();
    assert!(!poll.multiple);
    assert_eq!(
        poll.options,
        vec![("Cats".to_string(), 12), ("Dogs".to_string(), 7)]
    );
    assert!(poll.closes_ms.is_some());
}

#[test]
fn pleroma_notes_with_context_and_null_sensitive_parse() {
    let act = vocab::activity(&fixture("pleroma_create_note.json")).unwrap();
    let n = vocab::note(&act.object).unwrap();
    assert!(!n.sensitive);
    assert_eq!(
        n.conversation.as_deref(),
        Some("https://pleroma.example/contexts/4f4c1d1e-5c4b-4c1b-9d7e-1a2b3c4d5e6f")
    );
    assert_eq!(
        sanitize::remote_html(&n.content_html),
        "Pleroma speaks <b>HTML</b> too<br>with line breaks"
    );
}

#[test]
fn a_lemmy_post_is_a_page_with_a_title() {
    let act = vocab::activity(&fixture("lemmy_create_page.json")).unwrap();
    let n = vocab::note(&act.object).unwrap();
    assert_eq!(n.kind, "Page");
    assert_eq!(n.name.as_deref(), Some("Announcing Lemmy 0.19"));
    // A link attachment has an href, not a url: not media.
    assert!(n.attachments.is_empty());
}

#[test]
fn a_lemmy_announce_wraps_a_whole_activity() {
    let act = vocab::activity(&fixture("lemmy_announce.json")).unwrap();
    assert_eq!(act.kind, "Announce");
    assert_eq!(act.object_type(), Some("Like"));
    assert_eq!(
        act.object_id(),
        Some("https://lemmy.example/activities/like/a1b2c3")
    );
}

#[test]
fn follows_undos_and_deletes_name_their_objects() {
    let f = vocab::activity(&fixture("mastodon_follow.json")).unwrap();
    assert_eq!(f.object_id(), Some("https://tessera.example/users/alice"));
    let u = vocab::activity(&fixture("mastodon_undo_like.json")).unwrap();
    assert_eq!(u.object_type(), Some("Like"));
    let d = vocab::activity(&fixture("mastodon_delete_actor.json")).unwrap();
    assert_eq!(d.object_id(), Some(d.actor.as_str()));
}

#[test]
fn what_tessera_publishes_parses_back_to_what_it_said() {
    let fields = vec![(
        "Site".to_string(),
        "<a href=\"https://a.example\">a.example</a>".to_string(),
    )];
    let actor_doc = documents::actor(&ActorInput {
        kind: "Person",
        id: "https://tessera.example/users/alice",
        username: "alice",
        display_name: "Alice",
        summary_html: "<p>hi</p>",
        url: "https://tessera.example/@alice",
        public_key_pem: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        manually_approves_followers: true,
        discoverable: true,
        published: "2026-11-22T00:00:00.000Z",
        fields: &fields,
        shared_inbox: "https://tessera.example/inbox",
        icon: Some((
            "https://tessera.example/system/accounts/1/avatar-2.png",
            "image/png",
        )),
        image: None,
    });
    let a = vocab::actor(&actor_doc).unwrap();
    assert_eq!(
        a.avatar_url.as_deref(),
        Some("https://tessera.example/system/accounts/1/avatar-2.png")
    );
    assert_eq!(a.header_url, None);
    assert_eq!(a.preferred_username, "alice");
    assert_eq!(a.inbox, "https://tessera.example/users/alice/inbox");
    assert_eq!(
        a.shared_inbox.as_deref(),
        Some("https://tessera.example/inbox")
    );
    assert_eq!(
        a.public_key_id,
        "https://tessera.example/users/alice#main-key"
    );
    assert!(a.manually_approves_followers);
    assert_eq!(a.fields, fields);

    let mentions = vec![(
        "https://b.example/users/y".to_string(),
        "@y@b.example".to_string(),
    )];
    let tags = vec![(
        "https://tessera.example/tags/rust".to_string(),
        "Rust".to_string(),
    )];
    let note_doc = documents::note(&NoteInput {
        id: "https://tessera.example/users/alice/statuses/1",
        url: "https://tessera.example/@alice/1",
        attributed_to: "https://tessera.example/users/alice",
        followers: "https://tessera.example/users/alice/followers",
        visibility: "unlisted",
        content_html: "<p>hello</p>",
        summary: Some("cw"),
        sensitive: true,
        language: Some("en"),
        published: "2026-11-22T10:00:00.000Z",
        in_reply_to: Some("https://b.example/notes/9"),
        mentions: &mentions,
        hashtags: &tags,
        emojis: &[EmojiInput {
            id: "https://tessera.example/emojis/blobcat",
            shortcode: "blobcat",
            url: "https://tessera.example/system/emojis/4/original.png",
            media_type: "image/png",
        }],
        attachments: &[AttachmentInput {
            url: "https://tessera.example/system/media/3/original.jpg",
            media_type: "image/jpeg",
            description: Some("a chart"),
            blurhash: Some("LEHV6nWB2yk8pyo0adR*.7kCMdnj"),
            focus: Some((0.5, -0.25)),
            width: Some(300),
            height: Some(200),
        }],
        poll: None,
    });
    let create = documents::create(&note_doc);
    let act = vocab::activity(&create).unwrap();
    assert_eq!(act.kind, "Create");
    let n = vocab::note(&act.object).unwrap();
    assert_eq!(n.id, "https://tessera.example/users/alice/statuses/1");
    assert_eq!(
        vocab::visibility(&n, Some("https://tessera.example/users/alice/followers")),
        "unlisted"
    );
    assert_eq!(n.mentions, vec!["https://b.example/users/y"]);
    assert_eq!(n.hashtags, vec!["Rust"]);
    assert_eq!(
        n.emojis,
        vec![vocab::Emoji {
            shortcode: "blobcat".into(),
            url: "https://tessera.example/system/emojis/4/original.png".into(),
        }]
    );
    assert_eq!(n.summary.as_deref(), Some("cw"));
    assert_eq!(n.in_reply_to.as_deref(), Some("https://b.example/notes/9"));
    assert_eq!(n.language.as_deref(), Some("en"));
    assert_eq!(
        n.attachments,
        vec![vocab::Attachment {
            url: "https://tessera.example/system/media/3/original.jpg".into(),
            media_type: Some("image/jpeg".into()),
            description: Some("a chart".into()),
            blurhash: Some("LEHV6nWB2yk8pyo0adR*.7kCMdnj".into()),
            width: Some(300),
            height: Some(200),
            focus: Some((0.5, -0.25)),
        }]
    );
}

#[test]
fn a_published_question_reads_back_as_a_poll() {
    let options = vec![("Yes".to_string(), 3), ("No".to_string(), 1)];
    let doc = documents::note(&NoteInput {
        id: "https://tessera.example/users/alice/statuses/2",
        url: "https://tessera.example/@alice/2",
        attributed_to: "https://tessera.example/users/alice",
        followers: "https://tessera.example/users/alice/followers",
        visibility: "public",
        content_html: "<p>Lunch?</p>",
        summary: None,
        sensitive: false,
        language: None,
        published: "2026-11-22T10:00:00.000Z",
        in_reply_to: None,
        mentions: &[],
        hashtags: &[],
        emojis: &[],
        attachments: &[],
        poll: Some(documents::PollInput {
            multiple: false,
            options: &options,
            end_time: Some("2026-11-23T10:00:00.000Z"),
            closed: false,
            voters_count: 4,
        }),
    });
    assert_eq!(doc["type"], "Question");
    let n = vocab::note(&doc).unwrap();
    let poll = n.poll.unwrap();
    assert!(!poll.multiple);
    assert_eq!(poll.options, options);
    assert_eq!(poll.voters_count, Some(4));
    assert!(poll.closes_ms.is_some());
}
