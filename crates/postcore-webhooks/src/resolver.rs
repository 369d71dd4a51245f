//! The DNS resolver of [`crate::Deliverer`]'s client: resolves a name at connect time and
//! keeps only addresses webhooks may reach, so a name that is rebound to a private
//! address after its URL was checked still reaches nothing private.

use crate::{AddressClass, check_address};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, SocketAddr};

/// Every address the name resolved to is refused; the first one's class.
#[derive(Debug, thiserror::Error)]
#[error("the host resolves only to {0} addresses")]
pub(crate) struct NameRefused(pub(crate) AddressClass);

/// The name did not resolve (or resolved to nothing).
#[derive(Debug, thiserror::Error)]
#[error("the host name did not resolve")]
pub(crate) struct NameNotResolved;

/// Resolves with the system's resolver (tokio's `lookup_host`) or the overrides, then
/// filters with [`check_address`].
#[derive(Debug)]
pub(crate) struct GuardedResolver {
    allow_private: bool,
    overrides: Vec<(String, IpAddr)>,
}

impl GuardedResolver {
    pub(crate) fn new(allow_private: bool, overrides: Vec<(String, IpAddr)>) -> Self {
        Self {
            allow_private,
            overrides,
        }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_ascii_lowercase();
        let pinned: Vec<IpAddr> = self
            .overrides
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(&host))
            .map(|(_, ip)| *ip)
            .collect();
        let allow_private = self.allow_private;
        Box::pin(async move {
            let found: Vec<IpAddr> = if pinned.is_empty() {
                tokio::net::lookup_host((host.as_str(), 0))
                    .await
                    .map_err(|_| NameNotResolved)?
                    .map(|a| a.ip())
                    .collect()
            } else {
                pinned
            };
            let kept = keep_allowed(&found, allow_private)?;
            let addrs: Addrs = Box::new(kept.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

/// The addresses of `found` a webhook may reach, in order.
///
/// # Errors
/// [`NameRefused`] with the first refused class when none is left, [`NameNotResolved`]
/// when `found` is empty.
pub(crate) fn keep_allowed(
    found: &[IpAddr],
    allow_private: bool,
) -> Result<Vec<IpAddr>, Box<dyn std::error::Error + Send + Sync>> {
    let mut first_refused = None;
    let kept: Vec<IpAddr> = found
        .iter()
        .copied()
        .filter(|ip| match check_address(*ip, allow_private) {
            Ok(()) => true,
            Err(class) => {
                first_refused.get_or_insert(class);
                false
            }
        })
        .collect();
    match (kept.is_empty(), first_refused) {
        (false, _) => Ok(kept),
        (true, Some(class)) => Err(Box::new(NameRefused(class))),
        (true, None) => Err(Box::new(NameNotResolved)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ips(list: &[&str]) -> Vec<IpAddr> {
        list.iter().map(|t| t.parse().unwrap()).collect()
    }

    fn refused_class(
        result: Result<Vec<IpAddr>, Box<dyn std::error::Error + Send + Sync>>,
    ) -> AddressClass {
        result.unwrap_err().downcast::<NameRefused>().unwrap().0
    }

    #[test]
    fn refused_addresses_are_dropped_and_public_ones_kept_in_order() {
        let found = ips(&[
            "10.0.0.1",
            "93.184.215.14",
            "::1",
            "2606:2800:21f:cb07:6820:80da:af6b:8b2c",
        ]);
        assert_eq!(
            keep_allowed(&found, false).unwrap(),
            ips(&["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"])
        );
    }

    #[test]
    fn a_name_with_only_refused_addresses_fails_with_the_first_class() {
        assert_eq!(
            refused_class(keep_allowed(&ips(&["127.0.0.1", "10.0.0.1"]), false)),
            AddressClass::Loopback
        );
        assert_eq!(
            refused_class(keep_allowed(&ips(&["169.254.169.254", "224.0.0.1"]), true)),
            AddressClass::LinkLocal
        );
        assert_eq!(
            keep_allowed(&ips(&["127.0.0.1", "10.0.0.1", "169.254.1.1"]), true).unwrap(),
            ips(&["127.0.0.1", "10.0.0.1"])
        );
        assert!(
            keep_allowed(&[], false)
                .unwrap_err()
                .is::<NameNotResolved>()
        );
    }
}
