//! What follows an order that did not go as booked: the alternatives offered when a provider
//! declines or lets it lapse, and staff resolving a dispute.

use linli_domain::paid::OrderId;
use linli_domain::paid::alternatives;
use linli_domain::paid::disputes::{self, Outcome};
use linli_domain::time::now_utc;
use poem_openapi::OpenApi;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;

use super::money_field;
use super::problems::{OrderOperationError, map_order, order_problem};
use super::steps::theirs;
use super::views::{
    DisputeOutcomeView, DisputeResolutionView, OrderAlternativesView, ResolveOrderDisputeRequest,
};
use crate::auth::SessionAuth;
use crate::body::JsonBody;
use crate::problem::{FieldError, Problem};
use crate::routes::ApiTags;
use crate::state::AppState;

/// Endpoints of an order's alternatives and dispute resolution.
pub struct OrderOutcomesApi {
    /// Shared state.
    pub state: AppState,
}

#[OpenApi(tag = "ApiTags::PaidServices")]
impl OrderOutcomesApi {
    /// List an order's alternatives
    ///
    /// Other providers' published offerings of the order's category that serve the resident's
    /// community, cheapest first (then by provider and offering), at most 20 — what the
    /// resident is offered when a provider declines or lets an order lapse (the notification
    /// `order.declined` says how many there are). Each carries a ready `order` body: rebooking
    /// is one `create_order` with it. To the resident, the proxy who booked and staff over the
    /// community; others get 404.
    #[oai(
        path = "/orders/:order_id/alternatives",
        method = "get",
        operation_id = "list_order_alternatives"
    )]
    async fn list_order_alternatives(
        &self,
        auth: SessionAuth,
        /// The order.
        order_id: Path<i64>,
    ) -> Result<Json<OrderAlternativesView>, OrderOperationError> {
        let (order, found) = alternatives::list_alternatives(
            &self.state.db,
            auth.0.principal,
            OrderId(order_id.0),
            self.state.config.time_zone,
        )
        .await
        .map_err(map_order)?;
        Ok(Json(OrderAlternativesView::new(&order, found)))
    }

    /// Resolve an order's dispute
    ///
    /// Community staff, or a street or platform admin, over the order's community decide a
    /// disputed order with a reason (kept in the audit log): `uphold` confirms it as delivered
    /// (the money moves and it becomes settleable); `refund` confirms it and refunds
    /// `refund_amount` (absent: all of it) through the refund path, each funder getting its
    /// part back — in one transaction, so a refund above the order's gross
    /// (`refund_exceeds_paid`) changes nothing. An order not in dispute is 409
    /// `order_not_disputed`; outside your area, 404.
    #[oai(
        path = "/orders/:order_id/dispute-resolution",
        method = "post",
        operation_id = "resolve_order_dispute"
    )]
    async fn resolve_order_dispute(
        &self,
        auth: SessionAuth,
        /// The order.
        order_id: Path<i64>,
        body: JsonBody<ResolveOrderDisputeRequest>,
    ) -> Result<Json<DisputeResolutionView>, OrderOperationError> {
        let body = body.0;
        let outcome = match (body.outcome, &body.refund_amount) {
            (DisputeOutcomeView::Uphold, None) => Outcome::Uphold,
            (DisputeOutcomeView::Uphold, Some(_)) => {
                return Err(order_problem(Problem::validation(vec![FieldError {
                    field: "refund_amount".into(),
                    code: "not_allowed".into(),
                    message: "only a refund takes an amount".into(),
                }])));
            }
            (DisputeOutcomeView::Refund, None) => Outcome::Refund(None),
            (DisputeOutcomeView::Refund, Some(raw)) => Outcome::Refund(Some(
                money_field("refund_amount", &raw.0).map_err(|p| order_problem(*p))?,
            )),
        };
        let resolved = disputes::resolve_dispute(
            &self.state.db,
            auth.0.principal,
            OrderId(order_id.0),
            outcome,
            body.reason,
            now_utc(),
        )
        .await
        .map_err(map_order)?;
        let order = theirs(resolved.order.clone());
        Ok(Json(DisputeResolutionView::new(
            body.outcome,
            resolved,
            order,
        )))
    }
}
