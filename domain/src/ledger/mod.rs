//! The points ledger: double entry, append-only, idempotent.
//!
//! Volunteers trust points only if none is ever lost or counted twice. Every movement is a
//! [`Transfer`] between two accounts, posted through [`store::post`] — the one write path — with
//! an idempotency key; its two entries and both cached balances change in the same transaction,
//! person accounts cannot go below zero (guarded statement + CHECK), entries and transfers cannot
//! be changed (triggers), and corrections are reversals linked to what they correct.

pub mod awards;
pub mod bulk;
pub mod clearing;
pub mod earning;
pub mod expiry;
pub mod lots;
pub mod monthly;
pub mod rules;
pub mod settlement;
pub mod store;
pub mod usecases;

use chrono::NaiveDateTime;

use crate::accounts::UserId;
use crate::areas::AreaId;
use crate::db::{StoreError, TransactionError};
use crate::organizations::OrganizationId;

/// Identifies a ledger account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(pub i64);

/// Identifies a posted transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TransferId(pub i64);

/// Identifies a hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HoldId(pub i64);

/// Whole points; amounts of transfers are positive, balances may be negative only for the
/// accounts that issue or clear points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Points(pub i64);

/// What an account is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountKind {
    /// A person's points.
    Person,
    /// An organization's points (e.g. a team's pool).
    Organization,
    /// A community's source of new points: its negative balance is the points it has issued.
    Issuance,
    /// Where redeemed points end up.
    Redemption,
    /// Where expired points end up.
    Expiry,
    /// The community donation pool (爱心基金).
    DonationPool,
    /// A community's position towards the others of its street (通存通兑).
    Clearing,
    /// Points on hold for redemptions not yet fulfilled.
    Escrow,
}

impl AccountKind {
    /// Every kind.
    pub const ALL: [AccountKind; 8] = [
        Self::Person,
        Self::Organization,
        Self::Issuance,
        Self::Redemption,
        Self::Expiry,
        Self::DonationPool,
        Self::Clearing,
        Self::Escrow,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Person => "person",
            Self::Organization => "organization",
            Self::Issuance => "issuance",
            Self::Redemption => "redemption",
            Self::Expiry => "expiry",
            Self::DonationPool => "donation_pool",
            Self::Clearing => "clearing",
            Self::Escrow => "escrow",
        }
    }

    /// The kind stored as `raw`.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }

    /// Only the accounts that create or clear points may go below zero.
    pub fn may_go_negative(self) -> bool {
        matches!(self, Self::Issuance | Self::Clearing)
    }
}

/// Whose account it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountOwner {
    /// A person's own account.
    Person(UserId),
    /// An organization's account.
    Organization(OrganizationId),
    /// A named system account of a community.
    System {
        /// The community.
        community: AreaId,
        /// Which one (never Person or Organization).
        kind: AccountKind,
    },
}

impl AccountOwner {
    /// The account kind this owner has.
    pub fn kind(self) -> AccountKind {
        match self {
            Self::Person(_) => AccountKind::Person,
            Self::Organization(_) => AccountKind::Organization,
            Self::System { kind, .. } => kind,
        }
    }
}

/// An account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Its id.
    pub id: AccountId,
    /// Its owner.
    pub owner: AccountOwner,
    /// Cached sum of its entries.
    pub balance: Points,
}

/// Why points moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransferKind {
    /// Earned by confirmed help.
    Earn,
    /// Granted by staff, e.g. from the donation pool.
    Grant,
    /// Set aside for a redemption.
    Hold,
    /// A hold fulfilled.
    Capture,
    /// A hold cancelled or lapsed.
    Release,
    /// Given to the donation pool or a relative.
    Donate,
    /// Moved between a person and another account by policy.
    Transfer,
    /// Expired by policy.
    Expire,
    /// Corrects an earlier transfer.
    Reverse,
    /// Settles positions between communities.
    Clearing,
}

impl TransferKind {
    /// Every kind.
    pub const ALL: [TransferKind; 10] = [
        Self::Earn,
        Self::Grant,
        Self::Hold,
        Self::Capture,
        Self::Release,
        Self::Donate,
        Self::Transfer,
        Self::Expire,
        Self::Reverse,
        Self::Clearing,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Earn => "earn",
            Self::Grant => "grant",
            Self::Hold => "hold",
            Self::Capture => "capture",
            Self::Release => "release",
            Self::Donate => "donate",
            Self::Transfer => "transfer",
            Self::Expire => "expire",
            Self::Reverse => "reverse",
            Self::Clearing => "clearing",
        }
    }

    /// The kind stored as `raw`.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

/// What caused a transfer, so a statement line links to its task, redemption or grant.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cause {
    /// Kind of cause, e.g. `task`, `redemption`, `grant`, `hold`.
    pub kind: String,
    /// Its id.
    pub id: String,
}

impl Cause {
    /// A cause of `kind` with `id`.
    pub fn new(kind: &str, id: impl ToString) -> Self {
        Self {
            kind: kind.to_owned(),
            id: id.to_string(),
        }
    }
}

/// A transfer to post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTransfer {
    /// Unique per intended movement; a retry with the same key finds the first posting.
    pub idempotency_key: String,
    /// Why.
    pub kind: TransferKind,
    /// The account points leave.
    pub debit: AccountId,
    /// The account points reach.
    pub credit: AccountId,
    /// How many, positive.
    pub amount: Points,
    /// What caused it.
    pub cause: Cause,
    /// Who made it happen.
    pub actor: Option<UserId>,
    /// Why, in words.
    pub memo: String,
}

/// A posted transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    /// Its id.
    pub id: TransferId,
    /// Its idempotency key.
    pub idempotency_key: String,
    /// Why.
    pub kind: TransferKind,
    /// The account points left.
    pub debit: AccountId,
    /// The account points reached.
    pub credit: AccountId,
    /// How many.
    pub amount: Points,
    /// What caused it.
    pub cause: Cause,
    /// The transfer it reverses.
    pub reverses: Option<TransferId>,
    /// Who made it happen.
    pub actor: Option<UserId>,
    /// Why, in words.
    pub memo: String,
    /// When it was posted.
    pub created_at: NaiveDateTime,
}

/// The result of posting: new, or the earlier posting of the same key and content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Posted {
    /// Posted now.
    New(Transfer),
    /// Posted before with this key; nothing moved this time.
    Replayed(Transfer),
}

impl Posted {
    /// The transfer either way.
    pub fn transfer(&self) -> &Transfer {
        match self {
            Self::New(t) | Self::Replayed(t) => t,
        }
    }
}

/// Why a transfer was refused; nothing moved.
#[derive(Debug, thiserror::Error)]
pub enum PostError {
    /// Amounts are positive whole points.
    #[error("the amount must be a positive number of points")]
    NotPositive,
    /// Points cannot move from an account to itself.
    #[error("points cannot move from an account to itself")]
    SameAccount,
    /// An account named does not exist.
    #[error("ledger account {0:?} does not exist")]
    UnknownAccount(AccountId),
    /// The debited account has too few points.
    #[error("the account holds {available:?}, fewer than asked")]
    Insufficient {
        /// What it holds.
        available: Points,
    },
    /// The key was used before for a different movement.
    #[error("the idempotency key was used for a different transfer")]
    KeyReused,
    /// The transfer to reverse does not exist.
    #[error("the transfer to reverse does not exist")]
    UnknownTransfer,
    /// A transfer is reversed at most once.
    #[error("the transfer was reversed already")]
    AlreadyReversed,
    /// A reversal is corrected by posting anew, not by reversing it.
    #[error("a reversal cannot be reversed")]
    NotReversible,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for PostError {
    fn from(error: diesel::result::Error) -> Self {
        Self::Store(StoreError::Query(error))
    }
}

impl TransactionError for PostError {
    fn as_diesel(&self) -> Option<&diesel::result::Error> {
        match self {
            Self::Store(store) => store.as_diesel(),
            _ => None,
        }
    }
}

/// Where a hold stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HoldStatus {
    /// Points in escrow.
    Open,
    /// Fulfilled: points went to redemption.
    Captured,
    /// Cancelled: points went back.
    Released,
    /// Lapsed: points went back.
    Expired,
}

impl HoldStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Captured => "captured",
            Self::Released => "released",
            Self::Expired => "expired",
        }
    }

    /// The status stored as `raw`.
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Open, Self::Captured, Self::Released, Self::Expired]
            .into_iter()
            .find(|s| s.as_str() == raw)
    }
}

/// A hold to place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewHold {
    /// Idempotency key of the hold transfer.
    pub idempotency_key: String,
    /// The person's (or organization's) account.
    pub account: AccountId,
    /// The community escrow account.
    pub escrow: AccountId,
    /// How many points.
    pub amount: Points,
    /// What it is for, e.g. a redemption.
    pub cause: Cause,
    /// When it lapses if still open.
    pub expires_at: NaiveDateTime,
    /// Who placed it.
    pub actor: Option<UserId>,
}

/// A hold as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    /// Its id.
    pub id: HoldId,
    /// The account the points came from.
    pub account: AccountId,
    /// The escrow account.
    pub escrow: AccountId,
    /// How many.
    pub amount: Points,
    /// Where it stands.
    pub status: HoldStatus,
    /// The transfer into escrow.
    pub hold_transfer: TransferId,
    /// The transfer out of escrow, once resolved.
    pub resolution_transfer: Option<TransferId>,
    /// What it is for.
    pub cause: Cause,
    /// When it lapses.
    pub expires_at: NaiveDateTime,
}

/// How a hold ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// Fulfilled: points go to this (redemption) account.
    Capture(AccountId),
    /// Cancelled: points go back.
    Release,
    /// Lapsed: points go back.
    Expire,
}

/// Why a hold could not be placed or resolved; nothing moved.
#[derive(Debug, thiserror::Error)]
pub enum HoldError {
    /// No such hold.
    #[error("the hold does not exist")]
    NotFound,
    /// It was resolved before.
    #[error("the hold is {0:?} already")]
    AlreadyResolved(HoldStatus),
    /// The transfer was refused.
    #[error(transparent)]
    Post(#[from] PostError),
}

impl From<diesel::result::Error> for HoldError {
    fn from(error: diesel::result::Error) -> Self {
        Self::Post(error.into())
    }
}

impl From<StoreError> for HoldError {
    fn from(error: StoreError) -> Self {
        Self::Post(error.into())
    }
}

impl TransactionError for HoldError {
    fn as_diesel(&self) -> Option<&diesel::result::Error> {
        match self {
            Self::Post(post) => post.as_diesel(),
            _ => None,
        }
    }
}

/// What a reconciliation found; every list empty and every sum zero means the ledger is sound.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reconciliation {
    /// Transfers checked.
    pub transfers: i64,
    /// Transfers whose entries do not sum to zero or are not exactly two.
    pub unbalanced_transfers: Vec<TransferId>,
    /// Sum of all balances (must be zero).
    pub balance_sum: i64,
    /// Accounts whose cached balance differs from the sum of their entries.
    pub mismatched_accounts: Vec<AccountId>,
    /// Accounts below zero that may not be.
    pub negative_accounts: Vec<AccountId>,
    /// Escrow accounts whose balance differs from their open holds.
    pub escrow_mismatches: Vec<AccountId>,
    /// Holds resolved more than once, or resolved without a resolution transfer.
    pub bad_holds: Vec<HoldId>,
    /// Person accounts whose open lots do not hold exactly their balance.
    pub lot_mismatches: Vec<AccountId>,
    /// Each community's clearing position towards the others of its street (通存通兑).
    pub clearing_positions: Vec<clearing::ClearingPosition>,
    /// Streets whose clearing positions do not sum to zero.
    pub unbalanced_streets: Vec<AreaId>,
}

impl Reconciliation {
    /// Whether every invariant holds.
    pub fn is_sound(&self) -> bool {
        self.unbalanced_transfers.is_empty()
            && self.balance_sum == 0
            && self.mismatched_accounts.is_empty()
            && self.negative_accounts.is_empty()
            && self.escrow_mismatches.is_empty()
            && self.bad_holds.is_empty()
            && self.lot_mismatches.is_empty()
            && self.unbalanced_streets.is_empty()
    }

    /// How many invariants are broken, counting each offending row once.
    pub fn violations(&self) -> usize {
        self.unbalanced_transfers.len()
            + self.mismatched_accounts.len()
            + self.negative_accounts.len()
            + self.escrow_mismatches.len()
            + self.bad_holds.len()
            + self.lot_mismatches.len()
            + self.unbalanced_streets.len()
            + usize::from(self.balance_sum != 0)
    }
}
