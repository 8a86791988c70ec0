//! The offer state machine of dispatch, pure: a ranked target waits (`queued`), is offered with
//! a deadline (`pending`), and ends `accepted`, `declined`, `lapsed` (the deadline passed) or
//! `withdrawn` (the need was staffed, cancelled or taken by an organization first, or the
//! cascade skipped a target that no longer fits the need).
//!
//! ```text
//! queued → pending → accepted | declined | lapsed
//!    ↘        ↘ withdrawn
//!     withdrawn
//! ```

use chrono::{NaiveDateTime, TimeDelta};

/// Where an offer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OfferStatus {
    /// Ranked, waiting for the targets before it.
    Queued,
    /// Offered; the target answers before the deadline.
    Pending,
    /// The target took it.
    Accepted,
    /// The target said no.
    Declined,
    /// The deadline passed unanswered.
    Lapsed,
    /// No longer needed, or skipped by the cascade because the target no longer fits.
    Withdrawn,
}

impl OfferStatus {
    /// Every status.
    pub const ALL: [OfferStatus; 6] = [
        Self::Queued,
        Self::Pending,
        Self::Accepted,
        Self::Declined,
        Self::Lapsed,
        Self::Withdrawn,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Declined => "declined",
            Self::Lapsed => "lapsed",
            Self::Withdrawn => "withdrawn",
        }
    }

    /// Parses a stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// True once nothing more can happen to the offer.
    pub fn is_final(self) -> bool {
        !matches!(self, Self::Queued | Self::Pending)
    }
}

/// Something that happens to an offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferEvent {
    /// Its turn came: offered now.
    Offer,
    /// The target accepts.
    Accept,
    /// The target declines.
    Decline,
    /// The job finds the deadline passed.
    Lapse,
    /// Staffing or cancellation made it moot.
    Withdraw,
}

/// Why an event is refused; each is a 409 with [`OfferRefusal::code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OfferRefusal {
    /// The offer was answered, lapsed or withdrawn already, or is not offered yet.
    #[error("the offer is not waiting for an answer")]
    NotPending,
    /// The deadline passed; the offer lapses and goes to the next target.
    #[error("the offer's deadline has passed")]
    Expired,
    /// The deadline has not passed yet.
    #[error("the offer's deadline has not passed")]
    NotDue,
    /// Only a queued offer can be offered.
    #[error("the offer is not queued")]
    NotQueued,
}

impl OfferRefusal {
    /// Stable snake_case code for the problem body.
    pub fn code(self) -> &'static str {
        match self {
            Self::NotPending => "offer_not_pending",
            Self::Expired => "offer_expired",
            Self::NotDue => "offer_not_due",
            Self::NotQueued => "offer_not_queued",
        }
    }
}

/// An offer's state: its status and, once offered, its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfferState {
    /// The status.
    pub status: OfferStatus,
    /// When it lapses, once offered.
    pub deadline: Option<NaiveDateTime>,
}

impl OfferState {
    /// A ranked target waiting its turn.
    pub fn queued() -> Self {
        Self {
            status: OfferStatus::Queued,
            deadline: None,
        }
    }

    /// The state after `event` at `now` (an offer's deadline is `now + window`), or why not.
    pub fn apply(
        &self,
        event: OfferEvent,
        now: NaiveDateTime,
        window: TimeDelta,
    ) -> Result<OfferState, OfferRefusal> {
        use OfferStatus as S;
        let to = |status| OfferState {
            status,
            deadline: self.deadline,
        };
        let overdue = self.deadline.is_some_and(|d| now >= d);
        match (event, self.status) {
            (OfferEvent::Offer, S::Queued) => Ok(OfferState {
                status: S::Pending,
                deadline: Some(now + window),
            }),
            (OfferEvent::Offer, _) => Err(OfferRefusal::NotQueued),
            (OfferEvent::Accept | OfferEvent::Decline, S::Pending) if overdue => {
                Err(OfferRefusal::Expired)
            }
            (OfferEvent::Accept, S::Pending) => Ok(to(S::Accepted)),
            (OfferEvent::Decline, S::Pending) => Ok(to(S::Declined)),
            (OfferEvent::Lapse, S::Pending) if overdue => Ok(to(S::Lapsed)),
            (OfferEvent::Lapse, S::Pending) => Err(OfferRefusal::NotDue),
            (OfferEvent::Withdraw, S::Queued | S::Pending) => Ok(to(S::Withdrawn)),
            (OfferEvent::Accept | OfferEvent::Decline | OfferEvent::Lapse, _)
            | (OfferEvent::Withdraw, _) => Err(OfferRefusal::NotPending),
        }
    }
}

/// Shortest and longest time a target may be given to answer, in minutes.
pub const RESPONSE_MINUTES: (i32, i32) = (5, 7 * 24 * 60);

/// Most targets one dispatch may rank.
pub const MAX_TARGETS: usize = 20;

/// Why a dispatch request is refused before anything is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DispatchInputError {
    /// No targets, or more than [`MAX_TARGETS`].
    #[error("name between 1 and 20 targets")]
    TargetCount,
    /// The same target twice.
    #[error("a target is named twice")]
    DuplicateTarget,
    /// The response window is out of range.
    #[error("the response window must be between 5 minutes and 7 days")]
    ResponseWindow,
}

impl DispatchInputError {
    /// Stable snake_case code for the problem body.
    pub fn code(self) -> &'static str {
        match self {
            Self::TargetCount => "invalid_target_count",
            Self::DuplicateTarget => "duplicate_target",
            Self::ResponseWindow => "invalid_response_window",
        }
    }
}

/// Whom an offer goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    /// A verified volunteer.
    Volunteer(crate::accounts::UserId),
    /// A volunteer team or social organization.
    Organization(crate::organizations::OrganizationId),
}

/// Checks a dispatcher's ranking and window.
pub fn check_dispatch(targets: &[Target], response_minutes: i32) -> Result<(), DispatchInputError> {
    if targets.is_empty() || targets.len() > MAX_TARGETS {
        return Err(DispatchInputError::TargetCount);
    }
    let mut seen = std::collections::BTreeSet::new();
    if !targets.iter().all(|t| seen.insert(*t)) {
        return Err(DispatchInputError::DuplicateTarget);
    }
    if !(RESPONSE_MINUTES.0..=RESPONSE_MINUTES.1).contains(&response_minutes) {
        return Err(DispatchInputError::ResponseWindow);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn at(minute: i64) -> NaiveDateTime {
        NaiveDateTime::parse_from_str("2026-11-28 08:00", "%Y-%m-%d %H:%M").expect("a time")
            + TimeDelta::minutes(minute)
    }

    fn event() -> impl Strategy<Value = OfferEvent> {
        prop_oneof![
            Just(OfferEvent::Offer),
            Just(OfferEvent::Accept),
            Just(OfferEvent::Decline),
            Just(OfferEvent::Lapse),
            Just(OfferEvent::Withdraw),
        ]
    }

    proptest! {
        #[test]
        fn an_offer_ends_once_and_never_changes_after(
            steps in prop::collection::vec((event(), 0..120i64), 0..40),
        ) {
            let window = TimeDelta::minutes(30);
            let mut state = OfferState::queued();
            let mut clock = 0;
            let mut finals = 0;
            for (event, advance) in steps {
                clock += advance;
                let before = state;
                match state.apply(event, at(clock), window) {
                    Ok(next) => {
                        prop_assert!(!before.status.is_final(), "{before:?} --{event:?}--> {next:?}");
                        if next.status == OfferStatus::Accepted {
                            prop_assert!(before.deadline.is_some_and(|d| at(clock) < d), "accepted after the deadline");
                        }
                        if next.status == OfferStatus::Lapsed {
                            prop_assert!(before.deadline.is_some_and(|d| at(clock) >= d), "lapsed early");
                        }
                        if next.status.is_final() {
                            finals += 1;
                        }
                        prop_assert!(next.status != OfferStatus::Pending || next.deadline.is_some());
                        state = next;
                    }
                    Err(_) => prop_assert_eq!(state, before),
                }
            }
            prop_assert!(finals <= 1);
        }
    }

    #[test]
    fn an_offer_is_answered_before_its_deadline_or_lapses() {
        let window = TimeDelta::minutes(30);
        let pending = OfferState::queued()
            .apply(OfferEvent::Offer, at(0), window)
            .expect("offered");
        assert_eq!(pending.deadline, Some(at(30)));
        assert_eq!(
            pending.apply(OfferEvent::Lapse, at(29), window),
            Err(OfferRefusal::NotDue)
        );
        assert_eq!(
            pending.apply(OfferEvent::Accept, at(30), window),
            Err(OfferRefusal::Expired)
        );
        let accepted = pending
            .apply(OfferEvent::Accept, at(29), window)
            .expect("in time");
        assert_eq!(accepted.status, OfferStatus::Accepted);
        assert_eq!(
            accepted.apply(OfferEvent::Decline, at(29), window),
            Err(OfferRefusal::NotPending)
        );
        let lapsed = pending
            .apply(OfferEvent::Lapse, at(30), window)
            .expect("due");
        assert_eq!(lapsed.status, OfferStatus::Lapsed);
    }

    #[test]
    fn a_dispatch_names_distinct_targets_and_a_sane_window() {
        use crate::accounts::UserId;
        use crate::organizations::OrganizationId;
        let one = [Target::Volunteer(UserId(1))];
        assert_eq!(check_dispatch(&one, 30), Ok(()));
        assert_eq!(
            check_dispatch(&[], 30),
            Err(DispatchInputError::TargetCount)
        );
        assert_eq!(
            check_dispatch(&[one[0], one[0]], 30),
            Err(DispatchInputError::DuplicateTarget)
        );
        let mixed = [
            Target::Volunteer(UserId(1)),
            Target::Organization(OrganizationId(1)),
        ];
        assert_eq!(check_dispatch(&mixed, 30), Ok(()));
        assert_eq!(
            check_dispatch(&one, 4),
            Err(DispatchInputError::ResponseWindow)
        );
    }
}
