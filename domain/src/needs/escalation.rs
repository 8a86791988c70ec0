//! Pure rules of the needs follow-up jobs: which need is due for escalation and which reminder
//! is due before a need starts. No store, no clock: `now` is an argument.

use chrono::{NaiveDateTime, TimeDelta};

use super::{NeedStatus, Urgency};

/// How long an urgent need may wait unclaimed before staff are alerted.
pub const URGENT_ESCALATION_AFTER: TimeDelta = TimeDelta::minutes(30);

/// How long a normal need may wait unclaimed before staff are alerted.
pub const NORMAL_ESCALATION_AFTER: TimeDelta = TimeDelta::hours(24);

/// How long a need of `urgency` waits unclaimed before it is escalated.
pub fn escalation_wait(urgency: Urgency) -> TimeDelta {
    match urgency {
        Urgency::Urgent => URGENT_ESCALATION_AFTER,
        Urgency::Normal => NORMAL_ESCALATION_AFTER,
    }
}

/// The latest posting time a need can have and be due at `now`: the store's coarse filter,
/// before [`escalation_due`] decides per need.
pub fn posted_cutoff(now: NaiveDateTime) -> NaiveDateTime {
    now - URGENT_ESCALATION_AFTER.min(NORMAL_ESCALATION_AFTER)
}

/// What escalation looks at on a need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiting {
    /// How soon help is needed.
    pub urgency: Urgency,
    /// Its lifecycle state.
    pub status: NeedStatus,
    /// Already escalated.
    pub escalated: bool,
    /// When it was posted.
    pub posted_at: NaiveDateTime,
    /// Its latest end; past it nobody can help any more.
    pub window_end: NaiveDateTime,
}

/// True when the need still waits for helpers, is not escalated yet, waited its urgency's time
/// since posting, and its window has not passed.
pub fn escalation_due(need: &Waiting, now: NaiveDateTime) -> bool {
    !need.escalated
        && need.status.is_claimable()
        && now >= need.posted_at + escalation_wait(need.urgency)
        && now < need.window_end
}

/// How long before the start reminders look ahead.
pub const REMINDER_HORIZON: TimeDelta = TimeDelta::hours(24);

/// A reminder before a need starts; each is sent once per recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReminderKind {
    /// The day before (within 24 hours of the start).
    DayBefore,
    /// Shortly before (within 2 hours of the start).
    TwoHoursBefore,
}

impl ReminderKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DayBefore => "24h",
            Self::TwoHoursBefore => "2h",
        }
    }

    /// How long before the start it is sent.
    pub fn lead(self) -> TimeDelta {
        match self {
            Self::DayBefore => TimeDelta::hours(24),
            Self::TwoHoursBefore => TimeDelta::hours(2),
        }
    }
}

/// The reminder due at `now` for a need starting at `start`: the 2-hour one within two hours
/// of the start, else the day-before one within 24 hours, none once it started or further off.
/// Someone assigned late (say an hour before) gets only the 2-hour reminder.
pub fn due_reminder(start: NaiveDateTime, now: NaiveDateTime) -> Option<ReminderKind> {
    if now >= start {
        None
    } else if start - now <= ReminderKind::TwoHoursBefore.lead() {
        Some(ReminderKind::TwoHoursBefore)
    } else if start - now <= ReminderKind::DayBefore.lead() {
        Some(ReminderKind::DayBefore)
    } else {
        None
    }
}

/// True while a need in `status` still has a start to remind of: someone holds a place and
/// nobody has begun.
pub fn remindable(status: NeedStatus) -> bool {
    matches!(status, NeedStatus::PartiallyAssigned | NeedStatus::Assigned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(raw: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M").expect("a time")
    }

    fn waiting(urgency: Urgency) -> Waiting {
        Waiting {
            urgency,
            status: NeedStatus::Open,
            escalated: false,
            posted_at: at("2026-11-28 08:00"),
            window_end: at("2026-11-30 12:00"),
        }
    }

    #[test]
    fn urgent_needs_escalate_after_30_minutes_and_normal_ones_after_a_day() {
        let urgent = waiting(Urgency::Urgent);
        assert!(!escalation_due(&urgent, at("2026-11-28 08:29")));
        assert!(escalation_due(&urgent, at("2026-11-28 08:30")));
        let normal = waiting(Urgency::Normal);
        assert!(!escalation_due(&normal, at("2026-11-28 20:00")));
        assert!(!escalation_due(&normal, at("2026-11-29 07:59")));
        assert!(escalation_due(&normal, at("2026-11-29 08:00")));
    }

    #[test]
    fn escalated_staffed_or_passed_needs_are_not_escalated() {
        let now = at("2026-11-29 09:00");
        let mut need = waiting(Urgency::Normal);
        need.escalated = true;
        assert!(!escalation_due(&need, now));
        need.escalated = false;
        need.status = NeedStatus::Assigned;
        assert!(!escalation_due(&need, now));
        need.status = NeedStatus::PartiallyAssigned;
        assert!(escalation_due(&need, now), "still short of helpers");
        need.window_end = now;
        assert!(!escalation_due(&need, now), "the window has passed");
    }

    #[test]
    fn the_cutoff_admits_every_need_that_can_be_due() {
        let now = at("2026-11-28 09:00");
        for urgency in [Urgency::Urgent, Urgency::Normal] {
            let mut need = waiting(urgency);
            need.posted_at = now - escalation_wait(urgency);
            assert!(escalation_due(&need, now));
            assert!(need.posted_at <= posted_cutoff(now));
        }
    }

    #[test]
    fn reminders_are_due_24_and_2_hours_before_the_start() {
        let start = at("2026-11-29 10:00");
        assert_eq!(due_reminder(start, at("2026-11-28 09:59")), None);
        assert_eq!(
            due_reminder(start, at("2026-11-28 10:00")),
            Some(ReminderKind::DayBefore)
        );
        assert_eq!(
            due_reminder(start, at("2026-11-29 07:59")),
            Some(ReminderKind::DayBefore)
        );
        assert_eq!(
            due_reminder(start, at("2026-11-29 08:00")),
            Some(ReminderKind::TwoHoursBefore)
        );
        assert_eq!(
            due_reminder(start, at("2026-11-29 09:59")),
            Some(ReminderKind::TwoHoursBefore)
        );
        assert_eq!(due_reminder(start, start), None);
    }

    #[test]
    fn only_staffed_needs_not_yet_started_are_reminded_of() {
        let reminded: Vec<_> = NeedStatus::ALL
            .into_iter()
            .filter(|s| remindable(*s))
            .collect();
        assert_eq!(
            reminded,
            [NeedStatus::PartiallyAssigned, NeedStatus::Assigned]
        );
    }
}
