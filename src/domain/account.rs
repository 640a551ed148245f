//! A local account's lifecycle and profile. Stream `account:<id>`.

use super::validate::{self, DISPLAY_NAME_MAX, FIELD_MAX, FIELDS_MAX, HEADLINE_MAX, NOTE_MAX};
use super::{Aggregate, Rejection, invalid};
use crate::events::{
    AccountDeletion, AccountMoved, AccountProfileUpdated, AccountRef, AccountRegistered, Event,
    NotificationDismissed, ProfileField, ProfileLink, RemoteAccount,
};

pub fn stream(account_id: i64) -> String {
    format!("account:{account_id}")
}

#[derive(Debug, Default, Clone)]
pub struct Account {
    pub id: Option<i64>,
    pub display_name: String,
    pub headline: String,
    pub note: String,
    pub fields: Vec<ProfileField>,
    pub locked: bool,
    pub bot: bool,
    pub discoverable: bool,
    pub approved: bool,
    pub suspended: bool,
    pub silenced: bool,
    /// Signing in is disabled (a local user).
    pub disabled: bool,
    /// Known from another server.
    pub remote: bool,
    pub deleted: bool,
    pub confirmed: bool,
    /// Field URLs verified since the fields last changed.
    pub verified_links: Vec<String>,
}

#[derive(Debug, Clone)]
pub enum Command {
    Register(AccountRegistered),
    UpdateProfile(ProfileChange),
    Approve,
    Suspend,
    Unsuspend,
    Silence,
    Unsilence,
    Disable,
    Enable,
    DismissNotification(i64),
    ClearNotifications,
    /// A remote actor's document, fetched from its origin or sent by the actor itself.
    RemoteFetched(Box<RemoteAccount>),
    /// The remote actor deleted itself.
    RemoteDeleted,
    /// The remote actor moved to another account.
    Moved(String),
    /// The user followed the link mailed to them.
    Confirm,
    /// The page at a profile field's URL links back with `rel="me"`.
    VerifyLink {
        url: String,
        at: i64,
    },
    /// The owner deletes the account; `inboxes` are told so.
    Delete {
        at: i64,
        inboxes: Vec<String>,
    },
}

/// What the client asked to change; `note_html` is the note rendered by the use case.
#[derive(Debug, Clone, Default)]
pub struct ProfileChange {
    pub display_name: Option<String>,
    pub note: Option<(String, String)>,
    pub fields: Option<Vec<ProfileField>>,
    pub locked: Option<bool>,
    pub bot: Option<bool>,
    pub discoverable: Option<bool>,
    /// New images, as storage keys; an empty key removes the image.
    pub avatar_key: Option<String>,
    pub header_key: Option<String>,
    pub headline: Option<String>,
}

impl Aggregate for Account {
    type Command = Command;

    fn evolve(mut self, event: &Event) -> Self {
        match event {
            Event::AccountRegistered(e) => {
                self.id = Some(e.account_id);
                self.display_name = e.display_name.clone();
                self.approved = e.approved;
                self.confirmed = e.confirmed;
                self.discoverable = true;
            }
            Event::AccountProfileUpdated(e) => {
                if let Some(v) = &e.display_name {
                    self.display_name = v.clone();
                }
                if let Some(v) = &e.note {
                    self.note = v.clone();
                }
                if let Some(v) = &e.headline {
                    self.headline = v.clone();
                }
                if let Some(v) = &e.fields {
                    self.fields = v.clone();
                    self.verified_links.clear();
                }
                self.locked = e.locked.unwrap_or(self.locked);
                self.bot = e.bot.unwrap_or(self.bot);
                self.discoverable = e.discoverable.unwrap_or(self.discoverable);
            }
            Event::RemoteAccountFetched(e) => {
                self.id = Some(e.account_id);
                self.remote = true;
                self.display_name = e.display_name.clone();
                self.locked = e.locked;
            }
            Event::RemoteAccountDeleted(_) | Event::AccountDeleted(_) => self.deleted = true,
            Event::ProfileLinkVerified(l) => self.verified_links.push(l.url.clone()),
            Event::AccountApproved(_) => self.approved = true,
            Event::AccountConfirmed(_) => self.confirmed = true,
            Event::AccountSuspended(_) => self.suspended = true,
            Event::AccountUnsuspended(_) => self.suspended = false,
            Event::AccountSilenced(_) => self.silenced = true,
            Event::AccountUnsilenced(_) => self.silenced = false,
            Event::AccountDisabled(_) => self.disabled = true,
            Event::AccountEnabled(_) => self.disabled = false,
            _ => {}
        }
        self
    }

    fn decide(&self, command: Command) -> Result<Vec<Event>, Rejection> {
        let Some(account_id) = self.id else {
            return match command {
                Command::RemoteFetched(r) => Ok(vec![Event::RemoteAccountFetched(*r)]),
                Command::Register(r) => {
                    validate::username(&r.username)?;
                    validate::email(&r.email)?;
                    validate::max_chars("Display name", &r.display_name, DISPLAY_NAME_MAX)?;
                    Ok(vec![Event::AccountRegistered(r)])
                }
                _ => Err(Rejection::NotFound),
            };
        };
        let this = AccountRef { account_id };
        // A deleted local account is gone for every purpose; only its username stays taken.
        if self.deleted && !self.remote {
            return Err(Rejection::NotFound);
        }
        if self.remote
            && matches!(
                command,
                Command::RemoteFetched(_) | Command::RemoteDeleted | Command::Moved(_)
            )
        {
            return match command {
                Command::RemoteFetched(_) | Command::RemoteDeleted | Command::Moved(_)
                    if self.deleted =>
                {
                    Ok(vec![])
                }
                Command::RemoteFetched(r) => Ok(vec![Event::RemoteAccountFetched(*r)]),
                Command::RemoteDeleted => Ok(vec![Event::RemoteAccountDeleted(this)]),
                Command::Moved(target_uri) => Ok(vec![Event::AccountMoved(AccountMoved {
                    account_id,
                    target_uri,
                })]),
                _ => Ok(vec![]),
            };
        }
        match command {
            Command::RemoteFetched(_) | Command::RemoteDeleted | Command::Moved(_) => Err(
                Rejection::Forbidden("This account is not a remote one".into()),
            ),
            Command::Register(_) => Err(Rejection::Conflict("Account already exists".into())),
            Command::Delete { .. } if self.remote => Err(Rejection::Forbidden(
                "Only local accounts can be deleted here".into(),
            )),
            Command::Delete { at, inboxes } => Ok(vec![Event::AccountDeleted(AccountDeletion {
                account_id,
                at,
                inboxes,
            })]),
            Command::UpdateProfile(change) => self.decide_profile(account_id, change),
            // Only a link still in the fields, and once until they change.
            Command::VerifyLink { url, .. }
                if self.verified_links.contains(&url)
                    || !self.fields.iter().any(|f| f.value.trim() == url) =>
            {
                Ok(vec![])
            }
            Command::VerifyLink { url, at } => Ok(vec![Event::ProfileLinkVerified(ProfileLink {
                account_id,
                url,
                verified_at: at,
            })]),
            Command::Confirm if self.confirmed => Ok(vec![]),
            Command::Confirm => Ok(vec![Event::AccountConfirmed(this)]),
            Command::Approve if self.approved || self.remote => Ok(vec![]),
            Command::Approve => Ok(vec![Event::AccountApproved(this)]),
            Command::Suspend if self.suspended => Ok(vec![]),
            Command::Suspend => Ok(vec![Event::AccountSuspended(this)]),
            Command::Unsuspend if !self.suspended => Ok(vec![]),
            Command::Unsuspend => Ok(vec![Event::AccountUnsuspended(this)]),
            Command::Silence if self.silenced => Ok(vec![]),
            Command::Silence => Ok(vec![Event::AccountSilenced(this)]),
            Command::Unsilence if !self.silenced => Ok(vec![]),
            Command::Unsilence => Ok(vec![Event::AccountUnsilenced(this)]),
            Command::Disable | Command::Enable if self.remote => Err(Rejection::Invalid(
                "Only local accounts can be disabled".into(),
            )),
            Command::Disable if self.disabled => Ok(vec![]),
            Command::Disable => Ok(vec![Event::AccountDisabled(this)]),
            Command::Enable if !self.disabled => Ok(vec![]),
            Command::Enable => Ok(vec![Event::AccountEnabled(this)]),
            Command::DismissNotification(notification_id) => {
                Ok(vec![Event::NotificationDismissed(NotificationDismissed {
                    account_id,
                    notification_id,
                })])
            }
            Command::ClearNotifications => Ok(vec![Event::NotificationsCleared(this)]),
        }
    }
}

impl Account {
    fn decide_profile(
        &self,
        account_id: i64,
        change: ProfileChange,
    ) -> Result<Vec<Event>, Rejection> {
        let mut e = AccountProfileUpdated {
            account_id,
            ..Default::default()
        };
        if let Some(name) = change.display_name.filter(|n| *n != self.display_name) {
            validate::max_chars("Display name", &name, DISPLAY_NAME_MAX)?;
            e.display_name = Some(name);
        }
        if let Some(headline) = change.headline.filter(|h| *h != self.headline) {
            validate::max_chars("Headline", &headline, HEADLINE_MAX)?;
            e.headline = Some(headline);
        }
        if let Some((note, html)) = change.note.filter(|(n, _)| *n != self.note) {
            validate::max_chars("Note", &note, NOTE_MAX)?;
            e.note = Some(note);
            e.note_html = Some(html);
        }
        if let Some(fields) = change.fields.filter(|f| *f != self.fields) {
            if fields.len() > FIELDS_MAX {
                return Err(invalid(format!(
                    "Fields can have at most {FIELDS_MAX} entries"
                )));
            }
            for f in &fields {
                validate::max_chars("Field name", &f.name, FIELD_MAX)?;
                validate::max_chars("Field value", &f.value, FIELD_MAX)?;
            }
            e.fields = Some(fields);
        }
        e.locked = change.locked.filter(|v| *v != self.locked);
        e.bot = change.bot.filter(|v| *v != self.bot);
        e.discoverable = change.discoverable.filter(|v| *v != self.discoverable);
        e.avatar_key = change.avatar_key;
        e.header_key = change.header_key;
        if e == (AccountProfileUpdated {
            account_id,
            ..Default::default()
        }) {
            return Ok(vec![]);
        }
        Ok(vec![Event::AccountProfileUpdated(e)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::given_when;

    fn registered(username: &str) -> AccountRegistered {
        AccountRegistered {
            account_id: 1,
            username: username.into(),
            email: format!("{username}@example.com"),
            display_name: String::new(),
            role: "user".into(),
            approved: true,
            confirmed: true,
            locale: "en".into(),
            uri: "https://example.com/users/a".into(),
            url: "https://example.com/@a".into(),
            public_key_pem: "PEM".into(),
            created_at: 0,
        }
    }

    #[test]
    fn given_nothing_when_registering_then_the_account_is_registered() {
        let events = given_when::<Account>(&[], Command::Register(registered("alice"))).unwrap();
        assert_eq!(events, vec![Event::AccountRegistered(registered("alice"))]);
    }

    #[test]
    fn given_an_account_when_deleting_then_it_is_deleted_with_the_inboxes_to_tell() {
        let given = [Event::AccountRegistered(registered("alice"))];
        let inboxes = vec!["https://remote.example/inbox".to_string()];
        let events = given_when::<Account>(
            &given,
            Command::Delete {
                at: 5,
                inboxes: inboxes.clone(),
            },
        )
        .unwrap();
        assert_eq!(
            events,
            vec![Event::AccountDeleted(AccountDeletion {
                account_id: 1,
                at: 5,
                inboxes
            })]
        );
    }

    #[test]
    fn given_a_deleted_account_when_anything_then_it_is_not_found() {
        let given = [
            Event::AccountRegistered(registered("alice")),
            Event::AccountDeleted(AccountDeletion {
                account_id: 1,
                at: 5,
                inboxes: vec![],
            }),
        ];
        for command in [
            Command::Delete {
                at: 6,
                inboxes: vec![],
            },
            Command::UpdateProfile(ProfileChange {
                display_name: Some("Back".into()),
                ..Default::default()
            }),
            Command::Unsuspend,
            Command::Confirm,
        ] {
            let r = given_when::<Account>(&given, command);
            assert!(matches!(r, Err(Rejection::NotFound)), "{r:?}");
        }
    }

    #[test]
    fn given_nothing_when_registering_an_invalid_username_then_it_is_refused() {
        let r = given_when::<Account>(&[], Command::Register(registered("al ice")));
        assert!(matches!(r, Err(Rejection::Invalid(_))));
    }

    #[test]
    fn given_an_account_when_registering_again_then_conflict() {
        let given = [Event::AccountRegistered(registered("alice"))];
        let r = given_when::<Account>(&given, Command::Register(registered("alice")));
        assert!(matches!(r, Err(Rejection::Conflict(_))));
    }

    #[test]
    fn given_an_account_when_updating_only_changes_are_recorded() {
        let given = [Event::AccountRegistered(registered("alice"))];
        let change = ProfileChange {
            display_name: Some("Alice".into()),
            locked: Some(false),
            ..Default::default()
        };
        let events = given_when::<Account>(&given, Command::UpdateProfile(change)).unwrap();
        assert_eq!(
            events,
            vec![Event::AccountProfileUpdated(AccountProfileUpdated {
                account_id: 1,
                display_name: Some("Alice".into()),
                ..Default::default()
            })]
        );
    }

    #[test]
    fn given_an_account_when_nothing_changes_then_no_events() {
        let given = [Event::AccountRegistered(registered("alice"))];
        let events =
            given_when::<Account>(&given, Command::UpdateProfile(ProfileChange::default()))
                .unwrap();
        assert!(events.is_empty());
    }

    #[test]
    fn given_an_account_when_the_note_is_too_long_then_it_is_refused() {
        let given = [Event::AccountRegistered(registered("alice"))];
        let change = ProfileChange {
            note: Some(("x".repeat(501), String::new())),
            ..Default::default()
        };
        assert!(matches!(
            given_when::<Account>(&given, Command::UpdateProfile(change)),
            Err(Rejection::Invalid(_))
        ));
    }

    #[test]
    fn given_a_suspended_account_when_suspending_again_then_no_events() {
        let given = [
            Event::AccountRegistered(registered("alice")),
            Event::AccountSuspended(AccountRef { account_id: 1 }),
        ];
        assert!(
            given_when::<Account>(&given, Command::Suspend)
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            given_when::<Account>(&given, Command::Unsuspend)
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn given_a_remote_account_when_disabling_then_it_is_refused_but_silencing_works() {
        let remote = RemoteAccount {
            account_id: 2,
            username: "bob".into(),
            domain: "remote.example".into(),
            ..Default::default()
        };
        let given = [Event::RemoteAccountFetched(remote)];
        assert!(matches!(
            given_when::<Account>(&given, Command::Disable),
            Err(Rejection::Invalid(_))
        ));
        assert_eq!(
            given_when::<Account>(&given, Command::Silence).unwrap(),
            vec![Event::AccountSilenced(AccountRef { account_id: 2 })]
        );
    }
}
