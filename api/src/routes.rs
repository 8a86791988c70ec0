//! Every resource's endpoints assembled once, under `/api/v1`.

use poem_openapi::{OpenApiService, Tags};

use crate::accounts::AccountsApi;
use crate::api_keys::ApiKeysApi;
use crate::areas::AreasApi;
use crate::audit::AuditApi;
use crate::awards::AwardsApi;
use crate::categories::CategoriesApi;
use crate::clearing::ClearingApi;
use crate::home::HomeApi;
use crate::honour_hours::HonourHoursApi;
use crate::job_runs::JobRunsApi;
use crate::needs::NeedsApi;
use crate::needs::matching::MatchingApi;
use crate::needs::offers::{OffersApi, PartnerOffersApi};
use crate::notifications::NotificationsApi;
use crate::organizations::OrganizationsApi;
use crate::outbox::OutboxApi;
use crate::paid::catalogue::CatalogueApi;
use crate::paid::orders::OrdersApi;
use crate::paid::outcomes::OrderOutcomesApi;
use crate::paid::partner::PartnerPaidApi;
use crate::paid::settlements::SettlementsApi;
use crate::paid::terms::TermsApi;
use crate::partner::PartnerApi;
use crate::points::PointsApi;
use crate::points_policy::PointsPolicyApi;
use crate::privacy::PrivacyApi;
use crate::proxies::ProxiesApi;
use crate::residents::ResidentsApi;
use crate::rewards::RewardsApi;
use crate::roles::RolesApi;
use crate::sessions::SessionsApi;
use crate::state::AppState;
use crate::stats::StatsApi;
use crate::verifications::VerificationsApi;
use crate::volunteers::VolunteersApi;
use crate::webhooks::WebhooksApi;

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
    /// The outbox of emails and webhooks waiting, delivered or dead.
    Outbox,
    /// One's own in-app notifications and notification preferences.
    Notifications,
    /// Volunteer profiles, verification and credentials.
    Volunteers,
    /// Resident profiles, eligibility and proxy consents.
    Residents,
    /// Volunteer teams, social organizations, providers and charities, and their members.
    Organizations,
    /// Partner API keys of organizations.
    ApiKeys,
    /// Webhook endpoints organizations receive their events at, and their delivery logs.
    Webhooks,
    /// What partner systems call with an API key, for their own organization.
    Partner,
    /// Volunteer points: balances, statements, donations and grants.
    Points,
    /// Kinds of help, their points weight and safeguarding gates.
    Categories,
    /// Needs, claims, verified delivery, disputes and care plans.
    Needs,
    /// The reward catalogue and redemptions of points.
    Rewards,
    /// Area statistics for the community dashboard, funders and partners: figures, CSV
    /// reports and SVG charts.
    Stats,
    /// Paid services: offerings, subsidy programmes, orders split across subsidy, points and
    /// co-payment, payments, refunds and settlement.
    PaidServices,
}

/// All API structs, in the order they appear in the spec.
pub type Api = (
    IdentityApis,
    OperationsApis,
    PeopleApis,
    OrganizationApis,
    NeedsApis,
    PointsApis,
    PaidApis,
);

/// Offerings and programmes, orders and what follows them, settlements, terms, and what
/// providers' systems call.
pub type PaidApis = (
    CatalogueApi,
    OrdersApi,
    OrderOutcomesApi,
    SettlementsApi,
    TermsApi,
    PartnerPaidApi,
);

/// Kinds of help, the needs posted for them, who is matched to them and their dispatch offers
/// (also to partners).
pub type NeedsApis = (
    CategoriesApi,
    NeedsApi,
    MatchingApi,
    OffersApi,
    PartnerOffersApi,
);

/// Accounts, sign-in, the home screen's data, the area tree, roles and the audit log.
pub type IdentityApis = (
    AccountsApi,
    HomeApi,
    PrivacyApi,
    SessionsApi,
    AreasApi,
    RolesApi,
    AuditApi,
);

/// What operators watch: job runs, the outbox, people's notifications, and area statistics.
pub type OperationsApis = (JobRunsApi, OutboxApi, NotificationsApi, StatsApi);

/// Volunteers and their honour hours, residents, their proxies and the verification queues.
pub type PeopleApis = (
    VolunteersApi,
    HonourHoursApi,
    ResidentsApi,
    ProxiesApi,
    VerificationsApi,
);

/// Organizations, their API keys and webhooks, and what partners call.
pub type OrganizationApis = (OrganizationsApi, ApiKeysApi, WebhooksApi, PartnerApi);

/// Points, their policy, bulk awards, the rewards they are redeemed for, and the settlement
/// of clearing positions between communities.
pub type PointsApis = (
    PointsApi,
    PointsPolicyApi,
    AwardsApi,
    RewardsApi,
    ClearingApi,
);

/// The OpenAPI service over every resource.
pub fn service(state: AppState) -> OpenApiService<Api, ()> {
    let s = || state.clone();
    let api = (
        (
            AccountsApi { state: s() },
            HomeApi { state: s() },
            PrivacyApi { state: s() },
            SessionsApi { state: s() },
            AreasApi { state: s() },
            RolesApi { state: s() },
            AuditApi { state: s() },
        ),
        (
            JobRunsApi { state: s() },
            OutboxApi { state: s() },
            NotificationsApi { state: s() },
            StatsApi { state: s() },
        ),
        (
            VolunteersApi { state: s() },
            HonourHoursApi { state: s() },
            ResidentsApi { state: s() },
            ProxiesApi { state: s() },
            VerificationsApi { state: s() },
        ),
        (
            OrganizationsApi { state: s() },
            ApiKeysApi { state: s() },
            WebhooksApi { state: s() },
            PartnerApi { state: s() },
        ),
        (
            CategoriesApi { state: s() },
            NeedsApi { state: s() },
            MatchingApi { state: s() },
            OffersApi { state: s() },
            PartnerOffersApi {
                offers: OffersApi { state: s() },
            },
        ),
        (
            PointsApi { state: s() },
            PointsPolicyApi { state: s() },
            AwardsApi { state: s() },
            RewardsApi { state: s() },
            ClearingApi { state: s() },
        ),
        (
            CatalogueApi { state: s() },
            OrdersApi { state: s() },
            OrderOutcomesApi { state: s() },
            SettlementsApi { state: s() },
            TermsApi { state: s() },
            PartnerPaidApi {
                orders: OrdersApi { state: s() },
            },
        ),
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
