//! Lists: create, change, delete, and add or remove followed accounts.

use std::collections::BTreeSet;

use crate::domain::list::{self, List, MAX_LISTS};
use crate::error::Error;
use crate::eventlog::local_actor;
use crate::events::ListChanged;
use crate::queries::Sql;
use crate::queries::lists as q;

use super::App;

/// What a client sets on a list; what it leaves out keeps its value.
pub struct ListSettings {
    pub title: Option<String>,
    pub replies_policy: Option<String>,
    pub exclusive: Option<bool>,
}

impl App {
    pub async fn create_list(&self, owner: i64, s: ListSettings) -> Result<i64, Error> {
        {
            let mut conn = self.db.pool.acquire().await?;
            if q::of_account(&mut conn, owner).await?.len() as i64 >= MAX_LISTS {
                return Err(Error::Validation(format!(
                    "You can have at most {MAX_LISTS} lists"
                )));
            }
        }
        let list_id = crate::ids::next_id();
        let list = ListChanged {
            list_id,
            account_id: owner,
            title: s.title.unwrap_or_default(),
            replies_policy: s.replies_policy.unwrap_or_else(|| "list".into()),
            exclusive: s.exclusive.unwrap_or(false),
        };
        self.execute::<List>(
            &list::stream(list_id),
            &local_actor(owner),
            None,
            list::Command::Save { by: owner, list },
        )
        .await?;
        Ok(list_id)
    }

    pub async fn update_list(
        &self,
        owner: i64,
        list_id: i64,
        s: ListSettings,
    ) -> Result<(), Error> {
        let current = self.own_list(owner, list_id).await?;
        let list = ListChanged {
            list_id,
            account_id: owner,
            title: s.title.unwrap_or(current.title),
            replies_policy: s.replies_policy.unwrap_or(current.replies_policy),
            exclusive: s.exclusive.unwrap_or(current.exclusive != 0),
        };
        self.execute::<List>(
            &list::stream(list_id),
            &local_actor(owner),
            None,
            list::Command::Save { by: owner, list },
        )
        .await?;
        Ok(())
    }

    pub async fn delete_list(&self, owner: i64, list_id: i64) -> Result<(), Error> {
        self.execute::<List>(
            &list::stream(list_id),
            &local_actor(owner),
            None,
            list::Command::Delete { by: owner },
        )
        .await?;
        Ok(())
    }

    pub async fn add_to_list(
        &self,
        owner: i64,
        list_id: i64,
        accounts: Vec<i64>,
    ) -> Result<(), Error> {
        let following: BTreeSet<i64> = if accounts.is_empty() {
            BTreeSet::new()
        } else {
            let mut conn = self.db.pool.acquire().await?;
            let mut sql = Sql::new("SELECT target_account_id FROM follows WHERE account_id = ");
            sql.int(owner)
                .push(" AND target_account_id IN (")
                .ints(&accounts)
                .push(")");
            let rows: Vec<(i64,)> = sql.fetch_all(&mut conn).await?;
            rows.into_iter().map(|(a,)| a).collect()
        };
        self.execute::<List>(
            &list::stream(list_id),
            &local_actor(owner),
            None,
            list::Command::Add {
                by: owner,
                accounts,
                following,
            },
        )
        .await?;
        Ok(())
    }

    pub async fn remove_from_list(
        &self,
        owner: i64,
        list_id: i64,
        accounts: Vec<i64>,
    ) -> Result<(), Error> {
        self.execute::<List>(
            &list::stream(list_id),
            &local_actor(owner),
            None,
            list::Command::Remove {
                by: owner,
                accounts,
            },
        )
        .await?;
        Ok(())
    }

    /// One of `owner`'s lists; anyone else's is not found.
    pub async fn own_list(&self, owner: i64, list_id: i64) -> Result<q::ListRow, Error> {
        let mut conn = self.db.pool.acquire().await?;
        q::own(&mut conn, owner, list_id)
            .await?
            .ok_or(Error::NotFound)
    }
}
