//! Orders over HTTP: the quote, booking, the provider's answer, start and completion with the
//! resident's code, confirmation, cancellation, co-payments and refunds.

use linli_domain::areas::AreaId;
use linli_domain::organizations::OrganizationId;
use linli_domain::paid::OrderId;
use linli_domain::paid::delivery::{self, Milestone};
use linli_domain::paid::offerings::ProviderActor;
use linli_domain::paid::orders::{self, Placed};
use linli_domain::paid::reading::{self, OrderListing, OrderReader};
use linli_domain::paid::refunds::{self, Recorder};
use linli_domain::time::now_utc;
use poem::http::StatusCode;
use poem_openapi::OpenApi;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;

use super::problems::{OrderOperationError, map_order, order_problem};
pub use super::steps::{OrdersApi, domain_request};
use super::steps::{own, theirs};
use super::views::{
    CancelOrderRequest, ConfirmOrderRequest, OrderCodeRequest, OrderRequest, OrderStateView,
    OrderView, QuoteView, RecordPaymentRequest, RefundOrderRequest, RefundView,
    RespondToOrderRequest,
};
use super::{default_limit, money_field};
use crate::auth::SessionAuth;
use crate::body::JsonBody;
use crate::idempotency::{self, Start};
use crate::responses::CreatedOrFound;
use crate::routes::ApiTags;

#[OpenApi(tag = "ApiTags::PaidServices")]
impl OrdersApi {
    /// Quote an order
    ///
    /// The split an order would get now, without booking: gross, each eligible programme's
    /// subsidy (within its rule, your monthly cap and its budget), the points value (capped by
    /// the community's share at its rate), your co-payment, the commission and the provider's
    /// net. Same checks and errors as `create_order`.
    #[oai(path = "/orders/quote", method = "post", operation_id = "quote_order")]
    async fn quote_order(
        &self,
        auth: SessionAuth,
        body: JsonBody<OrderRequest>,
    ) -> Result<Json<QuoteView>, OrderOperationError> {
        let quote = orders::quote(
            &self.state.db,
            auth.0.principal,
            domain_request(&body.0),
            self.state.config.time_zone,
            now_utc(),
        )
        .await
        .map_err(map_order)?;
        Ok(Json(quote.into()))
    }

    /// Book an order
    ///
    /// For yourself or a resident you hold a live proxy consent for. The price is
    /// snapshotted; each programme's subsidy is reserved against its budget and your monthly
    /// cap, and the points move to the community, in one transaction (concurrent bookings
    /// never overspend). The provider must answer before `respond_by`. Send an
    /// `Idempotency-Key`: a retry replays the first answer (200); the same key with another
    /// body is 422, and 409 while the first request runs.
    #[oai(path = "/orders", method = "post", operation_id = "create_order")]
    async fn create_order(
        &self,
        auth: SessionAuth,
        /// Unique per intended order, chosen by the client (1–100 characters).
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 100))]
        idempotency_key: Header<String>,
        body: JsonBody<OrderRequest>,
    ) -> Result<CreatedOrFound<OrderView>, OrderOperationError> {
        let principal = auth.0.principal;
        let start = idempotency::start(
            &self.state,
            principal.user.id,
            &idempotency_key.0,
            "create_order",
            &body.0,
        )
        .await
        .map_err(order_problem)?;
        let claim = match start {
            Start::Replay(view) => return Ok(CreatedOrFound::Found(Json(view))),
            Start::Run(claim) => claim,
        };
        let placed = orders::create_order(
            &self.state.db,
            principal,
            domain_request(&body.0),
            idempotency_key.0,
            self.state.config.time_zone,
            now_utc(),
        )
        .await;
        match placed {
            Ok(Placed::New(order)) => {
                let view = own(order);
                claim
                    .complete(&self.state, StatusCode::CREATED, &view)
                    .await;
                Ok(CreatedOrFound::Created(Json(view)))
            }
            Ok(Placed::Replayed(order)) => {
                let view = own(order);
                claim.complete(&self.state, StatusCode::OK, &view).await;
                Ok(CreatedOrFound::Found(Json(view)))
            }
            Err(error) => {
                claim.abandon(&self.state).await;
                Err(map_order(error))
            }
        }
    }

    /// List orders
    ///
    /// Yours (and those you placed as a proxy) by default; a provider's members pass
    /// `organization_id`, community staff `community_id`. Newest first.
    #[oai(path = "/orders", method = "get", operation_id = "list_orders")]
    async fn list_orders(
        &self,
        auth: SessionAuth,
        /// A provider whose orders to list (its members).
        organization_id: Query<Option<i64>>,
        /// A community whose orders to list (its staff).
        community_id: Query<Option<i64>>,
        /// Only this state.
        state: Query<Option<OrderStateView>>,
        /// Page size, 1–200 (default 50).
        #[oai(
            default = "default_limit",
            validator(minimum(value = "1"), maximum(value = "200"))
        )]
        limit: Query<i64>,
    ) -> Result<Json<Vec<OrderView>>, OrderOperationError> {
        let listing = match (organization_id.0, community_id.0) {
            (Some(org), _) => OrderListing::Organization(OrganizationId(org)),
            (None, Some(c)) => OrderListing::Community(AreaId(c)),
            (None, None) => OrderListing::Mine,
        };
        let list = reading::list_orders(
            &self.state.db,
            OrderReader::Person(auth.0.principal),
            listing,
            state.0.map(Into::into),
            limit.0,
        )
        .await
        .map_err(map_order)?;
        Ok(Json(list.into_iter().map(Into::into).collect()))
    }

    /// Show an order
    ///
    /// To its resident (with the 4-digit code), the proxy who placed it, the provider's
    /// members and staff over the community.
    #[oai(path = "/orders/:order_id", method = "get", operation_id = "get_order")]
    async fn get_order(
        &self,
        auth: SessionAuth,
        /// The order.
        order_id: Path<i64>,
    ) -> Result<Json<OrderView>, OrderOperationError> {
        let seen = reading::get_order(
            &self.state.db,
            OrderReader::Person(auth.0.principal),
            OrderId(order_id.0),
        )
        .await
        .map_err(map_order)?;
        Ok(Json(seen.into()))
    }

    /// Accept or decline an order
    ///
    /// An admin or leader of the provider, before `respond_by`. Declining gives the resident
    /// back the subsidy and points.
    #[oai(
        path = "/orders/:order_id/response",
        method = "post",
        operation_id = "respond_to_order"
    )]
    async fn respond_to_order(
        &self,
        auth: SessionAuth,
        /// The order.
        order_id: Path<i64>,
        body: JsonBody<RespondToOrderRequest>,
    ) -> Result<Json<OrderView>, OrderOperationError> {
        self.respond(ProviderActor::Person(auth.0.principal), order_id.0, body.0)
            .await
    }

    /// Start an order
    ///
    /// The provider's worker gives the resident's 4-digit code on arrival, as volunteers do at
    /// check-in; five wrong codes lock the order (429).
    #[oai(
        path = "/orders/:order_id/start",
        method = "post",
        operation_id = "start_order"
    )]
    async fn start_order(
        &self,
        auth: SessionAuth,
        /// The order.
        order_id: Path<i64>,
        body: JsonBody<OrderCodeRequest>,
    ) -> Result<Json<OrderView>, OrderOperationError> {
        self.milestone(
            ProviderActor::Person(auth.0.principal),
            order_id.0,
            Milestone::Start,
            body.0.code,
        )
        .await
    }

    /// Complete an order
    ///
    /// The provider's worker gives the resident's code again when leaving; the webhook
    /// `order.completed` follows.
    #[oai(
        path = "/orders/:order_id/completion",
        method = "post",
        operation_id = "complete_order"
    )]
    async fn complete_order(
        &self,
        auth: SessionAuth,
        /// The order.
        order_id: Path<i64>,
        body: JsonBody<OrderCodeRequest>,
    ) -> Result<Json<OrderView>, OrderOperationError> {
        self.milestone(
            ProviderActor::Person(auth.0.principal),
            order_id.0,
            Milestone::Complete,
            body.0.code,
        )
        .await
    }

    /// Confirm or dispute a completed order
    ///
    /// The resident (or their proxy). Confirming moves the money: each subsidy from its
    /// programme, the points value and the co-payment due to the provider, the commission to
    /// the platform. With `dispute_reason` the order is disputed instead. Unconfirmed orders
    /// are confirmed by a job after 72 hours.
    #[oai(
        path = "/orders/:order_id/confirmation",
        method = "post",
        operation_id = "confirm_order"
    )]
    async fn confirm_order(
        &self,
        auth: SessionAuth,
        /// The order.
        order_id: Path<i64>,
        body: JsonBody<ConfirmOrderRequest>,
    ) -> Result<Json<OrderView>, OrderOperationError> {
        let order = delivery::confirm_order(
            &self.state.db,
            auth.0.principal,
            OrderId(order_id.0),
            body.0.dispute_reason,
            now_utc(),
        )
        .await
        .map_err(map_order)?;
        Ok(Json(own(order)))
    }

    /// Cancel an order
    ///
    /// The resident, their proxy or staff over the community, before the service starts:
    /// free before the provider accepts; after acceptance within the offering's notice hours
    /// of the start, the provider's fee is owed. Subsidy and points come back.
    #[oai(
        path = "/orders/:order_id/cancellation",
        method = "post",
        operation_id = "cancel_order"
    )]
    async fn cancel_order(
        &self,
        auth: SessionAuth,
        /// The order.
        order_id: Path<i64>,
        body: JsonBody<CancelOrderRequest>,
    ) -> Result<Json<OrderView>, OrderOperationError> {
        let order = delivery::cancel_order(
            &self.state.db,
            auth.0.principal,
            OrderId(order_id.0),
            body.0.reason,
            now_utc(),
        )
        .await
        .map_err(map_order)?;
        Ok(Json(theirs(order)))
    }

    /// Record a co-payment
    ///
    /// The provider's admin or leader, or staff over the community, records cash or a transfer
    /// received (offline gateway) with its reference; never more than is still due. Send an
    /// `Idempotency-Key`: a retry finds the first payment (200).
    #[oai(
        path = "/orders/:order_id/payments",
        method = "post",
        operation_id = "record_payment"
    )]
    async fn record_payment(
        &self,
        auth: SessionAuth,
        /// Unique per payment, chosen by the client (1–100 characters).
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 100))]
        idempotency_key: Header<String>,
        /// The order.
        order_id: Path<i64>,
        body: JsonBody<RecordPaymentRequest>,
    ) -> Result<CreatedOrFound<OrderView>, OrderOperationError> {
        let principal = auth.0.principal;
        let scope = format!("user:{}", principal.user.id.0);
        self.payment(
            Recorder::Person(principal),
            scope,
            idempotency_key.0,
            order_id.0,
            body.0,
        )
        .await
    }

    /// Refund an order
    ///
    /// Part or all of a confirmed order, never more than is left: each funder gets its part
    /// back in proportion (subsidy to its programme and budget, points to the resident, the
    /// co-payment no longer owed, cash the provider returns), and the commission on it goes
    /// back to the provider. Recorded by the provider's admin or leader, or staff over the
    /// community. Send an `Idempotency-Key`.
    #[oai(
        path = "/orders/:order_id/refunds",
        method = "post",
        operation_id = "refund_order"
    )]
    async fn refund_order(
        &self,
        auth: SessionAuth,
        /// Unique per refund, chosen by the client (1–100 characters).
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 100))]
        idempotency_key: Header<String>,
        /// The order.
        order_id: Path<i64>,
        body: JsonBody<RefundOrderRequest>,
    ) -> Result<CreatedOrFound<RefundView>, OrderOperationError> {
        let principal = auth.0.principal;
        let amount = money_field("amount", &body.0.amount.0).map_err(|p| order_problem(*p))?;
        let key = format!("user:{}:{}", principal.user.id.0, idempotency_key.0);
        let (order, refund, new) = refunds::refund_order(
            &self.state.db,
            Recorder::Person(principal),
            OrderId(order_id.0),
            amount,
            body.0.reason,
            key,
            now_utc(),
        )
        .await
        .map_err(map_order)?;
        let view = RefundView::new(refund, theirs(order));
        Ok(if new {
            CreatedOrFound::Created(Json(view))
        } else {
            CreatedOrFound::Found(Json(view))
        })
    }
}
