//! Reading and appending policy versions.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{PointsPolicy, PolicyTerms};
use crate::accounts::UserId;
use crate::areas::AreaId;
use crate::db::{AnyConnection, StoreError};
use crate::schema::points_policies;

#[derive(Queryable, Selectable)]
#[diesel(table_name = points_policies)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct PolicyRow {
    community_id: i64,
    version: i32,
    effective_from: NaiveDate,
    points_per_hour: i64,
    urgent_bonus_percent: i64,
    daily_cap: Option<i64>,
    balance_cap: Option<i64>,
    expiry_months: Option<i32>,
    elder_redemption_age: Option<i32>,
    relative_transfers_allowed: bool,
    honour_hours_yearly_cap: Option<i64>,
    created_by: i64,
    created_at: NaiveDateTime,
}

impl From<PolicyRow> for PointsPolicy {
    fn from(row: PolicyRow) -> Self {
        Self {
            community: AreaId(row.community_id),
            version: row.version,
            effective_from: row.effective_from,
            terms: PolicyTerms {
                points_per_hour: row.points_per_hour,
                urgent_bonus_percent: row.urgent_bonus_percent,
                daily_cap: row.daily_cap,
                balance_cap: row.balance_cap,
                expiry_months: row.expiry_months,
                elder_redemption_age: row.elder_redemption_age,
                relative_transfers_allowed: row.relative_transfers_allowed,
                honour_hours_yearly_cap: row.honour_hours_yearly_cap,
            },
            created_by: Some(UserId(row.created_by)),
            created_at: Some(row.created_at),
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = points_policies)]
struct NewPolicyRow {
    community_id: i64,
    version: i32,
    effective_from: NaiveDate,
    points_per_hour: i64,
    urgent_bonus_percent: i64,
    daily_cap: Option<i64>,
    balance_cap: Option<i64>,
    expiry_months: Option<i32>,
    elder_redemption_age: Option<i32>,
    relative_transfers_allowed: bool,
    honour_hours_yearly_cap: Option<i64>,
    created_by: i64,
    created_at: NaiveDateTime,
}

/// Every version of a community's policy, newest first.
pub fn versions(
    conn: &mut AnyConnection,
    community: AreaId,
) -> Result<Vec<PointsPolicy>, StoreError> {
    Ok(points_policies::table
        .filter(points_policies::community_id.eq(community.0))
        .order(points_policies::version.desc())
        .select(PolicyRow::as_select())
        .load(conn)?
        .into_iter()
        .map(PointsPolicy::from)
        .collect())
}

/// Appends the next version. Call inside [`crate::db::write`]; the unique indexes refuse a
/// second version for the same date or number.
pub fn append(
    conn: &mut AnyConnection,
    community: AreaId,
    effective_from: NaiveDate,
    terms: &PolicyTerms,
    by: UserId,
    now: NaiveDateTime,
) -> Result<PointsPolicy, diesel::result::Error> {
    let latest: Option<i32> = points_policies::table
        .filter(points_policies::community_id.eq(community.0))
        .select(diesel::dsl::max(points_policies::version))
        .first(conn)?;
    let row = NewPolicyRow {
        community_id: community.0,
        version: latest.unwrap_or(0) + 1,
        effective_from,
        points_per_hour: terms.points_per_hour,
        urgent_bonus_percent: terms.urgent_bonus_percent,
        daily_cap: terms.daily_cap,
        balance_cap: terms.balance_cap,
        expiry_months: terms.expiry_months,
        elder_redemption_age: terms.elder_redemption_age,
        relative_transfers_allowed: terms.relative_transfers_allowed,
        honour_hours_yearly_cap: terms.honour_hours_yearly_cap,
        created_by: by.0,
        created_at: now,
    };
    diesel::insert_into(points_policies::table)
        .values(&row)
        .execute(conn)?;
    Ok(PointsPolicy {
        community,
        version: row.version,
        effective_from,
        terms: *terms,
        created_by: Some(by),
        created_at: Some(now),
    })
}
