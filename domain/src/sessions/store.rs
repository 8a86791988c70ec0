//! Reading and writing sessions.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::{Session, SessionId};
use crate::access::{self, Principal};
use crate::accounts::store::UserRow;
use crate::accounts::{AccountStatus, UserId};
use crate::db::{AnyConnection, StoreError};
use crate::schema::{areas, role_grants, sessions, users};

/// A session row as stored.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = sessions)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct SessionRow {
    id: i64,
    user_id: i64,
    user_agent: Option<String>,
    created_at: NaiveDateTime,
    last_used_at: NaiveDateTime,
    expires_at: NaiveDateTime,
}

impl From<SessionRow> for Session {
    fn from(row: SessionRow) -> Self {
        Self {
            id: SessionId(row.id),
            user_id: UserId(row.user_id),
            user_agent: row.user_agent,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            expires_at: row.expires_at,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = sessions)]
struct NewSessionRow<'a> {
    user_id: i64,
    token_hash: &'a str,
    user_agent: Option<&'a str>,
    created_at: NaiveDateTime,
    last_used_at: NaiveDateTime,
    expires_at: NaiveDateTime,
}

/// How often `last_used_at` is refreshed: writing on every request would turn reads into writes.
const TOUCH_INTERVAL_SECONDS: i64 = 60;

/// Records a new session for `user`.
pub fn create(
    conn: &mut AnyConnection,
    user: UserId,
    token_hash: &str,
    user_agent: Option<&str>,
    now: NaiveDateTime,
    lifetime: Duration,
) -> Result<Session, StoreError> {
    let id: i64 = diesel::insert_into(sessions::table)
        .values(&NewSessionRow {
            user_id: user.0,
            token_hash,
            user_agent,
            created_at: now,
            last_used_at: now,
            expires_at: now + lifetime,
        })
        .returning(sessions::id)
        .get_result(conn)?;
    Ok(sessions::table
        .find(id)
        .select(SessionRow::as_select())
        .first(conn)?
        .into())
}

/// One row of [`authenticate_principal`]: the session, its account, and one live role grant
/// (none when the account holds no role).
type SessionPrincipalRow = (
    SessionRow,
    UserRow,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<String>,
);

/// The live session and active account a token belongs to, with the roles the account holds,
/// in one query (a row per live role, or one row without a role), so every authenticated
/// request pays one round trip; refreshes `last_used_at` at most once a minute.
pub fn authenticate_principal(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> Result<Option<(Session, Principal)>, StoreError> {
    let rows: Vec<SessionPrincipalRow> = sessions::table
        .inner_join(users::table)
        .left_join(
            role_grants::table.on(role_grants::user_id
                .eq(users::id)
                .and(role_grants::revoked_at.is_null())),
        )
        .left_join(areas::table.on(role_grants::area_id.eq(areas::id.nullable())))
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .order(role_grants::id.asc())
        .select((
            SessionRow::as_select(),
            UserRow::as_select(),
            role_grants::id.nullable(),
            role_grants::role.nullable(),
            role_grants::area_id.nullable(),
            areas::path.nullable(),
        ))
        .load(conn)?;
    let mut roles = Vec::new();
    let mut first = None;
    for (session, user, grant_id, role, area_id, path) in rows {
        if let (Some(grant_id), Some(role)) = (grant_id, role) {
            roles.push(access::store::held_role(grant_id, &role, area_id, path)?);
        }
        if first.is_none() {
            first = Some((session, user));
        }
    }
    let Some((session, user)) = first else {
        return Ok(None);
    };
    let (user, _) = user.into_user()?;
    if user.status != AccountStatus::Active {
        return Ok(None);
    }
    if now - session.last_used_at > Duration::seconds(TOUCH_INTERVAL_SECONDS) {
        diesel::update(sessions::table.find(session.id))
            .set(sessions::last_used_at.eq(now))
            .execute(conn)?;
    }
    Ok(Some((session.into(), Principal { user, roles })))
}

/// The owner's live sessions, newest first.
pub fn list_live(
    conn: &mut AnyConnection,
    user: UserId,
    now: NaiveDateTime,
) -> Result<Vec<Session>, StoreError> {
    Ok(sessions::table
        .filter(sessions::user_id.eq(user.0))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .order(sessions::created_at.desc())
        .select(SessionRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Session::from)
        .collect())
}

/// Revokes one of `user`'s live sessions; false when there is no such live session.
pub fn revoke(
    conn: &mut AnyConnection,
    user: UserId,
    id: SessionId,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        sessions::table
            .filter(sessions::id.eq(id.0))
            .filter(sessions::user_id.eq(user.0))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Revokes every session of `user` (account closed, password changed).
pub fn revoke_all(
    conn: &mut AnyConnection,
    user: UserId,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    Ok(diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user.0))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now))
    .execute(conn)?)
}

/// Deletes sessions that expired or were revoked before `cutoff`; returns how many.
pub fn purge_expired(conn: &mut AnyConnection, cutoff: NaiveDateTime) -> Result<usize, StoreError> {
    Ok(diesel::delete(
        sessions::table.filter(
            sessions::expires_at
                .lt(cutoff)
                .or(sessions::revoked_at.lt(cutoff)),
        ),
    )
    .execute(conn)?)
}
