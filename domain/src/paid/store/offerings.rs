//! Rows and queries of offerings: the priced offering, its bilingual text and the areas it
//! serves, stored in three tables and read back as one [`Offering`].

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::corrupt;
use crate::areas::AreaId;
use crate::db::{AnyConnection, StoreError};
use crate::organizations::OrganizationId;
use crate::paid::money::Fen;
use crate::paid::{Availability, Offering, OfferingId, OfferingText, Unit};
use crate::schema::{paid_offering_areas, paid_offering_texts, paid_offerings};

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
