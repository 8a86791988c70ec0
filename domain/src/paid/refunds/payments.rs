//! Co-payments received, recorded through a [`PaymentGateway`]: the first is offline (the
//! provider or staff records cash or a transfer received, with a reference), never above what
//! is still due.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::access::Principal;
use crate::accounts::UserId;
use crate::api_keys::Scope;
use crate::areas;
use crate::db::{self, AnyConnection, Db};
use crate::organizations::MemberRole;
use crate::paid::books::{self, MoneyOwner, Movement};
use crate::paid::money::Fen;
use crate::paid::offerings::{ProviderActor, check_provider};
use crate::paid::orders::OrderError;
use crate::paid::states::OrderState;
use crate::paid::store;
use crate::paid::{Order, OrderId};
use crate::schema::{paid_payments, paid_refunds};

/// Why a gateway refused to record a payment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct GatewayRefusal(pub String);

/// A way co-payments arrive. Implementations check what they are told before it is recorded.
pub trait PaymentGateway: Send + Sync {
    /// The stored name.
    fn name(&self) -> &'static str;
    /// Checks a payment's reference before it is recorded.
    fn check(&self, reference: &str, amount: Fen) -> Result<(), GatewayRefusal>;
}

/// Payments received outside Linli (cash, bank transfer) and recorded by hand.
#[derive(Debug, Clone, Copy, Default)]
pub struct OfflineGateway;

impl PaymentGateway for OfflineGateway {
    fn name(&self) -> &'static str {
        "offline"
    }

    fn check(&self, reference: &str, amount: Fen) -> Result<(), GatewayRefusal> {
        let len = reference.trim().chars().count();
        if !(1..=64).contains(&len) {
            return Err(GatewayRefusal(
                "the reference must be 1–64 characters".into(),
            ));
        }
        if amount.0 <= 0 {
            return Err(GatewayRefusal("the amount must be positive".into()));
        }
        Ok(())
    }
}

/// Who records money for an order.
#[derive(Debug, Clone)]
pub enum Recorder {
    /// A signed-in person: an admin or leader of the provider, or staff over the community.
    Person(Principal),
    /// The provider's systems (`orders:write`).
    Partner(crate::api_keys::PartnerKey),
}

pub(super) fn check_recorder(
    conn: &mut AnyConnection,
    recorder: &Recorder,
    order: &Order,
) -> Result<Option<UserId>, OrderError> {
    match recorder {
        Recorder::Partner(key) => {
            check_provider(
                conn,
                &ProviderActor::Partner(key.clone()),
                order.organization,
                &[],
                Scope::OrdersWrite,
            )?;
            Ok(None)
        }
        Recorder::Person(principal) => {
            let role = crate::organizations::members::role_of(
                conn,
                order.organization,
                principal.user.id,
            )?;
            if matches!(role, Some(MemberRole::Admin | MemberRole::Leader)) {
                check_provider(
                    conn,
                    &ProviderActor::Person(principal.clone()),
                    order.organization,
                    &[MemberRole::Admin, MemberRole::Leader],
                    Scope::OrdersWrite,
                )?;
                return Ok(Some(principal.user.id));
            }
            let area = areas::store::get(conn, order.community)?.ok_or(OrderError::NotFound)?;
            if principal.is_staff_over(&area.path) {
                Ok(Some(principal.user.id))
            } else {
                Err(OrderError::NotFound)
            }
        }
    }
}

pub(super) fn copay_refunded(conn: &mut AnyConnection, id: OrderId) -> Result<Fen, OrderError> {
    let parts: Vec<i64> = paid_refunds::table
        .filter(paid_refunds::order_id.eq(id.0))
        .select(paid_refunds::copay_fen)
        .load(conn)?;
    Ok(Fen(parts.iter().sum()))
}

/// A co-payment to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRequest {
    /// The order.
    pub order: OrderId,
    /// How much.
    pub amount: Fen,
    /// The receipt or transfer reference.
    pub reference: String,
    /// The caller-scoped idempotency key.
    pub key: String,
}

/// Records a co-payment received for an order, at most what is still due; the provider's
/// claim on the platform shrinks by it (the provider holds the cash). The key is scoped by the
/// caller: a retry finds the first payment.
pub async fn record_payment(
    db: &Db,
    gateway: &dyn PaymentGateway,
    recorder: Recorder,
    request: PaymentRequest,
    now: NaiveDateTime,
) -> Result<(Order, bool), OrderError> {
    let PaymentRequest {
        order: id,
        amount,
        reference,
        key,
    } = request;
    let refusal = gateway.check(&reference, amount).err();
    let name = gateway.name();
    db.run(move |conn| {
        db::write(conn, |conn| {
            let order = store::order(conn, id)?.ok_or(OrderError::NotFound)?;
            let by = check_recorder(conn, &recorder, &order)?;
            if let Some(refusal) = &refusal {
                return Err(OrderError::PaymentRefused(refusal.0.clone()));
            }
            let found: Option<(i64, i64)> = paid_payments::table
                .filter(paid_payments::idempotency_key.eq(&key))
                .select((paid_payments::order_id, paid_payments::amount_fen))
                .first(conn)
                .optional()?;
            if let Some(found) = found {
                return if found == (id.0, amount.0) {
                    Ok((order, false))
                } else {
                    Err(OrderError::KeyReused)
                };
            }
            if matches!(
                order.state,
                OrderState::Placed | OrderState::Declined | OrderState::Cancelled
            ) {
                return Err(crate::paid::states::WrongState(order.state).into());
            }
            let due = Fen(order.copay.0 - copay_refunded(conn, id)?.0 - order.paid.0);
            if amount > due {
                return Err(OrderError::AboveDue { due });
            }
            if !store::add_paid(conn, id, order.paid, amount)? {
                return Err(OrderError::Contended);
            }
            let payment: i64 = diesel::insert_into(paid_payments::table)
                .values((
                    paid_payments::order_id.eq(id.0),
                    paid_payments::amount_fen.eq(amount.0),
                    paid_payments::gateway.eq(name),
                    paid_payments::reference.eq(reference.trim()),
                    paid_payments::recorded_by.eq(by.map(|u| u.0)),
                    paid_payments::idempotency_key.eq(&key),
                    paid_payments::created_at.eq(now),
                ))
                .returning(paid_payments::id)
                .get_result(conn)?;
            books::post(
                conn,
                now,
                &Movement {
                    key: format!("payment:{payment}"),
                    from: MoneyOwner::Provider(order.organization),
                    to: MoneyOwner::Resident(order.resident),
                    amount,
                    cause_type: "payment",
                    cause_id: payment.to_string(),
                    memo: format!("co-payment received ({name})"),
                },
            )?;
            Ok((store::order(conn, id)?.ok_or(OrderError::NotFound)?, true))
        })
    })
    .await
}
