//! Standard Webhooks signatures (<https://www.standardwebhooks.com>, "Signature scheme"):
//! HMAC-SHA256 (RFC 2104, FIPS 180-4) of `{webhook-id}.{webhook-timestamp}.{body}`.

use crate::{EventPayload, SigningKeys, WebhookSecret};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Name of the header holding the event id (`evt_…`).
pub const WEBHOOK_ID: &str = "webhook-id";
/// Name of the header holding the attempt's instant, in Unix seconds (decimal).
pub const WEBHOOK_TIMESTAMP: &str = "webhook-timestamp";
/// Name of the header holding the space-separated `v1,<base64>` signatures.
pub const WEBHOOK_SIGNATURE: &str = "webhook-signature";

type HmacSha256 = Hmac<Sha256>;

/// The three Standard Webhooks headers of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    /// `webhook-id`: the event id.
    pub id: String,
    /// `webhook-timestamp`: the attempt's instant in Unix seconds.
    pub timestamp: i64,
    /// `webhook-signature`: `v1,<base64 HMAC-SHA256>` per secret, separated by one space,
    /// in the order of the secrets given.
    pub signature: String,
}

/// The `v1,<base64>` signature of `body` sent as event `id` at `timestamp` (Unix seconds)
/// with `secret`: standard base64 (with padding) of HMAC-SHA256 keyed with the secret's
/// decoded bytes over the UTF-8 text `{id}.{timestamp}.{body}`.
pub fn sign(secret: &WebhookSecret, id: &str, timestamp: i64, body: &[u8]) -> String {
    format!(
        "v1,{}",
        STANDARD.encode(mac(secret, id, timestamp, body).finalize().into_bytes())
    )
}

/// The headers of an attempt at `timestamp` (Unix seconds) of `payload`, signed with each
/// of `keys` (the current one first; see [`crate::signing_secrets`]).
pub fn signed_headers(
    keys: &SigningKeys<'_>,
    payload: &EventPayload,
    timestamp: i64,
) -> SignedHeaders {
    let id = payload.id().as_str();
    let body = payload.body().as_bytes();
    let signature = keys
        .secrets()
        .iter()
        .map(|secret| sign(secret, id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ");
    SignedHeaders {
        id: id.to_owned(),
        timestamp,
        signature,
    }
}

/// Whether any `v1,` entry of the `webhook-signature` value `header` is `secret`'s
/// signature of `body` as event `id` at `timestamp`, compared in constant time. Entries of
/// other versions are skipped. For receivers written in Rust and for tests; the timestamp's
/// freshness (a replay window) is the receiver's to check.
pub fn verify(secret: &WebhookSecret, id: &str, timestamp: i64, body: &[u8], header: &str) -> bool {
    header.split(' ').any(|entry| {
        entry
            .strip_prefix("v1,")
            .and_then(|sig| STANDARD.decode(sig).ok())
            .is_some_and(|sig| mac(secret, id, timestamp, body).verify_slice(&sig).is_ok())
    })
}

fn mac(secret: &WebhookSecret, id: &str, timestamp: i64, body: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret.key()).expect("HMAC takes a key of any length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EventId;

    /// The known answer of the Standard Webhooks reference libraries' `sign` test
    /// (`libraries/python/tests/test_webhooks.py::test_sign_function`, and the same values
    /// in `libraries/go/webhook_test.go::TestWebhookSign`, standard-webhooks/standard-webhooks).
    #[test]
    fn the_reference_libraries_known_answer() {
        let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(
            sign(
                &secret,
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1_614_265_330,
                br#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn every_secret_signs_in_order_and_each_verifies() {
        let (a, b) = (WebhookSecret::generate(), WebhookSecret::generate());
        let payload = EventPayload::new(EventId::random(), r#"{"x":1}"#.to_owned());
        let headers = signed_headers(&SigningKeys(vec![&a, &b]), &payload, 1_700_000_000);
        let entries: Vec<_> = headers.signature.split(' ').collect();
        assert_eq!(
            entries,
            [
                sign(&a, payload.id().as_str(), 1_700_000_000, b"{\"x\":1}"),
                sign(&b, payload.id().as_str(), 1_700_000_000, b"{\"x\":1}")
            ]
        );
        let other = WebhookSecret::generate();
        let body: &[u8] = b"{\"x\":1}";
        let cases: [(&WebhookSecret, i64, &[u8], bool); 5] = [
            (&a, 1_700_000_000, body, true),
            (&b, 1_700_000_000, body, true),
            (&other, 1_700_000_000, body, false),
            (&a, 1_700_000_001, body, false),
            (&a, 1_700_000_000, b"{\"x\":2}", false),
        ];
        for (secret, timestamp, body, expected) in cases {
            let verified = verify(secret, &headers.id, timestamp, body, &headers.signature);
            assert_eq!(verified, expected, "{timestamp} {body:?}");
        }
        assert!(!verify(
            &a,
            &headers.id,
            1_700_000_000,
            payload.body().as_bytes(),
            "v2,abc v1,!!"
        ));
    }
}
