//! Needs over HTTP: posting and reading needs, claims and the waitlist, verified delivery,
//! confirmation, disputes, no-shows and care plans. Handlers extract, convert, call one use
//! case and map its error; the views and the error mapping live beside this file.

pub mod matching;
pub mod offers;
pub mod problems;
pub mod views;

use linli_domain::accounts::UserId;
use linli_domain::areas::AreaId;
use linli_domain::needs::delivery::{self, Check, Presence};
use linli_domain::needs::plans::{self, PlanInput};
use linli_domain::needs::posting::{self, Listing, NeedEdit};
use linli_domain::needs::rules::{NeedFields, check_fields, check_new_need};
use linli_domain::needs::{NeedId, Resolution, claims};
use linli_domain::time::now_utc;
use poem::http::StatusCode;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Enum, OpenApi};
use problems::{
    CarePlanOperationError, ClaimOperationError, DeliveryOperationError, NeedOperationError,
    claim_error, delivery_error, invalid_need, need_error, plan_error,
};
use views::{
    CancelNeedRequest, CarePlanView, CheckRequest, ClaimNeedRequest, ClaimResultView,
    ConfirmNeedRequest, CreateCarePlanRequest, CreateNeedRequest, DisputeNeedRequest, DisputeView,
    NeedDetailsView, NeedStatusView, NeedView, NoShowRequest, ResolutionView,
    ResolveDisputeRequest, UpdateNeedRequest,
};

use crate::auth::{SessionAuth, SessionToken};
use crate::body::JsonBody;
use crate::problem::{Problem, ProblemJson, rejected};
use crate::responses::Created;
use crate::routes::ApiTags;
use crate::state::AppState;

/// Endpoints of the `needs` resource.
pub struct NeedsApi {
    /// Shared state.
    pub state: AppState,
}

/// Which needs `list_needs` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum NeedListing {
    /// Needs for me or posted by me.
    Mine,
    /// Waiting needs within my service radius, as a volunteer (no personal data).
    Open,
    /// Needs in the areas I am staff or grid worker of.
    Area,
    /// Needs I claimed.
    Claimed,
}

fn default_listing() -> NeedListing {
    NeedListing::Mine
}

fn default_limit() -> i64 {
    50
}

fn presence(body: CheckRequest) -> Option<Presence> {
    match (body.code, body.helper_id, body.override_reason) {
        (_, Some(helper), Some(reason)) if !reason.trim().is_empty() => Some(Presence::Override {
            helper: UserId(helper),
            reason: reason.trim().to_owned(),
        }),
        (Some(code), None, None) => Some(Presence::Code(code)),
        _ => None,
    }
}

fn code_required() -> DeliveryOperationError {
    DeliveryOperationError::Invalid(ProblemJson(Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "code_required",
        "send the resident's `code`, or (staff) `helper_id` with an `override_reason`",
    )))
}

/// Why an operation whose caller is resolved in its own store hop was refused: its input,
/// checked only once the caller is known (a bad token is a 401 whatever the body says, as
/// for every operation), or the use case.
enum Refused<I, E> {
    Input(I),
    Case(E),
}

impl NeedsApi {
    async fn check(
        &self,
        auth: SessionToken,
        need_id: i64,
        direction: Check,
        body: CheckRequest,
    ) -> Result<Json<NeedView>, DeliveryOperationError> {
        let presence = presence(body);
        let (id, now) = (NeedId(need_id), now_utc());
        let need = auth
            .run(&self.state.db, move |conn, caller| {
                let presence = presence.ok_or(Refused::Input(()))?;
                delivery::check_on(conn, &caller.principal, id, direction, &presence, now)
                    .map_err(Refused::Case)
            })
            .await
            .map_err(rejected)?
            .map_err(|refused| match refused {
                Refused::Input(()) => code_required(),
                Refused::Case(error) => delivery_error(error),
            })?;
        Ok(Json(NeedView::from(&need)))
    }
}

#[OpenApi(tag = "ApiTags::Needs")]
impl NeedsApi {
    /// Post a need
    ///
    /// A resident posts what they need; a proxy holding the resident's consent, or staff over
    /// their grid, posts on their behalf (`resident_id`). The need gets a 4-digit check code
    /// that only the resident's side sees. Audited.
    #[oai(path = "/needs", method = "post", operation_id = "create_need")]
    async fn create_need(
        &self,
        auth: SessionToken,
        body: JsonBody<CreateNeedRequest>,
    ) -> Result<Created<NeedDetailsView>, NeedOperationError> {
        let body = body.0;
        let now = now_utc();
        let new = check_new_need(
            body.category_code.trim().to_owned(),
            body.grid_id.map(AreaId),
            &NeedFields {
                description: body.description,
                address: body.address,
                window_start: body.window_start.naive_utc(),
                window_end: body.window_end.naive_utc(),
                duration_minutes: body.duration_minutes,
                headcount: body.headcount,
            },
            body.urgency.into(),
            body.mode.into(),
            now,
        );
        let resident = body.resident_id.map(UserId);
        let details = auth
            .run(&self.state.db, move |conn, caller| {
                let new = new.map_err(Refused::Input)?;
                let need = posting::create_on(conn, &caller.principal, resident, &new, now)
                    .map_err(Refused::Case)?;
                posting::get_on(conn, &caller.principal, need.id, false, now).map_err(Refused::Case)
            })
            .await
            .map_err(rejected)?
            .map_err(|refused| match refused {
                Refused::Input(errors) => NeedOperationError::Invalid(invalid_need(&errors)),
                Refused::Case(error) => need_error(error),
            })?;
        Ok(Created::Created(Json(NeedDetailsView::from(&details))))
    }

    /// List needs
    ///
    /// `listing=mine` (default): needs for or posted by you. `open`: waiting needs within
    /// your service radius, for verified volunteers, without personal data. `area`: needs in
    /// the areas you are staff or grid worker of. `claimed`: needs you claimed. Newest first;
    /// page with `before` (the smallest id of the previous page). `disputed=true` keeps only
    /// needs with an open dispute, e.g. `listing=area&disputed=true` for the disputes staff
    /// resolve.
    #[oai(path = "/needs", method = "get", operation_id = "list_needs")]
    async fn list_needs(
        &self,
        auth: SessionAuth,
        /// Which needs.
        #[oai(default = "default_listing")]
        listing: Query<NeedListing>,
        /// Only needs in this state.
        status: Query<Option<NeedStatusView>>,
        /// Only needs with an open dispute (`true`).
        #[oai(default)]
        disputed: Query<bool>,
        /// Only needs with a smaller id.
        before: Query<Option<i64>>,
        /// Page size (1–200).
        #[oai(
            default = "default_limit",
            validator(minimum(value = "1"), maximum(value = "200"))
        )]
        limit: Query<i64>,
    ) -> Result<Json<Vec<NeedView>>, NeedOperationError> {
        let listing = match listing.0 {
            NeedListing::Mine => Listing::Mine,
            NeedListing::Open => Listing::Open,
            NeedListing::Area => Listing::Area,
            NeedListing::Claimed => Listing::Claimed,
        };
        let statuses = status.0.map(|s| vec![s.as_str()]).unwrap_or_default();
        let needs = posting::list(
            &self.state.db,
            auth.0.principal,
            listing,
            statuses,
            disputed.0,
            before.0,
            limit.0,
        )
        .await
        .map_err(need_error)?;
        Ok(Json(needs.iter().map(NeedView::from).collect()))
    }

    /// Show a need
    ///
    /// The resident's side sees everything, check code included. Staff over the area and
    /// helpers holding a place see the resident's phone and address only with `reveal=true`,
    /// helpers only until their part ends; every such reveal is audited. Volunteers whose
    /// radius covers a waiting need see it without personal data.
    #[oai(path = "/needs/:need_id", method = "get", operation_id = "get_need")]
    async fn get_need(
        &self,
        auth: SessionAuth,
        need_id: Path<i64>,
        /// Show the resident's contact (audited).
        #[oai(default)]
        reveal: Query<bool>,
    ) -> Result<Json<NeedDetailsView>, NeedOperationError> {
        let details = posting::get(
            &self.state.db,
            auth.0.principal,
            NeedId(need_id.0),
            reveal.0,
            now_utc(),
        )
        .await
        .map_err(need_error)?;
        Ok(Json(NeedDetailsView::from(&details)))
    }

    /// Edit a need
    ///
    /// While it is open and nobody has claimed it, by the resident's side or staff.
    #[oai(path = "/needs/:need_id", method = "put", operation_id = "update_need")]
    async fn update_need(
        &self,
        auth: SessionAuth,
        need_id: Path<i64>,
        body: JsonBody<UpdateNeedRequest>,
    ) -> Result<Json<NeedView>, NeedOperationError> {
        let body = body.0;
        let now = now_utc();
        let fields = NeedFields {
            description: body.description,
            address: body.address,
            window_start: body.window_start.naive_utc(),
            window_end: body.window_end.naive_utc(),
            duration_minutes: body.duration_minutes,
            headcount: body.headcount,
        };
        check_fields(&fields, now)
            .map_err(|errors| NeedOperationError::Invalid(invalid_need(&errors)))?;
        let need = posting::update(
            &self.state.db,
            auth.0.principal,
            NeedId(need_id.0),
            NeedEdit {
                fields,
                urgency: body.urgency.into(),
            },
            now,
        )
        .await
        .map_err(need_error)?;
        Ok(Json(NeedView::from(&need)))
    }

    /// Cancel a need
    ///
    /// Before anyone has started, by the resident's side or staff, with a reason. Every claim
    /// is cancelled with it. Audited.
    #[oai(
        path = "/needs/:need_id/cancellation",
        method = "post",
        operation_id = "cancel_need"
    )]
    async fn cancel_need(
        &self,
        auth: SessionAuth,
        need_id: Path<i64>,
        body: JsonBody<CancelNeedRequest>,
    ) -> Result<Json<NeedView>, NeedOperationError> {
        let need = posting::cancel(
            &self.state.db,
            auth.0.principal,
            NeedId(need_id.0),
            body.0.reason.trim().to_owned(),
            now_utc(),
        )
        .await
        .map_err(need_error)?;
        Ok(Json(NeedView::from(&need)))
    }

    /// Claim a need
    ///
    /// A verified volunteer who passes the category's safeguarding gates takes a place on a
    /// waiting need within their radius. Never more places than the headcount, however many
    /// claim at once; when full, `waitlist=true` joins the waitlist (promoted in order when
    /// someone withdraws), else the claim is refused with `need_full`.
    #[oai(
        path = "/needs/:need_id/claims",
        method = "post",
        operation_id = "claim_need"
    )]
    async fn claim_need(
        &self,
        auth: SessionToken,
        need_id: Path<i64>,
        body: JsonBody<ClaimNeedRequest>,
    ) -> Result<Created<ClaimResultView>, ClaimOperationError> {
        let (id, waitlist, now) = (NeedId(need_id.0), body.0.waitlist, now_utc());
        let claimed = auth
            .run(&self.state.db, move |conn, caller| {
                claims::claim_on(conn, &caller.principal, id, waitlist, now)
            })
            .await
            .map_err(rejected)?
            .map_err(claim_error)?;
        Ok(Created::Created(Json(ClaimResultView {
            status: claimed.status.as_str().to_owned(),
            need: NeedView::from(&claimed.need),
        })))
    }

    /// Withdraw my claim
    ///
    /// Before the work starts; the oldest waitlisted claim takes the freed place.
    #[oai(
        path = "/needs/:need_id/claims/mine",
        method = "delete",
        operation_id = "withdraw_claim"
    )]
    async fn withdraw_claim(
        &self,
        auth: SessionAuth,
        need_id: Path<i64>,
    ) -> Result<Json<NeedView>, ClaimOperationError> {
        let withdrawn = claims::withdraw(
            &self.state.db,
            auth.0.principal,
            NeedId(need_id.0),
            now_utc(),
        )
        .await
        .map_err(claim_error)?;
        Ok(Json(NeedView::from(&withdrawn.need)))
    }

    /// Check in
    ///
    /// An assigned helper arrives and enters the resident's 4-digit `code`; or staff over the
    /// area record it for `helper_id` with an `override_reason` (audited). Wrong codes count
    /// per need and helper; after 5 only an override helps (429).
    #[oai(
        path = "/needs/:need_id/check-in",
        method = "post",
        operation_id = "check_in"
    )]
    async fn check_in(
        &self,
        auth: SessionToken,
        need_id: Path<i64>,
        body: JsonBody<CheckRequest>,
    ) -> Result<Json<NeedView>, DeliveryOperationError> {
        self.check(auth, need_id.0, Check::In, body.0).await
    }

    /// Check out
    ///
    /// As check-in; credits the minutes since check-in. When nobody is left on site the need
    /// awaits the resident's confirmation (auto-confirmed after 72 hours).
    #[oai(
        path = "/needs/:need_id/check-out",
        method = "post",
        operation_id = "check_out"
    )]
    async fn check_out(
        &self,
        auth: SessionToken,
        need_id: Path<i64>,
        body: JsonBody<CheckRequest>,
    ) -> Result<Json<NeedView>, DeliveryOperationError> {
        self.check(auth, need_id.0, Check::Out, body.0).await
    }

    /// Confirm a need
    ///
    /// The resident or their proxy confirms delivered help and may rate it (1–5, comment).
    #[oai(
        path = "/needs/:need_id/confirmation",
        method = "post",
        operation_id = "confirm_need"
    )]
    async fn confirm_need(
        &self,
        auth: SessionToken,
        need_id: Path<i64>,
        body: JsonBody<ConfirmNeedRequest>,
    ) -> Result<Json<NeedView>, DeliveryOperationError> {
        let body = body.0;
        let rating = body.rating.map(|r| (r, body.comment));
        let (id, now, zone) = (NeedId(need_id.0), now_utc(), self.state.config.time_zone);
        let need = auth
            .run(&self.state.db, move |conn, caller| {
                delivery::confirm_on(conn, &caller.principal, id, rating, now, zone)
            })
            .await
            .map_err(rejected)?
            .map_err(delivery_error)?;
        Ok(Json(NeedView::from(&need)))
    }

    /// Dispute a need
    ///
    /// The resident's side or a helper who delivered disputes the delivery; staff resolve it.
    /// Audited.
    #[oai(
        path = "/needs/:need_id/disputes",
        method = "post",
        operation_id = "dispute_need"
    )]
    async fn dispute_need(
        &self,
        auth: SessionAuth,
        need_id: Path<i64>,
        body: JsonBody<DisputeNeedRequest>,
    ) -> Result<Created<DisputeView>, DeliveryOperationError> {
        let dispute = delivery::dispute(
            &self.state.db,
            auth.0.principal,
            NeedId(need_id.0),
            body.0.reason.trim().to_owned(),
            now_utc(),
        )
        .await
        .map_err(delivery_error)?;
        Ok(Created::Created(Json(DisputeView::from(&dispute))))
    }

    /// Resolve a dispute
    ///
    /// Staff over the need's area uphold the delivery, adjust its minutes or void it, with a
    /// reason. Audited.
    #[oai(
        path = "/needs/:need_id/disputes/:dispute_id/resolution",
        method = "post",
        operation_id = "resolve_dispute"
    )]
    async fn resolve_dispute(
        &self,
        auth: SessionAuth,
        need_id: Path<i64>,
        dispute_id: Path<i64>,
        body: JsonBody<ResolveDisputeRequest>,
    ) -> Result<Json<DisputeView>, DeliveryOperationError> {
        let body = body.0;
        let resolution = match body.resolution {
            ResolutionView::Uphold => Resolution::Uphold,
            ResolutionView::Adjust => Resolution::Adjust,
            ResolutionView::Void => Resolution::Void,
        };
        let dispute = delivery::resolve(
            &self.state.db,
            auth.0.principal,
            NeedId(need_id.0),
            dispute_id.0,
            delivery::Ruling {
                resolution,
                reason: body.reason.trim().to_owned(),
                minutes: body.minutes,
            },
            now_utc(),
            self.state.config.time_zone,
        )
        .await
        .map_err(delivery_error)?;
        Ok(Json(DisputeView::from(&dispute)))
    }

    /// Report a no-show
    ///
    /// The resident's side or staff report that an assigned helper did not come. The claim is
    /// kept as `no_show` (it lowers reliability) and the place is freed. Audited.
    #[oai(
        path = "/needs/:need_id/no-shows",
        method = "post",
        operation_id = "report_no_show"
    )]
    async fn report_no_show(
        &self,
        auth: SessionAuth,
        need_id: Path<i64>,
        body: JsonBody<NoShowRequest>,
    ) -> Result<Json<NeedView>, DeliveryOperationError> {
        let need = delivery::report_no_show(
            &self.state.db,
            auth.0.principal,
            NeedId(need_id.0),
            UserId(body.0.helper_id),
            now_utc(),
        )
        .await
        .map_err(delivery_error)?;
        Ok(Json(NeedView::from(&need)))
    }

    /// Create a care plan
    ///
    /// A social worker (or staff) over the resident's grid plans weekly help. Occurrences of
    /// the next two weeks are posted at once and a job keeps posting them; each prefers the
    /// helper of the last completed one. Audited.
    #[oai(
        path = "/care-plans",
        method = "post",
        operation_id = "create_care_plan"
    )]
    async fn create_care_plan(
        &self,
        auth: SessionAuth,
        body: JsonBody<CreateCarePlanRequest>,
    ) -> Result<Created<CarePlanView>, CarePlanOperationError> {
        let body = body.0;
        let (plan, posted) = plans::create(
            &self.state.db,
            auth.0.principal,
            PlanInput {
                resident: UserId(body.resident_id),
                category_code: body.category_code,
                description: body.description,
                weekday: body.weekday,
                start_minute: body.start_minute,
                duration_minutes: body.duration_minutes,
                headcount: body.headcount,
            },
            self.state.config.time_zone,
            now_utc(),
        )
        .await
        .map_err(plan_error)?;
        Ok(Created::Created(Json(CarePlanView {
            id: plan.id,
            resident_id: plan.resident_id.0,
            category_id: plan.category_id.0,
            description: plan.description,
            weekday: plan.weekday,
            start_minute: plan.start_minute,
            duration_minutes: plan.duration_minutes,
            headcount: plan.headcount,
            preferred_helper_id: plan.preferred_helper_id.map(|u| u.0),
            occurrences_posted: posted,
        })))
    }
}
