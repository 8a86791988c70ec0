//! The order state machine as one explicit transition table: placed → accepted, declined
//! (also when the provider lets it lapse) or cancelled; accepted → started or cancelled;
//! started → completed; completed → confirmed (by the resident or automatically after 72
//! hours) or disputed; disputed → confirmed when staff resolve it.

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderState {
    /// Booked, waiting for the provider.
    Placed,
    /// The provider will deliver.
    Accepted,
    /// The provider declined, or did not answer in time.
    Declined,
    /// Cancelled before the service started.
    Cancelled,
    /// Delivery began (verified with the resident's code).
    Started,
    /// Delivery ended (verified with the resident's code).
    Completed,
    /// The resident confirmed, or nobody disputed within 72 hours; the money moves.
    Confirmed,
    /// The resident disputes the delivery.
    Disputed,
}

impl OrderState {
    /// Every state.
    pub const ALL: [OrderState; 8] = [
        Self::Placed,
        Self::Accepted,
        Self::Declined,
        Self::Cancelled,
        Self::Started,
        Self::Completed,
        Self::Confirmed,
        Self::Disputed,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Placed => "placed",
            Self::Accepted => "accepted",
            Self::Declined => "declined",
            Self::Cancelled => "cancelled",
            Self::Started => "started",
            Self::Completed => "completed",
            Self::Confirmed => "confirmed",
            Self::Disputed => "disputed",
        }
    }

    /// Parses a stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// True when no action leaves this state.
    pub fn is_final(self) -> bool {
        Action::ALL.iter().all(|a| next(self, *a).is_none())
    }
}

/// What happens to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// The provider accepts.
    Accept,
    /// The provider declines.
    Decline,
    /// The answer deadline passed.
    Lapse,
    /// The resident (or staff) cancels.
    Cancel,
    /// The provider starts, with the resident's code.
    Start,
    /// The provider completes, with the resident's code.
    Complete,
    /// The resident confirms.
    Confirm,
    /// The resident disputes.
    Dispute,
    /// Nobody confirmed or disputed within 72 hours.
    AutoConfirm,
    /// Staff resolve a dispute in the provider's favour.
    Resolve,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 10] = [
        Self::Accept,
        Self::Decline,
        Self::Lapse,
        Self::Cancel,
        Self::Start,
        Self::Complete,
        Self::Confirm,
        Self::Dispute,
        Self::AutoConfirm,
        Self::Resolve,
    ];
}

/// The transition table: the state `action` leads to from `state`, or none when it may not
/// happen there.
pub fn next(state: OrderState, action: Action) -> Option<OrderState> {
    use Action as A;
    use OrderState as S;
    match (state, action) {
        (S::Placed, A::Accept) => Some(S::Accepted),
        (S::Placed, A::Decline | A::Lapse) => Some(S::Declined),
        (S::Placed | S::Accepted, A::Cancel) => Some(S::Cancelled),
        (S::Accepted, A::Start) => Some(S::Started),
        (S::Started, A::Complete) => Some(S::Completed),
        (S::Completed, A::Confirm | A::AutoConfirm) => Some(S::Confirmed),
        (S::Completed, A::Dispute) => Some(S::Disputed),
        (S::Disputed, A::Resolve) => Some(S::Confirmed),
        _ => None,
    }
}

/// Why an action was refused: the order's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the order is {} and cannot be changed this way", .0.as_str())]
pub struct WrongState(pub OrderState);

/// Applies `action` or says why not.
pub fn apply(state: OrderState, action: Action) -> Result<OrderState, WrongState> {
    next(state, action).ok_or(WrongState(state))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_happy_path_runs_from_placed_to_confirmed() {
        let mut state = OrderState::Placed;
        for action in [
            Action::Accept,
            Action::Start,
            Action::Complete,
            Action::Confirm,
        ] {
            state = apply(state, action).expect("allowed");
        }
        assert_eq!(state, OrderState::Confirmed);
        assert_eq!(
            apply(state, Action::Cancel),
            Err(WrongState(OrderState::Confirmed))
        );
    }

    #[test]
    fn final_states_are_exactly_declined_cancelled_and_confirmed() {
        let finals: Vec<_> = OrderState::ALL
            .into_iter()
            .filter(|s| s.is_final())
            .collect();
        assert_eq!(
            finals,
            [
                OrderState::Declined,
                OrderState::Cancelled,
                OrderState::Confirmed
            ]
        );
        for state in OrderState::ALL {
            assert_eq!(OrderState::parse(state.as_str()), Some(state));
        }
    }

    proptest! {
        /// Whatever happens, an order is started only after acceptance, completed only after
        /// starting, confirmed only after completion, never cancelled once started, and
        /// nothing leaves a final state.
        #[test]
        fn random_histories_keep_the_order_of_delivery(
            actions in proptest::collection::vec(0usize..Action::ALL.len(), 0..40)
        ) {
            let mut state = OrderState::Placed;
            let mut seen = vec![state];
            for index in actions {
                let action = Action::ALL[index];
                match apply(state, action) {
                    Ok(to) => {
                        prop_assert!(!state.is_final());
                        match to {
                            OrderState::Started => prop_assert!(seen.contains(&OrderState::Accepted)),
                            OrderState::Completed => prop_assert!(seen.contains(&OrderState::Started)),
                            OrderState::Confirmed => prop_assert!(seen.contains(&OrderState::Completed)),
                            OrderState::Cancelled => prop_assert!(!seen.contains(&OrderState::Started)),
                            OrderState::Declined => prop_assert!(!seen.contains(&OrderState::Accepted)),
                            _ => {}
                        }
                        state = to;
                        seen.push(to);
                    }
                    Err(WrongState(at)) => prop_assert_eq!(at, state),
                }
            }
        }
    }
}
