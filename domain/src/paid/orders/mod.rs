//! Booking: the quote (the split before booking) and placing an order. Placing checks the
//! offering, quantity, window, service area and eligibility, then — in one write transaction —
//! reserves each programme's subsidy against its budget and the resident's monthly cap by
//! guarded statements, moves the points to the community as an ordinary points transfer keyed
//! by the order, and stores the order with its snapshot. Concurrent bookings never overspend.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use chrono_tz::Tz;

use super::eligibility::VerifiedFacts;
use super::money::Fen;
use super::split::{self, SplitError, SplitInput, SubsidyRoom};
use super::store::{self};
use super::{Offering, OfferingId, ProgramId};
use crate::access::Principal;
use crate::accounts::{UserId, store as accounts};
use crate::areas::{self, AreaId};
use crate::db::{AnyConnection, Db};
use crate::ledger::usecases::community_of;

/// What a resident asks to book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRequest {
    /// The offering.
    pub offering: OfferingId,
    /// For whom (none: the caller).
    pub person: Option<UserId>,
    /// Units.
    pub quantity: i32,
    /// Window start (UTC).
    pub window_start: NaiveDateTime,
    /// Window end (UTC).
    pub window_end: NaiveDateTime,
    /// Points to spend.
    pub points: i64,
    /// Programmes to apply (none: every eligible one).
    pub programmes: Option<Vec<ProgramId>>,
    /// The paid-mode need it comes from.
    pub need: Option<i64>,
}

/// The split before booking, and what it was computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    /// The offering.
    pub offering: Offering,
    /// The resident.
    pub person: UserId,
    /// Their community.
    pub community: AreaId,
    /// The split.
    pub split: split::Split,
    /// The month subsidies count against (YYYY-MM, display zone).
    pub month: String,
    /// The community's points rate.
    pub fen_per_point: i64,
}

fn month_of(start: NaiveDateTime, zone: Tz) -> (String, NaiveDate) {
    let local = start.and_utc().with_timezone(&zone).naive_local();
    (
        format!("{:04}-{:02}", local.year(), local.month()),
        local.date(),
    )
}

/// Checks everything and computes the split, reading only: shared by the quote and placing.
pub fn prepare(
    conn: &mut AnyConnection,
    principal: &Principal,
    request: &OrderRequest,
    zone: Tz,
    now: NaiveDateTime,
) -> Result<Quote, OrderError> {
    let caller = principal.user.id;
    let person = request.person.unwrap_or(caller);
    if person != caller && !crate::proxies::store::may_act_for(conn, caller, person)? {
        return Err(OrderError::NoConsent);
    }
    if let Some(need) = request.need {
        use crate::schema::needs;
        use diesel::prelude::*;
        let found: Option<(i64, String)> = needs::table
            .find(need)
            .select((needs::resident_id, needs::mode))
            .first(conn)
            .optional()?;
        // Only the resident's own need posted in paid mode may become an order.
        if found != Some((person.0, "paid".to_owned())) {
            return Err(OrderError::NotFound);
        }
    }
    let offering = store::offering(conn, request.offering)?.ok_or(OrderError::NotFound)?;
    if !offering.published {
        return Err(OrderError::Unpublished);
    }
    let org = crate::organizations::store::get(conn, offering.organization)?
        .ok_or(OrderError::NotFound)?;
    if org.verification.is_none() {
        return Err(OrderError::ProviderNotVerified);
    }
    if !(offering.min_quantity..=offering.max_quantity).contains(&request.quantity) {
        return Err(OrderError::QuantityOutOfRange {
            min: offering.min_quantity,
            max: offering.max_quantity,
        });
    }
    let local = |t: NaiveDateTime| t.and_utc().with_timezone(&zone).naive_local();
    if request.window_end <= request.window_start
        || request.window_start <= now
        || !super::inputs::fits_availability(
            offering.availability,
            local(request.window_start),
            local(request.window_end),
        )
    {
        return Err(OrderError::OutsideAvailability);
    }
    let (_, home) = accounts::with_home_path(conn, person)?.ok_or(OrderError::NotFound)?;
    let home = home.ok_or(OrderError::OutsideServiceArea)?;
    let community = community_of(&home).ok_or(OrderError::OutsideServiceArea)?;
    if !offering.areas.contains(&community) {
        return Err(OrderError::OutsideServiceArea);
    }
    let (month, today) = month_of(request.window_start, zone);
    let facts = crate::residents::store::get(conn, person)?
        .filter(|p| p.facts_verified_at.is_some())
        .map(|p| VerifiedFacts {
            birth_date: p.birth_date,
            facts: p.facts,
        });
    let mut rooms = Vec::new();
    for programme in store::programmes(conn, Some(offering.category))? {
        let funding = areas::store::get(conn, programme.funding_area)?
            .map(|a| a.path)
            .unwrap_or_default();
        let named = request
            .programmes
            .as_ref()
            .map(|ids| ids.contains(&programme.id));
        let reason = if !home.starts_with(&funding) {
            Some("the resident lives outside the funding area".to_owned())
        } else {
            programme
                .eligibility
                .check(facts, today)
                .err()
                .map(|e| e.to_string())
        };
        match (named, reason) {
            (Some(true), Some(reason)) => {
                return Err(OrderError::Ineligible {
                    program: programme.id.0,
                    reason,
                });
            }
            (Some(false), _) | (None, Some(_)) => continue,
            (Some(true) | None, None) => {}
        }
        let used = store::used_in_month(conn, programme.id, person, &month)?;
        rooms.push(SubsidyRoom {
            program: programme.id,
            rule: programme.rule,
            monthly_room: Fen((programme.monthly_cap.0 - used.0).max(0)),
            budget_room: programme.remaining,
        });
    }
    if let Some(ids) = &request.programmes
        && let Some(missing) = ids
            .iter()
            .find(|id| !rooms.iter().any(|r| r.program == **id))
    {
        return Err(OrderError::Ineligible {
            program: missing.0,
            reason: "the programme does not cover this category or is closed".into(),
        });
    }
    let terms = store::points_terms(conn, community)?;
    let commission_bp = store::commission_bp(conn, offering.organization)?;
    let split = split::split(&SplitInput {
        unit_price: offering.unit_price,
        quantity: i64::from(request.quantity),
        programmes: rooms,
        points: request.points,
        points_terms: terms,
        commission_bp,
    })
    .map_err(|e| match e {
        SplitError::PointsAboveCap { max } => OrderError::PointsAboveCap { max },
        SplitError::NegativePoints => OrderError::PointsAboveCap { max: 0 },
        SplitError::TooLarge => OrderError::TooLarge,
    })?;
    Ok(Quote {
        offering,
        person,
        community,
        split,
        month,
        fen_per_point: terms.fen_per_point,
    })
}

/// The split an order would get now, without booking. Points the resident does not have are
/// refused here as at booking (`InsufficientPoints`), so a quote never shows a split that
/// booking would turn down.
pub async fn quote(
    db: &Db,
    principal: Principal,
    request: OrderRequest,
    zone: Tz,
    now: NaiveDateTime,
) -> Result<Quote, OrderError> {
    db.run(move |conn| {
        let quote = prepare(conn, &principal, &request, zone, now)?;
        if quote.split.points > 0 {
            let available = crate::ledger::store::find_account(
                conn,
                crate::ledger::AccountOwner::Person(quote.person),
            )?
            .map_or(0, |account| account.balance.0);
            if available < quote.split.points {
                return Err(OrderError::InsufficientPoints { available });
            }
        }
        Ok(quote)
    })
    .await
}

mod errors;
mod placing;

pub use errors::*;
pub use placing::*;
