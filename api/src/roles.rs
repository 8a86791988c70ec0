//! Granting roles on areas.

use linli_domain::access::Role;
use linli_domain::access::rules::GrantRefusal;
use linli_domain::access::usecases::{self, GrantError, Granted};
use linli_domain::accounts::UserId;
use linli_domain::areas::AreaId;
use linli_domain::time::now_utc;
use poem::http::StatusCode;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use crate::auth::SessionAuth;
use crate::body::JsonBody;
use crate::problem::{Problem, ProblemJson, Rejection, from_store_error, reject, rejected};
use crate::responses::CreatedOrFound;
use crate::routes::ApiTags;
use crate::state::AppState;
use crate::views::{HeldRoleView, RoleView};

/// Endpoints of the `role_grants` resource.
pub struct RolesApi {
    /// Shared state.
    pub state: AppState,
}

/// A role to grant.
#[derive(Debug, Clone, Object)]
pub struct GrantRoleRequest {
    /// Who receives it.
    pub user_id: i64,
    /// The role.
    pub role: RoleView,
    /// The area it reaches with its subtree (omit for platform_admin). Its level must fit the
    /// role: grid for resident, volunteer and grid_worker; community for community_staff and
    /// social_worker; street for street_admin.
    pub area_id: Option<i64>,
}

/// A granted role.
#[derive(Debug, Clone, Object)]
pub struct GrantView {
    /// Who holds it.
    pub user_id: i64,
    /// The role and where.
    #[oai(flatten)]
    pub held: HeldRoleView,
    /// False when the person already held this role here (nothing changed).
    pub created: bool,
}

/// Responses of `grant_role`.
#[derive(Debug, ApiResponse)]
#[oai(bad_request_handler = "reject")]
pub enum GrantRoleError {
    /// The caller may not grant this role on this area (`grant_not_allowed`).
    #[oai(status = 403)]
    Forbidden(ProblemJson),
    /// No such person (`user_not_found`).
    #[oai(status = 404)]
    UserNotFound(ProblemJson),
    /// The area is unknown or of the wrong level (`unknown_area`, `wrong_area_level`).
    #[oai(status = 422)]
    Invalid(ProblemJson),
    /// Refused before the operation ran (400, 401, 413, 415) or failed (500, 503).
    Rejected(StatusCode, ProblemJson),
}

impl Rejection for GrantRoleError {
    fn rejected(status: StatusCode, problem: ProblemJson) -> Self {
        Self::Rejected(status, problem)
    }
}

#[OpenApi(tag = "ApiTags::Roles")]
impl RolesApi {
    /// Grant a role on an area
    ///
    /// Platform admins grant anything; street admins grant roles below their own within their
    /// street; community staff grant resident, volunteer, grid_worker and social_worker within
    /// their community. Granting a role already held changes nothing. Audited.
    #[oai(path = "/role-grants", method = "post", operation_id = "grant_role")]
    async fn grant_role(
        &self,
        auth: SessionAuth,
        body: JsonBody<GrantRoleRequest>,
    ) -> Result<CreatedOrFound<GrantView>, GrantRoleError> {
        let principal = auth.0.principal;
        let request = body.0;
        let role = Role::from(request.role);
        let outcome = usecases::grant(
            &self.state.db,
            principal,
            UserId(request.user_id),
            role,
            request.area_id.map(AreaId),
            now_utc(),
        )
        .await;
        match outcome {
            Ok(Granted {
                grant_id,
                area_id,
                created,
            }) => {
                let view = Json(GrantView {
                    user_id: request.user_id,
                    held: HeldRoleView {
                        grant_id,
                        role: role.into(),
                        area_id: area_id.map(|a| a.0),
                    },
                    created,
                });
                Ok(if created {
                    CreatedOrFound::Created(view)
                } else {
                    CreatedOrFound::Found(view)
                })
            }
            Err(GrantError::UserNotFound(_)) => Err(GrantRoleError::UserNotFound(
                Problem::new(
                    StatusCode::NOT_FOUND,
                    "user_not_found",
                    format!("user {} does not exist", request.user_id),
                )
                .into(),
            )),
            Err(GrantError::UnknownArea(id)) => Err(GrantRoleError::Invalid(
                Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "unknown_area",
                    format!("area {id} does not exist"),
                )
                .into(),
            )),
            Err(GrantError::Refused(refusal)) => Err(match refusal {
                GrantRefusal::NotHeld(_) => GrantRoleError::Forbidden(
                    Problem::new(
                        StatusCode::FORBIDDEN,
                        "grant_not_allowed",
                        refusal.to_string(),
                    )
                    .into(),
                ),
                GrantRefusal::WrongLevel { .. } | GrantRefusal::AreaPresence(..) => {
                    GrantRoleError::Invalid(
                        Problem::new(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            "wrong_area_level",
                            refusal.to_string(),
                        )
                        .into(),
                    )
                }
            }),
            Err(GrantError::Store(e)) => Err(rejected(from_store_error(&e))),
        }
    }
}
