//! Bodies that are only a message (api.md §5.4).

use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// A body that is only a message: `{"message": "Profile deleted successfully"}` (api.md §5.4,
/// and the disconnect confirmation of §5.5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message<'a> {
    /// The text, for people.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub message: Cow<'a, str>,
}

impl Message<'static> {
    /// The answer of `DELETE /profiles/{profileKey}` (api.md §5.4).
    pub const PROFILE_DELETED: Self = Self {
        message: Cow::Borrowed("Profile deleted successfully"),
    };
    /// The answer of `DELETE /profiles/{profileKey}/connections/{platform}` (api.md §5.5).
    pub const PLATFORM_DISCONNECTED: Self = Self {
        message: Cow::Borrowed("Platform disconnected successfully"),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delete_answer_is_the_specs_message() {
        assert_eq!(
            serde_json::to_string(&Message::PROFILE_DELETED).unwrap(),
            r#"{"message":"Profile deleted successfully"}"#
        );
    }
}
