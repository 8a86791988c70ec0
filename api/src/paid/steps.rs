//! The order steps shared by people and providers' systems (the partner API): the provider's
//! answer, start and completion with the resident's code, and recording a co-payment; and the
//! conversions every order endpoint uses.

use linli_domain::accounts::UserId;
use linli_domain::paid::delivery::{self, Milestone};
use linli_domain::paid::offerings::ProviderActor;
use linli_domain::paid::orders::OrderRequest as DomainRequest;
use linli_domain::paid::reading::SeenOrder;
use linli_domain::paid::refunds::{self, OfflineGateway, PaymentRequest, Recorder};
use linli_domain::paid::{OfferingId, OrderId, ProgramId};
use linli_domain::time::now_utc;
use poem_openapi::payload::Json;

use super::money_field;
use super::problems::{OrderOperationError, map_order, order_problem};
use super::views::{OrderRequest, OrderView, RecordPaymentRequest, RespondToOrderRequest};
use crate::responses::CreatedOrFound;
use crate::state::AppState;

/// Endpoints of `orders`.
pub struct OrdersApi {
    /// Shared state.
    pub state: AppState,
}

/// The domain's request of a body.
pub fn domain_request(b: &OrderRequest) -> DomainRequest {
    DomainRequest {
        offering: OfferingId(b.offering_id),
        person: b.for_user_id.map(UserId),
        quantity: b.quantity,
        window_start: b.window_start.naive_utc(),
        window_end: b.window_end.naive_utc(),
        points: b.points,
        programmes: b
            .subsidy_program_ids
            .as_ref()
            .map(|ids| ids.iter().copied().map(ProgramId).collect()),
        need: b.need_id,
    }
}

pub(super) fn own(order: linli_domain::paid::Order) -> OrderView {
    SeenOrder { order, own: true }.into()
}

pub(super) fn theirs(order: linli_domain::paid::Order) -> OrderView {
    SeenOrder { order, own: false }.into()
}

impl OrdersApi {
    /// Starts or completes an order for a provider actor.
    pub async fn milestone(
        &self,
        actor: ProviderActor,
        id: i64,
        milestone: Milestone,
        code: String,
    ) -> Result<Json<OrderView>, OrderOperationError> {
        let order = delivery::record_milestone(
            &self.state.db,
            actor,
            OrderId(id),
            milestone,
            code,
            now_utc(),
        )
        .await
        .map_err(map_order)?;
        Ok(Json(theirs(order)))
    }

    /// Answers an order for a provider actor.
    pub async fn respond(
        &self,
        actor: ProviderActor,
        id: i64,
        body: RespondToOrderRequest,
    ) -> Result<Json<OrderView>, OrderOperationError> {
        let order = delivery::respond_order(
            &self.state.db,
            actor,
            OrderId(id),
            body.accept,
            body.reason,
            self.state.config.time_zone,
            now_utc(),
        )
        .await
        .map_err(map_order)?;
        Ok(Json(theirs(order)))
    }

    /// Records a co-payment, keyed by `scope` (the caller) and `key`.
    pub async fn payment(
        &self,
        recorder: Recorder,
        scope: String,
        key: String,
        id: i64,
        body: RecordPaymentRequest,
    ) -> Result<CreatedOrFound<OrderView>, OrderOperationError> {
        let amount = money_field("amount", &body.amount.0).map_err(|p| order_problem(*p))?;
        let request = PaymentRequest {
            order: OrderId(id),
            amount,
            reference: body.reference,
            key: format!("{scope}:{key}"),
        };
        let (order, new) = refunds::record_payment(
            &self.state.db,
            &OfflineGateway,
            recorder,
            request,
            now_utc(),
        )
        .await
        .map_err(map_order)?;
        let view = theirs(order);
        Ok(if new {
            CreatedOrFound::Created(Json(view))
        } else {
            CreatedOrFound::Found(Json(view))
        })
    }
}
