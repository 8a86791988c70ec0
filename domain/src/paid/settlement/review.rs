//! Reviewing batches: a street admin approves a draft, then records its payout with the bank
//! reference; the net leaves the provider's money account.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{Settlement, SettlementError, SettlementState, settlement};
use crate::access::Principal;
use crate::db::{self, Db};
use crate::paid::SettlementId;
use crate::paid::books::{self, MoneyOwner, Movement};
use crate::paid::terms::may_review;
use crate::schema::{paid_settlement_reviews, paid_settlements};

/// Approves a draft batch.
pub async fn approve_settlement(
    db: &Db,
    principal: Principal,
    id: SettlementId,
    now: NaiveDateTime,
) -> Result<Settlement, SettlementError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            let batch = settlement(conn, id)?.ok_or(SettlementError::NotFound)?;
            if !may_review(conn, &principal, batch.organization)? {
                return Err(SettlementError::Forbidden);
            }
            let moved = diesel::update(
                paid_settlements::table
                    .find(id.0)
                    .filter(paid_settlements::state.eq(SettlementState::Draft.as_str())),
            )
            .set(paid_settlements::state.eq(SettlementState::Approved.as_str()))
            .execute(conn)?;
            if moved != 1 {
                return Err(SettlementError::AlreadyDone(batch.state));
            }
            diesel::insert_into(paid_settlement_reviews::table)
                .values((
                    paid_settlement_reviews::settlement_id.eq(id.0),
                    paid_settlement_reviews::approved_by.eq(principal.user.id.0),
                    paid_settlement_reviews::approved_at.eq(now),
                ))
                .execute(conn)?;
            settlement(conn, id)?.ok_or(SettlementError::NotFound)
        })
    })
    .await
}

/// Records the payout of an approved batch with its bank reference; the net leaves the
/// provider's account for clearing. A draft batch is refused.
pub async fn mark_settlement_paid(
    db: &Db,
    principal: Principal,
    id: SettlementId,
    reference: String,
    now: NaiveDateTime,
) -> Result<Settlement, SettlementError> {
    if !(1..=64).contains(&reference.trim().chars().count()) {
        return Err(SettlementError::BadReference);
    }
    db.run(move |conn| {
        db::write(conn, |conn| {
            let batch = settlement(conn, id)?.ok_or(SettlementError::NotFound)?;
            if !may_review(conn, &principal, batch.organization)? {
                return Err(SettlementError::Forbidden);
            }
            match batch.state {
                SettlementState::Draft => return Err(SettlementError::NotApproved),
                SettlementState::Paid => {
                    return Err(SettlementError::AlreadyDone(SettlementState::Paid));
                }
                SettlementState::Approved => {}
            }
            let moved = diesel::update(
                paid_settlements::table
                    .find(id.0)
                    .filter(paid_settlements::state.eq(SettlementState::Approved.as_str())),
            )
            .set(paid_settlements::state.eq(SettlementState::Paid.as_str()))
            .execute(conn)?;
            if moved != 1 {
                return Err(SettlementError::AlreadyDone(SettlementState::Paid));
            }
            diesel::update(paid_settlement_reviews::table.find(id.0))
                .set((
                    paid_settlement_reviews::paid_by.eq(principal.user.id.0),
                    paid_settlement_reviews::paid_reference.eq(reference.trim()),
                    paid_settlement_reviews::paid_at.eq(now),
                ))
                .execute(conn)?;
            books::post(
                conn,
                now,
                &Movement {
                    key: format!("settlement:{}:payout", id.0),
                    from: MoneyOwner::Provider(batch.organization),
                    to: MoneyOwner::Clearing,
                    amount: batch.totals.net,
                    cause_type: "settlement",
                    cause_id: id.0.to_string(),
                    memo: format!("settlement payout {}", reference.trim()),
                },
            )?;
            settlement(conn, id)?.ok_or(SettlementError::NotFound)
        })
    })
    .await
}
