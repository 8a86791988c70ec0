//! Reading and writing volunteer profiles and credentials.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{
    Credential, CredentialKind, ProfileUpdate, ServiceArea, ServiceRadius, VolunteerProfile,
    WeeklySlot,
};
use crate::accounts::UserId;
use crate::db::{AnyConnection, StoreError};
use crate::schema::{
    areas, availability_slots, credentials, skills, users, volunteer_profiles, volunteer_skills,
};

fn corrupt(what: String) -> StoreError {
    StoreError::Query(diesel::result::Error::DeserializationError(what.into()))
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = credentials)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct CredentialRow {
    id: i64,
    user_id: i64,
    kind: String,
    title: String,
    expires_at: Option<NaiveDateTime>,
    verified_at: Option<NaiveDateTime>,
    verified_by: Option<i64>,
}

impl TryFrom<CredentialRow> for Credential {
    type Error = StoreError;
    fn try_from(row: CredentialRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: row.id,
            user_id: UserId(row.user_id),
            kind: CredentialKind::parse(&row.kind)
                .ok_or_else(|| corrupt(format!("credential kind {}", row.kind)))?,
            title: row.title,
            expires_at: row.expires_at,
            verified_at: row.verified_at,
            verified_by: row.verified_by.map(UserId),
        })
    }
}

/// Skill codes in the managed list.
pub fn skill_codes(conn: &mut AnyConnection) -> Result<Vec<(String, String, String)>, StoreError> {
    Ok(skills::table
        .order(skills::code.asc())
        .select((skills::code, skills::name_zh, skills::name_en))
        .load(conn)?)
}

/// The credentials of `user`, oldest first.
pub fn credentials_of(
    conn: &mut AnyConnection,
    user: UserId,
) -> Result<Vec<Credential>, StoreError> {
    credentials::table
        .filter(credentials::user_id.eq(user.0))
        .order(credentials::id.asc())
        .select(CredentialRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Credential::try_from)
        .collect()
}

/// One credential by id.
pub fn credential(conn: &mut AnyConnection, id: i64) -> Result<Option<Credential>, StoreError> {
    credentials::table
        .find(id)
        .select(CredentialRow::as_select())
        .first(conn)
        .optional()?
        .map(Credential::try_from)
        .transpose()
}

type ProfileRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<NaiveDateTime>,
    Option<i64>,
);

/// Where `user` serves and whether they are verified, in one read: what claiming and listing
/// open needs ask on every request, without the rest of the profile.
pub fn service_area(
    conn: &mut AnyConnection,
    user: UserId,
) -> Result<Option<ServiceArea>, StoreError> {
    let row: Option<(String, Option<NaiveDateTime>, Option<String>)> = volunteer_profiles::table
        .inner_join(users::table.on(users::id.eq(volunteer_profiles::user_id)))
        .left_join(areas::table.on(users::home_grid_id.eq(areas::id.nullable())))
        .filter(volunteer_profiles::user_id.eq(user.0))
        .select((
            volunteer_profiles::service_radius,
            volunteer_profiles::real_name_verified_at,
            areas::path.nullable(),
        ))
        .first(conn)
        .optional()?;
    row.map(|(radius, verified_at, home_path)| {
        Ok(ServiceArea {
            radius: ServiceRadius::parse(&radius)
                .ok_or_else(|| corrupt(format!("service radius {radius}")))?,
            verified_at,
            home_path,
        })
    })
    .transpose()
}

/// The whole profile of `user`, if they made one.
pub fn get(conn: &mut AnyConnection, user: UserId) -> Result<Option<VolunteerProfile>, StoreError> {
    let row: Option<ProfileRow> = volunteer_profiles::table
        .find(user.0)
        .select((
            volunteer_profiles::service_radius,
            volunteer_profiles::languages,
            volunteer_profiles::real_name,
            volunteer_profiles::id_number,
            volunteer_profiles::real_name_verified_at,
            volunteer_profiles::real_name_verified_by,
        ))
        .first(conn)
        .optional()?;
    let Some((radius, languages, real_name, id_number, verified_at, verified_by)) = row else {
        return Ok(None);
    };
    let skills: Vec<String> = volunteer_skills::table
        .filter(volunteer_skills::user_id.eq(user.0))
        .order(volunteer_skills::skill_code.asc())
        .select(volunteer_skills::skill_code)
        .load(conn)?;
    let availability = availability_slots::table
        .filter(availability_slots::user_id.eq(user.0))
        .order((
            availability_slots::weekday.asc(),
            availability_slots::start_minute.asc(),
        ))
        .select((
            availability_slots::weekday,
            availability_slots::start_minute,
            availability_slots::end_minute,
        ))
        .load::<(i32, i32, i32)>(conn)?
        .into_iter()
        .map(|(weekday, start_minute, end_minute)| WeeklySlot {
            weekday,
            start_minute,
            end_minute,
        })
        .collect();
    Ok(Some(VolunteerProfile {
        user_id: user,
        service_radius: ServiceRadius::parse(&radius)
            .ok_or_else(|| corrupt(format!("service radius {radius}")))?,
        languages: serde_json::from_str(&languages).map_err(|e| corrupt(e.to_string()))?,
        skills,
        availability,
        real_name,
        id_number,
        verified_at,
        verified_by: verified_by.map(UserId),
        credentials: credentials_of(conn, user)?,
    }))
}

/// Skill codes in `wanted` that the managed list does not have.
pub fn unknown_skills(
    conn: &mut AnyConnection,
    wanted: &[String],
) -> Result<Vec<String>, StoreError> {
    let known: Vec<String> = skills::table
        .filter(skills::code.eq_any(wanted))
        .select(skills::code)
        .load(conn)?;
    Ok(wanted
        .iter()
        .filter(|w| !known.contains(w))
        .cloned()
        .collect())
}

/// Writes the profile, replacing skills and availability; a changed real name or ID number
/// clears an earlier verification. Call inside a write transaction.
pub fn save(
    conn: &mut AnyConnection,
    user: UserId,
    update: &ProfileUpdate,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let languages = serde_json::to_string(&update.languages).map_err(|e| corrupt(e.to_string()))?;
    let existing: Option<(Option<String>, Option<String>)> = volunteer_profiles::table
        .find(user.0)
        .select((volunteer_profiles::real_name, volunteer_profiles::id_number))
        .first(conn)
        .optional()?;
    match existing {
        Some((name, id)) => {
            let identity_changed = name != update.real_name || id != update.id_number;
            diesel::update(volunteer_profiles::table.find(user.0))
                .set((
                    volunteer_profiles::service_radius.eq(update.service_radius.as_str()),
                    volunteer_profiles::languages.eq(&languages),
                    volunteer_profiles::real_name.eq(&update.real_name),
                    volunteer_profiles::id_number.eq(&update.id_number),
                    volunteer_profiles::updated_at.eq(now),
                ))
                .execute(conn)?;
            if identity_changed {
                diesel::update(volunteer_profiles::table.find(user.0))
                    .set((
                        volunteer_profiles::real_name_verified_at.eq(None::<NaiveDateTime>),
                        volunteer_profiles::real_name_verified_by.eq(None::<i64>),
                    ))
                    .execute(conn)?;
            }
        }
        None => {
            diesel::insert_into(volunteer_profiles::table)
                .values((
                    volunteer_profiles::user_id.eq(user.0),
                    volunteer_profiles::service_radius.eq(update.service_radius.as_str()),
                    volunteer_profiles::languages.eq(&languages),
                    volunteer_profiles::real_name.eq(&update.real_name),
                    volunteer_profiles::id_number.eq(&update.id_number),
                    volunteer_profiles::updated_at.eq(now),
                ))
                .execute(conn)?;
        }
    }
    diesel::delete(volunteer_skills::table.filter(volunteer_skills::user_id.eq(user.0)))
        .execute(conn)?;
    for skill in &update.skills {
        diesel::insert_into(volunteer_skills::table)
            .values((
                volunteer_skills::user_id.eq(user.0),
                volunteer_skills::skill_code.eq(skill),
            ))
            .execute(conn)?;
    }
    diesel::delete(availability_slots::table.filter(availability_slots::user_id.eq(user.0)))
        .execute(conn)?;
    for slot in &update.availability {
        diesel::insert_into(availability_slots::table)
            .values((
                availability_slots::user_id.eq(user.0),
                availability_slots::weekday.eq(slot.weekday),
                availability_slots::start_minute.eq(slot.start_minute),
                availability_slots::end_minute.eq(slot.end_minute),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Marks the real name verified; false when there is no profile with a name and ID number.
pub fn mark_verified(
    conn: &mut AnyConnection,
    user: UserId,
    by: UserId,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        volunteer_profiles::table
            .filter(volunteer_profiles::user_id.eq(user.0))
            .filter(volunteer_profiles::real_name.is_not_null())
            .filter(volunteer_profiles::id_number.is_not_null()),
    )
    .set((
        volunteer_profiles::real_name_verified_at.eq(now),
        volunteer_profiles::real_name_verified_by.eq(by.0),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Adds a credential awaiting verification.
pub fn add_credential(
    conn: &mut AnyConnection,
    user: UserId,
    kind: CredentialKind,
    title: &str,
    expires_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Result<Credential, StoreError> {
    let id: i64 = diesel::insert_into(credentials::table)
        .values((
            credentials::user_id.eq(user.0),
            credentials::kind.eq(kind.as_str()),
            credentials::title.eq(title),
            credentials::expires_at.eq(expires_at),
            credentials::created_at.eq(now),
        ))
        .returning(credentials::id)
        .get_result(conn)?;
    credential(conn, id)?.ok_or_else(|| StoreError::Query(diesel::result::Error::NotFound))
}

/// Marks a credential checked.
pub fn mark_credential_verified(
    conn: &mut AnyConnection,
    id: i64,
    by: UserId,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(credentials::table.find(id))
        .set((
            credentials::verified_at.eq(now),
            credentials::verified_by.eq(by.0),
        ))
        .execute(conn)?;
    Ok(())
}

/// Removes personal data from a closed account's profile, keeping skills and history.
pub fn anonymise(conn: &mut AnyConnection, user: UserId) -> Result<(), StoreError> {
    diesel::update(volunteer_profiles::table.find(user.0))
        .set((
            volunteer_profiles::real_name.eq(None::<String>),
            volunteer_profiles::id_number.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}
