//! Reading and writing sessions.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::{Session, SessionId};
use crate::accounts::store::UserRow;
use crate::accounts::{AccountStatus, User, UserId};
use crate::db::{AnyConnection, StoreError};
use crate::schema::{sessions, users};

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

/// The live session and active account a token belongs to; refreshes `last_used_at` at most
/// once a minute.
pub fn authenticate(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> Result<Option<(Session, User)>, StoreError> {
    let found: Option<(SessionRow, UserRow)> = sessions::table
        .inner_join(users::table)
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .select((SessionRow::as_select(), UserRow::as_select()))
        .first(conn)
        .optional()?;
    let Some((session, user)) = found else {
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
    Ok(Some((session.into(), user)))
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
