//! Wire types of rewards and redemptions.

use chrono::{DateTime, Utc};
use linli_domain::rewards::{AgeGate, Redemption, RedemptionState, Reward, RewardKind};
use poem_openapi::types::Example;
use poem_openapi::{Enum, Object};

use crate::points::PointsBalanceView;

/// What a reward is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum RewardKindView {
    /// A thing handed over.
    Item,
    /// A service delivered.
    Service,
}

impl From<RewardKindView> for RewardKind {
    fn from(k: RewardKindView) -> Self {
        match k {
            RewardKindView::Item => Self::Item,
            RewardKindView::Service => Self::Service,
        }
    }
}

impl From<RewardKind> for RewardKindView {
    fn from(k: RewardKind) -> Self {
        match k {
            RewardKind::Item => Self::Item,
            RewardKind::Service => Self::Service,
        }
    }
}

/// Where a redemption stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum RedemptionStateView {
    /// Points on hold, not yet handed over.
    Placed,
    /// Handed over.
    Fulfilled,
    /// Cancelled; points and stock went back.
    Cancelled,
    /// Lapsed; points and stock went back.
    Expired,
}

impl From<RedemptionStateView> for RedemptionState {
    fn from(s: RedemptionStateView) -> Self {
        match s {
            RedemptionStateView::Placed => Self::Placed,
            RedemptionStateView::Fulfilled => Self::Fulfilled,
            RedemptionStateView::Cancelled => Self::Cancelled,
            RedemptionStateView::Expired => Self::Expired,
        }
    }
}

impl From<RedemptionState> for RedemptionStateView {
    fn from(s: RedemptionState) -> Self {
        match s {
            RedemptionState::Placed => Self::Placed,
            RedemptionState::Fulfilled => Self::Fulfilled,
            RedemptionState::Cancelled => Self::Cancelled,
            RedemptionState::Expired => Self::Expired,
        }
    }
}

/// A reward of a community's catalogue.
#[derive(Debug, Clone, Object)]
pub struct RewardView {
    /// Its id.
    pub id: i64,
    /// The community it is offered in.
    pub community_id: i64,
    /// The offering provider or charity (absent: the community itself).
    pub organization_id: Option<i64>,
    /// item or service.
    pub kind: RewardKindView,
    /// Chinese title.
    pub title_zh: String,
    /// English title.
    pub title_en: Option<String>,
    /// Chinese description.
    pub description_zh: String,
    /// English description.
    pub description_en: Option<String>,
    /// Points per unit.
    pub points_cost: i64,
    /// Units left (absent: unlimited).
    pub stock: Option<i64>,
    /// Most units one person may have placed or fulfilled.
    pub per_person_limit: Option<i32>,
    /// Fixed minimum age.
    pub minimum_age: Option<i32>,
    /// For elders: from the community policy's elder redemption age.
    pub elder_only: bool,
    /// Offered now.
    pub active: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<Reward> for RewardView {
    fn from(r: Reward) -> Self {
        let (minimum_age, elder_only) = match r.age_gate {
            AgeGate::Open => (None, false),
            AgeGate::Minimum(age) => (Some(age), false),
            AgeGate::Elder => (None, true),
        };
        Self {
            id: r.id.0,
            community_id: r.community.0,
            organization_id: r.organization.map(|o| o.0),
            kind: r.kind.into(),
            title_zh: r.text.title_zh,
            title_en: r.text.title_en,
            description_zh: r.text.description_zh,
            description_en: r.text.description_en,
            points_cost: r.points_cost.0,
            stock: r.stock,
            per_person_limit: r.per_person_limit,
            minimum_age,
            elder_only,
            active: r.active,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        }
    }
}

/// A reward to offer.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct CreateRewardRequest {
    /// The community.
    pub community_id: i64,
    /// The offering provider or charity (it must serve the community and be verified).
    pub organization_id: Option<i64>,
    /// item or service.
    pub kind: RewardKindView,
    /// Chinese title, 1–64 characters.
    pub title_zh: String,
    /// English title, 1–128 characters.
    pub title_en: Option<String>,
    /// Chinese description, up to 2000 characters.
    #[oai(default)]
    pub description_zh: String,
    /// English description, up to 2000 characters.
    pub description_en: Option<String>,
    /// Points per unit, 1–1000000.
    pub points_cost: i64,
    /// Units available (absent: unlimited).
    pub stock: Option<i64>,
    /// Most units one person may have placed or fulfilled.
    pub per_person_limit: Option<i32>,
    /// Fixed minimum age (needs a birth date verified by staff).
    pub minimum_age: Option<i32>,
    /// For elders, from the community policy's elder redemption age.
    #[oai(default)]
    pub elder_only: bool,
}

impl Example for CreateRewardRequest {
    fn example() -> Self {
        Self {
            community_id: 9,
            organization_id: None,
            kind: RewardKindView::Service,
            title_zh: "上门助浴一次".into(),
            title_en: Some("One home bathing visit".into()),
            description_zh: "时间银行：为老人提供一次上门助浴".into(),
            description_en: None,
            points_cost: 120,
            stock: Some(10),
            per_person_limit: Some(2),
            minimum_age: None,
            elder_only: true,
        }
    }
}

/// Changes to a reward; absent fields stay as they are.
#[derive(Debug, Clone, Default, Object)]
pub struct UpdateRewardRequest {
    /// New Chinese title.
    pub title_zh: Option<String>,
    /// New English title.
    pub title_en: Option<String>,
    /// New Chinese description.
    pub description_zh: Option<String>,
    /// New English description.
    pub description_en: Option<String>,
    /// New points cost; placed redemptions keep what they hold.
    pub points_cost: Option<i64>,
    /// New stock level.
    pub stock: Option<i64>,
    /// New per-person limit.
    pub per_person_limit: Option<i32>,
    /// New fixed minimum age (clears the elder gate).
    pub minimum_age: Option<i32>,
    /// Elder gate on (clears a minimum age) or off (no age gate).
    pub elder_only: Option<bool>,
    /// Offered or withdrawn.
    pub active: Option<bool>,
}

/// A redemption to place.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct CreateRedemptionRequest {
    /// The reward.
    pub reward_id: i64,
    /// Units, 1–100.
    #[oai(default = "one")]
    pub quantity: i32,
    /// Whose points (a proxy with consent redeems for the resident); absent: yours.
    pub for_user_id: Option<i64>,
}

fn one() -> i32 {
    1
}

impl Example for CreateRedemptionRequest {
    fn example() -> Self {
        Self {
            reward_id: 3,
            quantity: 1,
            for_user_id: None,
        }
    }
}

/// Why a redemption is cancelled.
#[derive(Debug, Clone, Default, Object)]
pub struct CancelRedemptionRequest {
    /// Up to 200 characters.
    #[oai(validator(max_length = 200))]
    pub reason: Option<String>,
}

/// A redemption.
#[derive(Debug, Clone, Object)]
pub struct RedemptionView {
    /// Its id.
    pub id: i64,
    /// The reward.
    pub reward_id: i64,
    /// Whose points.
    pub user_id: i64,
    /// Who placed it (the person or their proxy).
    pub placed_by: i64,
    /// Units.
    pub quantity: i32,
    /// Points held (or spent, once fulfilled).
    pub points: i64,
    /// Where it stands.
    pub state: RedemptionStateView,
    /// Who fulfilled or cancelled it.
    pub resolved_by: Option<i64>,
    /// The organization whose systems fulfilled it.
    pub resolved_by_organization_id: Option<i64>,
    /// When it was resolved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Why it was cancelled.
    pub reason: Option<String>,
    /// When it was placed.
    pub created_at: DateTime<Utc>,
}

impl From<Redemption> for RedemptionView {
    fn from(r: Redemption) -> Self {
        Self {
            id: r.id.0,
            reward_id: r.reward.0,
            user_id: r.person.0,
            placed_by: r.placed_by.0,
            quantity: r.quantity,
            points: r.points.0,
            state: r.state.into(),
            resolved_by: r.resolved_by.map(|u| u.0),
            resolved_by_organization_id: r.resolved_by_organization.map(|o| o.0),
            resolved_at: r.resolved_at.map(|t| t.and_utc()),
            reason: r.reason,
            created_at: r.created_at.and_utc(),
        }
    }
}

/// A placed redemption and the person's balance after it.
#[derive(Debug, Clone, Object)]
pub struct PlacedRedemptionView {
    /// The redemption.
    pub redemption: RedemptionView,
    /// The person's points now.
    pub balance: PointsBalanceView,
}
