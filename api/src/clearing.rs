//! Settling clearing positions (通存通兑) over HTTP: a street admin brings the clearing
//! positions of the street's communities back to zero, one ledger transfer per community.

use chrono::{DateTime, Utc};
use linli_domain::areas::AreaId;
use linli_domain::ledger::PostError;
use linli_domain::ledger::settlement::{self, Settlement, SettlementError};
use linli_domain::time::now_utc;
use poem::http::StatusCode;
use poem_openapi::param::Header;
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Object, OpenApi};

use crate::auth::SessionAuth;
use crate::body::JsonBody;
use crate::problem::{Problem, ProblemJson, Rejection, from_store_error, reject, rejected};
use crate::responses::CreatedOrFound;
use crate::routes::ApiTags;
use crate::state::AppState;

/// Endpoints of the `ledger/clearing-settlements` resource.
pub struct ClearingApi {
    /// Shared state.
    pub state: AppState,
}

/// Which street to settle.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct SettleClearingRequest {
    /// The street (街道) whose communities' positions are settled.
    pub street_id: i64,
}

impl Example for SettleClearingRequest {
    fn example() -> Self {
        Self { street_id: 2 }
    }
}

/// One transfer of a settlement.
#[derive(Debug, Clone, Object)]
pub struct SettlementTransferView {
    /// The transfer.
    pub transfer_id: i64,
    /// The ledger account points left.
    pub debit_account_id: i64,
    /// The ledger account points reached.
    pub credit_account_id: i64,
    /// Points moved.
    pub amount: i64,
}

/// A settlement of a street's clearing positions.
#[derive(Debug, Clone, Object)]
pub struct ClearingSettlementView {
    /// Its id.
    pub id: i64,
    /// The street.
    pub street_id: i64,
    /// Who settled.
    pub settled_by: i64,
    /// Communities whose position was settled (0: every position was zero already).
    pub communities: i32,
    /// Points moved: the sum of the positive positions, equal to the negative ones.
    pub points: i64,
    /// When (the first time, for a replay).
    pub created_at: DateTime<Utc>,
    /// One transfer per community, between its clearing account and the street's.
    pub transfers: Vec<SettlementTransferView>,
}

impl From<Settlement> for ClearingSettlementView {
    fn from(s: Settlement) -> Self {
        Self {
            id: s.id,
            street_id: s.street.0,
            settled_by: s.settled_by.0,
            communities: s.communities,
            points: s.points.0,
            created_at: s.created_at.and_utc(),
            transfers: s
                .transfers
                .into_iter()
                .map(|t| SettlementTransferView {
                    transfer_id: t.id.0,
                    debit_account_id: t.debit.0,
                    credit_account_id: t.credit.0,
                    amount: t.amount.0,
                })
                .collect(),
        }
    }
}

/// Errors of `settle_clearing_positions`.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum SettleClearingError {
    /// Only the street's admins and platform admins settle it (`forbidden`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// No such area (`area_not_found`).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// The area is not a street (`not_a_street`), or the `Idempotency-Key` was used for a
    /// settlement of another street (`idempotency_key_reused`).
    #[oai(status = 422)]
    Invalid(ProblemJson),
    /// Refused before the operation ran (400, 401, 413, 415) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for SettleClearingError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

fn map_error(error: SettlementError) -> SettleClearingError {
    use SettleClearingError as E;
    let detail = error.to_string();
    match error {
        SettlementError::NotFound => E::NotFound(
            Problem::new(StatusCode::NOT_FOUND, "area_not_found", "no such area").into(),
        ),
        SettlementError::Forbidden => {
            E::Forbidden(Problem::new(StatusCode::FORBIDDEN, "forbidden", &detail).into())
        }
        SettlementError::NotAStreet => E::Invalid(
            Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "not_a_street", &detail).into(),
        ),
        SettlementError::KeyReused => E::Invalid(
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "this Idempotency-Key was used for a different request",
            )
            .into(),
        ),
        SettlementError::Refused(PostError::Store(e)) | SettlementError::Store(e) => {
            rejected(from_store_error(&e))
        }
        // Settlement transfers move positive positions between clearing accounts, which may
        // go below zero; a refusal is a defect, reported as such.
        SettlementError::Refused(
            other @ (PostError::NotPositive
            | PostError::SameAccount
            | PostError::UnknownAccount(_)
            | PostError::Insufficient { .. }
            | PostError::KeyReused
            | PostError::UnknownTransfer
            | PostError::AlreadyReversed
            | PostError::NotReversible),
        ) => rejected(Problem::internal(&other)),
    }
}

#[OpenApi(tag = "ApiTags::Points")]
impl ClearingApi {
    /// Settle a street's clearing positions
    ///
    /// Brings every clearing position (通存通兑) of the street's communities back to zero with
    /// one ledger transfer per community, between its clearing account and the street's own
    /// clearing account: a community whose people spent points elsewhere pays the street, a
    /// community that honoured others' points is paid by it. The positions of a street sum to
    /// zero, so the street's account ends at zero and no point is created or lost; the
    /// reconciliation stays sound. Audited (`ledger.clearing_settled`). Street admins over the
    /// street and platform admins. Takes an `Idempotency-Key`: a retry returns the first
    /// settlement (200) and moves nothing; once settled, a new key finds nothing left to move.
    #[oai(
        path = "/ledger/clearing-settlements",
        method = "post",
        operation_id = "settle_clearing_positions"
    )]
    async fn settle_clearing_positions(
        &self,
        auth: SessionAuth,
        /// Unique per intended settlement, chosen by the client (1–100 characters).
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 100))]
        idempotency_key: Header<String>,
        body: JsonBody<SettleClearingRequest>,
    ) -> Result<CreatedOrFound<ClearingSettlementView>, SettleClearingError> {
        let (done, new) = settlement::settle_street(
            &self.state.db,
            auth.0.principal,
            AreaId(body.0.street_id),
            idempotency_key.0,
            now_utc(),
        )
        .await
        .map_err(map_error)?;
        let view = Json(ClearingSettlementView::from(done));
        Ok(if new {
            CreatedOrFound::Created(view)
        } else {
            CreatedOrFound::Found(view)
        })
    }
}
