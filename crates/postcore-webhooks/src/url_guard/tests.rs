//! Each refusal of the SSRF guard, with its exact error, and what passes.

use super::*;
use AddressClass::*;

fn refused(url: &str, allow_private: bool) -> UrlRefusal {
    check_url(url, allow_private).expect_err(url)
}

/// Asserts that each URL of `cases` is refused as its address class.
fn assert_refused_as(cases: &[(&str, AddressClass)], allow_private: bool) {
    for &(url, class) in cases {
        assert_eq!(
            refused(url, allow_private),
            UrlRefusal::Address(class),
            "{url}"
        );
    }
}

#[test]
fn public_https_urls_pass_in_normal_form() {
    for (url, normal) in [
        (
            "https://hooks.example.com/postcore",
            "https://hooks.example.com/postcore",
        ),
        (
            "HTTPS://Hooks.Example.COM:443/a/../b?x=1",
            "https://hooks.example.com/b?x=1",
        ),
        (
            "https://hooks.example.com:8443/",
            "https://hooks.example.com:8443/",
        ),
        ("https://93.184.215.14/hook", "https://93.184.215.14/hook"),
        (
            "https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/",
            "https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/",
        ),
    ] {
        assert_eq!(check_url(url, false).unwrap().as_str(), normal);
    }
}

#[test]
fn the_shape_of_a_url_is_checked_before_its_host() {
    let long = format!("https://example.com/{}", "a".repeat(2048));
    let cases = [
        (&*long, UrlRefusal::TooLong),
        ("https://exa\nmple.com/", UrlRefusal::InvalidCharacters),
        (" https://example.com/", UrlRefusal::InvalidCharacters),
        ("https://example.com/\t", UrlRefusal::InvalidCharacters),
        ("example.com/hook", UrlRefusal::Unparsable),
        ("https://", UrlRefusal::Unparsable),
        ("https://exa mple.com", UrlRefusal::InvalidCharacters),
        ("ftp://example.com/", UrlRefusal::SchemeNotAllowed),
        ("file:///etc/passwd", UrlRefusal::SchemeNotAllowed),
        ("gopher://example.com/", UrlRefusal::SchemeNotAllowed),
        ("http://example.com/hook", UrlRefusal::HttpNotAllowed),
        ("https://user@example.com/", UrlRefusal::UserInfo),
        ("https://user:pw@example.com/", UrlRefusal::UserInfo),
        ("https://:pw@example.com/", UrlRefusal::UserInfo),
        ("https://example.com/#x", UrlRefusal::Fragment),
        ("https://example.com:0/", UrlRefusal::PortZero),
    ];
    for (url, error) in cases {
        assert_eq!(refused(url, false), error, "{url}");
    }
    // With private addresses allowed, http goes to names (resolved at each delivery), but
    // a public IP literal still needs https.
    assert_eq!(
        refused("http://93.184.215.14/hook", true),
        UrlRefusal::HttpNotAllowed
    );
    assert_eq!(
        refused("http://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/hook", true),
        UrlRefusal::HttpNotAllowed
    );
    for url in ["http://app:3000/hook", "http://hooks.internal/h"] {
        assert_eq!(check_url(url, true).unwrap().as_str(), url);
    }
}

#[test]
fn every_refused_address_class_is_refused_as_that_class() {
    let cases = [
        ("https://127.0.0.1/", Loopback),
        ("https://127.255.255.254/", Loopback),
        ("https://[::1]/", Loopback),
        ("https://localhost/", Loopback),
        ("https://LOCALHOST./", Loopback),
        ("https://api.localhost/", Loopback),
        ("https://10.0.0.1/", Private),
        ("https://172.16.0.1/", Private),
        ("https://172.31.255.255/", Private),
        ("https://192.168.1.1/", Private),
        ("https://[fc00::1]/", Private),
        ("https://[fd12:3456::1]/", Private),
        ("https://[fec0::1]/", Private),
        ("https://100.64.0.1/", SharedCgnat),
        ("https://100.127.255.255/", SharedCgnat),
        ("https://169.254.169.254/latest/meta-data/", LinkLocal),
        ("https://169.254.0.1/", LinkLocal),
        ("https://[fe80::1]/", LinkLocal),
        ("https://0.0.0.0/", Unspecified),
        ("https://0.1.2.3/", Unspecified),
        ("https://[::]/", Unspecified),
        ("https://224.0.0.1/", Multicast),
        ("https://239.255.255.250/", Multicast),
        ("https://[ff02::1]/", Multicast),
        ("https://255.255.255.255/", Broadcast),
        ("https://240.0.0.1/", Reserved),
        ("https://192.0.0.1/", Reserved),
        ("https://192.0.2.1/", Reserved),
        ("https://192.88.99.1/", Reserved),
        ("https://198.18.0.1/", Reserved),
        ("https://198.19.255.255/", Reserved),
        ("https://198.51.100.7/", Reserved),
        ("https://203.0.113.9/", Reserved),
        ("https://[2001:db8::1]/", Reserved),
        ("https://[2001::1]/", Reserved),
        ("https://[2001:1ff::1]/", Reserved),
        ("https://[100::1]/", Reserved),
        ("https://[3fff::1]/", Reserved),
        ("https://[3fff:fff::1]/", Reserved),
    ];
    assert_refused_as(&cases, false);
    // The neighbours of the ranges are public.
    for url in [
        "https://172.15.255.255/",
        "https://172.32.0.0/",
        "https://100.63.255.255/",
        "https://100.128.0.0/",
        "https://11.0.0.0/",
        "https://[fbff::1]/",
        "https://notlocalhost/",
        "https://192.0.1.1/",
        "https://198.17.255.255/",
        "https://198.20.0.0/",
        "https://[2001:200::1]/",
        "https://[2001:db9::1]/",
        "https://[100:0:0:1::1]/",
        "https://[3ffe:ffff::1]/",
        "https://[3fff:1000::1]/",
        "https://[4000::1]/",
        "https://[64:ff9b:2::1]/",
    ] {
        assert!(check_url(url, false).is_ok(), "{url}");
    }
}

#[test]
fn ipv4_written_as_decimal_octal_hex_or_inside_ipv6_is_judged_as_ipv4() {
    let cases = [
        ("https://2130706433/", Loopback),
        ("https://0x7f000001/", Loopback),
        ("https://0x7f.1/", Loopback),
        ("https://0177.0.0.1/", Loopback),
        ("https://127.1/", Loopback),
        ("https://017700000001/", Loopback),
        ("https://0xA9.0xFE.0xA9.0xFE/", LinkLocal),
        ("https://2852039166/", LinkLocal),
        ("https://012.0.0.1/", Private),
        ("https://[::ffff:127.0.0.1]/", Loopback),
        ("https://[::ffff:7f00:1]/", Loopback),
        ("https://[::ffff:169.254.169.254]/", LinkLocal),
        ("https://[::ffff:10.0.0.1]/", Private),
        ("https://[::127.0.0.1]/", Loopback),
        ("https://[64:ff9b::192.168.0.1]/", Private),
        ("https://[64:ff9b:1::7f00:1]/", Reserved),
        ("https://[64:ff9b:1:0:7f:0:100:0]/", Reserved),
        ("https://[2002:7f00:1::]/", Loopback),
        ("https://[2002:a9fe:a9fe::1]/", LinkLocal),
        ("https://[::ffff:0:7f00:1]/", Loopback),
        ("https://[::ffff:0:a00:1]/", Private),
        ("https://%31%32%37.0.0.1/", Loopback),
    ];
    assert_refused_as(&cases, false);
    assert!(check_url("https://[::ffff:93.184.215.14]/", false).is_ok());
}

#[test]
fn allowing_private_addresses_allows_loopback_private_and_shared_over_http_too() {
    for url in [
        "http://127.0.0.1:8080/hook",
        "https://127.0.0.1/",
        "http://localhost:3000/",
        "http://[::1]/",
        "http://10.1.2.3/",
        "http://192.168.0.10/",
        "http://100.64.0.1/",
        "http://[fd00::1]/",
    ] {
        assert!(check_url(url, true).is_ok(), "{url}");
    }
    assert_eq!(
        refused("http://127.0.0.1:8080/hook", false),
        UrlRefusal::Address(Loopback)
    );
    let never = [
        ("http://169.254.169.254/", LinkLocal),
        ("https://[fe80::1]/", LinkLocal),
        ("http://0.0.0.0/", Unspecified),
        ("http://224.0.0.1/", Multicast),
        ("http://255.255.255.255/", Broadcast),
        ("http://240.0.0.1/", Reserved),
    ];
    assert_refused_as(&never, true);
}

#[test]
fn refusals_never_quote_the_url() {
    let error = refused("https://user:hunter2@example.com/", false);
    assert_eq!(
        error.to_string(),
        "the URL must not hold a user name or password"
    );
    assert_eq!(
        refused("https://10.0.0.1/?token=abc", false).to_string(),
        "the URL's host is a private address, where webhooks are not sent"
    );
}

#[test]
fn check_address_follows_the_same_classes() {
    let ip = |text: &str| text.parse::<IpAddr>().unwrap();
    assert_eq!(check_address(ip("8.8.8.8"), false), Ok(()));
    assert_eq!(check_address(ip("127.0.0.1"), false), Err(Loopback));
    assert_eq!(check_address(ip("127.0.0.1"), true), Ok(()));
    assert_eq!(
        check_address(ip("::ffff:169.254.169.254"), true),
        Err(LinkLocal)
    );
}

#[test]
fn refusal_messages_name_the_class_with_its_article() {
    assert_eq!(
        UrlRefusal::Address(Unspecified).to_string(),
        "the URL's host is an unspecified address, where webhooks are not sent"
    );
    assert_eq!(
        UrlRefusal::Address(LinkLocal).to_string(),
        "the URL's host is a link-local address, where webhooks are not sent"
    );
}
