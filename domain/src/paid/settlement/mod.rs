//! Settlement: one batch per provider and period settles every confirmed order, late-
//! cancellation fee and refund of the provider not settled before (late refunds roll into the
//! next batch). Each of those events took the next number of the provider's settlement
//! sequence when it became settleable ([`entries`]); a batch owns the contiguous range of
//! numbers after the provider's previous batch, up to the last event before the period end, so
//! every event is settled exactly once without marking its row, and a second run for the same
//! provider and period finds the first batch. A batch's lines and totals are read from its
//! range. The period is the provider's contract's (weekly or monthly). Batches go draft →
//! approved (a street admin over the provider's communities) → paid (reference recorded; the
//! net leaves the provider's account).
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
use crate::schema::{paid_settlement_reviews, paid_settlements};

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
    /// The provider's settlement entries it holds: numbers after the first, up to the second.
    pub range: (i64, i64),
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
    i64,
    i64,
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
    paid_settlements::from_seq,
    paid_settlements::to_seq,
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
    paid_settlements::from_seq,
    paid_settlements::to_seq,
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
        range: (r.13, r.14),
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
/// refunds — the entries of its range.
pub fn lines(
    conn: &mut AnyConnection,
    batch: &Settlement,
) -> Result<Vec<SettlementLine>, StoreError> {
    entries::lines_in(conn, batch.organization, batch.range.0, batch.range.1)
}

mod claims;
mod drafting;
pub(crate) mod entries;
mod reading;
mod review;

pub use claims::*;
pub use drafting::*;
pub use reading::*;
pub use review::*;
