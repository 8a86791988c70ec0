//! Facts for matching, read with a fixed number of set-based queries whatever the number of
//! volunteers: one per kind of fact (profiles, skills, slots, credentials, claim outcomes),
//! never one per volunteer.

use std::collections::HashMap;

use chrono::{NaiveDateTime, TimeDelta};
use chrono_tz::Tz;
use diesel::prelude::*;

use super::{CandidateFacts, NeedFacts, TrackRecord};
use crate::access::Role;
use crate::categories::Category;
use crate::categories::store as categories;
use crate::db::{AnyConnection, StoreError};
use crate::needs::{AssignmentStatus, Need, NeedId, store as needs_store};
use crate::schema::{
    areas, availability_slots, credentials, matching_generation, need_assignments, needs,
    role_grants, skills, users, volunteer_profiles, volunteer_skills,
};
use crate::volunteers::{CredentialKind, ServiceRadius, WeeklySlot};

/// How far back recent load (fairness) looks.
pub const RECENT_DAYS: i64 = 14;

/// The counter the migrations' triggers move with every change to indexed facts.
pub fn generation(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(matching_generation::table
        .find(1)
        .select(matching_generation::generation)
        .first(conn)?)
}

/// A volunteer as matching keeps them: the profile facts, plus what is judged at request
/// time (credential expiry, the sliding window of recent load).
#[derive(Debug, Clone)]
pub struct StoredCandidate {
    /// Profile facts; `recent_minutes` and `times_helped_resident` are left at zero.
    pub facts: CandidateFacts,
    /// Credentials staff checked, with their expiry.
    pub credentials: Vec<(CredentialKind, Option<NaiveDateTime>)>,
    /// Check-outs since the load began: when, and minutes credited.
    pub recent: Vec<(NaiveDateTime, u32)>,
}

impl StoredCandidate {
    /// True when every credential `required` is held valid at `now` (the category gate).
    pub fn holds_valid(&self, required: &[CredentialKind], now: NaiveDateTime) -> bool {
        required.iter().all(|kind| {
            self.credentials
                .iter()
                .any(|(held, expires)| held == kind && expires.is_none_or(|at| at > now))
        })
    }

    /// Minutes of help checked out within [`RECENT_DAYS`] before `now`.
    pub fn recent_minutes(&self, now: NaiveDateTime) -> u32 {
        let since = now - TimeDelta::days(RECENT_DAYS);
        self.recent
            .iter()
            .filter(|(at, _)| *at >= since)
            .fold(0u32, |sum, (_, minutes)| sum.saturating_add(*minutes))
    }
}

/// `users.id` of everyone whose home grid lies under the path pattern.
macro_rules! homes_like {
    ($pattern:expr) => {
        users::table
            .inner_join(areas::table)
            .filter(areas::path.like($pattern))
            .select(users::id)
    };
}

/// Every verified, active volunteer whose home grid lies under `prefix` (`/` for all), with
/// check-outs since `since`; ordered by id.
pub fn candidates_within(
    conn: &mut AnyConnection,
    prefix: &str,
    since: NaiveDateTime,
) -> Result<Vec<StoredCandidate>, StoreError> {
    let pattern = format!("{prefix}%");
    let volunteers_role = role_grants::table
        .filter(role_grants::role.eq(Role::Volunteer.as_str()))
        .filter(role_grants::revoked_at.is_null())
        .select(role_grants::user_id);
    let base: Vec<(i64, String, String)> = users::table
        .inner_join(areas::table)
        .inner_join(volunteer_profiles::table.on(volunteer_profiles::user_id.eq(users::id)))
        .filter(areas::path.like(pattern.clone()))
        .filter(users::status.eq("active"))
        .filter(volunteer_profiles::real_name_verified_at.is_not_null())
        .filter(users::id.eq_any(volunteers_role))
        .order(users::id.asc())
        .select((users::id, volunteer_profiles::service_radius, areas::path))
        .load(conn)?;
    let mut at: HashMap<i64, usize> = HashMap::with_capacity(base.len());
    let mut out: Vec<StoredCandidate> = Vec::with_capacity(base.len());
    for (id, radius, path) in base {
        let Some(service_radius) = ServiceRadius::parse(&radius) else {
            continue;
        };
        at.insert(id, out.len());
        out.push(StoredCandidate {
            facts: CandidateFacts {
                volunteer_id: id,
                skills: Vec::new(),
                home_grid_path: path,
                service_radius,
                availability: Vec::new(),
                track_record: TrackRecord::default(),
                recent_minutes: 0,
                times_helped_resident: 0,
            },
            credentials: Vec::new(),
            recent: Vec::new(),
        });
    }
    let skill_rows: Vec<(i64, String)> = volunteer_skills::table
        .filter(volunteer_skills::user_id.eq_any(homes_like!(pattern.clone())))
        .order((volunteer_skills::user_id, volunteer_skills::skill_code))
        .select((volunteer_skills::user_id, volunteer_skills::skill_code))
        .load(conn)?;
    for (id, code) in skill_rows {
        if let Some(&i) = at.get(&id) {
            out[i].facts.skills.push(code);
        }
    }
    let slot_rows: Vec<(i64, i32, i32, i32)> = availability_slots::table
        .filter(availability_slots::user_id.eq_any(homes_like!(pattern.clone())))
        .order((
            availability_slots::user_id,
            availability_slots::weekday,
            availability_slots::start_minute,
        ))
        .select((
            availability_slots::user_id,
            availability_slots::weekday,
            availability_slots::start_minute,
            availability_slots::end_minute,
        ))
        .load(conn)?;
    for (id, weekday, start_minute, end_minute) in slot_rows {
        if let Some(&i) = at.get(&id) {
            out[i].facts.availability.push(WeeklySlot {
                weekday,
                start_minute,
                end_minute,
            });
        }
    }
    let credential_rows: Vec<(i64, String, Option<NaiveDateTime>)> = credentials::table
        .filter(credentials::user_id.eq_any(homes_like!(pattern.clone())))
        .filter(credentials::verified_at.is_not_null())
        .select((
            credentials::user_id,
            credentials::kind,
            credentials::expires_at,
        ))
        .load(conn)?;
    for (id, kind, expires) in credential_rows {
        if let (Some(&i), Some(kind)) = (at.get(&id), CredentialKind::parse(&kind)) {
            out[i].credentials.push((kind, expires));
        }
    }
    let outcome_rows: Vec<OutcomeRow> = need_assignments::table
        .filter(need_assignments::helper_id.eq_any(homes_like!(pattern)))
        .filter(
            need_assignments::completed
                .eq(true)
                .or(need_assignments::status.eq(AssignmentStatus::NoShow.as_str()))
                .or(need_assignments::rating.is_not_null())
                .or(need_assignments::checked_out_at.ge(since)),
        )
        .select((
            need_assignments::helper_id,
            need_assignments::status,
            need_assignments::completed,
            need_assignments::rating,
            need_assignments::minutes,
            need_assignments::checked_out_at,
        ))
        .load(conn)?;
    for row in outcome_rows {
        if let Some(&i) = at.get(&row.0) {
            add_outcome(&mut out[i], &row, since);
        }
    }
    Ok(out)
}

/// helper, status, completed, rating, minutes, checked out at.
type OutcomeRow = (
    i64,
    String,
    bool,
    Option<i32>,
    Option<i32>,
    Option<NaiveDateTime>,
);

fn add_outcome(candidate: &mut StoredCandidate, row: &OutcomeRow, since: NaiveDateTime) {
    let (_, status, completed, rating, minutes, checked_out_at) = row;
    let record = &mut candidate.facts.track_record;
    if *completed {
        record.completed += 1;
    }
    if status == AssignmentStatus::NoShow.as_str() {
        record.no_shows += 1;
    }
    if let Some(rating) = rating.and_then(|r| u32::try_from(r).ok()) {
        record.rating_sum += rating;
        record.rating_count += 1;
    }
    if status == AssignmentStatus::CheckedOut.as_str()
        && let (Some(at), Some(minutes)) = (checked_out_at, minutes)
        && *at >= since
    {
        candidate
            .recent
            .push((*at, u32::try_from(*minutes).unwrap_or(0)));
    }
}

/// A need as matching sees it, with the per-need facts read at request time.
#[derive(Debug, Clone)]
pub struct NeedContext {
    /// The need.
    pub need: Need,
    /// Its category (mode and safeguarding gate).
    pub category: Category,
    /// Scoring facts, the window in the display zone.
    pub facts: NeedFacts,
    /// Who may not be asked: the resident's side, anyone with a claim on it, anyone holding a
    /// place on another need at the same time. Sorted.
    pub excluded: Vec<i64>,
    /// Completed visits to this need's resident, per helper.
    pub helped: HashMap<i64, u32>,
}

/// The need and its per-need facts; `None` when there is no such need.
pub fn need_context(
    conn: &mut AnyConnection,
    id: NeedId,
    zone: Tz,
) -> Result<Option<NeedContext>, StoreError> {
    let Some(need) = needs_store::get(conn, id)? else {
        return Ok(None);
    };
    let Some(category) = categories::get(conn, need.category_id)? else {
        return Ok(None);
    };
    let is_skill: Option<String> = skills::table
        .find(&category.code)
        .select(skills::code)
        .first(conn)
        .optional()?;
    let mut excluded: Vec<i64> = need_assignments::table
        .filter(need_assignments::need_id.eq(id.0))
        .select(need_assignments::helper_id)
        .load(conn)?;
    let overlapping = needs::table
        .filter(needs::id.ne(id.0))
        .filter(needs::window_start.lt(need.window_end))
        .filter(needs::window_end.gt(need.window_start))
        .select(needs::id);
    excluded.extend(
        need_assignments::table
            .filter(need_assignments::need_id.eq_any(overlapping))
            .filter(need_assignments::status.eq_any(HOLDS_PLACE))
            .select(need_assignments::helper_id)
            .load::<i64>(conn)?,
    );
    excluded.extend([need.resident_id.0, need.created_by.0]);
    excluded.sort_unstable();
    excluded.dedup();
    let helped = helped_resident(conn, need.resident_id.0)?;
    let local = |at: NaiveDateTime| at.and_utc().with_timezone(&zone).naive_local();
    let facts = NeedFacts {
        required_skills: is_skill.into_iter().collect(),
        grid_path: need.area_path.clone(),
        window_start: local(need.window_start),
        window_end: local(need.window_end),
        resident_id: need.resident_id.0,
        preferred_helper: need.preferred_helper_id.map(|u| u.0),
    };
    Ok(Some(NeedContext {
        need,
        category,
        facts,
        excluded,
        helped,
    }))
}

/// Assignment statuses that hold a place on a need.
const HOLDS_PLACE: [&str; 2] = ["assigned", "checked_in"];

/// Completed visits to `resident`, per helper.
pub fn helped_resident(
    conn: &mut AnyConnection,
    resident: i64,
) -> Result<HashMap<i64, u32>, StoreError> {
    let theirs = needs::table
        .filter(needs::resident_id.eq(resident))
        .select(needs::id);
    let helpers: Vec<i64> = need_assignments::table
        .filter(need_assignments::need_id.eq_any(theirs))
        .filter(need_assignments::completed.eq(true))
        .select(need_assignments::helper_id)
        .load(conn)?;
    let mut helped = HashMap::new();
    for helper in helpers {
        *helped.entry(helper).or_insert(0) += 1;
    }
    Ok(helped)
}
