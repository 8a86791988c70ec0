//! Earning: confirmed help becomes points, by the community's policy in force on the day the
//! help was given, exactly once per task and helper.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use rust_decimal::Decimal;

use super::store;
use super::{
    AccountKind, AccountOwner, Cause, NewTransfer, Points, PostError, Posted, TransferKind,
};
use crate::accounts::UserId;
use crate::areas::AreaId;
use crate::db::AnyConnection;
use crate::points_policy::rules::{capped, earned_points};
use crate::points_policy::usecases::in_force_on;
use crate::schema::ledger_transfers;

/// One helper's confirmed part of a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Earning {
    /// The need (task) helped with; with the helper, the earning's idempotency key.
    pub need_id: i64,
    /// Who helped.
    pub helper: UserId,
    /// The helper's recorded minutes (a team task splits by minutes, each helper their own).
    pub minutes: i64,
    /// The category's points weight.
    pub category_weight: Decimal,
    /// Whether the need was urgent (policy bonus).
    pub urgent: bool,
    /// The community whose policy and issuance account apply.
    pub community: AreaId,
    /// The local date the help was given (chooses the policy version and the daily cap's day).
    pub local_date: NaiveDate,
    /// The UTC instant that local date began, for the daily cap.
    pub local_day_start: NaiveDateTime,
}

/// What crediting an earning did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credited {
    /// Points were credited now (or had been, for a retry).
    Posted(Posted),
    /// Nothing to credit: zero minutes, or the caps were reached.
    Nothing {
        /// What the policy would have given without caps.
        uncapped: Points,
    },
}

/// Credits one helper for one confirmed task. The key `earn:<need>:<helper>` makes a second
/// confirmation, a retried job or a race credit nothing more.
pub fn credit(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    earning: &Earning,
) -> Result<Credited, PostError> {
    let key = format!("earn:{}:{}", earning.need_id, earning.helper.0);
    let policy = in_force_on(conn, earning.community, earning.local_date)?;
    let uncapped = earned_points(
        &policy.terms,
        earning.minutes,
        earning.category_weight,
        earning.urgent,
    );
    let person = store::account_for(conn, AccountOwner::Person(earning.helper), now)?;
    let issuance = store::account_for(
        conn,
        AccountOwner::System {
            community: earning.community,
            kind: AccountKind::Issuance,
        },
        now,
    )?;
    let already: Option<i64> = ledger_transfers::table
        .filter(ledger_transfers::idempotency_key.eq(&key))
        .select(ledger_transfers::amount)
        .first(conn)
        .optional()?;
    let amount = match already {
        // A retry posts the same movement, so it replays instead of being refused.
        Some(amount) => amount,
        None => {
            let earned_today: i64 = ledger_transfers::table
                .filter(ledger_transfers::credit_account_id.eq(person.id.0))
                .filter(ledger_transfers::kind.eq(TransferKind::Earn.as_str()))
                .filter(ledger_transfers::created_at.ge(earning.local_day_start))
                .select(sql::<BigInt>("CAST(COALESCE(SUM(amount), 0) AS BIGINT)"))
                .first(conn)?;
            capped(&policy.terms, uncapped, earned_today, person.balance.0)
        }
    };
    if amount <= 0 {
        return Ok(Credited::Nothing {
            uncapped: Points(uncapped),
        });
    }
    let posted = store::post(
        conn,
        now,
        &NewTransfer {
            idempotency_key: key,
            kind: TransferKind::Earn,
            debit: issuance.id,
            credit: person.id,
            amount: Points(amount),
            cause: Cause::new("task", format!("{}:{}", earning.need_id, earning.helper.0)),
            actor: None,
            memo: format!(
                "{} minutes of help (points policy v{})",
                earning.minutes, policy.version
            ),
        },
    )?;
    Ok(Credited::Posted(posted))
}
