//! Terms as data: a provider's contract (the platform's commission on its gross and how often
//! it is settled) and a community's points terms (what a point is worth towards a paid service
//! and the share of an order points may pay). Street admins over a provider's communities (or
//! platform admins) set contracts; community staff or street admins over a community set its
//! points terms. Every change is audited and applies to orders booked afterwards: orders
//! snapshot the commission rate and the points value when they are placed.

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta};
use chrono_tz::Tz;

use super::inputs::InputError;
use super::money::{MoneyError, parse_amount};
use super::split::{DEFAULT_COMMISSION_BP, DEFAULT_POINTS_TERMS, PointsTerms};
use super::store;
use crate::access::{Principal, Role};
use crate::areas::{self, AreaId, AreaLevel};
use crate::audit::{self, NewAuditEvent};
use crate::db::{self, AnyConnection, Db, StoreError, TransactionError};
use crate::organizations::{MemberRole, OrganizationId, OrganizationKind};
use crate::time::local_midnight_utc;

/// Most commission a contract may set, in basis points (50 %).
pub const MAX_COMMISSION_BP: i64 = 5_000;

/// Most a point may be worth, in fen (¥100.00).
pub const MAX_FEN_PER_POINT: i64 = 10_000;

/// How often a provider is settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SettlementPeriod {
    /// Monday to Monday in the display time zone.
    Weekly,
    /// The 1st to the 1st in the display time zone.
    Monthly,
}

impl SettlementPeriod {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Weekly => "weekly",
            Self::Monthly => "monthly",
        }
    }

    /// Parses a stored or wire name.
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Weekly, Self::Monthly]
            .into_iter()
            .find(|p| p.as_str() == raw)
    }

    /// The last complete period before `now`, as UTC instants of local midnights
    /// `[start, end)`: its start is the period's key, one batch per provider and key.
    pub fn last_complete(self, now: NaiveDateTime, zone: Tz) -> (NaiveDateTime, NaiveDateTime) {
        let today = now.and_utc().with_timezone(&zone).date_naive();
        let (start, end) = match self {
            Self::Weekly => {
                let monday =
                    today - TimeDelta::days(i64::from(today.weekday().num_days_from_monday()));
                (monday - TimeDelta::days(7), monday)
            }
            Self::Monthly => {
                let first = today.with_day(1).unwrap_or(today);
                let previous = first
                    .pred_opt()
                    .and_then(|d| d.with_day(1))
                    .unwrap_or(NaiveDate::MIN);
                (previous, first)
            }
        };
        (
            local_midnight_utc(start, &zone),
            local_midnight_utc(end, &zone),
        )
    }
}

/// A provider's contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contract {
    /// The platform's commission on the gross, in basis points.
    pub commission_bp: i64,
    /// How often it is settled.
    pub settlement_period: SettlementPeriod,
}

/// The contract of a provider without one.
pub const DEFAULT_CONTRACT: Contract = Contract {
    commission_bp: DEFAULT_COMMISSION_BP,
    settlement_period: SettlementPeriod::Weekly,
};

/// Terms as read: the values, and when they were last set (none: the defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stated<T> {
    /// The values in force for new orders.
    pub terms: T,
    /// When they were set; none while the defaults apply.
    pub updated_at: Option<NaiveDateTime>,
}

impl<T> Stated<T> {
    /// The terms found in the store with their time, or the defaults.
    fn of(found: Option<(T, NaiveDateTime)>, default: T) -> Self {
        match found {
            Some((terms, at)) => Self {
                terms,
                updated_at: Some(at),
            },
            None => Self {
                terms: default,
                updated_at: None,
            },
        }
    }
}

/// Why terms could not be read or set; nothing changed.
#[derive(Debug, thiserror::Error)]
pub enum TermsError {
    /// No such provider or community within reach.
    #[error("no such provider or community")]
    NotFound,
    /// The caller may not set these terms.
    #[error("you may not set these terms")]
    Forbidden,
    /// A field is invalid.
    #[error("invalid terms")]
    Invalid(Vec<InputError>),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for TermsError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

impl TransactionError for TermsError {
    fn as_diesel(&self) -> Option<&diesel::result::Error> {
        match self {
            Self::Store(e) => e.as_diesel(),
            _ => None,
        }
    }
}

fn invalid(field: &'static str, code: &'static str, message: impl Into<String>) -> TermsError {
    TermsError::Invalid(vec![InputError {
        field,
        code,
        message: message.into(),
    }])
}

/// Reads a decimal string with at most two decimals as hundredths, zero allowed.
fn hundredths(field: &'static str, raw: &str) -> Result<i64, TermsError> {
    match parse_amount(raw) {
        Ok(value) => Ok(value.0),
        // Signs are refused as malformed, so "not positive" is zero here.
        Err(MoneyError::NotPositive) => Ok(0),
        Err(e) => Err(invalid(field, e.code(), e.to_string())),
    }
}

/// A contract from its wire fields: the commission as a percentage with at most two decimals
/// (`"5.00"`, 0–50) and the period (`weekly` or `monthly`).
pub fn contract_of(commission_percent: &str, period: &str) -> Result<Contract, TermsError> {
    let commission_bp = hundredths("commission_percent", commission_percent)?;
    if commission_bp > MAX_COMMISSION_BP {
        return Err(invalid(
            "commission_percent",
            "out_of_range",
            "must be 0.00–50.00",
        ));
    }
    let settlement_period = SettlementPeriod::parse(period).ok_or_else(|| {
        invalid(
            "settlement_period",
            "unknown_period",
            "must be weekly or monthly",
        )
    })?;
    Ok(Contract {
        commission_bp,
        settlement_period,
    })
}

/// Points terms from their wire fields: a point's value in yuan (`"0.10"`, 0.01–100.00) and
/// the most of an order's rest points may pay, in percent (0–100).
pub fn points_terms_of(
    yuan_per_point: &str,
    max_share_percent: i64,
) -> Result<PointsTerms, TermsError> {
    let fen_per_point = hundredths("yuan_per_point", yuan_per_point)?;
    if !(1..=MAX_FEN_PER_POINT).contains(&fen_per_point) {
        return Err(invalid(
            "yuan_per_point",
            "out_of_range",
            "must be 0.01–100.00",
        ));
    }
    if !(0..=100).contains(&max_share_percent) {
        return Err(invalid(
            "max_share_percent",
            "out_of_range",
            "must be 0–100",
        ));
    }
    Ok(PointsTerms {
        fen_per_point,
        max_percent: max_share_percent,
    })
}

/// True when the principal is a street admin over one of the provider's communities (or a
/// platform admin): who approves its settlements and sets its contract.
pub fn may_review(
    conn: &mut AnyConnection,
    principal: &Principal,
    org: OrganizationId,
) -> Result<bool, StoreError> {
    let Some(found) = crate::organizations::store::get(conn, org)? else {
        return Ok(false);
    };
    Ok(principal.is_platform_admin()
        || found
            .service_areas
            .iter()
            .any(|a| principal.holds_any(&[Role::StreetAdmin], &a.path)))
}

fn provider(
    conn: &mut AnyConnection,
    org: OrganizationId,
) -> Result<crate::organizations::Organization, TermsError> {
    crate::organizations::store::get(conn, org)?
        .filter(|o| o.kind == OrganizationKind::Provider)
        .ok_or(TermsError::NotFound)
}

/// A provider's contract, to its reviewers and its own admins and leaders.
pub async fn get_contract(
    db: &Db,
    principal: Principal,
    org: OrganizationId,
) -> Result<Stated<Contract>, TermsError> {
    db.run(move |conn| {
        provider(conn, org)?;
        let role = crate::organizations::members::role_of(conn, org, principal.user.id)?;
        let own = role.is_some_and(|r| matches!(r, MemberRole::Admin | MemberRole::Leader));
        if !own && !may_review(conn, &principal, org)? {
            return Err(TermsError::NotFound);
        }
        Ok(Stated::of(store::contract(conn, org)?, DEFAULT_CONTRACT))
    })
    .await
}

/// Sets a provider's contract (a street admin over its communities, or a platform admin),
/// audited; orders booked from now on snapshot the new rate, the next settlement run uses the
/// new period.
pub async fn set_contract(
    db: &Db,
    principal: Principal,
    org: OrganizationId,
    contract: Contract,
    now: NaiveDateTime,
) -> Result<Stated<Contract>, TermsError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            let found = provider(conn, org)?;
            if !may_review(conn, &principal, org)? {
                let role = crate::organizations::members::role_of(conn, org, principal.user.id)?;
                return Err(if role.is_some() {
                    TermsError::Forbidden
                } else {
                    TermsError::NotFound
                });
            }
            let before = store::contract(conn, org)?.map_or(DEFAULT_CONTRACT, |(c, _)| c);
            store::save_contract(conn, org, contract, now)?;
            audit::store::record(
                conn,
                &NewAuditEvent {
                    actor: Some(principal.user.id),
                    on_behalf_of: None,
                    action: "paid.contract.updated",
                    subject_type: "organization",
                    subject_id: org.0.to_string(),
                    area: found.service_areas.first().map(|a| a.id),
                    detail: serde_json::json!({
                        "commission_bp": [before.commission_bp, contract.commission_bp],
                        "settlement_period": [
                            before.settlement_period.as_str(),
                            contract.settlement_period.as_str()
                        ],
                    }),
                },
                now,
            )?;
            Ok(Stated {
                terms: contract,
                updated_at: Some(now),
            })
        })
    })
    .await
}

fn community(conn: &mut AnyConnection, id: AreaId) -> Result<areas::Area, TermsError> {
    areas::store::get(conn, id)?
        .filter(|a| a.level == AreaLevel::Community)
        .ok_or(TermsError::NotFound)
}

/// A community's points terms, to anyone signed in (residents see the rate before booking).
pub async fn get_points_terms(db: &Db, id: AreaId) -> Result<Stated<PointsTerms>, TermsError> {
    db.run(move |conn| {
        community(conn, id)?;
        Ok(Stated::of(
            store::points_terms_row(conn, id)?,
            DEFAULT_POINTS_TERMS,
        ))
    })
    .await
}

/// Sets a community's points terms (its staff, or a street or platform admin over it),
/// audited; orders booked from now on use them.
pub async fn set_points_terms(
    db: &Db,
    principal: Principal,
    id: AreaId,
    terms: PointsTerms,
    now: NaiveDateTime,
) -> Result<Stated<PointsTerms>, TermsError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            let area = community(conn, id)?;
            let roles = [Role::CommunityStaff, Role::StreetAdmin, Role::PlatformAdmin];
            if !principal.holds_any(&roles, &area.path) {
                return Err(TermsError::Forbidden);
            }
            let before = store::points_terms(conn, id)?;
            store::save_points_terms(conn, id, terms, now)?;
            audit::store::record(
                conn,
                &NewAuditEvent {
                    actor: Some(principal.user.id),
                    on_behalf_of: None,
                    action: "paid.points_terms.updated",
                    subject_type: "area",
                    subject_id: id.0.to_string(),
                    area: Some(id),
                    detail: serde_json::json!({
                        "fen_per_point": [before.fen_per_point, terms.fen_per_point],
                        "max_percent": [before.max_percent, terms.max_percent],
                    }),
                },
                now,
            )?;
            Ok(Stated {
                terms,
                updated_at: Some(now),
            })
        })
    })
    .await
}

#[cfg(test)]
mod tests;
