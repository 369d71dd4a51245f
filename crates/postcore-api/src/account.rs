//! The CLI's `--json` objects: an API object with its account's name first.

use serde::Serialize;
use std::borrow::Cow;

/// An object of the API with the name of the account it belongs to first:
/// `{"account": "acme", …the object's fields}`.
///
/// The CLI's `--json` output only (`profiles list`, `profiles show`): the hosted API has no
/// accounts in its bodies, and readers of an API object ignore the extra field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WithAccount<'a, T> {
    /// The owning account's name.
    pub account: Cow<'a, str>,
    /// The object, its fields following `account`.
    #[serde(flatten)]
    pub object: T,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{seed_linkedin, seed_now, seed_profile};
    use crate::{ProfileDetail, ProfileList, ProfileObject};

    #[test]
    fn the_account_comes_first_in_a_listed_profile() {
        let profile = seed_profile("prof_abc");
        let list = ProfileList {
            profiles: vec![WithAccount {
                account: "acme".into(),
                object: ProfileObject::new(&profile, &[], seed_now()),
            }],
        };
        assert_eq!(
            serde_json::to_string(&list).unwrap(),
            r#"{"profiles":[{"account":"acme","profileKey":"prof_abc","profileName":"User: john@example.com","createdAt":"2025-01-01T12:00:00Z","connectedPlatforms":[]}]}"#
        );
    }

    #[test]
    fn the_account_comes_first_in_a_profile_detail() {
        let (profile, connections) = (seed_profile("prof_abc"), [seed_linkedin()]);
        let shown = WithAccount {
            account: "acme".into(),
            object: ProfileDetail::new(&profile, &connections, seed_now()),
        };
        assert_eq!(
            serde_json::to_string(&shown).unwrap(),
            concat!(
                r#"{"account":"acme","profile":{"profileKey":"prof_abc","profileName":"User: john@example.com","createdAt":"2025-01-01T12:00:00Z"},"#,
                r#""connectedPlatforms":[{"platform":"linkedin","displayName":"John Doe","username":"johndoe","connectedAt":"2025-01-01T12:30:00Z","expiresAt":"2025-03-02T12:30:00Z","daysUntilExpiry":55,"needsReconnect":false}]}"#
            )
        );
    }
}
