//! `POST /profiles/connect` (api.md §5.5): the request, read field by field without ever
//! quoting a value, and the answer `{"profileKey", …Connected Platform}`.

use crate::ConnectedPlatform;
use crate::loose::Loose;
use postcore_domain::{Connection, Platform, ProfileKey, Timestamp};
use secrecy::SecretString;
use serde::{Deserialize, Deserializer, Serialize};
use std::borrow::Cow;
use std::fmt;

/// Longest app password accepted, in characters (Bluesky's are 19: `xxxx-xxxx-xxxx-xxxx`;
/// the room left lets a main password reach the service's own refusal).
pub const APP_PASSWORD_MAX_CHARS: usize = 1024;

/// The body of `POST /profiles/connect` (api.md §5.5), checked:
/// `{"profileKey"?: string | null, "platform": "bluesky" | "linkedin", "credentials"?: {…}}`.
///
/// Read with [`ConnectBody`] and [`ConnectBody::check`]. Errors name the field and never
/// quote a value, since `credentials` holds a password; `Debug` shows no credential.
#[derive(Debug)]
pub struct ConnectRequest {
    /// `profileKey`, when given: the profile to connect. `Some(None)` is a string that is
    /// not a well-formed key (answered as an unknown profile, api.md §1).
    pub profile_key: Option<Option<ProfileKey>>,
    /// What to connect.
    pub platform: PlatformRequest,
}

/// The platform part of a connect request.
#[derive(Debug)]
pub enum PlatformRequest {
    /// `"platform": "bluesky"` with `"credentials": {"handle", "appPassword"}`.
    Bluesky {
        /// The handle as typed (the server normalises and checks it).
        handle: String,
        /// The app password; never logged, echoed or returned.
        app_password: SecretString,
    },
    /// `"platform": "linkedin"`: connected by OAuth, not by this request.
    LinkedIn,
}

/// Why a connect body was refused: the message names the field, never a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectRequestError(String);

impl fmt::Display for ConnectRequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConnectRequestError {}

pub(crate) fn refuse<T>(message: impl Into<String>) -> Result<T, ConnectRequestError> {
    Err(ConnectRequestError(message.into()))
}

/// A connect body as parsed JSON, not yet checked: deserialise it (any JSON value
/// parses), then call [`ConnectBody::check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectBody(Loose);

impl<'de> Deserialize<'de> for ConnectBody {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Loose::deserialize(deserializer).map(Self)
    }
}

/// An object's fields by name: refuses repeated and unknown names, naming them.
pub(crate) fn fields<'a>(
    entries: &'a [(String, Loose)],
    path: &str,
    known: &[&str],
) -> Result<Vec<Option<&'a Loose>>, ConnectRequestError> {
    let mut found = vec![None; known.len()];
    for (name, value) in entries {
        match known.iter().position(|k| k == name) {
            Some(i) if found[i].is_some() => {
                return refuse(format!("{path}{} is given twice", known[i]));
            }
            Some(i) => found[i] = Some(value),
            None => {
                // The unknown name is not quoted: a client may have put anything there.
                let object = path.strip_suffix('.').unwrap_or("the body");
                return refuse(format!(
                    "Unknown field in {object}: expected {}",
                    known
                        .iter()
                        .map(|k| format!("{path}{k}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
    }
    Ok(found)
}

/// A required string field, at most `max` characters.
pub(crate) fn text(
    value: Option<&Loose>,
    field: &str,
    max: usize,
) -> Result<String, ConnectRequestError> {
    match value {
        Some(Loose::Text(t)) if t.chars().count() > max => {
            refuse(format!("{field} must be at most {max} characters"))
        }
        Some(Loose::Text(t)) if t.is_empty() => refuse(format!("{field} must not be empty")),
        Some(Loose::Text(t)) => Ok(t.clone()),
        None | Some(Loose::Null) => refuse(format!("{field} is required")),
        Some(other) => refuse(format!("{field} must be a string, not {}", other.kind())),
    }
}

impl ConnectBody {
    /// Checks the body against api.md §5.5.
    ///
    /// # Errors
    /// [`ConnectRequestError`] naming the first field that is missing, repeated, unknown,
    /// of the wrong type or out of range (`platform` not `bluesky`/`linkedin`; Bluesky
    /// without `credentials.handle` or `credentials.appPassword`; LinkedIn with
    /// `credentials`).
    pub fn check(self) -> Result<ConnectRequest, ConnectRequestError> {
        let Loose::Object(entries) = self.0 else {
            return refuse(format!(
                "Request body must be a JSON object, not {}",
                self.0.kind()
            ));
        };
        let [key, platform, credentials] = <[_; 3]>::try_from(fields(
            &entries,
            "",
            &["profileKey", "platform", "credentials"],
        )?)
        .expect("three known fields");
        let profile_key = match key {
            None | Some(Loose::Null) => None,
            Some(Loose::Text(t)) => Some(ProfileKey::parse(t).ok()),
            Some(other) => {
                return refuse(format!(
                    "profileKey must be a string or null, not {}",
                    other.kind()
                ));
            }
        };
        let platform = text(platform, "platform", 64)?;
        let platform = Platform::parse(&platform).map_err(|_| {
            ConnectRequestError("platform must be one of: bluesky, linkedin".into())
        })?;
        let platform = match (platform, credentials) {
            (Platform::Bluesky, Some(Loose::Object(creds))) => {
                let [handle, password] =
                    <[_; 2]>::try_from(fields(creds, "credentials.", &["handle", "appPassword"])?)
                        .expect("two known fields");
                PlatformRequest::Bluesky {
                    // Its length is checked with its syntax (`BlueskyHandle::parse`); the
                    // body limit bounds it here.
                    handle: text(handle, "credentials.handle", usize::MAX)?,
                    app_password: text(
                        password,
                        "credentials.appPassword",
                        APP_PASSWORD_MAX_CHARS,
                    )?
                    .into(),
                }
            }
            (Platform::Bluesky, None | Some(Loose::Null)) => {
                return refuse(
                    "credentials is required for bluesky: {\"handle\", \"appPassword\"}",
                );
            }
            (Platform::Bluesky, Some(other)) => {
                return refuse(format!(
                    "credentials must be an object, not {}",
                    other.kind()
                ));
            }
            (Platform::LinkedIn, None | Some(Loose::Null)) => PlatformRequest::LinkedIn,
            (Platform::LinkedIn, Some(_)) => {
                return refuse("credentials: LinkedIn is connected by OAuth and takes none");
            }
        };
        Ok(ConnectRequest {
            profile_key,
            platform,
        })
    }
}

/// The answer of a successful connect (api.md §5.5): the profile's key, then the
/// Connected Platform object's fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ConnectResponse<'a> {
    /// The profile connected (created by the request when it named none).
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::ProfileKeyText))]
    pub profile_key: Cow<'a, str>,
    /// The connection, as in a profile's `connectedPlatforms`.
    #[serde(flatten)]
    pub connection: ConnectedPlatform<'a>,
}

impl<'a> ConnectResponse<'a> {
    /// The answer for `connection` of profile `key`, its expiry computed at `now` (UTC).
    pub fn new(key: &'a ProfileKey, connection: &'a Connection, now: Timestamp) -> Self {
        Self {
            profile_key: Cow::Borrowed(key.as_str()),
            connection: ConnectedPlatform::new(connection, now),
        }
    }
}

#[cfg(test)]
mod tests;
