//! Settling clearing positions (通存通兑结算): a street admin brings every clearing position of
//! the street's communities back to zero.
//!
//! Positions arise in [`super::clearing::capture`]: a community whose people redeemed points in
//! another community of the street holds them in its clearing account (positive), the
//! rewarding community's clearing account paid its redemption account (negative), and a
//! street's positions always sum to zero. Settling posts one transfer per community with a
//! position, between its clearing account and the street's own clearing account (a system
//! account of the street): a positive position pays the street, a negative one is paid by it.
//! Because the positions sum to zero, the street's account ends at zero too: every transfer
//! goes through [`super::store::post`], so each balances, and no point is created or lost.
//!
//! The settlement is one row, keyed by the admin's `Idempotency-Key` (a retry replays it), and
//! its transfers carry it as their cause and are keyed by it and the community, so nothing is
//! posted twice; it is audited. On PostgreSQL the street's clearing account row is locked first,
//! so two settlements of one street run one after the other and the second finds nothing left
//! (an SQLite write transaction holds the write lock from its start).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::store::{self, account_for};
use super::{
    AccountKind, AccountOwner, Cause, NewTransfer, Points, PostError, Transfer, TransferKind,
};
use crate::access::{Principal, Role};
use crate::accounts::UserId;
use crate::areas::store as areas;
use crate::areas::{AreaId, AreaLevel};
use crate::audit::{self, NewAuditEvent};
use crate::db::{self, AnyConnection, Db, StoreError, TransactionError};
use crate::schema::{self, clearing_settlements, ledger_accounts, ledger_transfers};

/// A settlement of a street's clearing positions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    /// Its id.
    pub id: i64,
    /// The street.
    pub street: AreaId,
    /// Who settled.
    pub settled_by: UserId,
    /// Communities whose position moved.
    pub communities: i32,
    /// Points moved in all (the sum of the positive positions, which equals the negative ones).
    pub points: Points,
    /// When.
    pub created_at: NaiveDateTime,
    /// One transfer per community with a position, oldest first.
    pub transfers: Vec<Transfer>,
}

/// Why a settlement did not go through; nothing moved.
#[derive(Debug, thiserror::Error)]
pub enum SettlementError {
    /// No such area.
    #[error("no such street")]
    NotFound,
    /// The area is not a street.
    #[error("positions are settled per street")]
    NotAStreet,
    /// Only street admins over the street (or platform admins) settle it.
    #[error("only the street's admins settle its clearing positions")]
    Forbidden,
    /// The key was used for a settlement of another street.
    #[error("the idempotency key was used for a different request")]
    KeyReused,
    /// The ledger refused a transfer.
    #[error(transparent)]
    Refused(#[from] PostError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for SettlementError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

impl TransactionError for SettlementError {
    fn as_diesel(&self) -> Option<&diesel::result::Error> {
        match self {
            Self::Store(e) => e.as_diesel(),
            Self::Refused(e) => e.as_diesel(),
            Self::NotFound | Self::NotAStreet | Self::Forbidden | Self::KeyReused => None,
        }
    }
}

/// A settlement, and whether this request made it (false: a retry replayed it).
pub type Settled = (Settlement, bool);

/// Settles every clearing position of the communities of `street`, once per `key`.
pub async fn settle_street(
    db: &Db,
    principal: Principal,
    street: AreaId,
    key: String,
    now: NaiveDateTime,
) -> Result<Settled, SettlementError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            let area = areas::get(conn, street)?.ok_or(SettlementError::NotFound)?;
            if !principal.holds_any(&[Role::StreetAdmin, Role::PlatformAdmin], &area.path) {
                return Err(SettlementError::Forbidden);
            }
            if area.level != AreaLevel::Street {
                return Err(SettlementError::NotAStreet);
            }
            let actor = principal.user.id;
            let ours = AccountOwner::System {
                community: street,
                kind: AccountKind::Clearing,
            };
            let hub = account_for(conn, ours, now)?;
            // Locked before the key is looked up: a concurrent retry waits here for the first
            // request to commit, then replays it.
            lock_account(conn, hub.id.0)?;
            let scoped = format!("user:{}:{key}", actor.0);
            if let Some(done) = find(conn, Lookup::Key(&scoped))? {
                return if done.street == street {
                    Ok((done, false))
                } else {
                    Err(SettlementError::KeyReused)
                };
            }
            let positions = community_positions(conn, &area.path, street)?;
            let points: i64 = positions.iter().map(|(_, _, p)| p.max(&0)).sum();
            let communities = i32::try_from(positions.len()).unwrap_or(i32::MAX);
            let id = insert(conn, street, &scoped, actor, communities, points, now)?;
            for (community, account, position) in &positions {
                let (debit, credit) = if *position > 0 {
                    (*account, hub.id)
                } else {
                    (hub.id, *account)
                };
                store::post(
                    conn,
                    now,
                    &NewTransfer {
                        idempotency_key: format!("clearing-settlement:{id}:{}", community.0),
                        kind: TransferKind::Clearing,
                        debit,
                        credit,
                        amount: Points(position.abs()),
                        cause: Cause::new("clearing_settlement", id),
                        actor: Some(actor),
                        memo: "clearing position settled with the street".to_owned(),
                    },
                )?;
            }
            let detail = serde_json::json!({
                "settlement_id": id,
                "points": points,
                "positions": positions
                    .iter()
                    .map(|(c, _, p)| serde_json::json!({"community_id": c.0, "position": p}))
                    .collect::<Vec<_>>(),
            });
            audit::store::record(
                conn,
                &NewAuditEvent {
                    actor: Some(actor),
                    on_behalf_of: None,
                    action: "ledger.clearing_settled",
                    subject_type: "area",
                    subject_id: street.0.to_string(),
                    area: Some(street),
                    detail,
                },
                now,
            )?;
            let done = find(conn, Lookup::Id(id))?.ok_or(SettlementError::NotFound)?;
            Ok((done, true))
        })
    })
    .await
}

/// The communities of the street at `path` whose clearing position is not zero, with their
/// clearing account and position, by community.
fn community_positions(
    conn: &mut AnyConnection,
    path: &str,
    street: AreaId,
) -> Result<Vec<(AreaId, super::AccountId, i64)>, StoreError> {
    let communities: Vec<i64> = schema::areas::table
        .filter(schema::areas::path.like(format!("{path}%")))
        .filter(schema::areas::level.eq(AreaLevel::Community.as_str()))
        .filter(schema::areas::id.ne(street.0))
        .select(schema::areas::id)
        .load(conn)?;
    let rows: Vec<(Option<i64>, i64, i64)> = ledger_accounts::table
        .filter(ledger_accounts::kind.eq(AccountKind::Clearing.as_str()))
        .filter(
            ledger_accounts::community_id
                .eq_any(communities.iter().map(|&c| Some(c)).collect::<Vec<_>>()),
        )
        .filter(ledger_accounts::balance.ne(0))
        .order(ledger_accounts::community_id)
        .select((
            ledger_accounts::community_id,
            ledger_accounts::id,
            ledger_accounts::balance,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(community, account, balance)| {
            Some((AreaId(community?), super::AccountId(account), balance))
        })
        .collect())
}

/// Locks a ledger account's row until the transaction ends. Only PostgreSQL needs it: an
/// SQLite write transaction holds the database's write lock from its start.
fn lock_account(conn: &mut AnyConnection, account: i64) -> Result<(), StoreError> {
    if let AnyConnection::Postgresql(pg) = conn {
        diesel::sql_query("SELECT id FROM ledger_accounts WHERE id = $1 FOR UPDATE")
            .bind::<BigInt, _>(account)
            .execute(pg)?;
    }
    Ok(())
}

fn insert(
    conn: &mut AnyConnection,
    street: AreaId,
    key: &str,
    actor: UserId,
    communities: i32,
    points: i64,
    now: NaiveDateTime,
) -> Result<i64, SettlementError> {
    conn.transaction::<i64, diesel::result::Error, _>(|conn| {
        diesel::insert_into(clearing_settlements::table)
            .values((
                clearing_settlements::street_id.eq(street.0),
                clearing_settlements::idempotency_key.eq(key),
                clearing_settlements::settled_by.eq(actor.0),
                clearing_settlements::communities.eq(communities),
                clearing_settlements::points.eq(points),
                clearing_settlements::created_at.eq(now),
            ))
            .returning(clearing_settlements::id)
            .get_result(conn)
    })
    .map_err(SettlementError::from)
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = clearing_settlements)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct SettlementRow {
    id: i64,
    street_id: i64,
    settled_by: i64,
    communities: i32,
    points: i64,
    created_at: NaiveDateTime,
}

/// How a settlement is looked up.
#[derive(Clone, Copy)]
enum Lookup<'a> {
    /// By its id.
    Id(i64),
    /// By its scoped idempotency key.
    Key(&'a str),
}

fn find(conn: &mut AnyConnection, lookup: Lookup<'_>) -> Result<Option<Settlement>, StoreError> {
    let query = clearing_settlements::table
        .select(SettlementRow::as_select())
        .into_boxed();
    let query = match lookup {
        Lookup::Id(id) => query.filter(clearing_settlements::id.eq(id)),
        Lookup::Key(key) => query.filter(clearing_settlements::idempotency_key.eq(key)),
    };
    let row: Option<SettlementRow> = query.first(conn).optional()?;
    row.map(|row| with_transfers(conn, row)).transpose()
}

fn with_transfers(conn: &mut AnyConnection, row: SettlementRow) -> Result<Settlement, StoreError> {
    let SettlementRow {
        id,
        street_id,
        settled_by,
        communities,
        points,
        created_at,
    } = row;
    let ids: Vec<i64> = ledger_transfers::table
        .filter(ledger_transfers::cause_type.eq("clearing_settlement"))
        .filter(ledger_transfers::cause_id.eq(id.to_string()))
        .order(ledger_transfers::id)
        .select(ledger_transfers::id)
        .load(conn)?;
    let mut transfers = Vec::with_capacity(ids.len());
    for transfer in ids {
        if let Some(t) = store::transfer(conn, super::TransferId(transfer))? {
            transfers.push(t);
        }
    }
    Ok(Settlement {
        id,
        street: AreaId(street_id),
        settled_by: UserId(settled_by),
        communities,
        points: Points(points),
        created_at,
        transfers,
    })
}
