//! Filters: saved whole on every change, deleted.

use crate::domain::filter::{self, Filter, MAX_FILTERS};
use crate::error::Error;
use crate::eventlog::local_actor;
use crate::events::FilterSaved;
use crate::queries::filters::{self as q, FilterRow};

use super::App;

impl App {
    /// Create or change a filter (its owner is `f.account_id`).
    pub async fn save_filter(&self, f: FilterSaved, new: bool) -> Result<FilterRow, Error> {
        let (owner, filter_id) = (f.account_id, f.filter_id);
        if new {
            let mut conn = self.db.pool.acquire().await?;
            if q::of_account(&mut conn, owner).await?.len() >= MAX_FILTERS {
                return Err(Error::Validation(format!(
                    "You can have at most {MAX_FILTERS} filters"
                )));
            }
        }
        self.execute::<Filter>(
            &filter::stream(filter_id),
            &local_actor(owner),
            None,
            filter::Command::Save(Box::new(f)),
        )
        .await?;
        self.own_filter(owner, filter_id).await
    }

    pub async fn delete_filter(&self, owner: i64, filter_id: i64) -> Result<(), Error> {
        self.execute::<Filter>(
            &filter::stream(filter_id),
            &local_actor(owner),
            None,
            filter::Command::Delete { by: owner },
        )
        .await?;
        Ok(())
    }

    pub async fn own_filter(&self, owner: i64, filter_id: i64) -> Result<FilterRow, Error> {
        let mut conn = self.db.pool.acquire().await?;
        q::own(&mut conn, owner, filter_id)
            .await?
            .ok_or(Error::NotFound)
    }

    /// The filter holding keyword (or status entry) `id`, among `owner`'s.
    pub async fn filter_holding(&self, owner: i64, id: i64) -> Result<FilterRow, Error> {
        let mut conn = self.db.pool.acquire().await?;
        q::of_account(&mut conn, owner)
            .await?
            .into_iter()
            .find(|f| {
                f.keywords.iter().any(|k| k.id == id) || f.statuses.iter().any(|s| s.id == id)
            })
            .ok_or(Error::NotFound)
    }
}

/// The event that saves `f` as it now is.
pub fn saved(f: &FilterRow) -> FilterSaved {
    FilterSaved {
        filter_id: f.id,
        account_id: f.account_id,
        title: f.title.clone(),
        context: f.context.clone(),
        action: f.action.clone(),
        expires_at: f.expires_at,
        keywords: f.keywords.clone(),
        statuses: f.statuses.clone(),
    }
}
