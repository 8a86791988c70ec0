//! Pure policy rules: checking a new version, choosing the version in force, and computing
//! what a helper earns, with one explicit rounding rule.

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};

use super::{PointsPolicy, PolicyTerms};

/// What a community that never set a policy uses: 10 points an hour, +20 % when urgent, at
/// most 40 points a day, expiry after 24 months, elder-care rewards from 65, gifts to relatives
/// allowed, up to 20 honour hours a year.
pub const DEFAULT_TERMS: PolicyTerms = PolicyTerms {
    points_per_hour: 10,
    urgent_bonus_percent: 20,
    daily_cap: Some(40),
    balance_cap: None,
    expiry_months: Some(24),
    elder_redemption_age: Some(65),
    relative_transfers_allowed: true,
    honour_hours_yearly_cap: Some(20),
};

/// A rule a proposed policy breaks, named by field for the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyInputError {
    /// The version would start in the past.
    #[error("a new version cannot start before today ({today})")]
    Backdated {
        /// Today in the display zone.
        today: NaiveDate,
    },
    /// A number is out of its range.
    #[error("{field} must be between {min} and {max}")]
    OutOfRange {
        /// Which field.
        field: &'static str,
        /// Lowest allowed.
        min: i64,
        /// Highest allowed.
        max: i64,
    },
}

impl PolicyInputError {
    /// The request field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Backdated { .. } => "effective_from",
            Self::OutOfRange { field, .. } => field,
        }
    }

    /// A stable code for the client.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Backdated { .. } => "backdated",
            Self::OutOfRange { .. } => "out_of_range",
        }
    }
}

/// Checks a proposed version; every broken rule is reported at once.
pub fn check_terms(
    terms: &PolicyTerms,
    effective_from: NaiveDate,
    today: NaiveDate,
) -> Result<(), Vec<PolicyInputError>> {
    let mut errors = Vec::new();
    if effective_from < today {
        errors.push(PolicyInputError::Backdated { today });
    }
    let ranges: [(&'static str, Option<i64>, i64, i64); 7] = [
        ("points_per_hour", Some(terms.points_per_hour), 1, 1000),
        (
            "urgent_bonus_percent",
            Some(terms.urgent_bonus_percent),
            0,
            200,
        ),
        ("daily_cap", terms.daily_cap, 1, 100_000),
        ("balance_cap", terms.balance_cap, 1, 10_000_000),
        ("expiry_months", terms.expiry_months.map(i64::from), 1, 120),
        (
            "elder_redemption_age",
            terms.elder_redemption_age.map(i64::from),
            50,
            100,
        ),
        (
            "honour_hours_yearly_cap",
            terms.honour_hours_yearly_cap,
            0,
            1000,
        ),
    ];
    for (field, value, min, max) in ranges {
        if value.is_some_and(|v| v < min || v > max) {
            errors.push(PolicyInputError::OutOfRange { field, min, max });
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The version in force on `date`: the latest one effective on or before it. `versions` may be
/// in any order.
pub fn in_force(versions: &[PointsPolicy], date: NaiveDate) -> Option<&PointsPolicy> {
    versions
        .iter()
        .filter(|v| v.effective_from <= date)
        .max_by_key(|v| (v.effective_from, v.version))
}

/// Points for `minutes` of help: hours × points per hour × the category's weight, plus the
/// urgency bonus, rounded half away from zero to whole points — computed in decimals so no
/// binary fraction creeps in.
pub fn earned_points(
    terms: &PolicyTerms,
    minutes: i64,
    category_weight: Decimal,
    urgent: bool,
) -> i64 {
    let hours = Decimal::from(minutes.max(0)) / Decimal::from(60);
    let bonus = if urgent {
        Decimal::from(100 + terms.urgent_bonus_percent) / Decimal::from(100)
    } else {
        Decimal::ONE
    };
    let points =
        hours * Decimal::from(terms.points_per_hour) * category_weight.max(Decimal::ZERO) * bonus;
    points
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .try_into()
        .unwrap_or(0)
}

/// What may actually be credited given the caps: what is left of today's cap and room under
/// the balance cap.
pub fn capped(terms: &PolicyTerms, earned: i64, earned_today: i64, balance: i64) -> i64 {
    let by_day = terms
        .daily_cap
        .map_or(earned, |cap| earned.min((cap - earned_today).max(0)));
    terms
        .balance_cap
        .map_or(by_day, |cap| by_day.min((cap - balance).max(0)))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::areas::AreaId;

    fn date(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, day).expect("a date")
    }

    fn version(v: i32, from: NaiveDate) -> PointsPolicy {
        PointsPolicy {
            community: AreaId(9),
            version: v,
            effective_from: from,
            terms: DEFAULT_TERMS,
            created_by: None,
            created_at: None,
        }
    }

    #[test]
    fn an_hour_earns_the_rate_times_weight_and_bonus() {
        let weight = Decimal::new(15, 1); // 1.5
        assert_eq!(earned_points(&DEFAULT_TERMS, 60, weight, false), 15);
        assert_eq!(earned_points(&DEFAULT_TERMS, 60, weight, true), 18);
        assert_eq!(
            earned_points(&DEFAULT_TERMS, 45, Decimal::ONE, false),
            8,
            "7.5 rounds up"
        );
        assert_eq!(earned_points(&DEFAULT_TERMS, 0, weight, true), 0);
    }

    #[test]
    fn caps_limit_what_is_credited() {
        assert_eq!(capped(&DEFAULT_TERMS, 30, 25, 0), 15, "40 a day");
        assert_eq!(capped(&DEFAULT_TERMS, 30, 45, 0), 0);
        let terms = PolicyTerms {
            balance_cap: Some(100),
            ..DEFAULT_TERMS
        };
        assert_eq!(capped(&terms, 30, 0, 90), 10);
    }

    #[test]
    fn the_latest_version_started_is_in_force() {
        let versions = [
            version(1, date(1)),
            version(2, date(10)),
            version(3, date(20)),
        ];
        assert_eq!(in_force(&versions, date(15)).map(|v| v.version), Some(2));
        assert_eq!(in_force(&versions, date(20)).map(|v| v.version), Some(3));
        assert!(in_force(&versions[1..], date(5)).is_none());
    }

    #[test]
    fn new_versions_are_checked_field_by_field() {
        let bad = PolicyTerms {
            points_per_hour: 0,
            expiry_months: Some(500),
            ..DEFAULT_TERMS
        };
        let errors = check_terms(&bad, date(1), date(2)).expect_err("three problems");
        let fields: Vec<&str> = errors.iter().map(PolicyInputError::field).collect();
        assert_eq!(
            fields,
            ["effective_from", "points_per_hour", "expiry_months"]
        );
        assert!(check_terms(&DEFAULT_TERMS, date(2), date(2)).is_ok());
    }

    proptest! {
        #[test]
        fn more_minutes_never_earn_fewer_points(minutes in 0i64..2_000, extra in 0i64..600, tenths in 0i64..50, urgent: bool) {
            let weight = Decimal::new(tenths, 1);
            prop_assert!(earned_points(&DEFAULT_TERMS, minutes + extra, weight, urgent) >= earned_points(&DEFAULT_TERMS, minutes, weight, urgent));
            prop_assert!(earned_points(&DEFAULT_TERMS, minutes, weight, true) >= earned_points(&DEFAULT_TERMS, minutes, weight, false));
        }

        #[test]
        fn capped_credit_never_exceeds_earnings_or_caps(earned in 0i64..500, today in 0i64..100, balance in 0i64..200) {
            let terms = PolicyTerms { balance_cap: Some(150), ..DEFAULT_TERMS };
            let credit = capped(&terms, earned, today, balance);
            prop_assert!(credit >= 0 && credit <= earned);
            prop_assert!(today + credit <= 40 || credit == 0);
            prop_assert!(balance + credit <= 150 || credit == 0);
        }
    }
}
