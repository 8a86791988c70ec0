//! Wire types of paid services: money is always a decimal string of yuan (`"35.50"`).

use chrono::{DateTime, Utc};
use linli_domain::paid::eligibility::EligibilityRules;
use linli_domain::paid::money::Fen;
use linli_domain::paid::orders::Quote;
use linli_domain::paid::programmes::ProgrammeView;
use linli_domain::paid::reading::SeenOrder;
use linli_domain::paid::settlement::{
    ClaimLine, Settlement, SettlementLine, SettlementState, Totals,
};
use linli_domain::paid::split::SubsidyRule;
use linli_domain::paid::states::OrderState;
use linli_domain::paid::{Offering, Unit};
use poem_openapi::types::Example;

use super::money::Money;
use poem_openapi::{Enum, Object};

fn utc(t: chrono::NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

fn yuan(f: Fen) -> String {
    f.to_string()
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

/// What to book (or quote).
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct OrderRequest {
    /// The offering.
    pub offering_id: i64,
    /// For whom (absent: yourself; else a resident you hold a live proxy consent for).
    pub for_user_id: Option<i64>,
    /// Units, within the offering's range.
    pub quantity: i32,
    /// Start of the service window (RFC 3339).
    pub window_start: DateTime<Utc>,
    /// End of the service window.
    pub window_end: DateTime<Utc>,
    /// Points to spend (default 0), up to the community's cap.
    #[oai(default, validator(minimum(value = "0")))]
    pub points: i64,
    /// Programmes to apply; absent: every programme you are eligible for.
    pub subsidy_program_ids: Option<Vec<i64>>,
    /// The paid-mode need this order answers.
    pub need_id: Option<i64>,
}

impl Example for OrderRequest {
    fn example() -> Self {
        let start = DateTime::parse_from_rfc3339("2026-12-09T01:00:00Z")
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default();
        Self {
            offering_id: 4,
            for_user_id: None,
            quantity: 2,
            window_start: start,
            window_end: start + chrono::TimeDelta::hours(2),
            points: 100,
            subsidy_program_ids: None,
            need_id: None,
        }
    }
}

/// One programme's part of an order.
#[derive(Debug, Clone, Object)]
pub struct SubsidyPartView {
    /// The programme.
    pub program_id: i64,
    /// What it pays.
    pub amount: String,
}

/// The split of an order before booking.
#[derive(Debug, Clone, Object)]
pub struct QuoteView {
    /// quantity × unit price.
    pub gross: String,
    /// Per programme.
    pub subsidies: Vec<SubsidyPartView>,
    /// All programmes.
    pub subsidy: String,
    /// Points spent.
    pub points: i64,
    /// Their value.
    pub points_value: String,
    /// The most points this order can take.
    pub max_points: i64,
    /// What one point is worth.
    pub point_value: String,
    /// What the resident pays.
    pub copay: String,
    /// The platform's commission.
    pub commission: String,
    /// The provider's net.
    pub provider_net: String,
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

impl From<Quote> for QuoteView {
    fn from(q: Quote) -> Self {
        let s = q.split;
        Self {
            gross: yuan(s.gross),
            subsidies: parts(&s.subsidies),
            subsidy: yuan(s.subsidy),
            points: s.points,
            points_value: yuan(s.points_value),
            max_points: s.max_points,
            point_value: yuan(Fen(q.fen_per_point)),
            copay: yuan(s.copay),
            commission: yuan(s.commission),
            provider_net: yuan(s.net),
        }
    }
}

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum OrderStateView {
    /// Waiting for the provider.
    Placed,
    /// Accepted.
    Accepted,
    /// Declined (or not answered in time).
    Declined,
    /// Cancelled.
    Cancelled,
    /// Started.
    Started,
    /// Completed.
    Completed,
    /// Confirmed; the money moved.
    Confirmed,
    /// Disputed by the resident.
    Disputed,
}

impl From<OrderState> for OrderStateView {
    fn from(s: OrderState) -> Self {
        match s {
            OrderState::Placed => Self::Placed,
            OrderState::Accepted => Self::Accepted,
            OrderState::Declined => Self::Declined,
            OrderState::Cancelled => Self::Cancelled,
            OrderState::Started => Self::Started,
            OrderState::Completed => Self::Completed,
            OrderState::Confirmed => Self::Confirmed,
            OrderState::Disputed => Self::Disputed,
        }
    }
}

impl From<OrderStateView> for OrderState {
    fn from(s: OrderStateView) -> Self {
        match s {
            OrderStateView::Placed => Self::Placed,
            OrderStateView::Accepted => Self::Accepted,
            OrderStateView::Declined => Self::Declined,
            OrderStateView::Cancelled => Self::Cancelled,
            OrderStateView::Started => Self::Started,
            OrderStateView::Completed => Self::Completed,
            OrderStateView::Confirmed => Self::Confirmed,
            OrderStateView::Disputed => Self::Disputed,
        }
    }
}

/// An order.
#[derive(Debug, Clone, Object)]
pub struct OrderView {
    /// Its id.
    pub id: i64,
    /// The offering.
    pub offering_id: i64,
    /// The provider.
    pub organization_id: i64,
    /// The resident.
    pub resident_id: i64,
    /// Units.
    pub quantity: i32,
    /// Unit (snapshot).
    pub unit: UnitView,
    /// Price per unit (snapshot).
    pub unit_price: String,
    /// Window start.
    pub window_start: DateTime<Utc>,
    /// Window end.
    pub window_end: DateTime<Utc>,
    /// Where it stands.
    pub state: OrderStateView,
    /// Gross.
    pub gross: String,
    /// Per programme.
    pub subsidies: Vec<SubsidyPartView>,
    /// Subsidy.
    pub subsidy: String,
    /// Points spent.
    pub points: i64,
    /// Their value.
    pub points_value: String,
    /// Co-payment.
    pub copay: String,
    /// Commission.
    pub commission: String,
    /// Provider net.
    pub provider_net: String,
    /// Co-payment recorded as received.
    pub paid: String,
    /// Refunded so far.
    pub refunded: String,
    /// Fee of a late cancellation.
    pub cancellation_fee: String,
    /// The 4-digit code to tell the provider at the start and the end (only to the resident
    /// and their proxy).
    pub check_code: Option<String>,
    /// When the provider must answer.
    pub respond_by: DateTime<Utc>,
    /// Declined because nobody answered in time.
    pub lapsed: bool,
    /// Why it was declined, cancelled or disputed.
    pub reason: Option<String>,
    /// When completed.
    pub completed_at: Option<DateTime<Utc>>,
    /// When confirmed.
    pub confirmed_at: Option<DateTime<Utc>>,
    /// The settlement batch that settled it.
    pub settlement_id: Option<i64>,
    /// When placed.
    pub created_at: DateTime<Utc>,
}

impl From<SeenOrder> for OrderView {
    fn from(seen: SeenOrder) -> Self {
        let o = seen.order;
        Self {
            id: o.id.0,
            offering_id: o.offering.0,
            organization_id: o.organization.0,
            resident_id: o.resident.0,
            quantity: o.quantity,
            unit: o.unit.into(),
            unit_price: yuan(o.unit_price),
            window_start: utc(o.window_start),
            window_end: utc(o.window_end),
            state: o.state.into(),
            gross: yuan(o.gross),
            subsidies: parts(&o.subsidies),
            subsidy: yuan(o.subsidy),
            points: o.points,
            points_value: yuan(o.points_value),
            copay: yuan(o.copay),
            commission: yuan(o.commission),
            provider_net: yuan(o.net),
            paid: yuan(o.paid),
            refunded: yuan(o.refunded),
            cancellation_fee: yuan(o.cancellation_fee),
            check_code: seen.own.then_some(o.check_code),
            respond_by: utc(o.respond_by),
            lapsed: o.lapsed,
            reason: o.reason,
            completed_at: o.completed_at.map(utc),
            confirmed_at: o.confirmed_at.map(utc),
            settlement_id: o.settlement.map(|s| s.0),
            created_at: utc(o.created_at),
        }
    }
}

/// The provider's answer.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct RespondToOrderRequest {
    /// Accept (true) or decline (false).
    pub accept: bool,
    /// Why, when declining.
    #[oai(validator(max_length = 500))]
    pub reason: Option<String>,
}

impl Example for RespondToOrderRequest {
    fn example() -> Self {
        Self {
            accept: true,
            reason: None,
        }
    }
}

/// The resident's code, given at the start or the end.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct OrderCodeRequest {
    /// The 4 digits the resident reads out.
    #[oai(validator(max_length = 8))]
    pub code: String,
}

impl Example for OrderCodeRequest {
    fn example() -> Self {
        Self {
            code: "0427".into(),
        }
    }
}

/// The resident's verdict on a completed order.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct ConfirmOrderRequest {
    /// Dispute instead of confirming, with this reason.
    #[oai(validator(max_length = 500))]
    pub dispute_reason: Option<String>,
}

impl Example for ConfirmOrderRequest {
    fn example() -> Self {
        Self {
            dispute_reason: None,
        }
    }
}

/// Why an order is cancelled.
#[derive(Debug, Clone, Default, Object)]
#[oai(example)]
pub struct CancelOrderRequest {
    /// Why.
    #[oai(validator(max_length = 500))]
    pub reason: Option<String>,
}

impl Example for CancelOrderRequest {
    fn example() -> Self {
        Self {
            reason: Some("家人已陪同就医".into()),
        }
    }
}

/// A co-payment received.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct RecordPaymentRequest {
    /// Amount in CNY (decimal string), at most what is still due.
    pub amount: Money,
    /// The receipt or transfer reference (1–64 characters).
    #[oai(validator(max_length = 64))]
    pub reference: String,
}

impl Example for RecordPaymentRequest {
    fn example() -> Self {
        Self {
            amount: "34.60".into(),
            reference: "现金收据 0012".into(),
        }
    }
}

/// A refund.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct RefundOrderRequest {
    /// Amount in CNY (decimal string), at most what is left of the order.
    pub amount: Money,
    /// Why (1–500 characters).
    #[oai(validator(min_length = 1, max_length = 500))]
    pub reason: String,
}

impl Example for RefundOrderRequest {
    fn example() -> Self {
        Self {
            amount: "20.00".into(),
            reason: "服务时长不足".into(),
        }
    }
}

/// A refund's parts and the order after it.
#[derive(Debug, Clone, Object)]
pub struct RefundView {
    /// The refund.
    pub id: i64,
    /// Amount.
    pub amount: String,
    /// Back to each programme.
    pub subsidies: Vec<SubsidyPartView>,
    /// Points back to the resident.
    pub points: i64,
    /// Their value.
    pub points_value: String,
    /// Co-payment no longer owed.
    pub copay: String,
    /// Commission returned to the provider.
    pub commission: String,
    /// Cash the provider returns to the resident.
    pub cash_back: String,
    /// The order now.
    pub order: OrderView,
}

impl RefundView {
    /// The view of a refund.
    pub fn new(refund: linli_domain::paid::refunds::Refund, order: OrderView) -> Self {
        let s = refund.split;
        Self {
            id: refund.id,
            amount: yuan(s.amount),
            subsidies: parts(&s.subsidies),
            points: s.points,
            points_value: yuan(s.points_value),
            copay: yuan(s.copay),
            commission: yuan(s.commission),
            cash_back: yuan(refund.cash_back),
            order,
        }
    }
}

/// Where a settlement batch stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum SettlementStateView {
    /// Drafted.
    Draft,
    /// Approved by a street admin.
    Approved,
    /// Paid out.
    Paid,
}

impl From<SettlementState> for SettlementStateView {
    fn from(s: SettlementState) -> Self {
        match s {
            SettlementState::Draft => Self::Draft,
            SettlementState::Approved => Self::Approved,
            SettlementState::Paid => Self::Paid,
        }
    }
}

/// Amounts of a batch or line; `net = gross − copay − commission`.
#[derive(Debug, Clone, Object)]
pub struct TotalsView {
    /// Gross.
    pub gross: String,
    /// Subsidy.
    pub subsidy: String,
    /// Points compensation.
    pub points: String,
    /// Co-payments (collected by the provider).
    pub copay: String,
    /// Commission.
    pub commission: String,
    /// Net payable to the provider.
    pub net: String,
}

impl From<Totals> for TotalsView {
    fn from(t: Totals) -> Self {
        Self {
            gross: yuan(t.gross),
            subsidy: yuan(t.subsidy),
            points: yuan(t.points),
            copay: yuan(t.copay),
            commission: yuan(t.commission),
            net: yuan(t.net),
        }
    }
}

/// A settlement batch.
#[derive(Debug, Clone, Object)]
pub struct SettlementView {
    /// Its id.
    pub id: i64,
    /// The provider.
    pub organization_id: i64,
    /// Period start.
    pub period_start: DateTime<Utc>,
    /// Period end (exclusive).
    pub period_end: DateTime<Utc>,
    /// Where it stands.
    pub state: SettlementStateView,
    /// Lines.
    pub line_count: i64,
    /// Totals.
    pub totals: TotalsView,
    /// When approved.
    pub approved_at: Option<DateTime<Utc>>,
    /// The payout reference.
    pub paid_reference: Option<String>,
    /// When paid.
    pub paid_at: Option<DateTime<Utc>>,
    /// When drafted.
    pub created_at: DateTime<Utc>,
}

impl From<Settlement> for SettlementView {
    fn from(s: Settlement) -> Self {
        Self {
            id: s.id.0,
            organization_id: s.organization.0,
            period_start: utc(s.period_start),
            period_end: utc(s.period_end),
            state: s.state.into(),
            line_count: s.line_count,
            totals: s.totals.into(),
            approved_at: s.approved.map(|(_, at)| utc(at)),
            paid_reference: s.paid.as_ref().map(|(_, r, _)| r.clone()),
            paid_at: s.paid.map(|(_, _, at)| utc(at)),
            created_at: utc(s.created_at),
        }
    }
}

/// A line of a batch.
#[derive(Debug, Clone, Object)]
pub struct SettlementLineView {
    /// The order.
    pub order_id: i64,
    /// The refund, for an adjustment line.
    pub refund_id: Option<i64>,
    /// Amounts.
    pub totals: TotalsView,
}

impl From<SettlementLine> for SettlementLineView {
    fn from(l: SettlementLine) -> Self {
        Self {
            order_id: l.order_id,
            refund_id: l.refund_id,
            totals: l.totals.into(),
        }
    }
}

/// A batch with its lines (the statement).
#[derive(Debug, Clone, Object)]
pub struct SettlementStatementView {
    /// The batch.
    pub settlement: SettlementView,
    /// Its lines.
    pub lines: Vec<SettlementLineView>,
}

/// A batch to draft now.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct CreateSettlementRequest {
    /// The provider.
    pub organization_id: i64,
    /// Period start.
    pub period_start: DateTime<Utc>,
    /// Period end (exclusive; not in the future).
    pub period_end: DateTime<Utc>,
}

impl Example for CreateSettlementRequest {
    fn example() -> Self {
        let start = DateTime::parse_from_rfc3339("2026-11-30T16:00:00Z")
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default();
        Self {
            organization_id: 5,
            period_start: start,
            period_end: start + chrono::TimeDelta::days(7),
        }
    }
}

/// The payout of a batch.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct MarkSettlementPaidRequest {
    /// The bank reference (1–64 characters).
    #[oai(validator(max_length = 64))]
    pub reference: String,
}

impl Example for MarkSettlementPaidRequest {
    fn example() -> Self {
        Self {
            reference: "ICBC-20261207-0042".into(),
        }
    }
}

/// A line of a programme's claim.
#[derive(Debug, Clone, Object)]
pub struct ClaimLineView {
    /// The order.
    pub order_id: i64,
    /// The refund, for a negative line.
    pub refund_id: Option<i64>,
    /// Subsidy claimed.
    pub amount: String,
    /// The settlement batch.
    pub settlement_id: Option<i64>,
}

impl From<ClaimLine> for ClaimLineView {
    fn from(l: ClaimLine) -> Self {
        Self {
            order_id: l.order_id,
            refund_id: l.refund_id,
            amount: yuan(l.amount),
            settlement_id: l.settlement,
        }
    }
}

/// What a programme's funding body is asked to pay.
#[derive(Debug, Clone, Object)]
pub struct SubsidyClaimView {
    /// The programme.
    pub program: SubsidyProgramView,
    /// Lines.
    pub lines: Vec<ClaimLineView>,
    /// Their sum.
    pub total: String,
}
