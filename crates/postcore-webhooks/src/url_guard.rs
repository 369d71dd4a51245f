//! The SSRF guard (Standard Webhooks, "Server side request forgery"; OWASP API7:2023):
//! which endpoint URLs and which addresses webhooks may be sent to.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use url::{Host, Url};

/// Longest endpoint URL accepted, in bytes.
pub const MAX_URL_BYTES: usize = 2048;

/// An endpoint URL that passed [`check_url`], in the WHATWG parser's normal form (what
/// to store and show: `HTTPS://Example.COM:443/a/../b` is `https://example.com/b`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidatedUrl(Url);

impl ValidatedUrl {
    /// The normalised URL text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The parsed URL.
    pub fn url(&self) -> &Url {
        &self.0
    }
}

impl fmt::Display for ValidatedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str())
    }
}

/// The kind of address webhooks are not sent to (RFC 6890's special-purpose registries).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddressClass {
    /// 127.0.0.0/8, `::1`, and the names `localhost` and `*.localhost` (RFC 6761).
    Loopback,
    /// 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 (RFC 1918), fc00::/7 (RFC 4193) and the
    /// deprecated site-local fec0::/10.
    Private,
    /// 100.64.0.0/10, carrier-grade NAT's shared space (RFC 6598).
    SharedCgnat,
    /// 169.254.0.0/16 (the cloud metadata address 169.254.169.254 among them) and
    /// fe80::/10.
    LinkLocal,
    /// 0.0.0.0/8 and `::`.
    Unspecified,
    /// 224.0.0.0/4 and ff00::/8.
    Multicast,
    /// 255.255.255.255.
    Broadcast,
    /// Special-purpose blocks that are never a receiver (RFC 6890 and the IANA registries):
    /// 240.0.0.0/4 (reserved for future use, RFC 1112), 192.0.0.0/24 (protocol
    /// assignments), the documentation blocks 192.0.2.0/24, 198.51.100.0/24,
    /// 203.0.113.0/24 and 2001:db8::/32 (RFC 5737, RFC 3849), benchmarking 198.18.0.0/15
    /// (RFC 2544), the 6to4 relay anycast 192.88.99.0/24 (RFC 7526), discard-only
    /// 100::/64 (RFC 6666), the IETF protocol assignments 2001::/23 (Teredo among them), the
    /// documentation prefix 3fff::/20 (RFC 9637) and local-use NAT64 64:ff9b:1::/48 (RFC 8215,
    /// whose IPv4 may sit at several places).
    Reserved,
}

impl AddressClass {
    /// Whether `POSTCORE_WEBHOOK_ALLOW_PRIVATE=true` lets webhooks reach this class: the
    /// operator's own networks (loopback, private, shared) yes; link-local (cloud metadata),
    /// unspecified, multicast, broadcast and reserved never.
    pub fn allowed_when_private_is(self) -> bool {
        matches!(
            self,
            AddressClass::Loopback | AddressClass::Private | AddressClass::SharedCgnat
        )
    }

    /// The article before [`Self::as_str`] in a sentence: `an` before `unspecified`, else `a`.
    pub fn article(self) -> &'static str {
        match self {
            AddressClass::Unspecified => "an",
            _ => "a",
        }
    }

    /// A short name, e.g. `loopback`.
    pub fn as_str(self) -> &'static str {
        match self {
            AddressClass::Loopback => "loopback",
            AddressClass::Private => "private",
            AddressClass::SharedCgnat => "shared (carrier-grade NAT)",
            AddressClass::LinkLocal => "link-local",
            AddressClass::Unspecified => "unspecified",
            AddressClass::Multicast => "multicast",
            AddressClass::Broadcast => "broadcast",
            AddressClass::Reserved => "reserved",
        }
    }
}

impl fmt::Display for AddressClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an endpoint URL is refused. Messages name the rule, never the URL (which may hold
/// a token in its path or query).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlRefusal {
    /// Over [`MAX_URL_BYTES`].
    #[error("the URL is longer than 2048 bytes")]
    TooLong,
    /// Whitespace or a control character anywhere (the WHATWG parser would drop some).
    #[error("the URL holds whitespace or control characters")]
    InvalidCharacters,
    /// Not an absolute URL.
    #[error("not an absolute URL")]
    Unparsable,
    /// A scheme other than `https` (and `http`).
    #[error("the URL's scheme must be https")]
    SchemeNotAllowed,
    /// `http` where only `https` is allowed: always, but, when the operator allows private
    /// addresses, to a loopback or private address or a host name.
    #[error(
        "the URL must use https (http only to a loopback or private address or a host name, when the operator allows them)"
    )]
    HttpNotAllowed,
    /// A user name or password in the URL.
    #[error("the URL must not hold a user name or password")]
    UserInfo,
    /// A fragment (`#…`), which is never sent.
    #[error("the URL must not have a fragment")]
    Fragment,
    /// Port 0.
    #[error("the URL's port must not be 0")]
    PortZero,
    /// The host is an address (or name) of a refused class.
    #[error("the URL's host is {article} {0} address, where webhooks are not sent", article = .0.article())]
    Address(AddressClass),
}

/// Checks an endpoint URL, without any lookup (pure): `https` with a host, no user info,
/// no fragment, no port 0, at most [`MAX_URL_BYTES`], no whitespace or control
/// characters; a host that is an IP literal (in any notation the WHATWG parser reads:
/// `2130706433`, `0x7f.1`, `0177.0.0.1`, `[::ffff:127.0.0.1]` are all 127.0.0.1) or the
/// name `localhost` must not be of a refused [`AddressClass`]. With `allow_private` (the
/// operator's `POSTCORE_WEBHOOK_ALLOW_PRIVATE=true`) loopback, private and shared
/// addresses are accepted, and with them `http`, to those addresses and to host names
/// (on the closed networks the setting is for, `http://app:3000/` names a private
/// address; its addresses are only known when it is resolved). A public IP literal
/// always needs `https`.
///
/// A name's addresses are checked when it is resolved, at every attempt
/// ([`crate::Deliverer`]'s resolver), against DNS rebinding.
///
/// # Errors
/// The first [`UrlRefusal`] found: the text's shape (length, characters, parse, scheme,
/// user info, fragment, port), then the host's class, then `http` where only `https` may
/// go (so `http://127.0.0.1/` without `allow_private` is `Address(Loopback)`).
pub fn check_url(text: &str, allow_private: bool) -> Result<ValidatedUrl, UrlRefusal> {
    if text.len() > MAX_URL_BYTES {
        return Err(UrlRefusal::TooLong);
    }
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(UrlRefusal::InvalidCharacters);
    }
    let url = Url::parse(text).map_err(|_| UrlRefusal::Unparsable)?;
    let https = match url.scheme() {
        "https" => true,
        "http" => false,
        _ => return Err(UrlRefusal::SchemeNotAllowed),
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlRefusal::UserInfo);
    }
    if url.fragment().is_some() {
        return Err(UrlRefusal::Fragment);
    }
    if url.port() == Some(0) {
        return Err(UrlRefusal::PortZero);
    }
    let (class, name) = match url.host().ok_or(UrlRefusal::Unparsable)? {
        Host::Ipv4(ip) => (address_class(IpAddr::V4(ip)), false),
        Host::Ipv6(ip) => (address_class(IpAddr::V6(ip)), false),
        Host::Domain(name) => (is_localhost(name).then_some(AddressClass::Loopback), true),
    };
    match class {
        Some(class) if !(allow_private && class.allowed_when_private_is()) => {
            Err(UrlRefusal::Address(class))
        }
        None if !(https || allow_private && name) => Err(UrlRefusal::HttpNotAllowed),
        _ => Ok(ValidatedUrl(url)),
    }
}

/// Whether a connection to `ip` is allowed: `Ok` for a public address, and for a loopback,
/// private or shared one when `allow_private`; otherwise its class.
///
/// # Errors
/// The [`AddressClass`] that refuses it.
pub fn check_address(ip: IpAddr, allow_private: bool) -> Result<(), AddressClass> {
    match address_class(ip) {
        Some(class) if !(allow_private && class.allowed_when_private_is()) => Err(class),
        _ => Ok(()),
    }
}

/// The refused class `ip` belongs to, `None` for an ordinary (public) address. An IPv6
/// address that carries an IPv4 one (IPv4-mapped, IPv4-translated, IPv4-compatible,
/// NAT64, local-use NAT64, 6to4: see `embedded_v4`) is judged by that IPv4 address.
pub fn address_class(ip: IpAddr) -> Option<AddressClass> {
    match ip {
        IpAddr::V4(v4) => v4_class(v4),
        IpAddr::V6(v6) => v6_class(v6),
    }
}

fn v4_class(ip: Ipv4Addr) -> Option<AddressClass> {
    let [a, b, ..] = ip.octets();
    if ip.is_broadcast() {
        Some(AddressClass::Broadcast)
    } else if a == 0 {
        Some(AddressClass::Unspecified)
    } else if ip.is_loopback() {
        Some(AddressClass::Loopback)
    } else if ip.is_private() {
        Some(AddressClass::Private)
    } else if a == 100 && (64..128).contains(&b) {
        Some(AddressClass::SharedCgnat)
    } else if ip.is_link_local() {
        Some(AddressClass::LinkLocal)
    } else if ip.is_multicast() {
        Some(AddressClass::Multicast)
    } else if a >= 240 || v4_special_purpose(ip) {
        Some(AddressClass::Reserved)
    } else {
        None
    }
}

/// 192.0.0.0/24, 192.0.2.0/24, 192.88.99.0/24, 198.18.0.0/15, 198.51.100.0/24 and
/// 203.0.113.0/24 (see [`AddressClass::Reserved`]).
fn v4_special_purpose(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    matches!(
        (a, b, c),
        (192, 0, 0)
            | (192, 0, 2)
            | (192, 88, 99)
            | (198, 18 | 19, _)
            | (198, 51, 100)
            | (203, 0, 113)
    )
}

fn v6_class(ip: Ipv6Addr) -> Option<AddressClass> {
    let segments = ip.segments();
    if ip.is_unspecified() {
        Some(AddressClass::Unspecified)
    } else if ip.is_loopback() {
        Some(AddressClass::Loopback)
    } else if let Some(v4) = embedded_v4(ip) {
        v4_class(v4)
    } else if ip.is_unique_local() || segments[0] & 0xffc0 == 0xfec0 {
        Some(AddressClass::Private)
    } else if ip.is_unicast_link_local() {
        Some(AddressClass::LinkLocal)
    } else if ip.is_multicast() {
        Some(AddressClass::Multicast)
    } else if segments[0] == 0x2001 && (segments[1] == 0x0db8 || segments[1] < 0x0200)
        || segments[0] == 0x3fff && segments[1] & 0xf000 == 0
        || segments[..4] == [0x0100, 0, 0, 0]
        || segments[..3] == [0x64, 0xff9b, 1]
    {
        // 2001:db8::/32, 2001::/23, 3fff::/20, 100::/64 and the local-use NAT64 prefix
        // 64:ff9b:1::/48 (its IPv4 may sit at several places; RFC 8215) — see
        // AddressClass::Reserved.
        Some(AddressClass::Reserved)
    } else {
        None
    }
}

/// The IPv4 address inside `ip`, if it carries one a gateway may reach: IPv4-mapped
/// `::ffff:0:0/96`, IPv4-translated `::ffff:0:0:0/96` (RFC 2765), IPv4-compatible `::/96`
/// and NAT64 `64:ff9b::/96` (RFC 6052) in their last 32 bits, and 6to4 `2002::/16`
/// (RFC 3056) in bits 16–47. (Local-use NAT64, `64:ff9b:1::/48`, is refused whole.)
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let o = ip.octets();
    let tail = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
    let mapped = s[..5] == [0; 5] && s[5] == 0xffff;
    let translated = s[..4] == [0; 4] && s[4] == 0xffff && s[5] == 0;
    let compatible = s[..6] == [0; 6];
    let nat64 = s[..6] == [0x64, 0xff9b, 0, 0, 0, 0];
    if s[0] == 0x2002 {
        return Some(Ipv4Addr::new(o[2], o[3], o[4], o[5]));
    }
    (mapped || translated || compatible || nat64).then_some(tail)
}

/// `localhost`, `*.localhost`, with or without a final dot (RFC 6761 §6.3: loopback).
fn is_localhost(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    name == "localhost" || name.ends_with(".localhost")
}

#[cfg(test)]
mod tests;
