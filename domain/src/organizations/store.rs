//! Reading and writing organizations and the communities they serve.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{
    NewOrganization, Organization, OrganizationFilter, OrganizationId, OrganizationKind,
    ProfileChanges, ServiceArea, Verification,
};
use crate::accounts::UserId;
use crate::areas::{AreaId, AreaLevel, store as areas_store};
use crate::db::{AnyConnection, StoreError};
use crate::schema::{areas, organization_areas, organization_members, organizations};

/// An `organizations` row as stored.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = organizations)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct OrganizationRow {
    id: i64,
    kind: String,
    name_zh: String,
    name_en: Option<String>,
    description: String,
    contact_phone: Option<String>,
    verified_at: Option<NaiveDateTime>,
    verified_by: Option<i64>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = organizations)]
struct NewOrganizationRow<'a> {
    kind: &'a str,
    name_zh: &'a str,
    name_en: Option<&'a str>,
    description: &'a str,
    contact_phone: Option<&'a str>,
    created_by: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = organization_areas)]
struct ServiceAreaRow {
    organization_id: i64,
    area_id: i64,
}

/// Checked profile changes as a diesel changeset; `None` leaves a column as it is.
#[derive(AsChangeset)]
#[diesel(table_name = organizations)]
struct OrganizationChanges {
    name_zh: Option<String>,
    name_en: Option<Option<String>>,
    description: Option<String>,
    contact_phone: Option<Option<String>>,
    updated_at: NaiveDateTime,
}

/// A stored value this code cannot read back: a bug or a hand-edited row, never user input.
pub(crate) fn corrupt(what: String) -> StoreError {
    StoreError::Query(diesel::result::Error::DeserializationError(what.into()))
}

impl OrganizationRow {
    fn into_organization(
        self,
        service_areas: Vec<ServiceArea>,
    ) -> Result<Organization, StoreError> {
        let kind = OrganizationKind::parse(&self.kind)
            .ok_or_else(|| corrupt(format!("unknown organization kind `{}`", self.kind)))?;
        let verification = match (self.verified_by, self.verified_at) {
            (Some(by), Some(at)) => Some(Verification { by: UserId(by), at }),
            _ => None,
        };
        Ok(Organization {
            id: OrganizationId(self.id),
            kind,
            name_zh: self.name_zh,
            name_en: self.name_en,
            description: self.description,
            contact_phone: self.contact_phone,
            service_areas,
            verification,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// Why named service areas cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ServiceAreaError {
    /// No area has this id.
    #[error("area {0} does not exist")]
    UnknownArea(i64),
    /// The area is not a community.
    #[error("area {0} is not a community; organizations serve communities")]
    NotACommunity(i64),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Checks that every id names a community.
pub fn check_service_areas(
    conn: &mut AnyConnection,
    ids: &[AreaId],
) -> Result<(), ServiceAreaError> {
    for id in ids {
        let area = areas_store::get(conn, *id)?.ok_or(ServiceAreaError::UnknownArea(id.0))?;
        if area.level != AreaLevel::Community {
            return Err(ServiceAreaError::NotACommunity(id.0));
        }
    }
    Ok(())
}

fn insert_service_areas(
    conn: &mut AnyConnection,
    id: OrganizationId,
    areas: &[AreaId],
) -> Result<(), StoreError> {
    // One statement per row: batch inserts do not compile through the two-engine connection.
    for area in areas {
        diesel::insert_into(organization_areas::table)
            .values(&ServiceAreaRow {
                organization_id: id.0,
                area_id: area.0,
            })
            .execute(conn)?;
    }
    Ok(())
}

/// Records a new organization and its service areas (checked by [`check_service_areas`]);
/// call in a write transaction.
pub fn insert(
    conn: &mut AnyConnection,
    new: &NewOrganization,
    founder: UserId,
    now: NaiveDateTime,
) -> Result<OrganizationId, StoreError> {
    let id: i64 = diesel::insert_into(organizations::table)
        .values(&NewOrganizationRow {
            kind: new.kind.as_str(),
            name_zh: &new.name_zh,
            name_en: new.name_en.as_deref(),
            description: &new.description,
            contact_phone: new.contact_phone.as_deref(),
            created_by: founder.0,
            created_at: now,
            updated_at: now,
        })
        .returning(organizations::id)
        .get_result(conn)?;
    insert_service_areas(conn, OrganizationId(id), &new.service_area_ids)?;
    Ok(OrganizationId(id))
}

/// The service areas of each of `ids`, communities in id order.
fn service_areas_of(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<ServiceArea>>, StoreError> {
    let rows: Vec<(i64, i64, String)> = organization_areas::table
        .inner_join(areas::table)
        .filter(organization_areas::organization_id.eq_any(ids))
        .order((organization_areas::organization_id, areas::id))
        .select((organization_areas::organization_id, areas::id, areas::path))
        .load(conn)?;
    let mut by_organization: HashMap<i64, Vec<ServiceArea>> = HashMap::new();
    for (organization, area, path) in rows {
        by_organization
            .entry(organization)
            .or_default()
            .push(ServiceArea {
                id: AreaId(area),
                path,
            });
    }
    Ok(by_organization)
}

fn with_service_areas(
    conn: &mut AnyConnection,
    rows: Vec<OrganizationRow>,
) -> Result<Vec<Organization>, StoreError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut areas = service_areas_of(conn, &ids)?;
    rows.into_iter()
        .map(|row| {
            let served = areas.remove(&row.id).unwrap_or_default();
            row.into_organization(served)
        })
        .collect()
}

/// One organization by id.
pub fn get(
    conn: &mut AnyConnection,
    id: OrganizationId,
) -> Result<Option<Organization>, StoreError> {
    let row = organizations::table
        .find(id.0)
        .select(OrganizationRow::as_select())
        .first(conn)
        .optional()?;
    Ok(with_service_areas(conn, row.into_iter().collect())?.pop())
}

/// The id of the first organization named `name_zh`: lets the demo seed run twice.
pub fn find_by_name(
    conn: &mut AnyConnection,
    name_zh: &str,
) -> Result<Option<OrganizationId>, StoreError> {
    Ok(organizations::table
        .filter(organizations::name_zh.eq(name_zh))
        .order(organizations::id)
        .select(organizations::id)
        .first(conn)
        .optional()?
        .map(OrganizationId))
}

/// Organizations matching `filter`, by id. `None` when the filter's area does not exist.
pub fn list(
    conn: &mut AnyConnection,
    filter: &OrganizationFilter,
) -> Result<Option<Vec<Organization>>, StoreError> {
    let mut query = organizations::table
        .select(OrganizationRow::as_select())
        .order(organizations::id.asc())
        .limit(filter.limit)
        .into_boxed();
    if let Some(kind) = filter.kind {
        query = query.filter(organizations::kind.eq(kind.as_str()));
    }
    match filter.verified {
        Some(true) => query = query.filter(organizations::verified_at.is_not_null()),
        Some(false) => query = query.filter(organizations::verified_at.is_null()),
        None => {}
    }
    if let Some(after) = filter.after {
        query = query.filter(organizations::id.gt(after.0));
    }
    if let Some(member) = filter.member {
        let belongs = organization_members::table
            .filter(organization_members::user_id.eq(member.0))
            .select(organization_members::organization_id);
        query = query.filter(organizations::id.eq_any(belongs));
    }
    if let Some(area) = filter.area {
        let Some(area) = areas_store::get(conn, area)? else {
            return Ok(None);
        };
        // Service areas are communities: for a grid, look at the community containing it.
        let root = match (area.level, area.parent_id) {
            (AreaLevel::Grid, Some(parent)) => areas_store::get(conn, parent)?
                .map(|p| p.path)
                .unwrap_or(area.path),
            _ => area.path,
        };
        let serving = organization_areas::table
            .inner_join(areas::table)
            .filter(areas::path.like(format!("{root}%")))
            .select(organization_areas::organization_id);
        query = query.filter(organizations::id.eq_any(serving));
    }
    let rows = query.load(conn)?;
    Ok(Some(with_service_areas(conn, rows)?))
}

/// Takes the organization's row lock (PostgreSQL) so membership and key changes of one
/// organization happen one at a time; SQLite's `BEGIN IMMEDIATE` already serialises writers.
/// False when the organization does not exist.
pub fn lock(conn: &mut AnyConnection, id: OrganizationId) -> Result<bool, StoreError> {
    let touched = diesel::update(organizations::table.find(id.0))
        .set(organizations::id.eq(organizations::id))
        .execute(conn)?;
    Ok(touched == 1)
}

/// Applies checked changes; clears the verification when `unverify`. Call in a write
/// transaction after checking the service areas.
pub fn update(
    conn: &mut AnyConnection,
    id: OrganizationId,
    changes: &ProfileChanges,
    unverify: bool,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(organizations::table.find(id.0))
        .set(&OrganizationChanges {
            name_zh: changes.name_zh.clone(),
            name_en: changes.name_en.clone(),
            description: changes.description.clone(),
            contact_phone: changes.contact_phone.clone(),
            updated_at: now,
        })
        .execute(conn)?;
    if unverify {
        diesel::update(organizations::table.find(id.0))
            .set((
                organizations::verified_at.eq(None::<NaiveDateTime>),
                organizations::verified_by.eq(None::<i64>),
            ))
            .execute(conn)?;
    }
    if let Some(areas) = &changes.service_area_ids {
        diesel::delete(
            organization_areas::table.filter(organization_areas::organization_id.eq(id.0)),
        )
        .execute(conn)?;
        insert_service_areas(conn, id, areas)?;
    }
    Ok(())
}

/// Marks an unverified organization verified by `by`; false when it already was.
pub fn mark_verified(
    conn: &mut AnyConnection,
    id: OrganizationId,
    by: UserId,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        organizations::table
            .find(id.0)
            .filter(organizations::verified_at.is_null()),
    )
    .set((
        organizations::verified_at.eq(now),
        organizations::verified_by.eq(by.0),
        organizations::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}
