//! `POST /profiles/create` (api.md §5.3): the request body, read strictly, and the answer.

use crate::name_field::NameField;
use postcore_domain::{Profile, ProfileName, ProfileNameError};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;

/// The body of `POST /profiles/create` (api.md §5.3): a JSON object whose only field is
/// `profileName`, a string or `null` (absent is `null`).
///
/// Reading is strict: any JSON value but an object (an array included), an unknown field or
/// a repeated `profileName` is refused by serde with a message naming the problem. A
/// `profileName` of another JSON type is accepted here and refused by
/// [`CreateProfileRequest::profile_name`], so that the message names the field.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CreateProfileRequest {
    /// `profileName` as sent.
    name: NameField,
}

/// Why [`CreateProfileRequest::profile_name`] refused the name; the message names
/// `profileName`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateProfileError {
    /// `profileName` was a number, boolean, array or object.
    NotAString,
    /// The string is not a valid name (empty after trimming, over 255 characters, or with
    /// control characters).
    InvalidName(ProfileNameError),
}

impl fmt::Display for CreateProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CreateProfileError::NotAString => f.write_str("profileName must be a string or null"),
            CreateProfileError::InvalidName(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for CreateProfileError {}

impl CreateProfileRequest {
    /// A request asking for `name` (`None`: no name).
    pub fn new(name: Option<&str>) -> Self {
        Self {
            name: name.map_or(NameField::Null, |n| NameField::Text(n.to_owned())),
        }
    }

    /// The requested name, parsed: `None` when absent or `null`; trimmed otherwise.
    ///
    /// # Errors
    /// [`CreateProfileError`] when `profileName` is neither a string nor `null`, or is not a
    /// valid [`ProfileName`].
    pub fn profile_name(&self) -> Result<Option<ProfileName>, CreateProfileError> {
        match &self.name {
            NameField::Null => Ok(None),
            NameField::Text(text) => ProfileName::parse(text)
                .map(Some)
                .map_err(CreateProfileError::InvalidName),
            NameField::NotAString => Err(CreateProfileError::NotAString),
        }
    }
}

/// The fields of [`CreateProfileRequest`], read only from a JSON object.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateProfileFields {
    #[serde(rename = "profileName", default)]
    profile_name: NameField,
}

impl<'de> Deserialize<'de> for CreateProfileRequest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// Accepts a map only (a derived struct would also take a JSON array).
        struct ObjectOnly;
        impl<'de> Visitor<'de> for ObjectOnly {
            type Value = CreateProfileRequest;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object with an optional profileName")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let fields =
                    CreateProfileFields::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(CreateProfileRequest {
                    name: fields.profile_name,
                })
            }
        }
        deserializer.deserialize_map(ObjectOnly)
    }
}

/// The 201 answer of `POST /profiles/create` (api.md §5.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreatedProfile<'a> {
    /// The new profile's key, `prof_…`.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::ProfileKeyText))]
    pub profile_key: Cow<'a, str>,
    /// Its label, `null` when none was given.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::ProfileNameText>))]
    pub profile_name: Option<Cow<'a, str>>,
}

impl<'a> From<&'a Profile> for CreatedProfile<'a> {
    fn from(profile: &'a Profile) -> Self {
        Self {
            profile_key: Cow::Borrowed(profile.key().as_str()),
            profile_name: profile.name().map(|n| Cow::Borrowed(n.as_str())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::seed_profile;

    fn read(body: &str) -> Result<CreateProfileRequest, String> {
        serde_json::from_str(body).map_err(|e| e.to_string())
    }

    fn name(body: &str) -> Result<Option<String>, String> {
        let parsed = read(body)?.profile_name().map_err(|e| e.to_string())?;
        Ok(parsed.map(|n| n.as_str().to_owned()))
    }

    #[test]
    fn a_name_is_trimmed_and_null_or_absent_means_none() {
        assert_eq!(
            name(r#"{"profileName":"  User: a "}"#),
            Ok(Some("User: a".into()))
        );
        assert_eq!(name(r#"{"profileName":null}"#), Ok(None));
        assert_eq!(name("{}"), Ok(None));
    }

    #[test]
    fn a_name_of_another_json_type_is_refused_naming_the_field() {
        for body in [
            r#"{"profileName":42}"#,
            r#"{"profileName":-1.5}"#,
            r#"{"profileName":true}"#,
            r#"{"profileName":["a",{"b":[1]}]}"#,
            r#"{"profileName":{"a":[1,2]}}"#,
        ] {
            assert_eq!(
                name(body),
                Err("profileName must be a string or null".into()),
                "{body}"
            );
        }
    }

    #[test]
    fn an_invalid_name_is_refused_with_the_domain_message() {
        assert_eq!(
            name(r#"{"profileName":"   "}"#),
            Err("profileName must not be empty".into())
        );
    }

    #[test]
    fn only_an_object_with_only_profile_name_is_read() {
        assert_eq!(
            read(r#"["a"]"#),
            Err("invalid type: sequence, expected a JSON object with an optional profileName at line 1 column 0".into())
        );
        assert_eq!(
            read(r#"{"profileName":"a","admin":true}"#),
            Err("unknown field `admin`, expected `profileName` at line 1 column 26".into())
        );
        assert_eq!(
            read(r#"{"profileName":"a","profileName":"b"}"#),
            Err("duplicate field `profileName` at line 1 column 32".into())
        );
    }

    #[test]
    fn new_gives_what_reading_the_same_body_gives() {
        assert_eq!(
            read(r#"{"profileName":"a"}"#),
            Ok(CreateProfileRequest::new(Some("a")))
        );
        assert_eq!(read("{}"), Ok(CreateProfileRequest::new(None)));
    }

    #[test]
    fn the_answer_has_the_key_then_the_name() {
        let profile = seed_profile("prof_abc123");
        assert_eq!(
            serde_json::to_string(&CreatedProfile::from(&profile)).unwrap(),
            r#"{"profileKey":"prof_abc123","profileName":"User: john@example.com"}"#
        );
    }
}
