//! What providers' systems call with an API key: their offerings (`offerings:write`), their
//! orders (`orders:read`, `orders:write`) and their settlements (`orders:read`).

use linli_domain::paid::OfferingId;
use linli_domain::paid::OrderId;
use linli_domain::paid::delivery::Milestone;
use linli_domain::paid::offerings::{self, OfferingReader, ProviderActor};
use linli_domain::paid::reading::{self, OrderListing, OrderReader};
use linli_domain::paid::refunds::Recorder;
use linli_domain::paid::settlement::{self, SettlementReader};
use linli_domain::paid::store::OfferingFilter;
use linli_domain::time::now_utc;
use poem_openapi::OpenApi;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;

use super::catalogue::{new_offering, offering_changes};
use super::default_limit;
use super::orders::OrdersApi;
use super::problems::{
    CatalogueOperationError, OrderOperationError, SettlementOperationError, map_offering,
    map_order, map_settlement,
};
use super::settlements::statement;
use super::views::{
    OfferingRequest, OfferingView, OrderCodeRequest, OrderStateView, OrderView,
    RecordPaymentRequest, RespondToOrderRequest, SettlementStatementView, SettlementView,
    UpdateOfferingRequest,
};
use crate::auth::PartnerAuth;
use crate::body::JsonBody;
use crate::responses::{Created, CreatedOrFound};
use crate::routes::ApiTags;

/// Partner endpoints of paid services.
pub struct PartnerPaidApi {
    /// The order endpoints they share.
    pub orders: OrdersApi,
}

#[OpenApi(tag = "ApiTags::Partner")]
impl PartnerPaidApi {
    /// Publish an offering (partner)
    ///
    /// Like `create_offering`, for the key's organization. Needs `offerings:write`.
    #[oai(
        path = "/partner/offerings",
        method = "post",
        operation_id = "create_partner_offering"
    )]
    async fn create_partner_offering(
        &self,
        auth: PartnerAuth,
        body: JsonBody<OfferingRequest>,
    ) -> Result<Created<OfferingView>, CatalogueOperationError> {
        let offering = offerings::create_offering(
            &self.orders.state.db,
            ProviderActor::Partner(auth.0),
            new_offering(&body.0),
            now_utc(),
        )
        .await
        .map_err(map_offering)?;
        Ok(Created::Created(Json(offering.into())))
    }

    /// List the organization's offerings (partner)
    ///
    /// Published and unpublished. Needs `offerings:write`.
    #[oai(
        path = "/partner/offerings",
        method = "get",
        operation_id = "list_partner_offerings"
    )]
    async fn list_partner_offerings(
        &self,
        auth: PartnerAuth,
        /// Page size, 1–200 (default 50).
        #[oai(
            default = "default_limit",
            validator(minimum(value = "1"), maximum(value = "200"))
        )]
        limit: Query<i64>,
    ) -> Result<Json<Vec<OfferingView>>, CatalogueOperationError> {
        let list = offerings::list_offerings(
            &self.orders.state.db,
            OfferingReader::Partner(auth.0),
            OfferingFilter::default(),
            limit.0,
        )
        .await
        .map_err(map_offering)?;
        Ok(Json(list.into_iter().map(Into::into).collect()))
    }

    /// Change, publish or unpublish an offering (partner)
    ///
    /// Like `update_offering`. Needs `offerings:write`.
    #[oai(
        path = "/partner/offerings/:offering_id",
        method = "patch",
        operation_id = "update_partner_offering"
    )]
    async fn update_partner_offering(
        &self,
        auth: PartnerAuth,
        /// The offering.
        offering_id: Path<i64>,
        body: JsonBody<UpdateOfferingRequest>,
    ) -> Result<Json<OfferingView>, CatalogueOperationError> {
        let offering = offerings::update_offering(
            &self.orders.state.db,
            ProviderActor::Partner(auth.0),
            OfferingId(offering_id.0),
            offering_changes(&body.0),
            now_utc(),
        )
        .await
        .map_err(map_offering)?;
        Ok(Json(offering.into()))
    }

    /// List the organization's orders (partner)
    ///
    /// Newest first, without residents' codes. Needs `orders:read`.
    #[oai(
        path = "/partner/orders",
        method = "get",
        operation_id = "list_partner_orders"
    )]
    async fn list_partner_orders(
        &self,
        auth: PartnerAuth,
        /// Only this state.
        state: Query<Option<OrderStateView>>,
        /// Page size, 1–200 (default 50).
        #[oai(
            default = "default_limit",
            validator(minimum(value = "1"), maximum(value = "200"))
        )]
        limit: Query<i64>,
    ) -> Result<Json<Vec<OrderView>>, OrderOperationError> {
        let org = auth.0.organization_id;
        let list = reading::list_orders(
            &self.orders.state.db,
            OrderReader::Partner(auth.0),
            OrderListing::Organization(org),
            state.0.map(Into::into),
            limit.0,
        )
        .await
        .map_err(map_order)?;
        Ok(Json(list.into_iter().map(Into::into).collect()))
    }

    /// Show an order (partner)
    ///
    /// Needs `orders:read`.
    #[oai(
        path = "/partner/orders/:order_id",
        method = "get",
        operation_id = "get_partner_order"
    )]
    async fn get_partner_order(
        &self,
        auth: PartnerAuth,
        /// The order.
        order_id: Path<i64>,
    ) -> Result<Json<OrderView>, OrderOperationError> {
        let seen = reading::get_order(
            &self.orders.state.db,
            OrderReader::Partner(auth.0),
            OrderId(order_id.0),
        )
        .await
        .map_err(map_order)?;
        Ok(Json(seen.into()))
    }

    /// Accept or decline an order (partner)
    ///
    /// Like `respond_to_order`. Needs `orders:write`.
    #[oai(
        path = "/partner/orders/:order_id/response",
        method = "post",
        operation_id = "respond_to_partner_order"
    )]
    async fn respond_to_partner_order(
        &self,
        auth: PartnerAuth,
        /// The order.
        order_id: Path<i64>,
        body: JsonBody<RespondToOrderRequest>,
    ) -> Result<Json<OrderView>, OrderOperationError> {
        self.orders
            .respond(ProviderActor::Partner(auth.0), order_id.0, body.0)
            .await
    }

    /// Start an order (partner)
    ///
    /// Like `start_order`, with the resident's code. Needs `orders:write`.
    #[oai(
        path = "/partner/orders/:order_id/start",
        method = "post",
        operation_id = "start_partner_order"
    )]
    async fn start_partner_order(
        &self,
        auth: PartnerAuth,
        /// The order.
        order_id: Path<i64>,
        body: JsonBody<OrderCodeRequest>,
    ) -> Result<Json<OrderView>, OrderOperationError> {
        self.orders
            .milestone(
                ProviderActor::Partner(auth.0),
                order_id.0,
                Milestone::Start,
                body.0.code,
            )
            .await
    }

    /// Complete an order (partner)
    ///
    /// Like `complete_order`, with the resident's code. Needs `orders:write`.
    #[oai(
        path = "/partner/orders/:order_id/completion",
        method = "post",
        operation_id = "complete_partner_order"
    )]
    async fn complete_partner_order(
        &self,
        auth: PartnerAuth,
        /// The order.
        order_id: Path<i64>,
        body: JsonBody<OrderCodeRequest>,
    ) -> Result<Json<OrderView>, OrderOperationError> {
        self.orders
            .milestone(
                ProviderActor::Partner(auth.0),
                order_id.0,
                Milestone::Complete,
                body.0.code,
            )
            .await
    }

    /// Record a co-payment (partner)
    ///
    /// Like `record_payment`. Needs `orders:write` and an `Idempotency-Key`.
    #[oai(
        path = "/partner/orders/:order_id/payments",
        method = "post",
        operation_id = "record_partner_payment"
    )]
    async fn record_partner_payment(
        &self,
        auth: PartnerAuth,
        /// Unique per payment, chosen by the client (1–100 characters).
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 100))]
        idempotency_key: Header<String>,
        /// The order.
        order_id: Path<i64>,
        body: JsonBody<RecordPaymentRequest>,
    ) -> Result<CreatedOrFound<OrderView>, OrderOperationError> {
        let scope = format!("org:{}", auth.0.organization_id.0);
        self.orders
            .payment(
                Recorder::Partner(auth.0),
                scope,
                idempotency_key.0,
                order_id.0,
                body.0,
            )
            .await
    }

    /// List the organization's settlements (partner)
    ///
    /// Needs `orders:read`.
    #[oai(
        path = "/partner/settlements",
        method = "get",
        operation_id = "list_partner_settlements"
    )]
    async fn list_partner_settlements(
        &self,
        auth: PartnerAuth,
    ) -> Result<Json<Vec<SettlementView>>, SettlementOperationError> {
        let org = auth.0.organization_id;
        let list = settlement::list_settlements(
            &self.orders.state.db,
            SettlementReader::Partner(auth.0),
            org,
        )
        .await
        .map_err(map_settlement)?;
        Ok(Json(list.into_iter().map(Into::into).collect()))
    }

    /// Show a settlement statement (partner)
    ///
    /// Needs `orders:read`.
    #[oai(
        path = "/partner/settlements/:settlement_id",
        method = "get",
        operation_id = "get_partner_settlement"
    )]
    async fn get_partner_settlement(
        &self,
        auth: PartnerAuth,
        /// The batch.
        settlement_id: Path<i64>,
    ) -> Result<Json<SettlementStatementView>, SettlementOperationError> {
        Ok(Json(
            statement(
                &self.orders.state,
                SettlementReader::Partner(auth.0),
                settlement_id.0,
            )
            .await?,
        ))
    }
}
