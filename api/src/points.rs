//! Volunteer points over HTTP: balances, statements (JSON and CSV), donations to the community
//! pool, staff grants from it, and the ledger's reconciliation for platform admins.

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use linli_domain::accounts::UserId;
use linli_domain::ledger::store::StatementLine;
use linli_domain::ledger::usecases::{self, PointsBalance, PointsError, Statement};
use linli_domain::ledger::{Points, PostError, Posted, Reconciliation};
use linli_domain::time::now_utc;
use poem::http::StatusCode;
use poem_openapi::param::{Header, Query};
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Object, OpenApi};

use crate::auth::SessionAuth;
use crate::body::JsonBody;
use crate::problem::{Problem, ProblemJson, Rejection, from_store_error, reject, rejected};
use crate::responses::CreatedOrFound;
use crate::routes::ApiTags;
use crate::state::AppState;

/// Endpoints of the `points` resource.
pub struct PointsApi {
    /// Shared state.
    pub state: AppState,
}

/// The longest period one statement covers.
const MAX_STATEMENT_DAYS: i64 = 366;

/// A person's points now.
#[derive(Debug, Clone, Object)]
pub struct PointsBalanceView {
    /// Whose.
    pub user_id: i64,
    /// Spendable points.
    pub available: i64,
    /// Points set aside for redemptions not yet fulfilled.
    pub on_hold: i64,
}

impl From<PointsBalance> for PointsBalanceView {
    fn from(b: PointsBalance) -> Self {
        Self {
            user_id: b.user.0,
            available: b.available.0,
            on_hold: b.on_hold.0,
        }
    }
}

/// One movement on a statement.
#[derive(Debug, Clone, Object)]
pub struct StatementLineView {
    /// When it was posted.
    pub posted_at: DateTime<Utc>,
    /// The transfer.
    pub transfer_id: i64,
    /// earn, grant, hold, capture, release, donate, transfer, expire, reverse or clearing.
    pub kind: String,
    /// Signed points: positive in, negative out.
    pub amount: i64,
    /// The balance after this line.
    pub balance_after: i64,
    /// What caused it: task, redemption, grant, donation…
    pub cause_type: String,
    /// Which one (e.g. the task).
    pub cause_id: String,
    /// Why, in words.
    pub memo: String,
}

impl From<StatementLine> for StatementLineView {
    fn from(l: StatementLine) -> Self {
        Self {
            posted_at: l.at.and_utc(),
            transfer_id: l.transfer.0,
            kind: l.kind.as_str().to_owned(),
            amount: l.amount.0,
            balance_after: l.balance_after.0,
            cause_type: l.cause.kind,
            cause_id: l.cause.id,
            memo: l.memo,
        }
    }
}

/// A statement for a period.
#[derive(Debug, Clone, Object)]
pub struct PointsStatementView {
    /// Whose.
    pub user_id: i64,
    /// Start of the period (inclusive).
    pub from: DateTime<Utc>,
    /// End of the period (exclusive).
    pub to: DateTime<Utc>,
    /// Balance before the first line.
    pub opening_balance: i64,
    /// Balance after the last line.
    pub closing_balance: i64,
    /// Every movement, oldest first.
    pub lines: Vec<StatementLineView>,
    /// Hours of service in the period, kept apart from the points.
    pub hours: StatementHoursView,
}

/// A period's hours of service: recorded help and honour hours (荣誉时长) kept apart. Honour
/// hours earn no points, so they never appear among the ledger lines.
#[derive(Debug, Clone, Object)]
pub struct StatementHoursView {
    /// Minutes of completed, recorded help checked out in the period.
    pub recorded_minutes: i64,
    /// Honour hours staff added in the period.
    pub honour_hours: i64,
    /// Each addition of honour hours in the period, oldest first.
    pub honour_hour_additions: Vec<HonourHoursLineView>,
}

/// Honour hours added by staff, as shown on a statement.
#[derive(Debug, Clone, Object)]
pub struct HonourHoursLineView {
    /// The addition.
    pub id: i64,
    /// When staff added them.
    pub added_at: DateTime<Utc>,
    /// Whole hours.
    pub hours: i64,
    /// The local year whose cap they count towards.
    pub year: i32,
    /// Why, in the words of the staff member.
    pub reason: String,
}

impl From<&Statement> for StatementHoursView {
    fn from(s: &Statement) -> Self {
        Self {
            recorded_minutes: s.hours.recorded_minutes,
            honour_hours: s.hours.honour_hours,
            honour_hour_additions: s
                .honour_hours
                .iter()
                .map(|h| HonourHoursLineView {
                    id: h.id.0,
                    added_at: h.created_at.and_utc(),
                    hours: h.hours,
                    year: h.year,
                    reason: h.reason.clone(),
                })
                .collect(),
        }
    }
}

/// A donation to the caller's community pool (爱心基金).
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct DonatePointsRequest {
    /// Whole points, at least 1.
    #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))]
    pub amount: i64,
}

/// A gift of points to a registered relative.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct CreatePointsTransferRequest {
    /// The relative (a live family consent links you).
    pub to_user_id: i64,
    /// Whole points, at least 1.
    #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))]
    pub amount: i64,
}

impl Example for CreatePointsTransferRequest {
    fn example() -> Self {
        Self {
            to_user_id: 43,
            amount: 30,
        }
    }
}

/// Points granted by staff from the community pool to a resident in need.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct GrantPointsRequest {
    /// The resident.
    pub resident_id: i64,
    /// Whole points, at least 1.
    #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))]
    pub amount: i64,
    /// Why (shown on the statement and in the audit log), 2–200 characters.
    #[oai(validator(min_length = 2, max_length = 200))]
    pub reason: String,
}

impl Example for DonatePointsRequest {
    fn example() -> Self {
        Self { amount: 20 }
    }
}

impl Example for GrantPointsRequest {
    fn example() -> Self {
        Self {
            resident_id: 42,
            amount: 50,
            reason: "独居老人春节慰问".into(),
        }
    }
}

/// A posted movement and the balance it left.
#[derive(Debug, Clone, Object)]
pub struct PointsMovementView {
    /// The transfer.
    pub transfer_id: i64,
    /// Points moved.
    pub amount: i64,
    /// When it was posted (the first time, for a replay).
    pub posted_at: DateTime<Utc>,
    /// The balance of the person whose points moved, now.
    pub balance: PointsBalanceView,
}

impl PointsMovementView {
    fn new(posted: &Posted, balance: PointsBalance) -> Self {
        let t = posted.transfer();
        Self {
            transfer_id: t.id.0,
            amount: t.amount.0,
            posted_at: t.created_at.and_utc(),
            balance: balance.into(),
        }
    }
}

/// What the ledger's reconciliation found.
#[derive(Debug, Clone, Object)]
pub struct LedgerReconciliationView {
    /// True when every invariant holds.
    pub sound: bool,
    /// Transfers checked.
    pub transfers: i64,
    /// Sum of every account's balance (0 when sound).
    pub balance_sum: i64,
    /// Transfers whose entries do not balance.
    pub unbalanced_transfer_ids: Vec<i64>,
    /// Accounts whose cached balance differs from their entries.
    pub mismatched_account_ids: Vec<i64>,
    /// Accounts below zero that may not be.
    pub negative_account_ids: Vec<i64>,
    /// Escrow accounts whose balance differs from their open holds.
    pub escrow_mismatch_account_ids: Vec<i64>,
    /// Holds resolved more than once or without a resolution transfer.
    pub bad_hold_ids: Vec<i64>,
    /// Person accounts whose open lots do not hold exactly their balance.
    pub lot_mismatch_account_ids: Vec<i64>,
    /// Each community's clearing position towards the others of its street (通存通兑).
    pub clearing_positions: Vec<ClearingPositionView>,
    /// Streets whose clearing positions do not sum to zero.
    pub unbalanced_street_ids: Vec<i64>,
}

/// A community's clearing position: points its people spent in other communities of the
/// street (positive) or points of other communities it honoured (negative).
#[derive(Debug, Clone, Object)]
pub struct ClearingPositionView {
    /// The community.
    pub community_id: i64,
    /// Its street.
    pub street_id: Option<i64>,
    /// The clearing account's balance.
    pub position: i64,
}

impl From<Reconciliation> for LedgerReconciliationView {
    fn from(r: Reconciliation) -> Self {
        Self {
            sound: r.is_sound(),
            transfers: r.transfers,
            balance_sum: r.balance_sum,
            unbalanced_transfer_ids: r.unbalanced_transfers.iter().map(|t| t.0).collect(),
            mismatched_account_ids: r.mismatched_accounts.iter().map(|a| a.0).collect(),
            negative_account_ids: r.negative_accounts.iter().map(|a| a.0).collect(),
            escrow_mismatch_account_ids: r.escrow_mismatches.iter().map(|a| a.0).collect(),
            bad_hold_ids: r.bad_holds.iter().map(|h| h.0).collect(),
            lot_mismatch_account_ids: r.lot_mismatches.iter().map(|a| a.0).collect(),
            clearing_positions: r
                .clearing_positions
                .iter()
                .map(|p| ClearingPositionView {
                    community_id: p.community.0,
                    street_id: p.street.map(|s| s.0),
                    position: p.position.0,
                })
                .collect(),
            unbalanced_street_ids: r.unbalanced_streets.iter().map(|s| s.0).collect(),
        }
    }
}

/// Errors of the points operations.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum PointsOperationError {
    /// Only platform admins may do this (`forbidden`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// No such person within your reach (`person_not_found`).
    #[oai(status = 404)]
    NotFound(ProblemJson),
    /// Too few points (`insufficient_points`), no community pool for this person
    /// (`no_community`), the recipient is no registered relative (`not_a_relative`), or the
    /// community's policy forbids gifts to relatives (`relative_transfers_disabled`).
    #[oai(status = 409)]
    Conflict(ProblemJson),
    /// The period is invalid (`invalid_period`), points to oneself (`transfer_to_self`), or the
    /// `Idempotency-Key` was used for a different request (`idempotency_key_reused`).
    #[oai(status = 422)]
    Invalid(ProblemJson),
    /// Refused before the operation ran (400, 401, 413, 415) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for PointsOperationError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

fn problem(status: StatusCode, code: &str, detail: impl Into<String>) -> ProblemJson {
    Problem::new(status, code, detail).into()
}

fn map_error(error: PointsError) -> PointsOperationError {
    use PointsOperationError as E;
    match error {
        PointsError::NotFound => E::NotFound(problem(
            StatusCode::NOT_FOUND,
            "person_not_found",
            "no such person within your reach",
        )),
        PointsError::Forbidden => E::Forbidden(problem(
            StatusCode::FORBIDDEN,
            "forbidden",
            "only platform admins may do this",
        )),
        PointsError::NoCommunity => E::Conflict(problem(
            StatusCode::CONFLICT,
            "no_community",
            "the person has no home grid, so no community pool",
        )),
        PointsError::ToSelf => E::Invalid(problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "transfer_to_self",
            "points cannot be given to oneself",
        )),
        PointsError::NotARelative => E::Conflict(problem(
            StatusCode::CONFLICT,
            "not_a_relative",
            "the recipient is not a registered relative (a family consent links relatives)",
        )),
        PointsError::RelativeTransfersDisabled => E::Conflict(problem(
            StatusCode::CONFLICT,
            "relative_transfers_disabled",
            "this community's points policy does not allow gifts to relatives",
        )),
        PointsError::Refused(refusal) => match refusal {
            PostError::Insufficient { available } => E::Conflict(problem(
                StatusCode::CONFLICT,
                "insufficient_points",
                format!("only {} points are available", available.0),
            )),
            PostError::KeyReused => E::Invalid(problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "this Idempotency-Key was used for a different request",
            )),
            PostError::NotPositive => E::Invalid(problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "amount_not_positive",
                "the amount must be at least 1 point",
            )),
            PostError::Store(e) => rejected(from_store_error(&e)),
            // Movements built by these operations never name a missing account, the same
            // account twice, or a reversal; if one does, it is a defect, reported as such.
            other @ (PostError::SameAccount
            | PostError::UnknownAccount(_)
            | PostError::UnknownTransfer
            | PostError::AlreadyReversed
            | PostError::NotReversible) => rejected(Problem::internal(&other)),
        },
        PointsError::Store(e) => rejected(from_store_error(&e)),
    }
}

/// The statement period: the last 30 days unless given; at most a year; `from` before `to`.
fn period(
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Result<(NaiveDateTime, NaiveDateTime), InvalidPeriod> {
    let to = to.map_or_else(|| now_utc() + TimeDelta::seconds(1), |t| t.naive_utc());
    let from = from.map_or(to - TimeDelta::days(30), |f| f.naive_utc());
    if from >= to || to - from > TimeDelta::days(MAX_STATEMENT_DAYS) {
        return Err(InvalidPeriod);
    }
    Ok((from, to))
}

/// A statement period that is backwards or longer than a year.
struct InvalidPeriod;

impl From<InvalidPeriod> for PointsOperationError {
    fn from(_: InvalidPeriod) -> Self {
        Self::Invalid(problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_period",
            format!("`from` must be before `to`, at most {MAX_STATEMENT_DAYS} days apart"),
        ))
    }
}

/// The CSV form of a statement: a header and one row per ledger line, then one row per
/// addition of honour hours (kind `honour_hours`, no transfer, 0 points, the hours in the last
/// column) so they stay apart from the points; UTF-8 with a byte-order mark so spreadsheet
/// programs read the Chinese text correctly.
fn statement_csv(statement: &Statement) -> String {
    let mut out = String::from(
        "\u{feff}posted_at,transfer_id,kind,amount,balance_after,cause_type,cause_id,memo,honour_hours\r\n",
    );
    let mut push = |cells: [String; 9]| {
        let row: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    };
    for l in &statement.lines {
        push([
            l.at.and_utc().to_rfc3339(),
            l.transfer.0.to_string(),
            l.kind.as_str().to_owned(),
            l.amount.0.to_string(),
            l.balance_after.0.to_string(),
            l.cause.kind.clone(),
            l.cause.id.clone(),
            l.memo.clone(),
            String::new(),
        ]);
    }
    for h in &statement.honour_hours {
        push([
            h.created_at.and_utc().to_rfc3339(),
            String::new(),
            "honour_hours".to_owned(),
            "0".to_owned(),
            String::new(),
            "honour_hours".to_owned(),
            h.id.0.to_string(),
            h.reason.clone(),
            h.hours.to_string(),
        ]);
    }
    out
}

/// Quotes a cell when needed, and defuses text a spreadsheet would run as a formula.
fn csv_cell(cell: &str) -> String {
    let cell = if cell.starts_with(['=', '+', '-', '@']) && cell.parse::<i64>().is_err() {
        format!("'{cell}")
    } else {
        cell.to_owned()
    };
    if cell.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell
    }
}

/// A statement as CSV.
#[derive(Debug, ApiResponse)]
pub enum StatementCsv {
    /// The statement, one row per movement.
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Csv(PlainText<String>),
}

#[OpenApi(tag = "ApiTags::Points")]
impl PointsApi {
    /// Show a points balance
    ///
    /// Your own by default; staff may read the balance of people in their area.
    #[oai(
        path = "/points/balance",
        method = "get",
        operation_id = "get_points_balance"
    )]
    async fn get_points_balance(
        &self,
        auth: SessionAuth,
        /// Whose balance (default: yours).
        user_id: Query<Option<i64>>,
    ) -> Result<Json<PointsBalanceView>, PointsOperationError> {
        let principal = auth.0.principal;
        let person = user_id.0.map_or(principal.user.id, UserId);
        let balance = usecases::balance(&self.state.db, principal, person)
            .await
            .map_err(map_error)?;
        Ok(Json(balance.into()))
    }

    /// Show a points statement
    ///
    /// Every movement of a period (default: the last 30 days; at most a year) with the running
    /// balance; each line names its cause, e.g. the task it was earned on. The period's hours
    /// of service come apart from the points: minutes of recorded help, and the honour hours
    /// staff added (荣誉时长), which earn no points.
    #[oai(
        path = "/points/statement",
        method = "get",
        operation_id = "get_points_statement"
    )]
    async fn get_points_statement(
        &self,
        auth: SessionAuth,
        /// Whose statement (default: yours).
        user_id: Query<Option<i64>>,
        /// Start (inclusive, RFC 3339).
        from: Query<Option<DateTime<Utc>>>,
        /// End (exclusive, RFC 3339).
        to: Query<Option<DateTime<Utc>>>,
    ) -> Result<Json<PointsStatementView>, PointsOperationError> {
        let (from, to) = period(from.0, to.0)?;
        let principal = auth.0.principal;
        let person = user_id.0.map_or(principal.user.id, UserId);
        let statement = usecases::statement(&self.state.db, principal, person, from, to)
            .await
            .map_err(map_error)?;
        let hours = StatementHoursView::from(&statement);
        Ok(Json(PointsStatementView {
            hours,
            user_id: statement.user.0,
            from: from.and_utc(),
            to: to.and_utc(),
            opening_balance: statement.opening.0,
            closing_balance: statement.closing.0,
            lines: statement.lines.into_iter().map(Into::into).collect(),
        }))
    }

    /// Download a points statement as CSV
    ///
    /// The same lines as `get_points_statement`, for spreadsheets, followed by one row per
    /// addition of honour hours (kind `honour_hours`, 0 points, the hours in the last column).
    #[oai(
        path = "/points/statement.csv",
        method = "get",
        operation_id = "export_points_statement"
    )]
    async fn export_points_statement(
        &self,
        auth: SessionAuth,
        /// Whose statement (default: yours).
        user_id: Query<Option<i64>>,
        /// Start (inclusive, RFC 3339).
        from: Query<Option<DateTime<Utc>>>,
        /// End (exclusive, RFC 3339).
        to: Query<Option<DateTime<Utc>>>,
    ) -> Result<StatementCsv, PointsOperationError> {
        let (from, to) = period(from.0, to.0)?;
        let principal = auth.0.principal;
        let person = user_id.0.map_or(principal.user.id, UserId);
        let statement = usecases::statement(&self.state.db, principal, person, from, to)
            .await
            .map_err(map_error)?;
        Ok(StatementCsv::Csv(PlainText(statement_csv(&statement))))
    }

    /// Donate points to my community's pool
    ///
    /// The pool (爱心基金) lets staff grant points to residents in need. Send an
    /// `Idempotency-Key`: a retry with the same key and body returns the first donation (200)
    /// and moves nothing; the same key with another body is refused (422).
    #[oai(
        path = "/points/donations",
        method = "post",
        operation_id = "donate_points"
    )]
    async fn donate_points(
        &self,
        auth: SessionAuth,
        /// Unique per intended donation, chosen by the client (1–100 characters).
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 100))]
        idempotency_key: Header<String>,
        body: JsonBody<DonatePointsRequest>,
    ) -> Result<CreatedOrFound<PointsMovementView>, PointsOperationError> {
        let (posted, balance) = usecases::donate_to_pool(
            &self.state.db,
            auth.0.principal,
            Points(body.0.amount),
            idempotency_key.0,
            now_utc(),
        )
        .await
        .map_err(map_error)?;
        Ok(movement(&posted, balance))
    }

    /// Give points to a relative
    ///
    /// To a registered relative (a live family consent links you, either way round) when your
    /// community's points policy allows gifts to relatives. Takes an `Idempotency-Key` like
    /// `donate_points`.
    #[oai(
        path = "/points/transfers",
        method = "post",
        operation_id = "create_points_transfer"
    )]
    async fn create_points_transfer(
        &self,
        auth: SessionAuth,
        /// Unique per intended gift, chosen by the client (1–100 characters).
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 100))]
        idempotency_key: Header<String>,
        body: JsonBody<CreatePointsTransferRequest>,
    ) -> Result<CreatedOrFound<PointsMovementView>, PointsOperationError> {
        let today = Utc::now()
            .with_timezone(&self.state.config.time_zone)
            .date_naive();
        let (posted, balance) = usecases::give_to_relative(
            &self.state.db,
            auth.0.principal,
            UserId(body.0.to_user_id),
            Points(body.0.amount),
            idempotency_key.0,
            today,
            now_utc(),
        )
        .await
        .map_err(map_error)?;
        Ok(movement(&posted, balance))
    }

    /// Grant points from the community pool
    ///
    /// Staff over the resident's home grid give points from the pool to a resident in need,
    /// with a reason; audited. Takes an `Idempotency-Key` like `donate_points`.
    #[oai(
        path = "/points/grants",
        method = "post",
        operation_id = "grant_points"
    )]
    async fn grant_points(
        &self,
        auth: SessionAuth,
        /// Unique per intended grant, chosen by the client (1–100 characters).
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 100))]
        idempotency_key: Header<String>,
        body: JsonBody<GrantPointsRequest>,
    ) -> Result<CreatedOrFound<PointsMovementView>, PointsOperationError> {
        let body = body.0;
        let (posted, balance) = usecases::grant_from_pool(
            &self.state.db,
            auth.0.principal,
            UserId(body.resident_id),
            Points(body.amount),
            body.reason,
            idempotency_key.0,
            now_utc(),
        )
        .await
        .map_err(map_error)?;
        Ok(movement(&posted, balance))
    }

    /// Check the points ledger
    ///
    /// Runs every invariant now against one snapshot: transfers balance, balances sum to zero,
    /// cached balances equal their entries, no account below zero that may not be, escrow equals
    /// open holds, each hold resolved once, and each street's clearing positions (通存通兑)
    /// sum to zero; shows every community's clearing position. Platform admins only.
    #[oai(
        path = "/ledger/reconciliation",
        method = "get",
        operation_id = "get_ledger_reconciliation"
    )]
    async fn get_ledger_reconciliation(
        &self,
        auth: SessionAuth,
    ) -> Result<Json<LedgerReconciliationView>, PointsOperationError> {
        let report = usecases::reconciliation(&self.state.db, auth.0.principal)
            .await
            .map_err(map_error)?;
        Ok(Json(report.into()))
    }
}

fn movement(posted: &Posted, balance: PointsBalance) -> CreatedOrFound<PointsMovementView> {
    let view = PointsMovementView::new(posted, balance);
    match posted {
        Posted::New(_) => CreatedOrFound::Created(Json(view)),
        Posted::Replayed(_) => CreatedOrFound::Found(Json(view)),
    }
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn csv_cells_are_quoted_and_formulas_defused() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_cell("-20"), "-20");
    }
}
