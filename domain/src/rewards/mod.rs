//! Rewards and redemption (积分兑换): a community's catalogue of items and services offered by
//! the community itself or by a provider or charity serving it, and redemptions that put the
//! points on hold until the reward is handed over (captured) or the redemption is cancelled or
//! lapses (released, stock restored). Stock and the per-person limit are checked inside the
//! write transaction that places the hold, so concurrent redemptions never oversell or overdraw.

pub mod rules;
pub mod store;
pub mod usecases;

use chrono::NaiveDateTime;

use crate::accounts::UserId;
use crate::areas::AreaId;
use crate::ledger::{HoldId, Points};
use crate::organizations::OrganizationId;

/// Identifies a reward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RewardId(pub i64);

/// Identifies a redemption.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RedemptionId(pub i64);

/// What is offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RewardKind {
    /// A thing handed over (rice, oil, a haircut voucher).
    Item,
    /// A service delivered (elder-care hours, a home visit).
    Service,
}

impl RewardKind {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Item => "item",
            Self::Service => "service",
        }
    }

    /// Parses a stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Item, Self::Service]
            .into_iter()
            .find(|k| k.as_str() == raw)
    }
}

/// Who may redeem by age.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AgeGate {
    /// Anyone living in the community.
    Open,
    /// From this age (whole years).
    Minimum(i32),
    /// From the community policy's `elder_redemption_age` (time-bank elder care).
    Elder,
}

/// A reward as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reward {
    /// Its id.
    pub id: RewardId,
    /// The community it is offered in.
    pub community: AreaId,
    /// The offering provider or charity; none when the community itself offers it.
    pub organization: Option<OrganizationId>,
    /// Item or service.
    pub kind: RewardKind,
    /// The text people read.
    pub text: RewardText,
    /// Points per unit.
    pub points_cost: Points,
    /// Units left; none means unlimited.
    pub stock: Option<i64>,
    /// Most units one person may have placed or fulfilled.
    pub per_person_limit: Option<i32>,
    /// Who may redeem by age.
    pub age_gate: AgeGate,
    /// Offered now.
    pub active: bool,
    /// When it was created.
    pub created_at: NaiveDateTime,
    /// When it last changed.
    pub updated_at: NaiveDateTime,
}

/// Bilingual title and description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RewardText {
    /// Chinese title (1–64 characters).
    pub title_zh: String,
    /// English title.
    pub title_en: Option<String>,
    /// Chinese description (up to 2000 characters).
    pub description_zh: String,
    /// English description.
    pub description_en: Option<String>,
}

/// A reward that passed every rule; only [`rules::check_new_reward`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReward {
    /// The community.
    pub community: AreaId,
    /// The offering organization, if not the community.
    pub organization: Option<OrganizationId>,
    /// Item or service.
    pub kind: RewardKind,
    /// The text.
    pub text: RewardText,
    /// Points per unit.
    pub points_cost: Points,
    /// Units available; none: unlimited.
    pub stock: Option<i64>,
    /// Per-person limit.
    pub per_person_limit: Option<i32>,
    /// Age gate.
    pub age_gate: AgeGate,
}

/// Checked changes to a reward; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RewardChanges {
    /// New Chinese title.
    pub title_zh: Option<String>,
    /// New English title.
    pub title_en: Option<String>,
    /// New Chinese description.
    pub description_zh: Option<String>,
    /// New English description.
    pub description_en: Option<String>,
    /// New points cost (placed redemptions keep what they held).
    pub points_cost: Option<Points>,
    /// New stock level.
    pub stock: Option<i64>,
    /// New per-person limit.
    pub per_person_limit: Option<i32>,
    /// New age gate.
    pub age_gate: Option<AgeGate>,
    /// Offered or withdrawn.
    pub active: Option<bool>,
}

/// Where a redemption stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RedemptionState {
    /// Points on hold, reward not yet handed over.
    Placed,
    /// Handed over; the points went to the community's redemption account.
    Fulfilled,
    /// Cancelled before fulfilment; points and stock went back.
    Cancelled,
    /// Lapsed unfulfilled; points and stock went back.
    Expired,
}

impl RedemptionState {
    /// Every state.
    pub const ALL: [RedemptionState; 4] = [
        Self::Placed,
        Self::Fulfilled,
        Self::Cancelled,
        Self::Expired,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Placed => "placed",
            Self::Fulfilled => "fulfilled",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
        }
    }

    /// Parses a stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

/// A redemption as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redemption {
    /// Its id.
    pub id: RedemptionId,
    /// Which reward.
    pub reward: RewardId,
    /// Whose points.
    pub person: UserId,
    /// Who asked (the person or their proxy).
    pub placed_by: UserId,
    /// Units.
    pub quantity: i32,
    /// Points held.
    pub points: Points,
    /// The ledger hold.
    pub hold: HoldId,
    /// Where it stands.
    pub state: RedemptionState,
    /// The person who fulfilled or cancelled it.
    pub resolved_by: Option<UserId>,
    /// The organization whose systems fulfilled it.
    pub resolved_by_organization: Option<OrganizationId>,
    /// When it was resolved.
    pub resolved_at: Option<NaiveDateTime>,
    /// Why it was cancelled.
    pub reason: Option<String>,
    /// When it was placed.
    pub created_at: NaiveDateTime,
}

/// Who resolves a redemption.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolver {
    /// A signed-in person.
    Person(UserId),
    /// An organization's systems through the partner API.
    Partner(OrganizationId),
    /// The expiry job.
    System,
}
