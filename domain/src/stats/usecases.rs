//! Reading area statistics: who may read an area's figures, then every aggregate in one read
//! snapshot so the figures agree with each other.

use std::collections::HashMap;

use chrono::NaiveDate;
use chrono_tz::Tz;

use super::rules::{self, PeriodError};
use super::store::{self, Scope};
use super::{AreaStats, CategoryRef, Timing};
use crate::access::{Principal, Role};
use crate::api_keys::rules::{PartnerRefusal, check_partner};
use crate::api_keys::{PartnerKey, Scope as KeyScope};
use crate::areas::rules::is_within;
use crate::areas::{Area, AreaId, AreaLevel};
use crate::db::{self, AnyConnection, Db, StoreError, TransactionError};
use crate::organizations::{MemberRole, Organization, OrganizationKind};

/// Area roles that read the figures of their area's subtree.
pub const READER_ROLES: [Role; 5] = [
    Role::SocialWorker,
    Role::GridWorker,
    Role::CommunityStaff,
    Role::StreetAdmin,
    Role::PlatformAdmin,
];

/// Who asks for figures.
#[derive(Debug, Clone)]
pub enum Reader {
    /// A signed-in person: staff over the area, or an admin of a verified charity serving it.
    Person(Principal),
    /// A partner system with a `stats:read` key of a verified organization serving the area.
    Partner(PartnerKey),
}

/// What is asked for: an area and the period as the caller wrote it.
#[derive(Debug, Clone)]
pub struct StatsRequest {
    /// The area whose subtree is counted.
    pub area: AreaId,
    /// First local date (default: 29 days before `to`).
    pub from: Option<NaiveDate>,
    /// Last local date (default: today).
    pub to: Option<NaiveDate>,
    /// `day`, `week` or `month` (default: `day`).
    pub bucket: Option<String>,
}

/// Why figures were not given.
#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    /// The period or bucket is malformed.
    #[error(transparent)]
    Period(#[from] PeriodError),
    /// No such area.
    #[error("area {0} does not exist")]
    AreaNotFound(i64),
    /// The reader may not see this area's figures.
    #[error("you may read the figures of your own areas only")]
    Forbidden,
    /// The partner key may not make this call.
    #[error(transparent)]
    Refused(#[from] PartnerRefusal),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for StatsError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

impl TransactionError for StatsError {
    fn as_diesel(&self) -> Option<&diesel::result::Error> {
        match self {
            Self::Store(e) => e.as_diesel(),
            _ => None,
        }
    }
}

/// True when `organization` may read figures of the area at `path`: verified, of a kind that
/// funds or delivers help, and serving a community that contains the area.
fn serves(organization: &Organization, path: &str, kinds: &[OrganizationKind]) -> bool {
    organization.verification.is_some()
        && kinds.contains(&organization.kind)
        && organization
            .service_areas
            .iter()
            .any(|community| is_within(path, &community.path))
}

/// Checks that `reader` may read the figures of `area`.
fn check_reader(conn: &mut AnyConnection, reader: &Reader, area: &Area) -> Result<(), StatsError> {
    match reader {
        Reader::Person(principal) => {
            if principal.holds_any(&READER_ROLES, &area.path) {
                return Ok(());
            }
            let memberships =
                crate::organizations::members::memberships_of(conn, principal.user.id)?;
            for (id, role) in memberships {
                if role != MemberRole::Admin {
                    continue;
                }
                let organization = crate::organizations::store::get(conn, id)?;
                if organization
                    .is_some_and(|o| serves(&o, &area.path, &[OrganizationKind::Charity]))
                {
                    return Ok(());
                }
            }
            Err(StatsError::Forbidden)
        }
        Reader::Partner(key) => {
            check_partner(key, KeyScope::StatsRead)?;
            let organization = crate::organizations::store::get(conn, key.organization_id)?;
            let kinds = OrganizationKind::ALL;
            if organization.is_some_and(|o| serves(&o, &area.path, &kinds)) {
                Ok(())
            } else {
                Err(StatsError::Forbidden)
            }
        }
    }
}

fn category_names(
    conn: &mut AnyConnection,
) -> Result<HashMap<crate::categories::CategoryId, CategoryRef>, StoreError> {
    Ok(crate::categories::store::list(conn)?
        .into_iter()
        .map(|c| {
            (
                c.id,
                CategoryRef {
                    id: c.id,
                    code: c.code,
                    name_zh: c.name_zh,
                    name_en: c.name_en,
                },
            )
        })
        .collect())
}

/// The figures of an area's subtree over a period of local dates in `zone`, if `reader` may
/// see them; every aggregate read in one snapshot.
pub async fn area_stats(
    db: &Db,
    reader: Reader,
    request: StatsRequest,
    zone: Tz,
    today: NaiveDate,
) -> Result<AreaStats, StatsError> {
    let period = rules::check_period(request.from, request.to, request.bucket.as_deref(), today)?;
    db.run(move |conn| {
        db::read_snapshot(conn, |conn| {
            let area = crate::areas::store::get(conn, request.area)?
                .ok_or(StatsError::AreaNotFound(request.area.0))?;
            check_reader(conn, &reader, &area)?;
            let (from, until) = rules::utc_bounds(&period, &zone);
            let scope = Scope {
                path: area.path.clone(),
                from,
                until,
                offset_seconds: rules::offset_seconds(&zone, from),
            };
            let categories = category_names(conn)?;
            let figures = rules::fold(&period, &store::day_counts(conn, &scope)?, &categories);
            let to_claim = store::seconds_to_claim(conn, &scope)?;
            let to_complete = store::seconds_to_complete(conn, &scope)?;
            let timing = Timing {
                claimed: i64::try_from(to_claim.len()).unwrap_or(i64::MAX),
                median_seconds_to_claim: rules::median(to_claim),
                completed: i64::try_from(to_complete.len()).unwrap_or(i64::MAX),
                median_seconds_to_complete: rules::median(to_complete),
            };
            let volunteering = store::volunteering(conn, &scope)?;
            let points = match area.level {
                AreaLevel::Grid => None,
                _ => Some(store::points_flow(conn, &scope)?),
            };
            Ok(AreaStats {
                area,
                period,
                needs: figures.needs,
                by_status: figures.by_status,
                by_category: figures.by_category,
                series: figures.series,
                timing,
                volunteering,
                points,
                top_unmet: figures.top_unmet,
            })
        })
    })
    .await
}
