//! The documents we publish, built from the read models: served at their URLs by the
//! ActivityPub routes and wrapped in activities by the outbox reactor.

use std::collections::HashMap;

use serde_json::Value;
use tessera_federation::documents::{
    self, ActorInput, AttachmentInput, EmojiInput, NoteInput, PollInput,
};

use crate::api::entities::{Ctx, file_url};
use crate::media::storage::content_type;
use crate::queries::media::MediaRow;

use crate::app::App;
use crate::queries::accounts::AccountRow;
use crate::queries::statuses::StatusView;
use crate::time::iso;

pub fn actor_document(app: &App, a: &AccountRow, public_key_pem: &str) -> Value {
    let fields: Vec<crate::events::ProfileField> =
        serde_json::from_str(&a.fields).unwrap_or_default();
    let pairs: Vec<(String, String)> = fields.into_iter().map(|f| (f.name, f.value)).collect();
    let ctx = Ctx::new(&app.config);
    let image = |key: &Option<String>| {
        key.as_deref().map(|k| {
            (
                file_url(&ctx, k),
                content_type(k).unwrap_or("application/octet-stream"),
            )
        })
    };
    let (icon, header) = (image(&a.avatar_key), image(&a.header_key));
    documents::actor(&ActorInput {
        kind: if a.bot != 0 { "Service" } else { "Person" },
        id: &a.uri,
        username: &a.username,
        display_name: &a.display_name,
        summary_html: &a.note_html,
        url: &a.url,
        public_key_pem,
        manually_approves_followers: a.locked != 0,
        discoverable: a.discoverable != 0,
        published: &iso(a.created_at - a.created_at.rem_euclid(86_400_000)),
        fields: &pairs,
        shared_inbox: &format!("{}/inbox", app.config.base_url()),
        icon: icon.as_ref().map(|(url, t)| (url.as_str(), *t)),
        image: header.as_ref().map(|(url, t)| (url.as_str(), *t)),
    })
}

pub fn note_document(app: &App, v: &StatusView, parents: &HashMap<i64, String>) -> Value {
    let base = app.config.base_url();
    let mentions: Vec<(String, String)> = v
        .mentions
        .iter()
        .map(|m| {
            (
                m.uri.clone(),
                format!(
                    "@{}@{}",
                    m.username,
                    m.domain.as_deref().unwrap_or(&app.config.domain)
                ),
            )
        })
        .collect();
    let hashtags: Vec<(String, String)> = v
        .tags
        .iter()
        .map(|t| (format!("{base}/tags/{}", t.to_lowercase()), t.clone()))
        .collect();
    let followers = format!("{}/followers", v.account.uri);
    let ctx = Ctx::new(&app.config);
    let files: Vec<(String, &MediaRow)> = v
        .media
        .iter()
        .filter_map(|m| match (&m.remote_url, &m.file_key) {
            (Some(url), _) => Some((url.clone(), m)),
            (None, Some(key)) => Some((file_url(&ctx, key), m)),
            (None, None) => None,
        })
        .collect();
    let attachments: Vec<AttachmentInput> = files
        .iter()
        .map(|(url, m)| AttachmentInput {
            url,
            media_type: m.mime.as_deref().unwrap_or("application/octet-stream"),
            description: m.description.as_deref(),
            blurhash: m.blurhash.as_deref(),
            focus: m.focus_x.zip(m.focus_y),
            width: m.width,
            height: m.height,
        })
        .collect();
    let counts: Vec<(String, i64)> = v
        .poll
        .as_ref()
        .map(|p| {
            p.options
                .iter()
                .cloned()
                .zip(p.counts.iter().copied())
                .collect()
        })
        .unwrap_or_default();
    let end_time = v.poll.as_ref().and_then(|p| p.expires_at).map(iso);
    let poll = v.poll.as_ref().map(|p| PollInput {
        multiple: p.multiple,
        options: &counts,
        end_time: end_time.as_deref(),
        closed: p.expires_at.is_some_and(|at| at <= crate::time::now_ms()),
        voters_count: p.voters_count,
    });
    let emoji_ids: Vec<String> = v
        .emojis
        .iter()
        .map(|e| format!("{base}/emojis/{}", e.shortcode))
        .collect();
    let emojis: Vec<EmojiInput> = v
        .emojis
        .iter()
        .zip(&emoji_ids)
        .map(|(e, id)| EmojiInput {
            id,
            shortcode: &e.shortcode,
            url: &e.url,
            media_type: content_type(&e.url).unwrap_or("image/png"),
        })
        .collect();
    documents::note(&NoteInput {
        id: &v.row.uri,
        url: v.row.url.as_deref().unwrap_or(&v.row.uri),
        attributed_to: &v.account.uri,
        followers: &followers,
        visibility: &v.row.visibility,
        content_html: &v.row.content,
        summary: Some(v.row.spoiler_text.as_str()).filter(|s| !s.is_empty()),
        sensitive: v.row.sensitive != 0,
        language: v.row.language.as_deref(),
        published: &iso(v.row.created_at),
        in_reply_to: v
            .row
            .in_reply_to_id
            .and_then(|p| parents.get(&p))
            .map(String::as_str),
        mentions: &mentions,
        hashtags: &hashtags,
        emojis: &emojis,
        attachments: &attachments,
        poll,
    })
}
