//! Across communities (通存通兑): points earned in one community are spent on a reward of
//! another community of the same street. The hold stays in the spender's community's escrow;
//! a capture takes it to that community's clearing account, and the rewarding community's
//! clearing account pays its redemption account. Each community's own accounts keep balancing,
//! its clearing balance is its position towards the others (positive: its people spent that
//! many points elsewhere; negative: it honoured that many points of other communities), and
//! the positions of a street always sum to zero.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::store::{self, account_for};
use super::{
    AccountKind, AccountOwner, Cause, Hold, HoldError, NewTransfer, Points, Resolution,
    TransferKind,
};
use crate::accounts::UserId;
use crate::areas::AreaId;
use crate::db::{AnyConnection, StoreError};
use crate::schema::{areas, ledger_accounts};

/// One community's clearing position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClearingPosition {
    /// The community.
    pub community: AreaId,
    /// Its street, the circle within which positions must sum to zero.
    pub street: Option<AreaId>,
    /// Its clearing balance: positive, its people spent that many points in other communities;
    /// negative, it honoured that many points earned elsewhere.
    pub position: Points,
}

/// The street of an area path (`/district/street/community/…`), where points are honoured
/// across communities.
pub fn street_of(path: &str) -> Option<AreaId> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .nth(1)
        .and_then(|id| id.parse().ok())
        .map(AreaId)
}

/// Streets whose positions do not sum to zero: points created or lost by clearing.
pub fn unbalanced_streets(positions: &[ClearingPosition]) -> Vec<AreaId> {
    let mut sums: BTreeMap<Option<AreaId>, i64> = BTreeMap::new();
    for p in positions {
        *sums.entry(p.street).or_default() += p.position.0;
    }
    sums.into_iter()
        .filter(|(_, sum)| *sum != 0)
        // A clearing account outside any street can only be a defect; it is shown as area 0.
        .map(|(street, _)| street.unwrap_or(AreaId(0)))
        .collect()
}

/// Captures `hold` for a reward of community `to`: straight to `to`'s redemption account when
/// the points are held there, else through the two communities' clearing accounts (two
/// transfers keyed from `key`, so a retry moves nothing twice). Runs inside the caller's
/// transaction.
pub fn capture(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    hold: &Hold,
    to: AreaId,
    key: String,
    actor: Option<UserId>,
) -> Result<Hold, HoldError> {
    let escrow = store::account(conn, hold.escrow)?.ok_or(HoldError::NotFound)?;
    let from = match escrow.owner {
        AccountOwner::System { community, .. } => community,
        AccountOwner::Person(_) | AccountOwner::Organization(_) => to,
    };
    let system = |community, kind| AccountOwner::System { community, kind };
    let sink = account_for(conn, system(to, AccountKind::Redemption), now)?;
    if from == to {
        return store::resolve_hold(conn, now, hold.id, Resolution::Capture(sink.id), key, actor);
    }
    let ours = account_for(conn, system(from, AccountKind::Clearing), now)?;
    let theirs = account_for(conn, system(to, AccountKind::Clearing), now)?;
    let captured = store::resolve_hold(
        conn,
        now,
        hold.id,
        Resolution::Capture(ours.id),
        key.clone(),
        actor,
    )?;
    store::post(
        conn,
        now,
        &NewTransfer {
            idempotency_key: format!("{key}:clearing"),
            kind: TransferKind::Clearing,
            debit: theirs.id,
            credit: sink.id,
            amount: hold.amount,
            cause: Cause::new("hold", hold.id.0),
            actor,
            memo: "points of another community of the street redeemed".to_owned(),
        },
    )?;
    Ok(captured)
}

/// Every community's clearing position, by community.
pub fn positions(conn: &mut AnyConnection) -> Result<Vec<ClearingPosition>, StoreError> {
    let rows: Vec<(Option<i64>, i64)> = ledger_accounts::table
        .filter(ledger_accounts::kind.eq(AccountKind::Clearing.as_str()))
        .order(ledger_accounts::community_id)
        .select((ledger_accounts::community_id, ledger_accounts::balance))
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().filter_map(|(c, _)| *c).collect();
    let paths: BTreeMap<i64, String> = areas::table
        .filter(areas::id.eq_any(&ids))
        .select((areas::id, areas::path))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|(community, balance)| {
            let community = community.unwrap_or(0);
            ClearingPosition {
                community: AreaId(community),
                street: paths.get(&community).and_then(|p| street_of(p)),
                position: Points(balance),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(community: i64, street: i64, position: i64) -> ClearingPosition {
        ClearingPosition {
            community: AreaId(community),
            street: Some(AreaId(street)),
            position: Points(position),
        }
    }

    #[test]
    fn the_street_is_the_second_level_of_a_path() {
        assert_eq!(street_of("/1/4/9/12/"), Some(AreaId(4)));
        assert_eq!(street_of("/1/4/"), Some(AreaId(4)));
        assert_eq!(street_of("/1/"), None);
    }

    #[test]
    fn a_street_whose_positions_do_not_cancel_is_named() {
        let balanced = [at(9, 4, 30), at(10, 4, -30), at(20, 5, 0)];
        assert!(unbalanced_streets(&balanced).is_empty());
        let broken = [at(9, 4, 30), at(10, 4, -20), at(20, 5, 7), at(21, 5, -7)];
        assert_eq!(unbalanced_streets(&broken), vec![AreaId(4)]);
    }
}
