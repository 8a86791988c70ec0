//! Subsidy eligibility as data: a programme's rules over the facts staff verified about a
//! resident (age from the birth date, 低保, 失能 level, living alone, disability certificate).
//! Every rule present must hold; facts nobody verified make nobody eligible.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::residents::EligibilityFacts;
use crate::residents::rules::age_on;

/// A programme's rules; absent rules do not restrict.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EligibilityRules {
    /// From this age (whole years).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_age: Option<u32>,
    /// Must receive the minimum living allowance (低保).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub low_income: bool,
    /// At least this 失能 level (1–3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_disability_level: Option<i32>,
    /// Must live alone (独居).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub lives_alone: bool,
    /// Must hold a disability certificate (残疾证).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disabled: bool,
}

/// What staff verified about a resident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifiedFacts {
    /// The birth date, if known.
    pub birth_date: Option<NaiveDate>,
    /// The eligibility facts.
    pub facts: EligibilityFacts,
}

/// Why a resident is not eligible.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Ineligible {
    /// Staff have not verified the resident's facts.
    #[error("the resident's facts are not verified by staff")]
    NotVerified,
    /// Too young, or no birth date.
    #[error("the programme is for people aged {0} and over")]
    TooYoung(u32),
    /// Not 低保.
    #[error("the programme is for recipients of the minimum living allowance")]
    NotLowIncome,
    /// 失能 level too low.
    #[error("the programme needs a disability level of at least {0}")]
    DisabilityLevel(i32),
    /// Does not live alone.
    #[error("the programme is for people living alone")]
    NotLivingAlone,
    /// No disability certificate.
    #[error("the programme is for holders of a disability certificate")]
    NotDisabled,
}

impl EligibilityRules {
    /// Checks ranges so a programme cannot hold rules nobody could meet by mistake.
    pub fn is_sane(&self) -> bool {
        self.min_age.is_none_or(|a| (1..=120).contains(&a))
            && self
                .min_disability_level
                .is_none_or(|l| (1..=3).contains(&l))
    }

    /// True when the rules restrict nothing.
    pub fn is_open(&self) -> bool {
        *self == Self::default()
    }

    /// Checks a resident against the rules on `today`.
    pub fn check(&self, facts: Option<VerifiedFacts>, today: NaiveDate) -> Result<(), Ineligible> {
        if self.is_open() {
            return Ok(());
        }
        let verified = facts.ok_or(Ineligible::NotVerified)?;
        if let Some(min) = self.min_age {
            let age = verified.birth_date.map(|b| age_on(b, today));
            if age.is_none_or(|a| a < min) {
                return Err(Ineligible::TooYoung(min));
            }
        }
        if self.low_income && !verified.facts.low_income {
            return Err(Ineligible::NotLowIncome);
        }
        if let Some(level) = self.min_disability_level
            && verified.facts.disability_level < level
        {
            return Err(Ineligible::DisabilityLevel(level));
        }
        if self.lives_alone && !verified.facts.lives_alone {
            return Err(Ineligible::NotLivingAlone);
        }
        if self.disabled && !verified.facts.disabled {
            return Err(Ineligible::NotDisabled);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a date")
    }

    #[test]
    fn an_elder_programme_checks_age_on_the_day_and_verified_facts() {
        let rules = EligibilityRules {
            min_age: Some(80),
            lives_alone: true,
            ..EligibilityRules::default()
        };
        let facts = |birth, alone| VerifiedFacts {
            birth_date: Some(birth),
            facts: EligibilityFacts {
                lives_alone: alone,
                ..EligibilityFacts::default()
            },
        };
        let today = date(2026, 12, 7);
        assert_eq!(
            rules.check(Some(facts(date(1946, 12, 7), true)), today),
            Ok(())
        );
        assert_eq!(
            rules.check(Some(facts(date(1946, 12, 8), true)), today),
            Err(Ineligible::TooYoung(80))
        );
        assert_eq!(
            rules.check(Some(facts(date(1940, 1, 1), false)), today),
            Err(Ineligible::NotLivingAlone)
        );
        assert_eq!(rules.check(None, today), Err(Ineligible::NotVerified));
        assert_eq!(EligibilityRules::default().check(None, today), Ok(()));
    }

    #[test]
    fn rules_are_read_from_json_and_refuse_unknown_keys() {
        let rules: EligibilityRules =
            serde_json::from_str(r#"{"min_age": 80, "low_income": true}"#).expect("rules");
        assert_eq!(rules.min_age, Some(80));
        assert!(serde_json::from_str::<EligibilityRules>(r#"{"age": 80}"#).is_err());
    }
}
