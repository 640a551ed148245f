//! Every conversion from read-side rows to Mastodon entities, named `x_to_api`. Shapes
//! follow docs.joinmastodon.org and are checked against the OpenAPI description in tests.

use serde::Serialize;
use serde_json::{Value, json};

use crate::config::Config;
use crate::domain::text::escape;
use crate::oauth::store::AppRow;
use crate::queries::accounts::{AccountRow, Relationship, UserRow};
use crate::queries::cards::CardRow;
use crate::queries::conversations::ConversationView;
use crate::queries::emojis::EmojiView;
use crate::queries::filters::{FilterMatch, FilterRow};
use crate::queries::media::MediaRow;
use crate::queries::notifications::NotificationView;
use crate::queries::polls::PollView;
use crate::queries::statuses::StatusView;
use crate::time::{iso, iso_date};

/// What a conversion needs to know about this instance.
pub struct Ctx<'a> {
    pub base_url: String,
    pub domain: &'a str,
}

impl<'a> Ctx<'a> {
    pub fn new(config: &'a Config) -> Ctx<'a> {
        Ctx {
            base_url: config.base_url(),
            domain: &config.domain,
        }
    }
}

pub fn acct(a: &AccountRow) -> String {
    match &a.domain {
        Some(d) => format!("{}@{d}", a.username),
        None => a.username.clone(),
    }
}

/// Where a file we keep is served.
pub fn file_url(ctx: &Ctx, key: &str) -> String {
    format!("{}/system/{key}", ctx.base_url)
}

/// A profile's avatar and header: ours, its server's, or the stand-ins.
pub fn profile_images(a: &AccountRow, ctx: &Ctx) -> (String, String) {
    let pick = |key: &Option<String>, remote: &Option<String>, missing: &str| match (key, remote) {
        (Some(k), _) => file_url(ctx, k),
        (None, Some(url)) if a.domain.is_some() => url.clone(),
        _ => format!("{}/{missing}/original/missing.png", ctx.base_url),
    };
    (
        pick(&a.avatar_key, &a.avatar_url, "avatars"),
        pick(&a.header_key, &a.header_url, "headers"),
    )
}

/// A profile field as the read model keeps it: a verified link has `verified_at`.
#[derive(serde::Deserialize)]
struct FieldRow {
    name: String,
    value: String,
    #[serde(default)]
    verified_at: Option<i64>,
}

/// A field's value as HTML: a bare web address is a link (`rel="me"` as Mastodon's, so the
/// linked page can see who claims it), anything else text.
fn field_value_html(value: &str) -> String {
    let trimmed = value.trim();
    if !crate::federate::links::is_web_address(trimmed) {
        return escape(value);
    }
    let shown = trimmed
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/');
    format!(
        r#"<a href="{}" target="_blank" rel="nofollow noopener me" translate="no">{}</a>"#,
        escape(trimmed),
        escape(shown)
    )
}

pub fn account_to_api(a: &AccountRow, ctx: &Ctx) -> Value {
    serde_json::to_value(AccountEntity::new(a, ctx)).unwrap_or_default()
}

/// Mastodon's `Account`, written straight to JSON (pages of statuses hold many).
#[derive(Serialize)]
pub struct AccountEntity<'a> {
    id: String,
    username: &'a str,
    acct: String,
    display_name: &'a str,
    locked: bool,
    bot: bool,
    discoverable: bool,
    indexable: bool,
    group: bool,
    created_at: String,
    note: &'a str,
    url: &'a str,
    uri: &'a str,
    avatar: String,
    avatar_static: String,
    header: String,
    header_static: String,
    followers_count: i64,
    following_count: i64,
    statuses_count: i64,
    last_status_at: Option<String>,
    hide_collections: bool,
    noindex: bool,
    emojis: [(); 0],
    roles: [(); 0],
    fields: Vec<FieldEntity>,
    /// As Mastodon: clients show a silenced account behind a warning.
    #[serde(skip_serializing_if = "Option::is_none")]
    limited: Option<bool>,
}

#[derive(Serialize)]
struct FieldEntity {
    name: String,
    value: String,
    verified_at: Option<String>,
}

impl<'a> AccountEntity<'a> {
    pub fn new(a: &'a AccountRow, ctx: &Ctx) -> AccountEntity<'a> {
        let fields: Vec<FieldRow> = serde_json::from_str(&a.fields).unwrap_or_default();
        let (avatar, header) = profile_images(a, ctx);
        AccountEntity {
            id: a.id.to_string(),
            username: &a.username,
            acct: acct(a),
            display_name: &a.display_name,
            locked: a.locked != 0,
            bot: a.bot != 0,
            discoverable: a.discoverable != 0,
            indexable: false,
            group: false,
            created_at: iso(a.created_at - a.created_at.rem_euclid(86_400_000)),
            note: &a.note_html,
            url: &a.url,
            uri: &a.uri,
            avatar_static: avatar.clone(),
            avatar,
            header_static: header.clone(),
            header,
            followers_count: a.followers_count,
            following_count: a.following_count,
            statuses_count: a.statuses_count,
            last_status_at: a.last_status_at.map(iso_date),
            hide_collections: false,
            noindex: false,
            emojis: [],
            roles: [],
            // As Mastodon's: a field's name is plain text, its value HTML. Ours are written
            // as text and made HTML here; a remote one was sanitised when fetched.
            fields: fields
                .into_iter()
                .map(|f| FieldEntity {
                    value: if a.domain.is_none() {
                        field_value_html(&f.value)
                    } else {
                        f.value
                    },
                    name: f.name,
                    verified_at: f.verified_at.map(iso),
                })
                .collect(),
            limited: (a.silenced != 0).then_some(true),
        }
    }
}

/// The signed-in user's own account, with `source` and `role`.
pub fn credential_account_to_api(
    a: &AccountRow,
    u: &UserRow,
    follow_requests_count: i64,
    ctx: &Ctx,
) -> Value {
    let mut v = account_to_api(a, ctx);
    let fields: Vec<crate::events::ProfileField> =
        serde_json::from_str(&a.fields).unwrap_or_default();
    v["source"] = json!({
        "privacy": "public",
        "sensitive": false,
        "language": u.locale,
        "note": a.note,
        "fields": fields.iter().map(|f| json!({"name": f.name, "value": f.value, "verified_at": null})).collect::<Vec<_>>(),
        "follow_requests_count": follow_requests_count,
        "hide_collections": false,
        "discoverable": a.discoverable != 0,
        "indexable": false,
    });
    v["role"] = role_to_api(&u.role);
    v
}

pub fn role_to_api(role: &str) -> Value {
    // Mastodon's default roles: permissions as its bit flags (Administrator holds all).
    let (id, name, permissions) = match role {
        "admin" => ("3", "Admin", "1"),
        "moderator" => ("2", "Moderator", "1308"),
        _ => ("-99", "", "65536"),
    };
    json!({ "id": id, "name": name, "color": "", "permissions": permissions, "highlighted": role != "user" })
}

pub fn status_to_api(s: &StatusView, ctx: &Ctx) -> Value {
    serde_json::to_value(StatusEntity::new(s, ctx)).unwrap_or_default()
}

/// Mastodon's `Status`, written straight to JSON: a page of twenty is built and written
/// without the intermediate `Value` trees, which were a third of a home read's time.
#[derive(Serialize)]
pub struct StatusEntity<'a> {
    id: String,
    created_at: String,
    in_reply_to_id: Option<String>,
    in_reply_to_account_id: Option<String>,
    sensitive: bool,
    spoiler_text: &'a str,
    visibility: &'a str,
    language: &'a Option<String>,
    uri: &'a str,
    url: &'a Option<String>,
    replies_count: i64,
    reblogs_count: i64,
    favourites_count: i64,
    quotes_count: i64,
    edited_at: Option<String>,
    content: &'a str,
    reblog: Option<Box<StatusEntity<'a>>>,
    application: Option<ApplicationEntity<'a>>,
    account: AccountEntity<'a>,
    media_attachments: Vec<Value>,
    mentions: Vec<MentionEntity<'a>>,
    tags: Vec<TagEntity>,
    emojis: Vec<Value>,
    card: Option<Value>,
    poll: Option<Value>,
    filtered: Vec<Value>,
    #[serde(flatten)]
    viewer: Option<ViewerFlags>,
}

#[derive(Serialize)]
struct ApplicationEntity<'a> {
    name: &'a str,
    website: &'a Option<String>,
}

#[derive(Serialize)]
struct MentionEntity<'a> {
    id: String,
    username: &'a str,
    url: &'a str,
    acct: String,
}

#[derive(Serialize)]
struct TagEntity {
    name: String,
    url: String,
}

/// What only a signed-in viewer sees on a status.
#[derive(Serialize)]
struct ViewerFlags {
    favourited: bool,
    reblogged: bool,
    muted: bool,
    bookmarked: bool,
    pinned: bool,
}

impl<'a> StatusEntity<'a> {
    pub fn new(s: &'a StatusView, ctx: &Ctx) -> StatusEntity<'a> {
        let r = &s.row;
        StatusEntity {
            id: r.id.to_string(),
            created_at: iso(r.created_at),
            in_reply_to_id: r.in_reply_to_id.map(|i| i.to_string()),
            in_reply_to_account_id: r.in_reply_to_account_id.map(|i| i.to_string()),
            sensitive: r.sensitive != 0,
            spoiler_text: &r.spoiler_text,
            visibility: &r.visibility,
            language: &r.language,
            uri: &r.uri,
            url: &r.url,
            replies_count: r.replies_count,
            reblogs_count: r.reblogs_count,
            favourites_count: r.favourites_count,
            quotes_count: 0,
            edited_at: r.edited_at.map(iso),
            content: &r.content,
            reblog: s
                .reblog
                .as_deref()
                .map(|inner| Box::new(StatusEntity::new(inner, ctx))),
            application: r.application_name.as_deref().map(|name| ApplicationEntity {
                name,
                website: &r.application_website,
            }),
            account: AccountEntity::new(&s.account, ctx),
            media_attachments: s.media.iter().map(|m| media_to_api(m, ctx)).collect(),
            mentions: s
                .mentions
                .iter()
                .map(|m| MentionEntity {
                    id: m.id.to_string(),
                    username: &m.username,
                    url: &m.url,
                    acct: acct(m),
                })
                .collect(),
            tags: s
                .tags
                .iter()
                .map(|t| {
                    let name = t.to_lowercase();
                    TagEntity {
                        url: format!("{}/tags/{name}", ctx.base_url),
                        name,
                    }
                })
                .collect(),
            emojis: s.emojis.iter().map(emoji_to_api).collect(),
            card: s.card.as_ref().map(|c| card_to_api(c, ctx)),
            poll: s.poll.as_ref().map(|p| poll_to_api(p, s.has_viewer)),
            filtered: s.filtered.iter().map(filter_result_to_api).collect(),
            viewer: s.has_viewer.then_some(ViewerFlags {
                favourited: s.favourited,
                reblogged: s.reblogged,
                muted: s.muted,
                bookmarked: s.bookmarked,
                pinned: s.pinned,
            }),
        }
    }
}

/// The deleted status, with its source text so clients can offer "delete and redraft".
pub fn deleted_status_to_api(s: &StatusView, ctx: &Ctx) -> Value {
    let mut v = status_to_api(s, ctx);
    v["text"] = json!(s.row.text);
    v
}

pub fn conversation_to_api(c: &ConversationView, ctx: &Ctx) -> Value {
    json!({
        "id": c.row.conversation_id.to_string(),
        "unread": c.row.unread != 0,
        "accounts": c.accounts.iter().map(|a| account_to_api(a, ctx)).collect::<Vec<_>>(),
        "last_status": status_to_api(&c.last_status, ctx),
    })
}

pub fn filter_to_api(f: &FilterRow) -> Value {
    json!({
        "id": f.id.to_string(),
        "title": f.title,
        "context": f.context,
        "filter_action": f.action,
        "expires_at": f.expires_at.map(iso),
        "keywords": f.keywords.iter().map(|k| json!({
            "id": k.id.to_string(), "keyword": k.keyword, "whole_word": k.whole_word,
        })).collect::<Vec<_>>(),
        "statuses": f.statuses.iter().map(|s| json!({
            "id": s.id.to_string(), "status_id": s.status_id.to_string(),
        })).collect::<Vec<_>>(),
    })
}

fn filter_result_to_api(m: &FilterMatch) -> Value {
    json!({
        "filter": filter_to_api(&m.filter),
        "keyword_matches": (!m.keyword_matches.is_empty()).then_some(&m.keyword_matches),
        "status_matches": (!m.status_matches.is_empty()).then_some(&m.status_matches),
    })
}

/// A poll; `voted` and `own_votes` only for a signed-in viewer, and counts hidden until it
/// ends when the author asked so.
pub fn poll_to_api(p: &PollView, has_viewer: bool) -> Value {
    let expired = p.expires_at.is_some_and(|at| at <= crate::time::now_ms());
    let hidden = p.hide_totals && !expired;
    let mut v = json!({
        "id": p.id.to_string(),
        "expires_at": p.expires_at.map(iso),
        "expired": expired,
        "multiple": p.multiple,
        "votes_count": p.counts.iter().sum::<i64>(),
        "voters_count": if p.multiple { json!(p.voters_count) } else { Value::Null },
        "options": p.options.iter().zip(&p.counts).map(|(title, n)| json!({
            "title": title,
            "votes_count": if hidden { Value::Null } else { json!(n) },
        })).collect::<Vec<_>>(),
        "emojis": [],
    });
    if has_viewer && let Some(own) = &p.own_votes {
        v["voted"] = json!(!own.is_empty());
        v["own_votes"] = json!(own);
    }
    v
}

/// A media attachment; `url` is null while it is being processed.
pub fn media_to_api(m: &MediaRow, ctx: &Ctx) -> Value {
    let size = |w: Option<i64>, h: Option<i64>| match (w, h) {
        (Some(w), Some(h)) if w > 0 && h > 0 => json!({
            "width": w, "height": h, "size": format!("{w}x{h}"), "aspect": w as f64 / h as f64,
        }),
        _ => Value::Null,
    };
    let mut meta = serde_json::Map::new();
    let original = size(m.width, m.height);
    if !original.is_null() {
        meta.insert("original".into(), original);
    }
    let small = size(m.preview_width, m.preview_height);
    if !small.is_null() {
        meta.insert("small".into(), small);
    }
    if let (Some(x), Some(y)) = (m.focus_x, m.focus_y) {
        meta.insert("focus".into(), json!({ "x": x, "y": y }));
    }
    let (url, preview_url) = match (&m.remote_url, &m.file_key) {
        (Some(remote), _) => (Some(remote.clone()), Some(remote.clone())),
        (None, Some(file)) => (
            Some(file_url(ctx, file)),
            m.preview_key.as_deref().map(|k| file_url(ctx, k)),
        ),
        (None, None) => (None, None),
    };
    json!({
        "id": m.id.to_string(),
        "type": m.kind,
        "url": url,
        "preview_url": preview_url,
        "remote_url": m.remote_url,
        "preview_remote_url": null,
        "text_url": null,
        "meta": meta,
        "description": m.description,
        "blurhash": m.blurhash,
    })
}

pub fn relationship_to_api(r: &Relationship) -> Value {
    json!({
        "id": r.id.to_string(),
        "following": r.following,
        "showing_reblogs": r.following,
        "notifying": false,
        "languages": null,
        "followed_by": r.followed_by,
        "blocking": r.blocking,
        "blocked_by": r.blocked_by,
        "muting": r.muting.is_some(),
        "muting_notifications": r.muting.is_some_and(|(hide, _)| hide),
        "muting_expires_at": r.muting.and_then(|(_, until)| until).map(crate::time::iso),
        "requested": r.requested,
        "requested_by": r.requested_by,
        "domain_blocking": r.domain_blocking,
        "endorsed": r.endorsed,
        "note": r.note,
    })
}

pub fn notification_to_api(n: &NotificationView, ctx: &Ctx) -> Value {
    let mut v = json!({
        "id": n.row.id.to_string(),
        "type": n.row.kind,
        "group_key": n.row.group(&crate::queries::notifications::default_grouped()),
        "created_at": iso(n.row.created_at),
        "account": account_to_api(&n.from, ctx),
        "status": n.status.as_ref().map(|s| status_to_api(s, ctx)),
    });
    if n.row.filtered != 0 {
        v["filtered"] = json!(true);
    }
    v
}

/// An app; with `secret` when it was just created (the only time it is shown).
pub fn app_to_api(app: &AppRow, secret: Option<&str>) -> Value {
    let uris = app.redirect_uri_list();
    let mut v = json!({
        "id": app.id.to_string(),
        "name": app.name,
        "website": app.website,
        "scopes": app.scope_list(),
        "redirect_uri": uris.join("\n"),
        "redirect_uris": uris,
        "vapid_key": "",
    });
    if let Some(secret) = secret {
        v["client_id"] = json!(app.client_id);
        v["client_secret"] = json!(secret);
        v["client_secret_expires_at"] = json!(0);
    }
    v
}

pub fn token_to_api(token: &crate::oauth::store::IssuedToken) -> Value {
    json!({
        "access_token": token.token,
        "token_type": "Bearer",
        "scope": token.scopes,
        "created_at": token.created_at / 1000,
    })
}

/// An announcement as the signed-in user sees it. Its text is rendered as a status's is,
/// links and hashtags linked; mentions stay text (announcements name no accounts).
pub fn announcement_to_api(
    a: &crate::queries::announcements::AnnouncementView,
    emojis: &[EmojiView],
    ctx: &Ctx,
) -> Value {
    use crate::domain::text;
    let tag_url = |name: &str| format!("{}/tags/{}", ctx.base_url, name.to_lowercase());
    let content = text::render(&a.text, &|_| None, &tag_url);
    json!({
        "id": a.id.to_string(),
        "content": content,
        "starts_at": a.starts_at.map(iso),
        "ends_at": a.ends_at.map(iso),
        "all_day": a.all_day,
        "published": true,
        "published_at": iso(a.published_at),
        "updated_at": iso(a.updated_at),
        "read": a.read,
        "mentions": [],
        "statuses": [],
        "tags": text::hashtags(&a.text).iter().map(|t| json!({"name": t.to_lowercase(), "url": tag_url(t)})).collect::<Vec<_>>(),
        "emojis": emojis.iter().map(emoji_to_api).collect::<Vec<_>>(),
        "reactions": a.reactions.iter().map(|r| {
            let mut v = json!({"name": r.name, "count": r.count, "me": r.me});
            if let Some(key) = &r.emoji_key {
                v["url"] = json!(file_url(ctx, key));
                v["static_url"] = json!(file_url(ctx, key));
            }
            v
        }).collect::<Vec<_>>(),
    })
}

/// A PreviewCard. Mastodon sends empty strings, not nulls, for what a page did not say.
pub fn card_to_api(c: &CardRow, ctx: &Ctx) -> Value {
    let author = (!c.author_name.is_empty() || !c.author_url.is_empty())
        .then(|| json!({"name": c.author_name, "url": c.author_url, "account": null}));
    json!({
        "url": c.url,
        "title": c.title,
        "description": c.description,
        "type": c.kind,
        "author_name": c.author_name,
        "author_url": c.author_url,
        "authors": author.into_iter().collect::<Vec<_>>(),
        "provider_name": c.provider_name,
        "provider_url": c.provider_url,
        "html": "",
        "width": c.width,
        "height": c.height,
        "image": c.image_key.as_deref().map(|k| file_url(ctx, k)),
        "image_description": "",
        "embed_url": "",
        "blurhash": c.blurhash,
        "language": c.language,
        "published_at": c.published_at.map(iso),
    })
}

pub fn emoji_to_api(e: &EmojiView) -> Value {
    json!({
        "shortcode": e.shortcode,
        "url": e.url,
        "static_url": e.static_url,
        "visible_in_picker": e.visible_in_picker,
        "category": e.category,
    })
}
