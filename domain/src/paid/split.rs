//! The split of one order across subsidy, points and co-payment, the platform's commission and
//! the provider's net, and the split of a refund back to whoever paid — pure arithmetic over
//! [`Fen`], every share through [`allocate`] so the parts add up exactly.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

use super::ProgramId;
use super::money::{Fen, MAX_FEN, allocate, share};

/// How a programme subsidises an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubsidyRule {
    /// This share of the gross, in basis points (5000 = 50 %).
    Percent(i64),
    /// This amount per unit booked.
    FixedPerUnit(Fen),
}

/// A programme the resident is eligible for, with the room it has left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubsidyRoom {
    /// The programme.
    pub program: ProgramId,
    /// Its rule.
    pub rule: SubsidyRule,
    /// What the resident may still receive from it this month.
    pub monthly_room: Fen,
    /// Its unspent, unreserved budget.
    pub budget_room: Fen,
}

/// A community's terms for points spent on paid services.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PointsTerms {
    /// What one point is worth.
    pub fen_per_point: i64,
    /// The most of what is left after subsidy that points may pay, in percent.
    pub max_percent: i64,
}

/// What a community that set no terms uses: a point is worth ¥0.10 and may pay up to half.
pub const DEFAULT_POINTS_TERMS: PointsTerms = PointsTerms {
    fen_per_point: 10,
    max_percent: 50,
};

/// The commission of a provider without a contract of its own: 5 %.
pub const DEFAULT_COMMISSION_BP: i64 = 500;

/// What to split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitInput {
    /// Price per unit (snapshotted).
    pub unit_price: Fen,
    /// Units booked.
    pub quantity: i64,
    /// Eligible programmes, applied in this order.
    pub programmes: Vec<SubsidyRoom>,
    /// Points the resident chose to spend.
    pub points: i64,
    /// The community's points terms.
    pub points_terms: PointsTerms,
    /// The provider's commission in basis points.
    pub commission_bp: i64,
}

/// The split of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// quantity × unit price.
    pub gross: Fen,
    /// What each programme pays (only those paying something).
    pub subsidies: Vec<(ProgramId, Fen)>,
    /// Their sum.
    pub subsidy: Fen,
    /// Points spent.
    pub points: i64,
    /// Their value.
    pub points_value: Fen,
    /// The most points this order could take.
    pub max_points: i64,
    /// What the resident pays: gross − subsidy − points value.
    pub copay: Fen,
    /// The commission rate applied, in basis points.
    pub commission_bp: i64,
    /// The platform's commission on the gross.
    pub commission: Fen,
    /// The provider's net: gross − commission.
    pub net: Fen,
}

/// Why an order cannot be split as asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    /// quantity × price beyond ¥1,000,000.00.
    #[error("the order would cost more than 1000000.00")]
    TooLarge,
    /// More points than the community's cap allows on this order.
    #[error("at most {max} points may pay for this order")]
    PointsAboveCap {
        /// The most allowed.
        max: i64,
    },
    /// A negative number of points.
    #[error("points must not be negative")]
    NegativePoints,
}

/// Splits an order: gross; each programme's subsidy (its rule, capped by what is left of the
/// gross, the resident's monthly room and the programme's budget); points (capped by the
/// community's share of what is left after subsidy, at its rate); the co-payment as the rest;
/// commission and net by [`share`].
pub fn split(input: &SplitInput) -> Result<Split, SplitError> {
    if input.points < 0 {
        return Err(SplitError::NegativePoints);
    }
    let gross = input
        .unit_price
        .checked_mul(input.quantity)
        .filter(|g| g.0 > 0 && g.0 <= MAX_FEN)
        .ok_or(SplitError::TooLarge)?;
    let mut left = gross;
    let mut subsidies = Vec::new();
    for room in &input.programmes {
        let by_rule = match room.rule {
            SubsidyRule::Percent(bp) => share(gross, bp).0,
            SubsidyRule::FixedPerUnit(per_unit) => {
                per_unit.checked_mul(input.quantity).unwrap_or(Fen(MAX_FEN))
            }
        };
        let amount = by_rule
            .min(left)
            .min(room.monthly_room)
            .min(room.budget_room)
            .max(Fen::ZERO);
        if amount.0 > 0 {
            subsidies.push((room.program, amount));
            left = Fen(left.0 - amount.0);
        }
    }
    let subsidy = Fen(gross.0 - left.0);
    let rate = input.points_terms.fen_per_point.max(1);
    let points_room = share(left, input.points_terms.max_percent.clamp(0, 100) * 100).0;
    let max_points = points_room.0 / rate;
    if input.points > max_points {
        return Err(SplitError::PointsAboveCap { max: max_points });
    }
    let points_value = Fen(input.points * rate);
    let copay = Fen(left.0 - points_value.0);
    let (commission, net) = share(gross, input.commission_bp);
    Ok(Split {
        gross,
        subsidies,
        subsidy,
        points: input.points,
        points_value,
        max_points,
        copay,
        commission_bp: input.commission_bp,
        commission,
        net,
    })
}

/// What of an order is still refundable: its parts less what earlier refunds gave back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refundable {
    /// Per programme.
    pub subsidies: Vec<(ProgramId, Fen)>,
    /// Points still spent on the order.
    pub points: i64,
    /// The community's rate the points were spent at.
    pub fen_per_point: i64,
    /// Co-payment still due.
    pub copay: Fen,
    /// The order's gross.
    pub gross: Fen,
    /// Refunded so far.
    pub refunded: Fen,
    /// The order's commission rate.
    pub commission_bp: i64,
}

impl Refundable {
    /// Everything still refundable.
    pub fn total(&self) -> Fen {
        Fen(self.gross.0 - self.refunded.0)
    }
}

/// A refund's parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundSplit {
    /// The amount refunded.
    pub amount: Fen,
    /// Back to each programme.
    pub subsidies: Vec<(ProgramId, Fen)>,
    /// Their sum.
    pub subsidy: Fen,
    /// Points back to the resident.
    pub points: i64,
    /// Their value.
    pub points_value: Fen,
    /// Co-payment no longer due.
    pub copay: Fen,
    /// Commission the platform gives back.
    pub commission: Fen,
}

/// Why a refund is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RefundError {
    /// More than is left to refund.
    #[error("at most {left} may be refunded")]
    AboveRefundable {
        /// What is left.
        left: Fen,
    },
    /// The points part cannot be given back in whole points.
    #[error("this amount cannot be refunded in whole points; try a multiple of the point value")]
    NotWholePoints,
}

/// Splits a refund of `amount` in proportion to what each funder still has in the order; the
/// points part is rounded to whole points and the difference taken from the co-payment part
/// (or a subsidy part). A refund of everything left gives everything back exactly.
pub fn refund_split(left: &Refundable, amount: Fen) -> Result<RefundSplit, RefundError> {
    let total = left.total();
    if amount.0 <= 0 || amount > total {
        return Err(RefundError::AboveRefundable { left: total });
    }
    let rate = left.fen_per_point.max(1);
    let points_left = Fen(left.points * rate);
    let mut weights: Vec<Decimal> = left
        .subsidies
        .iter()
        .map(|(_, f)| Decimal::from(f.0))
        .collect();
    weights.push(Decimal::from(points_left.0));
    weights.push(Decimal::from(left.copay.0));
    let mut parts: Vec<i64> = allocate(amount, &weights)
        .into_iter()
        .map(|f| f.0)
        .collect();
    let n = left.subsidies.len();
    let points = if amount == total {
        left.points
    } else {
        let exact = Decimal::from(parts[n]) / Decimal::from(rate);
        let rounded = exact
            .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
            .to_i64()
            .unwrap_or(0);
        let delta = rounded * rate - parts[n];
        parts[n] += delta;
        // Take the difference from the co-payment first, then from the subsidies.
        let mut owed = delta;
        let rooms: Vec<usize> = std::iter::once(n + 1).chain(0..n).collect();
        for i in rooms {
            if owed == 0 {
                break;
            }
            let cap = if i == n + 1 {
                left.copay.0
            } else {
                left.subsidies[i].1.0
            };
            let next = (parts[i] - owed).clamp(0, cap);
            owed -= parts[i] - next;
            parts[i] = next;
        }
        if owed != 0 || rounded > left.points {
            return Err(RefundError::NotWholePoints);
        }
        rounded
    };
    let subsidies: Vec<(ProgramId, Fen)> = left
        .subsidies
        .iter()
        .zip(&parts)
        .filter(|(_, p)| **p > 0)
        .map(|((id, _), p)| (*id, Fen(*p)))
        .collect();
    let subsidy = Fen(subsidies.iter().map(|(_, f)| f.0).sum());
    let before = share(total, left.commission_bp).0;
    let after = share(Fen(total.0 - amount.0), left.commission_bp).0;
    Ok(RefundSplit {
        amount,
        subsidies,
        subsidy,
        points,
        points_value: Fen(parts[n]),
        copay: Fen(parts[n + 1]),
        commission: Fen(before.0 - after.0),
    })
}

#[cfg(test)]
mod tests;
