//! Name resolution for webhook deliveries through the address guard: the HTTP client connects
//! only to addresses the guard allows, checked at the moment of connecting, so a host that
//! resolved to a public address at registration and to a private one now is not reached.

use std::net::SocketAddr;
use std::sync::Arc;

use linli_domain::webhooks::guard::{self, AllowList, Refused};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Resolves with the system resolver and keeps only allowed addresses.
pub struct GuardedResolver {
    allow: Arc<AllowList>,
}

impl GuardedResolver {
    /// A resolver applying `allow` on top of the guard.
    pub fn new(allow: AllowList) -> Self {
        Self {
            allow: Arc::new(allow),
        }
    }
}

/// Every address the host resolved to is refused.
#[derive(Debug, thiserror::Error)]
#[error("address refused: {0}")]
struct AllRefused(Refused);

/// The host does not resolve to any address.
#[derive(Debug, thiserror::Error)]
#[error("the host {0} does not resolve")]
struct NoAddress(String);

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.allow.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let resolved: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut allowed = Vec::with_capacity(resolved.len());
            let mut refused = None;
            for address in resolved {
                match guard::check(&allow, &host, address.ip()) {
                    Ok(()) => allowed.push(address),
                    Err(refusal) => refused = Some(refusal),
                }
            }
            if allowed.is_empty() {
                return Err(match refused {
                    Some(refusal) => Box::new(AllRefused(refusal)) as _,
                    None => Box::new(NoAddress(host)) as _,
                });
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(host: &str) -> Name {
        host.parse().expect("a host name")
    }

    #[tokio::test]
    async fn a_name_resolving_to_loopback_is_refused_unless_allow_listed() {
        let guarded = GuardedResolver::new(AllowList::default());
        let refused = guarded
            .resolve(name("localhost"))
            .await
            .err()
            .expect("refused");
        assert!(refused.to_string().contains("loopback"), "{refused}");
        let allowed =
            GuardedResolver::new(AllowList::parse(&["127.0.0.0/8", "::1"]).expect("valid"));
        let addresses: Vec<SocketAddr> = allowed
            .resolve(name("localhost"))
            .await
            .expect("allowed")
            .collect();
        assert!(
            addresses.iter().all(|a| a.ip().is_loopback()),
            "{addresses:?}"
        );
        assert!(!addresses.is_empty());
    }
}
