//! Reading and writing proxy consents.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{ProxyConsent, Relationship};
use crate::accounts::UserId;
use crate::db::{AnyConnection, StoreError};
use crate::schema::proxy_consents;

#[derive(Queryable, Selectable)]
#[diesel(table_name = proxy_consents)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct ConsentRow {
    id: i64,
    resident_id: i64,
    proxy_id: i64,
    relationship: String,
    created_by: i64,
    created_at: NaiveDateTime,
    revoked_at: Option<NaiveDateTime>,
}

impl TryFrom<ConsentRow> for ProxyConsent {
    type Error = StoreError;
    fn try_from(row: ConsentRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: row.id,
            resident_id: UserId(row.resident_id),
            proxy_id: UserId(row.proxy_id),
            relationship: Relationship::parse(&row.relationship).ok_or_else(|| {
                StoreError::Query(diesel::result::Error::DeserializationError(
                    format!("relationship {}", row.relationship).into(),
                ))
            })?,
            created_by: UserId(row.created_by),
            created_at: row.created_at,
            revoked_at: row.revoked_at,
        })
    }
}

/// True when `proxy` holds a live consent to act for `resident`.
pub fn may_act_for(
    conn: &mut AnyConnection,
    proxy: UserId,
    resident: UserId,
) -> Result<bool, StoreError> {
    Ok(proxy_consents::table
        .filter(proxy_consents::proxy_id.eq(proxy.0))
        .filter(proxy_consents::resident_id.eq(resident.0))
        .filter(proxy_consents::revoked_at.is_null())
        .select(proxy_consents::id)
        .first::<i64>(conn)
        .optional()?
        .is_some())
}

/// Records a consent; returns the existing live one when there is one.
pub fn create(
    conn: &mut AnyConnection,
    resident: UserId,
    proxy: UserId,
    relationship: Relationship,
    by: UserId,
    now: NaiveDateTime,
) -> Result<(ProxyConsent, bool), StoreError> {
    let live: Option<i64> = proxy_consents::table
        .filter(proxy_consents::proxy_id.eq(proxy.0))
        .filter(proxy_consents::resident_id.eq(resident.0))
        .filter(proxy_consents::revoked_at.is_null())
        .select(proxy_consents::id)
        .first(conn)
        .optional()?;
    if let Some(id) = live {
        return Ok((
            get(conn, id)?.ok_or(StoreError::Query(diesel::result::Error::NotFound))?,
            false,
        ));
    }
    let id: i64 = diesel::insert_into(proxy_consents::table)
        .values((
            proxy_consents::resident_id.eq(resident.0),
            proxy_consents::proxy_id.eq(proxy.0),
            proxy_consents::relationship.eq(relationship.as_str()),
            proxy_consents::created_by.eq(by.0),
            proxy_consents::created_at.eq(now),
        ))
        .returning(proxy_consents::id)
        .get_result(conn)?;
    Ok((
        get(conn, id)?.ok_or(StoreError::Query(diesel::result::Error::NotFound))?,
        true,
    ))
}

/// One consent by id.
pub fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<ProxyConsent>, StoreError> {
    proxy_consents::table
        .find(id)
        .select(ConsentRow::as_select())
        .first(conn)
        .optional()?
        .map(ProxyConsent::try_from)
        .transpose()
}

/// Consents where `user` is the resident or the proxy, newest first.
pub fn involving(conn: &mut AnyConnection, user: UserId) -> Result<Vec<ProxyConsent>, StoreError> {
    proxy_consents::table
        .filter(
            proxy_consents::resident_id
                .eq(user.0)
                .or(proxy_consents::proxy_id.eq(user.0)),
        )
        .order(proxy_consents::id.desc())
        .select(ConsentRow::as_select())
        .load(conn)?
        .into_iter()
        .map(ProxyConsent::try_from)
        .collect()
}

/// Revokes a live consent; false when it was not live.
pub fn revoke(
    conn: &mut AnyConnection,
    id: i64,
    by: UserId,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    Ok(diesel::update(
        proxy_consents::table
            .find(id)
            .filter(proxy_consents::revoked_at.is_null()),
    )
    .set((
        proxy_consents::revoked_at.eq(now),
        proxy_consents::revoked_by.eq(by.0),
    ))
    .execute(conn)?
        == 1)
}

/// Revokes every live consent involving `user` (account closed).
pub fn revoke_all_involving(
    conn: &mut AnyConnection,
    user: UserId,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    Ok(diesel::update(
        proxy_consents::table
            .filter(
                proxy_consents::resident_id
                    .eq(user.0)
                    .or(proxy_consents::proxy_id.eq(user.0)),
            )
            .filter(proxy_consents::revoked_at.is_null()),
    )
    .set((
        proxy_consents::revoked_at.eq(now),
        proxy_consents::revoked_by.eq(user.0),
    ))
    .execute(conn)?)
}
