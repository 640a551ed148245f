//! Input rules shared by several aggregates, as Mastodon states them.

use super::{Rejection, invalid};

pub const USERNAME_MAX: usize = 30;
pub const DISPLAY_NAME_MAX: usize = 30;
pub const NOTE_MAX: usize = 500;
pub const HEADLINE_MAX: usize = 100;
pub const FIELDS_MAX: usize = 4;
pub const FIELD_MAX: usize = 255;

pub fn username(name: &str) -> Result<(), Rejection> {
    if name.is_empty() {
        return Err(invalid("Username can't be blank"));
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(invalid(
            "Username must contain only letters, numbers and underscores",
        ));
    }
    if name.chars().count() > USERNAME_MAX {
        return Err(invalid(format!(
            "Username is too long (maximum is {USERNAME_MAX} characters)"
        )));
    }
    Ok(())
}

/// A new password's length, as Mastodon's (at least 8 characters, at most 72 bytes, which
/// is what bcrypt-era clients expect).
pub fn password(plain: &str) -> Result<(), Rejection> {
    use super::password::{MAX_LENGTH, MIN_LENGTH};
    if plain.chars().count() < MIN_LENGTH {
        return Err(invalid(format!(
            "Password is too short (minimum is {MIN_LENGTH} characters)"
        )));
    }
    if plain.len() > MAX_LENGTH {
        return Err(invalid(format!(
            "Password is too long (maximum is {MAX_LENGTH} characters)"
        )));
    }
    Ok(())
}

pub fn email(address: &str) -> Result<(), Rejection> {
    let ok = address.len() <= 254
        && address.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !address.chars().any(char::is_whitespace);
    if ok {
        Ok(())
    } else {
        Err(invalid("Email is invalid"))
    }
}

pub fn max_chars(what: &str, value: &str, max: usize) -> Result<(), Rejection> {
    if value.chars().count() > max {
        return Err(invalid(format!(
            "{what} is too long (maximum is {max} characters)"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_follow_mastodon_rules() {
        assert!(username("alice_01").is_ok());
        assert!(username("").is_err());
        assert!(username("al ice").is_err());
        assert!(username("álice").is_err());
        assert!(username(&"a".repeat(30)).is_ok());
        assert!(username(&"a".repeat(31)).is_err());
    }

    #[test]
    fn emails_need_a_domain() {
        assert!(email("a@example.com").is_ok());
        assert!(email("a@localhost").is_err());
        assert!(email("@example.com").is_err());
        assert!(email("a b@example.com").is_err());
    }
}
