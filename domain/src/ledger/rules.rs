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

/// What a monthly statement tells a person about one period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MonthlyFigures {
    /// Balance before the period.
    pub opening: Points,
    /// Points that came in: earned, granted, received, given back by a correction.
    pub earned: Points,
    /// Points that went out (redeemed, donated, given), net of holds released.
    pub spent: Points,
    /// Points that lapsed.
    pub expired: Points,
    /// Balance after the period.
    pub closing: Points,
    /// Points on hold at the end of the period.
    pub on_hold: Points,
}

/// Sums a period's signed entries into a statement's figures: in = every credit except a
/// released hold; expired = every expiry; spent = every other debit, less the holds released.
/// So `opening + earned − spent − expired = closing` always holds.
pub fn monthly_figures(
    opening: Points,
    entries: &[(TransferKind, Points)],
    on_hold: Points,
) -> MonthlyFigures {
    let (mut earned, mut spent, mut expired, mut net) = (0i64, 0i64, 0i64, 0i64);
    for (kind, amount) in entries {
        let amount = amount.0;
        net += amount;
        match kind {
            TransferKind::Expire => expired -= amount,
            TransferKind::Release => spent -= amount,
            _ if amount > 0 => earned += amount,
            _ => spent -= amount,
        }
    }
    MonthlyFigures {
        opening,
        earned: Points(earned),
        spent: Points(spent),
        expired: Points(expired),
        closing: Points(opening.0 + net),
        on_hold,
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
    fn a_month_adds_up_from_opening_to_closing() {
        let entries = [
            (TransferKind::Earn, Points(100)),
            (TransferKind::Hold, Points(-30)),
            (TransferKind::Release, Points(30)),
            (TransferKind::Hold, Points(-20)),
            (TransferKind::Donate, Points(-5)),
            (TransferKind::Expire, Points(-10)),
            (TransferKind::Grant, Points(7)),
        ];
        let f = monthly_figures(Points(40), &entries, Points(20));
        assert_eq!(
            (f.earned, f.spent, f.expired, f.closing, f.on_hold),
            (Points(107), Points(25), Points(10), Points(112), Points(20))
        );
        assert_eq!(
            f.opening.0 + f.earned.0 - f.spent.0 - f.expired.0,
            f.closing.0
        );
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
