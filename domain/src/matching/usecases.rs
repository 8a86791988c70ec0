//! Matching use cases: ranked candidates for a need (staff dispatching) and needs recommended
//! to a volunteer. Access follows the needs' rules: staff and grid workers over the need's
//! area see its candidates; a verified volunteer sees open needs their radius covers.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use chrono_tz::Tz;
use diesel::prelude::*;

use super::index::CandidateIndex;
use super::rules::{self, Live};
use super::store::{self, NeedContext, RECENT_DAYS};
use super::{CandidateFacts, NeedFacts, Ranked, Score};
use crate::access::Principal;
use crate::categories::rules::volunteer_gate;
use crate::categories::store as categories;
use crate::db::{AnyConnection, Db, StoreError};
use crate::needs::posting::{is_need_staff, standing, volunteer_prefix};
use crate::needs::store::{self as needs_store, NeedScope};
use crate::needs::{Need, NeedId, NeedMode, NeedStatus};
use crate::schema::{need_assignments, needs};
use crate::volunteers::store as volunteers;

/// Why candidates or recommendations were not given.
#[derive(Debug, thiserror::Error)]
pub enum MatchingError {
    /// No such need within the caller's reach.
    #[error("no such need")]
    NotFound,
    /// The caller sees the need but may not dispatch it.
    #[error("only staff and grid workers of the need's area see its candidates")]
    NotAllowed,
    /// The need takes no more helpers.
    #[error("the need is closed to new helpers")]
    Closed,
    /// Paid needs go to providers, not volunteers.
    #[error("paid needs are not matched to volunteers")]
    PaidNeed,
    /// Recommendations are for verified volunteers.
    #[error("only verified volunteers get recommended needs")]
    NotVolunteer,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Statuses in which staff may still look for helpers (the waitlist included).
const SEEKING: [NeedStatus; 3] = [
    NeedStatus::Open,
    NeedStatus::PartiallyAssigned,
    NeedStatus::Assigned,
];

/// Reads the need's context and checks the caller may see its candidates.
fn checked_context(
    conn: &mut AnyConnection,
    principal: &Principal,
    id: NeedId,
    zone: Tz,
) -> Result<NeedContext, MatchingError> {
    let context = store::need_context(conn, id, zone)?.ok_or(MatchingError::NotFound)?;
    let need = &context.need;
    if !is_need_staff(principal, &need.area_path) {
        return Err(if standing(conn, principal, need)?.reaches() {
            MatchingError::NotAllowed
        } else {
            MatchingError::NotFound
        });
    }
    if need.mode == NeedMode::Paid {
        return Err(MatchingError::PaidNeed);
    }
    if !SEEKING.contains(&need.status) {
        return Err(MatchingError::Closed);
    }
    Ok(context)
}

/// The best `limit` volunteers for a need, best first, each with the parts of their score,
/// from the in-memory index (rebuilt first when the store has changed since it was built).
pub async fn need_candidates(
    db: &Db,
    index: &CandidateIndex,
    principal: Principal,
    id: NeedId,
    limit: usize,
    zone: Tz,
    now: NaiveDateTime,
) -> Result<Vec<Ranked>, MatchingError> {
    let (generation, context) = db
        .run(move |conn| {
            let generation = store::generation(conn)?;
            Ok::<_, MatchingError>((generation, checked_context(conn, &principal, id, zone)?))
        })
        .await?;
    if !context.category.mode.allows_volunteers() {
        return Ok(Vec::new());
    }
    let snapshot = index.at_least(db, generation, now).await?;
    Ok(snapshot.rank(&context, limit, now))
}

/// The same ranking as [`need_candidates`], computed straight from the store for the need's
/// street: the reference the index is checked against, and the baseline it is measured by.
pub async fn need_candidates_from_store(
    db: &Db,
    principal: Principal,
    id: NeedId,
    limit: usize,
    zone: Tz,
    now: NaiveDateTime,
) -> Result<Vec<Ranked>, MatchingError> {
    db.run(move |conn| {
        let context = checked_context(conn, &principal, id, zone)?;
        if !context.category.mode.allows_volunteers() {
            return Ok(Vec::new());
        }
        let street = crate::needs::rules::radius_prefix(
            &context.facts.grid_path,
            crate::volunteers::ServiceRadius::Street,
        );
        let since = now - chrono::TimeDelta::days(RECENT_DAYS);
        let required = &context.category.safeguarding.required_credentials;
        let candidates: Vec<CandidateFacts> = store::candidates_within(conn, &street, since)?
            .into_iter()
            .filter(|c| {
                context
                    .excluded
                    .binary_search(&c.facts.volunteer_id)
                    .is_err()
            })
            .filter(|c| c.holds_valid(required, now))
            .map(|c| {
                let recent_minutes = c.recent_minutes(now);
                let helped = context.helped.get(&c.facts.volunteer_id).copied();
                CandidateFacts {
                    recent_minutes,
                    times_helped_resident: helped.unwrap_or(0),
                    ..c.facts
                }
            })
            .collect();
        Ok(rules::rank(&context.facts, &candidates, limit))
    })
    .await
}

/// A need recommended to a volunteer, with the volunteer's score for it.
#[derive(Debug, Clone)]
pub struct Recommended {
    /// The need (shown without personal data).
    pub need: Need,
    /// Levels between the need's grid and the volunteer's home grid.
    pub distance: u32,
    /// The volunteer's score for it, with its parts.
    pub score: Score,
}

/// How many waiting needs within a radius are scored for one recommendation list.
const RECOMMENDATION_POOL: i64 = 500;

/// Open volunteer needs within the caller's radius that they may claim now (the category's
/// gate passed, not their own, not already claimed, no clash with a place they hold), best
/// first by the caller's score.
pub async fn recommended_needs(
    db: &Db,
    principal: Principal,
    limit: usize,
    zone: Tz,
    now: NaiveDateTime,
) -> Result<Vec<Recommended>, MatchingError> {
    db.run(move |conn| {
        let me = principal.user.id;
        let prefix = volunteer_prefix(conn, &principal)?.ok_or(MatchingError::NotVolunteer)?;
        let profile = volunteers::get(conn, me)?.ok_or(MatchingError::NotVolunteer)?;
        if profile.verified_at.is_none() {
            return Err(MatchingError::NotVolunteer);
        }
        let since = now - chrono::TimeDelta::days(RECENT_DAYS);
        let home = prefix_of_home(conn, me)?;
        let Some(mine) = store::candidates_within(conn, &home, since)?
            .into_iter()
            .find(|c| c.facts.volunteer_id == me.0)
        else {
            return Err(MatchingError::NotVolunteer);
        };
        let waiting = needs_store::list(
            conn,
            &NeedScope::Within(vec![prefix]),
            &NeedStatus::CLAIMABLE,
            false,
            None,
            RECOMMENDATION_POOL,
        )?;
        let categories: HashMap<i64, _> = categories::list(conn)?
            .into_iter()
            .map(|c| (c.id.0, c))
            .collect();
        let claimed: Vec<i64> = need_assignments::table
            .filter(need_assignments::helper_id.eq(me.0))
            .select(need_assignments::need_id)
            .load(conn)
            .map_err(StoreError::from)?;
        let held = held_windows(conn, me.0)?;
        let visits = visits_by_resident(conn, me.0)?;
        let skills = skill_codes(conn)?;
        let local = |at: NaiveDateTime| at.and_utc().with_timezone(&zone).naive_local();
        let mut found: Vec<Recommended> = waiting
            .into_iter()
            .filter(|need| need.mode == NeedMode::Volunteer && need.window_end > now)
            .filter(|need| need.resident_id != me && need.created_by != me)
            .filter(|need| !claimed.contains(&need.id.0))
            .filter(|need| {
                !held.iter().any(|(id, start, end)| {
                    *id != need.id.0 && *start < need.window_end && *end > need.window_start
                })
            })
            .filter_map(|need| {
                let category = categories.get(&need.category_id.0)?;
                volunteer_gate(category, &profile, now).ok()?;
                let facts = NeedFacts {
                    required_skills: skills
                        .iter()
                        .filter(|s| **s == category.code)
                        .cloned()
                        .collect(),
                    grid_path: need.area_path.clone(),
                    window_start: local(need.window_start),
                    window_end: local(need.window_end),
                    resident_id: need.resident_id.0,
                    preferred_helper: need.preferred_helper_id.map(|u| u.0),
                };
                let live = Live {
                    recent_minutes: mine.recent_minutes(now),
                    times_helped_resident: visits.get(&need.resident_id.0).copied().unwrap_or(0),
                };
                let ranked = rules::rank_live(&facts, [(&mine.facts, live)], 1);
                let best = ranked.into_iter().next()?;
                Some(Recommended {
                    need,
                    distance: best.distance,
                    score: best.score,
                })
            })
            .collect();
        found.sort_by(|a, b| {
            b.score
                .total
                .cmp(&a.score.total)
                .then(a.need.window_start.cmp(&b.need.window_start))
                .then(a.need.id.0.cmp(&b.need.id.0))
        });
        found.truncate(limit);
        Ok(found)
    })
    .await
}

/// The caller's home grid path, as a prefix that loads only them and their grid neighbours.
fn prefix_of_home(
    conn: &mut AnyConnection,
    me: crate::accounts::UserId,
) -> Result<String, MatchingError> {
    crate::accounts::store::with_home_path(conn, me)?
        .and_then(|(_, path)| path)
        .ok_or(MatchingError::NotVolunteer)
}

/// Windows of needs on which `helper` holds a place: (need, start, end).
fn held_windows(
    conn: &mut AnyConnection,
    helper: i64,
) -> Result<Vec<(i64, NaiveDateTime, NaiveDateTime)>, StoreError> {
    let holding = need_assignments::table
        .filter(need_assignments::helper_id.eq(helper))
        .filter(need_assignments::status.eq_any(["assigned", "checked_in"]))
        .select(need_assignments::need_id);
    Ok(needs::table
        .filter(needs::id.eq_any(holding))
        .select((needs::id, needs::window_start, needs::window_end))
        .load(conn)?)
}

/// Completed visits by `helper`, per resident.
fn visits_by_resident(
    conn: &mut AnyConnection,
    helper: i64,
) -> Result<HashMap<i64, u32>, StoreError> {
    let done = need_assignments::table
        .filter(need_assignments::helper_id.eq(helper))
        .filter(need_assignments::completed.eq(true))
        .select(need_assignments::need_id);
    let residents: Vec<i64> = needs::table
        .filter(needs::id.eq_any(done))
        .select(needs::resident_id)
        .load(conn)?;
    let mut visits = HashMap::new();
    for resident in residents {
        *visits.entry(resident).or_insert(0) += 1;
    }
    Ok(visits)
}

/// Every skill code, so a category whose code names a skill asks for it.
fn skill_codes(conn: &mut AnyConnection) -> Result<Vec<String>, StoreError> {
    Ok(volunteers::skill_codes(conn)?
        .into_iter()
        .map(|(code, _, _)| code)
        .collect())
}
