//! Jobs of paid services: lapse orders providers did not answer in time, confirm completed
//! orders after 72 hours, and settle every provider per week. Each is idempotent: a rerun of a
//! slot finds nothing more to do (a period's batch exists once per provider).

use chrono::{Datelike, NaiveDateTime, TimeDelta};
use linli_domain::paid::delivery;
use linli_domain::paid::orders::OrderError;
use linli_domain::paid::settlement::{self, SettlementError};
use linli_domain::time::local_midnight_utc;

use crate::runner::{Counts, JobContext, JobError};

fn order_failure(error: OrderError) -> JobError {
    match error {
        OrderError::Store(e) => JobError::Store(e),
        other => JobError::Invariant(other.to_string()),
    }
}

/// Declines placed orders whose answer deadline passed; their subsidy and points go back.
pub async fn lapse_unanswered_orders(context: JobContext) -> Result<Counts, JobError> {
    let lapsed = delivery::lapse_unanswered(&context.db, context.now)
        .await
        .map_err(order_failure)?;
    Ok(Counts::from([("orders_lapsed", lapsed.len() as u64)]))
}

/// Confirms completed orders nobody confirmed or disputed within 72 hours; the money moves.
pub async fn auto_confirm_orders(context: JobContext) -> Result<Counts, JobError> {
    let confirmed = delivery::auto_confirm(&context.db, context.now)
        .await
        .map_err(order_failure)?;
    Ok(Counts::from([("orders_confirmed", confirmed as u64)]))
}

/// The last complete settlement week before `now`: Monday 00:00 to Monday 00:00 in `zone`,
/// as UTC times.
pub fn last_week(now: NaiveDateTime, zone: chrono_tz::Tz) -> (NaiveDateTime, NaiveDateTime) {
    let local = now.and_utc().with_timezone(&zone).date_naive();
    let monday = local - TimeDelta::days(i64::from(local.weekday().num_days_from_monday()));
    (
        local_midnight_utc(monday - TimeDelta::days(7), &zone),
        local_midnight_utc(monday, &zone),
    )
}

/// Drafts the last complete week's settlement batch of every provider with confirmed orders
/// or refunds not yet settled (earlier leftovers included), once per provider and week.
pub async fn settle_providers(context: JobContext) -> Result<Counts, JobError> {
    let (start, end) = last_week(context.now, context.zone);
    let drafted = settlement::settle_all(&context.db, start, end, context.now)
        .await
        .map_err(|e| match e {
            SettlementError::Store(s) => JobError::Store(s),
            other => JobError::Invariant(other.to_string()),
        })?;
    Ok(Counts::from([("settlements_drafted", drafted as u64)]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_week_ends_on_the_local_monday_before_now() {
        let now = chrono::NaiveDate::from_ymd_opt(2026, 12, 9)
            .and_then(|d| d.and_hms_opt(2, 0, 0))
            .expect("a time");
        let (start, end) = last_week(now, chrono_tz::Asia::Shanghai);
        // Monday 2026-12-07 00:00 in Shanghai is 2026-12-06 16:00 UTC.
        assert_eq!(end.to_string(), "2026-12-06 16:00:00");
        assert_eq!(start.to_string(), "2026-11-29 16:00:00");
    }
}
