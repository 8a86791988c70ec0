//! Pure ledger rules: what a valid transfer is, when a retry is the same movement, and which
//! transfer corrects or resolves another.

use chrono::{Datelike, NaiveDate};

use super::{
    Cause, Hold, HoldStatus, NewTransfer, Points, PostError, Resolution, Transfer, TransferKind,
};
use crate::accounts::UserId;

/// A transfer moves a positive amount between two different accounts.
pub fn check_new(new: &NewTransfer) -> Result<(), PostError> {
    if new.amount.0 <= 0 {
        return Err(PostError::NotPositive);
    }
    if new.debit == new.credit {
        return Err(PostError::SameAccount);
    }
    Ok(())
}

/// Whether a stored transfer is the movement a retry asks for again (same key, same content);
/// the same key for anything else is a client error, never a second movement.
pub fn is_same_movement(stored: &Transfer, new: &NewTransfer) -> bool {
    stored.kind == new.kind
        && stored.debit == new.debit
        && stored.credit == new.credit
        && stored.amount == new.amount
        && stored.cause == new.cause
}

/// The transfer that undoes `original`: the same amount back, linked to it. A reversal is not
/// reversed again; a mistaken reversal is corrected by posting the movement anew.
pub fn reversal_of(
    original: &Transfer,
    idempotency_key: String,
    actor: Option<UserId>,
    memo: String,
) -> Result<NewTransfer, PostError> {
    if original.kind == TransferKind::Reverse {
        return Err(PostError::NotReversible);
    }
    Ok(NewTransfer {
        idempotency_key,
        kind: TransferKind::Reverse,
        debit: original.credit,
        credit: original.debit,
        amount: original.amount,
        cause: Cause::new("transfer", original.id.0),
        actor,
        memo,
    })
}

/// The transfer out of escrow that resolves `hold`, and the status it leaves the hold in.
pub fn resolution_of(
    hold: &Hold,
    resolution: Resolution,
    idempotency_key: String,
    actor: Option<UserId>,
) -> (NewTransfer, HoldStatus) {
    let (kind, credit, status, memo) = match resolution {
        Resolution::Capture(to) => (
            TransferKind::Capture,
            to,
            HoldStatus::Captured,
            "hold fulfilled",
        ),
        Resolution::Release => (
            TransferKind::Release,
            hold.account,
            HoldStatus::Released,
            "hold cancelled",
        ),
        Resolution::Expire => (
            TransferKind::Release,
            hold.account,
            HoldStatus::Expired,
            "hold lapsed",
        ),
    };
    let transfer = NewTransfer {
        idempotency_key,
        kind,
        debit: hold.escrow,
        credit,
        amount: hold.amount,
        cause: Cause::new("hold", hold.id.0),
        actor,
        memo: memo.to_owned(),
    };
    (transfer, status)
}

/// What a monthly statement tells a person about one period. Opening and closing count every
/// point the person owns, available or on hold, so placing or releasing a hold moves nothing
/// between the figures and `opening + earned − spent − expired = closing` holds exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MonthlyFigures {
    /// Points owned before the period, available and on hold.
    pub opening: Points,
    /// Points that came in: earned, granted, received, given back by a correction.
    pub earned: Points,
    /// Points that left the account: redemptions fulfilled (holds captured), donations, gifts,
    /// corrections taking points back. A hold placed or released is not spent.
    pub spent: Points,
    /// Points that lapsed.
    pub expired: Points,
    /// Points owned after the period, available and on hold.
    pub closing: Points,
    /// Of the closing points, those on hold at the end of the period.
    pub on_hold: Points,
}

/// The ledger facts of one account and period a statement is made of.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MonthlyMovements {
    /// The available balance before the period.
    pub opening_balance: Points,
    /// Points on hold when the period began.
    pub opening_on_hold: Points,
    /// The period's signed entries of the account, by the kind of their transfer.
    pub entries: Vec<(TransferKind, Points)>,
    /// Points of the account's holds captured (redeemed) in the period.
    pub captured: Points,
    /// Points on hold when the period ended.
    pub closing_on_hold: Points,
}

/// Sums a period into a statement's figures. Holds placed and released only move points
/// between available and on hold, so they are left out; a capture is when held points leave.
/// Expiries are their own figure; every other credit is earned and every other debit spent.
/// Opening and closing are computed from the balances, not from the other figures, so the
/// identity `opening + earned − spent − expired = closing` is a check the data must pass.
pub fn monthly_figures(movements: &MonthlyMovements) -> MonthlyFigures {
    let (mut earned, mut spent, mut expired, mut net) = (0i64, 0i64, 0i64, 0i64);
    for (kind, amount) in &movements.entries {
        let amount = amount.0;
        net += amount;
        match kind {
            TransferKind::Hold | TransferKind::Release => {}
            TransferKind::Expire => expired -= amount,
            _ if amount > 0 => earned += amount,
            _ => spent -= amount,
        }
    }
    spent += movements.captured.0;
    let opening = movements.opening_balance.0 + movements.opening_on_hold.0;
    let closing = movements.opening_balance.0 + net + movements.closing_on_hold.0;
    MonthlyFigures {
        opening: Points(opening),
        earned: Points(earned),
        spent: Points(spent),
        expired: Points(expired),
        closing: Points(closing),
        on_hold: movements.closing_on_hold,
    }
}

/// The calendar month before the month of `day`, as `YYYY-MM` and its first and last day.
pub fn month_before(day: NaiveDate) -> Option<(String, NaiveDate, NaiveDate)> {
    let first_of_this = day.with_day(1)?;
    let last_of_previous = first_of_this.pred_opt()?;
    let first_of_previous = last_of_previous.with_day(1)?;
    Some((
        first_of_previous.format("%Y-%m").to_string(),
        first_of_previous,
        first_of_this,
    ))
}

/// Sum of signed amounts, refusing overflow rather than wrapping.
pub fn checked_sum(amounts: impl IntoIterator<Item = Points>) -> Option<Points> {
    amounts
        .into_iter()
        .try_fold(0i64, |sum, p| sum.checked_add(p.0))
        .map(Points)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDateTime;

    use super::*;
    use crate::ledger::{AccountId, HoldId, TransferId};

    fn new_transfer(amount: i64, debit: i64, credit: i64) -> NewTransfer {
        NewTransfer {
            idempotency_key: "k".to_owned(),
            kind: TransferKind::Earn,
            debit: AccountId(debit),
            credit: AccountId(credit),
            amount: Points(amount),
            cause: Cause::new("task", "1:2"),
            actor: None,
            memo: String::new(),
        }
    }

    fn stored(new: &NewTransfer) -> Transfer {
        Transfer {
            id: TransferId(9),
            idempotency_key: new.idempotency_key.clone(),
            kind: new.kind,
            debit: new.debit,
            credit: new.credit,
            amount: new.amount,
            cause: new.cause.clone(),
            reverses: None,
            actor: None,
            memo: new.memo.clone(),
            created_at: NaiveDateTime::default(),
        }
    }

    #[test]
    fn amounts_are_positive_and_accounts_differ() {
        assert!(matches!(
            check_new(&new_transfer(0, 1, 2)),
            Err(PostError::NotPositive)
        ));
        assert!(matches!(
            check_new(&new_transfer(-5, 1, 2)),
            Err(PostError::NotPositive)
        ));
        assert!(matches!(
            check_new(&new_transfer(5, 1, 1)),
            Err(PostError::SameAccount)
        ));
        assert!(check_new(&new_transfer(5, 1, 2)).is_ok());
    }

    #[test]
    fn a_retry_is_the_same_movement_only_with_the_same_content() {
        let new = new_transfer(5, 1, 2);
        assert!(is_same_movement(&stored(&new), &new));
        assert!(!is_same_movement(&stored(&new), &new_transfer(6, 1, 2)));
        assert!(!is_same_movement(&stored(&new), &new_transfer(5, 2, 1)));
    }

    #[test]
    fn a_reversal_swaps_the_accounts_and_is_not_reversed_again() {
        let original = stored(&new_transfer(5, 1, 2));
        let reversal =
            reversal_of(&original, "r".to_owned(), None, "typo".to_owned()).expect("reversible");
        assert_eq!(
            (reversal.debit, reversal.credit),
            (AccountId(2), AccountId(1))
        );
        assert_eq!(reversal.amount, Points(5));
        let mut reversed = stored(&reversal);
        reversed.kind = TransferKind::Reverse;
        assert!(matches!(
            reversal_of(&reversed, "r2".to_owned(), None, String::new()),
            Err(PostError::NotReversible)
        ));
    }

    #[test]
    fn resolutions_leave_escrow_for_redemption_or_back_home() {
        let hold = Hold {
            id: HoldId(3),
            account: AccountId(1),
            escrow: AccountId(7),
            amount: Points(40),
            status: HoldStatus::Open,
            hold_transfer: TransferId(5),
            resolution_transfer: None,
            cause: Cause::new("redemption", 8),
            expires_at: NaiveDateTime::default(),
        };
        let (capture, status) = resolution_of(
            &hold,
            Resolution::Capture(AccountId(9)),
            "c".to_owned(),
            None,
        );
        assert_eq!(
            (capture.debit, capture.credit, status),
            (AccountId(7), AccountId(9), HoldStatus::Captured)
        );
        let (release, status) = resolution_of(&hold, Resolution::Expire, "e".to_owned(), None);
        assert_eq!(
            (release.credit, status),
            (AccountId(1), HoldStatus::Expired)
        );
        assert_eq!(release.cause, Cause::new("hold", 3));
    }

    #[test]
    fn a_month_adds_up_from_opening_to_closing_with_holds_placed_released_and_captured() {
        // 40 available and 15 on hold at the start; the old hold of 15 is captured, a hold of
        // 30 is placed and released, a hold of 20 is placed and still open at the end.
        let movements = MonthlyMovements {
            opening_balance: Points(40),
            opening_on_hold: Points(15),
            entries: vec![
                (TransferKind::Earn, Points(100)),
                (TransferKind::Hold, Points(-30)),
                (TransferKind::Release, Points(30)),
                (TransferKind::Hold, Points(-20)),
                (TransferKind::Donate, Points(-5)),
                (TransferKind::Expire, Points(-10)),
                (TransferKind::Grant, Points(7)),
            ],
            captured: Points(15),
            closing_on_hold: Points(20),
        };
        let f = monthly_figures(&movements);
        assert_eq!(
            (
                f.opening, f.earned, f.spent, f.expired, f.closing, f.on_hold
            ),
            (
                Points(55),
                Points(107),
                Points(20),
                Points(10),
                Points(132),
                Points(20)
            )
        );
        assert_eq!(
            f.opening.0 + f.earned.0 - f.spent.0 - f.expired.0,
            f.closing.0
        );
    }

    #[test]
    fn a_released_hold_is_never_spent() {
        let movements = MonthlyMovements {
            entries: vec![
                (TransferKind::Earn, Points(50)),
                (TransferKind::Hold, Points(-30)),
                (TransferKind::Release, Points(30)),
            ],
            ..MonthlyMovements::default()
        };
        let f = monthly_figures(&movements);
        assert_eq!((f.spent, f.closing), (Points(0), Points(50)));
    }

    #[test]
    fn the_month_before_wraps_the_year() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("a date");
        assert_eq!(
            month_before(day(2027, 1, 1)),
            Some(("2026-12".to_owned(), day(2026, 12, 1), day(2027, 1, 1)))
        );
        assert_eq!(
            month_before(day(2026, 3, 15)).map(|m| m.0),
            Some("2026-02".to_owned())
        );
    }

    #[test]
    fn sums_refuse_to_overflow() {
        assert_eq!(checked_sum([Points(2), Points(-5)]), Some(Points(-3)));
        assert_eq!(checked_sum([Points(i64::MAX), Points(1)]), None);
    }
}
