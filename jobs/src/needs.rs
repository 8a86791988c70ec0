//! Jobs of the needs lifecycle: care plan occurrences, reminders, escalation, expiry of needs
//! nobody took, forgotten check-outs and auto-confirmation. Each is idempotent: a rerun of a slot finds nothing more to do.

use chrono::TimeDelta;
use linli_domain::needs::{delivery, dispatch, followup, plans};

use crate::runner::{Counts, JobContext, JobError};

/// How long after a need's window ends a helper still checked in is left alone before the
/// job closes the check-out for them.
pub const CHECK_OUT_GRACE: TimeDelta = TimeDelta::minutes(30);

/// How long a need waits for the resident's confirmation before the job confirms it.
pub const AUTO_CONFIRM_AFTER: TimeDelta = TimeDelta::hours(72);

/// Posts the care plan occurrences of the coming two weeks that do not exist yet.
pub async fn generate_care_plan_occurrences(context: JobContext) -> Result<Counts, JobError> {
    let posted = plans::generate(&context.db, context.zone, context.now).await?;
    Ok(Counts::from([("occurrences_posted", posted)]))
}

/// Closes check-outs forgotten past the window's end plus [`CHECK_OUT_GRACE`]: minutes are
/// capped at the estimate and the claim is flagged for review.
pub async fn close_forgotten_check_outs(context: JobContext) -> Result<Counts, JobError> {
    let closed =
        delivery::close_forgotten(&context.db, context.now - CHECK_OUT_GRACE, context.now).await?;
    Ok(Counts::from([("check_outs_closed", closed)]))
}

/// Confirms needs that waited [`AUTO_CONFIRM_AFTER`] for the resident with no open dispute.
pub async fn auto_confirm_needs(context: JobContext) -> Result<Counts, JobError> {
    let confirmed = delivery::auto_confirm(
        &context.db,
        context.now - AUTO_CONFIRM_AFTER,
        context.now,
        context.zone,
    )
    .await?;
    Ok(Counts::from([("needs_confirmed", confirmed)]))
}

/// Reminds the resident and assigned helpers 24 hours and 2 hours before a need starts, once
/// each per person.
pub async fn remind_helpers(context: JobContext) -> Result<Counts, JobError> {
    let sent = followup::remind(&context.db, context.now, context.zone).await?;
    Ok(Counts::from([("reminders_sent", sent)]))
}

/// Escalates needs nobody took (urgent after 30 minutes, normal after 24 hours) to the area's
/// grid workers and the organizations serving the community.
pub async fn escalate_unclaimed_needs(context: JobContext) -> Result<Counts, JobError> {
    let escalated = followup::escalate(&context.db, context.now, context.zone).await?;
    Ok(Counts::from([("needs_escalated", escalated)]))
}

/// Lapses dispatch offers past their deadline and offers each need to its next target.
pub async fn expire_need_offers(context: JobContext) -> Result<Counts, JobError> {
    let lapsed = dispatch::expire(&context.db, context.now, context.zone).await?;
    Ok(Counts::from([("offers_lapsed", lapsed)]))
}

/// Expires open needs whose window ended with nobody assigned, so they leave the open lists.
pub async fn expire_unstaffed_needs(context: JobContext) -> Result<Counts, JobError> {
    let expired = followup::expire_unstaffed(&context.db, context.now).await?;
    Ok(Counts::from([("needs_expired", expired)]))
}
