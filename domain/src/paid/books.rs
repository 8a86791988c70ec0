//! The CNY money ledger (books): the same double-entry discipline as the points ledger, in its
//! own tables. Every movement is a transfer from one account to another under an idempotency
//! key; its two entries and both cached balances change in one transaction; accounts that may
//! not go negative are guarded by statement and CHECK; entries and transfers are append-only
//! (triggers). The sum of all balances is always zero, which [`reconcile`] proves.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::ProgramId;
use super::money::Fen;
use crate::accounts::UserId;
use crate::db::{AnyConnection, StoreError, TransactionError, is_unique_violation};
use crate::organizations::OrganizationId;
use crate::schema::{money_accounts, money_entries, money_transfers};

/// Identifies a money account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MoneyAccountId(pub i64);

/// Whose money account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MoneyOwner {
    /// A resident: negative while they owe co-payments.
    Resident(UserId),
    /// A provider: what the platform owes it.
    Provider(OrganizationId),
    /// A programme's unspent funds.
    Programme(ProgramId),
    /// The platform's commission.
    Commission,
    /// Money entering or leaving the books (funding, payouts, community points compensation).
    Clearing,
}

impl MoneyOwner {
    fn kind(self) -> &'static str {
        match self {
            Self::Resident(_) => "resident",
            Self::Provider(_) => "provider",
            Self::Programme(_) => "programme",
            Self::Commission => "commission",
            Self::Clearing => "clearing",
        }
    }

    fn may_go_negative(self) -> bool {
        matches!(self, Self::Resident(_) | Self::Provider(_) | Self::Clearing)
    }
}

/// One movement to post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Movement {
    /// Unique per intended movement: a retry finds the first posting.
    pub key: String,
    /// Whose balance goes down.
    pub from: MoneyOwner,
    /// Whose balance goes up.
    pub to: MoneyOwner,
    /// How much (positive).
    pub amount: Fen,
    /// What caused it, e.g. `order`.
    pub cause_type: &'static str,
    /// Its id.
    pub cause_id: String,
    /// A line for statements.
    pub memo: String,
}

/// Why a movement was refused; nothing moved.
#[derive(Debug, thiserror::Error)]
pub enum BooksError {
    /// The account may not go below zero (a programme's funds, the commission).
    #[error("the account holds only {available}")]
    Insufficient {
        /// What it holds.
        available: Fen,
    },
    /// The key was used for another movement.
    #[error("the key was used for a different movement")]
    KeyReused,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for BooksError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

impl TransactionError for BooksError {
    fn as_diesel(&self) -> Option<&diesel::result::Error> {
        match self {
            Self::Store(e) => e.as_diesel(),
            Self::Insufficient { .. } | Self::KeyReused => None,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = money_accounts)]
struct NewAccountRow {
    kind: &'static str,
    user_id: Option<i64>,
    organization_id: Option<i64>,
    program_id: Option<i64>,
    balance: i64,
    may_go_negative: bool,
    created_at: NaiveDateTime,
}

/// The account of `owner`, opened on first use; opening races are settled by the unique
/// indexes (the loser finds the winner's account).
pub fn account_for(
    conn: &mut AnyConnection,
    owner: MoneyOwner,
    now: NaiveDateTime,
) -> Result<(MoneyAccountId, Fen), StoreError> {
    if let Some(found) = find_account(conn, owner)? {
        return Ok(found);
    }
    let (user_id, organization_id, program_id) = match owner {
        MoneyOwner::Resident(u) => (Some(u.0), None, None),
        MoneyOwner::Provider(o) => (None, Some(o.0), None),
        MoneyOwner::Programme(p) => (None, None, Some(p.0)),
        MoneyOwner::Commission | MoneyOwner::Clearing => (None, None, None),
    };
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(money_accounts::table)
            .values(&NewAccountRow {
                kind: owner.kind(),
                user_id,
                organization_id,
                program_id,
                balance: 0,
                may_go_negative: owner.may_go_negative(),
                created_at: now,
            })
            .execute(conn)
    });
    match inserted {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => {}
        Err(e) => return Err(e.into()),
    }
    find_account(conn, owner)?.ok_or_else(|| StoreError::Query(diesel::result::Error::NotFound))
}

/// The account of `owner` and its balance, if ever opened.
pub fn find_account(
    conn: &mut AnyConnection,
    owner: MoneyOwner,
) -> Result<Option<(MoneyAccountId, Fen)>, StoreError> {
    let query = money_accounts::table
        .filter(money_accounts::kind.eq(owner.kind()))
        .select((money_accounts::id, money_accounts::balance))
        .into_boxed();
    let query = match owner {
        MoneyOwner::Resident(u) => query.filter(money_accounts::user_id.eq(u.0)),
        MoneyOwner::Provider(o) => query.filter(money_accounts::organization_id.eq(o.0)),
        MoneyOwner::Programme(p) => query.filter(money_accounts::program_id.eq(p.0)),
        MoneyOwner::Commission | MoneyOwner::Clearing => query,
    };
    Ok(query
        .first::<(i64, i64)>(conn)
        .optional()?
        .map(|(id, balance)| (MoneyAccountId(id), Fen(balance))))
}

/// The balance of `owner` (zero when never opened).
pub fn balance(conn: &mut AnyConnection, owner: MoneyOwner) -> Result<Fen, StoreError> {
    Ok(find_account(conn, owner)?.map_or(Fen::ZERO, |(_, b)| b))
}

#[derive(Insertable)]
#[diesel(table_name = money_transfers)]
struct NewTransferRow<'a> {
    idempotency_key: &'a str,
    debit_account_id: i64,
    credit_account_id: i64,
    amount: i64,
    cause_type: &'a str,
    cause_id: &'a str,
    memo: &'a str,
    created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = money_entries)]
struct NewEntryRow {
    transfer_id: i64,
    account_id: i64,
    amount: i64,
    balance_after: i64,
    created_at: NaiveDateTime,
}

/// Posts a movement, the one way money moves; zero amounts post nothing. A retry with the
/// same key and content finds the first posting (true when it was posted now).
pub fn post(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    movement: &Movement,
) -> Result<bool, BooksError> {
    if movement.amount.0 == 0 {
        return Ok(false);
    }
    let (amount, from_owner, to_owner) = if movement.amount.0 > 0 {
        (movement.amount.0, movement.from, movement.to)
    } else {
        (-movement.amount.0, movement.to, movement.from)
    };
    let (from, _) = account_for(conn, from_owner, now)?;
    let (to, _) = account_for(conn, to_owner, now)?;
    let stored: Option<(i64, i64, i64)> = money_transfers::table
        .filter(money_transfers::idempotency_key.eq(&movement.key))
        .select((
            money_transfers::debit_account_id,
            money_transfers::credit_account_id,
            money_transfers::amount,
        ))
        .first(conn)
        .optional()?;
    if let Some(found) = stored {
        return if found == (from.0, to.0, amount) {
            Ok(false)
        } else {
            Err(BooksError::KeyReused)
        };
    }
    let id: i64 = diesel::insert_into(money_transfers::table)
        .values(&NewTransferRow {
            idempotency_key: &movement.key,
            debit_account_id: from.0,
            credit_account_id: to.0,
            amount,
            cause_type: movement.cause_type,
            cause_id: &movement.cause_id,
            memo: &movement.memo,
            created_at: now,
        })
        .returning(money_transfers::id)
        .get_result(conn)?;
    // Accounts are moved in id order, so opposite movements never deadlock.
    let order = if from < to {
        [(from, -amount), (to, amount)]
    } else {
        [(to, amount), (from, -amount)]
    };
    for (account, signed) in order {
        let after: Option<i64> = diesel::update(
            money_accounts::table
                .filter(money_accounts::id.eq(account.0))
                .filter(
                    money_accounts::may_go_negative
                        .eq(true)
                        .or(money_accounts::balance.ge(-signed)),
                ),
        )
        .set(money_accounts::balance.eq(money_accounts::balance + signed))
        .returning(money_accounts::balance)
        .get_result(conn)
        .optional()?;
        let Some(after) = after else {
            let held = money_accounts::table
                .find(account.0)
                .select(money_accounts::balance)
                .first::<i64>(conn)?;
            return Err(BooksError::Insufficient {
                available: Fen(held),
            });
        };
        diesel::insert_into(money_entries::table)
            .values(&NewEntryRow {
                transfer_id: id,
                account_id: account.0,
                amount: signed,
                balance_after: after,
                created_at: now,
            })
            .execute(conn)?;
    }
    Ok(true)
}

/// What the nightly check and the tests prove about the books.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BooksReport {
    /// Transfers posted.
    pub transfers: i64,
    /// Sum of all cached balances (must be zero).
    pub balance_sum: i64,
    /// Accounts whose cached balance differs from the sum of their entries.
    pub mismatched_accounts: Vec<MoneyAccountId>,
    /// Transfers whose entries do not sum to zero.
    pub unbalanced_transfers: Vec<i64>,
}

impl BooksReport {
    /// True when everything holds.
    pub fn is_sound(&self) -> bool {
        self.balance_sum == 0
            && self.mismatched_accounts.is_empty()
            && self.unbalanced_transfers.is_empty()
    }
}

/// Reconciles the books: balances sum to zero, each equals its entries, each transfer's
/// entries sum to zero.
pub fn reconcile(conn: &mut AnyConnection) -> Result<BooksReport, StoreError> {
    let transfers: i64 = money_transfers::table.count().get_result(conn)?;
    let balances: Vec<(i64, i64)> = money_accounts::table
        .select((money_accounts::id, money_accounts::balance))
        .load(conn)?;
    let entries: Vec<(i64, i64, i64)> = money_entries::table
        .select((
            money_entries::account_id,
            money_entries::transfer_id,
            money_entries::amount,
        ))
        .load(conn)?;
    let mut by_account = std::collections::BTreeMap::<i64, i64>::new();
    let mut by_transfer = std::collections::BTreeMap::<i64, i64>::new();
    for (account, transfer, amount) in entries {
        *by_account.entry(account).or_default() += amount;
        *by_transfer.entry(transfer).or_default() += amount;
    }
    Ok(BooksReport {
        transfers,
        balance_sum: balances.iter().map(|(_, b)| b).sum(),
        mismatched_accounts: balances
            .iter()
            .filter(|(id, b)| by_account.get(id).copied().unwrap_or(0) != *b)
            .map(|(id, _)| MoneyAccountId(*id))
            .collect(),
        unbalanced_transfers: by_transfer
            .into_iter()
            .filter(|(_, sum)| *sum != 0)
            .map(|(id, _)| id)
            .collect(),
    })
}
