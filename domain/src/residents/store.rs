//! Reading and writing resident profiles.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{EligibilityFacts, OwnDetails, ResidentProfile};
use crate::accounts::UserId;
use crate::db::{AnyConnection, StoreError};
use crate::schema::resident_profiles;

#[derive(Queryable, Selectable)]
#[diesel(table_name = resident_profiles)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct ResidentRow {
    user_id: i64,
    birth_date: Option<NaiveDate>,
    address: Option<String>,
    id_number: Option<String>,
    low_income: bool,
    disability_level: i32,
    lives_alone: bool,
    disabled: bool,
    facts_verified_at: Option<NaiveDateTime>,
    facts_verified_by: Option<i64>,
    evidence_notes: Option<String>,
}

impl From<ResidentRow> for ResidentProfile {
    fn from(row: ResidentRow) -> Self {
        Self {
            user_id: UserId(row.user_id),
            birth_date: row.birth_date,
            address: row.address,
            id_number: row.id_number,
            facts: EligibilityFacts {
                low_income: row.low_income,
                disability_level: row.disability_level,
                lives_alone: row.lives_alone,
                disabled: row.disabled,
            },
            facts_verified_at: row.facts_verified_at,
            facts_verified_by: row.facts_verified_by.map(UserId),
            evidence_notes: row.evidence_notes,
        }
    }
}

/// The profile of `user`, if any.
pub fn get(conn: &mut AnyConnection, user: UserId) -> Result<Option<ResidentProfile>, StoreError> {
    Ok(resident_profiles::table
        .find(user.0)
        .select(ResidentRow::as_select())
        .first(conn)
        .optional()?
        .map(ResidentProfile::from))
}

fn ensure_row(
    conn: &mut AnyConnection,
    user: UserId,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let exists = resident_profiles::table
        .find(user.0)
        .select(resident_profiles::user_id)
        .first::<i64>(conn)
        .optional()?
        .is_some();
    if !exists {
        diesel::insert_into(resident_profiles::table)
            .values((
                resident_profiles::user_id.eq(user.0),
                resident_profiles::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Writes what the resident states about themselves. Call inside a write transaction.
pub fn save_own(
    conn: &mut AnyConnection,
    user: UserId,
    details: &OwnDetails,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    ensure_row(conn, user, now)?;
    diesel::update(resident_profiles::table.find(user.0))
        .set((
            resident_profiles::birth_date.eq(details.birth_date),
            resident_profiles::address.eq(&details.address),
            resident_profiles::id_number.eq(&details.id_number),
            resident_profiles::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records verified facts with their evidence. Call inside a write transaction.
pub fn set_facts(
    conn: &mut AnyConnection,
    user: UserId,
    facts: &EligibilityFacts,
    evidence_notes: &str,
    by: UserId,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    ensure_row(conn, user, now)?;
    diesel::update(resident_profiles::table.find(user.0))
        .set((
            resident_profiles::low_income.eq(facts.low_income),
            resident_profiles::disability_level.eq(facts.disability_level),
            resident_profiles::lives_alone.eq(facts.lives_alone),
            resident_profiles::disabled.eq(facts.disabled),
            resident_profiles::evidence_notes.eq(evidence_notes),
            resident_profiles::facts_verified_at.eq(now),
            resident_profiles::facts_verified_by.eq(by.0),
            resident_profiles::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Removes personal data from a closed account's profile, keeping the facts for history.
pub fn anonymise(conn: &mut AnyConnection, user: UserId) -> Result<(), StoreError> {
    diesel::update(resident_profiles::table.find(user.0))
        .set((
            resident_profiles::address.eq(None::<String>),
            resident_profiles::id_number.eq(None::<String>),
            resident_profiles::birth_date.eq(None::<NaiveDate>),
        ))
        .execute(conn)?;
    Ok(())
}
