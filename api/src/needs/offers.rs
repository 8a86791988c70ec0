//! Dispatch over HTTP: staff offer a need to ranked targets, volunteers and organizations
//! answer their offers, organizations assign members; partner systems do the same with a key.

use chrono::{DateTime, Utc};
use linli_domain::accounts::UserId;
use linli_domain::api_keys::Scope;
use linli_domain::api_keys::rules::{PartnerRefusal, check_partner};
use linli_domain::needs::dispatch::{self, Dispatch, DispatchError, Offer, Responder};
use linli_domain::needs::offer_rules::{OfferStatus, Target};
use linli_domain::needs::{Need, NeedId};
use linli_domain::organizations::OrganizationId;
use linli_domain::time::now_utc;
use poem::http::StatusCode;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use super::problems::{ClaimOperationError, claim_error};
use super::views::NeedView;
use crate::auth::{PartnerAuth, SessionAuth};
use crate::body::JsonBody;
use crate::partner::partner_refused;
use crate::problem::{Problem, ProblemJson, Rejection, from_store_error, reject, rejected};
use crate::responses::Created;
use crate::routes::ApiTags;
use crate::state::AppState;

/// Endpoints of dispatch offers.
pub struct OffersApi {
    /// Shared state.
    pub state: AppState,
}

/// Where an offer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum OfferStatusView {
    /// Ranked, waiting for the targets before it.
    Queued,
    /// Offered; waiting for an answer until the deadline.
    Pending,
    /// Taken.
    Accepted,
    /// Refused.
    Declined,
    /// Unanswered past the deadline.
    Lapsed,
    /// No longer needed.
    Withdrawn,
}

impl From<OfferStatus> for OfferStatusView {
    fn from(status: OfferStatus) -> Self {
        match status {
            OfferStatus::Queued => Self::Queued,
            OfferStatus::Pending => Self::Pending,
            OfferStatus::Accepted => Self::Accepted,
            OfferStatus::Declined => Self::Declined,
            OfferStatus::Lapsed => Self::Lapsed,
            OfferStatus::Withdrawn => Self::Withdrawn,
        }
    }
}

/// One target's offer of a need.
#[derive(Debug, Clone, Object)]
pub struct OfferView {
    /// Its id.
    pub id: i64,
    /// Which need.
    pub need_id: i64,
    /// Its place in the dispatcher's ranking.
    pub position: i32,
    /// The volunteer it is made to.
    pub target_user_id: Option<i64>,
    /// The team or social organization it is made to.
    pub target_organization_id: Option<i64>,
    /// Where it stands.
    pub status: OfferStatusView,
    /// Minutes the target has to answer once offered.
    pub response_minutes: i32,
    /// When it was offered.
    pub offered_at: Option<DateTime<Utc>>,
    /// When it lapses unanswered.
    pub deadline: Option<DateTime<Utc>>,
    /// When it ended.
    pub responded_at: Option<DateTime<Utc>>,
    /// When it was dispatched.
    pub created_at: DateTime<Utc>,
}

impl From<&Offer> for OfferView {
    fn from(offer: &Offer) -> Self {
        let (user, organization) = match offer.target {
            Target::Volunteer(user) => (Some(user.0), None),
            Target::Organization(organization) => (None, Some(organization.0)),
        };
        Self {
            id: offer.id,
            need_id: offer.need_id.0,
            position: offer.position,
            target_user_id: user,
            target_organization_id: organization,
            status: offer.status.into(),
            response_minutes: offer.response_minutes,
            offered_at: offer.offered_at.map(|t| t.and_utc()),
            deadline: offer.deadline.map(|t| t.and_utc()),
            responded_at: offer.responded_at.map(|t| t.and_utc()),
            created_at: offer.created_at.and_utc(),
        }
    }
}

/// An offer made to me (or my organization) with the need, without personal data.
#[derive(Debug, Clone, Object)]
pub struct ReceivedOfferView {
    /// The offer.
    pub offer: OfferView,
    /// The need as it is now; the address and contact come only once assigned.
    pub need: NeedView,
}

fn received(offers: &[(Offer, Need)]) -> Vec<ReceivedOfferView> {
    offers
        .iter()
        .map(|(offer, need)| ReceivedOfferView {
            offer: offer.into(),
            need: need.into(),
        })
        .collect()
}

/// Whom to offer a need to: exactly one of `user_id` (a verified volunteer) or
/// `organization_id` (a verified volunteer team or social organization serving the community).
#[derive(Debug, Clone, Object)]
pub struct OfferTargetRequest {
    /// A volunteer's user id.
    pub user_id: Option<i64>,
    /// An organization's id.
    pub organization_id: Option<i64>,
}

/// A dispatch: targets best first (e.g. from the candidate list) and the answer window.
#[derive(Debug, Clone, Object)]
pub struct DispatchNeedRequest {
    /// Ranked targets (1–20), best first.
    pub targets: Vec<OfferTargetRequest>,
    /// Minutes each target has to answer once offered (5–10080).
    #[oai(default = "default_response_minutes")]
    pub response_minutes: i32,
}

fn default_response_minutes() -> i32 {
    30
}

/// An answer to an offer.
#[derive(Debug, Clone, Object)]
pub struct RespondToOfferRequest {
    /// True to accept, false to decline.
    pub accept: bool,
}

/// Members an organization assigns to a need it accepted.
#[derive(Debug, Clone, Object)]
pub struct AssignOfferMembersRequest {
    /// The members' user ids (1–20); each becomes a claim.
    #[oai(validator(min_items = 1, max_items = 20))]
    pub user_ids: Vec<i64>,
}

/// Responses of the dispatch operations.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum OfferOperationError {
    /// Only staff over the need's area (`not_staff`); the offer is someone else's
    /// (`not_your_offer`); a partner key lacking `needs:read`/`needs:write` (`missing_scope`);
    /// or the claim's gates (`not_a_volunteer`, `out_of_radius`, `real_name_unverified`,
    /// `credentials_missing`, `category_not_for_volunteers`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// No such need or offer within your reach (`offer_not_found`).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// The offer or need refuses it: `offer_not_pending` (answered, lapsed, withdrawn),
    /// `offer_expired`, `dispatch_in_progress`, `need_not_claimable`, `need_full`,
    /// `already_claimed`, `overlapping_claim`, `own_need`, `paid_need`,
    /// `not_an_organization_offer`, `not_a_member`.
    #[oai(status = 409)]
    Conflict(ProblemJson),
    /// The request breaks a rule: `invalid_target`, `invalid_target_count`,
    /// `duplicate_target`, `invalid_response_window`, `unknown_target`, a volunteer whose
    /// service radius does not reach the need (`target_out_of_radius`) or whom the category's
    /// safeguarding gates refuse (`target_not_qualified`).
    #[oai(status = 422)]
    Invalid(ProblemJson),
    /// Refused before the operation ran (400, 401, 413, 415) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for OfferOperationError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

fn problem(status: StatusCode, code: &str, detail: impl Into<String>) -> ProblemJson {
    Problem::new(status, code, detail).into()
}

fn from_claim(error: ClaimOperationError) -> OfferOperationError {
    match error {
        ClaimOperationError::Forbidden(p) => OfferOperationError::Forbidden(p),
        ClaimOperationError::NotFound(p) => OfferOperationError::NotFound(p),
        ClaimOperationError::Conflict(p) => OfferOperationError::Conflict(p),
        ClaimOperationError::Rejected(s, p) => OfferOperationError::Rejected(s, p),
    }
}

/// Maps a dispatch error.
pub fn offer_error(error: DispatchError) -> OfferOperationError {
    use OfferOperationError as E;
    let text = error.to_string();
    match error {
        DispatchError::NotFound => {
            E::NotFound(problem(StatusCode::NOT_FOUND, "offer_not_found", text))
        }
        DispatchError::NotStaff => E::Forbidden(problem(StatusCode::FORBIDDEN, "not_staff", text)),
        DispatchError::NotYourOffer => {
            E::Forbidden(problem(StatusCode::FORBIDDEN, "not_your_offer", text))
        }
        DispatchError::Input(input) => E::Invalid(problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            input.code(),
            text,
        )),
        DispatchError::UnknownTarget(_) => E::Invalid(problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_target",
            text,
        )),
        DispatchError::TargetOutOfRadius(_) => E::Invalid(problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "target_out_of_radius",
            text,
        )),
        DispatchError::TargetNotQualified(..) => E::Invalid(problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "target_not_qualified",
            text,
        )),
        DispatchError::InProgress => {
            E::Conflict(problem(StatusCode::CONFLICT, "dispatch_in_progress", text))
        }
        DispatchError::Offer(refusal) => {
            E::Conflict(problem(StatusCode::CONFLICT, refusal.code(), text))
        }
        DispatchError::NotOrganizationOffer => E::Conflict(problem(
            StatusCode::CONFLICT,
            "not_an_organization_offer",
            text,
        )),
        DispatchError::NotMember(_) => {
            E::Conflict(problem(StatusCode::CONFLICT, "not_a_member", text))
        }
        DispatchError::Refused(refusal) => {
            E::Conflict(problem(StatusCode::CONFLICT, refusal.code(), text))
        }
        DispatchError::Claim(claim) => from_claim(claim_error(claim)),
        DispatchError::Store(e) => rejected(from_store_error(&e)),
    }
}

/// The ranked targets, or `None` when one names both or neither of a user and an organization.
fn targets(body: &DispatchNeedRequest) -> Option<Vec<Target>> {
    body.targets
        .iter()
        .map(|t| match (t.user_id, t.organization_id) {
            (Some(user), None) => Some(Target::Volunteer(UserId(user))),
            (None, Some(organization)) => Some(Target::Organization(OrganizationId(organization))),
            _ => None,
        })
        .collect()
}

fn invalid_target() -> OfferOperationError {
    OfferOperationError::Invalid(problem(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_target",
        "each target names exactly one of `user_id` or `organization_id`",
    ))
}

/// The key's organization as responder, or why the key may not do this.
fn partner(auth: &PartnerAuth, scope: Scope) -> Result<Responder, PartnerRefusal> {
    check_partner(&auth.0, scope)?;
    Ok(Responder::Partner(auth.0.organization_id))
}

fn refused(refusal: PartnerRefusal) -> OfferOperationError {
    OfferOperationError::Forbidden(partner_refused(refusal).into())
}

fn default_limit() -> i64 {
    50
}

impl OffersApi {
    async fn respond(
        &self,
        responder: Responder,
        offer_id: i64,
        accept: bool,
    ) -> Result<Json<OfferView>, OfferOperationError> {
        let offer = dispatch::respond(
            &self.state.db,
            responder,
            offer_id,
            accept,
            now_utc(),
            self.state.config.time_zone,
        )
        .await
        .map_err(offer_error)?;
        Ok(Json(OfferView::from(&offer)))
    }

    async fn assign(
        &self,
        responder: Responder,
        offer_id: i64,
        body: AssignOfferMembersRequest,
    ) -> Result<Json<NeedView>, OfferOperationError> {
        let need = dispatch::assign_members(
            &self.state.db,
            responder,
            offer_id,
            body.user_ids.into_iter().map(UserId).collect(),
            now_utc(),
        )
        .await
        .map_err(offer_error)?;
        Ok(Json(NeedView::from(&need)))
    }
}

#[OpenApi(tag = "ApiTags::Needs")]
impl OffersApi {
    /// Dispatch a need
    ///
    /// Staff or a grid worker over the need's area offer it to ranked targets — volunteers,
    /// volunteer teams or social organizations — each given `response_minutes` to answer. The
    /// first is offered now (notification; webhook `need.dispatched` to an organization); a
    /// decline or a lapse offers the next; when nobody is left the need is escalated. A
    /// volunteer must reach the need within their service radius and pass the category's
    /// safeguarding gates, both when dispatched (else 422 `target_out_of_radius` or
    /// `target_not_qualified`, nothing offered) and when the cascade reaches them (else their
    /// offer is withdrawn and the next target offered).
    #[oai(
        path = "/needs/:need_id/offers",
        method = "post",
        operation_id = "dispatch_need"
    )]
    async fn dispatch_need(
        &self,
        auth: SessionAuth,
        need_id: Path<i64>,
        body: JsonBody<DispatchNeedRequest>,
    ) -> Result<Created<Vec<OfferView>>, OfferOperationError> {
        let request = Dispatch {
            targets: targets(&body.0).ok_or_else(invalid_target)?,
            response_minutes: body.0.response_minutes,
        };
        let offers = dispatch::dispatch(
            &self.state.db,
            auth.0.principal,
            NeedId(need_id.0),
            request,
            now_utc(),
            self.state.config.time_zone,
        )
        .await
        .map_err(offer_error)?;
        Ok(Created::Created(Json(
            offers.iter().map(OfferView::from).collect(),
        )))
    }

    /// List a need's offers
    ///
    /// Every offer of the need in ranking order, for staff and grid workers over its area.
    #[oai(
        path = "/needs/:need_id/offers",
        method = "get",
        operation_id = "list_need_offers"
    )]
    async fn list_need_offers(
        &self,
        auth: SessionAuth,
        need_id: Path<i64>,
    ) -> Result<Json<Vec<OfferView>>, OfferOperationError> {
        let offers = dispatch::list_for_need(&self.state.db, auth.0.principal, NeedId(need_id.0))
            .await
            .map_err(offer_error)?;
        Ok(Json(offers.iter().map(OfferView::from).collect()))
    }

    /// List offers made to me
    ///
    /// Offers made to me as a volunteer and to the organizations I am an admin or leader of,
    /// newest first, each with its need (no personal data).
    #[oai(path = "/me/offers", method = "get", operation_id = "list_my_offers")]
    async fn list_my_offers(
        &self,
        auth: SessionAuth,
        #[oai(
            default = "default_limit",
            validator(minimum(value = "1"), maximum(value = "200"))
        )]
        limit: Query<i64>,
    ) -> Result<Json<Vec<ReceivedOfferView>>, OfferOperationError> {
        let offers = dispatch::list_mine(&self.state.db, auth.0.principal.user.id, limit.0)
            .await
            .map_err(|e| rejected(from_store_error(&e)))?;
        Ok(Json(received(&offers)))
    }

    /// Answer an offer
    ///
    /// The volunteer it is made to, or an admin or leader of the organization, accepts or
    /// declines before the deadline. A volunteer's acceptance is their claim (with every gate
    /// of `claim_need`); an organization then assigns members. A decline offers the next target.
    #[oai(
        path = "/offers/:offer_id/response",
        method = "post",
        operation_id = "respond_to_offer"
    )]
    async fn respond_to_offer(
        &self,
        auth: SessionAuth,
        offer_id: Path<i64>,
        body: JsonBody<RespondToOfferRequest>,
    ) -> Result<Json<OfferView>, OfferOperationError> {
        let me = Responder::Person(auth.0.principal.user.id);
        self.respond(me, offer_id.0, body.0.accept).await
    }

    /// Assign members to an accepted offer
    ///
    /// An admin or leader of the organization that accepted assigns its members; each becomes
    /// a claim with every gate of `claim_need`; one refusal undoes them all.
    #[oai(
        path = "/offers/:offer_id/assignments",
        method = "post",
        operation_id = "assign_offer_members"
    )]
    async fn assign_offer_members(
        &self,
        auth: SessionAuth,
        offer_id: Path<i64>,
        body: JsonBody<AssignOfferMembersRequest>,
    ) -> Result<Json<NeedView>, OfferOperationError> {
        let me = Responder::Person(auth.0.principal.user.id);
        self.assign(me, offer_id.0, body.0).await
    }
}

/// Partner equivalents of the dispatch operations, for the key's organization.
pub struct PartnerOffersApi {
    /// The web operations this delegates to.
    pub offers: OffersApi,
}

#[OpenApi(tag = "ApiTags::Partner")]
impl PartnerOffersApi {
    /// List needs dispatched to the organization (partner)
    ///
    /// Offers made to the key's organization, newest first, each with its need (no personal
    /// data until members are assigned). Needs `needs:read`.
    #[oai(
        path = "/partner/offers",
        method = "get",
        operation_id = "list_partner_offers"
    )]
    async fn list_partner_offers(
        &self,
        auth: PartnerAuth,
        #[oai(
            default = "default_limit",
            validator(minimum(value = "1"), maximum(value = "200"))
        )]
        limit: Query<i64>,
    ) -> Result<Json<Vec<ReceivedOfferView>>, OfferOperationError> {
        partner(&auth, Scope::NeedsRead).map_err(refused)?;
        let offers =
            dispatch::list_for_organization(&self.offers.state.db, auth.0.organization_id, limit.0)
                .await
                .map_err(|e| rejected(from_store_error(&e)))?;
        Ok(Json(received(&offers)))
    }

    /// Answer an offer (partner)
    ///
    /// Like `respond_to_offer`, for an offer made to the key's organization. Needs
    /// `needs:write`.
    #[oai(
        path = "/partner/offers/:offer_id/response",
        method = "post",
        operation_id = "respond_to_partner_offer"
    )]
    async fn respond_to_partner_offer(
        &self,
        auth: PartnerAuth,
        offer_id: Path<i64>,
        body: JsonBody<RespondToOfferRequest>,
    ) -> Result<Json<OfferView>, OfferOperationError> {
        let responder = partner(&auth, Scope::NeedsWrite).map_err(refused)?;
        self.offers
            .respond(responder, offer_id.0, body.0.accept)
            .await
    }

    /// Assign members to an accepted offer (partner)
    ///
    /// Like `assign_offer_members`, for the key's organization. Needs `needs:write`.
    #[oai(
        path = "/partner/offers/:offer_id/assignments",
        method = "post",
        operation_id = "assign_partner_offer_members"
    )]
    async fn assign_partner_offer_members(
        &self,
        auth: PartnerAuth,
        offer_id: Path<i64>,
        body: JsonBody<AssignOfferMembersRequest>,
    ) -> Result<Json<NeedView>, OfferOperationError> {
        let responder = partner(&auth, Scope::NeedsWrite).map_err(refused)?;
        self.offers.assign(responder, offer_id.0, body.0).await
    }
}
