//! `profiles list [--account NAME]`: profiles with their connected platforms.

use crate::context::Context;
use crate::output::{print_table, text, ts};
use futures::TryStreamExt as _;
use postcore_api::{ProfileList, ProfileObject, WithAccount};
use postcore_domain::AccountName;
use postcore_domain::ProfileName;
use postcore_store::ProfileRecord;

/// Lists the profiles of `account` (or of every account, by account name), each in
/// `(createdAt, profileKey)` order, as a table or as `{"profiles": [...]}`.
pub async fn run(ctx: &Context, account: Option<&AccountName>, json: bool) -> anyhow::Result<()> {
    let accounts = match account {
        Some(name) => vec![ctx.account(name).await?],
        None => ctx.store.list_accounts().await?,
    };
    let mut all = Vec::new();
    for account in accounts {
        let pages: Vec<Vec<ProfileRecord>> = postcore_store::stream_profile_pages(
            std::sync::Arc::clone(&ctx.store),
            account.id,
            postcore_store::STREAM_PAGE_SIZE,
        )
        .try_collect()
        .await?;
        all.extend(
            pages
                .into_iter()
                .flatten()
                .map(|r| (account.name.to_string(), r)),
        );
    }
    if json {
        let profiles = all
            .iter()
            .map(|(a, r)| WithAccount {
                account: a.into(),
                object: ProfileObject::new(&r.profile, &r.connections, ctx.now),
            })
            .collect();
        crate::output::print_json(&ProfileList { profiles })?;
    } else {
        print_table(
            &["PROFILE KEY", "ACCOUNT", "NAME", "CREATED", "PLATFORMS"],
            all.into_iter().map(|(a, r)| row(a, &r)),
        );
    }
    Ok(())
}

fn row(account: String, r: &ProfileRecord) -> Vec<String> {
    let platforms: Vec<&str> = r
        .connections
        .iter()
        .map(|c| c.platform().as_str())
        .collect();
    vec![
        r.profile.key().to_string(),
        account,
        text(r.profile.name().map(ProfileName::as_str)),
        ts(Some(r.profile.created_at())),
        if platforms.is_empty() {
            "-".to_owned()
        } else {
            platforms.join(", ")
        },
    ]
}
