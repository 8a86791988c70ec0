//! Posting a bulk award's grants in sets: a thousand credits must not take twelve thousand
//! round trips.
//!
//! It writes exactly what [`super::store::post`] would for each line — a keyed `grant`
//! transfer from the person's community issuance account, its two entries with running
//! balances, the person's new lot (expiring by the issuing community's policy), both balances
//! — with a handful of statements per award, as [`super::expiry`] does for lapsed lots. The
//! reconciliation checks its work like any other.

use std::collections::BTreeMap;

use chrono::{Months, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::Text;

use super::{AccountId, AccountKind, AccountOwner, store};
use crate::accounts::UserId;
use crate::areas::AreaId;
use crate::db::{AnyConnection, StoreError};
use crate::points_policy::usecases::in_force_on;
use crate::schema::{ledger_accounts, ledger_transfers};

/// One grant to post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// Its idempotency key.
    pub key: String,
    /// Who receives.
    pub person: UserId,
    /// The community whose issuance account pays.
    pub community: AreaId,
    /// How many points, positive.
    pub points: i64,
    /// Why, shown on the statement.
    pub memo: String,
}

/// Posts `grants` (none posted before) as grant transfers caused by `cause` (an award), all
/// by `actor`. Call inside [`crate::db::write`]; the caller has checked that none of the keys
/// was used (a concurrent posting of one of them fails this one on the unique key index).
pub fn post_grants(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    grants: &[Grant],
    cause: &str,
    actor: UserId,
) -> Result<(), StoreError> {
    if grants.is_empty() {
        return Ok(());
    }
    let at = match conn {
        AnyConnection::Postgresql(_) => format!("TIMESTAMP '{}'", stamp(now)),
        AnyConnection::Sqlite(_) => format!("'{}'", stamp(now)),
    };
    // The issuing accounts and the expiry of the lots each community's points open.
    let mut issuers: BTreeMap<AreaId, (AccountId, Option<NaiveDateTime>)> = BTreeMap::new();
    for grant in grants {
        if issuers.contains_key(&grant.community) {
            continue;
        }
        let owner = AccountOwner::System {
            community: grant.community,
            kind: AccountKind::Issuance,
        };
        let issuance = store::account_for(conn, owner, now)?.id;
        let expires_at = in_force_on(conn, grant.community, now.date())?
            .terms
            .expiry_months
            .and_then(|months| u32::try_from(months).ok())
            .and_then(|months| now.checked_add_months(Months::new(months)));
        issuers.insert(grant.community, (issuance, expires_at));
    }
    let people = person_accounts(conn, grants, &at)?;
    if let AnyConnection::Postgresql(_) = conn {
        // Lock every account in id order, as each posting does, so no two writers deadlock.
        let ids = list(
            people
                .values()
                .map(|a| a.0)
                .chain(issuers.values().map(|i| i.0.0)),
        );
        diesel::sql_query(format!(
            "SELECT id FROM ledger_accounts WHERE id IN ({ids}) ORDER BY id FOR UPDATE"
        ))
        .execute(conn)?;
    }
    let before: i64 = ledger_transfers::table
        .select(diesel::dsl::max(ledger_transfers::id))
        .first::<Option<i64>>(conn)?
        .unwrap_or(0);
    // Rows come in line order, so ids and running balances follow the lines. Integers are
    // inlined (they come from the store or were checked), text is bound in order of appearance,
    // which numbers `$n` alike on both engines.
    let mut values = Vec::with_capacity(grants.len());
    let mut n = 0;
    for grant in grants {
        let issuance = issuers[&grant.community].0.0;
        let person = people[&grant.person].0;
        values.push(format!(
            "(${}, 'grant', {issuance}, {person}, {}, 'award', ${}, {}, ${}, {at})",
            n + 1,
            grant.points,
            n + 2,
            actor.0,
            n + 3,
        ));
        n += 3;
    }
    let mut insert = diesel::sql_query(format!(
        "INSERT INTO ledger_transfers (idempotency_key, kind, debit_account_id, \
         credit_account_id, amount, cause_type, cause_id, actor_id, memo, created_at) VALUES {}",
        values.join(", ")
    ))
    .into_boxed::<<AnyConnection as Connection>::Backend>();
    for grant in grants {
        insert = insert
            .bind::<Text, _>(grant.key.clone())
            .bind::<Text, _>(cause.to_owned())
            .bind::<Text, _>(grant.memo.clone());
    }
    insert.execute(conn)?;
    let first: i64 = ledger_transfers::table
        .filter(ledger_transfers::id.gt(before))
        .filter(ledger_transfers::cause_type.eq("award"))
        .filter(ledger_transfers::cause_id.eq(cause))
        .select(diesel::dsl::min(ledger_transfers::id))
        .first::<Option<i64>>(conn)?
        .unwrap_or(0);
    // The cause carries the caller-scoped key, which no concurrent writer can share.
    let ours = format!("t.id >= {first} AND t.cause_type = 'award' AND t.cause_id = $1");
    let mut statements = vec![
        format!(
            "INSERT INTO ledger_entries (transfer_id, account_id, amount, balance_after, created_at) \
             SELECT t.id, t.debit_account_id, -t.amount, \
                 a.balance - SUM(t.amount) OVER (PARTITION BY t.debit_account_id ORDER BY t.id), {at} \
             FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.debit_account_id \
             WHERE {ours}"
        ),
        format!(
            "INSERT INTO ledger_entries (transfer_id, account_id, amount, balance_after, created_at) \
             SELECT t.id, t.credit_account_id, t.amount, \
                 a.balance + SUM(t.amount) OVER (PARTITION BY t.credit_account_id ORDER BY t.id), {at} \
             FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.credit_account_id \
             WHERE {ours}"
        ),
    ];
    for (community, (issuance, expires_at)) in &issuers {
        // A lot that never expires belongs to no community, as `lots::open` writes it.
        let (community, expires) = match expires_at {
            Some(expiry) => (community.0.to_string(), timestamp(conn, *expiry)),
            None => ("NULL".to_owned(), "NULL".to_owned()),
        };
        statements.push(format!(
            "INSERT INTO ledger_lots (account_id, source_transfer_id, community_id, amount, \
                 remaining, expires_at, created_at) \
             SELECT t.credit_account_id, t.id, {community}, t.amount, t.amount, {expires}, {at} \
             FROM ledger_transfers t WHERE {ours} AND t.debit_account_id = {} ORDER BY t.id",
            issuance.0
        ));
    }
    for (side, sign) in [("debit", "-"), ("credit", "+")] {
        statements.push(format!(
            "UPDATE ledger_accounts SET balance = balance {sign} (SELECT SUM(t.amount) \
                 FROM ledger_transfers t WHERE {ours} AND t.{side}_account_id = ledger_accounts.id) \
             WHERE id IN (SELECT t.{side}_account_id FROM ledger_transfers t WHERE {ours})"
        ));
    }
    for statement in statements {
        // Each placeholder appears once or twice; both engines bind `$1` to every use.
        diesel::sql_query(statement)
            .bind::<Text, _>(cause.to_owned())
            .execute(conn)?;
    }
    Ok(())
}

/// The person account of everyone in `grants`, opening the missing ones in one statement.
fn person_accounts(
    conn: &mut AnyConnection,
    grants: &[Grant],
    at: &str,
) -> Result<BTreeMap<UserId, AccountId>, StoreError> {
    let users = list(grants.iter().map(|g| g.person.0));
    let person = AccountKind::Person.as_str();
    let ignore = match conn {
        AnyConnection::Postgresql(_) => ("INSERT", " ON CONFLICT DO NOTHING"),
        AnyConnection::Sqlite(_) => ("INSERT OR IGNORE", ""),
    };
    diesel::sql_query(format!(
        "{} INTO ledger_accounts (kind, user_id, balance, may_go_negative, created_at) \
         SELECT '{person}', u.id, 0, FALSE, {at} FROM users u WHERE u.id IN ({users}) \
         AND NOT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.user_id = u.id){}",
        ignore.0, ignore.1
    ))
    .execute(conn)?;
    let ids: Vec<i64> = grants.iter().map(|g| g.person.0).collect();
    let rows: Vec<(Option<i64>, i64)> = ledger_accounts::table
        .filter(ledger_accounts::kind.eq(person))
        .filter(ledger_accounts::user_id.eq_any(&ids))
        .select((ledger_accounts::user_id, ledger_accounts::id))
        .load(conn)?;
    let found: BTreeMap<UserId, AccountId> = rows
        .into_iter()
        .filter_map(|(user, id)| Some((UserId(user?), AccountId(id))))
        .collect();
    if grants.iter().any(|g| !found.contains_key(&g.person)) {
        return Err(StoreError::Query(diesel::result::Error::NotFound));
    }
    Ok(found)
}

/// Integers as a SQL list.
fn list(ids: impl Iterator<Item = i64>) -> String {
    let mut ids: Vec<i64> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// A timestamp literal as `conn`'s engine stores and compares it.
fn timestamp(conn: &AnyConnection, at: NaiveDateTime) -> String {
    match conn {
        AnyConnection::Postgresql(_) => format!("TIMESTAMP '{}'", stamp(at)),
        AnyConnection::Sqlite(_) => format!("'{}'", stamp(at)),
    }
}

/// A timestamp as both engines store and compare it.
fn stamp(at: NaiveDateTime) -> String {
    at.format("%F %T%.f").to_string()
}
