//! Settlement batches over HTTP: drafting one now, reading batches and statements (JSON and
//! CSV), approval and payout, and a programme's subsidy claim.

use linli_domain::organizations::OrganizationId;
use linli_domain::paid::settlement::{self, SettlementReader};
use linli_domain::paid::{ProgramId, SettlementId};
use linli_domain::time::now_utc;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{ApiResponse, OpenApi};

use super::problems::{SettlementOperationError, map_settlement};
use super::views::{
    CreateSettlementRequest, MarkSettlementPaidRequest, SettlementStatementView, SettlementView,
    SubsidyClaimView,
};
use crate::auth::SessionAuth;
use crate::body::JsonBody;
use crate::problem::Problem;
use crate::responses::CreatedOrFound;
use crate::routes::ApiTags;
use crate::state::AppState;

/// Endpoints of `settlements`.
pub struct SettlementsApi {
    /// Shared state.
    pub state: AppState,
}

/// A statement as CSV.
#[derive(Debug, ApiResponse)]
pub enum SettlementStatementCsv {
    /// One line per order or refund, then the totals.
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Csv(PlainText<String>),
}

/// A batch with its lines.
pub async fn statement(
    state: &AppState,
    reader: SettlementReader,
    id: i64,
) -> Result<SettlementStatementView, SettlementOperationError> {
    let (batch, lines) = settlement::get_settlement(&state.db, reader, SettlementId(id))
        .await
        .map_err(map_settlement)?;
    Ok(SettlementStatementView {
        settlement: batch.into(),
        lines: lines.into_iter().map(Into::into).collect(),
    })
}

#[OpenApi(tag = "ApiTags::PaidServices")]
impl SettlementsApi {
    /// Draft a settlement batch now
    ///
    /// A street admin over the provider's communities settles a past period `[period_start,
    /// period_end)` at once instead of waiting for the job: every confirmed, unsettled order
    /// and every unsettled refund before the end. Once per provider and period: asking again
    /// returns the batch (200).
    #[oai(
        path = "/settlements",
        method = "post",
        operation_id = "create_settlement"
    )]
    async fn create_settlement(
        &self,
        auth: SessionAuth,
        body: JsonBody<CreateSettlementRequest>,
    ) -> Result<CreatedOrFound<SettlementView>, SettlementOperationError> {
        let b = body.0;
        let now = now_utc();
        let (start, end) = (b.period_start.naive_utc(), b.period_end.naive_utc());
        if end <= start || end > now {
            return Err(SettlementOperationError::Invalid(
                Problem::new(
                    poem::http::StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_period",
                    "the period must be non-empty and over",
                )
                .into(),
            ));
        }
        let (batch, new) = settlement::draft_settlement(
            &self.state.db,
            auth.0.principal,
            OrganizationId(b.organization_id),
            start,
            end,
            now,
        )
        .await
        .map_err(map_settlement)?;
        Ok(if new {
            CreatedOrFound::Created(Json(batch.into()))
        } else {
            CreatedOrFound::Found(Json(batch.into()))
        })
    }

    /// List a provider's settlements
    ///
    /// Newest period first; to street admins over its communities and the provider's admins
    /// and leaders.
    #[oai(
        path = "/settlements",
        method = "get",
        operation_id = "list_settlements"
    )]
    async fn list_settlements(
        &self,
        auth: SessionAuth,
        /// The provider.
        organization_id: Query<i64>,
    ) -> Result<Json<Vec<SettlementView>>, SettlementOperationError> {
        let list = settlement::list_settlements(
            &self.state.db,
            SettlementReader::Person(auth.0.principal),
            OrganizationId(organization_id.0),
        )
        .await
        .map_err(map_settlement)?;
        Ok(Json(list.into_iter().map(Into::into).collect()))
    }

    /// Show a settlement statement
    ///
    /// The batch with every line (orders, and refunds as negative lines); the lines add up to
    /// the totals to the fen.
    #[oai(
        path = "/settlements/:settlement_id",
        method = "get",
        operation_id = "get_settlement"
    )]
    async fn get_settlement(
        &self,
        auth: SessionAuth,
        /// The batch.
        settlement_id: Path<i64>,
    ) -> Result<Json<SettlementStatementView>, SettlementOperationError> {
        Ok(Json(
            statement(
                &self.state,
                SettlementReader::Person(auth.0.principal),
                settlement_id.0,
            )
            .await?,
        ))
    }

    /// Export a settlement statement (CSV)
    ///
    /// The same lines as `get_settlement`, then a totals row.
    #[oai(
        path = "/settlements/:settlement_id/statement.csv",
        method = "get",
        operation_id = "export_settlement_statement"
    )]
    async fn export_settlement_statement(
        &self,
        auth: SessionAuth,
        /// The batch.
        settlement_id: Path<i64>,
    ) -> Result<SettlementStatementCsv, SettlementOperationError> {
        let (batch, lines) = settlement::get_settlement(
            &self.state.db,
            SettlementReader::Person(auth.0.principal),
            SettlementId(settlement_id.0),
        )
        .await
        .map_err(map_settlement)?;
        Ok(SettlementStatementCsv::Csv(PlainText(
            settlement::statement_csv(&batch, &lines),
        )))
    }

    /// Approve a settlement
    ///
    /// A street admin over the provider's communities approves a draft batch.
    #[oai(
        path = "/settlements/:settlement_id/approval",
        method = "post",
        operation_id = "approve_settlement"
    )]
    async fn approve_settlement(
        &self,
        auth: SessionAuth,
        /// The batch.
        settlement_id: Path<i64>,
    ) -> Result<Json<SettlementView>, SettlementOperationError> {
        let batch = settlement::approve_settlement(
            &self.state.db,
            auth.0.principal,
            SettlementId(settlement_id.0),
            now_utc(),
        )
        .await
        .map_err(map_settlement)?;
        Ok(Json(batch.into()))
    }

    /// Record a settlement's payout
    ///
    /// Only an approved batch (a draft answers 409 `settlement_not_approved`), with the bank
    /// reference; the net payable leaves the provider's account.
    #[oai(
        path = "/settlements/:settlement_id/payment",
        method = "post",
        operation_id = "mark_settlement_paid"
    )]
    async fn mark_settlement_paid(
        &self,
        auth: SessionAuth,
        /// The batch.
        settlement_id: Path<i64>,
        body: JsonBody<MarkSettlementPaidRequest>,
    ) -> Result<Json<SettlementView>, SettlementOperationError> {
        let batch = settlement::mark_settlement_paid(
            &self.state.db,
            auth.0.principal,
            SettlementId(settlement_id.0),
            body.0.reference,
            now_utc(),
        )
        .await
        .map_err(map_settlement)?;
        Ok(Json(batch.into()))
    }

    /// Show a programme's subsidy claim
    ///
    /// For the funding body: the subsidy of every confirmed order, less refunds, line by line,
    /// with the settlement batch each went into.
    #[oai(
        path = "/subsidy-programs/:program_id/claim",
        method = "get",
        operation_id = "get_subsidy_claim"
    )]
    async fn get_subsidy_claim(
        &self,
        auth: SessionAuth,
        /// The programme.
        program_id: Path<i64>,
    ) -> Result<Json<SubsidyClaimView>, SettlementOperationError> {
        let (programme, lines, total) =
            settlement::claim_statement(&self.state.db, auth.0.principal, ProgramId(program_id.0))
                .await
                .map_err(map_settlement)?;
        Ok(Json(SubsidyClaimView {
            program: linli_domain::paid::programmes::ProgrammeView {
                programme,
                funder: true,
            }
            .into(),
            lines: lines.into_iter().map(Into::into).collect(),
            total: total.to_string(),
        }))
    }
}
