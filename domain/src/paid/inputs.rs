//! Checking what clients send for offerings and programmes, and whether a booking window fits
//! an offering's availability — pure, every broken rule reported at once by field.

use chrono::{Datelike, NaiveDateTime, Timelike};

use super::eligibility::EligibilityRules;
use super::money::{Fen, MoneyError, parse_amount};
use super::split::SubsidyRule;
use super::{Availability, OfferingText, Unit};

/// A rule an input breaks, by field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct InputError {
    /// The request field.
    pub field: &'static str,
    /// A stable code.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
}

fn error(field: &'static str, code: &'static str, message: impl Into<String>) -> InputError {
    InputError {
        field,
        code,
        message: message.into(),
    }
}

fn money(field: &'static str, raw: &str, errors: &mut Vec<InputError>) -> Fen {
    parse_amount(raw).unwrap_or_else(|e: MoneyError| {
        errors.push(error(field, e.code(), e.to_string()));
        Fen::ZERO
    })
}

fn text(errors: &mut Vec<InputError>, t: &OfferingText) {
    let len = |s: &str| s.trim().chars().count();
    if !(1..=64).contains(&len(&t.title_zh)) {
        errors.push(error(
            "title_zh",
            "invalid_length",
            "must be 1–64 characters",
        ));
    }
    if t.title_en
        .as_deref()
        .is_some_and(|s| !(1..=128).contains(&len(s)))
    {
        errors.push(error(
            "title_en",
            "invalid_length",
            "must be 1–128 characters",
        ));
    }
    if len(&t.description_zh) > 2000 {
        errors.push(error(
            "description_zh",
            "too_long",
            "must be at most 2000 characters",
        ));
    }
    if t.description_en.as_deref().is_some_and(|s| len(s) > 4000) {
        errors.push(error(
            "description_en",
            "too_long",
            "must be at most 4000 characters",
        ));
    }
}

/// An offering as a client describes it (price as a decimal string).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferingInput {
    /// Text.
    pub text: OfferingText,
    /// Unit.
    pub unit: Unit,
    /// Price per unit, e.g. `"45.50"`.
    pub unit_price: String,
    /// Fewest units.
    pub min_quantity: i32,
    /// Most units.
    pub max_quantity: i32,
    /// When served.
    pub availability: Availability,
    /// Minutes to answer.
    pub response_minutes: i32,
    /// Late-cancellation notice in hours.
    pub cancellation_notice_hours: i32,
    /// Late-cancellation fee in percent.
    pub cancellation_fee_percent: i32,
}

/// A checked offering: the price in fen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedOffering {
    /// The input.
    pub input: OfferingInput,
    /// The price.
    pub unit_price: Fen,
}

/// Checks an offering.
pub fn check_offering(input: OfferingInput) -> Result<CheckedOffering, Vec<InputError>> {
    let mut errors = Vec::new();
    text(&mut errors, &input.text);
    let unit_price = money("unit_price", &input.unit_price, &mut errors);
    if !(1..=1000).contains(&input.min_quantity) {
        errors.push(error("min_quantity", "out_of_range", "must be 1–1000"));
    }
    if !(input.min_quantity..=1000).contains(&input.max_quantity) {
        errors.push(error(
            "max_quantity",
            "out_of_range",
            "must be min_quantity–1000",
        ));
    }
    let a = input.availability;
    if !(1..=127).contains(&a.weekdays) {
        errors.push(error(
            "available_weekdays",
            "out_of_range",
            "must name at least one weekday",
        ));
    }
    if !(0..1440).contains(&a.from_minute) || !(a.from_minute + 1..=1440).contains(&a.to_minute) {
        errors.push(error(
            "available_to_minute",
            "out_of_range",
            "hours must be within one day, from before to",
        ));
    }
    if !(5..=10080).contains(&input.response_minutes) {
        errors.push(error("response_minutes", "out_of_range", "must be 5–10080"));
    }
    if !(0..=720).contains(&input.cancellation_notice_hours) {
        errors.push(error(
            "cancellation_notice_hours",
            "out_of_range",
            "must be 0–720",
        ));
    }
    if !(0..=100).contains(&input.cancellation_fee_percent) {
        errors.push(error(
            "cancellation_fee_percent",
            "out_of_range",
            "must be 0–100",
        ));
    }
    if errors.is_empty() {
        Ok(CheckedOffering { input, unit_price })
    } else {
        Err(errors)
    }
}

/// True when the window lies within one local day the offering serves, within its hours.
/// `start` and `end` are local times of the display zone.
pub fn fits_availability(a: Availability, start: NaiveDateTime, end: NaiveDateTime) -> bool {
    let bit = 1 << start.weekday().num_days_from_monday();
    let minute = |t: NaiveDateTime| (t.hour() * 60 + t.minute()) as i32;
    let end_minute = if end.date() == start.date() {
        minute(end)
    } else if end.date() == start.date().succ_opt().unwrap_or(start.date()) && minute(end) == 0 {
        1440
    } else {
        return false;
    };
    a.weekdays & bit != 0 && minute(start) >= a.from_minute && end_minute <= a.to_minute
}

/// A programme as a client describes it (money as decimal strings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgrammeInput {
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: Option<String>,
    /// Budget.
    pub budget: String,
    /// Percent of the gross, as basis points.
    pub percent_bp: Option<i64>,
    /// Or a fixed amount per unit.
    pub fixed_per_unit: Option<String>,
    /// Monthly cap per resident.
    pub monthly_cap: String,
    /// Who qualifies.
    pub eligibility: EligibilityRules,
    /// Categories covered.
    pub categories: Vec<i64>,
}

/// A checked programme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedProgramme {
    /// Budget.
    pub budget: Fen,
    /// Rule.
    pub rule: SubsidyRule,
    /// Monthly cap.
    pub monthly_cap: Fen,
}

/// Checks a programme.
pub fn check_programme(input: &ProgrammeInput) -> Result<CheckedProgramme, Vec<InputError>> {
    let mut errors = Vec::new();
    if !(1..=64).contains(&input.name_zh.trim().chars().count()) {
        errors.push(error(
            "name_zh",
            "invalid_length",
            "must be 1–64 characters",
        ));
    }
    let budget = money("budget", &input.budget, &mut errors);
    let monthly_cap = money("monthly_cap", &input.monthly_cap, &mut errors);
    let rule = match (input.percent_bp, input.fixed_per_unit.as_deref()) {
        (Some(bp), None) if (1..=10_000).contains(&bp) => SubsidyRule::Percent(bp),
        (Some(_), None) => {
            errors.push(error("percent_bp", "out_of_range", "must be 1–10000"));
            SubsidyRule::Percent(1)
        }
        (None, Some(raw)) => SubsidyRule::FixedPerUnit(money("fixed_per_unit", raw, &mut errors)),
        _ => {
            errors.push(error(
                "percent_bp",
                "one_rule",
                "give exactly one of percent_bp and fixed_per_unit",
            ));
            SubsidyRule::Percent(1)
        }
    };
    if input.categories.is_empty() || input.categories.len() > 20 {
        errors.push(error(
            "category_ids",
            "out_of_range",
            "name 1–20 categories",
        ));
    }
    if !input.eligibility.is_sane() {
        errors.push(error(
            "eligibility",
            "out_of_range",
            "min_age must be 1–120 and min_disability_level 1–3",
        ));
    }
    if errors.is_empty() {
        Ok(CheckedProgramme {
            budget,
            rule,
            monthly_cap,
        })
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(d: u32, h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, d)
            .and_then(|x| x.and_hms_opt(h, m, 0))
            .expect("a time")
    }

    #[test]
    fn windows_fit_weekdays_and_hours() {
        // 2026-12-07 is a Monday.
        let weekdays = Availability {
            weekdays: 0b0011111,
            from_minute: 8 * 60,
            to_minute: 18 * 60,
        };
        assert!(fits_availability(weekdays, at(7, 9, 0), at(7, 11, 0)));
        assert!(!fits_availability(weekdays, at(7, 7, 30), at(7, 9, 0)));
        assert!(!fits_availability(weekdays, at(7, 17, 0), at(7, 18, 30)));
        assert!(
            !fits_availability(weekdays, at(12, 9, 0), at(12, 10, 0)),
            "a Saturday"
        );
        let all_day = Availability {
            weekdays: 127,
            from_minute: 0,
            to_minute: 1440,
        };
        assert!(fits_availability(all_day, at(7, 22, 0), at(8, 0, 0)));
        assert!(!fits_availability(all_day, at(7, 22, 0), at(8, 1, 0)));
    }

    #[test]
    fn prices_with_three_decimals_are_named_by_field() {
        let input = ProgrammeInput {
            name_zh: "高龄补贴".into(),
            name_en: None,
            budget: "1000.005".into(),
            percent_bp: Some(5000),
            fixed_per_unit: None,
            monthly_cap: "300".into(),
            eligibility: EligibilityRules::default(),
            categories: vec![1],
        };
        let errors = check_programme(&input).expect_err("refused");
        assert_eq!(
            (errors[0].field, errors[0].code),
            ("budget", "too_many_decimals")
        );
    }
}
