//! The client address that failed authentication is counted against.

use actix_web::HttpRequest;
use std::net::{IpAddr, Ipv6Addr};

/// The address a request's failed authentications count against: the TCP peer's IP
/// address, the port ignored. `X-Forwarded-For` and `Forwarded` are never read — any
/// client can write them, so trusting them would let a guesser pick a fresh address per
/// request. Behind a reverse proxy every client therefore shares the proxy's address
/// (README, "Rate limits"). An IPv6 peer counts as its /64 network, the block one
/// subscriber usually holds, so that a guesser cannot step through its own addresses; an
/// IPv4-mapped IPv6 address counts as the IPv4 address. `None` when the peer is unknown
/// (no TCP peer): such a request is not limited by address.
pub(crate) fn client_address(req: &HttpRequest) -> Option<IpAddr> {
    req.peer_addr().map(|peer| network(peer.ip()))
}

/// `ip` as the key it is counted under: IPv4 as is, IPv6 as its /64 prefix.
fn network(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let prefix = v6.to_bits() & !u128::from(u64::MAX);
            IpAddr::V6(Ipv6Addr::from_bits(prefix))
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn counted_as(peer: &str) -> Option<String> {
        let req = TestRequest::default()
            .peer_addr(peer.parse().unwrap())
            .to_http_request();
        client_address(&req).map(|ip| ip.to_string())
    }

    #[test]
    fn the_peer_address_counts_and_forwarded_headers_do_not() {
        let req = TestRequest::default()
            .peer_addr("203.0.113.7:50000".parse().unwrap())
            .insert_header(("x-forwarded-for", "198.51.100.1"))
            .insert_header(("forwarded", "for=198.51.100.2"))
            .to_http_request();
        assert_eq!(client_address(&req), Some("203.0.113.7".parse().unwrap()));
        assert_eq!(
            client_address(&TestRequest::default().to_http_request()),
            None
        );
    }

    #[test]
    fn an_ipv6_peer_counts_as_its_64_network_and_a_mapped_ipv4_as_ipv4() {
        assert_eq!(
            counted_as("[2001:db8:1:2:aaaa:bbbb:cccc:dddd]:443").as_deref(),
            Some("2001:db8:1:2::")
        );
        assert_eq!(
            counted_as("[2001:db8:1:2::ffff]:1").as_deref(),
            Some("2001:db8:1:2::")
        );
        assert_eq!(
            counted_as("[::ffff:192.0.2.9]:80").as_deref(),
            Some("192.0.2.9")
        );
        assert_eq!(counted_as("192.0.2.9:80").as_deref(), Some("192.0.2.9"));
    }
}
