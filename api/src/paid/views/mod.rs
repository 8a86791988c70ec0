//! Wire types of paid services: money is always a decimal string of yuan (`"35.50"`). One
//! module per concern: offerings and programmes here, then orders, alternatives, disputes,
//! settlements and terms.

use chrono::{DateTime, Utc};
use linli_domain::paid::eligibility::EligibilityRules;
use linli_domain::paid::money::Fen;
use linli_domain::paid::programmes::ProgrammeView;
use linli_domain::paid::split::SubsidyRule;
use linli_domain::paid::{Offering, Unit};
use poem_openapi::types::Example;
use poem_openapi::{Enum, Object};

use super::money::Money;

mod alternatives;
mod disputes;
mod orders;
mod settlements;
mod terms;

pub use alternatives::*;
pub use disputes::*;
pub use orders::*;
pub use settlements::*;
pub use terms::*;

fn utc(t: chrono::NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

fn yuan(f: Fen) -> String {
    f.to_string()
}

/// One programme's part of an order.
#[derive(Debug, Clone, Object)]
pub struct SubsidyPartView {
    /// The programme.
    pub program_id: i64,
    /// What it pays.
    pub amount: String,
}

fn parts(subsidies: &[(linli_domain::paid::ProgramId, Fen)]) -> Vec<SubsidyPartView> {
    subsidies
        .iter()
        .map(|(p, a)| SubsidyPartView {
            program_id: p.0,
            amount: yuan(*a),
        })
        .collect()
}

/// What a price is per.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum UnitView {
    /// An hour.
    Hour,
    /// A visit.
    Visit,
    /// An item.
    Item,
}

impl From<UnitView> for Unit {
    fn from(u: UnitView) -> Self {
        match u {
            UnitView::Hour => Self::Hour,
            UnitView::Visit => Self::Visit,
            UnitView::Item => Self::Item,
        }
    }
}

impl From<Unit> for UnitView {
    fn from(u: Unit) -> Self {
        match u {
            Unit::Hour => Self::Hour,
            Unit::Visit => Self::Visit,
            Unit::Item => Self::Item,
        }
    }
}

/// An offering as sent when creating it (or all its fields when changing them).
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct OfferingRequest {
    /// The provider (a verified provider you administer).
    pub organization_id: i64,
    /// A paid (or volunteer-or-paid) service category.
    pub category_id: i64,
    /// Chinese title (1–64 characters).
    #[oai(validator(max_length = 64))]
    pub title_zh: String,
    /// English title.
    #[oai(validator(max_length = 128))]
    pub title_en: Option<String>,
    /// Chinese description.
    #[oai(default, validator(max_length = 2000))]
    pub description_zh: String,
    /// English description.
    #[oai(validator(max_length = 4000))]
    pub description_en: Option<String>,
    /// hour, visit or item.
    pub unit: UnitView,
    /// Price per unit in CNY as a decimal string with at most 2 decimals (`"45.50"`); JSON
    /// numbers are refused.
    pub unit_price: Money,
    /// Fewest units per order (1–1000).
    pub min_quantity: i32,
    /// Most units per order.
    pub max_quantity: i32,
    /// Communities served (each one the provider serves).
    pub area_ids: Vec<i64>,
    /// Weekdays served as bits: 1 Monday, 2 Tuesday … 64 Sunday (127: every day).
    pub available_weekdays: i32,
    /// First minute of the day served (0–1439, display time zone).
    pub available_from_minute: i32,
    /// Minute of the day service ends (1–1440).
    pub available_to_minute: i32,
    /// Minutes the provider has to accept or decline an order (5–10080; default 120).
    #[oai(default = "default_response")]
    pub response_minutes: i32,
    /// Cancelling an accepted order within this many hours of its start costs the fee (0–720).
    #[oai(default)]
    pub cancellation_notice_hours: i32,
    /// The fee in percent of the gross (0–100).
    #[oai(default)]
    pub cancellation_fee_percent: i32,
    /// Bookable at once (default true).
    #[oai(default = "default_true")]
    pub published: bool,
}

fn default_response() -> i32 {
    120
}

fn default_true() -> bool {
    true
}

impl Example for OfferingRequest {
    fn example() -> Self {
        Self {
            organization_id: 5,
            category_id: 2,
            title_zh: "上门助浴".into(),
            title_en: Some("Home bathing help".into()),
            description_zh: "两名护理员上门协助洗浴".into(),
            description_en: None,
            unit: UnitView::Visit,
            unit_price: "80.00".into(),
            min_quantity: 1,
            max_quantity: 4,
            area_ids: vec![3],
            available_weekdays: 31,
            available_from_minute: 480,
            available_to_minute: 1080,
            response_minutes: 120,
            cancellation_notice_hours: 24,
            cancellation_fee_percent: 20,
            published: true,
        }
    }
}

/// Changes to an offering: `offering` replaces every descriptive and price field at once;
/// `published` publishes or unpublishes.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct UpdateOfferingRequest {
    /// New fields (the `organization_id` must stay the same).
    pub offering: Option<OfferingRequest>,
    /// Publish (true) or unpublish (false).
    pub published: Option<bool>,
}

impl Example for UpdateOfferingRequest {
    fn example() -> Self {
        Self {
            offering: None,
            published: Some(false),
        }
    }
}

/// An offering.
#[derive(Debug, Clone, Object)]
pub struct OfferingView {
    /// Its id.
    pub id: i64,
    /// The provider.
    pub organization_id: i64,
    /// The category.
    pub category_id: i64,
    /// Chinese title.
    pub title_zh: String,
    /// English title.
    pub title_en: Option<String>,
    /// Chinese description.
    pub description_zh: String,
    /// English description.
    pub description_en: Option<String>,
    /// hour, visit or item.
    pub unit: UnitView,
    /// Price per unit (CNY).
    pub unit_price: String,
    /// Fewest units.
    pub min_quantity: i32,
    /// Most units.
    pub max_quantity: i32,
    /// Communities served.
    pub area_ids: Vec<i64>,
    /// Weekday bits.
    pub available_weekdays: i32,
    /// First minute served.
    pub available_from_minute: i32,
    /// Minute service ends.
    pub available_to_minute: i32,
    /// Minutes to answer.
    pub response_minutes: i32,
    /// Late-cancellation notice (hours).
    pub cancellation_notice_hours: i32,
    /// Late-cancellation fee (percent).
    pub cancellation_fee_percent: i32,
    /// Bookable now.
    pub published: bool,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<Offering> for OfferingView {
    fn from(o: Offering) -> Self {
        Self {
            id: o.id.0,
            organization_id: o.organization.0,
            category_id: o.category,
            title_zh: o.text.title_zh,
            title_en: o.text.title_en,
            description_zh: o.text.description_zh,
            description_en: o.text.description_en,
            unit: o.unit.into(),
            unit_price: yuan(o.unit_price),
            min_quantity: o.min_quantity,
            max_quantity: o.max_quantity,
            area_ids: o.areas.iter().map(|a| a.0).collect(),
            available_weekdays: o.availability.weekdays,
            available_from_minute: o.availability.from_minute,
            available_to_minute: o.availability.to_minute,
            response_minutes: o.response_minutes,
            cancellation_notice_hours: o.cancellation_notice_hours,
            cancellation_fee_percent: o.cancellation_fee_percent,
            published: o.published,
            created_at: utc(o.created_at),
            updated_at: utc(o.updated_at),
        }
    }
}

/// Who qualifies for a programme; every rule given must hold on verified facts.
#[derive(Debug, Clone, Default, Object)]
pub struct SubsidyEligibilityView {
    /// From this age.
    pub min_age: Option<u32>,
    /// Receives 低保.
    #[oai(default)]
    pub low_income: bool,
    /// At least this 失能 level (1–3).
    pub min_disability_level: Option<i32>,
    /// Lives alone.
    #[oai(default)]
    pub lives_alone: bool,
    /// Holds a disability certificate.
    #[oai(default)]
    pub disabled: bool,
}

impl From<SubsidyEligibilityView> for EligibilityRules {
    fn from(e: SubsidyEligibilityView) -> Self {
        Self {
            min_age: e.min_age,
            low_income: e.low_income,
            min_disability_level: e.min_disability_level,
            lives_alone: e.lives_alone,
            disabled: e.disabled,
        }
    }
}

impl From<EligibilityRules> for SubsidyEligibilityView {
    fn from(e: EligibilityRules) -> Self {
        Self {
            min_age: e.min_age,
            low_income: e.low_income,
            min_disability_level: e.min_disability_level,
            lives_alone: e.lives_alone,
            disabled: e.disabled,
        }
    }
}

/// A subsidy programme to create.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct CreateSubsidyProgramRequest {
    /// The funding street or district (you must administer it).
    pub funding_area_id: i64,
    /// Chinese name.
    #[oai(validator(max_length = 64))]
    pub name_zh: String,
    /// English name.
    #[oai(validator(max_length = 128))]
    pub name_en: Option<String>,
    /// Budget in CNY (decimal string).
    pub budget: Money,
    /// Share of the gross paid, in basis points (5000 = 50 %); or give `fixed_per_unit`.
    pub percent_bp: Option<i64>,
    /// A fixed amount per unit booked (decimal string).
    pub fixed_per_unit: Option<Money>,
    /// Most one resident receives per month (decimal string).
    pub monthly_cap: Money,
    /// Who qualifies.
    #[oai(default)]
    pub eligibility: SubsidyEligibilityView,
    /// Categories covered.
    pub category_ids: Vec<i64>,
}

impl Example for CreateSubsidyProgramRequest {
    fn example() -> Self {
        Self {
            funding_area_id: 2,
            name_zh: "高龄老人居家养老服务补贴".into(),
            name_en: Some("Home care subsidy for the oldest old".into()),
            budget: "200000.00".into(),
            percent_bp: Some(6000),
            fixed_per_unit: None,
            monthly_cap: "300.00".into(),
            eligibility: SubsidyEligibilityView {
                min_age: Some(80),
                ..SubsidyEligibilityView::default()
            },
            category_ids: vec![2],
        }
    }
}

/// A subsidy programme.
#[derive(Debug, Clone, Object)]
pub struct SubsidyProgramView {
    /// Its id.
    pub id: i64,
    /// The funding street or district.
    pub funding_area_id: i64,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: Option<String>,
    /// Share of the gross in basis points, for percentage programmes.
    pub percent_bp: Option<i64>,
    /// Amount per unit, for fixed programmes.
    pub fixed_per_unit: Option<String>,
    /// Monthly cap per resident.
    pub monthly_cap: String,
    /// Who qualifies.
    pub eligibility: SubsidyEligibilityView,
    /// Categories covered.
    pub category_ids: Vec<i64>,
    /// Accepting orders.
    pub active: bool,
    /// The budget (only for the funding body).
    pub budget: Option<String>,
    /// What is neither spent nor reserved (only for the funding body).
    pub remaining: Option<String>,
}

impl From<ProgrammeView> for SubsidyProgramView {
    fn from(v: ProgrammeView) -> Self {
        let p = v.programme;
        let (percent_bp, fixed_per_unit) = match p.rule {
            SubsidyRule::Percent(bp) => (Some(bp), None),
            SubsidyRule::FixedPerUnit(f) => (None, Some(yuan(f))),
        };
        Self {
            id: p.id.0,
            funding_area_id: p.funding_area.0,
            name_zh: p.name_zh,
            name_en: p.name_en,
            percent_bp,
            fixed_per_unit,
            monthly_cap: yuan(p.monthly_cap),
            eligibility: p.eligibility.into(),
            category_ids: p.categories,
            active: p.active,
            budget: v.funder.then(|| yuan(p.budget)),
            remaining: v.funder.then(|| yuan(p.remaining)),
        }
    }
}
