//! Every resource's endpoints assembled once, under `/api/v1`.

use poem_openapi::{OpenApiService, Tags};

use crate::accounts::AccountsApi;
use crate::api_keys::ApiKeysApi;
use crate::areas::AreasApi;
use crate::audit::AuditApi;
use crate::categories::CategoriesApi;
use crate::job_runs::JobRunsApi;
use crate::needs::NeedsApi;
use crate::organizations::OrganizationsApi;
use crate::partner::PartnerApi;
use crate::privacy::PrivacyApi;
use crate::proxies::ProxiesApi;
use crate::residents::ResidentsApi;
use crate::roles::RolesApi;
use crate::sessions::SessionsApi;
use crate::state::AppState;
use crate::volunteers::VolunteersApi;

/// Where the API lives.
pub const API_PREFIX: &str = "/api/v1";

/// Groups of operations in the documentation.
#[derive(Tags)]
pub enum ApiTags {
    /// Registration and one's own profile.
    Accounts,
    /// Signing in and out.
    Sessions,
    /// The area tree: district → street → community → grid.
    Areas,
    /// Roles held on areas.
    Roles,
    /// The append-only audit log.
    Audit,
    /// Scheduled jobs and the record of their runs.
    Jobs,
    /// Volunteer profiles, verification and credentials.
    Volunteers,
    /// Resident profiles, eligibility and proxy consents.
    Residents,
    /// Volunteer teams, social organizations, providers and charities, and their members.
    Organizations,
    /// Partner API keys of organizations.
    ApiKeys,
    /// What partner systems call with an API key, for their own organization.
    Partner,
    /// Kinds of help, their points weight and safeguarding gates.
    Categories,
    /// Needs, claims, verified delivery, disputes and care plans.
    Needs,
}

/// All API structs, in the order they appear in the spec.
pub type Api = (
    AccountsApi,
    PrivacyApi,
    SessionsApi,
    AreasApi,
    RolesApi,
    AuditApi,
    JobRunsApi,
    VolunteersApi,
    ResidentsApi,
    ProxiesApi,
    OrganizationsApi,
    ApiKeysApi,
    PartnerApi,
    CategoriesApi,
    NeedsApi,
);

/// The OpenAPI service over every resource.
pub fn service(state: AppState) -> OpenApiService<Api, ()> {
    let api = (
        AccountsApi {
            state: state.clone(),
        },
        PrivacyApi {
            state: state.clone(),
        },
        SessionsApi {
            state: state.clone(),
        },
        AreasApi {
            state: state.clone(),
        },
        RolesApi {
            state: state.clone(),
        },
        AuditApi {
            state: state.clone(),
        },
        JobRunsApi {
            state: state.clone(),
        },
        VolunteersApi {
            state: state.clone(),
        },
        ResidentsApi {
            state: state.clone(),
        },
        ProxiesApi {
            state: state.clone(),
        },
        OrganizationsApi {
            state: state.clone(),
        },
        ApiKeysApi {
            state: state.clone(),
        },
        PartnerApi {
            state: state.clone(),
        },
        CategoriesApi {
            state: state.clone(),
        },
        NeedsApi { state },
    );
    OpenApiService::new(api, "Linli", env!("CARGO_PKG_VERSION"))
        .summary("Smart-community coordination: needs, volunteers, points and paid services")
        .description(include_str!("../API.md"))
        .url_prefix(API_PREFIX)
}

/// The spec as committed in `openapi/openapi.json`; needs no database.
pub fn spec_json() -> String {
    let mut spec = service(AppState::detached()).spec();
    spec.push('\n');
    spec
}
