//! The ledger's one write path and its reads. Every function here runs inside the caller's
//! [`crate::db::write`] transaction; each posting runs in a savepoint so a refusal leaves no
//! trace. Balances move only through guarded single statements (see STACK.md).

use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};

use super::lots::Prefer;
use super::usecases::community_of;
use super::{
    Account, AccountId, AccountKind, AccountOwner, Cause, Hold, HoldError, HoldId, HoldStatus,
    NewHold, NewTransfer, Points, PostError, Posted, Reconciliation, Resolution, Transfer,
    TransferId, TransferKind, clearing, lots, rules,
};
use crate::accounts::{UserId, store as accounts};
use crate::areas::AreaId;
use crate::db::{AnyConnection, StoreError, is_unique_violation};
use crate::organizations::OrganizationId;
use crate::schema::{ledger_accounts, ledger_entries, ledger_holds, ledger_transfers};

#[derive(Queryable, Selectable)]
#[diesel(table_name = ledger_accounts)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct AccountRow {
    id: i64,
    kind: String,
    user_id: Option<i64>,
    organization_id: Option<i64>,
    community_id: Option<i64>,
    balance: i64,
}

impl TryFrom<AccountRow> for Account {
    type Error = StoreError;

    fn try_from(row: AccountRow) -> Result<Self, StoreError> {
        let kind = AccountKind::parse(&row.kind).ok_or_else(|| corrupt("account kind"))?;
        let owner = match (kind, row.user_id, row.organization_id, row.community_id) {
            (AccountKind::Person, Some(user), _, _) => AccountOwner::Person(UserId(user)),
            (AccountKind::Organization, _, Some(org), _) => {
                AccountOwner::Organization(OrganizationId(org))
            }
            (kind, _, _, Some(community)) => AccountOwner::System {
                community: AreaId(community),
                kind,
            },
            _ => return Err(corrupt("account owner")),
        };
        Ok(Self {
            id: AccountId(row.id),
            owner,
            balance: Points(row.balance),
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = ledger_accounts)]
struct NewAccountRow<'a> {
    kind: &'a str,
    user_id: Option<i64>,
    organization_id: Option<i64>,
    community_id: Option<i64>,
    balance: i64,
    may_go_negative: bool,
    created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = ledger_transfers)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct TransferRow {
    id: i64,
    idempotency_key: String,
    kind: String,
    debit_account_id: i64,
    credit_account_id: i64,
    amount: i64,
    cause_type: String,
    cause_id: String,
    reverses_transfer_id: Option<i64>,
    actor_id: Option<i64>,
    memo: String,
    created_at: NaiveDateTime,
}

impl TryFrom<TransferRow> for Transfer {
    type Error = StoreError;

    fn try_from(row: TransferRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: TransferId(row.id),
            idempotency_key: row.idempotency_key,
            kind: TransferKind::parse(&row.kind).ok_or_else(|| corrupt("transfer kind"))?,
            debit: AccountId(row.debit_account_id),
            credit: AccountId(row.credit_account_id),
            amount: Points(row.amount),
            cause: Cause {
                kind: row.cause_type,
                id: row.cause_id,
            },
            reverses: row.reverses_transfer_id.map(TransferId),
            actor: row.actor_id.map(UserId),
            memo: row.memo,
            created_at: row.created_at,
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = ledger_transfers)]
struct NewTransferRow<'a> {
    idempotency_key: &'a str,
    kind: &'a str,
    debit_account_id: i64,
    credit_account_id: i64,
    amount: i64,
    cause_type: &'a str,
    cause_id: &'a str,
    reverses_transfer_id: Option<i64>,
    actor_id: Option<i64>,
    memo: &'a str,
    created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = ledger_entries)]
struct NewEntryRow {
    transfer_id: i64,
    account_id: i64,
    amount: i64,
    balance_after: i64,
    created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = ledger_holds)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct HoldRow {
    id: i64,
    account_id: i64,
    escrow_account_id: i64,
    amount: i64,
    status: String,
    hold_transfer_id: i64,
    resolution_transfer_id: Option<i64>,
    cause_type: String,
    cause_id: String,
    expires_at: NaiveDateTime,
}

impl TryFrom<HoldRow> for Hold {
    type Error = StoreError;

    fn try_from(row: HoldRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: HoldId(row.id),
            account: AccountId(row.account_id),
            escrow: AccountId(row.escrow_account_id),
            amount: Points(row.amount),
            status: HoldStatus::parse(&row.status).ok_or_else(|| corrupt("hold status"))?,
            hold_transfer: TransferId(row.hold_transfer_id),
            resolution_transfer: row.resolution_transfer_id.map(TransferId),
            cause: Cause {
                kind: row.cause_type,
                id: row.cause_id,
            },
            expires_at: row.expires_at,
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = ledger_holds)]
struct NewHoldRow<'a> {
    account_id: i64,
    escrow_account_id: i64,
    amount: i64,
    status: &'a str,
    hold_transfer_id: i64,
    cause_type: &'a str,
    cause_id: &'a str,
    expires_at: NaiveDateTime,
    created_at: NaiveDateTime,
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Query(diesel::result::Error::DeserializationError(
        format!("unexpected stored {what}").into(),
    ))
}

/// The account of `owner`, opened on first use. Opening races are settled by the unique
/// indexes: the loser finds the winner's account.
pub fn account_for(
    conn: &mut AnyConnection,
    owner: AccountOwner,
    now: NaiveDateTime,
) -> Result<Account, StoreError> {
    if let Some(account) = find_account(conn, owner)? {
        return Ok(account);
    }
    let (user_id, organization_id, community_id) = match owner {
        AccountOwner::Person(user) => (Some(user.0), None, None),
        AccountOwner::Organization(org) => (None, Some(org.0), None),
        AccountOwner::System { community, .. } => (None, None, Some(community.0)),
    };
    let kind = owner.kind();
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(ledger_accounts::table)
            .values(&NewAccountRow {
                kind: kind.as_str(),
                user_id,
                organization_id,
                community_id,
                balance: 0,
                may_go_negative: kind.may_go_negative(),
                created_at: now,
            })
            .execute(conn)
    });
    match inserted {
        Ok(_) => {}
        Err(error) if is_unique_violation(&error) => {}
        Err(error) => return Err(error.into()),
    }
    find_account(conn, owner)?.ok_or_else(|| corrupt("account after opening"))
}

/// The account of `owner`, if it was ever opened.
pub fn find_account(
    conn: &mut AnyConnection,
    owner: AccountOwner,
) -> Result<Option<Account>, StoreError> {
    let query = ledger_accounts::table
        .select(AccountRow::as_select())
        .filter(ledger_accounts::kind.eq(owner.kind().as_str()))
        .into_boxed();
    let query = match owner {
        AccountOwner::Person(user) => query.filter(ledger_accounts::user_id.eq(user.0)),
        AccountOwner::Organization(org) => query.filter(ledger_accounts::organization_id.eq(org.0)),
        AccountOwner::System { community, .. } => {
            query.filter(ledger_accounts::community_id.eq(community.0))
        }
    };
    query
        .first(conn)
        .optional()?
        .map(Account::try_from)
        .transpose()
}

/// One account by id.
pub fn account(conn: &mut AnyConnection, id: AccountId) -> Result<Option<Account>, StoreError> {
    ledger_accounts::table
        .find(id.0)
        .select(AccountRow::as_select())
        .first(conn)
        .optional()?
        .map(Account::try_from)
        .transpose()
}

/// Posts `new`: the one way points move. A retry with the same key and content returns the
/// first posting and moves nothing; the same key for another movement is refused.
pub fn post(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    new: &NewTransfer,
) -> Result<Posted, PostError> {
    post_linked(conn, now, new, Link::default())
}

/// How a posting relates to earlier ones, for the record and for the lots it moves.
#[derive(Debug, Clone, Copy, Default)]
struct Link {
    /// The transfer this one reverses.
    reverses: Option<TransferId>,
    /// A debit whose lot uses the credited person gets back.
    restores: Option<TransferId>,
    /// Which lots the debited person gives first.
    prefer: Option<Prefer>,
}

/// Reverses transfer `id` with a new, linked transfer; at most once.
pub fn reverse(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    id: TransferId,
    idempotency_key: String,
    actor: Option<UserId>,
    memo: String,
) -> Result<Posted, PostError> {
    let original = transfer(conn, id)?.ok_or(PostError::UnknownTransfer)?;
    let reversal = rules::reversal_of(&original, idempotency_key, actor, memo)?;
    if let Some(stored) = find_by_key(conn, &reversal.idempotency_key)? {
        return replay(stored, &reversal);
    }
    let already: i64 = ledger_transfers::table
        .filter(ledger_transfers::reverses_transfer_id.eq(id.0))
        .count()
        .get_result(conn)?;
    if already > 0 {
        return Err(PostError::AlreadyReversed);
    }
    let link = Link {
        reverses: Some(id),
        // An expiry corrected is given back as fresh points, not into the lapsed lot.
        restores: (original.kind != TransferKind::Expire).then_some(id),
        prefer: Some(Prefer::SourcedBy(id)),
    };
    post_linked(conn, now, &reversal, link).map_err(|error| match error {
        // The unique index on `reverses_transfer_id` settled a race with another reversal.
        PostError::Store(StoreError::Query(e)) if is_unique_violation(&e) => {
            PostError::AlreadyReversed
        }
        other => other,
    })
}

fn post_linked(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    new: &NewTransfer,
    link: Link,
) -> Result<Posted, PostError> {
    rules::check_new(new)?;
    if let Some(stored) = find_by_key(conn, &new.idempotency_key)? {
        return replay(stored, new);
    }
    match conn.transaction(|conn| post_new(conn, now, new, link)) {
        Ok(transfer) => Ok(Posted::New(transfer)),
        // A concurrent posting of the same key committed first (PostgreSQL waits for it).
        Err(PostError::Store(StoreError::Query(e))) if is_unique_violation(&e) => {
            match find_by_key(conn, &new.idempotency_key)? {
                Some(stored) => replay(stored, new),
                None => Err(PostError::Store(StoreError::Query(e))),
            }
        }
        Err(other) => Err(other),
    }
}

fn replay(stored: Transfer, new: &NewTransfer) -> Result<Posted, PostError> {
    if rules::is_same_movement(&stored, new) {
        Ok(Posted::Replayed(stored))
    } else {
        Err(PostError::KeyReused)
    }
}

fn post_new(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    new: &NewTransfer,
    link: Link,
) -> Result<Transfer, PostError> {
    let amount = new.amount.0;
    let reverses = link.reverses;
    // The key is claimed first: a concurrent posting of the same key waits here for the first
    // to commit and then replays it, instead of racing it for the balance.
    let id: i64 = diesel::insert_into(ledger_transfers::table)
        .values(&NewTransferRow {
            idempotency_key: &new.idempotency_key,
            kind: new.kind.as_str(),
            debit_account_id: new.debit.0,
            credit_account_id: new.credit.0,
            amount,
            cause_type: &new.cause.kind,
            cause_id: &new.cause.id,
            reverses_transfer_id: reverses.map(|r| r.0),
            actor_id: new.actor.map(|a| a.0),
            memo: &new.memo,
            created_at: now,
        })
        .returning(ledger_transfers::id)
        .get_result(conn)?;
    // Accounts are locked in id order, so two opposite transfers never deadlock.
    let credit_first = new.credit < new.debit;
    let mut credit_after = None;
    if credit_first {
        credit_after = Some(credit(conn, new.credit, amount)?);
    }
    let debit_after: Option<Moved> = diesel::update(
        ledger_accounts::table
            .filter(ledger_accounts::id.eq(new.debit.0))
            .filter(
                ledger_accounts::may_go_negative
                    .eq(true)
                    .or(ledger_accounts::balance.ge(amount)),
            ),
    )
    .set(ledger_accounts::balance.eq(ledger_accounts::balance - amount))
    .returning(MOVED)
    .get_result(conn)
    .optional()?;
    let Some(debit_after) = debit_after else {
        let held = account(conn, new.debit)?.ok_or(PostError::UnknownAccount(new.debit))?;
        return Err(PostError::Insufficient {
            available: held.balance,
        });
    };
    let credit_after = match credit_after {
        Some(after) => after,
        None => credit(conn, new.credit, amount)?,
    };
    move_lots(
        conn,
        now,
        new,
        TransferId(id),
        link,
        &debit_after,
        &credit_after,
    )?;
    for (account_id, signed, balance_after) in [
        (new.debit.0, -amount, debit_after.0),
        (new.credit.0, amount, credit_after.0),
    ] {
        diesel::insert_into(ledger_entries::table)
            .values(&NewEntryRow {
                transfer_id: id,
                account_id,
                amount: signed,
                balance_after,
                created_at: now,
            })
            .execute(conn)?;
    }
    Ok(Transfer {
        id: TransferId(id),
        idempotency_key: new.idempotency_key.clone(),
        kind: new.kind,
        debit: new.debit,
        credit: new.credit,
        amount: new.amount,
        cause: new.cause.clone(),
        reverses,
        actor: new.actor,
        memo: new.memo.clone(),
        created_at: now,
    })
}

/// An account's balance after a movement, its kind and its community.
type Moved = (i64, String, Option<i64>);

/// What a balance update returns.
const MOVED: (
    ledger_accounts::balance,
    ledger_accounts::kind,
    ledger_accounts::community_id,
) = (
    ledger_accounts::balance,
    ledger_accounts::kind,
    ledger_accounts::community_id,
);

/// Keeps person lots equal to person balances: a person debited gives lots (preferred ones
/// first, then the soonest to expire); a person credited gets back what a reversed or released
/// debit took, or new lots — carrying the expiry of another person's lots, or expiring by the
/// issuing community's policy (for an organization's credit, the recipient's community: see
/// [`recipient_community`]).
fn move_lots(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    new: &NewTransfer,
    id: TransferId,
    link: Link,
    debit: &Moved,
    credit: &Moved,
) -> Result<(), PostError> {
    let person = AccountKind::Person.as_str();
    let taken = if debit.1 == person {
        lots::take(conn, new.debit, id, new.amount.0, link.prefer)?
    } else {
        Vec::new()
    };
    if credit.1 != person {
        return Ok(());
    }
    let restored = match link.restores {
        Some(debit) => lots::restore(conn, new.credit, debit)?,
        None => 0,
    };
    let rest = new.amount.0 - restored;
    if rest > 0 {
        let issuer = if debit.1 == AccountKind::Organization.as_str() {
            recipient_community(conn, new.credit)?
        } else {
            debit.2.map(AreaId)
        };
        lots::open(conn, now, new.credit, id, rest, &taken, issuer)?;
    }
    Ok(())
}

/// The community whose policy dates points an organization gives a person: the recipient's
/// home community (the community of their home grid).
///
/// An organization holds no lots and may serve several communities, so the points it gives
/// carry no community of their own; the one community certainly concerned is the recipient's,
/// where they are spent, donated and counted, and whose expiry account takes them when they
/// lapse — as with points its own issuance account credits. A recipient without a home grid
/// has no community policy, so their lot does not expire.
fn recipient_community(
    conn: &mut AnyConnection,
    person: AccountId,
) -> Result<Option<AreaId>, StoreError> {
    let owner: Option<i64> = ledger_accounts::table
        .find(person.0)
        .select(ledger_accounts::user_id)
        .first(conn)?;
    let Some(user) = owner else {
        return Ok(None);
    };
    Ok(accounts::with_home_path(conn, UserId(user))?
        .and_then(|(_, path)| path)
        .and_then(|path| community_of(&path)))
}

fn credit(conn: &mut AnyConnection, account: AccountId, amount: i64) -> Result<Moved, PostError> {
    diesel::update(ledger_accounts::table.find(account.0))
        .set(ledger_accounts::balance.eq(ledger_accounts::balance + amount))
        .returning(MOVED)
        .get_result(conn)
        .optional()?
        .ok_or(PostError::UnknownAccount(account))
}

/// One transfer by id.
pub fn transfer(conn: &mut AnyConnection, id: TransferId) -> Result<Option<Transfer>, StoreError> {
    ledger_transfers::table
        .find(id.0)
        .select(TransferRow::as_select())
        .first(conn)
        .optional()?
        .map(Transfer::try_from)
        .transpose()
}

/// The transfers posted with any of `keys`.
pub fn by_keys(conn: &mut AnyConnection, keys: &[String]) -> Result<Vec<Transfer>, StoreError> {
    ledger_transfers::table
        .filter(ledger_transfers::idempotency_key.eq_any(keys))
        .select(TransferRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Transfer::try_from)
        .collect()
}

fn find_by_key(conn: &mut AnyConnection, key: &str) -> Result<Option<Transfer>, StoreError> {
    ledger_transfers::table
        .filter(ledger_transfers::idempotency_key.eq(key))
        .select(TransferRow::as_select())
        .first(conn)
        .optional()?
        .map(Transfer::try_from)
        .transpose()
}

/// Moves points into escrow and records the hold; a retry with the same key returns the
/// first hold.
pub fn place_hold(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    new: &NewHold,
) -> Result<Hold, HoldError> {
    let transfer = NewTransfer {
        idempotency_key: new.idempotency_key.clone(),
        kind: TransferKind::Hold,
        debit: new.account,
        credit: new.escrow,
        amount: new.amount,
        cause: new.cause.clone(),
        actor: new.actor,
        memo: "points on hold".to_owned(),
    };
    conn.transaction(|conn| {
        let posted = post(conn, now, &transfer)?;
        let transfer_id = posted.transfer().id;
        if let Posted::New(_) = posted {
            diesel::insert_into(ledger_holds::table)
                .values(&NewHoldRow {
                    account_id: new.account.0,
                    escrow_account_id: new.escrow.0,
                    amount: new.amount.0,
                    status: HoldStatus::Open.as_str(),
                    hold_transfer_id: transfer_id.0,
                    cause_type: &new.cause.kind,
                    cause_id: &new.cause.id,
                    expires_at: new.expires_at,
                    created_at: now,
                })
                .execute(conn)?;
        }
        ledger_holds::table
            .filter(ledger_holds::hold_transfer_id.eq(transfer_id.0))
            .select(HoldRow::as_select())
            .first(conn)?
            .try_into()
            .map_err(HoldError::from)
    })
}

/// One hold by id.
pub fn hold(conn: &mut AnyConnection, id: HoldId) -> Result<Option<Hold>, StoreError> {
    ledger_holds::table
        .find(id.0)
        .select(HoldRow::as_select())
        .first(conn)
        .optional()?
        .map(Hold::try_from)
        .transpose()
}

/// Resolves an open hold once: captures it to a redemption account, or releases it back. The
/// status changes by a guarded update, so of two concurrent resolutions one wins and the other
/// is refused with nothing moved. Retrying the winning request with its key returns the hold.
pub fn resolve_hold(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    id: HoldId,
    resolution: Resolution,
    idempotency_key: String,
    actor: Option<UserId>,
) -> Result<Hold, HoldError> {
    let current = hold(conn, id)?.ok_or(HoldError::NotFound)?;
    let (transfer, status) = rules::resolution_of(&current, resolution, idempotency_key, actor);
    if current.status != HoldStatus::Open {
        let replayed = find_by_key(conn, &transfer.idempotency_key)?;
        return match replayed {
            Some(t) if Some(t.id) == current.resolution_transfer => Ok(current),
            _ => Err(HoldError::AlreadyResolved(current.status)),
        };
    }
    conn.transaction(|conn| {
        // Claim the hold before touching escrow: a concurrent resolution waits on this row and
        // then finds it resolved, instead of racing for the escrowed points.
        let open = ledger_holds::table
            .find(id.0)
            .filter(ledger_holds::status.eq(HoldStatus::Open.as_str()));
        let claimed = diesel::update(open)
            .set(ledger_holds::status.eq(ledger_holds::status))
            .execute(conn)?;
        if claimed != 1 {
            let status = hold(conn, id)?.map_or(HoldStatus::Open, |h| h.status);
            return Err(HoldError::AlreadyResolved(status));
        }
        let link = Link {
            restores: (!matches!(resolution, Resolution::Capture(_)))
                .then_some(current.hold_transfer),
            ..Link::default()
        };
        let posted = post_linked(conn, now, &transfer, link)?;
        diesel::update(ledger_holds::table.find(id.0))
            .set((
                ledger_holds::status.eq(status.as_str()),
                ledger_holds::resolution_transfer_id.eq(posted.transfer().id.0),
                ledger_holds::resolved_at.eq(now),
            ))
            .execute(conn)?;
        hold(conn, id)?.ok_or(HoldError::NotFound)
    })
}

/// Points an account has on hold (in escrow for open holds).
pub fn on_hold(conn: &mut AnyConnection, account: AccountId) -> Result<Points, StoreError> {
    let held: i64 = ledger_holds::table
        .filter(ledger_holds::account_id.eq(account.0))
        .filter(ledger_holds::status.eq(HoldStatus::Open.as_str()))
        .select(sql::<BigInt>("CAST(COALESCE(SUM(amount), 0) AS BIGINT)"))
        .first(conn)?;
    Ok(Points(held))
}

/// One line of a statement: an entry with the transfer it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementLine {
    /// When it was posted.
    pub at: NaiveDateTime,
    /// The transfer.
    pub transfer: TransferId,
    /// Why points moved.
    pub kind: TransferKind,
    /// Signed: positive in, negative out.
    pub amount: Points,
    /// The balance after it.
    pub balance_after: Points,
    /// What caused it.
    pub cause: Cause,
    /// Why, in words.
    pub memo: String,
}

#[derive(Queryable, Selectable)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct StatementRow {
    #[diesel(select_expression = ledger_entries::created_at)]
    created_at: NaiveDateTime,
    #[diesel(select_expression = ledger_entries::transfer_id)]
    transfer_id: i64,
    #[diesel(select_expression = ledger_entries::amount)]
    amount: i64,
    #[diesel(select_expression = ledger_entries::balance_after)]
    balance_after: i64,
    #[diesel(select_expression = ledger_transfers::kind)]
    kind: String,
    #[diesel(select_expression = ledger_transfers::cause_type)]
    cause_type: String,
    #[diesel(select_expression = ledger_transfers::cause_id)]
    cause_id: String,
    #[diesel(select_expression = ledger_transfers::memo)]
    memo: String,
}

/// The balance before `from` and every entry of `account` in `[from, to)`, oldest first.
pub fn statement_lines(
    conn: &mut AnyConnection,
    account: AccountId,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<(Points, Vec<StatementLine>), StoreError> {
    let opening: i64 = ledger_entries::table
        .filter(ledger_entries::account_id.eq(account.0))
        .filter(ledger_entries::created_at.lt(from))
        .order(ledger_entries::id.desc())
        .select(ledger_entries::balance_after)
        .first(conn)
        .optional()?
        .unwrap_or(0);
    let rows: Vec<StatementRow> = ledger_entries::table
        .inner_join(ledger_transfers::table)
        .filter(ledger_entries::account_id.eq(account.0))
        .filter(ledger_entries::created_at.ge(from))
        .filter(ledger_entries::created_at.lt(to))
        .order(ledger_entries::id)
        .select(StatementRow::as_select())
        .load(conn)?;
    let lines = rows
        .into_iter()
        .map(|row| {
            Ok(StatementLine {
                at: row.created_at,
                transfer: TransferId(row.transfer_id),
                kind: TransferKind::parse(&row.kind).ok_or_else(|| corrupt("transfer kind"))?,
                amount: Points(row.amount),
                balance_after: Points(row.balance_after),
                cause: Cause {
                    kind: row.cause_type,
                    id: row.cause_id,
                },
                memo: row.memo,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok((Points(opening), lines))
}

/// Open holds that lapsed before `now`, oldest first, at most `limit`.
pub fn lapsed_holds(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    limit: i64,
) -> Result<Vec<Hold>, StoreError> {
    ledger_holds::table
        .filter(ledger_holds::status.eq(HoldStatus::Open.as_str()))
        .filter(ledger_holds::expires_at.le(now))
        .order((ledger_holds::expires_at, ledger_holds::id))
        .limit(limit)
        .select(HoldRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Hold::try_from)
        .collect()
}

/// Checks every invariant of the ledger with set-based queries: transfers balance, balances
/// sum to zero, cached balances equal their entries, no account is below zero that may not
/// be, escrow equals the open holds, and each hold resolved once.
pub fn reconcile(conn: &mut AnyConnection) -> Result<Reconciliation, StoreError> {
    let transfers: i64 = ledger_transfers::table.count().get_result(conn)?;
    let unbalanced_transfers = ledger_transfers::table
        .filter(sql::<Bool>(
            "(SELECT COUNT(*) FROM ledger_entries e WHERE e.transfer_id = ledger_transfers.id) <> 2 \
             OR (SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e \
                 WHERE e.transfer_id = ledger_transfers.id) <> 0 \
             OR NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.transfer_id = ledger_transfers.id \
                 AND e.account_id = ledger_transfers.debit_account_id \
                 AND e.amount = -ledger_transfers.amount)",
        ))
        .select(ledger_transfers::id)
        .load::<i64>(conn)?
        .into_iter()
        .map(TransferId)
        .collect();
    let balance_sum: i64 = ledger_accounts::table
        .select(sql::<BigInt>("CAST(COALESCE(SUM(balance), 0) AS BIGINT)"))
        .first(conn)?;
    let mismatched_accounts = ledger_accounts::table
        .filter(sql::<Bool>(
            "balance <> (SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e \
             WHERE e.account_id = ledger_accounts.id)",
        ))
        .select(ledger_accounts::id)
        .load::<i64>(conn)?
        .into_iter()
        .map(AccountId)
        .collect();
    let negative_accounts = ledger_accounts::table
        .filter(ledger_accounts::may_go_negative.eq(false))
        .filter(ledger_accounts::balance.lt(0))
        .select(ledger_accounts::id)
        .load::<i64>(conn)?
        .into_iter()
        .map(AccountId)
        .collect();
    let escrow_mismatches = ledger_accounts::table
        .filter(ledger_accounts::kind.eq(AccountKind::Escrow.as_str()))
        .filter(sql::<Bool>(
            "balance <> (SELECT COALESCE(SUM(h.amount), 0) FROM ledger_holds h \
             WHERE h.escrow_account_id = ledger_accounts.id AND h.status = 'open')",
        ))
        .select(ledger_accounts::id)
        .load::<i64>(conn)?
        .into_iter()
        .map(AccountId)
        .collect();
    let bad_holds = ledger_holds::table
        .filter(sql::<Bool>(
            "(status <> 'open' AND NOT EXISTS (SELECT 1 FROM ledger_transfers t \
                 WHERE t.id = ledger_holds.resolution_transfer_id \
                 AND t.debit_account_id = ledger_holds.escrow_account_id \
                 AND t.amount = ledger_holds.amount)) \
             OR (SELECT COUNT(*) FROM ledger_transfers t WHERE t.cause_type = 'hold' \
                 AND t.cause_id = CAST(ledger_holds.id AS TEXT) \
                 AND t.kind IN ('capture', 'release')) > 1",
        ))
        .select(ledger_holds::id)
        .load::<i64>(conn)?
        .into_iter()
        .map(HoldId)
        .collect();
    let lot_mismatches = lots::mismatches(conn)?;
    let clearing_positions = clearing::positions(conn)?;
    let unbalanced_streets = clearing::unbalanced_streets(&clearing_positions);
    Ok(Reconciliation {
        clearing_positions,
        unbalanced_streets,
        transfers,
        lot_mismatches,
        unbalanced_transfers,
        balance_sum,
        mismatched_accounts,
        negative_accounts,
        escrow_mismatches,
        bad_holds,
    })
}
