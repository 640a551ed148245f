//! One account's filter. Stream `filter:<id>`: saved whole on every change, deleted.

use super::{Aggregate, Rejection, invalid};
use crate::events::{Event, FilterDeleted, FilterSaved};

pub const CONTEXTS: [&str; 5] = ["home", "notifications", "public", "thread", "account"];
pub const ACTIONS: [&str; 3] = ["warn", "hide", "blur"];
pub const MAX_TITLE_CHARS: usize = 256;
pub const MAX_KEYWORD_CHARS: usize = 512;
pub const MAX_KEYWORDS: usize = 100;
pub const MAX_STATUSES: usize = 100;
/// Filters an account may have.
pub const MAX_FILTERS: usize = 100;

pub fn stream(filter_id: i64) -> String {
    format!("filter:{filter_id}")
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub id: i64,
    pub owner: Option<i64>,
    pub deleted: bool,
}

#[derive(Debug, Clone)]
pub enum Command {
    Save(Box<FilterSaved>),
    Delete { by: i64 },
}

impl Aggregate for Filter {
    type Command = Command;

    fn evolve(mut self, event: &Event) -> Self {
        match event {
            Event::FilterSaved(f) => {
                self.id = f.filter_id;
                self.owner = Some(f.account_id);
            }
            Event::FilterDeleted(_) => self.deleted = true,
            _ => {}
        }
        self
    }

    fn decide(&self, command: Command) -> Result<Vec<Event>, Rejection> {
        match command {
            Command::Save(f) => {
                if self.deleted || self.owner.is_some_and(|o| o != f.account_id) {
                    return Err(Rejection::NotFound);
                }
                check(&f)?;
                Ok(vec![Event::FilterSaved(*f)])
            }
            Command::Delete { by } => match self.owner {
                Some(o) if o == by && !self.deleted => {
                    Ok(vec![Event::FilterDeleted(FilterDeleted {
                        filter_id: self.id,
                        account_id: by,
                    })])
                }
                _ => Err(Rejection::NotFound),
            },
        }
    }
}

fn check(f: &FilterSaved) -> Result<(), Rejection> {
    if f.title.trim().is_empty() {
        return Err(invalid("Title can't be blank"));
    }
    if f.title.chars().count() > MAX_TITLE_CHARS {
        return Err(invalid(format!(
            "Title is too long (maximum is {MAX_TITLE_CHARS} characters)"
        )));
    }
    if f.context.is_empty() {
        return Err(invalid("Context can't be blank"));
    }
    if let Some(c) = f.context.iter().find(|c| !CONTEXTS.contains(&c.as_str())) {
        return Err(invalid(format!(
            "Context {c} is not one of home, notifications, public, thread, account"
        )));
    }
    if !ACTIONS.contains(&f.action.as_str()) {
        return Err(invalid("Filter action must be one of warn, hide, blur"));
    }
    if f.keywords.len() > MAX_KEYWORDS || f.statuses.len() > MAX_STATUSES {
        return Err(invalid(format!(
            "A filter holds at most {MAX_KEYWORDS} keywords and {MAX_STATUSES} statuses"
        )));
    }
    for k in &f.keywords {
        if k.keyword.trim().is_empty() {
            return Err(invalid("Keyword can't be blank"));
        }
        if k.keyword.chars().count() > MAX_KEYWORD_CHARS {
            return Err(invalid(format!(
                "Keyword is too long (maximum is {MAX_KEYWORD_CHARS} characters)"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::given_when;
    use crate::events::FilterKeyword;

    fn filter(keyword: &str, context: &[&str]) -> FilterSaved {
        FilterSaved {
            filter_id: 1,
            account_id: 2,
            title: "Spoilers".into(),
            context: context.iter().map(|c| c.to_string()).collect(),
            action: "warn".into(),
            expires_at: None,
            keywords: vec![FilterKeyword {
                id: 3,
                keyword: keyword.into(),
                whole_word: true,
            }],
            statuses: vec![],
        }
    }

    #[test]
    fn filters_are_checked_and_kept_to_their_owner() {
        assert!(
            given_when::<Filter>(&[], Command::Save(Box::new(filter("finale", &["home"])))).is_ok()
        );
        for bad in [
            filter(&"x".repeat(10_000), &["home"]),
            filter("", &["home"]),
            filter("ok", &[]),
            filter("ok", &["everywhere"]),
        ] {
            assert!(matches!(
                given_when::<Filter>(&[], Command::Save(Box::new(bad))),
                Err(Rejection::Invalid(_))
            ));
        }
        let given = [Event::FilterSaved(filter("finale", &["home"]))];
        let mut theirs = filter("mine", &["home"]);
        theirs.account_id = 9;
        assert_eq!(
            given_when::<Filter>(&given, Command::Save(Box::new(theirs))),
            Err(Rejection::NotFound)
        );
        assert_eq!(
            given_when::<Filter>(&given, Command::Delete { by: 9 }),
            Err(Rejection::NotFound)
        );
    }
}
