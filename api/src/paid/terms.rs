//! Terms over HTTP: a provider's contract (commission rate, settlement period) and a
//! community's points terms (what a point is worth towards a paid service, and the share it
//! may pay). Both apply to orders booked after they change; orders keep the terms they were
//! booked under.

use linli_domain::areas::AreaId;
use linli_domain::organizations::OrganizationId;
use linli_domain::paid::terms;
use linli_domain::time::now_utc;
use poem_openapi::OpenApi;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;

use super::problems::{TermsOperationError, map_terms};
use super::views::{
    PointsPaymentTermsRequest, PointsPaymentTermsView, ProviderContractRequest,
    ProviderContractView,
};
use crate::auth::SessionAuth;
use crate::body::JsonBody;
use crate::routes::ApiTags;
use crate::state::AppState;

/// Endpoints of contracts and points terms.
pub struct TermsApi {
    /// Shared state.
    pub state: AppState,
}

#[OpenApi(tag = "ApiTags::PaidServices")]
impl TermsApi {
    /// Show a provider's contract
    ///
    /// The platform's commission on the provider's gross and how often it is settled (weekly
    /// or monthly); the defaults (5.00 %, weekly) until a contract is set. To street admins
    /// over the provider's communities, platform admins and the provider's admins and
    /// leaders.
    #[oai(
        path = "/organizations/:organization_id/contract",
        method = "get",
        operation_id = "get_provider_contract"
    )]
    async fn get_provider_contract(
        &self,
        auth: SessionAuth,
        /// The provider.
        organization_id: Path<i64>,
    ) -> Result<Json<ProviderContractView>, TermsOperationError> {
        let org = OrganizationId(organization_id.0);
        let stated = terms::get_contract(&self.state.db, auth.0.principal, org)
            .await
            .map_err(|e| map_terms(e, "provider_not_found"))?;
        Ok(Json(ProviderContractView::new(org.0, stated)))
    }

    /// Set a provider's contract
    ///
    /// A street admin over one of the provider's communities, or a platform admin, sets the
    /// commission (a percentage as a decimal string, at most two decimals, 0.00–50.00) and
    /// the settlement period. Audited. Orders booked from now on snapshot the new rate; the
    /// settlement job drafts the provider's next batch per the new period.
    #[oai(
        path = "/organizations/:organization_id/contract",
        method = "put",
        operation_id = "update_provider_contract"
    )]
    async fn update_provider_contract(
        &self,
        auth: SessionAuth,
        /// The provider.
        organization_id: Path<i64>,
        body: JsonBody<ProviderContractRequest>,
    ) -> Result<Json<ProviderContractView>, TermsOperationError> {
        let org = OrganizationId(organization_id.0);
        let contract = terms::contract_of(
            &body.0.commission_percent.0,
            body.0.settlement_period.as_str(),
        )
        .map_err(|e| map_terms(e, "provider_not_found"))?;
        let stated =
            terms::set_contract(&self.state.db, auth.0.principal, org, contract, now_utc())
                .await
                .map_err(|e| map_terms(e, "provider_not_found"))?;
        Ok(Json(ProviderContractView::new(org.0, stated)))
    }

    /// Show a community's points payment terms
    ///
    /// What one point is worth towards a paid service and the most of an order (after
    /// subsidies) points may pay; the defaults (¥0.10 a point, up to 50 %) until set. To
    /// anyone signed in: residents see the rate before booking.
    #[oai(
        path = "/areas/:area_id/points-payment-terms",
        method = "get",
        operation_id = "get_points_payment_terms"
    )]
    async fn get_points_payment_terms(
        &self,
        _auth: SessionAuth,
        /// The community.
        area_id: Path<i64>,
    ) -> Result<Json<PointsPaymentTermsView>, TermsOperationError> {
        let stated = terms::get_points_terms(&self.state.db, AreaId(area_id.0))
            .await
            .map_err(|e| map_terms(e, "community_not_found"))?;
        Ok(Json(PointsPaymentTermsView::new(area_id.0, stated)))
    }

    /// Set a community's points payment terms
    ///
    /// The community's staff, or a street or platform admin over it, set a point's value
    /// (a decimal string of yuan, 0.01–100.00) and the share points may pay (0–100 %).
    /// Audited. Orders booked from now on use them; booked orders keep the value their points
    /// were taken at.
    #[oai(
        path = "/areas/:area_id/points-payment-terms",
        method = "put",
        operation_id = "update_points_payment_terms"
    )]
    async fn update_points_payment_terms(
        &self,
        auth: SessionAuth,
        /// The community.
        area_id: Path<i64>,
        body: JsonBody<PointsPaymentTermsRequest>,
    ) -> Result<Json<PointsPaymentTermsView>, TermsOperationError> {
        let community = AreaId(area_id.0);
        let terms = terms::points_terms_of(&body.0.yuan_per_point.0, body.0.max_share_percent)
            .map_err(|e| map_terms(e, "community_not_found"))?;
        let stated = terms::set_points_terms(
            &self.state.db,
            auth.0.principal,
            community,
            terms,
            now_utc(),
        )
        .await
        .map_err(|e| map_terms(e, "community_not_found"))?;
        Ok(Json(PointsPaymentTermsView::new(area_id.0, stated)))
    }
}
