//! Lots: the points a person received together, so they expire first in, first out.
//!
//! Only the ledger's write path ([`super::store`]) changes lots, always after it has moved the
//! account's balance — so the account row is locked and lots of one account never race. A
//! person's open lots always hold exactly their balance; the reconciliation checks it.

use chrono::{Months, NaiveDateTime};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::Bool;

use super::{AccountId, TransferId};
use crate::areas::AreaId;
use crate::db::{AnyConnection, StoreError};
use crate::points_policy::usecases::in_force_on;
use crate::schema::{ledger_accounts, ledger_lot_uses, ledger_lots};

/// Identifies a lot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LotId(pub i64);

/// Which lots a debit takes first, before the soonest-expiring ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefer {
    /// The lots a transfer brought in: a reversal takes back what it reverses.
    SourcedBy(TransferId),
}

/// Where a lot's points came from and when they lapse, carried when points move between
/// people so a gift does not renew them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Taken {
    community: Option<i64>,
    expires_at: Option<NaiveDateTime>,
    amount: i64,
}

/// A lot whose time ran out with points still in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueLot {
    /// The lot.
    pub id: LotId,
    /// Whose.
    pub account: AccountId,
    /// Whose expiry account takes the points.
    pub community: AreaId,
}

/// Points of one person that lapse soon, for the advance notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expiring {
    /// The person account.
    pub account: AccountId,
    /// Points that lapse in the window.
    pub points: i64,
    /// The first date any of them lapses.
    pub first_expiry: NaiveDateTime,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = ledger_lots)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct OpenLot {
    id: i64,
    source_transfer_id: Option<i64>,
    community_id: Option<i64>,
    remaining: i64,
    expires_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = ledger_lots)]
struct NewLot {
    account_id: i64,
    source_transfer_id: Option<i64>,
    community_id: Option<i64>,
    amount: i64,
    remaining: i64,
    expires_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
}

/// Takes `amount` from the open lots of `account` for debit `transfer`: the preferred lots
/// first, then the soonest to expire (never-expiring last), oldest first among equals.
pub(crate) fn take(
    conn: &mut AnyConnection,
    account: AccountId,
    transfer: TransferId,
    amount: i64,
    prefer: Option<Prefer>,
) -> Result<Vec<Taken>, StoreError> {
    let mut open: Vec<OpenLot> = ledger_lots::table
        .filter(ledger_lots::account_id.eq(account.0))
        .filter(still_open())
        .order((
            sql::<Bool>("expires_at IS NULL"),
            ledger_lots::expires_at,
            ledger_lots::id,
        ))
        .select(OpenLot::as_select())
        .load(conn)?;
    if let Some(Prefer::SourcedBy(source)) = prefer {
        // Stable: the preferred lots move to the front, each group keeps its order.
        open.sort_by_key(|lot| lot.source_transfer_id != Some(source.0));
    }
    let mut left = amount;
    let mut taken = Vec::new();
    for lot in open {
        if left == 0 {
            break;
        }
        let part = left.min(lot.remaining);
        diesel::update(ledger_lots::table.find(lot.id))
            .set(ledger_lots::remaining.eq(ledger_lots::remaining - part))
            .execute(conn)?;
        diesel::insert_into(ledger_lot_uses::table)
            .values((
                ledger_lot_uses::transfer_id.eq(transfer.0),
                ledger_lot_uses::lot_id.eq(lot.id),
                ledger_lot_uses::amount.eq(part),
            ))
            .execute(conn)?;
        taken.push(Taken {
            community: lot.community_id,
            expires_at: lot.expires_at,
            amount: part,
        });
        left -= part;
    }
    if left != 0 {
        // The balance guard let the debit through, so the lots must cover it.
        return Err(StoreError::Query(
            diesel::result::Error::DeserializationError(
                format!(
                    "the lots of account {} hold less than its balance",
                    account.0
                )
                .into(),
            ),
        ));
    }
    Ok(taken)
}

/// Gives back to `account` what debit `transfer` took from its lots (a reversal, a released
/// hold), with their original expiry. Returns the points given back.
pub(crate) fn restore(
    conn: &mut AnyConnection,
    account: AccountId,
    transfer: TransferId,
) -> Result<i64, StoreError> {
    let uses: Vec<(i64, i64)> = ledger_lot_uses::table
        .inner_join(ledger_lots::table)
        .filter(ledger_lot_uses::transfer_id.eq(transfer.0))
        .filter(ledger_lots::account_id.eq(account.0))
        .select((ledger_lot_uses::lot_id, ledger_lot_uses::amount))
        .load(conn)?;
    let mut restored = 0;
    for (lot, amount) in uses {
        diesel::update(ledger_lots::table.find(lot))
            .set(ledger_lots::remaining.eq(ledger_lots::remaining + amount))
            .execute(conn)?;
        restored += amount;
    }
    Ok(restored)
}

/// Opens lots in `account` for `amount` points credited by `transfer`. Points from another
/// person keep the expiry of the lots they were taken from (`carried`); new points expire by
/// the policy in force in the community that issued them (`issuer`: the debited system
/// account's community, or for an organization's credit the recipient's home community), or
/// never when that community's policy has no expiry or there is no such community.
pub(crate) fn open(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    account: AccountId,
    transfer: TransferId,
    amount: i64,
    carried: &[Taken],
    issuer: Option<AreaId>,
) -> Result<(), StoreError> {
    let mut lots = Vec::new();
    if carried.is_empty() {
        let expires_at = match issuer {
            Some(community) => in_force_on(conn, community, now.date())?
                .terms
                .expiry_months
                .and_then(|months| u32::try_from(months).ok())
                .and_then(|months| now.checked_add_months(Months::new(months))),
            None => None,
        };
        lots.push((issuer.map(|c| c.0), expires_at, amount));
    } else {
        let mut left = amount;
        for part in carried {
            let amount = part.amount.min(left);
            if amount > 0 {
                lots.push((part.community, part.expires_at, amount));
            }
            left -= amount;
        }
    }
    // One statement per lot: multi-row inserts are not expressible over both engines at once.
    for (community, expires_at, amount) in lots {
        diesel::insert_into(ledger_lots::table)
            .values(&NewLot {
                account_id: account.0,
                source_transfer_id: Some(transfer.0),
                community_id: expires_at.and(community),
                amount,
                remaining: amount,
                expires_at,
                created_at: now,
            })
            .execute(conn)?;
    }
    Ok(())
}

/// Up to `limit` lots that lapsed by `now` with points in them, oldest expiry first.
pub fn due(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    limit: i64,
) -> Result<Vec<DueLot>, StoreError> {
    let rows: Vec<(i64, i64, Option<i64>)> = ledger_lots::table
        .filter(still_open())
        .filter(ledger_lots::expires_at.le(now))
        .order((ledger_lots::expires_at, ledger_lots::id))
        .limit(limit)
        .select((
            ledger_lots::id,
            ledger_lots::account_id,
            ledger_lots::community_id,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, account, community)| {
            Some(DueLot {
                id: LotId(id),
                account: AccountId(account),
                community: AreaId(community?),
            })
        })
        .collect())
}

/// Per person, the points that lapse by `until` and were not announced yet; marks them
/// announced in the same statement, so each lot is announced once.
pub fn announce_expiring(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> Result<Vec<Expiring>, StoreError> {
    let pending = ledger_lots::table
        .filter(still_open())
        .filter(ledger_lots::notified_at.is_null())
        .filter(ledger_lots::expires_at.gt(now))
        .filter(ledger_lots::expires_at.le(until));
    let marked: Vec<(i64, i64, Option<NaiveDateTime>)> = diesel::update(pending)
        .set(ledger_lots::notified_at.eq(now))
        .returning((
            ledger_lots::account_id,
            ledger_lots::remaining,
            ledger_lots::expires_at,
        ))
        .load(conn)?;
    let mut by_account: std::collections::BTreeMap<i64, Expiring> = Default::default();
    for (account, points, expires_at) in marked {
        let Some(expires_at) = expires_at else {
            continue;
        };
        by_account
            .entry(account)
            .and_modify(|e| {
                e.points += points;
                e.first_expiry = e.first_expiry.min(expires_at);
            })
            .or_insert(Expiring {
                account: AccountId(account),
                points,
                first_expiry: expires_at,
            });
    }
    Ok(by_account.into_values().collect())
}

/// Person accounts whose open lots do not hold exactly their balance.
pub(crate) fn mismatches(conn: &mut AnyConnection) -> Result<Vec<AccountId>, StoreError> {
    Ok(ledger_accounts::table
        .filter(ledger_accounts::kind.eq("person"))
        .filter(sql::<Bool>(
            // `remaining > 0` lets both engines sum through the open-lots index instead of
            // reading every lot once per person.
            "balance <> (SELECT COALESCE(SUM(l.remaining), 0) FROM ledger_lots l \
             WHERE l.account_id = ledger_accounts.id AND l.remaining > 0)",
        ))
        .select(ledger_accounts::id)
        .load::<i64>(conn)?
        .into_iter()
        .map(AccountId)
        .collect())
}

/// Lots with points left, written as the literal the partial indexes of open lots carry: a
/// bound `0` keeps SQLite (and PostgreSQL's generic plans) off them, so every debit and every
/// expiry batch would read all lots ever opened.
fn still_open() -> diesel::expression::SqlLiteral<Bool> {
    sql::<Bool>("remaining > 0")
}
