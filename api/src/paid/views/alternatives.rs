//! Wire types of the alternatives offered when a provider declines an order or lets it lapse.

use linli_domain::paid::Order;
use linli_domain::paid::alternatives::Alternative;
use poem_openapi::Object;

use super::{OfferingView, OrderRequest, OrderStateView};

/// Another provider's offering that could serve the order's resident.
#[derive(Debug, Clone, Object)]
pub struct OrderAlternativeView {
    /// The offering, published by a verified provider serving the resident's community.
    pub offering: OfferingView,
    /// The provider's Chinese name.
    pub provider_name_zh: String,
    /// The provider's English name, if any.
    pub provider_name_en: Option<String>,
    /// True when the offering's hours cover the order's window.
    pub fits_window: bool,
    /// A ready body for `quote_order` or `create_order`: the same window, points and need, the
    /// quantity brought within this offering's range. Rebooking is one `create_order` with it
    /// (and a new `Idempotency-Key`).
    pub order: OrderRequest,
}

/// An order's alternatives, cheapest first.
#[derive(Debug, Clone, Object)]
pub struct OrderAlternativesView {
    /// The order.
    pub order_id: i64,
    /// Where it stands (usually `declined`).
    pub state: OrderStateView,
    /// At most 20, by unit price, then provider, then offering.
    pub alternatives: Vec<OrderAlternativeView>,
}

impl OrderAlternativesView {
    /// The view of an order's alternatives.
    pub fn new(order: &Order, found: Vec<Alternative>) -> Self {
        let for_user_id = (order.placed_by != order.resident).then_some(order.resident.0);
        Self {
            order_id: order.id.0,
            state: order.state.into(),
            alternatives: found
                .into_iter()
                .map(|a| OrderAlternativeView {
                    order: OrderRequest {
                        offering_id: a.offering.id.0,
                        for_user_id,
                        quantity: a.quantity,
                        window_start: order.window_start.and_utc(),
                        window_end: order.window_end.and_utc(),
                        points: order.points,
                        subsidy_program_ids: None,
                        need_id: order.need,
                    },
                    provider_name_zh: a.provider_name_zh,
                    provider_name_en: a.provider_name_en,
                    fits_window: a.fits_window,
                    offering: a.offering.into(),
                })
                .collect(),
        }
    }
}
