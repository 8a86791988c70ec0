//! Rows and queries of subsidy programmes and their counters: a programme's remaining budget
//! and each resident's monthly use change only by guarded statements, so concurrent bookings
//! never overspend.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::corrupt;
use crate::accounts::UserId;
use crate::areas::AreaId;
use crate::db::{AnyConnection, StoreError, is_unique_violation};
use crate::paid::eligibility::EligibilityRules;
use crate::paid::money::Fen;
use crate::paid::split::SubsidyRule;
use crate::paid::{ProgramId, Programme};
use crate::schema::{paid_program_categories, paid_subsidy_programs, paid_subsidy_usage};

#[derive(Queryable, Selectable)]
#[diesel(table_name = paid_subsidy_programs)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct ProgrammeRow {
    id: i64,
    funding_area_id: i64,
    name_zh: String,
    name_en: Option<String>,
    budget_fen: i64,
    remaining_fen: i64,
    eligibility: String,
    rule_kind: String,
    percent_bp: Option<i32>,
    fixed_fen_per_unit: Option<i64>,
    monthly_cap_fen: i64,
    active: bool,
    created_at: NaiveDateTime,
}

/// A checked programme to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProgramme {
    /// The funding street or district.
    pub funding_area: AreaId,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: Option<String>,
    /// Budget.
    pub budget: Fen,
    /// Who qualifies.
    pub eligibility: EligibilityRules,
    /// How much it pays.
    pub rule: SubsidyRule,
    /// Monthly cap per resident.
    pub monthly_cap: Fen,
    /// Categories covered.
    pub categories: Vec<i64>,
}

/// Stores a programme with its full budget remaining.
pub fn insert_programme(
    conn: &mut AnyConnection,
    new: &NewProgramme,
    by: UserId,
    now: NaiveDateTime,
) -> Result<ProgramId, StoreError> {
    let (kind, percent, fixed) = match new.rule {
        SubsidyRule::Percent(bp) => ("percent", i32::try_from(bp).ok(), None),
        SubsidyRule::FixedPerUnit(f) => ("fixed_per_unit", None, Some(f.0)),
    };
    let rules = serde_json::to_string(&new.eligibility).map_err(|_| corrupt("eligibility"))?;
    let id: i64 = diesel::insert_into(paid_subsidy_programs::table)
        .values((
            paid_subsidy_programs::funding_area_id.eq(new.funding_area.0),
            paid_subsidy_programs::name_zh.eq(&new.name_zh),
            paid_subsidy_programs::name_en.eq(&new.name_en),
            paid_subsidy_programs::budget_fen.eq(new.budget.0),
            paid_subsidy_programs::remaining_fen.eq(new.budget.0),
            paid_subsidy_programs::eligibility.eq(rules),
            paid_subsidy_programs::rule_kind.eq(kind),
            paid_subsidy_programs::percent_bp.eq(percent),
            paid_subsidy_programs::fixed_fen_per_unit.eq(fixed),
            paid_subsidy_programs::monthly_cap_fen.eq(new.monthly_cap.0),
            paid_subsidy_programs::active.eq(true),
            paid_subsidy_programs::created_by.eq(by.0),
            paid_subsidy_programs::created_at.eq(now),
        ))
        .returning(paid_subsidy_programs::id)
        .get_result(conn)?;
    for category in &new.categories {
        diesel::insert_into(paid_program_categories::table)
            .values((
                paid_program_categories::program_id.eq(id),
                paid_program_categories::category_id.eq(category),
            ))
            .execute(conn)?;
    }
    Ok(ProgramId(id))
}

fn programme_of(row: ProgrammeRow, categories: Vec<i64>) -> Result<Programme, StoreError> {
    let rule = match (
        row.rule_kind.as_str(),
        row.percent_bp,
        row.fixed_fen_per_unit,
    ) {
        ("percent", Some(bp), _) => SubsidyRule::Percent(i64::from(bp)),
        ("fixed_per_unit", _, Some(f)) => SubsidyRule::FixedPerUnit(Fen(f)),
        _ => return Err(corrupt("subsidy rule")),
    };
    Ok(Programme {
        id: ProgramId(row.id),
        funding_area: AreaId(row.funding_area_id),
        name_zh: row.name_zh,
        name_en: row.name_en,
        budget: Fen(row.budget_fen),
        remaining: Fen(row.remaining_fen),
        eligibility: serde_json::from_str(&row.eligibility).map_err(|_| corrupt("eligibility"))?,
        rule,
        monthly_cap: Fen(row.monthly_cap_fen),
        categories,
        active: row.active,
        created_at: row.created_at,
    })
}

/// Programmes, optionally only active ones covering `category`, oldest first.
pub fn programmes(
    conn: &mut AnyConnection,
    category: Option<i64>,
) -> Result<Vec<Programme>, StoreError> {
    let mut query = paid_subsidy_programs::table
        .select(ProgrammeRow::as_select())
        .order(paid_subsidy_programs::id)
        .into_boxed();
    if let Some(category) = category {
        let covering = paid_program_categories::table
            .filter(paid_program_categories::category_id.eq(category))
            .select(paid_program_categories::program_id);
        query = query
            .filter(paid_subsidy_programs::id.eq_any(covering))
            .filter(paid_subsidy_programs::active.eq(true));
    }
    let rows = query.load(conn)?;
    let pairs: Vec<(i64, i64)> = paid_program_categories::table
        .order((
            paid_program_categories::program_id,
            paid_program_categories::category_id,
        ))
        .select((
            paid_program_categories::program_id,
            paid_program_categories::category_id,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|row| {
            let cats = pairs
                .iter()
                .filter(|(p, _)| *p == row.id)
                .map(|(_, c)| *c)
                .collect();
            programme_of(row, cats)
        })
        .collect()
}

/// One programme.
pub fn programme(conn: &mut AnyConnection, id: ProgramId) -> Result<Option<Programme>, StoreError> {
    Ok(programmes(conn, None)?.into_iter().find(|p| p.id == id))
}

/// Takes `amount` from a programme's remaining budget; false when less remains.
pub fn reserve_budget(
    conn: &mut AnyConnection,
    id: ProgramId,
    amount: Fen,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        paid_subsidy_programs::table
            .filter(paid_subsidy_programs::id.eq(id.0))
            .filter(paid_subsidy_programs::remaining_fen.ge(amount.0)),
    )
    .set(paid_subsidy_programs::remaining_fen.eq(paid_subsidy_programs::remaining_fen - amount.0))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Gives `amount` back to a programme's remaining budget.
pub fn release_budget(
    conn: &mut AnyConnection,
    id: ProgramId,
    amount: Fen,
) -> Result<(), StoreError> {
    diesel::update(paid_subsidy_programs::table.find(id.0))
        .set(
            paid_subsidy_programs::remaining_fen
                .eq(paid_subsidy_programs::remaining_fen + amount.0),
        )
        .execute(conn)?;
    Ok(())
}

/// What the resident used of a programme in `month`.
pub fn used_in_month(
    conn: &mut AnyConnection,
    id: ProgramId,
    user: UserId,
    month: &str,
) -> Result<Fen, StoreError> {
    Ok(Fen(paid_subsidy_usage::table
        .find((id.0, user.0, month))
        .select(paid_subsidy_usage::used_fen)
        .first::<i64>(conn)
        .optional()?
        .unwrap_or(0)))
}

/// Counts `amount` against the resident's monthly cap; false when it would exceed `cap`.
pub fn use_monthly(
    conn: &mut AnyConnection,
    id: ProgramId,
    user: UserId,
    month: &str,
    amount: Fen,
    cap: Fen,
) -> Result<bool, StoreError> {
    let opened = conn.transaction(|conn| {
        diesel::insert_into(paid_subsidy_usage::table)
            .values((
                paid_subsidy_usage::program_id.eq(id.0),
                paid_subsidy_usage::user_id.eq(user.0),
                paid_subsidy_usage::month.eq(month),
                paid_subsidy_usage::used_fen.eq(0),
            ))
            .execute(conn)
    });
    match opened {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => {}
        Err(e) => return Err(e.into()),
    }
    let changed = diesel::update(
        paid_subsidy_usage::table
            .filter(paid_subsidy_usage::program_id.eq(id.0))
            .filter(paid_subsidy_usage::user_id.eq(user.0))
            .filter(paid_subsidy_usage::month.eq(month))
            .filter(paid_subsidy_usage::used_fen.le(cap.0 - amount.0)),
    )
    .set(paid_subsidy_usage::used_fen.eq(paid_subsidy_usage::used_fen + amount.0))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Gives `amount` back to the resident's monthly room.
pub fn release_monthly(
    conn: &mut AnyConnection,
    id: ProgramId,
    user: UserId,
    month: &str,
    amount: Fen,
) -> Result<(), StoreError> {
    diesel::update(paid_subsidy_usage::table.find((id.0, user.0, month)))
        .set(paid_subsidy_usage::used_fen.eq(paid_subsidy_usage::used_fen - amount.0))
        .execute(conn)?;
    Ok(())
}
