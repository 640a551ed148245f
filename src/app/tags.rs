//! Hashtags a user follows (their public posts come home) and features on their profile.

use crate::domain::toggle::{self, Toggle};
use crate::error::Error;
use crate::eventlog::local_actor;
use crate::events::{Event, FeaturedTag, TagFollow};
use crate::{ids, time};

use super::App;

/// As Mastodon's `max_featured_tags`.
pub const MAX_FEATURED: i64 = 10;
const TAG_MAX: usize = 100;

/// A hashtag as stored: without `#`, lower case; letters, digits and `_`, not only digits.
pub fn normalise_tag(name: &str) -> Result<String, Error> {
    let name = name.trim().trim_start_matches('#');
    let valid = !name.is_empty()
        && name.chars().count() <= TAG_MAX
        && name.chars().all(|c| c.is_alphanumeric() || c == '_')
        && !name.chars().all(|c| c.is_ascii_digit());
    if valid {
        Ok(name.to_lowercase())
    } else {
        Err(Error::Validation(format!("{name:?} is not a hashtag")))
    }
}

impl App {
    pub async fn follow_tag(&self, me: i64, name: &str, on: bool) -> Result<String, Error> {
        let tag = normalise_tag(name)?;
        let follow = TagFollow {
            account_id: me,
            tag: tag.clone(),
            at: time::now_ms(),
        };
        let command = if on {
            toggle::Command::On(Event::TagFollowed(follow))
        } else {
            toggle::Command::Off(Event::TagUnfollowed(follow))
        };
        self.execute::<Toggle>(
            &toggle::tag_follow_stream(me, &tag),
            &local_actor(me),
            None,
            command,
        )
        .await?;
        Ok(tag)
    }

    /// Feature a hashtag on one's profile; its id (the existing one when already featured).
    pub async fn feature_tag(&self, me: i64, name: &str) -> Result<i64, Error> {
        let tag = normalise_tag(name)?;
        let existing: Option<i64> =
            sqlx::query_scalar("SELECT id FROM featured_tags WHERE account_id = $1 AND tag = $2")
                .bind(me)
                .bind(&tag)
                .fetch_optional(&self.db.pool)
                .await?;
        if let Some(id) = existing {
            return Ok(id);
        }
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM featured_tags WHERE account_id = $1")
                .bind(me)
                .fetch_one(&self.db.pool)
                .await?;
        if count >= MAX_FEATURED {
            return Err(Error::Validation(format!(
                "You can feature at most {MAX_FEATURED} hashtags"
            )));
        }
        let featured_tag_id = ids::next_id();
        self.execute::<Toggle>(
            &toggle::featured_tag_stream(me, &tag),
            &local_actor(me),
            None,
            toggle::Command::On(Event::FeaturedTagAdded(FeaturedTag {
                featured_tag_id,
                account_id: me,
                tag,
                at: time::now_ms(),
            })),
        )
        .await?;
        Ok(featured_tag_id)
    }

    pub async fn unfeature_tag(&self, me: i64, featured_tag_id: i64) -> Result<(), Error> {
        let tag: Option<String> =
            sqlx::query_scalar("SELECT tag FROM featured_tags WHERE account_id = $1 AND id = $2")
                .bind(me)
                .bind(featured_tag_id)
                .fetch_optional(&self.db.pool)
                .await?;
        let tag = tag.ok_or(Error::NotFound)?;
        self.execute::<Toggle>(
            &toggle::featured_tag_stream(me, &tag),
            &local_actor(me),
            None,
            toggle::Command::Off(Event::FeaturedTagRemoved(FeaturedTag {
                featured_tag_id,
                account_id: me,
                tag,
                at: time::now_ms(),
            })),
        )
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::normalise_tag;

    #[test]
    fn hashtags_are_normalised_and_nonsense_refused() {
        assert_eq!(normalise_tag("#Rust_Lang").unwrap(), "rust_lang");
        assert_eq!(normalise_tag("Café").unwrap(), "café");
        for bad in ["", "#", "123", "no spaces", "semi;colon", &"x".repeat(101)] {
            assert!(normalise_tag(bad).is_err(), "{bad}");
        }
    }
}
