//! Settlement: one batch per provider and period gathers every confirmed, unsettled order and
//! every unsettled refund (late refunds roll into the next batch) as lines, set-based, and
//! marks each settled by a guarded statement — so every order is settled exactly once, and a
//! second run for the same provider and period finds the first batch. Batches go draft →
//! approved (a street admin over the provider's communities) → paid (reference recorded; the
//! net leaves the provider's account).

use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable};

use super::books::{self, MoneyOwner, Movement};
use super::money::Fen;
use super::offerings::{OfferingError, ProviderActor, check_provider};
use super::{ProgramId, SettlementId};
use crate::access::{Principal, Role};
use crate::accounts::UserId;
use crate::api_keys::Scope;
use crate::db::{self, AnyConnection, Db, StoreError, TransactionError, is_unique_violation};
use crate::organizations::{MemberRole, OrganizationId};
use crate::schema::{
    paid_order_money, paid_order_subsidies, paid_orders, paid_refund_subsidies, paid_refunds,
    paid_settlement_lines, paid_settlement_reviews, paid_settlements,
};
use crate::webhooks::Event;

/// Where a batch stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SettlementState {
    /// Drafted by the job.
    Draft,
    /// Approved by a street admin.
    Approved,
    /// Paid out, reference recorded.
    Paid,
}

impl SettlementState {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Approved => "approved",
            Self::Paid => "paid",
        }
    }

    /// Parses a stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Draft, Self::Approved, Self::Paid]
            .into_iter()
            .find(|s| s.as_str() == raw)
    }
}

/// The totals of a batch or of lines; `net = gross − co-payment − commission` (the provider
/// collects co-payments itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    /// Gross.
    pub gross: Fen,
    /// Subsidy.
    pub subsidy: Fen,
    /// Points compensation.
    pub points: Fen,
    /// Co-payments.
    pub copay: Fen,
    /// Commission.
    pub commission: Fen,
    /// Net payable.
    pub net: Fen,
}

impl Totals {
    fn add(&mut self, line: &Totals) {
        self.gross.0 += line.gross.0;
        self.subsidy.0 += line.subsidy.0;
        self.points.0 += line.points.0;
        self.copay.0 += line.copay.0;
        self.commission.0 += line.commission.0;
        self.net.0 += line.net.0;
    }
}

/// A batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    /// Its id.
    pub id: SettlementId,
    /// The provider.
    pub organization: OrganizationId,
    /// Period start (UTC).
    pub period_start: NaiveDateTime,
    /// Period end, exclusive (UTC).
    pub period_end: NaiveDateTime,
    /// Where it stands.
    pub state: SettlementState,
    /// Lines.
    pub line_count: i64,
    /// Totals.
    pub totals: Totals,
    /// Who approved it, when.
    pub approved: Option<(UserId, NaiveDateTime)>,
    /// Who recorded the payout, the reference, when.
    pub paid: Option<(Option<UserId>, String, NaiveDateTime)>,
    /// When it was drafted.
    pub created_at: NaiveDateTime,
}

/// A line: an order (refund none) or a refund of one (negative amounts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettlementLine {
    /// The order.
    pub order_id: i64,
    /// The refund, for an adjustment.
    pub refund_id: Option<i64>,
    /// Its amounts.
    pub totals: Totals,
}

/// Why a settlement operation was refused; nothing changed.
#[derive(Debug, thiserror::Error)]
pub enum SettlementError {
    /// No such batch within reach.
    #[error("no such settlement")]
    NotFound,
    /// The caller may not do this.
    #[error("only a street admin over the provider's communities may do this")]
    Forbidden,
    /// Paying out a batch nobody approved.
    #[error("the settlement is not approved")]
    NotApproved,
    /// The batch is past this step.
    #[error("the settlement is {} already", .0.as_str())]
    AlreadyDone(SettlementState),
    /// The payout reference is missing or too long.
    #[error("the reference must be 1–64 characters")]
    BadReference,
    /// Provider checks failed.
    #[error(transparent)]
    Provider(#[from] OfferingError),
    /// Another run settled some of the same orders first.
    #[error("another settlement run took these orders")]
    Contended,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for SettlementError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

impl From<books::BooksError> for SettlementError {
    fn from(e: books::BooksError) -> Self {
        match e {
            books::BooksError::Store(s) => Self::Store(s),
            _ => Self::Contended,
        }
    }
}

impl TransactionError for SettlementError {
    fn as_diesel(&self) -> Option<&diesel::result::Error> {
        match self {
            Self::Store(e) => e.as_diesel(),
            _ => None,
        }
    }
}

type SettlementRow = (
    i64,
    i64,
    NaiveDateTime,
    NaiveDateTime,
    String,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    NaiveDateTime,
);

#[expect(
    clippy::type_complexity,
    reason = "the tuple of columns is the type diesel selects"
)]
const SETTLEMENT_COLUMNS: (
    paid_settlements::id,
    paid_settlements::organization_id,
    paid_settlements::period_start,
    paid_settlements::period_end,
    paid_settlements::state,
    paid_settlements::line_count,
    paid_settlements::gross_fen,
    paid_settlements::subsidy_fen,
    paid_settlements::points_fen,
    paid_settlements::copay_fen,
    paid_settlements::commission_fen,
    paid_settlements::net_fen,
    paid_settlements::created_at,
) = (
    paid_settlements::id,
    paid_settlements::organization_id,
    paid_settlements::period_start,
    paid_settlements::period_end,
    paid_settlements::state,
    paid_settlements::line_count,
    paid_settlements::gross_fen,
    paid_settlements::subsidy_fen,
    paid_settlements::points_fen,
    paid_settlements::copay_fen,
    paid_settlements::commission_fen,
    paid_settlements::net_fen,
    paid_settlements::created_at,
);

/// Who approved and who paid a batch, as stored.
type ReviewRow = (
    i64,
    NaiveDateTime,
    Option<i64>,
    Option<String>,
    Option<NaiveDateTime>,
);

/// A line as stored: order, refund, gross, subsidy, points, co-payment, commission, net.
type LineRow = (i64, Option<i64>, i64, i64, i64, i64, i64, i64);

/// Sums of a batch's lines, in the order of [`LineRow`]'s amounts.
type Sums = (
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

fn settlement_of(conn: &mut AnyConnection, r: SettlementRow) -> Result<Settlement, StoreError> {
    let review: Option<ReviewRow> = paid_settlement_reviews::table
        .find(r.0)
        .select((
            paid_settlement_reviews::approved_by,
            paid_settlement_reviews::approved_at,
            paid_settlement_reviews::paid_by,
            paid_settlement_reviews::paid_reference,
            paid_settlement_reviews::paid_at,
        ))
        .first(conn)
        .optional()?;
    let state = SettlementState::parse(&r.4).ok_or_else(|| {
        StoreError::Query(diesel::result::Error::DeserializationError(
            "unexpected settlement state".into(),
        ))
    })?;
    Ok(Settlement {
        id: SettlementId(r.0),
        organization: OrganizationId(r.1),
        period_start: r.2,
        period_end: r.3,
        state,
        line_count: r.5,
        totals: Totals {
            gross: Fen(r.6),
            subsidy: Fen(r.7),
            points: Fen(r.8),
            copay: Fen(r.9),
            commission: Fen(r.10),
            net: Fen(r.11),
        },
        approved: review.as_ref().map(|v| (UserId(v.0), v.1)),
        paid: review.and_then(|v| Some((v.2.map(UserId), v.3?, v.4?))),
        created_at: r.12,
    })
}

/// One batch.
pub fn settlement(
    conn: &mut AnyConnection,
    id: SettlementId,
) -> Result<Option<Settlement>, StoreError> {
    let row: Option<SettlementRow> = paid_settlements::table
        .find(id.0)
        .select(SETTLEMENT_COLUMNS)
        .first(conn)
        .optional()?;
    row.map(|r| settlement_of(conn, r)).transpose()
}

/// A batch's lines, orders first.
pub fn lines(
    conn: &mut AnyConnection,
    id: SettlementId,
) -> Result<Vec<SettlementLine>, StoreError> {
    let rows: Vec<LineRow> = paid_settlement_lines::table
        .filter(paid_settlement_lines::settlement_id.eq(id.0))
        .order(paid_settlement_lines::id)
        .select((
            paid_settlement_lines::order_id,
            paid_settlement_lines::refund_id,
            paid_settlement_lines::gross_fen,
            paid_settlement_lines::subsidy_fen,
            paid_settlement_lines::points_fen,
            paid_settlement_lines::copay_fen,
            paid_settlement_lines::commission_fen,
            paid_settlement_lines::net_fen,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| SettlementLine {
            order_id: r.0,
            refund_id: r.1,
            totals: Totals {
                gross: Fen(r.2),
                subsidy: Fen(r.3),
                points: Fen(r.4),
                copay: Fen(r.5),
                commission: Fen(r.6),
                net: Fen(r.7),
            },
        })
        .collect())
}

/// Drafts the batch of `org` for `[start, end)` inside the caller's transaction: none when a
/// batch for that period exists already (it is returned) or nothing is due. Lines are
/// gathered set-based; the guarded marks must take exactly the lines gathered.
pub fn settle(
    conn: &mut AnyConnection,
    org: OrganizationId,
    start: NaiveDateTime,
    end: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<Option<Settlement>, SettlementError> {
    let existing: Option<i64> = paid_settlements::table
        .filter(paid_settlements::organization_id.eq(org.0))
        .filter(paid_settlements::period_start.eq(start))
        .select(paid_settlements::id)
        .first(conn)
        .optional()?;
    if let Some(id) = existing {
        return Ok(settlement(conn, SettlementId(id))?);
    }
    let orders_due = paid_order_money::table
        .inner_join(paid_orders::table)
        .filter(paid_orders::organization_id.eq(org.0))
        .filter(paid_order_money::settlement_id.is_null())
        .filter(paid_order_money::confirmed_at.lt(end));
    let refunds_due = paid_refunds::table
        .filter(paid_refunds::organization_id.eq(org.0))
        .filter(paid_refunds::settlement_id.is_null())
        .filter(paid_refunds::created_at.lt(end));
    let order_count: i64 = orders_due.count().get_result(conn)?;
    let refund_count: i64 = refunds_due.count().get_result(conn)?;
    if order_count + refund_count == 0 {
        return Ok(None);
    }
    let inserted = diesel::insert_into(paid_settlements::table)
        .values((
            paid_settlements::organization_id.eq(org.0),
            paid_settlements::period_start.eq(start),
            paid_settlements::period_end.eq(end),
            paid_settlements::state.eq(SettlementState::Draft.as_str()),
            paid_settlements::line_count.eq(0),
            paid_settlements::gross_fen.eq(0),
            paid_settlements::subsidy_fen.eq(0),
            paid_settlements::points_fen.eq(0),
            paid_settlements::copay_fen.eq(0),
            paid_settlements::commission_fen.eq(0),
            paid_settlements::net_fen.eq(0),
            paid_settlements::created_at.eq(now),
        ))
        .returning(paid_settlements::id)
        .get_result::<i64>(conn);
    let sid = match inserted {
        Ok(id) => id,
        Err(e) if is_unique_violation(&e) => return Err(SettlementError::Contended),
        Err(e) => return Err(e.into()),
    };
    let lines_columns = (
        paid_settlement_lines::settlement_id,
        paid_settlement_lines::order_id,
        paid_settlement_lines::refund_id,
        paid_settlement_lines::gross_fen,
        paid_settlement_lines::subsidy_fen,
        paid_settlement_lines::points_fen,
        paid_settlement_lines::copay_fen,
        paid_settlement_lines::commission_fen,
        paid_settlement_lines::net_fen,
    );
    let order_lines = orders_due.select((
        sid.into_sql::<BigInt>(),
        paid_order_money::order_id,
        None::<i64>.into_sql::<Nullable<BigInt>>(),
        paid_order_money::gross_fen,
        paid_order_money::subsidy_fen,
        paid_order_money::points_fen,
        paid_order_money::copay_fen,
        paid_order_money::commission_fen,
        paid_order_money::gross_fen
            - paid_order_money::copay_fen
            - paid_order_money::commission_fen,
    ));
    let taken = diesel::insert_into(paid_settlement_lines::table)
        .values(order_lines)
        .into_columns(lines_columns)
        .execute(conn);
    match taken {
        Ok(n) if n as i64 == order_count => {}
        Ok(_) => return Err(SettlementError::Contended),
        Err(e) if is_unique_violation(&e) => return Err(SettlementError::Contended),
        Err(e) => return Err(e.into()),
    }
    let zero = || 0_i64.into_sql::<BigInt>();
    let refund_lines = refunds_due.select((
        sid.into_sql::<BigInt>(),
        paid_refunds::order_id,
        paid_refunds::id.nullable(),
        zero() - paid_refunds::amount_fen,
        zero() - paid_refunds::subsidy_fen,
        zero() - paid_refunds::points_fen,
        zero() - paid_refunds::copay_fen,
        zero() - paid_refunds::commission_fen,
        paid_refunds::copay_fen + paid_refunds::commission_fen - paid_refunds::amount_fen,
    ));
    let taken = diesel::insert_into(paid_settlement_lines::table)
        .values(refund_lines)
        .into_columns(lines_columns)
        .execute(conn)?;
    if taken as i64 != refund_count {
        return Err(SettlementError::Contended);
    }
    let ordered = paid_settlement_lines::table
        .filter(paid_settlement_lines::settlement_id.eq(sid))
        .filter(paid_settlement_lines::refund_id.is_null())
        .select(paid_settlement_lines::order_id);
    let marked = diesel::update(
        paid_order_money::table
            .filter(paid_order_money::settlement_id.is_null())
            .filter(paid_order_money::order_id.eq_any(ordered)),
    )
    .set(paid_order_money::settlement_id.eq(sid))
    .execute(conn)?;
    let refunded = paid_settlement_lines::table
        .filter(paid_settlement_lines::settlement_id.eq(sid))
        .select(paid_settlement_lines::refund_id)
        .filter(paid_settlement_lines::refund_id.is_not_null());
    let marked_refunds = diesel::update(
        paid_refunds::table
            .filter(paid_refunds::settlement_id.is_null())
            .filter(paid_refunds::id.nullable().eq_any(refunded)),
    )
    .set(paid_refunds::settlement_id.eq(sid))
    .execute(conn)?;
    if marked as i64 != order_count || marked_refunds as i64 != refund_count {
        return Err(SettlementError::Contended);
    }
    let sums: Sums = paid_settlement_lines::table
        .filter(paid_settlement_lines::settlement_id.eq(sid))
        .select((
            sql::<Nullable<BigInt>>("CAST(SUM(gross_fen) AS BIGINT)"),
            sql::<Nullable<BigInt>>("CAST(SUM(subsidy_fen) AS BIGINT)"),
            sql::<Nullable<BigInt>>("CAST(SUM(points_fen) AS BIGINT)"),
            sql::<Nullable<BigInt>>("CAST(SUM(copay_fen) AS BIGINT)"),
            sql::<Nullable<BigInt>>("CAST(SUM(commission_fen) AS BIGINT)"),
            sql::<Nullable<BigInt>>("CAST(SUM(net_fen) AS BIGINT)"),
        ))
        .first(conn)?;
    diesel::update(paid_settlements::table.find(sid))
        .set((
            paid_settlements::line_count.eq(order_count + refund_count),
            paid_settlements::gross_fen.eq(sums.0.unwrap_or(0)),
            paid_settlements::subsidy_fen.eq(sums.1.unwrap_or(0)),
            paid_settlements::points_fen.eq(sums.2.unwrap_or(0)),
            paid_settlements::copay_fen.eq(sums.3.unwrap_or(0)),
            paid_settlements::commission_fen.eq(sums.4.unwrap_or(0)),
            paid_settlements::net_fen.eq(sums.5.unwrap_or(0)),
        ))
        .execute(conn)?;
    let batch = settlement(conn, SettlementId(sid))?.ok_or(SettlementError::NotFound)?;
    crate::webhooks::usecases::publish(
        conn,
        now,
        org,
        Event::SettlementReady,
        serde_json::json!({
            "settlement_id": sid,
            "period_start": start.and_utc().to_rfc3339(),
            "period_end": end.and_utc().to_rfc3339(),
            "net": batch.totals.net.to_string(),
            "line_count": batch.line_count,
        }),
    )?;
    Ok(Some(batch))
}

/// Providers with confirmed orders or refunds not yet settled, confirmed or made before `end`.
pub fn providers_due(
    conn: &mut AnyConnection,
    end: NaiveDateTime,
) -> Result<Vec<OrganizationId>, StoreError> {
    let mut ids: Vec<i64> = paid_order_money::table
        .inner_join(paid_orders::table)
        .filter(paid_order_money::settlement_id.is_null())
        .filter(paid_order_money::confirmed_at.lt(end))
        .select(paid_orders::organization_id)
        .distinct()
        .load(conn)?;
    ids.extend(
        paid_refunds::table
            .filter(paid_refunds::settlement_id.is_null())
            .filter(paid_refunds::created_at.lt(end))
            .select(paid_refunds::organization_id)
            .distinct()
            .load::<i64>(conn)?,
    );
    ids.sort_unstable();
    ids.dedup();
    Ok(ids.into_iter().map(OrganizationId).collect())
}

/// Drafts a batch for every provider with something due in `[start, end)`; returns how many
/// were drafted now.
pub async fn settle_all(
    db: &Db,
    start: NaiveDateTime,
    end: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<usize, SettlementError> {
    let providers = db
        .run(move |conn| providers_due(conn, end).map_err(SettlementError::from))
        .await?;
    let mut drafted = 0;
    for org in providers {
        let outcome = db
            .run(move |conn| {
                db::write(conn, |conn| {
                    let before = paid_settlements::table
                        .filter(paid_settlements::organization_id.eq(org.0))
                        .filter(paid_settlements::period_start.eq(start))
                        .count()
                        .get_result::<i64>(conn)?;
                    Ok::<_, SettlementError>((before, settle(conn, org, start, end, now)?))
                })
            })
            .await;
        match outcome {
            Ok((0, Some(_))) => drafted += 1,
            Ok(_) | Err(SettlementError::Contended) => {}
            Err(other) => return Err(other),
        }
    }
    Ok(drafted)
}

/// True when the principal is a street admin over one of the provider's communities (or a
/// platform admin).
fn may_review(
    conn: &mut AnyConnection,
    principal: &Principal,
    org: OrganizationId,
) -> Result<bool, StoreError> {
    let Some(found) = crate::organizations::store::get(conn, org)? else {
        return Ok(false);
    };
    Ok(principal.is_platform_admin()
        || found
            .service_areas
            .iter()
            .any(|a| principal.holds_any(&[Role::StreetAdmin], &a.path)))
}

/// Drafts a provider's batch for a past period now (a street admin over its communities);
/// true when drafted now, false when the period's batch existed.
pub async fn draft_settlement(
    db: &Db,
    principal: Principal,
    org: OrganizationId,
    start: NaiveDateTime,
    end: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<(Settlement, bool), SettlementError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            if !may_review(conn, &principal, org)? {
                return Err(SettlementError::Forbidden);
            }
            let before = paid_settlements::table
                .filter(paid_settlements::organization_id.eq(org.0))
                .filter(paid_settlements::period_start.eq(start))
                .count()
                .get_result::<i64>(conn)?;
            let batch = settle(conn, org, start, end, now)?.ok_or(SettlementError::NotFound)?;
            Ok((batch, before == 0))
        })
    })
    .await
}

/// Who reads settlements.
#[derive(Debug, Clone)]
pub enum SettlementReader {
    /// A street admin over the provider's communities, or a member of the provider.
    Person(Principal),
    /// The provider's systems (`orders:read`).
    Partner(crate::api_keys::PartnerKey),
}

fn check_reader(
    conn: &mut AnyConnection,
    reader: &SettlementReader,
    org: OrganizationId,
) -> Result<(), SettlementError> {
    match reader {
        SettlementReader::Person(principal) => {
            if may_review(conn, principal, org)? {
                return Ok(());
            }
            check_provider(
                conn,
                &ProviderActor::Person(principal.clone()),
                org,
                &[MemberRole::Admin, MemberRole::Leader],
                Scope::OrdersRead,
            )
            .map(|_| ())
            .map_err(|_| SettlementError::NotFound)
        }
        SettlementReader::Partner(key) => {
            check_provider(
                conn,
                &ProviderActor::Partner(key.clone()),
                org,
                &[],
                Scope::OrdersRead,
            )?;
            Ok(())
        }
    }
}

/// A provider's batches, newest first.
pub async fn list_settlements(
    db: &Db,
    reader: SettlementReader,
    org: OrganizationId,
) -> Result<Vec<Settlement>, SettlementError> {
    db.run(move |conn| {
        check_reader(conn, &reader, org)?;
        let rows: Vec<SettlementRow> = paid_settlements::table
            .filter(paid_settlements::organization_id.eq(org.0))
            .order(paid_settlements::period_start.desc())
            .select(SETTLEMENT_COLUMNS)
            .load(conn)?;
        rows.into_iter()
            .map(|r| settlement_of(conn, r).map_err(SettlementError::from))
            .collect()
    })
    .await
}

/// One batch with its lines.
pub async fn get_settlement(
    db: &Db,
    reader: SettlementReader,
    id: SettlementId,
) -> Result<(Settlement, Vec<SettlementLine>), SettlementError> {
    db.run(move |conn| {
        let batch = settlement(conn, id)?.ok_or(SettlementError::NotFound)?;
        check_reader(conn, &reader, batch.organization)?;
        let lines = lines(conn, id)?;
        Ok((batch, lines))
    })
    .await
}

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

/// One line of a programme's claim: an order's subsidy, or a refund giving some back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimLine {
    /// The order.
    pub order_id: i64,
    /// The refund, for a negative line.
    pub refund_id: Option<i64>,
    /// Subsidy claimed (negative when refunded).
    pub amount: Fen,
    /// The batch the order or refund was settled in.
    pub settlement: Option<i64>,
}

/// What a programme's funding body is asked to pay: the subsidy of every confirmed order,
/// less refunds, line by line.
pub async fn claim_statement(
    db: &Db,
    principal: Principal,
    program: ProgramId,
) -> Result<(super::Programme, Vec<ClaimLine>, Fen), SettlementError> {
    db.run(move |conn| {
        let programme = super::store::programme(conn, program)?.ok_or(SettlementError::NotFound)?;
        let path = crate::areas::store::get(conn, programme.funding_area)?
            .map(|a| a.path)
            .unwrap_or_default();
        if !principal.holds_any(&[Role::StreetAdmin, Role::PlatformAdmin], &path) {
            return Err(SettlementError::Forbidden);
        }
        let confirmed = paid_order_money::table
            .filter(paid_order_money::confirmed_at.is_not_null())
            .select(paid_order_money::order_id);
        let orders: Vec<(i64, i64)> = paid_order_subsidies::table
            .filter(paid_order_subsidies::program_id.eq(program.0))
            .filter(paid_order_subsidies::order_id.eq_any(confirmed))
            .order(paid_order_subsidies::order_id)
            .select((
                paid_order_subsidies::order_id,
                paid_order_subsidies::amount_fen,
            ))
            .load(conn)?;
        let settled: Vec<(i64, Option<i64>)> = paid_order_money::table
            .filter(
                paid_order_money::order_id.eq_any(orders.iter().map(|o| o.0).collect::<Vec<_>>()),
            )
            .select((paid_order_money::order_id, paid_order_money::settlement_id))
            .load(conn)?;
        let refunds: Vec<(i64, i64, i64, Option<i64>)> = paid_refund_subsidies::table
            .inner_join(paid_refunds::table)
            .filter(paid_refund_subsidies::program_id.eq(program.0))
            .order(paid_refunds::id)
            .select((
                paid_refunds::order_id,
                paid_refunds::id,
                paid_refund_subsidies::amount_fen,
                paid_refunds::settlement_id,
            ))
            .load(conn)?;
        let mut lines: Vec<ClaimLine> = orders
            .into_iter()
            .map(|(order_id, amount)| ClaimLine {
                order_id,
                refund_id: None,
                amount: Fen(amount),
                settlement: settled.iter().find(|s| s.0 == order_id).and_then(|s| s.1),
            })
            .collect();
        lines.extend(
            refunds
                .into_iter()
                .map(|(order_id, refund, amount, settlement)| ClaimLine {
                    order_id,
                    refund_id: Some(refund),
                    amount: Fen(-amount),
                    settlement,
                }),
        );
        let total = Fen(lines.iter().map(|l| l.amount.0).sum());
        Ok((programme, lines, total))
    })
    .await
}

/// The lines of a batch as CSV (UTF-8, header first, amounts as decimal strings) and a totals
/// row that equals the batch's totals.
pub fn statement_csv(batch: &Settlement, lines: &[SettlementLine]) -> String {
    let mut out = String::from("order_id,refund_id,gross,subsidy,points,copay,commission,net\n");
    let mut sum = Totals::default();
    for line in lines {
        sum.add(&line.totals);
        let t = line.totals;
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\n",
            line.order_id,
            line.refund_id.map(|r| r.to_string()).unwrap_or_default(),
            t.gross,
            t.subsidy,
            t.points,
            t.copay,
            t.commission,
            t.net
        ));
    }
    let t = batch.totals;
    out.push_str(&format!(
        "total,,{},{},{},{},{},{}\n",
        t.gross, t.subsidy, t.points, t.copay, t.commission, t.net
    ));
    out
}
