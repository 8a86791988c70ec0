//! Reading and writing accounts.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::rules::parse_status;
use super::{AccountStatus, Locale, NewAccount, Phone, User, UserId};
use crate::areas::{AreaId, AreaLevel};
use crate::db::{AnyConnection, StoreError, is_unique_violation};
use crate::schema::{areas, users};

/// A `users` row as stored.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = users)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub(crate) struct UserRow {
    id: i64,
    phone: Option<String>,
    password_hash: String,
    display_name: String,
    home_grid_id: Option<i64>,
    locale: String,
    email: Option<String>,
    status: String,
    created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
struct NewUserRow<'a> {
    phone: &'a str,
    password_hash: &'a str,
    display_name: &'a str,
    home_grid_id: Option<i64>,
    locale: &'a str,
    email: Option<&'a str>,
    status: &'a str,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Query(diesel::result::Error::DeserializationError(
        what.to_owned().into(),
    ))
}

impl UserRow {
    pub(crate) fn into_user(self) -> Result<(User, String), StoreError> {
        let user = User {
            id: UserId(self.id),
            phone: self.phone.map(Phone::from_stored),
            display_name: self.display_name,
            home_grid_id: self.home_grid_id.map(AreaId),
            locale: Locale::parse(&self.locale).ok_or_else(|| corrupt("unknown locale"))?,
            email: self.email,
            status: parse_status(&self.status).ok_or_else(|| corrupt("unknown account status"))?,
            created_at: self.created_at,
        };
        Ok((user, self.password_hash))
    }
}

/// Why a registration was refused by the store.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// The phone number already has an account.
    #[error("this phone number is already registered")]
    PhoneTaken,
    /// The home grid does not exist or is not a grid.
    #[error("home grid {0} does not exist")]
    UnknownGrid(i64),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for RegisterError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

impl crate::db::TransactionError for RegisterError {
    fn as_diesel(&self) -> Option<&diesel::result::Error> {
        match self {
            Self::Store(e) => e.as_diesel(),
            _ => None,
        }
    }
}

/// True when `id` names an area of level grid.
pub fn is_grid(conn: &mut AnyConnection, id: AreaId) -> Result<bool, StoreError> {
    let level: Option<String> = areas::table
        .find(id.0)
        .select(areas::level)
        .first(conn)
        .optional()?;
    Ok(level.as_deref() == Some(AreaLevel::Grid.as_str()))
}

/// Creates an account with an already computed password hash; call in a write transaction.
pub fn insert(
    conn: &mut AnyConnection,
    account: &NewAccount,
    password_hash: &str,
    now: NaiveDateTime,
) -> Result<User, RegisterError> {
    if let Some(grid) = account.home_grid_id
        && !is_grid(conn, grid)?
    {
        return Err(RegisterError::UnknownGrid(grid.0));
    }
    let row = NewUserRow {
        phone: account.phone.as_str(),
        password_hash,
        display_name: &account.display_name,
        home_grid_id: account.home_grid_id.map(|g| g.0),
        locale: account.locale.as_str(),
        email: account.email.as_deref(),
        status: "active",
        created_at: now,
        updated_at: now,
    };
    let id: i64 = diesel::insert_into(users::table)
        .values(&row)
        .returning(users::id)
        .get_result(conn)
        .map_err(|e| {
            if is_unique_violation(&e) {
                RegisterError::PhoneTaken
            } else {
                e.into()
            }
        })?;
    get(conn, UserId(id))?
        .ok_or_else(|| RegisterError::Store(diesel::result::Error::NotFound.into()))
}

/// One account by id.
pub fn get(conn: &mut AnyConnection, id: UserId) -> Result<Option<User>, StoreError> {
    users::table
        .find(id.0)
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(|row| row.into_user().map(|(user, _)| user))
        .transpose()
}

/// An active account and its password hash, by login.
pub fn find_for_login(
    conn: &mut AnyConnection,
    phone: &Phone,
) -> Result<Option<(User, String)>, StoreError> {
    users::table
        .filter(users::phone.eq(phone.as_str()))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(UserRow::into_user)
        .transpose()
        .map(|found| found.filter(|(user, _)| user.status == AccountStatus::Active))
}

/// Changes to one's own profile; `None` leaves a field as it is.
#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = users)]
pub struct ProfileChanges {
    /// New display name (checked).
    pub display_name: Option<String>,
    /// New locale tag.
    pub locale: Option<String>,
    /// New email; `Some(None)` clears it.
    pub email: Option<Option<String>>,
    /// New home grid.
    pub home_grid_id: Option<Option<i64>>,
    /// Set by [`update_profile`].
    pub updated_at: Option<NaiveDateTime>,
}

/// Applies profile changes; call in a write transaction.
pub fn update_profile(
    conn: &mut AnyConnection,
    id: UserId,
    mut changes: ProfileChanges,
    now: NaiveDateTime,
) -> Result<Option<User>, RegisterError> {
    if let Some(Some(grid)) = changes.home_grid_id
        && !is_grid(conn, AreaId(grid))?
    {
        return Err(RegisterError::UnknownGrid(grid));
    }
    changes.updated_at = Some(now);
    diesel::update(users::table.find(id.0))
        .set(&changes)
        .execute(conn)?;
    Ok(get(conn, id)?)
}

/// An account with the materialized path of its home grid, for reach checks.
pub fn with_home_path(
    conn: &mut AnyConnection,
    id: UserId,
) -> Result<Option<(User, Option<String>)>, StoreError> {
    let Some(user) = get(conn, id)? else {
        return Ok(None);
    };
    let path = match user.home_grid_id {
        Some(grid) => areas::table
            .find(grid.0)
            .select(areas::path)
            .first::<String>(conn)
            .optional()?,
        None => None,
    };
    Ok(Some((user, path)))
}
