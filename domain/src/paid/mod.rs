//! Paid services (有偿服务): providers publish priced offerings; residents (or their proxies)
//! book orders whose price is snapshotted and split to the fen across the subsidy programmes
//! they are eligible for, points at the community's rate and the co-payment; the platform's
//! commission and the provider's net come from the same split. Money moves in its own CNY
//! double-entry ledger ([`books`]) when an order is confirmed; refunds are new entries giving
//! each funder its part back; settlement batches gather every confirmed order exactly once per
//! provider and period.
//!
//! Pure rules live in [`money`], [`split`], [`states`] and [`eligibility`]; the store and the
//! transactional use cases in the other modules: [`orders`] books, [`delivery`] carries an
//! order to confirmation (or its end), [`alternatives`] offers the next providers when one
//! declines, [`disputes`] resolves disputes, [`refunds`] takes payments and refunds, [`terms`]
//! keeps contracts and points terms, [`settlement`] settles providers per period.

pub mod alternatives;
pub mod books;
pub mod delivery;
pub mod disputes;
pub mod eligibility;
pub mod inputs;
pub mod money;
pub mod offerings;
pub mod orders;
pub mod programmes;
pub mod reading;
pub mod refunds;
pub mod settlement;
pub mod split;
pub mod states;
pub mod store;
pub mod terms;

use chrono::NaiveDateTime;

use crate::accounts::UserId;
use crate::areas::AreaId;
use crate::organizations::OrganizationId;
use money::Fen;
use states::OrderState;

/// Identifies an offering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OfferingId(pub i64);

/// Identifies a subsidy programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProgramId(pub i64);

/// Identifies an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrderId(pub i64);

/// Identifies a settlement batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SettlementId(pub i64);

/// What a price is per.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unit {
    /// An hour of service.
    Hour,
    /// One visit.
    Visit,
    /// One item.
    Item,
}

impl Unit {
    /// Every unit.
    pub const ALL: [Unit; 3] = [Self::Hour, Self::Visit, Self::Item];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hour => "hour",
            Self::Visit => "visit",
            Self::Item => "item",
        }
    }

    /// Parses a stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|u| u.as_str() == raw)
    }
}

/// When a provider serves: weekdays as bits (1 = Monday … 64 = Sunday) and daily hours in
/// minutes of the display time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Availability {
    /// Weekday bits.
    pub weekdays: i32,
    /// First minute of the day served.
    pub from_minute: i32,
    /// Minute of the day service ends (exclusive), up to 1440.
    pub to_minute: i32,
}

/// Bilingual title and description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferingText {
    /// Chinese title (1–64 characters).
    pub title_zh: String,
    /// English title.
    pub title_en: Option<String>,
    /// Chinese description (up to 2000 characters).
    pub description_zh: String,
    /// English description.
    pub description_en: Option<String>,
}

/// An offering as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offering {
    /// Its id.
    pub id: OfferingId,
    /// The provider.
    pub organization: OrganizationId,
    /// The paid service category.
    pub category: i64,
    /// Text.
    pub text: OfferingText,
    /// Per hour, visit or item.
    pub unit: Unit,
    /// Price per unit.
    pub unit_price: Fen,
    /// Fewest units per order.
    pub min_quantity: i32,
    /// Most units per order.
    pub max_quantity: i32,
    /// Areas served (communities, streets or grids).
    pub areas: Vec<AreaId>,
    /// When served.
    pub availability: Availability,
    /// Minutes the provider has to answer an order.
    pub response_minutes: i32,
    /// Hours before the start within which cancelling an accepted order costs the fee.
    pub cancellation_notice_hours: i32,
    /// The fee, in percent of the gross.
    pub cancellation_fee_percent: i32,
    /// Bookable now.
    pub published: bool,
    /// When it was created.
    pub created_at: NaiveDateTime,
    /// When it last changed.
    pub updated_at: NaiveDateTime,
}

/// A subsidy programme as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Programme {
    /// Its id.
    pub id: ProgramId,
    /// The funding street or district.
    pub funding_area: AreaId,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: Option<String>,
    /// The budget it started with.
    pub budget: Fen,
    /// What is neither spent nor reserved by open orders.
    pub remaining: Fen,
    /// Who qualifies.
    pub eligibility: eligibility::EligibilityRules,
    /// How much it pays.
    pub rule: split::SubsidyRule,
    /// Most one resident receives from it per month.
    pub monthly_cap: Fen,
    /// Categories it covers.
    pub categories: Vec<i64>,
    /// Accepting new orders.
    pub active: bool,
    /// When it was created.
    pub created_at: NaiveDateTime,
}

/// An order as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// Its id.
    pub id: OrderId,
    /// The offering booked.
    pub offering: OfferingId,
    /// The provider.
    pub organization: OrganizationId,
    /// The category.
    pub category: i64,
    /// For whom.
    pub resident: UserId,
    /// Who booked (the resident or a proxy).
    pub placed_by: UserId,
    /// The resident's community.
    pub community: AreaId,
    /// The paid-mode need it came from, if any.
    pub need: Option<i64>,
    /// Units.
    pub quantity: i32,
    /// Unit (snapshot).
    pub unit: Unit,
    /// Price per unit (snapshot).
    pub unit_price: Fen,
    /// Window start.
    pub window_start: NaiveDateTime,
    /// Window end.
    pub window_end: NaiveDateTime,
    /// Where it stands.
    pub state: OrderState,
    /// quantity × unit price.
    pub gross: Fen,
    /// Subsidy, all programmes.
    pub subsidy: Fen,
    /// Subsidy per programme.
    pub subsidies: Vec<(ProgramId, Fen)>,
    /// Points spent.
    pub points: i64,
    /// Their value.
    pub points_value: Fen,
    /// What the resident pays.
    pub copay: Fen,
    /// Commission rate (basis points, snapshot).
    pub commission_bp: i32,
    /// Commission.
    pub commission: Fen,
    /// Provider net.
    pub net: Fen,
    /// Co-payment recorded as received.
    pub paid: Fen,
    /// Refunded so far.
    pub refunded: Fen,
    /// Fee of a late cancellation.
    pub cancellation_fee: Fen,
    /// The commission on that fee, at the snapshotted rate.
    pub cancellation_commission: Fen,
    /// The resident's 4-digit code for start and completion.
    pub check_code: String,
    /// Wrong codes given so far.
    pub code_failures: i32,
    /// When the provider must have answered.
    pub respond_by: NaiveDateTime,
    /// Declined because the provider did not answer.
    pub lapsed: bool,
    /// Why it was declined, cancelled or disputed.
    pub reason: Option<String>,
    /// When accepted.
    pub accepted_at: Option<NaiveDateTime>,
    /// When started.
    pub started_at: Option<NaiveDateTime>,
    /// When completed.
    pub completed_at: Option<NaiveDateTime>,
    /// When confirmed.
    pub confirmed_at: Option<NaiveDateTime>,
    /// When declined or cancelled.
    pub ended_at: Option<NaiveDateTime>,
    /// The batch that settled it.
    pub settlement: Option<SettlementId>,
    /// When it was placed.
    pub created_at: NaiveDateTime,
}
