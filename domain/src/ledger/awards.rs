//! Bulk awards: staff credit up to 1,000 people at once (an event, a season's thanks), all in
//! one write transaction — every line or none. Each line is a grant from the person's
//! community issuance account with its own key derived from the caller's, so a retry replays
//! the whole award and moves nothing; the lines are posted in sets, not one by one.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::bulk::{self, Grant};
use super::usecases::community_of;
use super::{
    AccountKind, AccountOwner, Cause, NewTransfer, Points, PostError, Transfer, TransferKind,
    rules, store,
};
use crate::access::Principal;
use crate::accounts::UserId;
use crate::audit::{self, NewAuditEvent};
use crate::db::{self, AnyConnection, Db, StoreError, TransactionError};
use crate::schema::{areas, users};

/// The most lines one award holds.
pub const MAX_LINES: usize = 1000;
/// The most points one line credits.
pub const MAX_POINTS: i64 = 1_000_000;

/// One line as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwardLine {
    /// Who receives.
    pub person: UserId,
    /// How many points.
    pub points: i64,
    /// Why (2–200 characters), shown on their statement.
    pub reason: String,
}

/// What is wrong with one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineProblem {
    /// Points outside 1..=1,000,000.
    PointsOutOfRange,
    /// The reason is not 2–200 characters.
    ReasonLength,
    /// No such person in a community the caller is staff of.
    PersonNotFound,
}

impl LineProblem {
    /// The field of the line it concerns.
    pub fn field(self) -> &'static str {
        match self {
            Self::PointsOutOfRange => "points",
            Self::ReasonLength => "reason",
            Self::PersonNotFound => "user_id",
        }
    }

    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::PointsOutOfRange => "points_out_of_range",
            Self::ReasonLength => "invalid_length",
            Self::PersonNotFound => "person_not_found",
        }
    }
}

/// Why an award did not go through; nothing moved.
#[derive(Debug, thiserror::Error)]
pub enum AwardError {
    /// No lines, or more than [`MAX_LINES`].
    #[error("an award holds 1–1000 lines")]
    LineCount,
    /// Lines that break a rule, by index.
    #[error("{} line(s) are invalid", .0.len())]
    Lines(Vec<(usize, LineProblem)>),
    /// The ledger refused (the same key for another award).
    #[error(transparent)]
    Refused(#[from] PostError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for AwardError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

impl TransactionError for AwardError {
    fn as_diesel(&self) -> Option<&diesel::result::Error> {
        match self {
            Self::Store(e) => e.as_diesel(),
            Self::Refused(e) => e.as_diesel(),
            Self::LineCount | Self::Lines(_) => None,
        }
    }
}

/// The problems of lines that need no store, by index.
pub fn check_lines(lines: &[AwardLine]) -> Result<(), AwardError> {
    if lines.is_empty() || lines.len() > MAX_LINES {
        return Err(AwardError::LineCount);
    }
    let mut problems = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if !(1..=MAX_POINTS).contains(&line.points) {
            problems.push((i, LineProblem::PointsOutOfRange));
        }
        let n = line.reason.trim().chars().count();
        if !(2..=200).contains(&n) {
            problems.push((i, LineProblem::ReasonLength));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(AwardError::Lines(problems))
    }
}

/// The outcome: how many lines, how many points, and whether it was a replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Awarded {
    /// Lines credited.
    pub lines: usize,
    /// Points credited in all.
    pub points: i64,
    /// True when the key was used before for this award: nothing moved this time.
    pub replayed: bool,
}

/// Credits every line from the person's community issuance account, or none; audited once.
/// The reach of every line is read in one query and the grants are posted in sets
/// ([`bulk::post_grants`]); a retry with the key finds every line posted and moves nothing.
pub async fn award_bulk(
    db: &Db,
    principal: Principal,
    lines: Vec<AwardLine>,
    key: String,
    now: NaiveDateTime,
) -> Result<Awarded, AwardError> {
    check_lines(&lines)?;
    let staff = principal.user.id;
    db.run(move |conn| {
        db::write(conn, |conn| {
            let ids: Vec<i64> = lines.iter().map(|l| l.person.0).collect();
            let homes: BTreeMap<i64, String> = users::table
                .inner_join(areas::table)
                .filter(users::id.eq_any(&ids))
                .select((users::id, areas::path))
                .load::<(i64, String)>(conn)?
                .into_iter()
                .collect();
            let mut problems = Vec::new();
            let mut grants = Vec::with_capacity(lines.len());
            for (i, line) in lines.iter().enumerate() {
                let reach = homes
                    .get(&line.person.0)
                    .filter(|p| principal.is_staff_over(p))
                    .and_then(|p| community_of(p));
                match reach {
                    Some(community) => grants.push(Grant {
                        key: format!("user:{}:{key}:{i}", staff.0),
                        person: line.person,
                        community,
                        points: line.points,
                        memo: line.reason.trim().to_owned(),
                    }),
                    None => problems.push((i, LineProblem::PersonNotFound)),
                }
            }
            if !problems.is_empty() {
                return Err(AwardError::Lines(problems));
            }
            let cause = format!("{}:{key}", staff.0);
            let total: i64 = lines.iter().map(|l| l.points).sum();
            let keys: Vec<String> = grants.iter().map(|g| g.key.clone()).collect();
            let posted = store::by_keys(conn, &keys)?;
            if !posted.is_empty() {
                if posted.len() != grants.len() || !same_award(conn, &grants, &posted, &cause, now)?
                {
                    // The key was used for another award.
                    return Err(AwardError::Refused(PostError::KeyReused));
                }
                return Ok(Awarded {
                    lines: lines.len(),
                    points: total,
                    replayed: true,
                });
            }
            bulk::post_grants(conn, now, &grants, &cause, staff)?;
            audit::store::record(
                conn,
                &NewAuditEvent {
                    actor: Some(staff),
                    on_behalf_of: None,
                    action: "points.awarded",
                    subject_type: "award",
                    subject_id: key.clone(),
                    area: grants.first().map(|g| g.community),
                    detail: serde_json::json!({"lines": lines.len(), "points": total}),
                },
                now,
            )?;
            Ok(Awarded {
                lines: lines.len(),
                points: total,
                replayed: false,
            })
        })
    })
    .await
}

/// Whether `posted` are exactly the grants asked again (a retry), line by line.
fn same_award(
    conn: &mut AnyConnection,
    grants: &[Grant],
    posted: &[Transfer],
    cause: &str,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let by_key: BTreeMap<&str, &Transfer> = posted
        .iter()
        .map(|t| (t.idempotency_key.as_str(), t))
        .collect();
    for grant in grants {
        let Some(stored) = by_key.get(grant.key.as_str()) else {
            return Ok(false);
        };
        let issuance = store::account_for(
            conn,
            AccountOwner::System {
                community: grant.community,
                kind: AccountKind::Issuance,
            },
            now,
        )?;
        let to = store::account_for(conn, AccountOwner::Person(grant.person), now)?;
        let asked = NewTransfer {
            idempotency_key: grant.key.clone(),
            kind: TransferKind::Grant,
            debit: issuance.id,
            credit: to.id,
            amount: Points(grant.points),
            cause: Cause::new("award", cause),
            actor: None,
            memo: grant.memo.clone(),
        };
        if !rules::is_same_movement(stored, &asked) {
            return Ok(false);
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(points: i64, reason: &str) -> AwardLine {
        AwardLine {
            person: UserId(1),
            points,
            reason: reason.into(),
        }
    }

    #[test]
    fn every_bad_line_is_reported_by_index() {
        assert!(matches!(check_lines(&[]), Err(AwardError::LineCount)));
        assert!(check_lines(&[line(10, "重阳节活动")]).is_ok());
        let Err(AwardError::Lines(problems)) =
            check_lines(&[line(10, "ok"), line(0, "ok"), line(-5, "x")])
        else {
            panic!("refused");
        };
        assert_eq!(
            problems,
            vec![
                (1, LineProblem::PointsOutOfRange),
                (2, LineProblem::PointsOutOfRange),
                (2, LineProblem::ReasonLength),
            ]
        );
        let many = vec![line(1, "ok"); MAX_LINES + 1];
        assert!(matches!(check_lines(&many), Err(AwardError::LineCount)));
    }
}
