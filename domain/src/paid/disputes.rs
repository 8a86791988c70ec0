//! Resolving a disputed order: community staff or a street admin over the order's community
//! decide, with a reason. `uphold` confirms the order as delivered (the money moves and it
//! becomes settleable); `refund` confirms it and refunds all or part of it through the refund
//! path (each funder gets its part back), in the same transaction. Every resolution is in the
//! audit log; a refund above what the order took changes nothing.

use chrono::NaiveDateTime;

use super::delivery::{load, post_confirmed, step};
use super::money::Fen;
use super::orders::OrderError;
use super::refunds::{Refund, refund_in};
use super::states::{Action, OrderState};
use super::{Order, OrderId};
use crate::access::{Principal, Role};
use crate::areas;
use crate::audit::{self, NewAuditEvent};
use crate::db::{self, Db};

/// Longest reason a resolution takes, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// What staff decide about a disputed order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Delivered as agreed: confirmed as is.
    Uphold,
    /// Confirmed, then refunded: the whole gross (none) or this much.
    Refund(Option<Fen>),
}

/// A resolved dispute: the order after it and the refund, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The order, confirmed.
    pub order: Order,
    /// The refund made.
    pub refund: Option<Refund>,
}

/// Resolves a disputed order (see the module). Callers outside the order's community learn
/// nothing (not found); an order not in dispute is a conflict.
pub async fn resolve_dispute(
    db: &Db,
    principal: Principal,
    id: OrderId,
    outcome: Outcome,
    reason: String,
    now: NaiveDateTime,
) -> Result<Resolved, OrderError> {
    let reason = reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        return Err(OrderError::BadReason);
    }
    db.run(move |conn| {
        db::write(conn, |conn| {
            let order = load(conn, id)?;
            let area = areas::store::get(conn, order.community)?.ok_or(OrderError::NotFound)?;
            let roles = [Role::CommunityStaff, Role::StreetAdmin, Role::PlatformAdmin];
            if !principal.holds_any(&roles, &area.path) {
                return Err(OrderError::NotFound);
            }
            if order.state != OrderState::Disputed {
                return Err(OrderError::NotDisputed(order.state));
            }
            step(conn, &order, Action::Resolve)?;
            post_confirmed(conn, &order, now)?;
            let confirmed = load(conn, id)?;
            let refund = match outcome {
                Outcome::Uphold => None,
                Outcome::Refund(amount) => {
                    let amount = amount.unwrap_or(confirmed.gross);
                    let key = format!("dispute:{}:refund", id.0);
                    let (_, refund, _) = refund_in(
                        conn,
                        &confirmed,
                        Some(principal.user.id),
                        amount,
                        &reason,
                        &key,
                        now,
                    )?;
                    Some(refund)
                }
            };
            audit::store::record(
                conn,
                &NewAuditEvent {
                    actor: Some(principal.user.id),
                    on_behalf_of: None,
                    action: "paid.order.dispute_resolved",
                    subject_type: "paid_order",
                    subject_id: id.0.to_string(),
                    area: Some(order.community),
                    detail: serde_json::json!({
                        "outcome": match outcome {
                            Outcome::Uphold => "uphold",
                            Outcome::Refund(_) => "refund",
                        },
                        "refund_id": refund.as_ref().map(|r| r.id),
                        "refunded": refund.as_ref().map(|r| r.split.amount.to_string()),
                        "reason": reason,
                    }),
                },
                now,
            )?;
            Ok(Resolved {
                order: load(conn, id)?,
                refund,
            })
        })
    })
    .await
}
