//! Pure rules of rewards and redemptions: what a valid reward is, what a redemption costs, who
//! is old enough, how many units one person may have, and how a redemption may end. No I/O.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};

use super::{AgeGate, NewReward, RedemptionState, RewardChanges, RewardKind, RewardText};
use crate::areas::AreaId;
use crate::ledger::Points;
use crate::organizations::OrganizationId;
use crate::residents::rules::age_on;

/// The highest points cost of one unit.
pub const MAX_POINTS_COST: i64 = 1_000_000;
/// The most units one redemption may ask for.
pub const MAX_QUANTITY: i32 = 100;
/// The highest stock level.
pub const MAX_STOCK: i64 = 1_000_000;
/// How long points stay on hold before an unfulfilled redemption lapses.
pub const HOLD_DAYS: i64 = 14;

/// One broken rule of a reward, with the field it concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RewardInputError {
    /// The Chinese title is empty or longer than 64 characters.
    #[error("title_zh: must be 1–64 characters")]
    TitleZh,
    /// The English title is empty or longer than 128 characters.
    #[error("title_en: must be 1–128 characters")]
    TitleEn,
    /// A description is longer than 2000 characters.
    #[error("description: must be at most 2000 characters")]
    Description,
    /// The cost is not between 1 and the maximum.
    #[error("points_cost: must be 1–1000000 points")]
    PointsCost,
    /// The stock is negative or too large.
    #[error("stock: must be 0–1000000")]
    Stock,
    /// The per-person limit is not positive.
    #[error("per_person_limit: must be 1–1000")]
    PerPersonLimit,
    /// The minimum age is outside 1–120.
    #[error("minimum_age: must be 1–120")]
    MinimumAge,
    /// A fixed minimum age and the elder gate exclude each other.
    #[error("elder_only: cannot be combined with minimum_age")]
    AgeGateConflict,
}

impl RewardInputError {
    /// The request field it concerns.
    pub fn field(self) -> &'static str {
        match self {
            Self::TitleZh => "title_zh",
            Self::TitleEn => "title_en",
            Self::Description => "description_zh",
            Self::PointsCost => "points_cost",
            Self::Stock => "stock",
            Self::PerPersonLimit => "per_person_limit",
            Self::MinimumAge => "minimum_age",
            Self::AgeGateConflict => "elder_only",
        }
    }

    /// The stable code of the broken rule.
    pub fn code(self) -> &'static str {
        match self {
            Self::TitleZh | Self::TitleEn | Self::Description => "invalid_length",
            Self::PointsCost | Self::Stock | Self::PerPersonLimit | Self::MinimumAge => {
                "out_of_range"
            }
            Self::AgeGateConflict => "conflict",
        }
    }
}

/// A reward as a caller describes it, before any rule ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RewardInput {
    /// The community.
    pub community: AreaId,
    /// The offering organization.
    pub organization: Option<OrganizationId>,
    /// Item or service.
    pub kind: RewardKind,
    /// The text.
    pub text: RewardText,
    /// Points per unit.
    pub points_cost: i64,
    /// Units; none: unlimited.
    pub stock: Option<i64>,
    /// Per-person limit.
    pub per_person_limit: Option<i32>,
    /// Fixed minimum age.
    pub minimum_age: Option<i32>,
    /// Gated by the policy's elder age.
    pub elder_only: bool,
}

fn chars_within(text: &str, min: usize, max: usize) -> bool {
    let n = text.trim().chars().count();
    n >= min && n <= max
}

fn check_text(text: &RewardText, errors: &mut Vec<RewardInputError>) {
    if !chars_within(&text.title_zh, 1, 64) {
        errors.push(RewardInputError::TitleZh);
    }
    if text
        .title_en
        .as_deref()
        .is_some_and(|t| !chars_within(t, 1, 128))
    {
        errors.push(RewardInputError::TitleEn);
    }
    let long = |d: &str| d.chars().count() > 2000;
    if long(&text.description_zh) || text.description_en.as_deref().is_some_and(long) {
        errors.push(RewardInputError::Description);
    }
}

/// The age gate of a minimum age and the elder flag.
pub fn age_gate(
    minimum_age: Option<i32>,
    elder_only: bool,
) -> Result<AgeGate, Vec<RewardInputError>> {
    let mut errors = Vec::new();
    if minimum_age.is_some_and(|a| !(1..=120).contains(&a)) {
        errors.push(RewardInputError::MinimumAge);
    }
    if minimum_age.is_some() && elder_only {
        errors.push(RewardInputError::AgeGateConflict);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(match (minimum_age, elder_only) {
        (Some(age), _) => AgeGate::Minimum(age),
        (None, true) => AgeGate::Elder,
        (None, false) => AgeGate::Open,
    })
}

/// Checks every rule of a new reward at once, so the caller sees every broken field.
pub fn check_new_reward(input: RewardInput) -> Result<NewReward, Vec<RewardInputError>> {
    let mut errors = Vec::new();
    check_text(&input.text, &mut errors);
    if !(1..=MAX_POINTS_COST).contains(&input.points_cost) {
        errors.push(RewardInputError::PointsCost);
    }
    if input.stock.is_some_and(|s| !(0..=MAX_STOCK).contains(&s)) {
        errors.push(RewardInputError::Stock);
    }
    if input
        .per_person_limit
        .is_some_and(|l| !(1..=1000).contains(&l))
    {
        errors.push(RewardInputError::PerPersonLimit);
    }
    let gate = age_gate(input.minimum_age, input.elder_only);
    if let Err(gate_errors) = &gate {
        errors.extend(gate_errors);
    }
    match gate {
        Ok(age_gate) if errors.is_empty() => Ok(NewReward {
            community: input.community,
            organization: input.organization,
            kind: input.kind,
            text: RewardText {
                title_zh: input.text.title_zh.trim().to_owned(),
                title_en: input.text.title_en.map(|t| t.trim().to_owned()),
                description_zh: input.text.description_zh,
                description_en: input.text.description_en,
            },
            points_cost: Points(input.points_cost),
            stock: input.stock,
            per_person_limit: input.per_person_limit,
            age_gate,
        }),
        _ => Err(errors),
    }
}

/// Checks changes to a reward against the same rules as a new one.
pub fn check_changes(changes: RewardChanges) -> Result<RewardChanges, Vec<RewardInputError>> {
    let mut errors = Vec::new();
    if changes
        .title_zh
        .as_deref()
        .is_some_and(|t| !chars_within(t, 1, 64))
    {
        errors.push(RewardInputError::TitleZh);
    }
    if changes
        .title_en
        .as_deref()
        .is_some_and(|t| !chars_within(t, 1, 128))
    {
        errors.push(RewardInputError::TitleEn);
    }
    let long = |d: &str| d.chars().count() > 2000;
    if changes.description_zh.as_deref().is_some_and(long)
        || changes.description_en.as_deref().is_some_and(long)
    {
        errors.push(RewardInputError::Description);
    }
    if changes
        .points_cost
        .is_some_and(|c| !(1..=MAX_POINTS_COST).contains(&c.0))
    {
        errors.push(RewardInputError::PointsCost);
    }
    if changes.stock.is_some_and(|s| !(0..=MAX_STOCK).contains(&s)) {
        errors.push(RewardInputError::Stock);
    }
    if changes
        .per_person_limit
        .is_some_and(|l| !(1..=1000).contains(&l))
    {
        errors.push(RewardInputError::PerPersonLimit);
    }
    if let Some(AgeGate::Minimum(age)) = changes.age_gate
        && !(1..=120).contains(&age)
    {
        errors.push(RewardInputError::MinimumAge);
    }
    if errors.is_empty() {
        Ok(changes)
    } else {
        Err(errors)
    }
}

/// What `quantity` units at `cost` each hold, or none when the quantity is outside
/// 1..=[`MAX_QUANTITY`] (so no product can overflow or be zero).
pub fn redemption_points(cost: Points, quantity: i32) -> Option<Points> {
    if !(1..=MAX_QUANTITY).contains(&quantity) || cost.0 <= 0 {
        return None;
    }
    cost.0.checked_mul(i64::from(quantity)).map(Points)
}

/// Why a person may not redeem a reward by age.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgeRefusal {
    /// No birth date verified by staff.
    NotVerified,
    /// Younger than the gate.
    TooYoung {
        /// The age needed.
        required: i32,
    },
}

/// Whether a person with a staff-verified `birth_date` (none: unknown or unverified) passes
/// `gate` on `today`; `elder_age` is the community policy's elder redemption age (none: the
/// community sets no elder gate, so elder rewards are open).
pub fn check_age(
    gate: AgeGate,
    elder_age: Option<i32>,
    birth_date: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(), AgeRefusal> {
    let required = match (gate, elder_age) {
        (AgeGate::Open, _) | (AgeGate::Elder, None) => return Ok(()),
        (AgeGate::Minimum(age), _) | (AgeGate::Elder, Some(age)) => age,
    };
    let birth = birth_date.ok_or(AgeRefusal::NotVerified)?;
    let age = i64::from(age_on(birth, today));
    if age >= i64::from(required) {
        Ok(())
    } else {
        Err(AgeRefusal::TooYoung { required })
    }
}

/// Whether a person who has `already` units placed or fulfilled may add `quantity` more.
pub fn within_limit(limit: Option<i32>, already: i64, quantity: i32) -> bool {
    limit.is_none_or(|l| already + i64::from(quantity) <= i64::from(l))
}

/// How a redemption ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The reward was handed over.
    Fulfil,
    /// The person or staff called it off.
    Cancel,
    /// Its hold lapsed.
    Expire,
}

/// The state a redemption in `state` reaches by `ending`; only placed redemptions end.
pub fn end(state: RedemptionState, ending: Ending) -> Result<RedemptionState, RedemptionState> {
    match (state, ending) {
        (RedemptionState::Placed, Ending::Fulfil) => Ok(RedemptionState::Fulfilled),
        (RedemptionState::Placed, Ending::Cancel) => Ok(RedemptionState::Cancelled),
        (RedemptionState::Placed, Ending::Expire) => Ok(RedemptionState::Expired),
        (RedemptionState::Fulfilled | RedemptionState::Cancelled | RedemptionState::Expired, _) => {
            Err(state)
        }
    }
}

/// When a hold placed at `now` lapses.
pub fn hold_expiry(now: NaiveDateTime) -> NaiveDateTime {
    now + TimeDelta::days(HOLD_DAYS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn input() -> RewardInput {
        RewardInput {
            community: AreaId(3),
            organization: None,
            kind: RewardKind::Item,
            text: RewardText {
                title_zh: "大米 5 斤".into(),
                title_en: Some("Rice".into()),
                description_zh: "到社区服务站领取".into(),
                description_en: None,
            },
            points_cost: 50,
            stock: Some(10),
            per_person_limit: Some(2),
            minimum_age: None,
            elder_only: false,
        }
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a date")
    }

    #[test]
    fn a_valid_reward_passes_and_every_broken_field_is_reported() {
        assert!(check_new_reward(input()).is_ok());
        let bad = RewardInput {
            text: RewardText {
                title_zh: " ".into(),
                ..input().text
            },
            points_cost: 0,
            stock: Some(-1),
            per_person_limit: Some(0),
            minimum_age: Some(60),
            elder_only: true,
            ..input()
        };
        assert_eq!(
            check_new_reward(bad).expect_err("refused"),
            vec![
                RewardInputError::TitleZh,
                RewardInputError::PointsCost,
                RewardInputError::Stock,
                RewardInputError::PerPersonLimit,
                RewardInputError::AgeGateConflict,
            ]
        );
    }

    #[test]
    fn the_elder_gate_follows_the_policy_and_needs_a_verified_birth_date() {
        let today = date(2026, 11, 28);
        assert_eq!(check_age(AgeGate::Open, Some(65), None, today), Ok(()));
        assert_eq!(check_age(AgeGate::Elder, None, None, today), Ok(()));
        assert_eq!(
            check_age(AgeGate::Elder, Some(65), None, today),
            Err(AgeRefusal::NotVerified)
        );
        assert_eq!(
            check_age(AgeGate::Elder, Some(65), Some(date(1961, 11, 29)), today),
            Err(AgeRefusal::TooYoung { required: 65 })
        );
        assert_eq!(
            check_age(AgeGate::Elder, Some(65), Some(date(1961, 11, 28)), today),
            Ok(())
        );
        assert_eq!(
            check_age(
                AgeGate::Minimum(18),
                Some(65),
                Some(date(2010, 1, 1)),
                today
            ),
            Err(AgeRefusal::TooYoung { required: 18 })
        );
    }

    #[test]
    fn only_placed_redemptions_end() {
        assert_eq!(
            end(RedemptionState::Placed, Ending::Fulfil),
            Ok(RedemptionState::Fulfilled)
        );
        assert_eq!(
            end(RedemptionState::Placed, Ending::Expire),
            Ok(RedemptionState::Expired)
        );
        assert_eq!(
            end(RedemptionState::Fulfilled, Ending::Cancel),
            Err(RedemptionState::Fulfilled)
        );
        assert_eq!(
            end(RedemptionState::Cancelled, Ending::Fulfil),
            Err(RedemptionState::Cancelled)
        );
    }

    proptest! {
        #[test]
        fn redemption_points_are_positive_and_exact(cost in -10i64..=MAX_POINTS_COST, quantity in -5i32..=200) {
            match redemption_points(Points(cost), quantity) {
                Some(points) => {
                    prop_assert!(cost > 0 && (1..=MAX_QUANTITY).contains(&quantity));
                    prop_assert_eq!(points.0, cost * i64::from(quantity));
                    prop_assert!(points.0 > 0);
                }
                None => prop_assert!(cost <= 0 || !(1..=MAX_QUANTITY).contains(&quantity)),
            }
        }

        #[test]
        fn the_limit_is_never_exceeded(limit in proptest::option::of(1i32..20), quantities in proptest::collection::vec(1i32..5, 0..30)) {
            let mut held = 0i64;
            for q in quantities {
                if within_limit(limit, held, q) {
                    held += i64::from(q);
                }
            }
            if let Some(l) = limit {
                prop_assert!(held <= i64::from(l));
            }
        }

        #[test]
        fn an_age_gate_admits_exactly_those_old_enough(required in 1i32..=120, years in 0i32..=120) {
            let today = date(2026, 6, 15);
            let birth = date(2026 - years, 6, 15);
            let admitted = check_age(AgeGate::Minimum(required), None, Some(birth), today).is_ok();
            prop_assert_eq!(admitted, years >= required);
        }
    }
}
