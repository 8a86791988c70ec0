//! Posting, reading, listing, editing and cancelling needs, and who may do each: the resident,
//! a proxy holding their consent, staff over the need's area, and helpers holding a place.

use chrono::NaiveDateTime;

use super::events::publish_need_event;
use super::lifecycle::{Action, NeedState, Refusal};
use super::rules::{self, NeedFields, NeedInputError};
use super::store::{self, NeedChanges, NeedScope, NewNeedRow};
use super::{Assignment, AssignmentStatus, Dispute, Need, NeedId, NeedStatus, NewNeed, Urgency};
use crate::access::{Principal, Role};
use crate::accounts::{UserId, store as accounts};
use crate::areas::store as areas;
use crate::audit::{self, NewAuditEvent};
use crate::categories::{Category, store as categories};
use crate::db::{self, AnyConnection, Db, StoreError, TransactionError};
use crate::proxies::store as proxies;
use crate::residents::store as residents;
use crate::volunteers::ServiceArea;
use crate::volunteers::store as volunteers;
use crate::webhooks::Event;

/// Why posting, reading or changing a need did not go through.
#[derive(Debug, thiserror::Error)]
pub enum NeedError {
    /// No such need within the caller's reach.
    #[error("no such need")]
    NotFound,
    /// No such category.
    #[error("no such service category: {0}")]
    UnknownCategory(String),
    /// The category is not delivered in the requested mode.
    #[error("the category is not delivered as {0}")]
    ModeNotOffered(&'static str),
    /// No such resident.
    #[error("no such resident")]
    UnknownResident,
    /// The resident has no home grid and none was named.
    #[error("the resident has no home grid; name one")]
    NoGrid,
    /// The named grid does not exist or is not a grid.
    #[error("area {0} is not a grid")]
    NotAGrid(i64),
    /// The caller acts for a resident without their consent.
    #[error("you hold no consent to act for this resident")]
    NoConsent,
    /// The caller may see the need but not do this.
    #[error("you may not change this need")]
    NotAllowed,
    /// Volunteer listings need a volunteer profile with a home grid.
    #[error("only verified volunteers list open needs")]
    NotVolunteer,
    /// The fields break rules.
    #[error("the need has invalid fields")]
    Invalid(Vec<NeedInputError>),
    /// The lifecycle refuses it.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for NeedError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

impl TransactionError for NeedError {
    fn as_diesel(&self) -> Option<&diesel::result::Error> {
        match self {
            Self::Store(e) => e.as_diesel(),
            _ => None,
        }
    }
}

/// How the caller stands to a need.
#[derive(Debug, Clone, Default)]
pub struct Standing {
    /// The resident, the poster, or a proxy with consent.
    pub resident_side: bool,
    /// Staff or a grid worker over the need's area.
    pub staff: bool,
    /// The caller's claim, if any, with their wrong-code count.
    pub claim: Option<(Assignment, i32)>,
}

impl Standing {
    /// True when the caller may see the need at all (volunteers within radius aside).
    pub fn reaches(&self) -> bool {
        self.resident_side || self.staff || self.claim.is_some()
    }
}

/// True for staff, grid workers and admins over `path`: who act on needs there.
pub fn is_need_staff(principal: &Principal, path: &str) -> bool {
    principal.is_staff_over(path) || principal.holds_any(&[Role::GridWorker], path)
}

/// How `principal` stands to `need`.
pub fn standing(
    conn: &mut AnyConnection,
    principal: &Principal,
    need: &Need,
) -> Result<Standing, StoreError> {
    let me = principal.user.id;
    let resident_side = me == need.resident_id
        || me == need.created_by
        || proxies::may_act_for(conn, me, need.resident_id)?;
    Ok(Standing {
        resident_side,
        staff: is_need_staff(principal, &need.area_path),
        claim: store::assignment_of(conn, need.id, me)?,
    })
}

/// True when a volunteer's radius covers the need (for seeing open needs and claiming).
pub fn volunteer_covers(
    conn: &mut AnyConnection,
    principal: &Principal,
    need: &Need,
) -> Result<bool, StoreError> {
    Ok(volunteer_prefix(conn, principal)?.is_some_and(|p| need.area_path.starts_with(&p)))
}

/// The path prefix a volunteer serves, when the caller is one with a profile and home grid.
pub fn volunteer_prefix(
    conn: &mut AnyConnection,
    principal: &Principal,
) -> Result<Option<String>, StoreError> {
    Ok(service_area(conn, principal)?
        .as_ref()
        .and_then(served_prefix))
}

/// The caller's service area when they are a volunteer with a profile.
pub fn service_area(
    conn: &mut AnyConnection,
    principal: &Principal,
) -> Result<Option<ServiceArea>, StoreError> {
    if !principal.roles.iter().any(|r| r.role == Role::Volunteer) {
        return Ok(None);
    }
    volunteers::service_area(conn, principal.user.id)
}

/// The path prefix `area` covers; none without a home grid.
pub fn served_prefix(area: &ServiceArea) -> Option<String> {
    area.home_path
        .as_deref()
        .map(|path| rules::radius_prefix(path, area.radius))
}

/// The lifecycle state of a need from its row and claims.
pub fn state_of(need: &Need, claims: &[Assignment]) -> NeedState {
    let count = |status: AssignmentStatus| {
        i32::try_from(claims.iter().filter(|a| a.status == status).count()).unwrap_or(i32::MAX)
    };
    NeedState {
        status: need.status,
        headcount: need.headcount,
        assigned: need.assigned_count,
        on_site: count(AssignmentStatus::CheckedIn),
        done: count(AssignmentStatus::CheckedOut),
        escalated: need.escalated,
    }
}

/// Posts a need for `resident` (the caller when none). Someone else posts only with the
/// resident's proxy consent or as staff over the resident's home grid; recorded as
/// "done by X for Y" in the audit log.
pub async fn create(
    db: &Db,
    principal: Principal,
    resident: Option<UserId>,
    new: NewNeed,
    now: NaiveDateTime,
) -> Result<Need, NeedError> {
    db.run(move |conn| create_on(conn, &principal, resident, &new, now))
        .await
}

/// [`create`] on a pooled connection the caller holds, so that resolving the caller's session
/// and posting take one blocking hop.
pub fn create_on(
    conn: &mut AnyConnection,
    principal: &Principal,
    resident: Option<UserId>,
    new: &NewNeed,
    now: NaiveDateTime,
) -> Result<Need, NeedError> {
    let code = rules::check_code_from(rand::random::<u32>());
    db::write(conn, |conn| {
        let me = principal.user.id;
        let resident = resident.unwrap_or(me);
        let (user, home_path) =
            accounts::with_home_path(conn, resident)?.ok_or(NeedError::UnknownResident)?;
        if resident != me {
            let staff = home_path
                .as_deref()
                .is_some_and(|p| is_need_staff(principal, p));
            if !staff && !proxies::may_act_for(conn, me, resident)? {
                return Err(NeedError::NoConsent);
            }
        }
        let category = categories::by_code(conn, &new.category_code)?
            .ok_or_else(|| NeedError::UnknownCategory(new.category_code.clone()))?;
        check_mode(&category, new.mode)?;
        let grid = new.grid_id.or(user.home_grid_id).ok_or(NeedError::NoGrid)?;
        let area = areas::get(conn, grid)?.ok_or(NeedError::NotAGrid(grid.0))?;
        if !accounts::is_grid(conn, grid)? {
            return Err(NeedError::NotAGrid(grid.0));
        }
        let address = match new.address.clone() {
            Some(address) => Some(address),
            None => residents::get(conn, resident)?.and_then(|p| p.address),
        };
        let id = store::insert(
            conn,
            &NewNeedRow {
                resident_id: resident.0,
                created_by: me.0,
                category_id: category.id.0,
                description: new.description.clone(),
                grid_id: grid.0,
                area_path: area.path.clone(),
                address,
                window_start: new.window_start,
                window_end: new.window_end,
                duration_minutes: new.duration_minutes,
                headcount: new.headcount,
                urgency: new.urgency.as_str(),
                mode: new.mode.as_str(),
                check_code: code.clone(),
                care_plan_id: None,
                preferred_helper_id: None,
                now,
            },
        )?;
        audit::store::record(
            conn,
            &NewAuditEvent {
                actor: Some(me),
                on_behalf_of: (resident != me).then_some(resident),
                action: "need.created",
                subject_type: "need",
                subject_id: id.0.to_string(),
                area: Some(grid),
                detail: serde_json::json!({"category": category.code}),
            },
            now,
        )?;
        store::get(conn, id)?.ok_or(NeedError::NotFound)
    })
}

/// Refuses a mode the category does not offer.
pub fn check_mode(category: &Category, mode: super::NeedMode) -> Result<(), NeedError> {
    let offered = match mode {
        super::NeedMode::Volunteer => category.mode.allows_volunteers(),
        super::NeedMode::Paid => category.mode.allows_paid(),
    };
    if offered {
        Ok(())
    } else {
        Err(NeedError::ModeNotOffered(mode.as_str()))
    }
}

/// A resident's contact, shown to those who may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// The resident's name.
    pub name: String,
    /// Their phone.
    pub phone: Option<String>,
    /// Where to go.
    pub address: Option<String>,
}

/// A need with everything its page shows, cut to what the caller may see.
#[derive(Debug, Clone)]
pub struct NeedDetails {
    /// The need.
    pub need: Need,
    /// Its category.
    pub category: Category,
    /// Its claims (helpers and staff see all; the resident sees those holding places).
    pub claims: Vec<Assignment>,
    /// Its disputes.
    pub disputes: Vec<Dispute>,
    /// The caller's own claim.
    pub my_claim: Option<Assignment>,
    /// The resident's contact, when the caller may see it.
    pub contact: Option<Contact>,
    /// Whether the caller may see the check code (the resident's side only).
    pub shows_code: bool,
    /// Whether the caller sees personal data (address).
    pub shows_personal_data: bool,
    /// True when the caller is a volunteer browsing a waiting need in their radius: they see
    /// no personal data and no claims.
    pub browsing: bool,
}

/// Reads a need. Helpers holding a place and staff see the resident's phone and address
/// only when they ask (`reveal`), and each reveal is audited; helpers only until their part
/// ends. Volunteers whose radius covers a waiting need see it without personal data.
pub async fn get(
    db: &Db,
    principal: Principal,
    id: NeedId,
    reveal: bool,
    now: NaiveDateTime,
) -> Result<NeedDetails, NeedError> {
    db.run(move |conn| get_on(conn, &principal, id, reveal, now))
        .await
}

/// [`get`] on a pooled connection the caller holds (e.g. right after [`create_on`], in the
/// same hop).
pub fn get_on(
    conn: &mut AnyConnection,
    principal: &Principal,
    id: NeedId,
    reveal: bool,
    now: NaiveDateTime,
) -> Result<NeedDetails, NeedError> {
    let need = store::get(conn, id)?.ok_or(NeedError::NotFound)?;
    let standing = standing(conn, principal, &need)?;
    let browsing = !standing.reaches()
        && need.status.is_claimable()
        && volunteer_covers(conn, principal, &need)?;
    if !standing.reaches() && !browsing {
        return Err(NeedError::NotFound);
    }
    let helper_now = standing
        .claim
        .as_ref()
        .is_some_and(|(a, _)| a.status.holds_place())
        && !need.status.is_terminal();
    let may_reveal = standing.staff || helper_now;
    let contact_shown = standing.resident_side || (reveal && may_reveal);
    let contact = if contact_shown {
        let resident = accounts::get(conn, need.resident_id)?;
        Some(Contact {
            name: resident
                .as_ref()
                .map(|u| u.display_name.clone())
                .unwrap_or_default(),
            phone: resident.and_then(|u| u.phone.map(|p| p.as_str().to_owned())),
            address: need.address.clone(),
        })
    } else {
        None
    };
    if contact_shown && !standing.resident_side {
        db::write(conn, |conn| {
            audit::store::record(
                conn,
                &NewAuditEvent {
                    actor: Some(principal.user.id),
                    on_behalf_of: None,
                    action: "personal_data.revealed",
                    subject_type: "need",
                    subject_id: need.id.0.to_string(),
                    area: Some(need.grid_id),
                    detail: serde_json::json!({
                        "fields": ["phone", "address"],
                        "as": if helper_now { "helper" } else { "staff" },
                    }),
                },
                now,
            )
        })?;
    }
    let category = categories::get(conn, need.category_id)?
        .ok_or_else(|| NeedError::UnknownCategory(need.category_id.0.to_string()))?;
    let mut claims = store::assignments(conn, need.id)?;
    if browsing {
        claims.clear();
    }
    let disputes = if standing.reaches() {
        store::disputes(conn, need.id)?
    } else {
        Vec::new()
    };
    Ok(NeedDetails {
        my_claim: standing.claim.map(|(a, _)| a),
        shows_code: standing.resident_side,
        shows_personal_data: contact_shown,
        browsing,
        need,
        category,
        claims,
        disputes,
        contact,
    })
}

/// Which needs a listing shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// My needs (as resident or poster).
    Mine,
    /// Waiting needs within my radius, as a volunteer.
    Open,
    /// Needs in the areas I am staff of.
    Area,
    /// Needs I claimed.
    Claimed,
}

/// Lists needs for the caller, newest first; only those with an open dispute when `disputed`
/// (staff find the disputes of their area so).
pub async fn list(
    db: &Db,
    principal: Principal,
    listing: Listing,
    statuses: Vec<&'static str>,
    disputed: bool,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Need>, NeedError> {
    db.run(move |conn| {
        let (scope, statuses) = match listing {
            Listing::Mine => (NeedScope::Own(principal.user.id), statuses),
            Listing::Claimed => (NeedScope::HelpedBy(principal.user.id), statuses),
            Listing::Open => {
                let prefix = volunteer_prefix(conn, &principal)?.ok_or(NeedError::NotVolunteer)?;
                let waiting = if statuses.is_empty() {
                    NeedStatus::CLAIMABLE.to_vec()
                } else {
                    statuses
                        .into_iter()
                        .filter(|s| NeedStatus::CLAIMABLE.contains(s))
                        .collect()
                };
                if waiting.is_empty() {
                    return Ok(Vec::new());
                }
                (NeedScope::Within(vec![prefix]), waiting)
            }
            Listing::Area => {
                let prefixes: Vec<String> = principal
                    .roles
                    .iter()
                    .filter(|r| {
                        crate::access::rules::STAFF_ROLES.contains(&r.role)
                            || r.role == Role::GridWorker
                    })
                    .map(|r| {
                        if r.role == Role::PlatformAdmin {
                            "/".to_owned()
                        } else {
                            r.area_path.clone()
                        }
                    })
                    .collect();
                (NeedScope::Within(prefixes), statuses)
            }
        };
        Ok(store::list(
            conn, &scope, &statuses, disputed, before, limit,
        )?)
    })
    .await
}

/// What an edit may change.
#[derive(Debug, Clone)]
pub struct NeedEdit {
    /// The new fields (checked again).
    pub fields: NeedFields,
    /// The new urgency.
    pub urgency: Urgency,
}

/// Locks a need the caller changes: 404 when out of reach, 403 unless they are the
/// resident's side or staff.
fn lock_for_change(
    conn: &mut AnyConnection,
    principal: &Principal,
    id: NeedId,
    now: NaiveDateTime,
) -> Result<Need, NeedError> {
    let need = store::lock(conn, id, now)?.ok_or(NeedError::NotFound)?;
    let standing = standing(conn, principal, &need)?;
    if !standing.reaches() {
        return Err(NeedError::NotFound);
    }
    if !standing.resident_side && !standing.staff {
        return Err(NeedError::NotAllowed);
    }
    Ok(need)
}

/// Edits a need while it is open, by the resident's side or staff.
pub async fn update(
    db: &Db,
    principal: Principal,
    id: NeedId,
    edit: NeedEdit,
    now: NaiveDateTime,
) -> Result<Need, NeedError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            let need = lock_for_change(conn, &principal, id, now)?;
            state_of(&need, &[]).apply(Action::Edit)?;
            let fields = rules::check_fields(&edit.fields, now).map_err(NeedError::Invalid)?;
            let changed = store::update_open(
                conn,
                id,
                &NeedChanges {
                    description: fields.description,
                    address: fields.address,
                    window_start: fields.window_start,
                    window_end: fields.window_end,
                    duration_minutes: fields.duration_minutes,
                    headcount: fields.headcount,
                    urgency: edit.urgency.as_str(),
                    updated_at: now,
                },
            )?;
            if !changed {
                return Err(Refusal::NotEditable.into());
            }
            store::get(conn, id)?.ok_or(NeedError::NotFound)
        })
    })
    .await
}

/// Cancels a need before anyone starts, with a reason; every claim is cancelled too. Audited.
pub async fn cancel(
    db: &Db,
    principal: Principal,
    id: NeedId,
    reason: String,
    now: NaiveDateTime,
) -> Result<Need, NeedError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            let need = lock_for_change(conn, &principal, id, now)?;
            let claims = store::assignments(conn, id)?;
            state_of(&need, &claims).apply(Action::Cancel)?;
            let helpers: Vec<UserId> = claims
                .iter()
                .filter(|a| a.status.holds_place())
                .map(|a| a.helper_id)
                .collect();
            store::set_cancelled(conn, id, &reason, now)?;
            audit::store::record(
                conn,
                &NewAuditEvent {
                    actor: Some(principal.user.id),
                    on_behalf_of: (principal.user.id != need.resident_id)
                        .then_some(need.resident_id),
                    action: "need.cancelled",
                    subject_type: "need",
                    subject_id: id.0.to_string(),
                    area: Some(need.grid_id),
                    detail: serde_json::json!({"status_before": need.status.as_str()}),
                },
                now,
            )?;
            let cancelled = store::get(conn, id)?.ok_or(NeedError::NotFound)?;
            publish_need_event(
                conn,
                now,
                &cancelled,
                Event::NeedCancelled,
                &helpers,
                serde_json::json!({}),
            )?;
            super::dispatch::withdraw_open(conn, id, now)?;
            Ok(cancelled)
        })
    })
    .await
}
