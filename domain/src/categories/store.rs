//! Reading and writing service categories.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::rules::weight_from_milli;
use super::{Category, CategoryId, CategoryInput, CategoryMode, Safeguarding};
use crate::db::{AnyConnection, StoreError};
use crate::schema::service_categories;
use crate::volunteers::CredentialKind;

fn corrupt(what: String) -> StoreError {
    StoreError::Query(diesel::result::Error::DeserializationError(what.into()))
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = service_categories)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub(crate) struct CategoryRow {
    id: i64,
    code: String,
    name_zh: String,
    name_en: String,
    mode: String,
    points_weight_milli: i64,
    required_credentials: String,
    requires_verified_real_name: bool,
}

impl TryFrom<CategoryRow> for Category {
    type Error = StoreError;
    fn try_from(row: CategoryRow) -> Result<Self, StoreError> {
        let kinds: Vec<String> = serde_json::from_str(&row.required_credentials)
            .map_err(|e| corrupt(format!("required credentials: {e}")))?;
        let required_credentials = kinds
            .iter()
            .map(|k| CredentialKind::parse(k).ok_or_else(|| corrupt(format!("credential {k}"))))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            id: CategoryId(row.id),
            mode: CategoryMode::parse(&row.mode)
                .ok_or_else(|| corrupt(format!("category mode {}", row.mode)))?,
            code: row.code,
            name_zh: row.name_zh,
            name_en: row.name_en,
            points_weight: weight_from_milli(row.points_weight_milli),
            safeguarding: Safeguarding {
                required_credentials,
                requires_verified_real_name: row.requires_verified_real_name,
            },
        })
    }
}

fn credentials_json(safeguarding: &Safeguarding) -> String {
    let kinds: Vec<&str> = safeguarding
        .required_credentials
        .iter()
        .map(|k| k.as_str())
        .collect();
    serde_json::Value::from(kinds).to_string()
}

/// Every category, by id.
pub fn list(conn: &mut AnyConnection) -> Result<Vec<Category>, StoreError> {
    service_categories::table
        .order(service_categories::id.asc())
        .select(CategoryRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Category::try_from)
        .collect()
}

/// One category by id.
pub fn get(conn: &mut AnyConnection, id: CategoryId) -> Result<Option<Category>, StoreError> {
    service_categories::table
        .find(id.0)
        .select(CategoryRow::as_select())
        .first(conn)
        .optional()?
        .map(Category::try_from)
        .transpose()
}

/// One category by code.
pub fn by_code(conn: &mut AnyConnection, code: &str) -> Result<Option<Category>, StoreError> {
    service_categories::table
        .filter(service_categories::code.eq(code))
        .select(CategoryRow::as_select())
        .first(conn)
        .optional()?
        .map(Category::try_from)
        .transpose()
}

/// Inserts a category; a taken code is a unique violation.
pub fn insert(
    conn: &mut AnyConnection,
    code: &str,
    input: &CategoryInput,
    now: NaiveDateTime,
) -> Result<CategoryId, diesel::result::Error> {
    diesel::insert_into(service_categories::table)
        .values((
            service_categories::code.eq(code),
            service_categories::name_zh.eq(&input.name_zh),
            service_categories::name_en.eq(&input.name_en),
            service_categories::mode.eq(input.mode.as_str()),
            service_categories::points_weight_milli.eq(input.points_weight_milli),
            service_categories::required_credentials.eq(credentials_json(&input.safeguarding)),
            service_categories::requires_verified_real_name
                .eq(input.safeguarding.requires_verified_real_name),
            service_categories::created_at.eq(now),
            service_categories::updated_at.eq(now),
        ))
        .returning(service_categories::id)
        .get_result(conn)
        .map(CategoryId)
}

/// Replaces a category's definition; false when there is no such category.
pub fn update(
    conn: &mut AnyConnection,
    id: CategoryId,
    input: &CategoryInput,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let changed = diesel::update(service_categories::table.find(id.0))
        .set((
            service_categories::name_zh.eq(&input.name_zh),
            service_categories::name_en.eq(&input.name_en),
            service_categories::mode.eq(input.mode.as_str()),
            service_categories::points_weight_milli.eq(input.points_weight_milli),
            service_categories::required_credentials.eq(credentials_json(&input.safeguarding)),
            service_categories::requires_verified_real_name
                .eq(input.safeguarding.requires_verified_real_name),
            service_categories::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}
