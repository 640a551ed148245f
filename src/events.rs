//! Every event kind, with its payload. Names are past tense and stable: never rename a
//! variant or a field. A new optional field takes `#[serde(default)]`; a change that old
//! payloads cannot satisfy takes a new payload version and an upcaster in [`upcast`].
//! docs/events.md lists them all.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The payload version written with every new event (as `"v"` inside the payload).
/// 2: remote plain text (display names, field names, content warnings, poll choices, report
/// comments) is kept as the text it is; version 1 kept it HTML-escaped.
pub const PAYLOAD_VERSION: i64 = 2;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload")]
pub enum Event {
    AccountRegistered(AccountRegistered),
    AccountProfileUpdated(AccountProfileUpdated),
    AccountSuspended(AccountRef),
    AccountUnsuspended(AccountRef),
    AccountApproved(AccountRef),
    StatusPosted(StatusPosted),
    StatusDeleted(StatusDeleted),
    StatusFavourited(Favourite),
    StatusUnfavourited(Favourite),
    StatusReblogged(Reblog),
    StatusUnreblogged(Reblog),
    Followed(Follow),
    FollowRequested(Follow),
    FollowRequestAuthorized(Follow),
    FollowRequestRejected(Follow),
    FollowRequestCancelled(Follow),
    Unfollowed(Follow),
    NotificationDismissed(NotificationDismissed),
    NotificationsCleared(AccountRef),
    RemoteAccountFetched(RemoteAccount),
    RemoteAccountDeleted(AccountRef),
    AccountMoved(AccountMoved),
    AccountDeleted(AccountDeletion),
    StatusEdited(StatusEdited),
    StatusPinned(Pin),
    StatusUnpinned(Pin),
    StatusBookmarked(Bookmark),
    StatusUnbookmarked(Bookmark),
    MarkerSaved(Marker),
    AccountMuted(Mute),
    AccountUnmuted(Mute),
    Blocked(Block),
    Unblocked(Block),
    ObjectTombstoned(Tombstone),
    ReportFiled(Report),
    AccountConfirmed(AccountRef),
    MediaUploaded(MediaUploaded),
    MediaProcessed(MediaProcessed),
    MediaDescribed(MediaDescribed),
    MediaDeleted(MediaDeleted),
    ListSaved(ListChanged),
    ListDeleted(ListDeleted),
    ListAccountsAdded(ListMembers),
    ListAccountsRemoved(ListMembers),
    PollVoted(PollVote),
    FilterSaved(FilterSaved),
    FilterDeleted(FilterDeleted),
    ConversationRead(ConversationRef),
    ConversationRemoved(ConversationRef),
    StatusScheduled(ScheduledStatus),
    ScheduledStatusChanged(ScheduledStatus),
    ScheduledStatusCancelled(ScheduledRef),
    ScheduledStatusPublished(ScheduledPublished),
    AccountSilenced(AccountRef),
    AccountUnsilenced(AccountRef),
    AccountDisabled(AccountRef),
    AccountEnabled(AccountRef),
    ReportAssigned(ReportAssigned),
    ReportResolved(ReportRef),
    ReportReopened(ReportRef),
    DomainBlockSaved(DomainBlock),
    DomainBlockRemoved(DomainBlockRef),
    FollowerRemoved(Follow),
    AccountNoteSet(AccountNote),
    AccountEndorsed(AccountPair),
    AccountUnendorsed(AccountPair),
    UserDomainBlocked(UserDomainBlock),
    UserDomainUnblocked(UserDomainBlock),
    PushSubscribed(PushSubscription),
    PushSubscriptionRemoved(PushSubscriptionRef),
    TagFollowed(TagFollow),
    TagUnfollowed(TagFollow),
    FeaturedTagAdded(FeaturedTag),
    FeaturedTagRemoved(FeaturedTag),
    SuggestionDismissed(AccountPair),
    ConversationMuted(ThreadMute),
    ConversationUnmuted(ThreadMute),
    AnnouncementSaved(Announcement),
    AnnouncementDeleted(AnnouncementRef),
    AnnouncementDismissed(AnnouncementRead),
    AnnouncementReactionAdded(AnnouncementReaction),
    AnnouncementReactionRemoved(AnnouncementReaction),
    CustomEmojiAdded(CustomEmoji),
    CustomEmojiRemoved(CustomEmojiRef),
    NotificationPolicySaved(NotificationPolicy),
    NotificationRequestAccepted(NotificationRequestRef),
    NotificationRequestDismissed(NotificationRequestRef),
    StatusCardUpdated(StatusCard),
    ShowcaseReordered(ShowcaseOrder),
    ProfileLinkVerified(ProfileLink),
}

/// A status to be posted later: what was asked, kept until it is due.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduledStatus {
    pub scheduled_id: i64,
    pub account_id: i64,
    pub scheduled_at: i64,
    pub params: ScheduledParams,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduledParams {
    pub text: String,
    pub spoiler_text: String,
    pub visibility: String,
    pub sensitive: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_reply_to_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub media_ids: Vec<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll: Option<ScheduledPoll>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application: Option<AppRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduledPoll {
    pub options: Vec<String>,
    pub expires_in: i64,
    pub multiple: bool,
    pub hide_totals: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduledRef {
    pub scheduled_id: i64,
    pub account_id: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduledPublished {
    pub scheduled_id: i64,
    pub account_id: i64,
    pub status_id: i64,
}

/// One participant's view of a direct-message conversation (named by its first status).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationRef {
    pub account_id: i64,
    pub conversation_id: i64,
}

/// A filter as created or last changed, whole (keywords and statuses with their ids).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilterSaved {
    pub filter_id: i64,
    pub account_id: i64,
    pub title: String,
    /// Of `home`, `notifications`, `public`, `thread`, `account`.
    pub context: Vec<String>,
    /// `warn`, `hide` or `blur`.
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    pub keywords: Vec<FilterKeyword>,
    pub statuses: Vec<FilterStatus>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilterKeyword {
    pub id: i64,
    pub keyword: String,
    pub whole_word: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilterStatus {
    pub id: i64,
    pub status_id: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilterDeleted {
    pub filter_id: i64,
    pub account_id: i64,
}

/// A poll posted with a status. A remote poll carries the counts its server gave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PollSpec {
    pub poll_id: i64,
    pub options: Vec<String>,
    pub multiple: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hide_totals: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts: Option<Vec<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voters_count: Option<i64>,
}

/// One account's vote: the chosen options' indexes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PollVote {
    pub poll_id: i64,
    pub status_id: i64,
    pub account_id: i64,
    pub choices: Vec<usize>,
    pub created_at: i64,
    /// The remote vote's id, when it came from another server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
}

/// A list as created or last changed: the whole of it, so the projection is an upsert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListChanged {
    pub list_id: i64,
    pub account_id: i64,
    pub title: String,
    /// `followed`, `list` or `none`: which replies the list timeline shows.
    pub replies_policy: String,
    /// Members' posts leave the owner's home timeline.
    pub exclusive: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListDeleted {
    pub list_id: i64,
    pub account_id: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListMembers {
    pub list_id: i64,
    pub account_ids: Vec<i64>,
}

/// An image a local account uploaded, checked and accepted. `files` is there when it was
/// processed at once (`POST /api/v1/media`); otherwise [`MediaProcessed`] follows, made
/// from the upload kept under `upload_key`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaUploaded {
    pub media_id: i64,
    pub account_id: i64,
    /// Mastodon's attachment type: `image`.
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<MediaFiles>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub focus: Option<(f64, f64)>,
    pub created_at: i64,
}

/// The files kept for an attachment, under storage keys we made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaFiles {
    pub file_key: String,
    pub mime: String,
    pub width: i64,
    pub height: i64,
    pub size: i64,
    pub preview_key: String,
    pub preview_width: i64,
    pub preview_height: i64,
    pub blurhash: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaProcessed {
    pub media_id: i64,
    pub files: MediaFiles,
}

/// A new description and focal point, given before the attachment is posted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaDescribed {
    pub media_id: i64,
    pub description: Option<String>,
    pub focus: Option<(f64, f64)>,
}

/// An upload its owner deleted before posting it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaDeleted {
    pub media_id: i64,
    pub account_id: i64,
}

/// An attachment of a status: a local upload by id, or a remote file described whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttachedMedia {
    pub media_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<RemoteMedia>,
}

/// A remote server's attachment, referenced where it lives (not copied).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemoteMedia {
    pub url: String,
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blurhash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub focus: Option<(f64, f64)>,
}

/// A remote actor as last fetched: the whole snapshot, so the projection is an upsert.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RemoteAccount {
    pub account_id: i64,
    pub uri: String,
    pub username: String,
    pub domain: String,
    pub display_name: String,
    /// Sanitised when fetched.
    pub note_html: String,
    pub fields: Vec<ProfileField>,
    pub locked: bool,
    pub bot: bool,
    pub discoverable: bool,
    pub url: String,
    pub inbox_url: String,
    pub shared_inbox_url: Option<String>,
    pub followers_url: Option<String>,
    pub outbox_url: Option<String>,
    pub featured_url: Option<String>,
    pub key_id: String,
    pub public_key_pem: String,
    pub avatar_url: Option<String>,
    pub header_url: Option<String>,
    pub created_at: i64,
    pub fetched_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountMoved {
    pub account_id: i64,
    pub target_uri: String,
}

/// A local account deleted by its owner. The username stays taken; what it posted is
/// purged afterwards by the pull queue, as `StatusDeleted` and the like.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountDeletion {
    pub account_id: i64,
    pub at: i64,
    /// The inboxes told of the deletion: its remote followers' and those it followed,
    /// fixed when it was decided, since the follows end with it.
    pub inboxes: Vec<String>,
}

/// A status's new text. Remote edits carry sanitised HTML; `text` is empty for them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusEdited {
    pub status_id: i64,
    pub account_id: i64,
    pub text: String,
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub language: Option<String>,
    pub mentions: Vec<i64>,
    pub tags: Vec<String>,
    pub edited_at: i64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emojis: Vec<StatusEmoji>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Block {
    pub block_id: i64,
    pub account_id: i64,
    pub target_account_id: i64,
    /// The remote Block activity's id, when it came from another server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tombstone {
    pub uri: String,
    pub deleted_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub report_id: i64,
    pub account_id: i64,
    pub target_account_id: i64,
    pub status_ids: Vec<i64>,
    pub comment: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    pub created_at: i64,
    /// `spam`, `legal`, `violation` or `other` (reports from other servers: `other`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// A local report to be sent on to the reported account's server.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub forward: bool,
}

/// A moderator took (`Some`) or gave up (`None`) a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportAssigned {
    pub report_id: i64,
    pub assigned_account_id: Option<i64>,
    pub at: i64,
}

/// A report resolved or reopened; the moderator is the event's actor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportRef {
    pub report_id: i64,
    pub by_account_id: i64,
    pub at: i64,
}

/// An instance-level block of a domain and its subdomains, created or changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainBlock {
    pub block_id: i64,
    /// Lower-case, punycode.
    pub domain: String,
    /// `silence`, `suspend` or `noop`.
    pub severity: String,
    pub reject_media: bool,
    pub reject_reports: bool,
    pub private_comment: Option<String>,
    pub public_comment: Option<String>,
    pub obfuscate: bool,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainBlockRef {
    pub block_id: i64,
    pub domain: String,
}

/// A user's private note on another account (empty: removed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountNote {
    pub account_id: i64,
    pub target_account_id: i64,
    pub note: String,
}

/// One account's relation to another (an endorsement).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountPair {
    pub account_id: i64,
    pub target_account_id: i64,
    pub at: i64,
}

/// A user hiding a whole domain from themself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserDomainBlock {
    pub account_id: i64,
    pub domain: String,
    pub at: i64,
}

/// A Web Push subscription of one access token: where to send notifications and the
/// keys to encrypt them with. Recorded whole, on creation and on every change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushSubscription {
    pub subscription_id: i64,
    pub token_id: i64,
    pub account_id: i64,
    pub endpoint: String,
    /// The client's P-256 public key and authentication secret, base64url.
    pub p256dh: String,
    pub auth: String,
    /// The notification types to push (`mention`, `follow`, …).
    pub alerts: Vec<String>,
    /// `all`, `followed`, `follower` or `none`.
    pub policy: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushSubscriptionRef {
    pub token_id: i64,
    pub account_id: i64,
}

/// A user following a hashtag (lower case): its public posts enter their home feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TagFollow {
    pub account_id: i64,
    pub tag: String,
    pub at: i64,
}

/// A hashtag shown on a user's profile (lower case).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeaturedTag {
    pub featured_tag_id: i64,
    pub account_id: i64,
    pub tag: String,
    pub at: i64,
}

/// A user muting (or unmuting) the notifications of one thread, named by its first status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadMute {
    pub account_id: i64,
    pub thread_id: i64,
    pub at: i64,
}

/// An operator's announcement as created or last changed, whole. Times are ms since the
/// epoch; `starts_at`/`ends_at` are the period it is about, shown by clients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Announcement {
    pub announcement_id: i64,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<i64>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub all_day: bool,
    pub published: bool,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnnouncementRef {
    pub announcement_id: i64,
    pub at: i64,
}

/// A user marking an announcement read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnnouncementRead {
    pub announcement_id: i64,
    pub account_id: i64,
    pub at: i64,
}

/// A user's reaction to an announcement: a Unicode emoji or a local custom emoji's shortcode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnnouncementReaction {
    pub announcement_id: i64,
    pub account_id: i64,
    pub name: String,
    pub at: i64,
}

/// A user's notification policy, whole: for each kind of sender, `accept`, `filter` (into
/// a notification request) or `drop`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationPolicy {
    pub account_id: i64,
    pub for_not_following: String,
    pub for_not_followers: String,
    pub for_new_accounts: String,
    pub for_private_mentions: String,
    pub for_limited_accounts: String,
    pub at: i64,
}

/// A user accepting (from now on) or dismissing the filtered notifications of one sender.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationRequestRef {
    pub account_id: i64,
    pub from_account_id: i64,
    pub at: i64,
}

/// The preview card of the first link in a status, as fetched; `None` when an edit took
/// the link away.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusCard {
    pub status_id: i64,
    pub card: Option<PreviewCard>,
}

/// A linked page's preview, from its OpenGraph and HTML metadata. The image, when there
/// is one, was fetched, checked and kept by us (`image_key`) so that readers never load
/// it from the linked site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreviewCard {
    pub url: String,
    pub title: String,
    pub description: String,
    /// `link`, `photo`, `video` or `rich`, as Mastodon's card types.
    pub kind: String,
    pub author_name: String,
    pub author_url: String,
    pub provider_name: String,
    pub provider_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_key: Option<String>,
    pub width: u32,
    pub height: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blurhash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<i64>,
    pub fetched_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationDismissed {
    pub account_id: i64,
    pub notification_id: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountRegistered {
    pub account_id: i64,
    pub username: String,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub approved: bool,
    pub confirmed: bool,
    pub locale: String,
    pub uri: String,
    pub url: String,
    pub public_key_pem: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileField {
    pub name: String,
    pub value: String,
}

/// A profile field's link was found to link back to the profile with `rel="me"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileLink {
    pub account_id: i64,
    pub url: String,
    pub verified_at: i64,
}

/// Only the fields that changed are present.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountProfileUpdated {
    pub account_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The note rendered when it was written, so replay never depends on later state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note_html: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<ProfileField>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discoverable: Option<bool>,
    /// A new avatar's storage key; empty when it was removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_key: Option<String>,
    /// A professional line under the name ("Sound designer at X"), shown on the web profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headline: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountRef {
    pub account_id: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppRef {
    pub name: String,
    pub website: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusPosted {
    pub status_id: i64,
    pub account_id: i64,
    pub uri: String,
    pub url: String,
    /// The text as written, and the HTML it rendered to at the time.
    pub text: String,
    pub content: String,
    pub spoiler_text: String,
    pub visibility: String,
    pub sensitive: bool,
    pub language: Option<String>,
    pub in_reply_to_id: Option<i64>,
    pub in_reply_to_account_id: Option<i64>,
    /// Mentioned accounts' ids, in order of appearance.
    pub mentions: Vec<i64>,
    /// Hashtags as written.
    pub tags: Vec<String>,
    pub application: Option<AppRef>,
    pub created_at: i64,
    /// Received from another server; `text` is then empty and `content` sanitised.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub remote: bool,
    /// Attachments, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub media: Vec<AttachedMedia>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll: Option<PollSpec>,
    /// Custom emoji the text and content warning use, as they were when it was posted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emojis: Vec<StatusEmoji>,
}

/// A custom emoji a status uses: ours or its server's, with where its image is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusEmoji {
    pub shortcode: String,
    pub url: String,
    pub static_url: String,
}

/// An operator's custom emoji, its image stored under `image_key` (a PNG).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomEmoji {
    pub shortcode: String,
    pub image_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    pub visible_in_picker: bool,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomEmojiRef {
    pub shortcode: String,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusDeleted {
    pub status_id: i64,
    pub account_id: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Favourite {
    pub favourite_id: i64,
    pub account_id: i64,
    pub status_id: i64,
    pub status_account_id: i64,
    pub created_at: i64,
    /// The remote Like's id, when it came from another server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
}

/// One account muting another: its posts leave the muter's home timeline, and its
/// notifications too when `notifications`; until `expires_at` if set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mute {
    pub mute_id: i64,
    pub account_id: i64,
    pub target_account_id: i64,
    pub notifications: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    pub created_at: i64,
}

/// Where an account stopped reading a timeline (`home` or `notifications`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Marker {
    pub account_id: i64,
    pub timeline: String,
    pub last_read_id: String,
    /// Counts the saves, from 1, as Mastodon's does.
    pub version: i64,
    pub updated_at: i64,
}

/// A status kept by an account for later, seen only by that account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bookmark {
    pub bookmark_id: i64,
    pub account_id: i64,
    pub status_id: i64,
    pub created_at: i64,
}

/// A status featured on its author's profile (Mastodon's pin).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pin {
    pub account_id: i64,
    pub status_id: i64,
    pub created_at: i64,
}

/// The order its owner chose for the showcase (the pinned posts), first shown first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShowcaseOrder {
    pub account_id: i64,
    pub status_ids: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reblog {
    /// The reblog is a status of its own, with this id.
    pub reblog_id: i64,
    pub account_id: i64,
    pub status_id: i64,
    pub status_account_id: i64,
    pub visibility: String,
    pub created_at: i64,
    /// The remote Announce's id, when it came from another server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Follow {
    pub follow_id: i64,
    pub account_id: i64,
    pub target_account_id: i64,
    pub created_at: i64,
    /// The remote Follow's id, when it came from another server (its Accept names it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("unreadable {kind} event: {message}")]
pub struct DecodeError {
    pub kind: String,
    pub message: String,
}

impl Event {
    pub fn kind(&self) -> &'static str {
        match self {
            Event::AccountRegistered(_) => "AccountRegistered",
            Event::AccountProfileUpdated(_) => "AccountProfileUpdated",
            Event::AccountSuspended(_) => "AccountSuspended",
            Event::AccountUnsuspended(_) => "AccountUnsuspended",
            Event::AccountApproved(_) => "AccountApproved",
            Event::StatusPosted(_) => "StatusPosted",
            Event::StatusDeleted(_) => "StatusDeleted",
            Event::StatusFavourited(_) => "StatusFavourited",
            Event::StatusUnfavourited(_) => "StatusUnfavourited",
            Event::StatusReblogged(_) => "StatusReblogged",
            Event::StatusUnreblogged(_) => "StatusUnreblogged",
            Event::Followed(_) => "Followed",
            Event::FollowRequested(_) => "FollowRequested",
            Event::FollowRequestAuthorized(_) => "FollowRequestAuthorized",
            Event::FollowRequestRejected(_) => "FollowRequestRejected",
            Event::FollowRequestCancelled(_) => "FollowRequestCancelled",
            Event::Unfollowed(_) => "Unfollowed",
            Event::NotificationDismissed(_) => "NotificationDismissed",
            Event::NotificationsCleared(_) => "NotificationsCleared",
            Event::RemoteAccountFetched(_) => "RemoteAccountFetched",
            Event::RemoteAccountDeleted(_) => "RemoteAccountDeleted",
            Event::AccountMoved(_) => "AccountMoved",
            Event::AccountDeleted(_) => "AccountDeleted",
            Event::StatusEdited(_) => "StatusEdited",
            Event::Blocked(_) => "Blocked",
            Event::Unblocked(_) => "Unblocked",
            Event::ObjectTombstoned(_) => "ObjectTombstoned",
            Event::ReportFiled(_) => "ReportFiled",
            Event::AccountConfirmed(_) => "AccountConfirmed",
            Event::StatusPinned(_) => "StatusPinned",
            Event::StatusUnpinned(_) => "StatusUnpinned",
            Event::StatusBookmarked(_) => "StatusBookmarked",
            Event::StatusUnbookmarked(_) => "StatusUnbookmarked",
            Event::MarkerSaved(_) => "MarkerSaved",
            Event::AccountMuted(_) => "AccountMuted",
            Event::AccountUnmuted(_) => "AccountUnmuted",
            Event::MediaUploaded(_) => "MediaUploaded",
            Event::MediaProcessed(_) => "MediaProcessed",
            Event::MediaDescribed(_) => "MediaDescribed",
            Event::MediaDeleted(_) => "MediaDeleted",
            Event::ListSaved(_) => "ListSaved",
            Event::ListDeleted(_) => "ListDeleted",
            Event::ListAccountsAdded(_) => "ListAccountsAdded",
            Event::ListAccountsRemoved(_) => "ListAccountsRemoved",
            Event::PollVoted(_) => "PollVoted",
            Event::FilterSaved(_) => "FilterSaved",
            Event::FilterDeleted(_) => "FilterDeleted",
            Event::ConversationRead(_) => "ConversationRead",
            Event::ConversationRemoved(_) => "ConversationRemoved",
            Event::StatusScheduled(_) => "StatusScheduled",
            Event::ScheduledStatusChanged(_) => "ScheduledStatusChanged",
            Event::ScheduledStatusCancelled(_) => "ScheduledStatusCancelled",
            Event::ScheduledStatusPublished(_) => "ScheduledStatusPublished",
            Event::AccountSilenced(_) => "AccountSilenced",
            Event::AccountUnsilenced(_) => "AccountUnsilenced",
            Event::AccountDisabled(_) => "AccountDisabled",
            Event::AccountEnabled(_) => "AccountEnabled",
            Event::ReportAssigned(_) => "ReportAssigned",
            Event::ReportResolved(_) => "ReportResolved",
            Event::ReportReopened(_) => "ReportReopened",
            Event::DomainBlockSaved(_) => "DomainBlockSaved",
            Event::DomainBlockRemoved(_) => "DomainBlockRemoved",
            Event::FollowerRemoved(_) => "FollowerRemoved",
            Event::AccountNoteSet(_) => "AccountNoteSet",
            Event::AccountEndorsed(_) => "AccountEndorsed",
            Event::AccountUnendorsed(_) => "AccountUnendorsed",
            Event::UserDomainBlocked(_) => "UserDomainBlocked",
            Event::UserDomainUnblocked(_) => "UserDomainUnblocked",
            Event::PushSubscribed(_) => "PushSubscribed",
            Event::PushSubscriptionRemoved(_) => "PushSubscriptionRemoved",
            Event::TagFollowed(_) => "TagFollowed",
            Event::TagUnfollowed(_) => "TagUnfollowed",
            Event::FeaturedTagAdded(_) => "FeaturedTagAdded",
            Event::FeaturedTagRemoved(_) => "FeaturedTagRemoved",
            Event::SuggestionDismissed(_) => "SuggestionDismissed",
            Event::ConversationMuted(_) => "ConversationMuted",
            Event::ConversationUnmuted(_) => "ConversationUnmuted",
            Event::AnnouncementSaved(_) => "AnnouncementSaved",
            Event::AnnouncementDeleted(_) => "AnnouncementDeleted",
            Event::AnnouncementDismissed(_) => "AnnouncementDismissed",
            Event::AnnouncementReactionAdded(_) => "AnnouncementReactionAdded",
            Event::AnnouncementReactionRemoved(_) => "AnnouncementReactionRemoved",
            Event::CustomEmojiAdded(_) => "CustomEmojiAdded",
            Event::CustomEmojiRemoved(_) => "CustomEmojiRemoved",
            Event::NotificationPolicySaved(_) => "NotificationPolicySaved",
            Event::NotificationRequestAccepted(_) => "NotificationRequestAccepted",
            Event::NotificationRequestDismissed(_) => "NotificationRequestDismissed",
            Event::StatusCardUpdated(_) => "StatusCardUpdated",
            Event::ShowcaseReordered(_) => "ShowcaseReordered",
            Event::ProfileLinkVerified(_) => "ProfileLinkVerified",
        }
    }

    /// The payload as stored: the variant's fields plus `"v"`.
    pub fn payload(&self) -> Result<String, serde_json::Error> {
        let mut whole = serde_json::to_value(self)?;
        let mut payload = whole
            .get_mut("payload")
            .map(Value::take)
            .unwrap_or(Value::Null);
        if let Value::Object(map) = &mut payload {
            map.insert("v".into(), Value::from(PAYLOAD_VERSION));
        }
        serde_json::to_string(&payload)
    }

    pub fn decode(kind: &str, payload: &str) -> Result<Event, DecodeError> {
        let fail = |m: String| DecodeError {
            kind: kind.to_string(),
            message: m,
        };
        let mut value: Value = serde_json::from_str(payload).map_err(|e| fail(e.to_string()))?;
        let version = value.get("v").and_then(Value::as_i64).unwrap_or(1);
        if let Value::Object(map) = &mut value {
            map.remove("v");
        }
        let value = upcast(kind, version, value);
        serde_json::from_value(serde_json::json!({ "kind": kind, "payload": value }))
            .map_err(|e| fail(e.to_string()))
    }
}

/// Turns an old payload shape into the current one.
fn upcast(kind: &str, version: i64, mut payload: Value) -> Value {
    if version < 2 {
        unescape_remote_text(kind, &mut payload);
    }
    payload
}

/// Version 1 kept remote plain text as the HTML serialiser wrote it (`Tom &amp; Jerry`);
/// it is text again here, so the read models and the log say the same as new events do.
/// Only remote values were escaped: local text was always kept as written.
fn unescape_remote_text(kind: &str, payload: &mut Value) {
    let text_of = |key: &str| payload.get(key).and_then(Value::as_str);
    let paths: &[&[&str]] = match kind {
        "RemoteAccountFetched" => &[&["display_name"], &["fields", "*", "name"]],
        "StatusPosted" if payload.get("remote") == Some(&Value::Bool(true)) => {
            &[&["spoiler_text"], &["poll", "options", "*"]]
        }
        // A remote edit has no source text but some content. A local edit of a post with
        // only media has neither, and is left alone: its warning was never escaped.
        "StatusEdited"
            if text_of("text") == Some("") && text_of("content").is_some_and(|c| !c.is_empty()) =>
        {
            &[&["spoiler_text"]]
        }
        "ReportFiled" if text_of("uri").is_some() => &[&["comment"]],
        _ => &[],
    };
    for path in paths {
        unescape_at(payload, path);
    }
}

/// Unescapes the string at `path` (`*` for every item of an array), where there is one.
fn unescape_at(v: &mut Value, path: &[&str]) {
    match (path.split_first(), v) {
        (None, Value::String(s)) => *s = unescape_serialized(s),
        (Some((&"*", rest)), Value::Array(items)) => {
            for item in items {
                unescape_at(item, rest);
            }
        }
        (Some((key, rest)), Value::Object(map)) => {
            if let Some(inner) = map.get_mut(*key) {
                unescape_at(inner, rest);
            }
        }
        _ => {}
    }
}

/// The inverse of the HTML serialiser's text escaping (html5ever's, which ammonia uses):
/// it writes `&amp;`, `&lt;`, `&gt;` and `&nbsp;` and no other reference, so one pass
/// restores the text exactly.
fn unescape_serialized(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let (decoded, len) = [
            ("&amp;", '&'),
            ("&lt;", '<'),
            ("&gt;", '>'),
            ("&nbsp;", '\u{a0}'),
        ]
        .iter()
        .find(|(entity, _)| rest.starts_with(entity))
        .map_or(('&', 1), |(entity, c)| (*c, entity.len()));
        out.push(decoded);
        rest = &rest[len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip_with_their_version() {
        let e = Event::Followed(Follow {
            follow_id: 7,
            account_id: 1,
            target_account_id: 2,
            created_at: 3,
            uri: None,
        });
        let stored = e.payload().unwrap();
        assert!(stored.contains("\"v\":2"));
        assert_eq!(Event::decode(e.kind(), &stored).unwrap(), e);
    }

    #[test]
    fn optional_fields_may_be_missing_from_old_payloads() {
        let e = Event::decode("AccountProfileUpdated", r#"{"account_id":5}"#).unwrap();
        assert_eq!(
            e,
            Event::AccountProfileUpdated(AccountProfileUpdated {
                account_id: 5,
                ..Default::default()
            })
        );
    }

    #[test]
    fn version_1_remote_text_is_read_as_text() {
        let kept = |html: &str| tessera_federation::sanitize::plain_text(html);
        // What version 1 kept: the old reader's output for each remote value.
        let account = serde_json::json!({
            "account_id": 1, "uri": "https://b.example/u/tom", "username": "tom",
            "domain": "b.example", "display_name": kept("Tom &amp; Jerry &lt;3"),
            "note_html": "<p>a &amp; b</p>",
            "fields": [{"name": kept("Q&amp;A"), "value": "<a href=\"https://x\">x &amp; y</a>"}],
            "locked": false, "bot": false, "discoverable": false, "url": "", "inbox_url": "",
            "key_id": "", "public_key_pem": "", "created_at": 0, "fetched_at": 0, "v": 1,
        });
        let Ok(Event::RemoteAccountFetched(a)) =
            Event::decode("RemoteAccountFetched", &account.to_string())
        else {
            panic!("not decoded");
        };
        assert_eq!(a.display_name, "Tom & Jerry <3");
        assert_eq!(a.fields[0].name, "Q&A");
        assert_eq!(
            a.fields[0].value, "<a href=\"https://x\">x &amp; y</a>",
            "HTML stays HTML"
        );
        assert_eq!(a.note_html, "<p>a &amp; b</p>");
        // Written again, it is version 2 and reads back the same.
        let again = Event::RemoteAccountFetched(a);
        assert_eq!(
            Event::decode(again.kind(), &again.payload().unwrap()).unwrap(),
            again
        );

        let posted = |remote: bool, spoiler: &str| {
            serde_json::json!({
                "status_id": 2, "account_id": 1, "uri": "u", "url": "u", "text": "",
                "content": "<p>x</p>", "spoiler_text": spoiler, "visibility": "public",
                "sensitive": true, "language": null, "in_reply_to_id": null,
                "in_reply_to_account_id": null, "mentions": [], "tags": [], "application": null,
                "created_at": 0, "remote": remote,
                "poll": {"poll_id": 3, "options": [kept("A &amp; B"), kept("&lt;C&gt;")], "multiple": false},
            })
            .to_string()
        };
        let Ok(Event::StatusPosted(p)) =
            Event::decode("StatusPosted", &posted(true, &kept("Q&amp;A x\u{a0}y")))
        else {
            panic!("not decoded");
        };
        assert_eq!(p.spoiler_text, "Q&A x\u{a0}y");
        assert_eq!(p.poll.unwrap().options, ["A & B", "<C>"]);
        let Ok(Event::StatusPosted(p)) = Event::decode("StatusPosted", &posted(false, "a &amp; b"))
        else {
            panic!("not decoded");
        };
        assert_eq!(
            p.spoiler_text, "a &amp; b",
            "local text was kept as written"
        );

        let edited = |text: &str, content: &str| {
            serde_json::json!({
                "status_id": 2, "account_id": 1, "text": text, "content": content,
                "spoiler_text": "Q&amp;A", "sensitive": true, "language": null,
                "mentions": [], "tags": [], "edited_at": 0,
            })
            .to_string()
        };
        for (text, content, spoiler) in [
            ("", "<p>x</p>", "Q&A"),
            ("", "", "Q&amp;A"),
            ("words", "<p>words</p>", "Q&amp;A"),
        ] {
            let Ok(Event::StatusEdited(e)) = Event::decode("StatusEdited", &edited(text, content))
            else {
                panic!("not decoded");
            };
            assert_eq!(e.spoiler_text, spoiler, "{text:?} {content:?}");
        }

        let report = |uri: Value| {
            serde_json::json!({
                "report_id": 4, "account_id": 1, "target_account_id": 5, "status_ids": [],
                "comment": "Spam &amp; &lt;junk&gt;", "uri": uri, "created_at": 0,
            })
            .to_string()
        };
        let comment = |uri| match Event::decode("ReportFiled", &report(uri)) {
            Ok(Event::ReportFiled(r)) => r.comment,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            comment(Value::from("https://b.example/flag")),
            "Spam & <junk>"
        );
        assert_eq!(comment(Value::Null), "Spam &amp; &lt;junk&gt;");
    }

    #[test]
    fn unescaping_inverts_the_serialisers_escaping() {
        for text in [
            "Tom & Jerry <3",
            "&amp; as written",
            "a\u{a0}b > c",
            "&lt;&&gt;",
            "plain",
        ] {
            // The serialiser escapes text it parsed; an entity it parsed was decoded first.
            let parsed = tessera_federation::sanitize::plain_text(
                &text.replace('&', "&amp;").replace('<', "&lt;"),
            );
            assert_eq!(unescape_serialized(&parsed), text, "{parsed}");
        }
        assert_eq!(unescape_serialized("a & b &x; &"), "a & b &x; &");
    }

    #[test]
    fn unknown_kinds_are_an_error_not_a_panic() {
        assert!(Event::decode("Nonsense", "{}").is_err());
    }
}
