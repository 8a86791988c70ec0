//! Offerings and subsidy programmes over HTTP.

use linli_domain::areas::AreaId;
use linli_domain::organizations::OrganizationId;
use linli_domain::paid::OfferingId;
use linli_domain::paid::inputs::ProgrammeInput;
use linli_domain::paid::offerings::{
    self, NewOffering, OfferingChanges, OfferingReader, ProviderActor,
};
use linli_domain::paid::programmes;
use linli_domain::paid::store::OfferingFilter;
use linli_domain::time::now_utc;
use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;

use super::problems::{CatalogueOperationError, map_offering, map_programme};
use super::views::{
    CreateSubsidyProgramRequest, OfferingRequest, OfferingView, SubsidyProgramView,
    UpdateOfferingRequest,
};
use super::{default_limit, offering_input};
use crate::auth::SessionAuth;
use crate::body::JsonBody;
use crate::responses::Created;
use crate::routes::ApiTags;
use crate::state::AppState;

/// Endpoints of `offerings` and `subsidy-programs`.
pub struct CatalogueApi {
    /// Shared state.
    pub state: AppState,
}

/// The domain's new offering of a request.
pub fn new_offering(b: &OfferingRequest) -> NewOffering {
    NewOffering {
        organization: OrganizationId(b.organization_id),
        category: b.category_id,
        areas: b.area_ids.iter().copied().map(AreaId).collect(),
        input: offering_input(b),
        published: b.published,
    }
}

/// The domain's changes of a request.
pub fn offering_changes(b: &UpdateOfferingRequest) -> OfferingChanges {
    OfferingChanges {
        input: b.offering.as_ref().map(offering_input),
        category: b.offering.as_ref().map(|o| o.category_id),
        areas: b
            .offering
            .as_ref()
            .map(|o| o.area_ids.iter().copied().map(AreaId).collect()),
        published: b.published.or(b.offering.as_ref().map(|o| o.published)),
    }
}

#[OpenApi(tag = "ApiTags::PaidServices")]
impl CatalogueApi {
    /// Publish an offering
    ///
    /// An admin of a verified provider offers a priced service in communities it serves: unit
    /// hour, visit or item, the price per unit as a decimal string with at most 2 decimals,
    /// quantities, weekdays and hours, the answer deadline and the late-cancellation fee.
    /// Audited.
    #[oai(path = "/offerings", method = "post", operation_id = "create_offering")]
    async fn create_offering(
        &self,
        auth: SessionAuth,
        body: JsonBody<OfferingRequest>,
    ) -> Result<Created<OfferingView>, CatalogueOperationError> {
        let offering = offerings::create_offering(
            &self.state.db,
            ProviderActor::Person(auth.0.principal),
            new_offering(&body.0),
            now_utc(),
        )
        .await
        .map_err(map_offering)?;
        Ok(Created::Created(Json(offering.into())))
    }

    /// List offerings
    ///
    /// Published offerings serving a community, of a provider or of a category; a provider's
    /// members also see its unpublished ones.
    #[oai(path = "/offerings", method = "get", operation_id = "list_offerings")]
    async fn list_offerings(
        &self,
        auth: SessionAuth,
        /// Serving this community.
        community_id: Query<Option<i64>>,
        /// Of this provider.
        organization_id: Query<Option<i64>>,
        /// Of this category.
        category_id: Query<Option<i64>>,
        /// Page size, 1–200 (default 50).
        #[oai(
            default = "default_limit",
            validator(minimum(value = "1"), maximum(value = "200"))
        )]
        limit: Query<i64>,
    ) -> Result<Json<Vec<OfferingView>>, CatalogueOperationError> {
        let filter = OfferingFilter {
            organization: organization_id.0.map(OrganizationId),
            community: community_id.0.map(AreaId),
            category: category_id.0,
            published_only: true,
        };
        let list = offerings::list_offerings(
            &self.state.db,
            OfferingReader::Person(auth.0.principal),
            filter,
            limit.0,
        )
        .await
        .map_err(map_offering)?;
        Ok(Json(list.into_iter().map(Into::into).collect()))
    }

    /// Change, publish or unpublish an offering
    ///
    /// Replace its fields (`offering`) and/or publish or unpublish it (`published`). Orders
    /// placed keep the price they were booked at. Audited.
    #[oai(
        path = "/offerings/:offering_id",
        method = "patch",
        operation_id = "update_offering"
    )]
    async fn update_offering(
        &self,
        auth: SessionAuth,
        /// The offering.
        offering_id: Path<i64>,
        body: JsonBody<UpdateOfferingRequest>,
    ) -> Result<Json<OfferingView>, CatalogueOperationError> {
        let offering = offerings::update_offering(
            &self.state.db,
            ProviderActor::Person(auth.0.principal),
            OfferingId(offering_id.0),
            offering_changes(&body.0),
            now_utc(),
        )
        .await
        .map_err(map_offering)?;
        Ok(Json(offering.into()))
    }

    /// Create a subsidy programme
    ///
    /// A street admin (or platform admin) funds a programme from a street or district: a
    /// budget, a percentage (basis points) or a fixed amount per unit, a monthly cap per
    /// resident, the categories covered and eligibility rules over verified resident facts.
    /// The budget enters the money ledger as the programme's funds. Audited.
    #[oai(
        path = "/subsidy-programs",
        method = "post",
        operation_id = "create_subsidy_program"
    )]
    async fn create_subsidy_program(
        &self,
        auth: SessionAuth,
        body: JsonBody<CreateSubsidyProgramRequest>,
    ) -> Result<Created<SubsidyProgramView>, CatalogueOperationError> {
        let b = body.0;
        let input = ProgrammeInput {
            name_zh: b.name_zh,
            name_en: b.name_en,
            budget: b.budget.0,
            percent_bp: b.percent_bp,
            fixed_per_unit: b.fixed_per_unit.map(|m| m.0),
            monthly_cap: b.monthly_cap.0,
            eligibility: b.eligibility.into(),
            categories: b.category_ids,
        };
        let programme = programmes::create_programme(
            &self.state.db,
            auth.0.principal,
            AreaId(b.funding_area_id),
            input,
            now_utc(),
        )
        .await
        .map_err(map_programme)?;
        Ok(Created::Created(Json(
            programmes::ProgrammeView {
                programme,
                funder: true,
            }
            .into(),
        )))
    }

    /// List subsidy programmes
    ///
    /// Every programme; the funding body (street admins over the funding area, platform
    /// admins) also sees the budget and what remains of it.
    #[oai(
        path = "/subsidy-programs",
        method = "get",
        operation_id = "list_subsidy_programs"
    )]
    async fn list_subsidy_programs(
        &self,
        auth: SessionAuth,
    ) -> Result<Json<Vec<SubsidyProgramView>>, CatalogueOperationError> {
        let list = programmes::list_programmes(&self.state.db, auth.0.principal)
            .await
            .map_err(map_programme)?;
        Ok(Json(list.into_iter().map(Into::into).collect()))
    }
}
