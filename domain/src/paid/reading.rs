//! Reading orders: the resident (or the proxy who booked) sees their own with the 4-digit
//! code; the provider's members (or its systems with `orders:read`) see its orders without it;
//! staff over the community see the community's.

use super::offerings::{ProviderActor, check_provider};
use super::orders::OrderError;
use super::states::OrderState;
use super::store::{self, OrderScope};
use super::{Order, OrderId};
use crate::access::Principal;
use crate::api_keys::Scope;
use crate::areas::{self, AreaId, AreaLevel};
use crate::db::Db;
use crate::organizations::{MemberRole, OrganizationId};

/// Who reads orders.
#[derive(Debug, Clone)]
pub enum OrderReader {
    /// A signed-in person.
    Person(Principal),
    /// A provider's systems.
    Partner(crate::api_keys::PartnerKey),
}

/// An order as its reader may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenOrder {
    /// The order.
    pub order: Order,
    /// True when the reader is the resident or their proxy (who see the code).
    pub own: bool,
}

const MEMBERS: [MemberRole; 3] = [MemberRole::Admin, MemberRole::Leader, MemberRole::Member];

/// One order, if the reader may see it.
pub async fn get_order(db: &Db, reader: OrderReader, id: OrderId) -> Result<SeenOrder, OrderError> {
    db.run(move |conn| {
        let order = store::order(conn, id)?.ok_or(OrderError::NotFound)?;
        match &reader {
            OrderReader::Partner(key) => {
                check_provider(
                    conn,
                    &ProviderActor::Partner(key.clone()),
                    order.organization,
                    &MEMBERS,
                    Scope::OrdersRead,
                )?;
                Ok(SeenOrder { order, own: false })
            }
            OrderReader::Person(principal) => {
                let own =
                    order.resident == principal.user.id || order.placed_by == principal.user.id;
                if own {
                    return Ok(SeenOrder { order, own });
                }
                let area = areas::store::get(conn, order.community)?.ok_or(OrderError::NotFound)?;
                let member = crate::organizations::members::role_of(
                    conn,
                    order.organization,
                    principal.user.id,
                )?
                .is_some();
                if member || principal.is_staff_over(&area.path) {
                    Ok(SeenOrder { order, own })
                } else {
                    Err(OrderError::NotFound)
                }
            }
        }
    })
    .await
}

/// Whose orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderListing {
    /// The caller's own (and those they placed as a proxy).
    Mine,
    /// A provider's (its members, or its key).
    Organization(OrganizationId),
    /// A community's (its staff).
    Community(AreaId),
}

/// Orders the reader may see, newest first.
pub async fn list_orders(
    db: &Db,
    reader: OrderReader,
    listing: OrderListing,
    state: Option<OrderState>,
    limit: i64,
) -> Result<Vec<SeenOrder>, OrderError> {
    db.run(move |conn| {
        let scope = match (&reader, listing) {
            (OrderReader::Partner(key), _) => {
                check_provider(
                    conn,
                    &ProviderActor::Partner(key.clone()),
                    key.organization_id,
                    &MEMBERS,
                    Scope::OrdersRead,
                )?;
                OrderScope::Organization(key.organization_id)
            }
            (OrderReader::Person(p), OrderListing::Mine) => OrderScope::Person(p.user.id),
            (OrderReader::Person(p), OrderListing::Organization(org)) => {
                check_provider(
                    conn,
                    &ProviderActor::Person(p.clone()),
                    org,
                    &MEMBERS,
                    Scope::OrdersRead,
                )?;
                OrderScope::Organization(org)
            }
            (OrderReader::Person(p), OrderListing::Community(id)) => {
                let area = areas::store::get(conn, id)?
                    .filter(|a| a.level == AreaLevel::Community)
                    .ok_or(OrderError::NotFound)?;
                if !p.is_staff_over(&area.path) {
                    return Err(OrderError::Forbidden);
                }
                OrderScope::Community(id)
            }
        };
        let me = match &reader {
            OrderReader::Person(p) => Some(p.user.id),
            OrderReader::Partner(_) => None,
        };
        Ok(store::orders_in(conn, scope, state, limit)?
            .into_iter()
            .map(|order| {
                let own = me.is_some_and(|u| order.resident == u || order.placed_by == u);
                SeenOrder { order, own }
            })
            .collect())
    })
    .await
}
