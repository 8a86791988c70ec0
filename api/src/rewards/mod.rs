//! The reward catalogue and redemptions over HTTP: communities, providers and charities offer
//! rewards; residents (or their proxies) redeem points for them; staff or the offering
//! organization fulfil; the person or staff cancel.

pub mod problems;
pub mod views;

use chrono::Utc;
use linli_domain::accounts::UserId;
use linli_domain::areas::AreaId;
use linli_domain::ledger::Points;
use linli_domain::organizations::OrganizationId;
use linli_domain::rewards::rules::{self as reward_rules, RewardInput, RewardInputError};
use linli_domain::rewards::usecases::{
    self, Fulfiller, Placed, RedemptionListing, RedemptionRequest,
};
use linli_domain::rewards::{RedemptionId, RewardChanges, RewardId, RewardText};
use linli_domain::time::now_utc;
use poem::http::StatusCode;
use poem_openapi::OpenApi;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;

use crate::auth::SessionAuth;
use crate::body::JsonBody;
use crate::idempotency::{self, Start};
use crate::responses::{Created, CreatedOrFound};
use crate::routes::ApiTags;
use crate::state::AppState;
use problems::{RedemptionOperationError, RewardOperationError, map_redemption, map_reward};
use views::{
    CancelRedemptionRequest, CreateRedemptionRequest, CreateRewardRequest, PlacedRedemptionView,
    RedemptionStateView, RedemptionView, RewardView, UpdateRewardRequest,
};

/// Endpoints of the `rewards` and `redemptions` resources.
pub struct RewardsApi {
    /// Shared state.
    pub state: AppState,
}

fn default_limit() -> i64 {
    50
}

fn changes_of(body: UpdateRewardRequest) -> Result<RewardChanges, Vec<RewardInputError>> {
    let age_gate = match (body.minimum_age, body.elder_only) {
        (None, None) => None,
        (age, elder) => Some(reward_rules::age_gate(age, elder.unwrap_or(false))?),
    };
    Ok(RewardChanges {
        title_zh: body.title_zh,
        title_en: body.title_en,
        description_zh: body.description_zh,
        description_en: body.description_en,
        points_cost: body.points_cost.map(Points),
        stock: body.stock,
        per_person_limit: body.per_person_limit,
        age_gate,
        active: body.active,
    })
}

#[OpenApi(tag = "ApiTags::Rewards")]
impl RewardsApi {
    /// List a community's rewards
    ///
    /// The catalogue of a community (default: yours); anyone signed in may read it. Staff of the
    /// community also see withdrawn rewards.
    #[oai(path = "/rewards", method = "get", operation_id = "list_rewards")]
    async fn list_rewards(
        &self,
        auth: SessionAuth,
        /// The community (default: your home community).
        community_id: Query<Option<i64>>,
    ) -> Result<Json<Vec<RewardView>>, RewardOperationError> {
        let rewards =
            usecases::list_rewards(&self.state.db, auth.0.principal, community_id.0.map(AreaId))
                .await
                .map_err(map_reward)?;
        Ok(Json(rewards.into_iter().map(Into::into).collect()))
    }

    /// Offer a reward
    ///
    /// Community staff offer one for their community, or an admin of a verified provider,
    /// charity or social organization serving the community offers one of their own; audited.
    #[oai(path = "/rewards", method = "post", operation_id = "create_reward")]
    async fn create_reward(
        &self,
        auth: SessionAuth,
        body: JsonBody<CreateRewardRequest>,
    ) -> Result<Created<RewardView>, RewardOperationError> {
        let b = body.0;
        let input = RewardInput {
            community: AreaId(b.community_id),
            organization: b.organization_id.map(OrganizationId),
            kind: b.kind.into(),
            text: RewardText {
                title_zh: b.title_zh,
                title_en: b.title_en,
                description_zh: b.description_zh,
                description_en: b.description_en,
            },
            points_cost: b.points_cost,
            stock: b.stock,
            per_person_limit: b.per_person_limit,
            minimum_age: b.minimum_age,
            elder_only: b.elder_only,
        };
        let reward = usecases::create_reward(&self.state.db, auth.0.principal, input, now_utc())
            .await
            .map_err(map_reward)?;
        Ok(Created::Created(Json(reward.into())))
    }

    /// Change a reward
    ///
    /// Text, cost, stock, per-person limit, age gate, or withdraw it (`active: false`). Same
    /// people as `create_reward`; audited.
    #[oai(
        path = "/rewards/:reward_id",
        method = "patch",
        operation_id = "update_reward"
    )]
    async fn update_reward(
        &self,
        auth: SessionAuth,
        /// The reward.
        reward_id: Path<i64>,
        body: JsonBody<UpdateRewardRequest>,
    ) -> Result<Json<RewardView>, RewardOperationError> {
        let changes =
            changes_of(body.0).map_err(|e| map_reward(usecases::RewardError::Invalid(e)))?;
        let reward = usecases::update_reward(
            &self.state.db,
            auth.0.principal,
            RewardId(reward_id.0),
            changes,
            now_utc(),
        )
        .await
        .map_err(map_reward)?;
        Ok(Json(reward.into()))
    }

    /// Redeem points for a reward
    ///
    /// Puts the points on hold until the reward is handed over. For yourself, or for a resident
    /// you hold a live proxy consent for. Needs stock, the per-person limit, residence in the
    /// reward's community, and for age-gated rewards a birth date verified by staff. Send an
    /// `Idempotency-Key`: a retry with the same key and body returns the stored answer (200);
    /// the same key with another body is refused (422), and while the first request still runs
    /// (409 `idempotency_key_in_flight`).
    #[oai(
        path = "/redemptions",
        method = "post",
        operation_id = "create_redemption"
    )]
    async fn create_redemption(
        &self,
        auth: SessionAuth,
        /// Unique per intended redemption, chosen by the client (1–100 characters).
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 100))]
        idempotency_key: Header<String>,
        body: JsonBody<CreateRedemptionRequest>,
    ) -> Result<CreatedOrFound<PlacedRedemptionView>, RedemptionOperationError> {
        let principal = auth.0.principal;
        let start = idempotency::start(
            &self.state,
            principal.user.id,
            &idempotency_key.0,
            "create_redemption",
            &body.0,
        )
        .await
        .map_err(problems::redemption_problem)?;
        let claim = match start {
            Start::Replay(view) => return Ok(CreatedOrFound::Found(Json(view))),
            Start::Run(claim) => claim,
        };
        let today = Utc::now()
            .with_timezone(&self.state.config.time_zone)
            .date_naive();
        let request = RedemptionRequest {
            reward: RewardId(body.0.reward_id),
            person: body.0.for_user_id.map(UserId),
            quantity: body.0.quantity,
        };
        let placed = usecases::create_redemption(
            &self.state.db,
            principal,
            request,
            idempotency_key.0,
            today,
            now_utc(),
        )
        .await;
        match placed {
            Ok((placed, balance)) => {
                let view = PlacedRedemptionView {
                    redemption: placed.redemption().clone().into(),
                    balance: balance.into(),
                };
                let status = match placed {
                    Placed::New(_) => StatusCode::CREATED,
                    Placed::Replayed(_) => StatusCode::OK,
                };
                claim.complete(&self.state, status, &view).await;
                Ok(match placed {
                    Placed::New(_) => CreatedOrFound::Created(Json(view)),
                    Placed::Replayed(_) => CreatedOrFound::Found(Json(view)),
                })
            }
            Err(error) => {
                claim.abandon(&self.state).await;
                Err(map_redemption(error))
            }
        }
    }

    /// List redemptions
    ///
    /// Yours by default; staff of a community pass `community_id`, admins and leaders of an
    /// organization pass `organization_id` for redemptions of its rewards. Newest first.
    #[oai(
        path = "/redemptions",
        method = "get",
        operation_id = "list_redemptions"
    )]
    async fn list_redemptions(
        &self,
        auth: SessionAuth,
        /// A community whose redemptions to list (its staff).
        community_id: Query<Option<i64>>,
        /// An organization whose rewards' redemptions to list (its admins and leaders).
        organization_id: Query<Option<i64>>,
        /// Only this state.
        state: Query<Option<RedemptionStateView>>,
        /// Page size, 1–200 (default 50).
        #[oai(
            default = "default_limit",
            validator(minimum(value = "1"), maximum(value = "200"))
        )]
        limit: Query<i64>,
    ) -> Result<Json<Vec<RedemptionView>>, RedemptionOperationError> {
        let listing = match (community_id.0, organization_id.0) {
            (Some(c), _) => RedemptionListing::Community(AreaId(c)),
            (None, Some(o)) => RedemptionListing::Organization(OrganizationId(o)),
            (None, None) => RedemptionListing::Mine,
        };
        let list = usecases::list_redemptions(
            &self.state.db,
            auth.0.principal,
            listing,
            state.0.map(Into::into),
            limit.0,
        )
        .await
        .map_err(map_redemption)?;
        Ok(Json(list.into_iter().map(Into::into).collect()))
    }

    /// Fulfil a redemption
    ///
    /// The reward was handed over: the held points go to the community's redemption account.
    /// Staff of the community, or an admin or leader of the offering organization (its systems
    /// use `fulfil_partner_redemption`). Once only: a redemption that ended answers 409.
    #[oai(
        path = "/redemptions/:redemption_id/fulfilment",
        method = "post",
        operation_id = "fulfil_redemption"
    )]
    async fn fulfil_redemption(
        &self,
        auth: SessionAuth,
        /// The redemption.
        redemption_id: Path<i64>,
    ) -> Result<Json<RedemptionView>, RedemptionOperationError> {
        let redemption = usecases::fulfil_redemption(
            &self.state.db,
            Fulfiller::Person(auth.0.principal),
            RedemptionId(redemption_id.0),
            now_utc(),
        )
        .await
        .map_err(map_redemption)?;
        Ok(Json(redemption.into()))
    }

    /// Cancel a redemption
    ///
    /// Before fulfilment, by the person (or the proxy who placed it) or staff of the community:
    /// the points come back and the stock is restored. A redemption that ended answers 409.
    #[oai(
        path = "/redemptions/:redemption_id/cancellation",
        method = "post",
        operation_id = "cancel_redemption"
    )]
    async fn cancel_redemption(
        &self,
        auth: SessionAuth,
        /// The redemption.
        redemption_id: Path<i64>,
        body: JsonBody<CancelRedemptionRequest>,
    ) -> Result<Json<RedemptionView>, RedemptionOperationError> {
        let redemption = usecases::cancel_redemption(
            &self.state.db,
            auth.0.principal,
            RedemptionId(redemption_id.0),
            body.0.reason,
            now_utc(),
        )
        .await
        .map_err(map_redemption)?;
        Ok(Json(redemption.into()))
    }
}
