//! Reading and writing notifications and notification preferences.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{Category, Notice, Notification, NotificationFilter, Preference, Rendered, Urgency};
use crate::accounts::UserId;
use crate::db::{AnyConnection, StoreError, is_unique_violation};
use crate::schema::{notification_preferences, notifications};

/// A notification as stored.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = notifications)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct NotificationRow {
    id: i64,
    user_id: i64,
    topic: String,
    category: String,
    urgent: bool,
    title: String,
    body: String,
    created_at: NaiveDateTime,
    read_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = notifications)]
struct NewNotificationRow<'a> {
    user_id: i64,
    topic: &'a str,
    category: &'a str,
    urgent: bool,
    title: &'a str,
    body: &'a str,
    created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = notification_preferences)]
struct PreferenceRow {
    user_id: i64,
    category: &'static str,
    in_app: bool,
    email: bool,
    updated_at: NaiveDateTime,
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Query(diesel::result::Error::DeserializationError(
        what.to_owned().into(),
    ))
}

impl TryFrom<NotificationRow> for Notification {
    type Error = StoreError;

    fn try_from(row: NotificationRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: row.id,
            user_id: UserId(row.user_id),
            topic: row.topic,
            category: Category::parse(&row.category).ok_or_else(|| corrupt("unknown category"))?,
            urgent: row.urgent,
            title: row.title,
            body: row.body,
            created_at: row.created_at,
            read_at: row.read_at,
        })
    }
}

/// Writes an in-app notification and returns its id.
pub fn insert(
    conn: &mut AnyConnection,
    user: UserId,
    notice: &Notice,
    rendered: &Rendered,
    now: NaiveDateTime,
) -> Result<i64, StoreError> {
    Ok(diesel::insert_into(notifications::table)
        .values(&NewNotificationRow {
            user_id: user.0,
            topic: notice.topic(),
            category: notice.category().as_str(),
            urgent: notice.urgency() == Urgency::Urgent,
            title: &rendered.title,
            body: &rendered.body,
            created_at: now,
        })
        .returning(notifications::id)
        .get_result(conn)?)
}

/// A person's notifications, newest first.
pub fn list(
    conn: &mut AnyConnection,
    user: UserId,
    filter: &NotificationFilter,
) -> Result<Vec<Notification>, StoreError> {
    let mut query = notifications::table
        .filter(notifications::user_id.eq(user.0))
        .select(NotificationRow::as_select())
        .order(notifications::id.desc())
        .limit(filter.limit)
        .into_boxed();
    if filter.unread_only {
        query = query.filter(notifications::read_at.is_null());
    }
    if let Some(before) = filter.before {
        query = query.filter(notifications::id.lt(before));
    }
    query
        .load(conn)?
        .into_iter()
        .map(Notification::try_from)
        .collect()
}

/// How many of a person's notifications are unread.
pub fn unread_count(conn: &mut AnyConnection, user: UserId) -> Result<i64, StoreError> {
    Ok(notifications::table
        .filter(notifications::user_id.eq(user.0))
        .filter(notifications::read_at.is_null())
        .count()
        .get_result(conn)?)
}

/// Marks one of `user`'s notifications read (once: a read one keeps its first `read_at`);
/// `None` when it is not theirs or does not exist.
pub fn mark_read(
    conn: &mut AnyConnection,
    user: UserId,
    id: i64,
    now: NaiveDateTime,
) -> Result<Option<Notification>, StoreError> {
    diesel::update(
        notifications::table
            .filter(notifications::id.eq(id))
            .filter(notifications::user_id.eq(user.0))
            .filter(notifications::read_at.is_null()),
    )
    .set(notifications::read_at.eq(now))
    .execute(conn)?;
    notifications::table
        .filter(notifications::id.eq(id))
        .filter(notifications::user_id.eq(user.0))
        .select(NotificationRow::as_select())
        .first(conn)
        .optional()?
        .map(Notification::try_from)
        .transpose()
}

/// Marks every unread notification of `user` read; returns how many changed.
pub fn mark_all_read(
    conn: &mut AnyConnection,
    user: UserId,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    Ok(diesel::update(
        notifications::table
            .filter(notifications::user_id.eq(user.0))
            .filter(notifications::read_at.is_null()),
    )
    .set(notifications::read_at.eq(now))
    .execute(conn)?)
}

/// A person's choice for one category (the default when they never chose).
pub fn preference(
    conn: &mut AnyConnection,
    user: UserId,
    category: Category,
) -> Result<Preference, StoreError> {
    let stored: Option<(bool, bool)> = notification_preferences::table
        .find((user.0, category.as_str()))
        .select((
            notification_preferences::in_app,
            notification_preferences::email,
        ))
        .first(conn)
        .optional()?;
    Ok(match stored {
        Some((in_app, email)) => Preference {
            category,
            in_app,
            email,
        },
        None => Preference::default_for(category),
    })
}

/// A person's choices for every category, in [`Category::ALL`] order.
pub fn preferences(conn: &mut AnyConnection, user: UserId) -> Result<Vec<Preference>, StoreError> {
    Category::ALL
        .iter()
        .map(|category| preference(conn, user, *category))
        .collect()
}

/// Saves a choice: updates the row, or inserts it (in a savepoint, so a concurrent first
/// insert that wins is followed by an update instead of an error). Portable to both engines.
pub fn save_preference(
    conn: &mut AnyConnection,
    user: UserId,
    preference: Preference,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let update = |conn: &mut AnyConnection| {
        diesel::update(notification_preferences::table.find((user.0, preference.category.as_str())))
            .set((
                notification_preferences::in_app.eq(preference.in_app),
                notification_preferences::email.eq(preference.email),
                notification_preferences::updated_at.eq(now),
            ))
            .execute(conn)
    };
    if update(conn)? == 1 {
        return Ok(());
    }
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(notification_preferences::table)
            .values(&PreferenceRow {
                user_id: user.0,
                category: preference.category.as_str(),
                in_app: preference.in_app,
                email: preference.email,
                updated_at: now,
            })
            .execute(conn)
    });
    match inserted {
        Ok(_) => Ok(()),
        Err(error) if is_unique_violation(&error) => {
            update(conn)?;
            Ok(())
        }
        Err(error) => Err(error.into()),
    }
}

/// Deletes every notification and preference of `user` (their texts hold names); for
/// closing an account.
pub fn delete_all(conn: &mut AnyConnection, user: UserId) -> Result<usize, StoreError> {
    diesel::delete(
        notification_preferences::table.filter(notification_preferences::user_id.eq(user.0)),
    )
    .execute(conn)?;
    Ok(
        diesel::delete(notifications::table.filter(notifications::user_id.eq(user.0)))
            .execute(conn)?,
    )
}
