//! Wire types of settlement batches, their lines, statements and programme claims.

use chrono::{DateTime, Utc};
use poem_openapi::types::Example;
use poem_openapi::{Enum, Object};

use super::{SubsidyProgramView, utc, yuan};
use linli_domain::paid::settlement::{
    ClaimLine, LineKind, Settlement, SettlementLine, SettlementState, Totals,
};

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

/// What a settlement line settles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum LineKindView {
    /// A confirmed order.
    Order,
    /// A refund of an order (negative amounts).
    Refund,
    /// The fee of an accepted order cancelled late: gross and co-payment are the fee (the
    /// provider collects it), the commission on it is owed.
    CancellationFee,
}

impl From<LineKind> for LineKindView {
    fn from(k: LineKind) -> Self {
        match k {
            LineKind::Order => Self::Order,
            LineKind::Refund => Self::Refund,
            LineKind::CancellationFee => Self::CancellationFee,
        }
    }
}

/// A line of a batch.
#[derive(Debug, Clone, Object)]
pub struct SettlementLineView {
    /// What it settles.
    pub kind: LineKindView,
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
            kind: l.kind.into(),
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
