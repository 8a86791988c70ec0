//! Subsidy programme use cases: a street or district admin creates a programme funded by
//! their area (its budget enters the money ledger as the programme's funds); the funding body
//! sees the remaining budget, everyone else the programmes without it.

use chrono::NaiveDateTime;

use super::Programme;
use super::books::{self, MoneyOwner, Movement};
use super::inputs::{InputError, ProgrammeInput, check_programme};
use super::store::{self, NewProgramme};
use crate::access::{Principal, Role};
use crate::areas::{self, AreaId, AreaLevel};
use crate::audit::{self, NewAuditEvent};
use crate::db::{self, Db, StoreError, TransactionError};

/// Why a programme could not be created or read; nothing changed.
#[derive(Debug, thiserror::Error)]
pub enum ProgrammeError {
    /// No such area.
    #[error("no such street or district")]
    NotFound,
    /// Only street admins (for their street) and platform admins fund programmes.
    #[error("only an admin of the funding street or district may do this")]
    Forbidden,
    /// Broken rules.
    #[error("the programme is invalid")]
    Invalid(Vec<InputError>),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for ProgrammeError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

impl From<books::BooksError> for ProgrammeError {
    fn from(e: books::BooksError) -> Self {
        match e {
            books::BooksError::Store(s) => Self::Store(s),
            // A new programme's key is new and clearing may go negative: a defect if reached.
            other => Self::Store(StoreError::Unavailable(other.to_string())),
        }
    }
}

impl TransactionError for ProgrammeError {
    fn as_diesel(&self) -> Option<&diesel::result::Error> {
        match self {
            Self::Store(e) => e.as_diesel(),
            _ => None,
        }
    }
}

/// A programme as its reader may see it: the remaining budget only for the funding body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgrammeView {
    /// The programme.
    pub programme: Programme,
    /// True when the reader funds it (and sees the budget).
    pub funder: bool,
}

/// Creates a programme funded by a street or district; its budget is posted from clearing to
/// the programme's account. Audited.
pub async fn create_programme(
    db: &Db,
    principal: Principal,
    funding_area: AreaId,
    input: ProgrammeInput,
    now: NaiveDateTime,
) -> Result<Programme, ProgrammeError> {
    let checked = check_programme(&input).map_err(ProgrammeError::Invalid)?;
    db.run(move |conn| {
        db::write(conn, |conn| {
            let area = areas::store::get(conn, funding_area)?
                .filter(|a| matches!(a.level, AreaLevel::Street | AreaLevel::District))
                .ok_or(ProgrammeError::NotFound)?;
            if !principal.holds_any(&[Role::StreetAdmin, Role::PlatformAdmin], &area.path) {
                return Err(ProgrammeError::Forbidden);
            }
            let new = NewProgramme {
                funding_area,
                name_zh: input.name_zh.trim().to_owned(),
                name_en: input.name_en.clone(),
                budget: checked.budget,
                eligibility: input.eligibility.clone(),
                rule: checked.rule,
                monthly_cap: checked.monthly_cap,
                categories: input.categories.clone(),
            };
            let id = store::insert_programme(conn, &new, principal.user.id, now)?;
            books::post(
                conn,
                now,
                &Movement {
                    key: format!("programme:{}:budget", id.0),
                    from: MoneyOwner::Clearing,
                    to: MoneyOwner::Programme(id),
                    amount: checked.budget,
                    cause_type: "programme",
                    cause_id: id.0.to_string(),
                    memo: "programme budget".into(),
                },
            )?;
            audit::store::record(
                conn,
                &NewAuditEvent {
                    actor: Some(principal.user.id),
                    on_behalf_of: None,
                    action: "subsidy_program.created",
                    subject_type: "subsidy_program",
                    subject_id: id.0.to_string(),
                    area: Some(area.id),
                    detail: serde_json::json!({"budget": checked.budget.to_string()}),
                },
                now,
            )?;
            store::programme(conn, id)?.ok_or(ProgrammeError::NotFound)
        })
    })
    .await
}

/// Every programme, each marked with whether the caller funds it (street admins over its
/// funding area, platform admins).
pub async fn list_programmes(
    db: &Db,
    principal: Principal,
) -> Result<Vec<ProgrammeView>, ProgrammeError> {
    db.run(move |conn| {
        let all = store::programmes(conn, None)?;
        let mut views = Vec::with_capacity(all.len());
        for programme in all {
            let path = areas::store::get(conn, programme.funding_area)?
                .map(|a| a.path)
                .unwrap_or_default();
            let funder = principal.holds_any(&[Role::StreetAdmin, Role::PlatformAdmin], &path);
            views.push(ProgrammeView { programme, funder });
        }
        Ok(views)
    })
    .await
}
