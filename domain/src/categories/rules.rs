//! Pure rules of categories: checking definitions, the points weight's exact representation,
//! and the safeguarding gate a helper must pass.

use chrono::NaiveDateTime;
use rust_decimal::Decimal;

use super::{Category, CategoryInput, CategoryMode, Safeguarding};
use crate::volunteers::{Credential, CredentialKind, VolunteerProfile};

/// Largest points weight: keeps a slip of the keyboard from minting points.
pub const MAX_WEIGHT_MILLI: i64 = 10_000;

/// A broken rule of a category definition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CategoryInputError {
    /// The code is not 2–40 lowercase letters, digits or underscores.
    #[error("the code must be 2-40 lowercase letters, digits or underscores")]
    Code,
    /// A name is blank or longer than 40 characters.
    #[error("{0} must be 1-40 characters")]
    Name(&'static str),
    /// The weight is not a decimal between 0 and 10 with at most three places.
    #[error("the points weight must be a decimal between 0 and 10 with at most 3 places")]
    Weight,
}

impl CategoryInputError {
    /// The offending field.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Code => "code",
            Self::Name(field) => field,
            Self::Weight => "points_weight",
        }
    }

    /// Stable code for the broken rule.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Code => "invalid_code",
            Self::Name(_) => "invalid_name",
            Self::Weight => "invalid_weight",
        }
    }
}

/// Parses a weight such as `"1.5"` into thousandths, exactly.
pub fn parse_weight(raw: &str) -> Result<i64, CategoryInputError> {
    let value: Decimal = raw.trim().parse().map_err(|_| CategoryInputError::Weight)?;
    if value.scale() > 3 || value.is_sign_negative() {
        return Err(CategoryInputError::Weight);
    }
    let milli = (value * Decimal::from(1000))
        .trunc()
        .to_string()
        .parse::<i64>()
        .map_err(|_| CategoryInputError::Weight)?;
    if milli > MAX_WEIGHT_MILLI {
        return Err(CategoryInputError::Weight);
    }
    Ok(milli)
}

/// The weight as a decimal, e.g. 1500 → 1.5.
pub fn weight_from_milli(milli: i64) -> Decimal {
    Decimal::new(milli, 3).normalize()
}

/// Checks a category code.
pub fn check_code(code: &str) -> Result<(), CategoryInputError> {
    let ok = (2..=40).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(CategoryInputError::Code)
    }
}

fn check_name(field: &'static str, name: &str) -> Result<String, CategoryInputError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 40 {
        return Err(CategoryInputError::Name(field));
    }
    Ok(name.to_owned())
}

/// Checks a whole definition; lists every broken rule.
pub fn check_category(
    name_zh: &str,
    name_en: &str,
    mode: CategoryMode,
    points_weight: &str,
    safeguarding: Safeguarding,
) -> Result<CategoryInput, Vec<CategoryInputError>> {
    let name_zh = check_name("name_zh", name_zh);
    let name_en = check_name("name_en", name_en);
    let weight = parse_weight(points_weight);
    match (name_zh, name_en, weight) {
        (Ok(name_zh), Ok(name_en), Ok(points_weight_milli)) => {
            let mut required = safeguarding.required_credentials;
            required.sort_by_key(|k| k.as_str());
            required.dedup();
            Ok(CategoryInput {
                name_zh,
                name_en,
                mode,
                points_weight_milli,
                safeguarding: Safeguarding {
                    required_credentials: required,
                    requires_verified_real_name: safeguarding.requires_verified_real_name,
                },
            })
        }
        (a, b, c) => Err([a.err(), b.err(), c.err()].into_iter().flatten().collect()),
    }
}

/// Why a helper may not take a need of a category.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GateRefusal {
    /// Volunteers do not deliver this category.
    #[error("volunteers do not deliver this category")]
    NotForVolunteers,
    /// The helper's real name is not verified.
    #[error("the category needs a verified real name")]
    RealNameUnverified,
    /// The helper lacks valid credentials.
    #[error("the category needs valid credentials: {0:?}")]
    MissingCredentials(Vec<&'static str>),
}

/// Checks a volunteer against a category's gates at `now`.
pub fn volunteer_gate(
    category: &Category,
    profile: &VolunteerProfile,
    now: NaiveDateTime,
) -> Result<(), GateRefusal> {
    gate(category, profile.verified_at, &profile.credentials, now)
}

/// The gates on what they are made of: when the volunteer's real name was verified and their
/// credentials (read only when [`needs_credentials`] says the category asks for any).
pub fn gate(
    category: &Category,
    verified_at: Option<NaiveDateTime>,
    credentials: &[Credential],
    now: NaiveDateTime,
) -> Result<(), GateRefusal> {
    if !category.mode.allows_volunteers() {
        return Err(GateRefusal::NotForVolunteers);
    }
    if category.safeguarding.requires_verified_real_name && verified_at.is_none() {
        return Err(GateRefusal::RealNameUnverified);
    }
    let missing: Vec<&'static str> = category
        .safeguarding
        .required_credentials
        .iter()
        .filter(|kind| {
            !credentials
                .iter()
                .any(|c| c.kind == **kind && c.is_valid_at(now))
        })
        .map(|kind: &CredentialKind| kind.as_str())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(GateRefusal::MissingCredentials(missing))
    }
}

/// Whether the category's gates look at credentials at all.
pub fn needs_credentials(category: &Category) -> bool {
    !category.safeguarding.required_credentials.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_are_exact_thousandths() {
        assert_eq!(parse_weight("1.5"), Ok(1500));
        assert_eq!(parse_weight("0.125"), Ok(125));
        assert_eq!(parse_weight("10"), Ok(10_000));
        assert_eq!(parse_weight("10.001"), Err(CategoryInputError::Weight));
        assert_eq!(parse_weight("0.0001"), Err(CategoryInputError::Weight));
        assert_eq!(parse_weight("-1"), Err(CategoryInputError::Weight));
        assert_eq!(parse_weight("abc"), Err(CategoryInputError::Weight));
        assert_eq!(weight_from_milli(1500).to_string(), "1.5");
        assert_eq!(weight_from_milli(1000).to_string(), "1");
    }

    #[test]
    fn codes_are_snake_case() {
        assert!(check_code("elder_care").is_ok());
        assert!(check_code("Elder").is_err());
        assert!(check_code("x").is_err());
    }

    #[test]
    fn a_definition_lists_every_broken_rule() {
        let errors = check_category(" ", "", CategoryMode::Both, "x", Safeguarding::default())
            .expect_err("three broken rules");
        assert_eq!(errors.len(), 3);
    }
}
