//! Rows and queries of paid services: offerings, programmes and their usage counters, orders
//! and their subsidies. Counters (budgets, monthly use) change only by guarded statements.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::eligibility::EligibilityRules;
use super::money::Fen;
use super::split::{DEFAULT_COMMISSION_BP, DEFAULT_POINTS_TERMS, PointsTerms, SubsidyRule};
use super::{Availability, Offering, OfferingId, OfferingText, ProgramId, Programme, Unit};
use crate::accounts::UserId;
use crate::areas::AreaId;
use crate::db::{AnyConnection, StoreError, is_unique_violation};
use crate::organizations::OrganizationId;
use crate::schema::{
    paid_offering_areas, paid_offering_texts, paid_offerings, paid_points_terms,
    paid_program_categories, paid_provider_terms, paid_subsidy_programs, paid_subsidy_usage,
};

fn corrupt(what: &str) -> StoreError {
    StoreError::Query(diesel::result::Error::DeserializationError(
        format!("unexpected stored {what}").into(),
    ))
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = paid_offerings)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct OfferingRow {
    id: i64,
    organization_id: i64,
    category_id: i64,
    unit: String,
    unit_price_fen: i64,
    min_quantity: i32,
    max_quantity: i32,
    available_weekdays: i32,
    available_from_minute: i32,
    available_to_minute: i32,
    response_minutes: i32,
    cancellation_notice_hours: i32,
    cancellation_fee_percent: i32,
    published: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// A checked offering to store.
#[derive(Debug, Clone, PartialEq, Eq, Insertable, AsChangeset)]
#[diesel(table_name = paid_offerings)]
pub struct OfferingValues {
    /// The provider.
    pub organization_id: i64,
    /// The category.
    pub category_id: i64,
    /// Unit name.
    pub unit: &'static str,
    /// Price per unit.
    pub unit_price_fen: i64,
    /// Fewest units.
    pub min_quantity: i32,
    /// Most units.
    pub max_quantity: i32,
    /// Weekday bits.
    pub available_weekdays: i32,
    /// First minute served.
    pub available_from_minute: i32,
    /// Minute service ends.
    pub available_to_minute: i32,
    /// Minutes to answer.
    pub response_minutes: i32,
    /// Late-cancellation notice.
    pub cancellation_notice_hours: i32,
    /// Late-cancellation fee.
    pub cancellation_fee_percent: i32,
    /// Bookable.
    pub published: bool,
}

impl OfferingValues {
    /// The values of a stored offering, to change some of them.
    pub fn of(o: &Offering) -> Self {
        Self {
            organization_id: o.organization.0,
            category_id: o.category,
            unit: o.unit.as_str(),
            unit_price_fen: o.unit_price.0,
            min_quantity: o.min_quantity,
            max_quantity: o.max_quantity,
            available_weekdays: o.availability.weekdays,
            available_from_minute: o.availability.from_minute,
            available_to_minute: o.availability.to_minute,
            response_minutes: o.response_minutes,
            cancellation_notice_hours: o.cancellation_notice_hours,
            cancellation_fee_percent: o.cancellation_fee_percent,
            published: o.published,
        }
    }
}

fn save_text(
    conn: &mut AnyConnection,
    id: OfferingId,
    text: &OfferingText,
) -> Result<(), StoreError> {
    diesel::delete(paid_offering_texts::table.find(id.0)).execute(conn)?;
    diesel::insert_into(paid_offering_texts::table)
        .values((
            paid_offering_texts::offering_id.eq(id.0),
            paid_offering_texts::title_zh.eq(&text.title_zh),
            paid_offering_texts::title_en.eq(&text.title_en),
            paid_offering_texts::description_zh.eq(&text.description_zh),
            paid_offering_texts::description_en.eq(&text.description_en),
        ))
        .execute(conn)?;
    Ok(())
}

/// Stores a new offering with its text and areas.
pub fn insert_offering(
    conn: &mut AnyConnection,
    values: &OfferingValues,
    text: &OfferingText,
    areas: &[AreaId],
    now: NaiveDateTime,
) -> Result<OfferingId, StoreError> {
    let id: i64 = diesel::insert_into(paid_offerings::table)
        .values((
            values,
            paid_offerings::created_at.eq(now),
            paid_offerings::updated_at.eq(now),
        ))
        .returning(paid_offerings::id)
        .get_result(conn)?;
    save_text(conn, OfferingId(id), text)?;
    set_areas(conn, OfferingId(id), areas)?;
    Ok(OfferingId(id))
}

/// Replaces an offering's values, text and (when given) areas.
pub fn update_offering(
    conn: &mut AnyConnection,
    id: OfferingId,
    values: &OfferingValues,
    text: &OfferingText,
    areas: Option<&[AreaId]>,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(paid_offerings::table.find(id.0))
        .set((values, paid_offerings::updated_at.eq(now)))
        .execute(conn)?;
    save_text(conn, id, text)?;
    if let Some(areas) = areas {
        diesel::delete(
            paid_offering_areas::table.filter(paid_offering_areas::offering_id.eq(id.0)),
        )
        .execute(conn)?;
        set_areas(conn, id, areas)?;
    }
    Ok(())
}

fn set_areas(conn: &mut AnyConnection, id: OfferingId, areas: &[AreaId]) -> Result<(), StoreError> {
    for area in areas {
        diesel::insert_into(paid_offering_areas::table)
            .values((
                paid_offering_areas::offering_id.eq(id.0),
                paid_offering_areas::area_id.eq(area.0),
            ))
            .execute(conn)?;
    }
    Ok(())
}

type TextRow = (i64, String, Option<String>, String, Option<String>);

fn texts(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<TextRow>, StoreError> {
    Ok(paid_offering_texts::table
        .filter(paid_offering_texts::offering_id.eq_any(ids))
        .select((
            paid_offering_texts::offering_id,
            paid_offering_texts::title_zh,
            paid_offering_texts::title_en,
            paid_offering_texts::description_zh,
            paid_offering_texts::description_en,
        ))
        .load(conn)?)
}

fn offering_of(
    row: OfferingRow,
    areas: Vec<AreaId>,
    texts: &[TextRow],
) -> Result<Offering, StoreError> {
    let (_, title_zh, title_en, description_zh, description_en) = texts
        .iter()
        .find(|t| t.0 == row.id)
        .cloned()
        .ok_or_else(|| corrupt("offering without text"))?;
    Ok(Offering {
        id: OfferingId(row.id),
        organization: OrganizationId(row.organization_id),
        category: row.category_id,
        text: OfferingText {
            title_zh,
            title_en,
            description_zh,
            description_en,
        },
        unit: Unit::parse(&row.unit).ok_or_else(|| corrupt("unit"))?,
        unit_price: Fen(row.unit_price_fen),
        min_quantity: row.min_quantity,
        max_quantity: row.max_quantity,
        areas,
        availability: Availability {
            weekdays: row.available_weekdays,
            from_minute: row.available_from_minute,
            to_minute: row.available_to_minute,
        },
        response_minutes: row.response_minutes,
        cancellation_notice_hours: row.cancellation_notice_hours,
        cancellation_fee_percent: row.cancellation_fee_percent,
        published: row.published,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// One offering.
pub fn offering(conn: &mut AnyConnection, id: OfferingId) -> Result<Option<Offering>, StoreError> {
    let row = paid_offerings::table
        .find(id.0)
        .select(OfferingRow::as_select())
        .first(conn)
        .optional()?;
    let Some(row) = row else { return Ok(None) };
    let areas = paid_offering_areas::table
        .filter(paid_offering_areas::offering_id.eq(id.0))
        .order(paid_offering_areas::area_id)
        .select(paid_offering_areas::area_id)
        .load::<i64>(conn)?
        .into_iter()
        .map(AreaId)
        .collect();
    let texts = texts(conn, &[id.0])?;
    offering_of(row, areas, &texts).map(Some)
}

/// Which offerings to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OfferingFilter {
    /// Of this provider.
    pub organization: Option<OrganizationId>,
    /// Serving this community.
    pub community: Option<AreaId>,
    /// Of this category.
    pub category: Option<i64>,
    /// Only published ones.
    pub published_only: bool,
}

/// Offerings matching `filter`, oldest first, at most `limit`.
pub fn offerings(
    conn: &mut AnyConnection,
    filter: OfferingFilter,
    limit: i64,
) -> Result<Vec<Offering>, StoreError> {
    let mut query = paid_offerings::table
        .select(OfferingRow::as_select())
        .order(paid_offerings::id)
        .limit(limit)
        .into_boxed();
    if let Some(org) = filter.organization {
        query = query.filter(paid_offerings::organization_id.eq(org.0));
    }
    if let Some(category) = filter.category {
        query = query.filter(paid_offerings::category_id.eq(category));
    }
    if filter.published_only {
        query = query.filter(paid_offerings::published.eq(true));
    }
    if let Some(community) = filter.community {
        let serving = paid_offering_areas::table
            .filter(paid_offering_areas::area_id.eq(community.0))
            .select(paid_offering_areas::offering_id);
        query = query.filter(paid_offerings::id.eq_any(serving));
    }
    let rows = query.load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let pairs: Vec<(i64, i64)> = paid_offering_areas::table
        .filter(paid_offering_areas::offering_id.eq_any(&ids))
        .order((
            paid_offering_areas::offering_id,
            paid_offering_areas::area_id,
        ))
        .select((
            paid_offering_areas::offering_id,
            paid_offering_areas::area_id,
        ))
        .load(conn)?;
    let texts = texts(conn, &ids)?;
    rows.into_iter()
        .map(|row| {
            let areas = pairs
                .iter()
                .filter(|(o, _)| *o == row.id)
                .map(|(_, a)| AreaId(*a))
                .collect();
            offering_of(row, areas, &texts)
        })
        .collect()
}

/// The provider's commission in basis points (the default without a contract).
pub fn commission_bp(conn: &mut AnyConnection, org: OrganizationId) -> Result<i64, StoreError> {
    Ok(paid_provider_terms::table
        .find(org.0)
        .select(paid_provider_terms::commission_bp)
        .first::<i32>(conn)
        .optional()?
        .map_or(DEFAULT_COMMISSION_BP, i64::from))
}

/// The community's points terms (the default when it set none).
pub fn points_terms(
    conn: &mut AnyConnection,
    community: AreaId,
) -> Result<PointsTerms, StoreError> {
    Ok(paid_points_terms::table
        .find(community.0)
        .select((
            paid_points_terms::fen_per_point,
            paid_points_terms::max_percent,
        ))
        .first::<(i64, i32)>(conn)
        .optional()?
        .map_or(DEFAULT_POINTS_TERMS, |(rate, max)| PointsTerms {
            fen_per_point: rate,
            max_percent: i64::from(max),
        }))
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = paid_subsidy_programs)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct ProgrammeRow {
    id: i64,
    funding_area_id: i64,
    name_zh: String,
    name_en: Option<String>,
    budget_fen: i64,
    remaining_fen: i64,
    eligibility: String,
    rule_kind: String,
    percent_bp: Option<i32>,
    fixed_fen_per_unit: Option<i64>,
    monthly_cap_fen: i64,
    active: bool,
    created_at: NaiveDateTime,
}

/// A checked programme to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProgramme {
    /// The funding street or district.
    pub funding_area: AreaId,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: Option<String>,
    /// Budget.
    pub budget: Fen,
    /// Who qualifies.
    pub eligibility: EligibilityRules,
    /// How much it pays.
    pub rule: SubsidyRule,
    /// Monthly cap per resident.
    pub monthly_cap: Fen,
    /// Categories covered.
    pub categories: Vec<i64>,
}

/// Stores a programme with its full budget remaining.
pub fn insert_programme(
    conn: &mut AnyConnection,
    new: &NewProgramme,
    by: UserId,
    now: NaiveDateTime,
) -> Result<ProgramId, StoreError> {
    let (kind, percent, fixed) = match new.rule {
        SubsidyRule::Percent(bp) => ("percent", i32::try_from(bp).ok(), None),
        SubsidyRule::FixedPerUnit(f) => ("fixed_per_unit", None, Some(f.0)),
    };
    let rules = serde_json::to_string(&new.eligibility).map_err(|_| corrupt("eligibility"))?;
    let id: i64 = diesel::insert_into(paid_subsidy_programs::table)
        .values((
            paid_subsidy_programs::funding_area_id.eq(new.funding_area.0),
            paid_subsidy_programs::name_zh.eq(&new.name_zh),
            paid_subsidy_programs::name_en.eq(&new.name_en),
            paid_subsidy_programs::budget_fen.eq(new.budget.0),
            paid_subsidy_programs::remaining_fen.eq(new.budget.0),
            paid_subsidy_programs::eligibility.eq(rules),
            paid_subsidy_programs::rule_kind.eq(kind),
            paid_subsidy_programs::percent_bp.eq(percent),
            paid_subsidy_programs::fixed_fen_per_unit.eq(fixed),
            paid_subsidy_programs::monthly_cap_fen.eq(new.monthly_cap.0),
            paid_subsidy_programs::active.eq(true),
            paid_subsidy_programs::created_by.eq(by.0),
            paid_subsidy_programs::created_at.eq(now),
        ))
        .returning(paid_subsidy_programs::id)
        .get_result(conn)?;
    for category in &new.categories {
        diesel::insert_into(paid_program_categories::table)
            .values((
                paid_program_categories::program_id.eq(id),
                paid_program_categories::category_id.eq(category),
            ))
            .execute(conn)?;
    }
    Ok(ProgramId(id))
}

fn programme_of(row: ProgrammeRow, categories: Vec<i64>) -> Result<Programme, StoreError> {
    let rule = match (
        row.rule_kind.as_str(),
        row.percent_bp,
        row.fixed_fen_per_unit,
    ) {
        ("percent", Some(bp), _) => SubsidyRule::Percent(i64::from(bp)),
        ("fixed_per_unit", _, Some(f)) => SubsidyRule::FixedPerUnit(Fen(f)),
        _ => return Err(corrupt("subsidy rule")),
    };
    Ok(Programme {
        id: ProgramId(row.id),
        funding_area: AreaId(row.funding_area_id),
        name_zh: row.name_zh,
        name_en: row.name_en,
        budget: Fen(row.budget_fen),
        remaining: Fen(row.remaining_fen),
        eligibility: serde_json::from_str(&row.eligibility).map_err(|_| corrupt("eligibility"))?,
        rule,
        monthly_cap: Fen(row.monthly_cap_fen),
        categories,
        active: row.active,
        created_at: row.created_at,
    })
}

/// Programmes, optionally only active ones covering `category`, oldest first.
pub fn programmes(
    conn: &mut AnyConnection,
    category: Option<i64>,
) -> Result<Vec<Programme>, StoreError> {
    let mut query = paid_subsidy_programs::table
        .select(ProgrammeRow::as_select())
        .order(paid_subsidy_programs::id)
        .into_boxed();
    if let Some(category) = category {
        let covering = paid_program_categories::table
            .filter(paid_program_categories::category_id.eq(category))
            .select(paid_program_categories::program_id);
        query = query
            .filter(paid_subsidy_programs::id.eq_any(covering))
            .filter(paid_subsidy_programs::active.eq(true));
    }
    let rows = query.load(conn)?;
    let pairs: Vec<(i64, i64)> = paid_program_categories::table
        .order((
            paid_program_categories::program_id,
            paid_program_categories::category_id,
        ))
        .select((
            paid_program_categories::program_id,
            paid_program_categories::category_id,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|row| {
            let cats = pairs
                .iter()
                .filter(|(p, _)| *p == row.id)
                .map(|(_, c)| *c)
                .collect();
            programme_of(row, cats)
        })
        .collect()
}

/// One programme.
pub fn programme(conn: &mut AnyConnection, id: ProgramId) -> Result<Option<Programme>, StoreError> {
    Ok(programmes(conn, None)?.into_iter().find(|p| p.id == id))
}

/// Takes `amount` from a programme's remaining budget; false when less remains.
pub fn reserve_budget(
    conn: &mut AnyConnection,
    id: ProgramId,
    amount: Fen,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        paid_subsidy_programs::table
            .filter(paid_subsidy_programs::id.eq(id.0))
            .filter(paid_subsidy_programs::remaining_fen.ge(amount.0)),
    )
    .set(paid_subsidy_programs::remaining_fen.eq(paid_subsidy_programs::remaining_fen - amount.0))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Gives `amount` back to a programme's remaining budget.
pub fn release_budget(
    conn: &mut AnyConnection,
    id: ProgramId,
    amount: Fen,
) -> Result<(), StoreError> {
    diesel::update(paid_subsidy_programs::table.find(id.0))
        .set(
            paid_subsidy_programs::remaining_fen
                .eq(paid_subsidy_programs::remaining_fen + amount.0),
        )
        .execute(conn)?;
    Ok(())
}

/// What the resident used of a programme in `month`.
pub fn used_in_month(
    conn: &mut AnyConnection,
    id: ProgramId,
    user: UserId,
    month: &str,
) -> Result<Fen, StoreError> {
    Ok(Fen(paid_subsidy_usage::table
        .find((id.0, user.0, month))
        .select(paid_subsidy_usage::used_fen)
        .first::<i64>(conn)
        .optional()?
        .unwrap_or(0)))
}

/// Counts `amount` against the resident's monthly cap; false when it would exceed `cap`.
pub fn use_monthly(
    conn: &mut AnyConnection,
    id: ProgramId,
    user: UserId,
    month: &str,
    amount: Fen,
    cap: Fen,
) -> Result<bool, StoreError> {
    let opened = conn.transaction(|conn| {
        diesel::insert_into(paid_subsidy_usage::table)
            .values((
                paid_subsidy_usage::program_id.eq(id.0),
                paid_subsidy_usage::user_id.eq(user.0),
                paid_subsidy_usage::month.eq(month),
                paid_subsidy_usage::used_fen.eq(0),
            ))
            .execute(conn)
    });
    match opened {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => {}
        Err(e) => return Err(e.into()),
    }
    let changed = diesel::update(
        paid_subsidy_usage::table
            .filter(paid_subsidy_usage::program_id.eq(id.0))
            .filter(paid_subsidy_usage::user_id.eq(user.0))
            .filter(paid_subsidy_usage::month.eq(month))
            .filter(paid_subsidy_usage::used_fen.le(cap.0 - amount.0)),
    )
    .set(paid_subsidy_usage::used_fen.eq(paid_subsidy_usage::used_fen + amount.0))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Gives `amount` back to the resident's monthly room.
pub fn release_monthly(
    conn: &mut AnyConnection,
    id: ProgramId,
    user: UserId,
    month: &str,
    amount: Fen,
) -> Result<(), StoreError> {
    diesel::update(paid_subsidy_usage::table.find((id.0, user.0, month)))
        .set(paid_subsidy_usage::used_fen.eq(paid_subsidy_usage::used_fen - amount.0))
        .execute(conn)?;
    Ok(())
}

mod orders;
pub use orders::*;
