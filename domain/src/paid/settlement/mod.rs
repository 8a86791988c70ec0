//! Settlement: one batch per provider and period claims every confirmed, unsettled order,
//! every late-cancellation fee and every unsettled refund (late refunds roll into the next
//! batch) by guarded statements that set the row's batch only where none is set — so every
//! order is settled exactly once, and a second run for the same provider and period finds the
//! first batch. A batch's lines are the rows it claimed, read by its id (a trigger keeps a
//! settled row's amounts and batch unchanged). The period is the provider's contract's (weekly
//! or monthly). Batches go draft → approved (a street admin over the provider's communities) →
//! paid (reference recorded; the net leaves the provider's account).
//!
//! This module holds the types and the rows; [`drafting`] gathers batches, [`review`] approves
//! and pays them, [`reading`] shows them, [`claims`] writes statements and programme claims.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::SettlementId;
use super::books;
use super::money::Fen;
use super::offerings::OfferingError;
use crate::accounts::UserId;
use crate::db::{AnyConnection, StoreError, TransactionError};
use crate::organizations::OrganizationId;
use crate::schema::{paid_order_money, paid_refunds, paid_settlement_reviews, paid_settlements};

/// Where a batch stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SettlementState {
    /// Drafted by the job.
    Draft,
    /// Approved by a street admin.
    Approved,
    /// Paid out, reference recorded.
    Paid,
}

impl SettlementState {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Approved => "approved",
            Self::Paid => "paid",
        }
    }

    /// Parses a stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Draft, Self::Approved, Self::Paid]
            .into_iter()
            .find(|s| s.as_str() == raw)
    }
}

/// The totals of a batch or of lines; `net = gross − co-payment − commission` (the provider
/// collects co-payments itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    /// Gross.
    pub gross: Fen,
    /// Subsidy.
    pub subsidy: Fen,
    /// Points compensation.
    pub points: Fen,
    /// Co-payments.
    pub copay: Fen,
    /// Commission.
    pub commission: Fen,
    /// Net payable.
    pub net: Fen,
}

impl Totals {
    pub(crate) fn add(&mut self, line: &Totals) {
        self.gross.0 += line.gross.0;
        self.subsidy.0 += line.subsidy.0;
        self.points.0 += line.points.0;
        self.copay.0 += line.copay.0;
        self.commission.0 += line.commission.0;
        self.net.0 += line.net.0;
    }
}

/// A batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    /// Its id.
    pub id: SettlementId,
    /// The provider.
    pub organization: OrganizationId,
    /// Period start (UTC).
    pub period_start: NaiveDateTime,
    /// Period end, exclusive (UTC).
    pub period_end: NaiveDateTime,
    /// Where it stands.
    pub state: SettlementState,
    /// Lines.
    pub line_count: i64,
    /// Totals.
    pub totals: Totals,
    /// Who approved it, when.
    pub approved: Option<(UserId, NaiveDateTime)>,
    /// Who recorded the payout, the reference, when.
    pub paid: Option<(Option<UserId>, String, NaiveDateTime)>,
    /// When it was drafted.
    pub created_at: NaiveDateTime,
}

/// What a line settles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineKind {
    /// A confirmed order.
    Order,
    /// A refund of one (negative amounts).
    Refund,
    /// The fee of an accepted order cancelled late: gross = co-payment = the fee, which the
    /// provider collects from the resident; the commission on it is owed to the platform.
    CancellationFee,
}

impl LineKind {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Order => "order",
            Self::Refund => "refund",
            Self::CancellationFee => "cancellation_fee",
        }
    }

    /// Parses a stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Order, Self::Refund, Self::CancellationFee]
            .into_iter()
            .find(|k| k.as_str() == raw)
    }
}

/// A line: an order, a refund of one (negative amounts) or a late-cancellation fee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettlementLine {
    /// What it settles.
    pub kind: LineKind,
    /// The order.
    pub order_id: i64,
    /// The refund, for an adjustment.
    pub refund_id: Option<i64>,
    /// Its amounts.
    pub totals: Totals,
}

/// Why a settlement operation was refused; nothing changed.
#[derive(Debug, thiserror::Error)]
pub enum SettlementError {
    /// No such batch within reach.
    #[error("no such settlement")]
    NotFound,
    /// The caller may not do this.
    #[error("only a street admin over the provider's communities may do this")]
    Forbidden,
    /// Paying out a batch nobody approved.
    #[error("the settlement is not approved")]
    NotApproved,
    /// The batch is past this step.
    #[error("the settlement is {} already", .0.as_str())]
    AlreadyDone(SettlementState),
    /// The payout reference is missing or too long.
    #[error("the reference must be 1–64 characters")]
    BadReference,
    /// Provider checks failed.
    #[error(transparent)]
    Provider(#[from] OfferingError),
    /// Another run settled some of the same orders first.
    #[error("another settlement run took these orders")]
    Contended,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for SettlementError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

impl From<books::BooksError> for SettlementError {
    fn from(e: books::BooksError) -> Self {
        match e {
            books::BooksError::Store(s) => Self::Store(s),
            _ => Self::Contended,
        }
    }
}

impl TransactionError for SettlementError {
    fn as_diesel(&self) -> Option<&diesel::result::Error> {
        match self {
            Self::Store(e) => e.as_diesel(),
            _ => None,
        }
    }
}

pub(crate) type SettlementRow = (
    i64,
    i64,
    NaiveDateTime,
    NaiveDateTime,
    String,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    NaiveDateTime,
);

#[expect(
    clippy::type_complexity,
    reason = "the tuple of columns is the type diesel selects"
)]
pub(crate) const SETTLEMENT_COLUMNS: (
    paid_settlements::id,
    paid_settlements::organization_id,
    paid_settlements::period_start,
    paid_settlements::period_end,
    paid_settlements::state,
    paid_settlements::line_count,
    paid_settlements::gross_fen,
    paid_settlements::subsidy_fen,
    paid_settlements::points_fen,
    paid_settlements::copay_fen,
    paid_settlements::commission_fen,
    paid_settlements::net_fen,
    paid_settlements::created_at,
) = (
    paid_settlements::id,
    paid_settlements::organization_id,
    paid_settlements::period_start,
    paid_settlements::period_end,
    paid_settlements::state,
    paid_settlements::line_count,
    paid_settlements::gross_fen,
    paid_settlements::subsidy_fen,
    paid_settlements::points_fen,
    paid_settlements::copay_fen,
    paid_settlements::commission_fen,
    paid_settlements::net_fen,
    paid_settlements::created_at,
);

/// Who approved and who paid a batch, as stored.
type ReviewRow = (
    i64,
    NaiveDateTime,
    Option<i64>,
    Option<String>,
    Option<NaiveDateTime>,
);

pub(crate) fn settlement_of(
    conn: &mut AnyConnection,
    r: SettlementRow,
) -> Result<Settlement, StoreError> {
    let review: Option<ReviewRow> = paid_settlement_reviews::table
        .find(r.0)
        .select((
            paid_settlement_reviews::approved_by,
            paid_settlement_reviews::approved_at,
            paid_settlement_reviews::paid_by,
            paid_settlement_reviews::paid_reference,
            paid_settlement_reviews::paid_at,
        ))
        .first(conn)
        .optional()?;
    let state = SettlementState::parse(&r.4).ok_or_else(|| {
        StoreError::Query(diesel::result::Error::DeserializationError(
            "unexpected settlement state".into(),
        ))
    })?;
    Ok(Settlement {
        id: SettlementId(r.0),
        organization: OrganizationId(r.1),
        period_start: r.2,
        period_end: r.3,
        state,
        line_count: r.5,
        totals: Totals {
            gross: Fen(r.6),
            subsidy: Fen(r.7),
            points: Fen(r.8),
            copay: Fen(r.9),
            commission: Fen(r.10),
            net: Fen(r.11),
        },
        approved: review.as_ref().map(|v| (UserId(v.0), v.1)),
        paid: review.and_then(|v| Some((v.2.map(UserId), v.3?, v.4?))),
        created_at: r.12,
    })
}

/// One batch.
pub fn settlement(
    conn: &mut AnyConnection,
    id: SettlementId,
) -> Result<Option<Settlement>, StoreError> {
    let row: Option<SettlementRow> = paid_settlements::table
        .find(id.0)
        .select(SETTLEMENT_COLUMNS)
        .first(conn)
        .optional()?;
    row.map(|r| settlement_of(conn, r)).transpose()
}

/// A batch's lines: its orders, then its late-cancellation fees (each by order), then its
/// refunds — the rows the batch claimed, read by its id.
pub fn lines(
    conn: &mut AnyConnection,
    id: SettlementId,
) -> Result<Vec<SettlementLine>, StoreError> {
    let claimed = || {
        paid_order_money::table
            .filter(paid_order_money::settlement_id.eq(id.0))
            .order(paid_order_money::order_id)
    };
    let orders: Vec<(i64, i64, i64, i64, i64, i64)> = claimed()
        .filter(paid_order_money::confirmed_at.is_not_null())
        .select((
            paid_order_money::order_id,
            paid_order_money::gross_fen,
            paid_order_money::subsidy_fen,
            paid_order_money::points_fen,
            paid_order_money::copay_fen,
            paid_order_money::commission_fen,
        ))
        .load(conn)?;
    let fees: Vec<(i64, i64, i64)> = claimed()
        .filter(paid_order_money::confirmed_at.is_null())
        .select((
            paid_order_money::order_id,
            paid_order_money::cancellation_fee_fen,
            paid_order_money::cancellation_commission_fen,
        ))
        .load(conn)?;
    let refunds: Vec<(i64, i64, i64, i64, i64, i64, i64)> = paid_refunds::table
        .filter(paid_refunds::settlement_id.eq(id.0))
        .order(paid_refunds::id)
        .select((
            paid_refunds::order_id,
            paid_refunds::id,
            paid_refunds::amount_fen,
            paid_refunds::subsidy_fen,
            paid_refunds::points_fen,
            paid_refunds::copay_fen,
            paid_refunds::commission_fen,
        ))
        .load(conn)?;
    let line = |kind, order_id, refund_id, amounts: [i64; 5]| {
        let [gross, subsidy, points, copay, commission] = amounts;
        SettlementLine {
            kind,
            order_id,
            refund_id,
            totals: Totals {
                gross: Fen(gross),
                subsidy: Fen(subsidy),
                points: Fen(points),
                copay: Fen(copay),
                commission: Fen(commission),
                net: Fen(gross - copay - commission),
            },
        }
    };
    let mut out = Vec::with_capacity(orders.len() + fees.len() + refunds.len());
    out.extend(
        orders
            .into_iter()
            .map(|(o, g, s, p, c, m)| line(LineKind::Order, o, None, [g, s, p, c, m])),
    );
    out.extend(
        fees.into_iter()
            .map(|(o, fee, m)| line(LineKind::CancellationFee, o, None, [fee, 0, 0, fee, m])),
    );
    out.extend(
        refunds
            .into_iter()
            .map(|(o, r, a, s, p, c, m)| line(LineKind::Refund, o, Some(r), [-a, -s, -p, -c, -m])),
    );
    Ok(out)
}

mod claims;
mod drafting;
mod reading;
mod review;

pub use claims::*;
pub use drafting::*;
pub use reading::*;
pub use review::*;
