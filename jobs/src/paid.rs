//! Jobs of paid services: lapse orders providers did not answer in time (telling the resident
//! of the other providers), confirm completed orders after 72 hours, and settle every provider
//! per week or per month as its contract says. Each is idempotent: a rerun of a slot finds
//! nothing more to do (a period's batch exists once per provider).

use linli_domain::paid::delivery;
use linli_domain::paid::orders::OrderError;
use linli_domain::paid::settlement::{self, SettlementError};

use crate::runner::{Counts, JobContext, JobError};

fn order_failure(error: OrderError) -> JobError {
    match error {
        OrderError::Store(e) => JobError::Store(e),
        other => JobError::Invariant(other.to_string()),
    }
}

/// Declines placed orders whose answer deadline passed; their subsidy and points go back and
/// the resident hears of the alternatives.
pub async fn lapse_unanswered_orders(context: JobContext) -> Result<Counts, JobError> {
    let lapsed = delivery::lapse_unanswered(&context.db, context.zone, context.now)
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

/// Drafts each provider's batch of its last complete period — week or calendar month, local
/// to the display zone, by its contract — with every confirmed order, late-cancellation fee or
/// refund not yet settled (earlier leftovers included), once per provider and period.
pub async fn settle_providers(context: JobContext) -> Result<Counts, JobError> {
    let drafted = settlement::settle_due(&context.db, context.now, context.zone)
        .await
        .map_err(|e| match e {
            SettlementError::Store(s) => JobError::Store(s),
            other => JobError::Invariant(other.to_string()),
        })?;
    Ok(Counts::from([("settlements_drafted", drafted as u64)]))
}
