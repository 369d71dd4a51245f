//! The OAuth plumbing of the browser leg (api.md §5.5): single-use states kept by digest,
//! and the two ways a flow ends — a redirect to the allow-listed `returnUrl`, or a small
//! page of the server's own.

use actix_web::HttpResponse;
use actix_web::http::header;
use postcore_domain::{ProfileKey, random_string};
use sha2::{Digest, Sha256};

/// How long a state is accepted after the flow starts, in seconds (10 minutes).
pub const STATE_LIFETIME_SECONDS: i64 = 600;

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A new state: 43 base62 characters from the OS CSPRNG (256 bits). It carries nothing:
/// the account, profile and return URL are kept in the store under its digest.
pub fn new_state() -> String {
    random_string(BASE62, 43)
}

/// The SHA-256 digest under which a state is stored (never the state itself).
pub fn state_digest(state: &str) -> [u8; 32] {
    Sha256::digest(state.as_bytes()).into()
}

/// Why a flow ended without a connection: the `error` sent to the `returnUrl`
/// (`returnUrl?error=CODE`). The set is documented in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowError {
    /// The user declined at LinkedIn.
    AccessDenied,
    /// The state is missing, unknown, already used or expired (no return URL is known
    /// then, so this one ends on the server's page).
    InvalidState,
    /// LinkedIn's answer had no code.
    InvalidRequest,
    /// LinkedIn refused the code or the token it had just issued.
    AuthorizationFailed,
    /// Another LinkedIn member is connected on the profile; it is untouched.
    PlatformAlreadyConnected,
    /// The profile was deleted while the user was at LinkedIn.
    ProfileNotFound,
    /// LinkedIn was unreachable, slow, failing, or answered what cannot be understood.
    UpstreamError,
    /// Storing the connection failed (details in the log).
    ServerError,
}

impl FlowError {
    /// The code sent as `error=`.
    pub fn code(self) -> &'static str {
        match self {
            FlowError::AccessDenied => "access_denied",
            FlowError::InvalidState => "invalid_state",
            FlowError::InvalidRequest => "invalid_request",
            FlowError::AuthorizationFailed => "authorization_failed",
            FlowError::PlatformAlreadyConnected => "platform_already_connected",
            FlowError::ProfileNotFound => "profile_not_found",
            FlowError::UpstreamError => "upstream_error",
            FlowError::ServerError => "server_error",
        }
    }

    /// A sentence for the server's own page.
    fn sentence(self) -> &'static str {
        match self {
            FlowError::AccessDenied => "LinkedIn access was not granted.",
            FlowError::InvalidState => {
                "This link has expired or was already used. Start connecting again from the app."
            }
            FlowError::InvalidRequest | FlowError::AuthorizationFailed => {
                "LinkedIn did not confirm the connection. Start connecting again from the app."
            }
            FlowError::PlatformAlreadyConnected => {
                "Another LinkedIn account is already connected to this profile."
            }
            FlowError::ProfileNotFound => "The profile no longer exists.",
            FlowError::UpstreamError => "LinkedIn could not be reached. Try again later.",
            FlowError::ServerError => "Something went wrong on our side. Try again later.",
        }
    }
}

/// The end of a flow: `302 Found` to `return_url` with `profileKey` and `platform`
/// (or `error`) added to its query, or, without a return URL, a small HTML page (200 on
/// success, 400 otherwise). Never cached, never sending a referrer.
pub fn finish(return_url: Option<&str>, outcome: Result<&ProfileKey, FlowError>) -> HttpResponse {
    match return_url {
        Some(url) => {
            let mut query = form_urlencoded::Serializer::new(String::new());
            match outcome {
                Ok(key) => query
                    .append_pair("profileKey", key.as_str())
                    .append_pair("platform", "linkedin"),
                Err(e) => query.append_pair("error", e.code()),
            };
            let separator = if url.contains('?') { '&' } else { '?' };
            HttpResponse::Found()
                .insert_header((
                    header::LOCATION,
                    format!("{url}{separator}{}", query.finish()),
                ))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .insert_header((header::REFERRER_POLICY, "no-referrer"))
                .finish()
        }
        None => {
            let (mut response, title, text) = match outcome {
                Ok(_) => (
                    HttpResponse::Ok(),
                    "LinkedIn connected",
                    "LinkedIn is connected. You can close this window.",
                ),
                Err(e) => (
                    HttpResponse::BadRequest(),
                    "LinkedIn not connected",
                    e.sentence(),
                ),
            };
            response
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .insert_header((header::REFERRER_POLICY, "no-referrer"))
                .content_type("text/html; charset=utf-8")
                .body(format!(
                    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
                     <title>{title}</title></head>\n<body><h1>{title}</h1><p>{text}</p></body></html>\n"
                ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_256_random_bits_kept_by_digest() {
        let (a, b) = (new_state(), new_state());
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(state_digest(&a), state_digest(&a));
        assert_ne!(state_digest(&a), state_digest(&b));
    }

    #[test]
    fn a_return_url_gets_the_outcome_in_its_query() {
        let key = ProfileKey::parse("prof_abcdefghij012345").unwrap();
        let location = |url, outcome| {
            let response = finish(Some(url), outcome);
            assert_eq!(response.status().as_u16(), 302);
            response
                .headers()
                .get(header::LOCATION)
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned()
        };
        assert_eq!(
            location("https://app.example.com/done", Ok(&key)),
            "https://app.example.com/done?profileKey=prof_abcdefghij012345&platform=linkedin"
        );
        assert_eq!(
            location(
                "https://app.example.com/done?tab=1",
                Err(FlowError::AccessDenied)
            ),
            "https://app.example.com/done?tab=1&error=access_denied"
        );
    }
}
