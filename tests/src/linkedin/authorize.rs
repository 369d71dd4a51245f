//! The stand-in's authorization endpoint: checks the request, then redirects back with a
//! code or an error (RFC 6749 §4.1.1–§4.1.2.1), or first shows an Allow/Deny page.

use super::{Code, State};
use postcore_domain::random_string;
use std::collections::HashMap;
use wiremock::{Request, ResponseTemplate};

/// base64url's alphabet, for codes and tokens.
pub(super) const ALPHABET: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// `prefix` and 40 random characters.
pub(super) fn random_token(prefix: &str) -> String {
    format!("{prefix}{}", random_string(ALPHABET, 40))
}

/// A 302 to `redirect_uri` with `params` added to its query.
fn redirect(redirect_uri: &str, params: &[(&str, &str)]) -> ResponseTemplate {
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    let separator = if redirect_uri.contains('?') { '&' } else { '?' };
    ResponseTemplate::new(302)
        .insert_header("location", format!("{redirect_uri}{separator}{query}"))
}

/// An error page that does not redirect: the redirect URI cannot be trusted (§4.1.2.1).
fn error_page(message: &str) -> ResponseTemplate {
    ResponseTemplate::new(400).set_body_raw(
        format!("LinkedIn stand-in: {message}\n"),
        "text/plain; charset=utf-8",
    )
}

/// `text` with `&`, `<`, `>` and `"` escaped, for an HTML attribute or text.
fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The Allow/Deny page of the interactive stand-in: links back to this URL with
/// `decision=allow` or `decision=deny`.
fn consent_page(request: &Request, state: &State) -> ResponseTemplate {
    let here = format!(
        "{}?{}",
        request.url.path(),
        request.url.query().unwrap_or_default()
    );
    let link = |decision: &str| html_escape(&format!("{here}&decision={decision}"));
    let body = format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>LinkedIn stand-in</title></head>\n\
         <body><h1>LinkedIn stand-in</h1>\n<p>Sign in as <b>{}</b> (sub <code>{}</code>) and allow the app access?</p>\n\
         <p><a href=\"{}\">Allow</a> &nbsp; <a href=\"{}\">Deny</a></p></body></html>\n",
        html_escape(&state.member.name),
        html_escape(&state.member.sub),
        link("allow"),
        link("deny"),
    );
    // `set_body_raw` sets the content type with the body (`set_body_string` would reset it
    // to text/plain, and a browser would show the page's source).
    ResponseTemplate::new(200).set_body_raw(body, "text/html; charset=utf-8")
}

/// GET authorize.
pub(super) fn authorize(state: &mut State, request: &Request) -> ResponseTemplate {
    state.counts.authorize += 1;
    let query: HashMap<String, String> = request.url.query_pairs().into_owned().collect();
    let get = |name: &str| query.get(name).map(String::as_str);
    if get("client_id") != Some(super::LinkedInStandIn::CLIENT_ID) {
        return error_page("unknown client_id");
    }
    let Some(redirect_uri) =
        get("redirect_uri").filter(|uri| uri.starts_with("http://") || uri.starts_with("https://"))
    else {
        return error_page("missing or invalid redirect_uri");
    };
    let Some(client_state) = get("state").filter(|s| !s.is_empty()) else {
        return redirect(
            redirect_uri,
            &[
                ("error", "invalid_request"),
                ("error_description", "state is required"),
            ],
        );
    };
    let back = |error: &str, description: &str| {
        redirect(
            redirect_uri,
            &[
                ("error", error),
                ("error_description", description),
                ("state", client_state),
            ],
        )
    };
    if get("response_type") != Some("code") {
        return back("unsupported_response_type", "response_type must be code");
    }
    let decision = get("decision");
    if state.interactive && decision.is_none() {
        return consent_page(request, state);
    }
    if std::mem::take(&mut state.deny_next) || decision == Some("deny") {
        return back("access_denied", "The member refused to authorize the app");
    }
    let code = random_token("AQT");
    state.codes.insert(
        code.clone(),
        Code {
            redirect_uri: redirect_uri.to_owned(),
            member: state.member.clone(),
            scope: get("scope").unwrap_or_default().to_owned(),
            used: false,
            expired: false,
        },
    );
    redirect(redirect_uri, &[("code", &code), ("state", client_state)])
}
