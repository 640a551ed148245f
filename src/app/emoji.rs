//! The operator's custom emoji (added with `tessera admin emoji`), and the custom emoji a
//! local text uses.

use crate::api::entities::{Ctx, file_url};
use crate::domain::emoji::{self, is_shortcode};
use crate::domain::toggle::{self, Toggle};
use crate::error::Error;
use crate::eventlog::SYSTEM_ACTOR;
use crate::events::{CustomEmoji, CustomEmojiRef, Event, StatusEmoji};
use crate::media::process::{self, MAX_EMOJI_BYTES};
use crate::queries::emojis::{self as q, EmojiView};
use crate::{ids, time};

use super::{App, blocking};

const CATEGORY_MAX: usize = 64;

impl App {
    /// Check, fit and keep an image as the custom emoji `shortcode`.
    pub async fn add_custom_emoji(
        &self,
        shortcode: &str,
        bytes: Vec<u8>,
        category: Option<String>,
        visible_in_picker: bool,
    ) -> Result<(), Error> {
        if !is_shortcode(shortcode) {
            return Err(Error::Validation(format!(
                "{shortcode:?} is not a shortcode: use two or more letters, digits or _"
            )));
        }
        let category = category
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty());
        if category
            .as_ref()
            .is_some_and(|c| c.chars().count() > CATEGORY_MAX)
        {
            return Err(Error::Validation(format!(
                "A category has at most {CATEGORY_MAX} characters"
            )));
        }
        if bytes.len() > MAX_EMOJI_BYTES {
            return Err(Error::TooLarge(
                "A custom emoji's image is at most 256 KB".into(),
            ));
        }
        if self.custom_emoji_exists(shortcode).await? {
            return Err(Error::Conflict(format!(
                "There is already a custom emoji :{shortcode}:"
            )));
        }
        let encoded = blocking(move || process::emoji(&process::accept(&bytes)?)).await??;
        let image_key = format!("emojis/{}/original.{}", ids::next_id(), encoded.extension);
        self.storage.put(&image_key, encoded.bytes).await?;
        self.execute::<Toggle>(
            &emoji::stream(shortcode),
            SYSTEM_ACTOR,
            None,
            toggle::Command::On(Event::CustomEmojiAdded(CustomEmoji {
                shortcode: shortcode.to_string(),
                image_key,
                category,
                visible_in_picker,
                at: time::now_ms(),
            })),
        )
        .await?;
        Ok(())
    }

    /// Statuses that used it keep showing it; new text no longer can.
    pub async fn remove_custom_emoji(&self, shortcode: &str) -> Result<(), Error> {
        if !self.custom_emoji_exists(shortcode).await? {
            return Err(Error::NotFound);
        }
        self.execute::<Toggle>(
            &emoji::stream(shortcode),
            SYSTEM_ACTOR,
            None,
            toggle::Command::Off(Event::CustomEmojiRemoved(CustomEmojiRef {
                shortcode: shortcode.to_string(),
                at: time::now_ms(),
            })),
        )
        .await?;
        Ok(())
    }

    pub async fn custom_emoji_exists(&self, shortcode: &str) -> Result<bool, Error> {
        let mut conn = self.db.pool.acquire().await?;
        Ok(!q::by_shortcodes(&mut conn, &[shortcode.to_string()])
            .await?
            .is_empty())
    }

    /// Our custom emoji that `texts` use, as they are now.
    pub async fn emojis_in(&self, texts: &[&str]) -> Result<Vec<EmojiView>, Error> {
        let mut codes: Vec<String> = Vec::new();
        for t in texts {
            for c in emoji::shortcodes(t) {
                if !codes.contains(&c) {
                    codes.push(c);
                }
            }
        }
        if codes.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.db.pool.acquire().await?;
        let ctx = Ctx::new(&self.config);
        Ok(q::by_shortcodes(&mut conn, &codes)
            .await?
            .iter()
            .map(|row| row.view(file_url(&ctx, &row.image_key)))
            .collect())
    }

    /// As [`App::emojis_in`], recorded with a status.
    pub async fn status_emojis(&self, texts: &[&str]) -> Result<Vec<StatusEmoji>, Error> {
        Ok(self
            .emojis_in(texts)
            .await?
            .into_iter()
            .map(|e| StatusEmoji {
                shortcode: e.shortcode,
                url: e.url,
                static_url: e.static_url,
            })
            .collect())
    }
}
