//! `BlueskyHandle` normalisation and validation, and `is_valid_did` (atproto handle and DID specs).

use postcore_domain::{BlueskyHandle, HandleError, is_valid_did};

#[test]
fn valid_handles_are_normalised() {
    let cases = [
        ("alice.bsky.social", "alice.bsky.social"),
        ("@Alice.Bsky.Social ", "alice.bsky.social"),
        ("  @bob.example.com\t", "bob.example.com"),
        ("JOHN.TEST", "john.test"),
        ("4chan.org", "4chan.org"),
        ("x.com", "x.com"),
        ("a-b.c-d.e1", "a-b.c-d.e1"),
        ("xn--ls8h.test", "xn--ls8h.test"),
        ("laptop.local.example.com", "laptop.local.example.com"),
    ];
    for (input, expected) in cases {
        let handle = BlueskyHandle::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(handle.as_str(), expected, "{input:?}");
        assert_eq!(handle.to_string(), expected, "{input:?}");
    }
}

#[test]
fn the_longest_labels_and_handles_are_accepted() {
    let label = "a".repeat(63);
    let handle = format!("{label}.{label}.{label}.{}.com", "b".repeat(57));
    assert_eq!(handle.len(), 253);
    assert_eq!(BlueskyHandle::parse(&handle).unwrap().as_str(), handle);
}

#[test]
fn invalid_handles_are_refused_with_the_rule_they_break() {
    let too_long = format!("{}.com", "a.".repeat(125));
    assert_eq!(too_long.len(), 254);
    let long_label = format!("{}.com", "a".repeat(64));
    let cases: Vec<(&str, HandleError)> = vec![
        ("", HandleError::Empty),
        ("   ", HandleError::Empty),
        ("@", HandleError::Empty),
        ("@@x.com", HandleError::Characters),
        ("alice@bsky.social", HandleError::Characters),
        ("alice bsky.social", HandleError::Characters),
        ("alicé.bsky.social", HandleError::Characters),
        ("alice_b.bsky.social", HandleError::Characters),
        ("did:plc:abc", HandleError::Characters),
        (&too_long, HandleError::TooLong),
        ("alice", HandleError::TooFewLabels),
        (".alice.com", HandleError::LabelLength),
        ("alice.com.", HandleError::LabelLength),
        ("alice..com", HandleError::LabelLength),
        (&long_label, HandleError::LabelLength),
        ("-alice.com", HandleError::LabelHyphen),
        ("alice-.com", HandleError::LabelHyphen),
        ("alice.com-", HandleError::LabelHyphen),
        ("alice.4com", HandleError::TldStartsWithDigit),
        ("127.0.0.1", HandleError::TldStartsWithDigit),
        ("alice.local", HandleError::DisallowedTld(".local")),
        ("x.arpa", HandleError::DisallowedTld(".arpa")),
        ("handle.invalid", HandleError::DisallowedTld(".invalid")),
        ("a.localhost", HandleError::DisallowedTld(".localhost")),
        ("a.internal", HandleError::DisallowedTld(".internal")),
        ("a.example", HandleError::DisallowedTld(".example")),
        ("a.alt", HandleError::DisallowedTld(".alt")),
        ("Secret.Onion", HandleError::DisallowedTld(".onion")),
    ];
    for (input, expected) in cases {
        assert_eq!(BlueskyHandle::parse(input), Err(expected), "{input:?}");
    }
}

#[test]
fn messages_name_the_field_and_never_repeat_the_input() {
    let cases = [
        (
            "p4ss-w0rd",
            "credentials.handle: must have at least two parts separated by dots, as in alice.bsky.social",
        ),
        (
            "hunter2 secret",
            "credentials.handle: only ASCII letters, digits, hyphens and dots are allowed, as in alice.bsky.social",
        ),
        (
            "",
            "credentials.handle: required, a Bluesky handle such as alice.bsky.social",
        ),
        (
            "x.onion",
            "credentials.handle: handles under .onion cannot be used on Bluesky",
        ),
        (
            "a.9z",
            "credentials.handle: the last part must start with a letter",
        ),
        (
            "-a.com",
            "credentials.handle: a part between dots cannot start or end with a hyphen",
        ),
        (
            "a..com",
            "credentials.handle: each part between dots must be 1 to 63 characters",
        ),
    ];
    for (input, message) in cases {
        assert_eq!(
            BlueskyHandle::parse(input).unwrap_err().to_string(),
            message
        );
    }
}

#[test]
fn dids_follow_the_atproto_syntax() {
    let valid = [
        "did:plc:z72i7hdynmk6r22z27h6tvur",
        "did:web:example.com",
        "did:web:localhost%3A8080",
        "did:method:val:two",
        "did:m:v",
        "did:example:a-b_c.d",
    ];
    for did in valid {
        assert!(is_valid_did(did), "{did:?}");
    }
    let longest = format!("did:plc:{}", "a".repeat(2048 - 8));
    assert!(is_valid_did(&longest));
    let too_long = format!("{longest}a");
    let invalid = [
        "",
        "did",
        "did:",
        "did:plc",
        "did:plc:",
        "did::abc",
        "DID:plc:abc",
        "did:PLC:abc",
        "did:p1c:abc",
        "did:plc:abc:",
        "did:plc:abc%",
        "did:plc:a b",
        "did:plc:abc#frag",
        "did:plc:abc?q",
        "did:plc:abc/path",
        " did:plc:abc",
        "alice.bsky.social",
        &too_long,
    ];
    for did in invalid {
        assert!(!is_valid_did(did), "{did:?}");
    }
}
