//! Monthly points statements (积分月结单): who had ledger activity in a month, what their month
//! adds up to, and the record that a statement was sent, one per person and month, so a job run
//! again sends nothing twice.

use chrono::NaiveDateTime;
use diesel::dsl::{exists, sql};
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::rules::{self, MonthlyFigures};
use super::store::statement_lines;
use super::{AccountId, AccountKind, Points};
use crate::accounts::UserId;
use crate::db::{AnyConnection, StoreError, is_unique_violation};
use crate::schema::{ledger_accounts, ledger_entries, ledger_holds, points_statements};

/// People whose accounts moved in `[from, to)`, by user id after `after`, at most `limit`.
pub fn people_active(
    conn: &mut AnyConnection,
    from: NaiveDateTime,
    to: NaiveDateTime,
    after: UserId,
    limit: i64,
) -> Result<Vec<(UserId, AccountId)>, StoreError> {
    let moved = ledger_entries::table
        .filter(ledger_entries::account_id.eq(ledger_accounts::id))
        .filter(ledger_entries::created_at.ge(from))
        .filter(ledger_entries::created_at.lt(to));
    let rows: Vec<(Option<i64>, i64)> = ledger_accounts::table
        .filter(ledger_accounts::kind.eq(AccountKind::Person.as_str()))
        .filter(ledger_accounts::user_id.gt(after.0))
        .filter(exists(moved))
        .order(ledger_accounts::user_id)
        .limit(limit)
        .select((ledger_accounts::user_id, ledger_accounts::id))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(user, account)| Some((UserId(user?), AccountId(account))))
        .collect())
}

/// What `account`'s period `[from, to)` adds up to, holds counted as they stood at `to`.
pub fn figures(
    conn: &mut AnyConnection,
    account: AccountId,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<MonthlyFigures, StoreError> {
    let (opening, lines) = statement_lines(conn, account, from, to)?;
    let entries: Vec<_> = lines.iter().map(|l| (l.kind, l.amount)).collect();
    let on_hold: i64 = ledger_holds::table
        .filter(ledger_holds::account_id.eq(account.0))
        .filter(ledger_holds::created_at.lt(to))
        .filter(
            ledger_holds::resolved_at
                .is_null()
                .or(ledger_holds::resolved_at.ge(to)),
        )
        .select(sql::<BigInt>("CAST(COALESCE(SUM(amount), 0) AS BIGINT)"))
        .first(conn)?;
    Ok(rules::monthly_figures(opening, &entries, Points(on_hold)))
}

/// Records that `user` was sent the statement of `period`; false when one was sent before
/// (another run got there first), in which case nothing is written.
pub fn record_sent(
    conn: &mut AnyConnection,
    user: UserId,
    period: &str,
    figures: &MonthlyFigures,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let sent: i64 = points_statements::table
        .filter(points_statements::user_id.eq(user.0))
        .filter(points_statements::period.eq(period))
        .count()
        .get_result(conn)?;
    if sent > 0 {
        return Ok(false);
    }
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(points_statements::table)
            .values((
                points_statements::user_id.eq(user.0),
                points_statements::period.eq(period),
                points_statements::opening.eq(figures.opening.0),
                points_statements::earned.eq(figures.earned.0),
                points_statements::spent.eq(figures.spent.0),
                points_statements::expired.eq(figures.expired.0),
                points_statements::closing.eq(figures.closing.0),
                points_statements::on_hold.eq(figures.on_hold.0),
                points_statements::sent_at.eq(now),
            ))
            .execute(conn)
    });
    match inserted {
        Ok(_) => Ok(true),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}
