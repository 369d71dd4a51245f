//! First start: an account named `default` and one API key, shown once on stderr.

use postcore_domain::{AccountName, ApiKey, KeyLabel, Timestamp};
use postcore_store::{Conflict, Repository, StoreError};
use std::net::SocketAddr;

/// Name of the account made on first start.
pub(crate) const DEFAULT_ACCOUNT: &str = "default";

/// When the database holds no account, creates `default` with one API key — in one
/// transaction, so that a crash cannot leave the account without its key — and returns the
/// key; otherwise returns `None`. Servers starting together on one database show one key
/// between them: the one whose write made the account.
///
/// # Errors
/// The store's errors.
pub(crate) async fn first_start(
    store: &dyn Repository,
    now: Timestamp,
) -> Result<Option<ApiKey>, StoreError> {
    if !store.list_accounts().await?.is_empty() {
        return Ok(None);
    }
    let made = store
        .provision_account(
            &AccountName::parse(DEFAULT_ACCOUNT).expect("a valid fixed name"),
            Vec::new(),
            Some(&KeyLabel::parse("created at first start").expect("a valid fixed label")),
            now,
        )
        .await;
    let made = match made {
        Ok(made) => made,
        // Another server on the same database created `default` while this one was
        // writing it (on PostgreSQL the second writer waits on the name's uniqueness, then
        // is refused and writes nothing): that server showed its key, this one shows none.
        Err(StoreError::Conflict(Conflict::AccountExists)) => {
            tracing::info!(
                account = DEFAULT_ACCOUNT,
                "first start: another server created the default account at the same moment"
            );
            return Ok(None);
        }
        Err(e) => return Err(e),
    };
    let (key, info) = (made.api_key, made.key_info);
    if !made.created_account {
        // Another process created `default` between our look and our write: it showed its
        // own key, so the one just made is revoked rather than left unseen.
        store.revoke_api_key(&info.prefix, now).await?;
        return Ok(None);
    }
    tracing::info!(
        account = DEFAULT_ACCOUNT,
        key.prefix = %info.prefix,
        "first start: created the default account and its API key"
    );
    Ok(Some(key))
}

/// The message that shows the first key, once, with a ready-to-paste `curl` line for the
/// bound `address` (an unspecified address such as `0.0.0.0` is shown as loopback).
pub(crate) fn banner(key: &ApiKey, address: SocketAddr) -> String {
    let host = match address.ip() {
        ip if ip.is_unspecified() && ip.is_ipv4() => "127.0.0.1".to_owned(),
        ip if ip.is_unspecified() => "[::1]".to_owned(),
        std::net::IpAddr::V6(ip) => format!("[{ip}]"),
        std::net::IpAddr::V4(ip) => ip.to_string(),
    };
    let secret = key.expose_secret();
    format!(
        "\nPostCore created the account \"{DEFAULT_ACCOUNT}\" and its first API key.\n\
         The key is shown only this once; store it now:\n\n    {secret}\n\n\
         Try it:\n\n    curl http://{host}:{port}/profiles -H \"x-api-key: {secret}\"\n",
        port = address.port(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_banner_shows_a_loopback_curl_line_for_an_unspecified_address() {
        let key = ApiKey::generate();
        let text = banner(&key, "0.0.0.0:8080".parse().unwrap());
        let curl = format!(
            "curl http://127.0.0.1:8080/profiles -H \"x-api-key: {}\"",
            key.expose_secret()
        );
        assert!(text.contains(&curl), "{text}");
        let v6 = banner(&key, "[::]:9000".parse().unwrap());
        assert!(v6.contains("curl http://[::1]:9000/profiles"), "{v6}");
    }
}
