//! Wire types of resolving a disputed order.

use linli_domain::paid::disputes::Resolved;
use poem_openapi::types::Example;
use poem_openapi::{Enum, Object};

use super::super::money::Money;
use super::{OrderView, RefundView};

/// What staff decide about a disputed order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum DisputeOutcomeView {
    /// Delivered as agreed: the order is confirmed as is and becomes settleable.
    Uphold,
    /// The order is confirmed and refunded, in full or in part.
    Refund,
}

/// A resolution of a disputed order.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct ResolveOrderDisputeRequest {
    /// `uphold` or `refund`.
    pub outcome: DisputeOutcomeView,
    /// For `refund`: the amount in CNY (decimal string), at most the order's gross; absent:
    /// the whole order. Not allowed with `uphold`.
    pub refund_amount: Option<Money>,
    /// Why, as recorded in the audit log (1–500 characters).
    #[oai(validator(min_length = 1, max_length = 500))]
    pub reason: String,
}

impl Example for ResolveOrderDisputeRequest {
    fn example() -> Self {
        Self {
            outcome: DisputeOutcomeView::Refund,
            refund_amount: Some("20.00".into()),
            reason: "回访核实：少服务半小时".into(),
        }
    }
}

/// A resolved dispute.
#[derive(Debug, Clone, Object)]
pub struct DisputeResolutionView {
    /// What was decided.
    pub outcome: DisputeOutcomeView,
    /// The order, confirmed.
    pub order: OrderView,
    /// The refund made, for `refund`.
    pub refund: Option<RefundView>,
}

impl DisputeResolutionView {
    /// The view of a resolution; `order` is the order as its reader sees it.
    pub fn new(outcome: DisputeOutcomeView, resolved: Resolved, order: OrderView) -> Self {
        Self {
            outcome,
            refund: resolved
                .refund
                .map(|refund| RefundView::new(refund, order.clone())),
            order,
        }
    }
}
