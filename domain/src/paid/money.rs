//! Money as whole fen (分): parsing the API's decimal strings, showing them again, and the one
//! largest-remainder allocation every split goes through, so parts always add up to the fen.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// An amount of CNY in fen; may be negative for adjustments and balances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Fen(pub i64);

/// The largest amount one price or order may carry: ¥1,000,000.00.
pub const MAX_FEN: i64 = 100_000_000;

impl Fen {
    /// Zero fen.
    pub const ZERO: Fen = Fen(0);

    /// The amount as a decimal of yuan, exact.
    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.0, 2)
    }

    /// Adds, or none on overflow.
    pub fn checked_add(self, other: Fen) -> Option<Fen> {
        self.0.checked_add(other.0).map(Fen)
    }

    /// Subtracts, or none on overflow.
    pub fn checked_sub(self, other: Fen) -> Option<Fen> {
        self.0.checked_sub(other.0).map(Fen)
    }

    /// Multiplies by a whole count, or none on overflow.
    pub fn checked_mul(self, count: i64) -> Option<Fen> {
        self.0.checked_mul(count).map(Fen)
    }
}

impl fmt::Display for Fen {
    /// Yuan with exactly two decimals, as the API shows money: `"35.50"`, `"-0.07"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

/// Why a money string was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Not a plain decimal number (`"12.5"`, `"12"`, `"0.07"`).
    #[error("must be a decimal string such as \"35.50\"")]
    Malformed,
    /// More than two decimals: the fen is the smallest unit.
    #[error("must have at most 2 decimals")]
    TooPrecise,
    /// Negative where only positive amounts make sense, or zero.
    #[error("must be more than zero")]
    NotPositive,
    /// Beyond ¥1,000,000.00.
    #[error("must be at most 1000000.00")]
    TooLarge,
}

impl MoneyError {
    /// A stable code for the client.
    pub fn code(self) -> &'static str {
        match self {
            Self::Malformed => "not_money",
            Self::TooPrecise => "too_many_decimals",
            Self::NotPositive => "not_positive",
            Self::TooLarge => "too_large",
        }
    }
}

/// Parses a positive price or amount written as a decimal string with at most two decimals.
/// Only ASCII digits and one dot are accepted: no sign, exponent, spaces or separators, so
/// `"1e2"`, `" 3"` and `"+3"` are refused rather than guessed at.
pub fn parse_amount(raw: &str) -> Result<Fen, MoneyError> {
    let (whole, fraction) = match raw.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (raw, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || fraction.is_some_and(|f| !digits(f)) {
        return Err(MoneyError::Malformed);
    }
    if fraction.is_some_and(|f| f.len() > 2) {
        return Err(MoneyError::TooPrecise);
    }
    let value = Decimal::from_str(raw).map_err(|_| MoneyError::TooLarge)?;
    let fen = (value * Decimal::ONE_HUNDRED)
        .to_i64()
        .ok_or(MoneyError::TooLarge)?;
    if fen <= 0 {
        return Err(MoneyError::NotPositive);
    }
    if fen > MAX_FEN {
        return Err(MoneyError::TooLarge);
    }
    Ok(Fen(fen))
}

/// Splits `total` fen into parts proportional to `weights` (largest remainder, Hamilton's
/// method): each part gets the floor of its exact share, then the fen left over go one each
/// to the parts with the largest remainders, earlier parts first on ties. The parts always
/// sum to `total`. Weights must be non-negative; all-zero weights put everything in the last
/// part.
pub fn allocate(total: Fen, weights: &[Decimal]) -> Vec<Fen> {
    let Some(last) = weights.len().checked_sub(1) else {
        return Vec::new();
    };
    let sum: Decimal = weights.iter().copied().filter(|w| *w > Decimal::ZERO).sum();
    if sum.is_zero() {
        let mut parts = vec![Fen::ZERO; weights.len()];
        parts[last] = total;
        return parts;
    }
    let negative = total.0 < 0;
    let magnitude = Decimal::from(total.0.unsigned_abs());
    let mut parts = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    let mut given: i64 = 0;
    for (index, weight) in weights.iter().enumerate() {
        let weight = (*weight).max(Decimal::ZERO);
        let exact = magnitude * weight / sum;
        let floor = exact.floor();
        let whole = floor.to_i64().unwrap_or(0);
        given += whole;
        parts.push(whole);
        remainders.push((exact - floor, index));
    }
    let mut left = total.0.unsigned_abs() as i64 - given;
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, index) in remainders.iter().cycle() {
        if left <= 0 {
            break;
        }
        parts[*index] += 1;
        left -= 1;
    }
    parts
        .into_iter()
        .map(|p| Fen(if negative { -p } else { p }))
        .collect()
}

/// The share `basis_points` / 10,000 of `total` and what is left, through [`allocate`].
pub fn share(total: Fen, basis_points: i64) -> (Fen, Fen) {
    let bp = Decimal::from(basis_points.clamp(0, 10_000));
    let parts = allocate(total, &[bp, Decimal::from(10_000) - bp]);
    (parts[0], parts[1])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn amounts_parse_with_at_most_two_decimals() {
        assert_eq!(parse_amount("35.50"), Ok(Fen(3550)));
        assert_eq!(parse_amount("35.5"), Ok(Fen(3550)));
        assert_eq!(parse_amount("12"), Ok(Fen(1200)));
        assert_eq!(parse_amount("0.07"), Ok(Fen(7)));
        assert_eq!(parse_amount("1.234"), Err(MoneyError::TooPrecise));
        assert_eq!(parse_amount("1e2"), Err(MoneyError::Malformed));
        assert_eq!(parse_amount("-3"), Err(MoneyError::Malformed));
        assert_eq!(parse_amount(" 3"), Err(MoneyError::Malformed));
        assert_eq!(parse_amount("3."), Err(MoneyError::Malformed));
        assert_eq!(parse_amount(".5"), Err(MoneyError::Malformed));
        assert_eq!(parse_amount("0.00"), Err(MoneyError::NotPositive));
        assert_eq!(parse_amount("1000000.01"), Err(MoneyError::TooLarge));
        assert_eq!(
            parse_amount("99999999999999999999999999999"),
            Err(MoneyError::TooLarge)
        );
    }

    #[test]
    fn amounts_print_with_two_decimals() {
        assert_eq!(Fen(3550).to_string(), "35.50");
        assert_eq!(Fen(7).to_string(), "0.07");
        assert_eq!(Fen(-7).to_string(), "-0.07");
        assert_eq!(Fen(0).to_string(), "0.00");
    }

    #[test]
    fn allocation_gives_leftover_fen_to_the_largest_remainders() {
        let thirds = [Decimal::ONE, Decimal::ONE, Decimal::ONE];
        assert_eq!(allocate(Fen(100), &thirds), [Fen(34), Fen(33), Fen(33)]);
        assert_eq!(allocate(Fen(-100), &thirds), [Fen(-34), Fen(-33), Fen(-33)]);
        assert_eq!(share(Fen(999), 500), (Fen(50), Fen(949)));
        assert_eq!(
            allocate(Fen(5), &[Decimal::ZERO, Decimal::ZERO]),
            [Fen(0), Fen(5)]
        );
    }

    proptest! {
        #[test]
        fn allocated_parts_always_sum_to_the_total(
            total in -MAX_FEN..MAX_FEN,
            weights in proptest::collection::vec(0u32..100_000, 1..8),
        ) {
            let weights: Vec<Decimal> = weights.into_iter().map(Decimal::from).collect();
            let parts = allocate(Fen(total), &weights);
            prop_assert_eq!(parts.iter().map(|p| p.0).sum::<i64>(), total);
            let sum: Decimal = weights.iter().sum();
            if !sum.is_zero() {
                for (part, weight) in parts.iter().zip(&weights) {
                    let exact = Decimal::from(total) * weight / sum;
                    prop_assert!((Decimal::from(part.0) - exact).abs() < Decimal::ONE);
                }
            }
        }

        #[test]
        fn printed_amounts_parse_back(fen in 1..=MAX_FEN) {
            prop_assert_eq!(parse_amount(&Fen(fen).to_string()), Ok(Fen(fen)));
        }
    }
}
