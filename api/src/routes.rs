//! Every resource's endpoints assembled once, under `/api/v1`.

use linli_domain::db::Db;
use poem_openapi::{OpenApiService, Tags};

use crate::areas::AreasApi;

/// Where the API lives.
pub const API_PREFIX: &str = "/api/v1";

/// Groups of operations in the documentation.
#[derive(Tags)]
pub enum ApiTags {
    /// The area tree: district → street → community → grid.
    Areas,
}

/// All API structs, in the order they appear in the spec.
pub type Api = AreasApi;

/// The OpenAPI service over every resource.
pub fn service(db: Db) -> OpenApiService<Api, ()> {
    OpenApiService::new(AreasApi { db }, "Linli", env!("CARGO_PKG_VERSION"))
        .summary("Smart-community coordination: needs, volunteers, points and paid services")
        .description(include_str!("../API.md"))
        .url_prefix(API_PREFIX)
}

/// The spec as committed in `openapi/openapi.json`; needs no database.
pub fn spec_json() -> String {
    let mut spec = service(Db::detached()).spec();
    spec.push('\n');
    spec
}
