//! Reading and writing API keys.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::rules::{scopes_from_text, scopes_to_text};
use super::{ApiKey, ApiKeyId, IssuedKey, NewApiKey, PartnerKey};
use crate::accounts::UserId;
use crate::db::{AnyConnection, StoreError};
use crate::organizations::OrganizationId;
use crate::schema::{api_keys, organizations};

/// How often `last_used_at` is refreshed: writing on every partner call would turn reads into
/// writes.
const TOUCH_INTERVAL_SECONDS: i64 = 60;

/// An `api_keys` row as stored, without the hash.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = api_keys)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct ApiKeyRow {
    id: i64,
    organization_id: i64,
    name: String,
    display_prefix: String,
    scopes: String,
    created_by: i64,
    created_at: NaiveDateTime,
    expires_at: Option<NaiveDateTime>,
    last_used_at: Option<NaiveDateTime>,
    revoked_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = api_keys)]
struct NewApiKeyRow<'a> {
    organization_id: i64,
    name: &'a str,
    display_prefix: &'a str,
    secret_hash: &'a str,
    scopes: &'a str,
    created_by: i64,
    created_at: NaiveDateTime,
    expires_at: Option<NaiveDateTime>,
}

impl TryFrom<ApiKeyRow> for ApiKey {
    type Error = StoreError;
    fn try_from(row: ApiKeyRow) -> Result<Self, StoreError> {
        let scopes = scopes_from_text(&row.scopes).map_err(|unknown| {
            StoreError::Query(diesel::result::Error::DeserializationError(
                format!("unknown scope `{unknown}`").into(),
            ))
        })?;
        Ok(ApiKey {
            id: ApiKeyId(row.id),
            organization_id: OrganizationId(row.organization_id),
            name: row.name,
            display_prefix: row.display_prefix,
            scopes,
            created_by: UserId(row.created_by),
            created_at: row.created_at,
            expires_at: row.expires_at,
            last_used_at: row.last_used_at,
            revoked_at: row.revoked_at,
        })
    }
}

/// Records a new key for `organization`; call in a write transaction.
pub fn insert(
    conn: &mut AnyConnection,
    organization: OrganizationId,
    new: &NewApiKey,
    issued: &IssuedKey,
    created_by: UserId,
    now: NaiveDateTime,
) -> Result<ApiKey, StoreError> {
    let id: i64 = diesel::insert_into(api_keys::table)
        .values(&NewApiKeyRow {
            organization_id: organization.0,
            name: &new.name,
            display_prefix: &issued.display_prefix,
            secret_hash: &issued.hash,
            scopes: &scopes_to_text(&new.scopes),
            created_by: created_by.0,
            created_at: now,
            expires_at: new.expires_at,
        })
        .returning(api_keys::id)
        .get_result(conn)?;
    get(conn, organization, ApiKeyId(id))?.ok_or(StoreError::Query(diesel::result::Error::NotFound))
}

/// One key of `organization`; a key of another organization is not found.
pub fn get(
    conn: &mut AnyConnection,
    organization: OrganizationId,
    id: ApiKeyId,
) -> Result<Option<ApiKey>, StoreError> {
    api_keys::table
        .filter(api_keys::id.eq(id.0))
        .filter(api_keys::organization_id.eq(organization.0))
        .select(ApiKeyRow::as_select())
        .first(conn)
        .optional()?
        .map(ApiKey::try_from)
        .transpose()
}

/// Every key of `organization`, newest first, revoked and expired ones included.
pub fn list(
    conn: &mut AnyConnection,
    organization: OrganizationId,
) -> Result<Vec<ApiKey>, StoreError> {
    api_keys::table
        .filter(api_keys::organization_id.eq(organization.0))
        .order(api_keys::id.desc())
        .select(ApiKeyRow::as_select())
        .load(conn)?
        .into_iter()
        .map(ApiKey::try_from)
        .collect()
}

/// Revokes a live key of `organization`; false when it was already revoked.
pub fn revoke(
    conn: &mut AnyConnection,
    organization: OrganizationId,
    id: ApiKeyId,
    by: UserId,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        api_keys::table
            .filter(api_keys::id.eq(id.0))
            .filter(api_keys::organization_id.eq(organization.0))
            .filter(api_keys::revoked_at.is_null()),
    )
    .set((api_keys::revoked_at.eq(now), api_keys::revoked_by.eq(by.0)))
    .execute(conn)?;
    Ok(changed == 1)
}

/// The live key with this hash and whether its organization is verified; refreshes
/// `last_used_at` at most once a minute.
pub fn authenticate(
    conn: &mut AnyConnection,
    secret_hash: &str,
    now: NaiveDateTime,
) -> Result<Option<PartnerKey>, StoreError> {
    let found: Option<(ApiKeyRow, Option<NaiveDateTime>)> = api_keys::table
        .inner_join(organizations::table)
        .filter(api_keys::secret_hash.eq(secret_hash))
        .filter(api_keys::revoked_at.is_null())
        .filter(
            api_keys::expires_at
                .is_null()
                .or(api_keys::expires_at.gt(now)),
        )
        .select((ApiKeyRow::as_select(), organizations::verified_at))
        .first(conn)
        .optional()?;
    let Some((row, verified_at)) = found else {
        return Ok(None);
    };
    let key = ApiKey::try_from(row)?;
    let stale = key
        .last_used_at
        .is_none_or(|at| now - at > Duration::seconds(TOUCH_INTERVAL_SECONDS));
    if stale {
        diesel::update(api_keys::table.find(key.id.0))
            .set(api_keys::last_used_at.eq(now))
            .execute(conn)?;
    }
    Ok(Some(PartnerKey {
        key_id: key.id,
        organization_id: key.organization_id,
        scopes: key.scopes,
        organization_verified: verified_at.is_some(),
    }))
}
