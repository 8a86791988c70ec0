//! Statements: a batch's lines as CSV, and what a programme's funding body is asked to pay.

use diesel::prelude::*;

use super::{Settlement, SettlementError, SettlementLine, Totals};
use crate::access::{Principal, Role};
use crate::db::Db;
use crate::paid::money::Fen;
use crate::paid::{ProgramId, Programme};
use crate::schema::{paid_order_money, paid_order_subsidies, paid_refund_subsidies, paid_refunds};

/// One line of a programme's claim: an order's subsidy, or a refund giving some back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimLine {
    /// The order.
    pub order_id: i64,
    /// The refund, for a negative line.
    pub refund_id: Option<i64>,
    /// Subsidy claimed (negative when refunded).
    pub amount: Fen,
    /// The batch the order or refund was settled in.
    pub settlement: Option<i64>,
}

/// What a programme's funding body is asked to pay: the subsidy of every confirmed order,
/// less refunds, line by line.
pub async fn claim_statement(
    db: &Db,
    principal: Principal,
    program: ProgramId,
) -> Result<(Programme, Vec<ClaimLine>, Fen), SettlementError> {
    db.run(move |conn| {
        let programme =
            crate::paid::store::programme(conn, program)?.ok_or(SettlementError::NotFound)?;
        let path = crate::areas::store::get(conn, programme.funding_area)?
            .map(|a| a.path)
            .unwrap_or_default();
        if !principal.holds_any(&[Role::StreetAdmin, Role::PlatformAdmin], &path) {
            return Err(SettlementError::Forbidden);
        }
        let confirmed = paid_order_money::table
            .filter(paid_order_money::confirmed_at.is_not_null())
            .select(paid_order_money::order_id);
        let orders: Vec<(i64, i64)> = paid_order_subsidies::table
            .filter(paid_order_subsidies::program_id.eq(program.0))
            .filter(paid_order_subsidies::order_id.eq_any(confirmed))
            .order(paid_order_subsidies::order_id)
            .select((
                paid_order_subsidies::order_id,
                paid_order_subsidies::amount_fen,
            ))
            .load(conn)?;
        let settled = super::entries::batches_of_orders(
            conn,
            &orders.iter().map(|o| o.0).collect::<Vec<_>>(),
        )?;
        let refunds: Vec<(i64, i64, i64)> = paid_refund_subsidies::table
            .inner_join(paid_refunds::table)
            .filter(paid_refund_subsidies::program_id.eq(program.0))
            .order(paid_refunds::id)
            .select((
                paid_refunds::order_id,
                paid_refunds::id,
                paid_refund_subsidies::amount_fen,
            ))
            .load(conn)?;
        let refunds_settled = super::entries::batches_of_refunds(
            conn,
            &refunds.iter().map(|r| r.1).collect::<Vec<_>>(),
        )?;
        let mut lines: Vec<ClaimLine> = orders
            .into_iter()
            .map(|(order_id, amount)| ClaimLine {
                order_id,
                refund_id: None,
                amount: Fen(amount),
                settlement: settled.iter().find(|s| s.0 == order_id).map(|s| s.1),
            })
            .collect();
        lines.extend(
            refunds
                .into_iter()
                .map(|(order_id, refund, amount)| ClaimLine {
                    order_id,
                    refund_id: Some(refund),
                    amount: Fen(-amount),
                    settlement: refunds_settled.iter().find(|s| s.0 == refund).map(|s| s.1),
                }),
        );
        let total = Fen(lines.iter().map(|l| l.amount.0).sum());
        Ok((programme, lines, total))
    })
    .await
}

/// The lines of a batch as CSV (UTF-8, header first, amounts as decimal strings) and a totals
/// row that equals the batch's totals.
pub fn statement_csv(batch: &Settlement, lines: &[SettlementLine]) -> String {
    let mut out =
        String::from("order_id,refund_id,kind,gross,subsidy,points,copay,commission,net\n");
    let mut sum = Totals::default();
    for line in lines {
        sum.add(&line.totals);
        let t = line.totals;
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\n",
            line.order_id,
            line.refund_id.map(|r| r.to_string()).unwrap_or_default(),
            line.kind.as_str(),
            t.gross,
            t.subsidy,
            t.points,
            t.copay,
            t.commission,
            t.net
        ));
    }
    let t = batch.totals;
    out.push_str(&format!(
        "total,,,{},{},{},{},{},{}\n",
        t.gross, t.subsidy, t.points, t.copay, t.commission, t.net
    ));
    out
}
