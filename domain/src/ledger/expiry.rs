//! Expiring lapsed lots in sets: a million lots must not take a million round trips.
//!
//! This is the ledger's one bulk write. It writes exactly what [`super::store::post`] would for
//! each lot — a keyed `expire` transfer from the person to the issuing community's expiry
//! account, its two entries with running balances, the lot use, both balances — but with a
//! handful of statements per batch. The reconciliation checks its work like any other.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::lots::{self, DueLot};
use super::{AccountId, AccountKind, AccountOwner, store};
use crate::areas::AreaId;
use crate::db::{AnyConnection, StoreError};
use crate::schema::ledger_transfers;

/// What one batch expired.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expired {
    /// Lots emptied.
    pub lots: u64,
    /// Points moved.
    pub points: i64,
    /// Points moved per (person account, expiry account).
    pub moves: Vec<(AccountId, AccountId, i64)>,
}

#[derive(QueryableByName)]
struct Move {
    #[diesel(sql_type = BigInt)]
    debit: i64,
    #[diesel(sql_type = BigInt)]
    credit: i64,
    #[diesel(sql_type = BigInt)]
    lots: i64,
    #[diesel(sql_type = BigInt)]
    points: i64,
}

/// Expires up to `limit` lots that lapsed by `now`, soonest first. Call inside
/// [`crate::db::write`]; each lot's transfer is keyed by the lot and how often it was drawn on,
/// so a batch retried after a crash finds the lots empty and moves nothing twice.
pub fn expire_due(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    limit: i64,
) -> Result<Expired, StoreError> {
    let due = lots::due(conn, now, limit)?;
    let mut communities: Vec<AreaId> = due.iter().map(|lot| lot.community).collect();
    communities.sort_unstable();
    communities.dedup();
    let mut expired = Expired::default();
    for community in communities {
        let ids: Vec<i64> = due
            .iter()
            .filter(|lot| lot.community == community)
            .map(|lot| lot.id.0)
            .collect();
        let batch = expire_lots_of(conn, now, community, &due, &ids)?;
        expired.lots += batch.lots;
        expired.points += batch.points;
        expired.moves.extend(batch.moves);
    }
    Ok(expired)
}

/// Expires `ids` (lots of `community`) to its expiry account.
fn expire_lots_of(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    community: AreaId,
    due: &[DueLot],
    ids: &[i64],
) -> Result<Expired, StoreError> {
    let owner = AccountOwner::System {
        community,
        kind: AccountKind::Expiry,
    };
    let expiry = store::account_for(conn, owner, now)?.id.0;
    // Ids come from the store as integers: inlining them is safe, and one literal list works
    // on both engines where a bound array does not.
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let (at, postgres) = match conn {
        AnyConnection::Postgresql(_) => (format!("TIMESTAMP '{}'", stamp(now)), true),
        AnyConnection::Sqlite(_) => (format!("'{}'", stamp(now)), false),
    };
    if postgres {
        // Lock the accounts in id order, as every posting does, before reading what the lots
        // hold: nothing can draw on them meanwhile, and no two writers deadlock.
        let mut accounts: Vec<i64> = due
            .iter()
            .filter(|lot| ids.contains(&lot.id.0))
            .map(|lot| lot.account.0)
            .chain([expiry])
            .collect();
        accounts.sort_unstable();
        accounts.dedup();
        let accounts = accounts
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        diesel::sql_query(format!(
            "SELECT id FROM ledger_accounts WHERE id IN ({accounts}) ORDER BY id FOR UPDATE"
        ))
        .execute(conn)?;
    }
    let before: Option<i64> = ledger_transfers::table
        .select(diesel::dsl::max(ledger_transfers::id))
        .first(conn)?;
    let before = before.unwrap_or(0);
    // `|| ''` keeps SQLite off the cause index, which would read every lot expiry ever made
    // instead of this batch's id range.
    let ours = format!(
        "t.id > {before} AND t.kind = 'expire' AND t.cause_type || '' = 'lot' \
         AND t.credit_account_id = {expiry}"
    );
    let statements = [
        format!(
            "INSERT INTO ledger_transfers (idempotency_key, kind, debit_account_id, \
             credit_account_id, amount, cause_type, cause_id, memo, created_at) \
             SELECT 'lot-expiry:' || l.id || ':' || \
                 (SELECT COUNT(*) FROM ledger_lot_uses u WHERE u.lot_id = l.id), \
                 'expire', l.account_id, {expiry}, l.remaining, 'lot', CAST(l.id AS TEXT), '', {at} \
             FROM ledger_lots l WHERE l.id IN ({list}) AND l.remaining > 0 ORDER BY l.id"
        ),
        format!(
            "INSERT INTO ledger_entries (transfer_id, account_id, amount, balance_after, created_at) \
             SELECT t.id, t.debit_account_id, -t.amount, \
                 a.balance - SUM(t.amount) OVER (PARTITION BY t.debit_account_id ORDER BY t.id), {at} \
             FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.debit_account_id \
             WHERE {ours}"
        ),
        format!(
            "INSERT INTO ledger_entries (transfer_id, account_id, amount, balance_after, created_at) \
             SELECT t.id, t.credit_account_id, t.amount, \
                 a.balance + SUM(t.amount) OVER (ORDER BY t.id), {at} \
             FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.credit_account_id \
             WHERE {ours}"
        ),
        format!(
            "INSERT INTO ledger_lot_uses (transfer_id, lot_id, amount) \
             SELECT t.id, CAST(t.cause_id AS BIGINT), t.amount FROM ledger_transfers t WHERE {ours}"
        ),
        // One grouped pass joined to the accounts: a correlated sum per account would read
        // the batch's transfers once for every person in it.
        format!(
            "UPDATE ledger_accounts SET balance = balance - s.total \
             FROM (SELECT t.debit_account_id AS id, SUM(t.amount) AS total \
                 FROM ledger_transfers t WHERE {ours} GROUP BY t.debit_account_id) AS s \
             WHERE ledger_accounts.id = s.id"
        ),
        format!(
            "UPDATE ledger_accounts SET balance = balance + (SELECT COALESCE(SUM(t.amount), 0) \
                 FROM ledger_transfers t WHERE {ours}) WHERE id = {expiry}"
        ),
        format!("UPDATE ledger_lots SET remaining = 0 WHERE id IN ({list}) AND remaining > 0"),
    ];
    for statement in &statements {
        diesel::sql_query(statement).execute(conn)?;
    }
    let moves: Vec<Move> = diesel::sql_query(format!(
        "SELECT t.debit_account_id AS debit, t.credit_account_id AS credit, \
             CAST(COUNT(*) AS BIGINT) AS lots, CAST(SUM(t.amount) AS BIGINT) AS points \
         FROM ledger_transfers t WHERE {ours} \
         GROUP BY t.debit_account_id, t.credit_account_id"
    ))
    .load(conn)?;
    Ok(Expired {
        lots: moves
            .iter()
            .map(|m| u64::try_from(m.lots).unwrap_or(0))
            .sum(),
        points: moves.iter().map(|m| m.points).sum(),
        moves: moves
            .into_iter()
            .map(|m| (AccountId(m.debit), AccountId(m.credit), m.points))
            .collect(),
    })
}

/// A timestamp as both engines store and compare it.
fn stamp(at: NaiveDateTime) -> String {
    at.format("%F %T%.f").to_string()
}
