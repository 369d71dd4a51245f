//! `migrate-to URL`: the whole database copied into an empty one (SQLite to SQLite here;
//! SQLite to PostgreSQL in `postgres_urls.rs`), counts verified, keys still working,
//! webhooks moved whole; a destination that holds an account is refused.

use crate::harness::{Admin, Run};
use crate::{NOW, at, with_account};
use postcore_domain::{AccountName, ApiKey, Connection, Platform, ProfileKey};
use postcore_store::testing::{WebhookFixture, assert_webhooks_moved, populate_webhooks};
use postcore_store::{Credentials, SecretString};

/// A key made by `keys create` for `acme`, as printed.
fn create_key(admin: &Admin, label: &str) -> ApiKey {
    let out = admin.ok(&[
        "--now",
        NOW,
        "keys",
        "create",
        "--account",
        "acme",
        "--label",
        label,
    ]);
    ApiKey::parse(out.trim_end()).expect("one key on stdout")
}

/// `acme` with two keys (one revoked), a return URL, a profile with a LinkedIn
/// connection holding tokens, and the store fixture's webhooks from `NOW` (three endpoints,
/// one rotated and one disabled; pending, in-flight, delivered and failed deliveries; a
/// notice told, on a second profile whose LinkedIn token expires in 10 days); returns the
/// live key, the revoked one and the webhooks.
pub(crate) async fn populated() -> (Admin, ApiKey, ApiKey, WebhookFixture) {
    let admin = with_account();
    let live = create_key(&admin, "backend");
    let revoked = create_key(&admin, "old");
    admin.ok(&[
        "--now",
        NOW,
        "keys",
        "revoke",
        revoked.display_prefix(),
        "--yes",
    ]);
    admin.ok(&[
        "--now",
        NOW,
        "accounts",
        "allow-return-url",
        "acme",
        "https://app.example.com/done",
    ]);
    let key = admin
        .ok(&[
            "--now",
            NOW,
            "profiles",
            "create",
            "--account",
            "acme",
            "--name",
            "John",
        ])
        .trim_end()
        .to_owned();
    let store = admin.store().await;
    let acme = store
        .find_account(&AccountName::parse("acme").unwrap())
        .await
        .unwrap();
    let creds = Credentials {
        access_token: Some(SecretString::from("access-token-1")),
        refresh_token: Some(SecretString::from("refresh-token-1")),
        ..Credentials::default()
    };
    let linkedin = Connection::new(Platform::LinkedIn, "John Doe", "john@example.com", at(NOW));
    store
        .connect(acme.id, &ProfileKey::parse(&key).unwrap(), linkedin, creds)
        .await
        .unwrap();
    let hooks = populate_webhooks(&store, acme.id, at(NOW)).await;
    (admin, live, revoked, hooks)
}

/// Checks the webhooks of `acme` on `dest` against [`populated`]'s source (see
/// `postcore_store::testing::assert_webhooks_moved`).
pub(crate) async fn assert_hooks_moved(admin: &Admin, hooks: &WebhookFixture, dest: &str) {
    let acme = AccountName::parse("acme").unwrap();
    let source = admin.store().await;
    let source_acme = source.find_account(&acme).await.unwrap().id;
    let dest = Admin::open_url(dest).await;
    let dest_acme = dest.find_account(&acme).await.unwrap().id;
    assert_webhooks_moved(hooks, (&source, source_acme), (&dest, dest_acme)).await;
}

pub(crate) const REMINDER: &str = "Platform credentials and webhook signing secrets are encrypted \
     with the destination's secret key: start the servers on {to} with it. Pending LinkedIn \
     sign-ins were not copied (users start them again).\n";

/// Asserts one successful `migrate-to` run of [`populated`]'s database to `shown_to` (the
/// destination as it is shown), stdout and stderr exactly.
pub(crate) fn assert_migrated(admin: &Admin, run: &Run, shown_to: &str) {
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (
            0,
            format!(
                "migrated {} to {shown_to}: accounts 1, API keys 2, profiles 2, connections 2, \
                 return URLs 1, webhook endpoints 3, webhook events 4, webhook deliveries 6, \
                 webhook notices 1\nverified: the destination holds exactly what the source \
                 holds\n",
                admin.database().display()
            )
            .as_str()
        ),
        "{run:?}"
    );
    assert_eq!(
        run.stderr,
        format!(
            "copying account acme: API keys 2, return URLs 1, profiles 2, connections 2, \
             webhook endpoints 3, webhook events 4, webhook deliveries 6, webhook notices 1\n{}",
            REMINDER.replace("{to}", shown_to)
        )
    );
}

/// Asserts that the operator's views (keys, profiles, return URLs, accounts, webhook
/// endpoints and deliveries, as JSON) of `admin`'s database and of `dest` are the same,
/// byte for byte.
pub(crate) fn assert_same_views(admin: &Admin, dest: &str) {
    let on = |db: &str, args: &[&str]| {
        let mut cmd = admin.command();
        cmd.env("POSTCORE_DATABASE", db).args(args);
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let source = admin.database().display().to_string();
    for args in [
        &["keys", "list", "--json"][..],
        &["profiles", "list", "--account", "acme", "--json"],
        &["accounts", "return-urls", "acme", "--json"],
        &["accounts", "list", "--json"],
        &["webhooks", "list", "--json"],
        &["webhooks", "deliveries", "--json"],
    ] {
        assert_eq!(on(dest, args), on(&source, args), "{args:?}");
    }
}

#[tokio::test]
async fn a_whole_database_is_copied_with_its_keys_secrets_urls_and_webhooks_and_the_counts_verified()
 {
    let (admin, live, revoked, hooks) = populated().await;
    let to = admin.dir().join("copy.db");
    let to_text = to.display().to_string();
    let run = admin.run(&["migrate-to", &to_text]);
    assert_migrated(&admin, &run, &to_text);

    let dest = Admin::open(&to).await;
    let acme = dest
        .find_account(&AccountName::parse("acme").unwrap())
        .await
        .unwrap();
    assert_same_views(&admin, &to_text);
    assert_hooks_moved(&admin, &hooks, &to_text).await;
    // The keys authenticate as before (after the listings: this records a last use).
    assert_eq!(
        dest.authenticate(&live, at(NOW)).await.unwrap(),
        Some(acme.id)
    );
    assert_eq!(dest.authenticate(&revoked, at(NOW)).await.unwrap(), None);
    let key = dest
        .list_profiles_page(acme.id, &Default::default(), at(NOW), None, 10)
        .await
        .unwrap()[0]
        .profile
        .key()
        .clone();
    let creds = dest
        .credentials(acme.id, &key, Platform::LinkedIn)
        .await
        .unwrap();
    use postcore_store::ExposeSecret as _;
    assert_eq!(
        creds.access_token.as_ref().map(|s| s.expose_secret()),
        Some("access-token-1")
    );
    assert_eq!(
        creds.refresh_token.as_ref().map(|s| s.expose_secret()),
        Some("refresh-token-1")
    );
}

#[tokio::test]
async fn a_destination_that_holds_an_account_or_is_the_source_is_refused() {
    let (admin, _, _, _) = populated().await;
    let to = admin.dir().join("busy.db");
    let to_text = to.display().to_string();
    let mut cmd = admin.command();
    cmd.env("POSTCORE_DATABASE", &to)
        .args(["accounts", "create", "other"]);
    assert!(cmd.output().unwrap().status.success());

    let stderr = admin.run(&["migrate-to", &to_text]).failed(5);
    assert_eq!(
        stderr,
        format!(
            "error: URL {to_text}: the destination already holds 1 account(s): migrate-to \
             writes only into an empty database (drop and create it again, and start no server \
             on it before the copy)\n"
        )
    );
    let source = admin.database().display().to_string();
    let stderr = admin.run(&["migrate-to", &source]).failed(2);
    assert_eq!(
        stderr,
        format!("error: URL {source}: the destination is the source (--database) itself\n")
    );
    // Nothing was written to either.
    let busy = Admin::open(&to).await;
    assert_eq!(busy.database_counts().await.unwrap().profiles, 0);
}
