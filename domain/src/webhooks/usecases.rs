//! Webhook use cases: an organization's admins (signed in) or its own systems (an API key with
//! `webhooks:manage`) register, change, test and remove endpoints and read their delivery
//! logs. Every change is audited in the transaction that makes it.

use chrono::{NaiveDateTime, TimeDelta};

use super::guard::{self, AllowList, Refused};
use super::rules::{self, MAX_ENDPOINTS, TargetUrl};
use super::store::Recorded;
use super::{
    Actor, Attempt, Delivery, Endpoint, EndpointChanges, EndpointId, Event, NewEndpoint, Secret,
    WithSecret, store,
};
use crate::api_keys::Scope;
use crate::api_keys::rules::{PartnerRefusal, check_partner};
use crate::audit::{self, NewAuditEvent};
use crate::db::{self, AnyConnection, Db, StoreError};
use crate::notifications::{self, Notice};
use crate::organizations::rules::Refusal;
use crate::organizations::usecases::load;
use crate::organizations::{
    MemberRole, Organization, OrganizationId, members, store as organizations, store_error_plumbing,
};
use crate::outbox::{self, Channel, MessageId, NewMessage};

/// Why the caller may not manage this organization's endpoints, or the object is missing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    /// No such organization.
    #[error("organization {0} does not exist")]
    OrganizationNotFound(i64),
    /// A signed-in caller who is not one of its admins.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// A partner key without `webhooks:manage`, or whose organization awaits verification.
    #[error(transparent)]
    PartnerRefused(#[from] PartnerRefusal),
    /// The organization has no such endpoint (another organization's are not found either).
    #[error("organization {organization} has no webhook endpoint {endpoint}")]
    EndpointNotFound {
        /// The organization.
        organization: i64,
        /// The endpoint asked for.
        endpoint: i64,
    },
}

/// The organization, if `actor` may manage its endpoints.
fn authorize(
    conn: &mut AnyConnection,
    actor: &Actor,
    organization: OrganizationId,
) -> Result<Result<Organization, AccessError>, StoreError> {
    match actor {
        Actor::Member(principal) => {
            let Some(viewed) = load(conn, principal, organization)? else {
                return Ok(Err(AccessError::OrganizationNotFound(organization.0)));
            };
            Ok(viewed
                .standing
                .check_admin()
                .map(|()| viewed.organization)
                .map_err(AccessError::from))
        }
        Actor::Partner(key) => {
            if let Err(refusal) = check_partner(key, Scope::WebhooksManage) {
                return Ok(Err(refusal.into()));
            }
            if key.organization_id != organization {
                return Ok(Err(AccessError::OrganizationNotFound(organization.0)));
            }
            Ok(organizations::get(conn, organization)?
                .ok_or(AccessError::OrganizationNotFound(organization.0)))
        }
    }
}

/// The organization and one of its endpoints, if `actor` may manage them.
fn authorize_endpoint(
    conn: &mut AnyConnection,
    actor: &Actor,
    organization: OrganizationId,
    endpoint: EndpointId,
) -> Result<Result<(Organization, Endpoint), AccessError>, StoreError> {
    let organization = match authorize(conn, actor, organization)? {
        Ok(found) => found,
        Err(refused) => return Ok(Err(refused)),
    };
    Ok(match store::get(conn, organization.id, endpoint)? {
        Some(found) => Ok((organization, found)),
        None => Err(AccessError::EndpointNotFound {
            organization: organization.id.0,
            endpoint: endpoint.0,
        }),
    })
}

fn record(
    conn: &mut AnyConnection,
    actor: &Actor,
    action: &'static str,
    organization: &Organization,
    endpoint: &Endpoint,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let (user, key) = actor.audit_identity();
    audit::store::record(
        conn,
        &NewAuditEvent {
            actor: user,
            on_behalf_of: None,
            action,
            subject_type: "webhook_endpoint",
            subject_id: endpoint.id.0.to_string(),
            area: organization.service_areas.first().map(|a| a.id),
            detail: serde_json::json!({
                "organization_id": organization.id.0,
                "api_key_id": key.map(|k| k.0),
                "url": endpoint.url,
                "events": endpoint.events.iter().map(|e| e.as_str()).collect::<Vec<_>>(),
                "enabled": endpoint.enabled(),
            }),
        },
        now,
    )
}

/// Why a target URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// The host does not resolve.
    #[error("the host {0} does not resolve")]
    Unresolvable(String),
    /// The host resolves to an address the guard refuses.
    #[error(transparent)]
    Refused(#[from] Refused),
}

/// Resolves the URL's host and checks every address against the guard: a delivery may
/// connect to any of them, so all must be allowed.
pub async fn check_target(allow: &AllowList, url: &TargetUrl) -> Result<(), TargetError> {
    let host = url.host();
    if let Some(ip) = url.ip_literal() {
        return Ok(guard::check(allow, &host, ip)?);
    }
    let addresses: Vec<_> = tokio::net::lookup_host((host.as_str(), url.port()))
        .await
        .map_err(|_| TargetError::Unresolvable(host.clone()))?
        .collect();
    if addresses.is_empty() {
        return Err(TargetError::Unresolvable(host));
    }
    for address in addresses {
        guard::check(allow, &host, address.ip())?;
    }
    Ok(())
}

/// Why an endpoint was not registered.
#[derive(Debug, thiserror::Error)]
pub enum CreateEndpointError {
    /// The caller may not manage the organization's endpoints.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// Only verified organizations receive webhooks.
    #[error("the organization is not verified yet; staff over one of its communities verify it")]
    NotVerified,
    /// The organization already has the most endpoints allowed.
    #[error("an organization may register at most {MAX_ENDPOINTS} webhook endpoints")]
    TooMany,
    /// The URL's host is refused by the address guard.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
store_error_plumbing!(CreateEndpointError);

/// Registers an endpoint for a verified organization; the secret is in the result and is not
/// shown again.
pub async fn create(
    db: &Db,
    allow: &AllowList,
    actor: Actor,
    organization: OrganizationId,
    new: NewEndpoint,
    now: NaiveDateTime,
) -> Result<WithSecret, CreateEndpointError> {
    // Who may register is checked before the host is resolved: strangers learn nothing
    // about names, and cannot make Linli look them up.
    let (caller, id) = (actor.clone(), organization);
    db.run(move |conn| Ok::<_, CreateEndpointError>(authorize(conn, &caller, id)??))
        .await?;
    check_target(allow, &new.url).await?;
    let secret = Secret::generate();
    db.run(move |conn| {
        db::write(conn, |conn| {
            let organization = authorize(conn, &actor, organization)??;
            if organization.verification.is_none() {
                return Err(CreateEndpointError::NotVerified);
            }
            // Concurrent registrations must not pass the limit together: serialise them.
            organizations::lock(conn, organization.id)?;
            if store::count(conn, organization.id)? >= MAX_ENDPOINTS {
                return Err(CreateEndpointError::TooMany);
            }
            let (user, key) = actor.audit_identity();
            let endpoint = store::insert(conn, organization.id, &new, &secret, user, key, now)?;
            record(
                conn,
                &actor,
                "webhook_endpoint.created",
                &organization,
                &endpoint,
                now,
            )?;
            Ok(WithSecret {
                endpoint,
                secret: secret.clone(),
            })
        })
    })
    .await
}

/// Why endpoints or deliveries cannot be read, or an endpoint removed or re-keyed.
#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    /// The caller may not manage the organization's endpoints, or it has no such endpoint.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
store_error_plumbing!(EndpointError);

/// The organization's endpoints, oldest first, without secrets.
pub async fn list(
    db: &Db,
    actor: Actor,
    organization: OrganizationId,
) -> Result<Vec<Endpoint>, EndpointError> {
    db.run(move |conn| {
        let organization = authorize(conn, &actor, organization)??;
        Ok(store::list(conn, organization.id)?)
    })
    .await
}

/// One endpoint, without its secret.
pub async fn get(
    db: &Db,
    actor: Actor,
    organization: OrganizationId,
    endpoint: EndpointId,
) -> Result<Endpoint, EndpointError> {
    db.run(move |conn| Ok(authorize_endpoint(conn, &actor, organization, endpoint)??.1))
        .await
}

/// Why an endpoint was not changed.
#[derive(Debug, thiserror::Error)]
pub enum UpdateEndpointError {
    /// The caller may not manage the organization's endpoints, or it has no such endpoint.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The new URL's host is refused by the address guard.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
store_error_plumbing!(UpdateEndpointError);

/// Changes the URL, description, events or whether deliveries are sent. Enabling an endpoint
/// disabled for failing starts its failure window afresh.
pub async fn update(
    db: &Db,
    allow: &AllowList,
    actor: Actor,
    organization: OrganizationId,
    endpoint: EndpointId,
    changes: EndpointChanges,
    now: NaiveDateTime,
) -> Result<Endpoint, UpdateEndpointError> {
    if let Some(url) = &changes.url {
        let (caller, id) = (actor.clone(), organization);
        db.run(move |conn| {
            Ok::<_, UpdateEndpointError>(authorize_endpoint(conn, &caller, id, endpoint)??)
        })
        .await?;
        check_target(allow, url).await?;
    }
    db.run(move |conn| {
        db::write(conn, |conn| {
            let (organization, before) = authorize_endpoint(conn, &actor, organization, endpoint)??;
            store::update(conn, endpoint, &changes, &before, now)?;
            let after = store::get(conn, organization.id, endpoint)?.ok_or(
                AccessError::EndpointNotFound {
                    organization: organization.id.0,
                    endpoint: endpoint.0,
                },
            )?;
            record(
                conn,
                &actor,
                "webhook_endpoint.updated",
                &organization,
                &after,
                now,
            )?;
            Ok(after)
        })
    })
    .await
}

/// Removes an endpoint and its delivery log; queued deliveries to it are dropped when due.
pub async fn delete(
    db: &Db,
    actor: Actor,
    organization: OrganizationId,
    endpoint: EndpointId,
    now: NaiveDateTime,
) -> Result<(), EndpointError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            let (organization, found) = authorize_endpoint(conn, &actor, organization, endpoint)??;
            store::delete(conn, endpoint)?;
            record(
                conn,
                &actor,
                "webhook_endpoint.deleted",
                &organization,
                &found,
                now,
            )?;
            Ok(())
        })
    })
    .await
}

/// Replaces the signing secret; deliveries from the next attempt on are signed with the new
/// one, which is in the result and not shown again.
pub async fn rotate_secret(
    db: &Db,
    actor: Actor,
    organization: OrganizationId,
    endpoint: EndpointId,
    now: NaiveDateTime,
) -> Result<WithSecret, EndpointError> {
    let secret = Secret::generate();
    db.run(move |conn| {
        db::write(conn, |conn| {
            let (organization, _) = authorize_endpoint(conn, &actor, organization, endpoint)??;
            store::set_secret(conn, endpoint, &secret, now)?;
            let after = store::get(conn, organization.id, endpoint)?.ok_or(
                AccessError::EndpointNotFound {
                    organization: organization.id.0,
                    endpoint: endpoint.0,
                },
            )?;
            record(
                conn,
                &actor,
                "webhook_endpoint.secret_rotated",
                &organization,
                &after,
                now,
            )?;
            Ok(WithSecret {
                endpoint: after,
                secret: secret.clone(),
            })
        })
    })
    .await
}

/// The endpoint's delivery attempts, newest first: at most `limit`, older than `before`.
pub async fn deliveries(
    db: &Db,
    actor: Actor,
    organization: OrganizationId,
    endpoint: EndpointId,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Delivery>, EndpointError> {
    db.run(move |conn| {
        authorize_endpoint(conn, &actor, organization, endpoint)??;
        Ok(store::deliveries(conn, endpoint, before, limit)?)
    })
    .await
}

/// Tells every admin of the endpoint's organization that it was disabled for failing.
fn tell_admins_disabled(
    conn: &mut AnyConnection,
    endpoint: EndpointId,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let Some(target) = store::target(conn, endpoint)? else {
        return Ok(());
    };
    let organization = target.endpoint.organization_id;
    let Some(found) = organizations::get(conn, organization)? else {
        return Ok(());
    };
    for member in members::list(conn, organization)? {
        if member.role == MemberRole::Admin {
            notifications::notify(
                conn,
                now,
                member.user_id,
                Notice::WebhookEndpointDisabled {
                    organization_name: found.name_zh.clone(),
                    url: target.endpoint.url.clone(),
                },
            )?;
        }
    }
    Ok(())
}

/// Records one delivery attempt in the endpoint's log, inside the caller's write transaction
/// (the delivery worker settles a whole batch of attempts in one). When the attempt completes
/// the failure window the endpoint is disabled in the same transaction, and its organization's
/// admins are told.
pub fn record_attempt(
    conn: &mut AnyConnection,
    endpoint: EndpointId,
    attempt: &Attempt,
    window: TimeDelta,
) -> Result<Recorded, StoreError> {
    let recorded = store::record_attempt(conn, endpoint, attempt, window)?;
    if recorded == Recorded::Disabled {
        tell_admins_disabled(conn, endpoint, attempt.attempted_at)?;
    }
    Ok(recorded)
}

/// Enqueues one outbox message per enabled endpoint of `organization` subscribed to `event`,
/// inside the caller's write transaction: the deliveries exist exactly when the change that
/// caused them commits. Every message carries the same body (see [`rules::envelope`]).
/// Returns how many were enqueued. Later features (needs, orders) call this with their events.
pub fn publish(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    organization: OrganizationId,
    event: Event,
    payload: serde_json::Value,
) -> Result<usize, StoreError> {
    let endpoints = store::subscribers(conn, organization, event)?;
    if endpoints.is_empty() {
        return Ok(0);
    }
    let body = rules::envelope(event, organization.0, payload, now);
    for endpoint in &endpoints {
        outbox::enqueue(
            conn,
            now,
            NewMessage {
                channel: Channel::Webhook,
                topic: event.as_str().to_owned(),
                recipient: endpoint.id.0.to_string(),
                payload: body.clone(),
                not_before: now,
            },
        )?;
    }
    Ok(endpoints.len())
}

/// Why a test ping was not queued.
#[derive(Debug, thiserror::Error)]
pub enum TestEndpointError {
    /// The caller may not manage the organization's endpoints, or it has no such endpoint.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The endpoint is disabled; enable it first.
    #[error("the webhook endpoint is disabled; enable it to send to it")]
    Disabled,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
store_error_plumbing!(TestEndpointError);

/// Queues one `webhook.test` message to the endpoint, whatever it subscribes to.
pub async fn send_test(
    db: &Db,
    actor: Actor,
    organization: OrganizationId,
    endpoint: EndpointId,
    now: NaiveDateTime,
) -> Result<MessageId, TestEndpointError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            let (organization, found) = authorize_endpoint(conn, &actor, organization, endpoint)??;
            if !found.enabled() {
                return Err(TestEndpointError::Disabled);
            }
            let data =
                serde_json::json!({"endpoint_id": found.id.0, "message": "Linli webhook test"});
            Ok(outbox::enqueue(
                conn,
                now,
                NewMessage {
                    channel: Channel::Webhook,
                    topic: Event::WebhookTest.as_str().to_owned(),
                    recipient: found.id.0.to_string(),
                    payload: rules::envelope(Event::WebhookTest, organization.id.0, data, now),
                    not_before: now,
                },
            )?)
        })
    })
    .await
}
