//! Reading and writing the area tree.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::rules::{self, PlacementError};
use super::{Area, AreaId, AreaLevel, NewArea};
use crate::db::{AnyConnection, StoreError, TransactionError, is_unique_violation};
use crate::schema::areas;

/// An `areas` row as stored.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = areas)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct AreaRow {
    id: i64,
    parent_id: Option<i64>,
    level: String,
    code: String,
    name_zh: String,
    name_en: String,
    path: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = areas)]
struct NewAreaRow<'a> {
    parent_id: Option<i64>,
    level: &'a str,
    code: &'a str,
    name_zh: &'a str,
    name_en: &'a str,
    path: &'a str,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl TryFrom<AreaRow> for Area {
    type Error = StoreError;
    fn try_from(row: AreaRow) -> Result<Self, StoreError> {
        let level = AreaLevel::parse(&row.level).ok_or_else(|| {
            StoreError::Query(diesel::result::Error::DeserializationError(
                format!("unknown area level `{}`", row.level).into(),
            ))
        })?;
        Ok(Area {
            id: AreaId(row.id),
            parent_id: row.parent_id.map(AreaId),
            level,
            code: row.code,
            name_zh: row.name_zh,
            name_en: row.name_en,
            path: row.path,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

fn into_areas(rows: Vec<AreaRow>) -> Result<Vec<Area>, StoreError> {
    rows.into_iter().map(Area::try_from).collect()
}

/// Every area, or the subtree under `root`, ordered by path so parents precede children.
pub fn list(
    conn: &mut AnyConnection,
    root: Option<AreaId>,
) -> Result<Option<Vec<Area>>, StoreError> {
    let mut query = areas::table
        .select(AreaRow::as_select())
        .order(areas::path.asc())
        .into_boxed();
    if let Some(root) = root {
        let Some(root) = get(conn, root)? else {
            return Ok(None);
        };
        query = query.filter(areas::path.like(format!("{}%", root.path)));
    }
    Ok(Some(into_areas(query.load(conn)?)?))
}

/// One area by id.
pub fn get(conn: &mut AnyConnection, id: AreaId) -> Result<Option<Area>, StoreError> {
    areas::table
        .find(id.0)
        .select(AreaRow::as_select())
        .first(conn)
        .optional()?
        .map(Area::try_from)
        .transpose()
}

/// One area by its code.
pub fn find_by_code(conn: &mut AnyConnection, code: &str) -> Result<Option<Area>, StoreError> {
    areas::table
        .filter(areas::code.eq(code))
        .select(AreaRow::as_select())
        .first(conn)
        .optional()?
        .map(Area::try_from)
        .transpose()
}

/// Why an area could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateAreaError {
    /// The named parent does not exist.
    #[error("parent area {0} does not exist")]
    ParentNotFound(i64),
    /// The caller administers no area containing the parent.
    #[error("you administer no area that contains the parent")]
    NotHeld,
    /// The level does not fit under the parent.
    #[error(transparent)]
    Placement(#[from] PlacementError),
    /// Another area has this code.
    #[error("an area with code `{0}` already exists")]
    CodeTaken(String),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for CreateAreaError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(StoreError::Query(e))
    }
}

impl TransactionError for CreateAreaError {
    fn as_diesel(&self) -> Option<&diesel::result::Error> {
        match self {
            Self::Store(e) => e.as_diesel(),
            _ => None,
        }
    }
}

/// Creates an area under its parent; call inside a write transaction.
pub fn create(
    conn: &mut AnyConnection,
    new: &NewArea,
    now: NaiveDateTime,
) -> Result<Area, CreateAreaError> {
    let parent = match new.parent_id {
        Some(id) => Some(get(conn, id)?.ok_or(CreateAreaError::ParentNotFound(id.0))?),
        None => None,
    };
    rules::check_new_area(new, parent.as_ref().map(|p| p.level))?;
    let row = NewAreaRow {
        parent_id: new.parent_id.map(|p| p.0),
        level: new.level.as_str(),
        code: &new.code,
        name_zh: &new.name_zh,
        name_en: &new.name_en,
        path: "",
        created_at: now,
        updated_at: now,
    };
    let id: i64 = diesel::insert_into(areas::table)
        .values(&row)
        .returning(areas::id)
        .get_result(conn)
        .map_err(|e| {
            if is_unique_violation(&e) {
                CreateAreaError::CodeTaken(new.code.clone())
            } else {
                e.into()
            }
        })?;
    let path = rules::child_path(parent.as_ref().map(|p| p.path.as_str()), AreaId(id));
    diesel::update(areas::table.find(id))
        .set(areas::path.eq(&path))
        .execute(conn)?;
    get(conn, AreaId(id))?.ok_or_else(|| StoreError::Query(diesel::result::Error::NotFound).into())
}

/// Returns the area with `new.code`, creating it when absent: lets the demo seed run twice.
pub fn ensure(
    conn: &mut AnyConnection,
    new: &NewArea,
    now: NaiveDateTime,
) -> Result<Area, CreateAreaError> {
    match find_by_code(conn, &new.code)? {
        Some(existing) => Ok(existing),
        None => create(conn, new, now),
    }
}
