//! Pure rules of accounts: phone numbers, password strength, masking.

use super::{AccountStatus, Locale, NewAccount, Phone};
use crate::areas::AreaId;

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// The longest password accepted (Argon2 has no limit, but a bound keeps hashing cheap).
pub const MAX_PASSWORD_CHARS: usize = 128;

/// Passwords too common to accept, including those common among Chinese users; compared in
/// lower case.
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

/// One rule a registration broke, with the field it concerns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// The phone is not a mainland mobile number.
    #[error("phone: not a mainland China mobile number (11 digits starting with 1)")]
    MalformedPhone,
    /// The password is shorter than [`MIN_PASSWORD_CHARS`].
    #[error("password: must be at least {MIN_PASSWORD_CHARS} characters")]
    PasswordTooShort,
    /// The password is longer than [`MAX_PASSWORD_CHARS`].
    #[error("password: must be at most {MAX_PASSWORD_CHARS} characters")]
    PasswordTooLong,
    /// The password is on the common list.
    #[error("password: too common; choose one that is not on lists of leaked passwords")]
    PasswordTooCommon,
    /// The display name is empty or too long.
    #[error("display_name: must be 1 to 40 characters")]
    DisplayNameLength,
    /// The email address is not valid.
    #[error("email: not a valid address")]
    MalformedEmail,
}

impl InputError {
    /// The request field the error concerns.
    pub fn field(&self) -> &'static str {
        match self {
            Self::MalformedPhone => "phone",
            Self::PasswordTooShort | Self::PasswordTooLong | Self::PasswordTooCommon => "password",
            Self::DisplayNameLength => "display_name",
            Self::MalformedEmail => "email",
        }
    }

    /// A stable code for the broken rule.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MalformedPhone => "malformed_phone",
            Self::PasswordTooShort => "too_short",
            Self::PasswordTooLong => "too_long",
            Self::PasswordTooCommon => "too_common",
            Self::DisplayNameLength => "length",
            Self::MalformedEmail => "malformed_email",
        }
    }
}

/// Normalises `+86 138-0013-8000`, `0086 13800138000` or `13800138000` to 11 digits.
pub fn normalize_phone(raw: &str) -> Result<Phone, InputError> {
    let digits: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
        .collect();
    let digits = digits
        .strip_prefix("+86")
        .or_else(|| digits.strip_prefix("0086"))
        .unwrap_or(&digits);
    let valid = digits.len() == 11
        && digits.starts_with('1')
        && digits.as_bytes()[1].is_ascii_digit()
        && (b'3'..=b'9').contains(&digits.as_bytes()[1])
        && digits.bytes().all(|b| b.is_ascii_digit());
    if valid {
        Ok(Phone(digits.to_owned()))
    } else {
        Err(InputError::MalformedPhone)
    }
}

/// Checks a new password: length and commonness.
pub fn check_password(password: &str) -> Result<(), InputError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(InputError::PasswordTooShort);
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(InputError::PasswordTooLong);
    }
    let lowered = password.to_lowercase();
    if COMMON_PASSWORDS
        .lines()
        .any(|common| common.trim() == lowered)
    {
        return Err(InputError::PasswordTooCommon);
    }
    Ok(())
}

/// Checks a display name: 1 to 40 characters after trimming.
pub fn check_display_name(name: &str) -> Result<String, InputError> {
    let trimmed = name.trim();
    let chars = trimmed.chars().count();
    if (1..=40).contains(&chars) {
        Ok(trimmed.to_owned())
    } else {
        Err(InputError::DisplayNameLength)
    }
}

/// Checks an optional email address with the `validator` crate's rule.
pub fn check_email(email: Option<&str>) -> Result<Option<String>, InputError> {
    use validator::ValidateEmail;
    match email.map(str::trim).filter(|e| !e.is_empty()) {
        None => Ok(None),
        Some(e) if e.validate_email() => Ok(Some(e.to_owned())),
        Some(_) => Err(InputError::MalformedEmail),
    }
}

/// Checks every field of a registration at once, so the caller can report them all.
pub fn check_registration(
    phone: &str,
    password: &str,
    display_name: &str,
    home_grid_id: Option<AreaId>,
    locale: Locale,
    email: Option<&str>,
) -> Result<NewAccount, Vec<InputError>> {
    let phone = normalize_phone(phone);
    let password_ok = check_password(password);
    let name = check_display_name(display_name);
    let email = check_email(email);
    match (phone, password_ok, name, email) {
        (Ok(phone), Ok(()), Ok(display_name), Ok(email)) => Ok(NewAccount {
            phone,
            password: password.to_owned(),
            display_name,
            home_grid_id,
            locale,
            email,
        }),
        (phone, password, name, email) => {
            Err([phone.err(), password.err(), name.err(), email.err()]
                .into_iter()
                .flatten()
                .collect())
        }
    }
}

/// `13800138000` → `138****8000`.
pub fn mask_phone(phone: &str) -> String {
    if phone.len() == 11 {
        format!("{}****{}", &phone[..3], &phone[7..])
    } else {
        "****".to_owned()
    }
}

/// Parses a stored status.
pub fn parse_status(raw: &str) -> Option<AccountStatus> {
    match raw {
        "active" => Some(AccountStatus::Active),
        "closed" => Some(AccountStatus::Closed),
        _ => None,
    }
}

impl Phone {
    /// Rebuilds a phone read back from the store (already normalised).
    pub(crate) fn from_stored(raw: String) -> Self {
        Self(raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn phones_are_normalised_from_common_spellings() {
        for raw in [
            "13800138000",
            "+86 138 0013 8000",
            "0086-138-0013-8000",
            "(+86)13800138000",
        ] {
            assert_eq!(
                normalize_phone(raw).map(|p| p.0),
                Ok("13800138000".to_owned()),
                "{raw}"
            );
        }
        for raw in [
            "1380013800",
            "23800138000",
            "12800138000",
            "1380013800a",
            "",
            "+1 415 555 0100",
        ] {
            assert_eq!(
                normalize_phone(raw),
                Err(InputError::MalformedPhone),
                "{raw}"
            );
        }
    }

    #[test]
    fn weak_and_common_passwords_are_refused() {
        assert_eq!(check_password("short"), Err(InputError::PasswordTooShort));
        assert_eq!(
            check_password("12345678"),
            Err(InputError::PasswordTooCommon)
        );
        assert_eq!(
            check_password("Password1"),
            Err(InputError::PasswordTooCommon)
        );
        assert_eq!(
            check_password("woaini1314"),
            Err(InputError::PasswordTooCommon)
        );
        assert_eq!(check_password("东关社区的老槐树"), Ok(()));
        assert_eq!(
            check_password(&"x".repeat(129)),
            Err(InputError::PasswordTooLong)
        );
    }

    #[test]
    fn every_broken_rule_is_reported_at_once() {
        let errors = check_registration(
            "123",
            "short",
            " ",
            Some(AreaId(1)),
            Locale::ZhCn,
            Some("nope"),
        )
        .expect_err("invalid");
        let fields: Vec<_> = errors.iter().map(InputError::field).collect();
        assert_eq!(fields, ["phone", "password", "display_name", "email"]);
    }

    proptest! {
        #[test]
        fn a_masked_phone_never_shows_the_middle_digits(middle in "[0-9]{4}") {
            let phone = format!("138{middle}5678");
            let masked = mask_phone(&phone);
            prop_assert_eq!(masked, "138****5678");
        }
    }
}
