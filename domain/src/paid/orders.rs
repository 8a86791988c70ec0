//! Booking: the quote (the split before booking) and placing an order. Placing checks the
//! offering, quantity, window, service area and eligibility, then — in one write transaction —
//! reserves each programme's subsidy against its budget and the resident's monthly cap by
//! guarded statements, moves the points to the community as an ordinary points transfer keyed
//! by the order, and stores the order with its snapshot. Concurrent bookings never overspend.

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta};
use chrono_tz::Tz;

use super::eligibility::VerifiedFacts;
use super::money::Fen;
use super::split::{self, SplitError, SplitInput, SubsidyRoom};
use super::states::OrderState;
use super::store::{self, MoneyRow, NewOrderRow, ProgressRow};
use super::{Offering, OfferingId, Order, ProgramId};
use crate::access::Principal;
use crate::accounts::{UserId, store as accounts};
use crate::areas::{self, AreaId};
use crate::db::{self, AnyConnection, Db, StoreError, TransactionError};
use crate::ledger::usecases::community_of;
use crate::ledger::{
    AccountKind, AccountOwner, Cause, NewTransfer, Points, PostError, TransferKind,
};
use crate::organizations::OrganizationId;
use crate::webhooks::Event;

/// Why an order could not be quoted, placed or changed; nothing moved.
#[derive(Debug, thiserror::Error)]
pub enum OrderError {
    /// No such offering, order or person within reach.
    #[error("no such offering, order or person")]
    NotFound,
    /// The caller may not do this to this order.
    #[error("you may not do this")]
    Forbidden,
    /// The caller holds no live consent to act for the person.
    #[error("no live proxy consent for this person")]
    NoConsent,
    /// The offering is not published.
    #[error("the offering is not published")]
    Unpublished,
    /// The provider is not (or no longer) verified.
    #[error("the provider is not verified")]
    ProviderNotVerified,
    /// The quantity is outside the offering's range.
    #[error("the quantity must be {min}–{max}")]
    QuantityOutOfRange {
        /// Fewest.
        min: i32,
        /// Most.
        max: i32,
    },
    /// The window is empty, in the past or outside the offering's availability.
    #[error("the time window is not one the offering is available in")]
    OutsideAvailability,
    /// The resident lives outside the offering's service areas.
    #[error("the resident lives outside the areas this offering serves")]
    OutsideServiceArea,
    /// A programme named does not apply to this resident or order.
    #[error("subsidy programme {program} does not apply: {reason}")]
    Ineligible {
        /// The programme.
        program: i64,
        /// Why.
        reason: String,
    },
    /// Too many points for the community's cap.
    #[error("at most {max} points may pay for this order")]
    PointsAboveCap {
        /// The most allowed.
        max: i64,
    },
    /// Too few points in the resident's account.
    #[error("only {available} points are available")]
    InsufficientPoints {
        /// What they have.
        available: i64,
    },
    /// The order would exceed ¥1,000,000.00.
    #[error("the order is too large")]
    TooLarge,
    /// The key was used for another order.
    #[error("the idempotency key was used for a different request")]
    KeyReused,
    /// A programme's budget or cap moved while booking; the caller may retry.
    #[error("the subsidy budget changed while booking; retry")]
    Contended,
    /// The state does not allow this.
    #[error(transparent)]
    WrongState(#[from] super::states::WrongState),
    /// A wrong code was given; `left` attempts remain.
    #[error("the code is wrong; {left} attempts left")]
    WrongCode {
        /// Attempts left.
        left: i32,
    },
    /// Too many wrong codes.
    #[error("too many wrong codes for this order")]
    TooManyAttempts,
    /// A payment above what is due.
    #[error("at most {due} of the co-payment is still due")]
    AboveDue {
        /// What is due.
        due: Fen,
    },
    /// The payment gateway refused the payment's details.
    #[error("{0}")]
    PaymentRefused(String),
    /// A refund above what was paid.
    #[error(transparent)]
    Refund(#[from] split::RefundError),
    /// The partner key may not do this.
    #[error(transparent)]
    PartnerRefused(crate::api_keys::rules::PartnerRefusal),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for OrderError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

impl From<super::books::BooksError> for OrderError {
    fn from(e: super::books::BooksError) -> Self {
        match e {
            super::books::BooksError::Store(s) => Self::Store(s),
            super::books::BooksError::KeyReused => Self::KeyReused,
            // Programme funds never drop below what orders reserved; reaching this is a defect
            // the reconciliation shows, refused rather than half-posted.
            super::books::BooksError::Insufficient { .. } => Self::Contended,
        }
    }
}

impl From<super::offerings::OfferingError> for OrderError {
    fn from(e: super::offerings::OfferingError) -> Self {
        use super::offerings::OfferingError as O;
        match e {
            O::NotFound => Self::NotFound,
            O::Forbidden => Self::Forbidden,
            O::NotVerifiedProvider => Self::ProviderNotVerified,
            O::PartnerRefused(r) => Self::PartnerRefused(r),
            O::Store(s) => Self::Store(s),
            O::AreaNotServed(_) | O::CategoryNotPaid | O::Invalid(_) => Self::Forbidden,
        }
    }
}

impl From<PostError> for OrderError {
    fn from(e: PostError) -> Self {
        match e {
            PostError::Insufficient { available } => Self::InsufficientPoints {
                available: available.0,
            },
            PostError::KeyReused => Self::KeyReused,
            PostError::Store(s) => Self::Store(s),
            other => Self::Store(StoreError::Unavailable(other.to_string())),
        }
    }
}

impl TransactionError for OrderError {
    fn as_diesel(&self) -> Option<&diesel::result::Error> {
        match self {
            Self::Store(e) => e.as_diesel(),
            _ => None,
        }
    }
}

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

/// The split an order would get now, without booking.
pub async fn quote(
    db: &Db,
    principal: Principal,
    request: OrderRequest,
    zone: Tz,
    now: NaiveDateTime,
) -> Result<Quote, OrderError> {
    db.run(move |conn| prepare(conn, &principal, &request, zone, now))
        .await
}

/// A placed order, new or found by its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placed {
    /// Placed now.
    New(Order),
    /// Placed before with this key; nothing moved this time.
    Replayed(Order),
}

/// Books an order (see the module). `key` is the caller's idempotency key.
pub async fn create_order(
    db: &Db,
    principal: Principal,
    request: OrderRequest,
    key: String,
    zone: Tz,
    now: NaiveDateTime,
) -> Result<Placed, OrderError> {
    let scoped = format!("user:{}:{key}", principal.user.id.0);
    for _ in 0..8 {
        let (p, r, k) = (principal.clone(), request.clone(), scoped.clone());
        let outcome = db
            .run(move |conn| db::write(conn, |conn| place(conn, &p, &r, &k, zone, now)))
            .await;
        match outcome {
            Err(OrderError::Contended) => continue,
            other => return other,
        }
    }
    Err(OrderError::Contended)
}

fn place(
    conn: &mut AnyConnection,
    principal: &Principal,
    request: &OrderRequest,
    key: &str,
    zone: Tz,
    now: NaiveDateTime,
) -> Result<Placed, OrderError> {
    if let Some(found) = store::order_by_key(conn, key)? {
        let same = found.offering == request.offering
            && found.resident == request.person.unwrap_or(principal.user.id)
            && found.quantity == request.quantity
            && found.window_start == request.window_start
            && found.points == request.points;
        return if same {
            Ok(Placed::Replayed(found))
        } else {
            Err(OrderError::KeyReused)
        };
    }
    let quote = prepare(conn, principal, request, zone, now)?;
    let s = &quote.split;
    for (program, amount) in &s.subsidies {
        let cap = store::programme(conn, *program)?
            .ok_or(OrderError::NotFound)?
            .monthly_cap;
        if !store::reserve_budget(conn, *program, *amount)?
            || !store::use_monthly(conn, *program, quote.person, &quote.month, *amount, cap)?
        {
            return Err(OrderError::Contended);
        }
    }
    let code = crate::needs::rules::check_code_from(rand::random::<u32>());
    let id = store::insert_order(
        conn,
        &NewOrderRow {
            offering_id: quote.offering.id.0,
            organization_id: quote.offering.organization.0,
            category_id: quote.offering.category,
            resident_id: quote.person.0,
            placed_by: principal.user.id.0,
            community_id: quote.community.0,
            need_id: request.need,
            quantity: request.quantity,
            unit: quote.offering.unit.as_str(),
            unit_price_fen: quote.offering.unit_price.0,
            window_start: request.window_start,
            window_end: request.window_end,
            state: OrderState::Placed.as_str(),
            idempotency_key: key.to_owned(),
            created_at: now,
        },
        &MoneyRow {
            order_id: 0,
            gross_fen: s.gross.0,
            subsidy_fen: s.subsidy.0,
            points: s.points,
            points_fen: s.points_value.0,
            copay_fen: s.copay.0,
            commission_bp: i32::try_from(s.commission_bp).unwrap_or(0),
            commission_fen: s.commission.0,
            net_fen: s.net.0,
            paid_fen: 0,
            refunded_fen: 0,
            cancellation_fee_fen: 0,
            points_transfer_id: None,
            settlement_id: None,
            confirmed_at: None,
        },
        &ProgressRow {
            order_id: 0,
            check_code: code,
            code_failures: 0,
            respond_by: now + TimeDelta::minutes(i64::from(quote.offering.response_minutes)),
            lapsed: false,
            reason: None,
            accepted_at: None,
            started_at: None,
            completed_at: None,
            ended_at: None,
            updated_at: now,
        },
        &s.subsidies,
        &quote.month,
    )?;
    if s.points > 0 {
        let person =
            crate::ledger::store::account_for(conn, AccountOwner::Person(quote.person), now)?;
        let sink = crate::ledger::store::account_for(
            conn,
            AccountOwner::System {
                community: quote.community,
                kind: AccountKind::Redemption,
            },
            now,
        )?;
        let posted = crate::ledger::store::post(
            conn,
            now,
            &NewTransfer {
                idempotency_key: format!("paid_order:{}:points", id.0),
                kind: TransferKind::Transfer,
                debit: person.id,
                credit: sink.id,
                amount: Points(s.points),
                cause: Cause::new("paid_order", id.0),
                actor: Some(principal.user.id),
                memo: "paid service part-payment".into(),
            },
        )?;
        store::set_money(
            conn,
            id,
            &store::MoneyChanges {
                points_transfer_id: Some(posted.transfer().id.0),
                ..Default::default()
            },
        )?;
    }
    let order = store::order(conn, id)?.ok_or(OrderError::NotFound)?;
    publish(conn, now, order.organization, Event::OrderPlaced, &order)?;
    Ok(Placed::New(order))
}

/// Publishes an order event to the provider's webhooks, inside the change's transaction.
pub fn publish(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    org: OrganizationId,
    event: Event,
    order: &Order,
) -> Result<(), StoreError> {
    crate::webhooks::usecases::publish(
        conn,
        now,
        org,
        event,
        serde_json::json!({
            "order_id": order.id.0,
            "offering_id": order.offering.0,
            "state": order.state.as_str(),
            "quantity": order.quantity,
            "window_start": order.window_start.and_utc().to_rfc3339(),
            "window_end": order.window_end.and_utc().to_rfc3339(),
            "gross": order.gross.to_string(),
            "net": order.net.to_string(),
        }),
    )?;
    Ok(())
}
