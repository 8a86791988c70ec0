//! The next providers: when a provider declines an order or lets it lapse, the resident (and
//! the proxy who booked) is told in the app and by email, with how many other offerings of the
//! same category serve their community; the order then lists them, cheapest first, each with
//! the quantity to book so that rebooking is one `create_order` with the same window.

use chrono::NaiveDateTime;
use chrono_tz::Tz;

use super::inputs::fits_availability;
use super::orders::OrderError;
use super::store::{self, OfferingFilter};
use super::{Offering, Order, OrderId};
use crate::access::Principal;
use crate::areas;
use crate::db::{AnyConnection, Db, StoreError};
use crate::notifications::{Notice, notify};
use crate::organizations::OrganizationKind;

/// Most alternatives listed for one order.
pub const MAX_ALTERNATIVES: i64 = 20;

/// Another offering that could serve an order's resident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alternative {
    /// The offering, published by a verified provider serving the resident's community.
    pub offering: Offering,
    /// The provider's Chinese name.
    pub provider_name_zh: String,
    /// The provider's English name, if any.
    pub provider_name_en: Option<String>,
    /// The order's quantity brought within the offering's range.
    pub quantity: i32,
    /// True when the offering's hours cover the order's window.
    pub fits_window: bool,
}

/// Other providers' published offerings of the order's category serving its community,
/// ranked by unit price, then provider, then offering; each says whether its hours cover the
/// order's window (the resident chooses).
pub fn alternatives_for(
    conn: &mut AnyConnection,
    order: &Order,
    zone: Tz,
) -> Result<Vec<Alternative>, StoreError> {
    let filter = OfferingFilter {
        organization: None,
        community: Some(order.community),
        category: Some(order.category),
        published_only: true,
    };
    let local = |t: NaiveDateTime| t.and_utc().with_timezone(&zone).naive_local();
    let mut found = Vec::new();
    for offering in store::offerings(conn, filter, 500)? {
        if offering.organization == order.organization {
            continue;
        }
        let Some(provider) = crate::organizations::store::get(conn, offering.organization)? else {
            continue;
        };
        if provider.kind != OrganizationKind::Provider || provider.verification.is_none() {
            continue;
        }
        let fits_window = fits_availability(
            offering.availability,
            local(order.window_start),
            local(order.window_end),
        );
        found.push(Alternative {
            quantity: order
                .quantity
                .clamp(offering.min_quantity, offering.max_quantity),
            fits_window,
            provider_name_zh: provider.name_zh,
            provider_name_en: provider.name_en,
            offering,
        });
    }
    found.sort_by_key(|a| {
        (
            a.offering.unit_price,
            a.offering.organization,
            a.offering.id,
        )
    });
    found.truncate(MAX_ALTERNATIVES as usize);
    Ok(found)
}

/// Tells the resident, and the proxy who booked if another person, that `order` was declined
/// or lapsed and how many alternatives there are; inside the declining transaction.
pub fn tell_declined(
    conn: &mut AnyConnection,
    order: &Order,
    zone: Tz,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let count = alternatives_for(conn, order, zone)?.len();
    let text = store::offering(conn, order.offering)?.map(|o| o.text);
    let title_zh = text
        .as_ref()
        .map(|t| t.title_zh.clone())
        .unwrap_or_default();
    let title_en = text
        .and_then(|t| t.title_en)
        .unwrap_or_else(|| title_zh.clone());
    let notice = Notice::OrderDeclined {
        order_id: order.id.0,
        title_zh,
        title_en,
        lapsed: order.lapsed,
        alternatives: i64::try_from(count).unwrap_or(i64::MAX),
    };
    notify(conn, now, order.resident, notice.clone())?;
    if order.placed_by != order.resident {
        notify(conn, now, order.placed_by, notice)?;
    }
    Ok(())
}

/// The alternatives of an order, to its resident, the proxy who booked and staff over its
/// community.
pub async fn list_alternatives(
    db: &Db,
    principal: Principal,
    id: OrderId,
    zone: Tz,
) -> Result<(Order, Vec<Alternative>), OrderError> {
    db.run(move |conn| {
        let order = store::order(conn, id)?.ok_or(OrderError::NotFound)?;
        let own = order.resident == principal.user.id || order.placed_by == principal.user.id;
        if !own {
            let area = areas::store::get(conn, order.community)?.ok_or(OrderError::NotFound)?;
            if !principal.is_staff_over(&area.path) {
                return Err(OrderError::NotFound);
            }
        }
        let found = alternatives_for(conn, &order, zone)?;
        Ok((order, found))
    })
    .await
}
