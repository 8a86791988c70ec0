//! Pure rules of honour hours: what a valid addition is and the yearly cap.

/// Most honour hours one addition may carry.
pub const MAX_HOURS: i64 = 1_000;

/// Why an addition is invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// Hours are whole, positive and at most [`MAX_HOURS`].
    #[error("honour hours must be 1–1000")]
    Hours,
    /// The reason is 2–200 characters.
    #[error("the reason must be 2–200 characters")]
    Reason,
}

/// Checks the hours and the reason of an addition; the reason comes back trimmed.
pub fn check_input(hours: i64, reason: &str) -> Result<String, InputError> {
    if !(1..=MAX_HOURS).contains(&hours) {
        return Err(InputError::Hours);
    }
    let reason = reason.trim();
    if !(2..=200).contains(&reason.chars().count()) {
        return Err(InputError::Reason);
    }
    Ok(reason.to_owned())
}

/// Whether `hours` more fit under the yearly `cap` (none: the community sets no cap) when the
/// volunteer already has `already` this year.
pub fn within_cap(cap: Option<i64>, already: i64, hours: i64) -> bool {
    cap.is_none_or(|cap| already.saturating_add(hours) <= cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_are_positive_and_bounded_and_reasons_are_words() {
        assert_eq!(check_input(0, "抗洪抢险"), Err(InputError::Hours));
        assert_eq!(check_input(-3, "抗洪抢险"), Err(InputError::Hours));
        assert_eq!(check_input(1_001, "抗洪抢险"), Err(InputError::Hours));
        assert_eq!(check_input(4, " x "), Err(InputError::Reason));
        assert_eq!(check_input(4, " 抗洪抢险 "), Ok("抗洪抢险".to_owned()));
    }

    #[test]
    fn the_cap_counts_what_the_year_already_holds() {
        assert!(within_cap(Some(20), 12, 8));
        assert!(!within_cap(Some(20), 12, 9));
        assert!(within_cap(None, 5_000, 10));
        assert!(!within_cap(Some(0), 0, 1));
    }
}
