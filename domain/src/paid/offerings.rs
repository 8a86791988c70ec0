//! Offering use cases: a verified provider's admins (or its systems with `offerings:write`)
//! publish, change, publish and unpublish priced offerings in communities they serve; anyone
//! signed in reads the published ones of a community.

use chrono::NaiveDateTime;

use super::inputs::{InputError, OfferingInput, check_offering};
use super::store::{self, OfferingFilter, OfferingValues};
use super::{Offering, OfferingId};
use crate::access::Principal;
use crate::api_keys::rules::{PartnerRefusal, check_partner};
use crate::api_keys::{PartnerKey, Scope};
use crate::areas::AreaId;
use crate::audit::{self, NewAuditEvent};
use crate::db::{self, AnyConnection, Db, StoreError, TransactionError};
use crate::organizations::{MemberRole, OrganizationId, OrganizationKind, members};
use crate::schema::service_categories;

/// Who acts for a provider.
#[derive(Debug, Clone)]
pub enum ProviderActor {
    /// A signed-in member of the provider.
    Person(Principal),
    /// The provider's systems with an API key.
    Partner(PartnerKey),
}

impl ProviderActor {
    /// The person acting, if a person.
    pub fn user(&self) -> Option<crate::accounts::UserId> {
        match self {
            Self::Person(p) => Some(p.user.id),
            Self::Partner(_) => None,
        }
    }
}

/// Why an offering could not be made, changed or read; nothing changed.
#[derive(Debug, thiserror::Error)]
pub enum OfferingError {
    /// No such offering or organization within reach.
    #[error("no such offering or organization")]
    NotFound,
    /// The caller may not manage this provider's offerings.
    #[error("only the provider's admins may do this")]
    Forbidden,
    /// The organization is not a verified provider.
    #[error("the organization must be a verified provider")]
    NotVerifiedProvider,
    /// An area named is not one the provider serves.
    #[error("the provider does not serve area {0}")]
    AreaNotServed(i64),
    /// The category does not exist or is not for paid services.
    #[error("the category does not exist or is not offered as a paid service")]
    CategoryNotPaid,
    /// Broken rules.
    #[error("the offering is invalid")]
    Invalid(Vec<InputError>),
    /// The partner key may not do this.
    #[error(transparent)]
    PartnerRefused(PartnerRefusal),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for OfferingError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

impl TransactionError for OfferingError {
    fn as_diesel(&self) -> Option<&diesel::result::Error> {
        match self {
            Self::Store(e) => e.as_diesel(),
            _ => None,
        }
    }
}

/// Checks that `actor` may act for `org` as one of `roles` (a key needs `scope`) and that the
/// organization is a verified provider; returns it.
pub fn check_provider(
    conn: &mut AnyConnection,
    actor: &ProviderActor,
    org: OrganizationId,
    roles: &[MemberRole],
    scope: Scope,
) -> Result<crate::organizations::Organization, OfferingError> {
    let found = crate::organizations::store::get(conn, org)?.ok_or(OfferingError::NotFound)?;
    match actor {
        ProviderActor::Person(principal) => {
            let role = members::role_of(conn, org, principal.user.id)?;
            if !role.is_some_and(|r| roles.contains(&r)) {
                return Err(OfferingError::Forbidden);
            }
        }
        ProviderActor::Partner(key) => {
            if key.organization_id != org {
                return Err(OfferingError::NotFound);
            }
            check_partner(key, scope).map_err(OfferingError::PartnerRefused)?;
        }
    }
    if found.kind != OrganizationKind::Provider || found.verification.is_none() {
        return Err(OfferingError::NotVerifiedProvider);
    }
    Ok(found)
}

fn check_category(conn: &mut AnyConnection, category: i64) -> Result<(), OfferingError> {
    use diesel::prelude::*;
    let mode: Option<String> = service_categories::table
        .find(category)
        .select(service_categories::mode)
        .first(conn)
        .optional()?;
    match mode {
        Some(mode) if mode == "paid" || mode == "both" => Ok(()),
        _ => Err(OfferingError::CategoryNotPaid),
    }
}

fn values(
    org: OrganizationId,
    category: i64,
    checked: &super::inputs::CheckedOffering,
    published: bool,
) -> OfferingValues {
    let i = &checked.input;
    OfferingValues {
        organization_id: org.0,
        category_id: category,
        unit: i.unit.as_str(),
        unit_price_fen: checked.unit_price.0,
        min_quantity: i.min_quantity,
        max_quantity: i.max_quantity,
        available_weekdays: i.availability.weekdays,
        available_from_minute: i.availability.from_minute,
        available_to_minute: i.availability.to_minute,
        response_minutes: i.response_minutes,
        cancellation_notice_hours: i.cancellation_notice_hours,
        cancellation_fee_percent: i.cancellation_fee_percent,
        published,
    }
}

fn check_areas(
    org: &crate::organizations::Organization,
    areas: &[AreaId],
) -> Result<(), OfferingError> {
    if areas.is_empty() {
        return Err(OfferingError::Invalid(vec![InputError {
            field: "area_ids",
            code: "required",
            message: "name at least one community served".into(),
        }]));
    }
    match areas
        .iter()
        .find(|a| !org.service_areas.iter().any(|s| s.id == **a))
    {
        Some(missing) => Err(OfferingError::AreaNotServed(missing.0)),
        None => Ok(()),
    }
}

fn audit_offering(
    conn: &mut AnyConnection,
    actor: &ProviderActor,
    action: &'static str,
    offering: &Offering,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    audit::store::record(
        conn,
        &NewAuditEvent {
            actor: actor.user(),
            on_behalf_of: None,
            action,
            subject_type: "offering",
            subject_id: offering.id.0.to_string(),
            area: None,
            detail: serde_json::json!({
                "organization_id": offering.organization.0,
                "unit_price": offering.unit_price.to_string(),
                "published": offering.published,
            }),
        },
        now,
    )
}

/// A new offering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOffering {
    /// The provider.
    pub organization: OrganizationId,
    /// The category.
    pub category: i64,
    /// Communities served.
    pub areas: Vec<AreaId>,
    /// The rest.
    pub input: OfferingInput,
    /// Bookable at once.
    pub published: bool,
}

/// Publishes (or drafts) a new offering; audited.
pub async fn create_offering(
    db: &Db,
    actor: ProviderActor,
    new: NewOffering,
    now: NaiveDateTime,
) -> Result<Offering, OfferingError> {
    let checked = check_offering(new.input.clone()).map_err(OfferingError::Invalid)?;
    db.run(move |conn| {
        db::write(conn, |conn| {
            let org = check_provider(
                conn,
                &actor,
                new.organization,
                &[MemberRole::Admin],
                Scope::OfferingsWrite,
            )?;
            check_category(conn, new.category)?;
            check_areas(&org, &new.areas)?;
            let id = store::insert_offering(
                conn,
                &values(org.id, new.category, &checked, new.published),
                &checked.input.text,
                &new.areas,
                now,
            )?;
            let offering = store::offering(conn, id)?.ok_or(OfferingError::NotFound)?;
            audit_offering(conn, &actor, "offering.created", &offering, now)?;
            Ok(offering)
        })
    })
    .await
}

/// Changes to an offering; `None` keeps a part as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OfferingChanges {
    /// The descriptive and price fields, all at once.
    pub input: Option<OfferingInput>,
    /// New category.
    pub category: Option<i64>,
    /// New communities served.
    pub areas: Option<Vec<AreaId>>,
    /// Publish or unpublish.
    pub published: Option<bool>,
}

/// Changes, publishes or unpublishes an offering; orders placed keep their snapshot. Audited.
pub async fn update_offering(
    db: &Db,
    actor: ProviderActor,
    id: OfferingId,
    changes: OfferingChanges,
    now: NaiveDateTime,
) -> Result<Offering, OfferingError> {
    let checked = match changes.input.clone() {
        Some(input) => Some(check_offering(input).map_err(OfferingError::Invalid)?),
        None => None,
    };
    db.run(move |conn| {
        db::write(conn, |conn| {
            let current = store::offering(conn, id)?.ok_or(OfferingError::NotFound)?;
            let org = check_provider(
                conn,
                &actor,
                current.organization,
                &[MemberRole::Admin],
                Scope::OfferingsWrite,
            )?;
            let mut next = match &checked {
                Some(c) => values(org.id, current.category, c, current.published),
                None => OfferingValues::of(&current),
            };
            if let Some(category) = changes.category {
                check_category(conn, category)?;
                next.category_id = category;
            }
            if let Some(published) = changes.published {
                next.published = published;
            }
            if let Some(areas) = &changes.areas {
                check_areas(&org, areas)?;
            }
            let text = checked.as_ref().map_or(&current.text, |c| &c.input.text);
            store::update_offering(conn, id, &next, text, changes.areas.as_deref(), now)?;
            let offering = store::offering(conn, id)?.ok_or(OfferingError::NotFound)?;
            let action = match changes.published {
                Some(true) => "offering.published",
                Some(false) => "offering.unpublished",
                None => "offering.updated",
            };
            audit_offering(conn, &actor, action, &offering, now)?;
            Ok(offering)
        })
    })
    .await
}

/// Who lists offerings.
#[derive(Debug, Clone)]
pub enum OfferingReader {
    /// A signed-in person: published offerings, and all of providers they administer.
    Person(Principal),
    /// A provider's systems: all of its own.
    Partner(PartnerKey),
}

/// Offerings: of a community (published only, unless the caller runs the provider), of a
/// provider, of a category.
pub async fn list_offerings(
    db: &Db,
    reader: OfferingReader,
    mut filter: OfferingFilter,
    limit: i64,
) -> Result<Vec<Offering>, OfferingError> {
    db.run(move |conn| {
        match &reader {
            OfferingReader::Partner(key) => {
                check_partner(key, Scope::OfferingsWrite).map_err(OfferingError::PartnerRefused)?;
                filter.organization = Some(key.organization_id);
                filter.published_only = false;
            }
            OfferingReader::Person(principal) => {
                let runs = match filter.organization {
                    Some(org) => members::role_of(conn, org, principal.user.id)?.is_some(),
                    None => false,
                };
                filter.published_only = !runs;
            }
        }
        store::offerings(conn, filter, limit).map_err(OfferingError::from)
    })
    .await
}
