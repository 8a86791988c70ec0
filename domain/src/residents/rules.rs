//! Pure rules of resident profiles.

use chrono::{Datelike, NaiveDate};

use super::{EligibilityFacts, OwnDetails};
use crate::volunteers::rules::check_id_number;

/// One rule a resident profile update broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResidentInputError {
    /// The birth date is in the future or before 1900.
    #[error("birth_date: must be between 1900-01-01 and today")]
    BirthDate,
    /// The address is empty or longer than 200 characters.
    #[error("address: must be 1–200 characters")]
    Address,
    /// The ID number is malformed.
    #[error("id_number: not a valid 18-character resident ID number")]
    IdNumber,
    /// The 失能 level is outside 0–3.
    #[error("disability_level: must be 0–3")]
    DisabilityLevel,
    /// Facts were set without evidence notes.
    #[error("evidence_notes: say what evidence was seen (1–500 characters)")]
    EvidenceNotes,
}

impl ResidentInputError {
    /// The request field it concerns.
    pub fn field(&self) -> &'static str {
        match self {
            Self::BirthDate => "birth_date",
            Self::Address => "address",
            Self::IdNumber => "id_number",
            Self::DisabilityLevel => "disability_level",
            Self::EvidenceNotes => "evidence_notes",
        }
    }

    /// A stable code for the rule.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BirthDate => "out_of_range",
            Self::Address => "length",
            Self::IdNumber => "malformed_id_number",
            Self::DisabilityLevel => "out_of_range",
            Self::EvidenceNotes => "required",
        }
    }
}

/// Checks what a resident states about themselves.
pub fn check_own_details(
    birth_date: Option<NaiveDate>,
    address: Option<String>,
    id_number: Option<String>,
    today: NaiveDate,
) -> Result<OwnDetails, Vec<ResidentInputError>> {
    let mut errors = Vec::new();
    let earliest = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN);
    if birth_date.is_some_and(|b| b < earliest || b > today) {
        errors.push(ResidentInputError::BirthDate);
    }
    let address = address.map(|a| a.trim().to_owned());
    if address
        .as_ref()
        .is_some_and(|a| a.is_empty() || a.chars().count() > 200)
    {
        errors.push(ResidentInputError::Address);
    }
    let id_number = match id_number
        .as_deref()
        .map(str::trim)
        .filter(|i| !i.is_empty())
    {
        None => None,
        Some(raw) => {
            let checked = check_id_number(raw);
            if checked.is_none() {
                errors.push(ResidentInputError::IdNumber);
            }
            checked
        }
    };
    if errors.is_empty() {
        Ok(OwnDetails {
            birth_date,
            address,
            id_number,
        })
    } else {
        Err(errors)
    }
}

/// Checks facts staff verify and the notes on the evidence they saw.
pub fn check_facts(
    facts: &EligibilityFacts,
    evidence_notes: &str,
) -> Result<String, Vec<ResidentInputError>> {
    let mut errors = Vec::new();
    if !(0..=3).contains(&facts.disability_level) {
        errors.push(ResidentInputError::DisabilityLevel);
    }
    let notes = evidence_notes.trim();
    if notes.is_empty() || notes.chars().count() > 500 {
        errors.push(ResidentInputError::EvidenceNotes);
    }
    if errors.is_empty() {
        Ok(notes.to_owned())
    } else {
        Err(errors)
    }
}

/// Whole years of age on `today`.
pub fn age_on(birth_date: NaiveDate, today: NaiveDate) -> u32 {
    let mut years = today.year() - birth_date.year();
    if (today.month(), today.day()) < (birth_date.month(), birth_date.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
    }

    #[test]
    fn age_counts_whole_years_up_to_the_birthday() {
        assert_eq!(age_on(date(1944, 11, 28), date(2026, 11, 27)), 81);
        assert_eq!(age_on(date(1944, 11, 27), date(2026, 11, 27)), 82);
        assert_eq!(age_on(date(2000, 2, 29), date(2001, 2, 28)), 0);
    }

    #[test]
    fn future_birth_dates_and_bad_ids_are_refused() {
        let errors = check_own_details(
            Some(date(2030, 1, 1)),
            Some(" ".into()),
            Some("123".into()),
            date(2026, 11, 27),
        )
        .expect_err("invalid");
        assert_eq!(
            errors,
            vec![
                ResidentInputError::BirthDate,
                ResidentInputError::Address,
                ResidentInputError::IdNumber
            ]
        );
    }

    #[test]
    fn facts_need_evidence() {
        let facts = EligibilityFacts {
            disability_level: 4,
            ..Default::default()
        };
        assert_eq!(
            check_facts(&facts, " "),
            Err(vec![
                ResidentInputError::DisabilityLevel,
                ResidentInputError::EvidenceNotes
            ])
        );
    }
}
