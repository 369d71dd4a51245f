//! OpenAPI schemas of the wire JSON (feature `openapi`): the value types that the wire
//! structs keep as text (`profileKey`, `profileName`, `platform`), and the request bodies
//! that are read by hand (`POST /profiles/create`, `POST /profiles/connect`), described as
//! the JSON that they accept. The server puts them in its document (api.md §5.8).

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, Schema, SchemaType, Type};
use utoipa::{PartialSchema, ToSchema};

/// The pattern of an accepted profile key (`ProfileKey::parse`): `prof_` and 1–64 ASCII
/// letters or digits; the server makes `prof_` + 16 lowercase letters or digits (api.md §1).
pub const PROFILE_KEY_PATTERN: &str = "^prof_[A-Za-z0-9]{1,64}$";

/// A profile name as stored and answered (`ProfileName::parse`, api.md §2): 1–255
/// characters, trimmed, none of them a control character (Unicode `Cc`).
pub const PROFILE_NAME_PATTERN: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F]+$";

/// A profile name as sent in `POST /profiles/create` (api.md §5.3): surrounding white space
/// is trimmed, and what is left must hold a character that is not white space, and no
/// control character (Unicode `Cc`).
pub const PROFILE_NAME_REQUEST_PATTERN: &str = "^\\s*[^\\u0000-\\u001F\\u007F-\\u009F]*\
     [^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*\\s*$";

/// A profile key as text: `prof_…` (api.md §1).
pub struct ProfileKeyText;

impl PartialSchema for ProfileKeyText {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(PROFILE_KEY_PATTERN))
            .examples(["prof_abc123def456"])
            .into()
    }
}

impl ToSchema for ProfileKeyText {
    fn name() -> std::borrow::Cow<'static, str> {
        "ProfileKey".into()
    }
}

/// A profile name as answered: 1–255 characters, trimmed, no control characters (api.md §2).
pub struct ProfileNameText;

impl PartialSchema for ProfileNameText {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .max_length(Some(postcore_domain::PROFILE_NAME_MAX_CHARS))
            .pattern(Some(PROFILE_NAME_PATTERN))
            .examples(["User: john@example.com"])
            .into()
    }
}

impl ToSchema for ProfileNameText {
    fn name() -> std::borrow::Cow<'static, str> {
        "ProfileName".into()
    }
}

/// A platform's name on the wire (api.md §2).
#[derive(ToSchema)]
#[schema(as = Platform)]
pub enum PlatformName {
    /// LinkedIn, connected by OAuth 2.0.
    #[schema(rename = "linkedin")]
    LinkedIn,
    /// Bluesky, connected with a handle and an app password.
    #[schema(rename = "bluesky")]
    Bluesky,
}

/// `{"profileName"?: string | null}`: the body of `POST /profiles/create` (api.md §5.3), a
/// JSON object with no other field. The name is trimmed, then must be 1–255 characters with
/// no control character.
impl PartialSchema for crate::CreateProfileRequest {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .property(
                "profileName",
                ObjectBuilder::new()
                    .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
                    .min_length(Some(1))
                    .max_length(Some(postcore_domain::PROFILE_NAME_MAX_CHARS))
                    .pattern(Some(PROFILE_NAME_REQUEST_PATTERN))
                    .description(Some(
                        "Optional label, trimmed, then 1–255 characters with no control \
                         character; `null` or absent: no name.",
                    )),
            )
            .additional_properties(Some(AdditionalProperties::FreeForm(false)))
            .into()
    }
}

impl ToSchema for crate::CreateProfileRequest {}

/// `{"profileKey"?: string | null, "platform": "bluesky", "credentials": {"handle",
/// "appPassword"}}`: the body of `POST /profiles/connect` (api.md §5.5). LinkedIn is
/// connected by OAuth, not with this body.
impl PartialSchema for crate::ConnectBody {
    fn schema() -> RefOr<Schema> {
        let text = |min: usize, max: usize, description: &str| {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(min))
                .max_length(Some(max))
                .description(Some(description))
        };
        let credentials = ObjectBuilder::new()
            .schema_type(Type::Object)
            .property(
                "handle",
                text(1, 253, "The Bluesky handle, e.g. `johndoe.bsky.social` (a leading `@` is dropped)."),
            )
            .required("handle")
            .property(
                "appPassword",
                text(
                    1,
                    crate::APP_PASSWORD_MAX_CHARS,
                    "An app password (Settings → App passwords); never stored in clear, never answered.",
                )
                .format(Some(utoipa::openapi::SchemaFormat::Custom("password".into()))),
            )
            .required("appPassword")
            .additional_properties(Some(AdditionalProperties::FreeForm(false)));
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .property(
                "profileKey",
                ObjectBuilder::new()
                    .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
                    .description(Some(
                        "The profile to connect; absent or `null`: a profile is created.",
                    )),
            )
            .property(
                "platform",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(["bluesky"])),
            )
            .required("platform")
            .property("credentials", credentials)
            .required("credentials")
            .additional_properties(Some(AdditionalProperties::FreeForm(false)))
            .into()
    }
}

impl ToSchema for crate::ConnectBody {
    fn name() -> std::borrow::Cow<'static, str> {
        "ConnectRequest".into()
    }
}
