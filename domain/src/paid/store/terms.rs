//! Rows and queries of terms: a provider's contract (commission rate, settlement period) and a
//! community's points terms. A missing row means the defaults; saving writes the one row of
//! its key, so orders booked later read the new terms and orders booked before keep theirs.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::areas::AreaId;
use crate::db::{AnyConnection, StoreError, is_unique_violation};
use crate::organizations::OrganizationId;
use crate::paid::split::{DEFAULT_COMMISSION_BP, DEFAULT_POINTS_TERMS, PointsTerms};
use crate::paid::terms::{Contract, SettlementPeriod};
use crate::schema::{paid_points_terms, paid_provider_terms};

/// The provider's commission in basis points (the default without a contract).
pub fn commission_bp(conn: &mut AnyConnection, org: OrganizationId) -> Result<i64, StoreError> {
    Ok(contract(conn, org)?.map_or(DEFAULT_COMMISSION_BP, |(c, _)| c.commission_bp))
}

/// The provider's contract and when it last changed; none when it has the defaults.
pub fn contract(
    conn: &mut AnyConnection,
    org: OrganizationId,
) -> Result<Option<(Contract, NaiveDateTime)>, StoreError> {
    let row: Option<(i32, String, NaiveDateTime)> = paid_provider_terms::table
        .find(org.0)
        .select((
            paid_provider_terms::commission_bp,
            paid_provider_terms::settlement_period,
            paid_provider_terms::updated_at,
        ))
        .first(conn)
        .optional()?;
    row.map(|(bp, period, at)| {
        let period = SettlementPeriod::parse(&period).ok_or_else(|| super::corrupt("period"))?;
        Ok((
            Contract {
                commission_bp: i64::from(bp),
                settlement_period: period,
            },
            at,
        ))
    })
    .transpose()
}

/// Writes the one row under a key: update it, or insert it when absent (a concurrent insert
/// of the same key makes the second writer update instead).
fn upsert(
    conn: &mut AnyConnection,
    update: impl Fn(&mut AnyConnection) -> QueryResult<usize>,
    insert: impl Fn(&mut AnyConnection) -> QueryResult<usize>,
) -> Result<(), StoreError> {
    if update(conn)? == 1 {
        return Ok(());
    }
    match conn.transaction(|conn| insert(conn)) {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => {
            update(conn)?;
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// Saves a provider's contract.
pub fn save_contract(
    conn: &mut AnyConnection,
    org: OrganizationId,
    contract: Contract,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let bp = i32::try_from(contract.commission_bp).map_err(|_| super::corrupt("rate"))?;
    let values = (
        paid_provider_terms::commission_bp.eq(bp),
        paid_provider_terms::settlement_period.eq(contract.settlement_period.as_str()),
        paid_provider_terms::updated_at.eq(now),
    );
    upsert(
        conn,
        |conn| {
            diesel::update(paid_provider_terms::table.find(org.0))
                .set(values)
                .execute(conn)
        },
        |conn| {
            diesel::insert_into(paid_provider_terms::table)
                .values((paid_provider_terms::organization_id.eq(org.0), values))
                .execute(conn)
        },
    )
}

/// The community's points terms and when they last changed; none when it has the defaults.
pub fn points_terms_row(
    conn: &mut AnyConnection,
    community: AreaId,
) -> Result<Option<(PointsTerms, NaiveDateTime)>, StoreError> {
    Ok(paid_points_terms::table
        .find(community.0)
        .select((
            paid_points_terms::fen_per_point,
            paid_points_terms::max_percent,
            paid_points_terms::updated_at,
        ))
        .first::<(i64, i32, NaiveDateTime)>(conn)
        .optional()?
        .map(|(rate, max, at)| {
            (
                PointsTerms {
                    fen_per_point: rate,
                    max_percent: i64::from(max),
                },
                at,
            )
        }))
}

/// The community's points terms (the default when it set none).
pub fn points_terms(
    conn: &mut AnyConnection,
    community: AreaId,
) -> Result<PointsTerms, StoreError> {
    Ok(points_terms_row(conn, community)?.map_or(DEFAULT_POINTS_TERMS, |(t, _)| t))
}

/// Saves a community's points terms.
pub fn save_points_terms(
    conn: &mut AnyConnection,
    community: AreaId,
    terms: PointsTerms,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let max = i32::try_from(terms.max_percent).map_err(|_| super::corrupt("share"))?;
    let values = (
        paid_points_terms::fen_per_point.eq(terms.fen_per_point),
        paid_points_terms::max_percent.eq(max),
        paid_points_terms::updated_at.eq(now),
    );
    upsert(
        conn,
        |conn| {
            diesel::update(paid_points_terms::table.find(community.0))
                .set(values)
                .execute(conn)
        },
        |conn| {
            diesel::insert_into(paid_points_terms::table)
                .values((paid_points_terms::community_id.eq(community.0), values))
                .execute(conn)
        },
    )
}
