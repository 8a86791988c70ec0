//! The need lifecycle as an explicit state machine over the need's status and its staffing
//! counts. Pure: the store applies the same transitions with guarded statements, and every
//! refusal here is a 409 with its own code at the edge.
//!
//! ```text
//! open ⇄ partially_assigned ⇄ assigned → in_progress → awaiting_confirmation → completed
//!   ↘ cancelled (before anyone starts)      ↘ expired (nobody took it)
//! ```
//! `escalated` is a flag beside the status, raised while a need still waits for helpers.

/// Where a need is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NeedStatus {
    /// Posted, nobody has claimed it.
    Open,
    /// Some helpers, fewer than the headcount.
    PartiallyAssigned,
    /// As many helpers as the headcount.
    Assigned,
    /// At least one helper has checked in.
    InProgress,
    /// Every helper on site has checked out; the resident confirms or disputes.
    AwaitingConfirmation,
    /// Confirmed (by the resident, staff resolving a dispute, or the auto-confirmation job).
    Completed,
    /// Called off before anyone started.
    Cancelled,
    /// Its window passed with nobody taking it.
    Expired,
}

impl NeedStatus {
    /// Every status.
    pub const ALL: [NeedStatus; 8] = [
        Self::Open,
        Self::PartiallyAssigned,
        Self::Assigned,
        Self::InProgress,
        Self::AwaitingConfirmation,
        Self::Completed,
        Self::Cancelled,
        Self::Expired,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::PartiallyAssigned => "partially_assigned",
            Self::Assigned => "assigned",
            Self::InProgress => "in_progress",
            Self::AwaitingConfirmation => "awaiting_confirmation",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
        }
    }

    /// Parses a stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// True once nothing more can happen to the need's staffing or delivery.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Cancelled | Self::Expired)
    }

    /// True while helpers can still claim a place.
    pub fn is_claimable(self) -> bool {
        matches!(self, Self::Open | Self::PartiallyAssigned)
    }

    /// The statuses in which a claim takes a place (the guard of the claim statement).
    pub const CLAIMABLE: [&'static str; 2] = ["open", "partially_assigned"];
}

/// Something that happens to a need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// A helper takes a place.
    Claim,
    /// An assigned helper gives their place back before starting.
    Withdraw,
    /// An assigned helper arrives.
    CheckIn,
    /// A helper on site leaves (or the job closes a forgotten check-out).
    CheckOut,
    /// An assigned helper did not come.
    NoShow,
    /// The resident (or staff, or the job) confirms delivery.
    Confirm,
    /// The resident or a helper disputes delivery.
    Dispute,
    /// The resident or staff call it off.
    Cancel,
    /// The window passed unclaimed.
    Expire,
    /// Raise the escalated flag.
    Escalate,
    /// Change what is asked for.
    Edit,
}

/// A need's status with the counts its transitions depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NeedState {
    /// The status.
    pub status: NeedStatus,
    /// Helpers wanted.
    pub headcount: i32,
    /// Helpers holding a place (assigned, on site or done).
    pub assigned: i32,
    /// Helpers checked in and not yet out.
    pub on_site: i32,
    /// Helpers checked out.
    pub done: i32,
    /// The escalated flag.
    pub escalated: bool,
}

/// Why a transition is refused; each is a 409 with [`Refusal::code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The need no longer takes claims (started, finished, cancelled or expired).
    #[error("the need is no longer open for claims")]
    NotClaimable,
    /// Every place is taken.
    #[error("every place on the need is taken")]
    Full,
    /// Withdrawing is only possible before the work starts.
    #[error("the work has started; withdrawing is no longer possible")]
    AlreadyStarted,
    /// Nobody is assigned who could check in, or the need is not in a state to start.
    #[error("the need cannot be checked into now")]
    NotStartable,
    /// Nobody is on site to check out.
    #[error("nobody is checked in")]
    NotCheckedIn,
    /// Confirmation and disputes wait for every helper to check out.
    #[error("the need is not awaiting confirmation")]
    NotAwaitingConfirmation,
    /// Only needs nobody has started can be cancelled.
    #[error("the need can no longer be cancelled")]
    NotCancellable,
    /// Only unstaffed needs expire or escalate.
    #[error("the need is no longer waiting for helpers")]
    NotWaiting,
    /// Only open needs can be edited.
    #[error("only open needs can be edited")]
    NotEditable,
    /// A finished need cannot change.
    #[error("the need is closed")]
    Closed,
}

impl Refusal {
    /// Stable snake_case code for the problem body.
    pub fn code(self) -> &'static str {
        match self {
            Self::NotClaimable => "need_not_claimable",
            Self::Full => "need_full",
            Self::AlreadyStarted => "already_started",
            Self::NotStartable => "not_startable",
            Self::NotCheckedIn => "not_checked_in",
            Self::NotAwaitingConfirmation => "not_awaiting_confirmation",
            Self::NotCancellable => "not_cancellable",
            Self::NotWaiting => "not_waiting_for_helpers",
            Self::NotEditable => "need_not_editable",
            Self::Closed => "need_closed",
        }
    }
}

/// The staffing status for `assigned` of `headcount` places before anyone starts.
pub fn staffing_status(headcount: i32, assigned: i32) -> NeedStatus {
    if assigned <= 0 {
        NeedStatus::Open
    } else if assigned < headcount {
        NeedStatus::PartiallyAssigned
    } else {
        NeedStatus::Assigned
    }
}

impl NeedState {
    /// A freshly posted need.
    pub fn new(headcount: i32) -> Self {
        Self {
            status: NeedStatus::Open,
            headcount,
            assigned: 0,
            on_site: 0,
            done: 0,
            escalated: false,
        }
    }

    /// The status once delivery has begun, from the counts.
    fn delivery_status(&self) -> NeedStatus {
        if self.on_site > 0 {
            NeedStatus::InProgress
        } else if self.done > 0 {
            NeedStatus::AwaitingConfirmation
        } else {
            staffing_status(self.headcount, self.assigned)
        }
    }

    /// The state after `action`, or why it is refused.
    pub fn apply(&self, action: Action) -> Result<NeedState, Refusal> {
        use NeedStatus as S;
        let mut next = *self;
        if self.status.is_terminal() && action != Action::Dispute {
            return Err(match action {
                Action::Claim => Refusal::NotClaimable,
                _ => Refusal::Closed,
            });
        }
        match action {
            Action::Claim => {
                if !self.status.is_claimable() {
                    return Err(if self.status == S::Assigned {
                        Refusal::Full
                    } else {
                        Refusal::NotClaimable
                    });
                }
                if self.assigned >= self.headcount {
                    return Err(Refusal::Full);
                }
                next.assigned += 1;
                next.status = staffing_status(next.headcount, next.assigned);
            }
            Action::Withdraw => {
                if !matches!(self.status, S::PartiallyAssigned | S::Assigned) {
                    return Err(Refusal::AlreadyStarted);
                }
                next.assigned -= 1;
                next.status = staffing_status(next.headcount, next.assigned);
            }
            Action::CheckIn => {
                let startable = matches!(self.status, S::PartiallyAssigned | S::Assigned)
                    || self.status == S::InProgress;
                if !startable || self.on_site + self.done >= self.assigned {
                    return Err(Refusal::NotStartable);
                }
                next.on_site += 1;
                next.status = S::InProgress;
                next.escalated = false;
            }
            Action::CheckOut => {
                if self.status != S::InProgress || self.on_site == 0 {
                    return Err(Refusal::NotCheckedIn);
                }
                next.on_site -= 1;
                next.done += 1;
                next.status = next.delivery_status();
            }
            Action::NoShow => {
                let waiting = self.assigned - self.on_site - self.done;
                if !matches!(
                    self.status,
                    S::PartiallyAssigned | S::Assigned | S::InProgress
                ) || waiting <= 0
                {
                    return Err(Refusal::NotStartable);
                }
                next.assigned -= 1;
                next.status = next.delivery_status();
            }
            Action::Confirm => {
                if self.status != S::AwaitingConfirmation {
                    return Err(Refusal::NotAwaitingConfirmation);
                }
                next.status = S::Completed;
            }
            Action::Dispute => {
                if !matches!(self.status, S::AwaitingConfirmation | S::Completed) {
                    return Err(Refusal::NotAwaitingConfirmation);
                }
            }
            Action::Cancel => {
                if !matches!(self.status, S::Open | S::PartiallyAssigned | S::Assigned) {
                    return Err(Refusal::NotCancellable);
                }
                next.status = S::Cancelled;
                next.assigned = 0;
            }
            Action::Expire => {
                if !matches!(self.status, S::Open | S::PartiallyAssigned) {
                    return Err(Refusal::NotWaiting);
                }
                next.status = S::Expired;
                next.assigned = 0;
            }
            Action::Escalate => {
                if !matches!(self.status, S::Open | S::PartiallyAssigned) {
                    return Err(Refusal::NotWaiting);
                }
                next.escalated = true;
            }
            Action::Edit => {
                if self.status != S::Open {
                    return Err(Refusal::NotEditable);
                }
            }
        }
        Ok(next)
    }

    /// Whether the state is one the machine may be in: the invariants the property test and
    /// the store's constraints hold.
    pub fn is_consistent(&self) -> bool {
        use NeedStatus as S;
        let counts_ok = self.headcount > 0
            && (0..=self.headcount).contains(&self.assigned)
            && self.on_site >= 0
            && self.done >= 0
            && self.on_site + self.done <= self.assigned;
        let status_ok = match self.status {
            S::Open => self.assigned == 0 && self.on_site == 0 && self.done == 0,
            S::PartiallyAssigned => {
                self.assigned > 0
                    && self.assigned < self.headcount
                    && self.on_site == 0
                    && self.done == 0
            }
            S::Assigned => self.assigned == self.headcount && self.on_site == 0 && self.done == 0,
            S::InProgress => self.on_site > 0,
            S::AwaitingConfirmation | S::Completed => self.on_site == 0 && self.done > 0,
            S::Cancelled | S::Expired => self.on_site == 0 && self.done == 0,
        };
        let flag_ok = !self.escalated || !matches!(self.status, S::InProgress);
        counts_ok && status_ok && flag_ok
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn action() -> impl Strategy<Value = Action> {
        prop_oneof![
            Just(Action::Claim),
            Just(Action::Withdraw),
            Just(Action::CheckIn),
            Just(Action::CheckOut),
            Just(Action::NoShow),
            Just(Action::Confirm),
            Just(Action::Dispute),
            Just(Action::Cancel),
            Just(Action::Expire),
            Just(Action::Escalate),
            Just(Action::Edit),
        ]
    }

    proptest! {
        #[test]
        fn random_actions_never_reach_an_invalid_state(
            headcount in 1..5i32,
            actions in prop::collection::vec(action(), 0..60),
        ) {
            let mut state = NeedState::new(headcount);
            prop_assert!(state.is_consistent());
            for action in actions {
                let before = state;
                match state.apply(action) {
                    Ok(next) => {
                        prop_assert!(next.is_consistent(), "{before:?} --{action:?}--> {next:?}");
                        prop_assert!(next.assigned <= next.headcount);
                        if before.status.is_terminal() {
                            prop_assert_eq!(next, before, "a closed need changed");
                        }
                        state = next;
                    }
                    Err(_) => prop_assert_eq!(state, before),
                }
            }
        }

        #[test]
        fn claims_never_exceed_the_headcount(headcount in 1..10i32, claims in 0..30usize) {
            let mut state = NeedState::new(headcount);
            let mut winners = 0;
            for _ in 0..claims {
                if let Ok(next) = state.apply(Action::Claim) {
                    winners += 1;
                    state = next;
                }
            }
            prop_assert_eq!(winners, claims.min(headcount as usize) as i32);
        }
    }

    #[test]
    fn a_full_delivery_walks_every_status() {
        let mut s = NeedState::new(2);
        for (action, status) in [
            (Action::Claim, NeedStatus::PartiallyAssigned),
            (Action::Claim, NeedStatus::Assigned),
            (Action::CheckIn, NeedStatus::InProgress),
            (Action::CheckIn, NeedStatus::InProgress),
            (Action::CheckOut, NeedStatus::InProgress),
            (Action::CheckOut, NeedStatus::AwaitingConfirmation),
            (Action::Confirm, NeedStatus::Completed),
        ] {
            s = s.apply(action).expect("allowed");
            assert_eq!(s.status, status);
        }
    }

    #[test]
    fn illegal_transitions_say_why() {
        let open = NeedState::new(1);
        assert_eq!(open.apply(Action::CheckOut), Err(Refusal::NotCheckedIn));
        assert_eq!(
            open.apply(Action::Confirm),
            Err(Refusal::NotAwaitingConfirmation)
        );
        let full = open.apply(Action::Claim).expect("claim");
        assert_eq!(full.apply(Action::Claim), Err(Refusal::Full));
        let cancelled = full.apply(Action::Cancel).expect("cancel");
        assert_eq!(cancelled.apply(Action::Claim), Err(Refusal::NotClaimable));
        assert_eq!(cancelled.apply(Action::Cancel), Err(Refusal::Closed));
    }
}
