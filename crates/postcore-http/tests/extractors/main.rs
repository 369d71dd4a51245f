//! The extractors of `postcore-http` — `Authenticated`, `JsonBody`, `ProfileKeyPath` — each
//! answering with the exact bodies of api.md §4, and in the order a handler's signature
//! states: authentication, then the body, then the path.
//!
//! The app here is the real one ([`postcore_http::routes::configure`] over a real store)
//! plus one probe route, `POST /probe/{profileKey}`, whose handler takes all three
//! extractors, as no route of the API does yet.

mod auth;
mod harness;
mod json_body;
mod limit;
mod order;
mod path;
