//! PostCore's webhook core: events, Standard Webhooks signatures, the SSRF guard, one
//! signed delivery, and the retry and disable rules.
#![doc = include_str!("../README.md")]

mod deliver;
mod event;
mod event_id;
mod notice;
mod resolver;
mod retention;
mod retry;
mod secret;
pub mod signature;
mod url_guard;

pub use deliver::{BuildError, Deliverer, DeliveryFailure, DeliveryOutcome, DeliverySettings};
pub use event::{ConnectionEvent, EventPayload, EventType, EventTypeError, WebhookEvent};
pub use event_id::{EventId, EventIdError, TimedNotice};
pub use notice::{DueNotice, NoticeSchedule};
pub use retention::Retention;
pub use retry::{DisableReason, DisableRule, Jitter, NextAttempt, RetryPolicy, random_u64};
pub use secret::{
    GENERATED_SECRET_BYTES, MAX_RETIRED_SECRETS, MAX_SECRET_BYTES, MIN_SECRET_BYTES,
    ROTATION_OVERLAP, RetiredSecret, SECRET_PREFIX, SecretError, SigningKeys, WebhookSecret,
    signing_secrets,
};
pub use url_guard::{
    AddressClass, MAX_URL_BYTES, UrlRefusal, ValidatedUrl, address_class, check_address, check_url,
};
