//! The follow-up of needs that the jobs run: reminders before a need starts, escalation of
//! needs nobody took, and expiry of needs whose window ended with nobody assigned. Each need is handled in its own write transaction after its row lock, and
//! what was done is recorded there (`need_reminders`, the escalated flag), so a rerun of a slot
//! or a second instance finds nothing more to do.

use chrono::NaiveDateTime;
use chrono_tz::Tz;

use super::escalation::{self, ReminderKind, Waiting};
use super::lifecycle::Action;
use super::posting::state_of;
use super::store::{self, followup};
use super::{AssignmentStatus, Need, NeedId, NeedStatus};
use crate::accounts::UserId;
use crate::audit::{self, NewAuditEvent};
use crate::categories::store as categories;
use crate::db::{self, AnyConnection, Db, StoreError};
use crate::notifications::{Notice, notify};
use crate::webhooks::{Event, usecases::publish};

/// `YYYY-MM-DD HH:MM` in `zone`: how people read a start or a deadline.
pub fn local_time(at: NaiveDateTime, zone: Tz) -> String {
    at.and_utc()
        .with_timezone(&zone)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// The category's names of `need`, Chinese and English.
pub(crate) fn category_names(
    conn: &mut AnyConnection,
    need: &Need,
) -> Result<(String, String), StoreError> {
    Ok(categories::get(conn, need.category_id)?
        .map(|c| (c.name_zh, c.name_en))
        .unwrap_or_default())
}

/// Sends the reminders due at `now` (24 hours and 2 hours before each staffed need starts) to
/// the resident and every helper holding a place, each once. Returns how many were sent.
pub async fn remind(db: &Db, now: NaiveDateTime, zone: Tz) -> Result<u64, StoreError> {
    let until = now + escalation::REMINDER_HORIZON;
    let due = db
        .run(move |conn| followup::starting_between(conn, now, until))
        .await?;
    let mut sent = 0;
    for id in due {
        sent += db
            .run(move |conn| db::write(conn, |conn| remind_one(conn, id, now, zone)))
            .await?;
    }
    Ok(sent)
}

fn remind_one(
    conn: &mut AnyConnection,
    id: NeedId,
    now: NaiveDateTime,
    zone: Tz,
) -> Result<u64, StoreError> {
    let Some(need) = store::lock(conn, id, now)? else {
        return Ok(0);
    };
    let Some(kind) = escalation::due_reminder(need.window_start, now) else {
        return Ok(0);
    };
    if !escalation::remindable(need.status) {
        return Ok(0);
    }
    let mut recipients: Vec<UserId> = vec![need.resident_id];
    recipients.extend(
        store::assignments(conn, id)?
            .into_iter()
            .filter(|a| a.status == AssignmentStatus::Assigned)
            .map(|a| a.helper_id),
    );
    let already = followup::reminded(conn, id, kind)?;
    let (category_zh, category_en) = category_names(conn, &need)?;
    let mut sent = 0;
    for recipient in recipients {
        if already.contains(&recipient) {
            continue;
        }
        followup::insert_reminder(conn, id, recipient, kind, now)?;
        notify(
            conn,
            now,
            recipient,
            Notice::NeedReminder {
                need_id: id.0,
                category_zh: category_zh.clone(),
                category_en: category_en.clone(),
                starts_at: local_time(need.window_start, zone),
                hours_before: hours(kind),
            },
        )?;
        sent += 1;
    }
    Ok(sent)
}

fn hours(kind: ReminderKind) -> i64 {
    kind.lead().num_hours()
}

/// The webhook body of a need for organizations: what it is, where and when, never who or the
/// address (those are shown to assigned helpers only).
pub fn need_payload(need: &Need) -> serde_json::Value {
    let rfc3339 = |t: NaiveDateTime| {
        t.and_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    serde_json::json!({
        "need_id": need.id.0,
        "category_id": need.category_id.0,
        "grid_id": need.grid_id.0,
        "urgency": need.urgency.as_str(),
        "status": need.status.as_str(),
        "window_start": rfc3339(need.window_start),
        "window_end": rfc3339(need.window_end),
        "duration_minutes": need.duration_minutes,
        "headcount": need.headcount,
        "assigned_count": need.assigned_count,
        "escalated": need.escalated,
    })
}

/// Escalates needs that waited unclaimed past their urgency's time (30 minutes urgent, 24 hours
/// normal): raises the flag, audits it, tells the area's grid workers and publishes
/// `need.escalated` to the organizations serving the community. Returns how many.
pub async fn escalate(db: &Db, now: NaiveDateTime, zone: Tz) -> Result<u64, StoreError> {
    let cutoff = escalation::posted_cutoff(now);
    let waiting = db
        .run(move |conn| followup::waiting_since(conn, cutoff))
        .await?;
    let mut escalated = 0;
    for id in waiting {
        let done = db
            .run(move |conn| db::write(conn, |conn| escalate_one(conn, id, now, zone)))
            .await?;
        escalated += u64::from(done);
    }
    Ok(escalated)
}

/// Escalates `need` in the caller's transaction, after its row lock, unless it is escalated or
/// staffed already: the flag, the audit event (with `reason`), the grid workers' notices and the
/// organizations' webhooks. Also used when a dispatch runs out of candidates.
pub(crate) fn escalate_need(
    conn: &mut AnyConnection,
    need: &Need,
    now: NaiveDateTime,
    zone: Tz,
    reason: &'static str,
) -> Result<bool, StoreError> {
    if !followup::mark_escalated(conn, need.id, now)? {
        return Ok(false);
    }
    audit::store::record(
        conn,
        &NewAuditEvent {
            actor: None,
            on_behalf_of: None,
            action: "need.escalated",
            subject_type: "need",
            subject_id: need.id.0.to_string(),
            area: Some(need.grid_id),
            detail: serde_json::json!({"reason": reason, "urgency": need.urgency.as_str()}),
        },
        now,
    )?;
    let (category_zh, category_en) = category_names(conn, need)?;
    for worker in followup::grid_workers_over(conn, &need.area_path)? {
        notify(
            conn,
            now,
            worker,
            Notice::NeedEscalated {
                need_id: need.id.0,
                category_zh: category_zh.clone(),
                category_en: category_en.clone(),
                urgent: need.urgency == super::Urgency::Urgent,
                starts_at: local_time(need.window_start, zone),
            },
        )?;
    }
    let escalated = store::get(conn, need.id)?.unwrap_or_else(|| need.clone());
    let mut payload = need_payload(&escalated);
    payload["reason"] = reason.into();
    for organization in followup::organizations_serving(conn, &need.area_path)? {
        publish(
            conn,
            now,
            organization,
            Event::NeedEscalated,
            payload.clone(),
        )?;
    }
    Ok(true)
}

fn escalate_one(
    conn: &mut AnyConnection,
    id: NeedId,
    now: NaiveDateTime,
    zone: Tz,
) -> Result<bool, StoreError> {
    let Some(need) = store::lock(conn, id, now)? else {
        return Ok(false);
    };
    let waiting = Waiting {
        urgency: need.urgency,
        status: need.status,
        escalated: need.escalated,
        posted_at: need.created_at,
        window_end: need.window_end,
    };
    if !escalation::escalation_due(&waiting, now) {
        return Ok(false);
    }
    escalate_need(conn, &need, now, zone, "unclaimed")
}

/// Expires open needs whose window ended by `now` with nobody assigned: the state machine's
/// `expire`, their dispatch offers withdrawn, audited (`need.expired`), the resident told
/// through the need's status. Each in its own write transaction after the row lock, so a rerun
/// finds nothing more to do. Returns how many expired.
pub async fn expire_unstaffed(db: &Db, now: NaiveDateTime) -> Result<u64, StoreError> {
    let due = db
        .run(move |conn| followup::unstaffed_past_window(conn, now))
        .await?;
    let mut expired = 0;
    for id in due {
        let done = db
            .run(move |conn| db::write(conn, |conn| expire_one(conn, id, now)))
            .await?;
        expired += u64::from(done);
    }
    Ok(expired)
}

fn expire_one(
    conn: &mut AnyConnection,
    id: NeedId,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let Some(need) = store::lock(conn, id, now)? else {
        return Ok(false);
    };
    if need.status != NeedStatus::Open || need.window_end > now {
        return Ok(false);
    }
    let claims = store::assignments(conn, id)?;
    if state_of(&need, &claims).apply(Action::Expire).is_err() {
        return Ok(false);
    }
    store::set_status(conn, id, NeedStatus::Expired, now)?;
    super::dispatch::withdraw_open(conn, id, now)?;
    audit::store::record(
        conn,
        &NewAuditEvent {
            actor: None,
            on_behalf_of: None,
            action: "need.expired",
            subject_type: "need",
            subject_id: id.0.to_string(),
            area: Some(need.grid_id),
            detail: serde_json::json!({"window_end": need.window_end.and_utc().to_rfc3339()}),
        },
        now,
    )?;
    Ok(true)
}
