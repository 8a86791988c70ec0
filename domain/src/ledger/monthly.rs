//! Monthly points statements (积分月结单): who had ledger activity or hours in a month, what
//! their month adds up to, and the record that a statement was sent, one per person and month,
//! so a job run again sends nothing twice.

use chrono::NaiveDateTime;
use diesel::dsl::{exists, sql};
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::rules::{self, MonthlyFigures, MonthlyMovements};
use super::store::statement_lines;
use super::{AccountId, AccountKind, HoldStatus, Points};
use crate::accounts::UserId;
use crate::db::{AnyConnection, StoreError, is_unique_violation};
use crate::honour_hours::PeriodHours;
use crate::honour_hours::store::hours_between;
use crate::schema::{
    honour_hours, ledger_accounts, ledger_entries, ledger_holds, points_statements, users,
};

/// What one person's statement of a period says: the points, and the hours kept apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MonthlyStatement {
    /// The points figures.
    pub figures: MonthlyFigures,
    /// Recorded and honour hours of the period; honour hours earn no points.
    pub hours: PeriodHours,
}

/// People whose points moved in `[from, to)` (an entry of their account, or a hold of theirs
/// captured) or who were given honour hours in it, by user id after `after`, at most `limit`,
/// each with their account if they have one.
pub fn people_active(
    conn: &mut AnyConnection,
    from: NaiveDateTime,
    to: NaiveDateTime,
    after: UserId,
    limit: i64,
) -> Result<Vec<(UserId, Option<AccountId>)>, StoreError> {
    let person = AccountKind::Person.as_str();
    let moved = ledger_entries::table
        .inner_join(ledger_accounts::table.on(ledger_accounts::id.eq(ledger_entries::account_id)))
        .filter(ledger_accounts::kind.eq(person))
        .filter(ledger_accounts::user_id.eq(users::id.nullable()))
        .filter(ledger_entries::created_at.ge(from))
        .filter(ledger_entries::created_at.lt(to));
    let captured = ledger_holds::table
        .inner_join(ledger_accounts::table.on(ledger_accounts::id.eq(ledger_holds::account_id)))
        .filter(ledger_accounts::kind.eq(person))
        .filter(ledger_accounts::user_id.eq(users::id.nullable()))
        .filter(ledger_holds::status.eq(HoldStatus::Captured.as_str()))
        .filter(ledger_holds::resolved_at.ge(from))
        .filter(ledger_holds::resolved_at.lt(to));
    let honoured = honour_hours::table
        .filter(honour_hours::volunteer_id.eq(users::id))
        .filter(honour_hours::created_at.ge(from))
        .filter(honour_hours::created_at.lt(to));
    let people: Vec<i64> = users::table
        .filter(users::id.gt(after.0))
        .filter(exists(moved).or(exists(captured)).or(exists(honoured)))
        .order(users::id)
        .limit(limit)
        .select(users::id)
        .load(conn)?;
    let accounts: Vec<(Option<i64>, i64)> = ledger_accounts::table
        .filter(ledger_accounts::kind.eq(person))
        .filter(
            ledger_accounts::user_id.eq_any(people.iter().map(|&p| Some(p)).collect::<Vec<_>>()),
        )
        .select((ledger_accounts::user_id, ledger_accounts::id))
        .load(conn)?;
    Ok(people
        .into_iter()
        .map(|user| {
            let account = accounts
                .iter()
                .find(|(owner, _)| *owner == Some(user))
                .map(|(_, id)| AccountId(*id));
            (UserId(user), account)
        })
        .collect())
}

/// Points of `account` on hold at `at`: holds placed before it and not resolved by then.
fn on_hold_at(
    conn: &mut AnyConnection,
    account: AccountId,
    at: NaiveDateTime,
) -> Result<Points, StoreError> {
    let held: i64 = ledger_holds::table
        .filter(ledger_holds::account_id.eq(account.0))
        .filter(ledger_holds::created_at.lt(at))
        .filter(
            ledger_holds::resolved_at
                .is_null()
                .or(ledger_holds::resolved_at.ge(at)),
        )
        .select(sql::<BigInt>("CAST(COALESCE(SUM(amount), 0) AS BIGINT)"))
        .first(conn)?;
    Ok(Points(held))
}

/// What `user`'s period `[from, to)` adds up to: their account's figures (zero without one)
/// and their hours.
pub fn statement(
    conn: &mut AnyConnection,
    user: UserId,
    account: Option<AccountId>,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<MonthlyStatement, StoreError> {
    let figures = match account {
        Some(account) => figures(conn, account, from, to)?,
        None => MonthlyFigures::default(),
    };
    Ok(MonthlyStatement {
        figures,
        hours: hours_between(conn, user, from, to)?,
    })
}

/// What `account`'s period `[from, to)` adds up to, holds counted as they stood at each end.
pub fn figures(
    conn: &mut AnyConnection,
    account: AccountId,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<MonthlyFigures, StoreError> {
    let (opening_balance, lines) = statement_lines(conn, account, from, to)?;
    let captured: i64 = ledger_holds::table
        .filter(ledger_holds::account_id.eq(account.0))
        .filter(ledger_holds::status.eq(HoldStatus::Captured.as_str()))
        .filter(ledger_holds::resolved_at.ge(from))
        .filter(ledger_holds::resolved_at.lt(to))
        .select(sql::<BigInt>("CAST(COALESCE(SUM(amount), 0) AS BIGINT)"))
        .first(conn)?;
    let movements = MonthlyMovements {
        opening_balance,
        opening_on_hold: on_hold_at(conn, account, from)?,
        entries: lines.iter().map(|l| (l.kind, l.amount)).collect(),
        captured: Points(captured),
        closing_on_hold: on_hold_at(conn, account, to)?,
    };
    Ok(rules::monthly_figures(&movements))
}

/// Records that `user` was sent the statement of `period`; false when one was sent before
/// (another run got there first), in which case nothing is written.
pub fn record_sent(
    conn: &mut AnyConnection,
    user: UserId,
    period: &str,
    statement: &MonthlyStatement,
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
    let figures = &statement.figures;
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
                points_statements::recorded_minutes.eq(statement.hours.recorded_minutes),
                points_statements::honour_hours.eq(statement.hours.honour_hours),
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
