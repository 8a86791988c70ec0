//! Wire types of orders: the request, the quote, the order, the steps of its life, refunds,
//! dispute resolutions and the alternatives offered when a provider declines.

use chrono::{DateTime, Utc};
use linli_domain::paid::money::Fen;
use poem_openapi::types::Example;
use poem_openapi::{Enum, Object};

use super::{SubsidyPartView, UnitView, parts, utc, yuan};
use linli_domain::paid::orders::Quote;
use linli_domain::paid::reading::SeenOrder;
use linli_domain::paid::states::OrderState;

use super::super::money::Money;

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
    /// The commission on that fee (the order's rate), settled with it.
    pub cancellation_commission: String,
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
            cancellation_commission: yuan(o.cancellation_commission),
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
