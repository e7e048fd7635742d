//! Who is on the other end: the client's address for the login log, the audit log and sign-in
//! throttling.
//!
//! It is the connection's peer, unless the peer is one of the reverse proxies the operator
//! named (`kesu serve --trusted-proxy`); then it is the rightmost address of `X-Forwarded-For`
//! that is not itself a trusted proxy. Entries further left were written by the client and can
//! say anything, so they are never believed: a client cannot pick its own address to escape a
//! throttle or to blame another.

use crate::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};

/// The networks whose `X-Forwarded-For` is believed. Empty by default: the peer is the client.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// From addresses (`10.0.0.5`) and networks (`10.0.0.0/8`, `fd00::/8`); a bad entry is
    /// refused, naming it.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, String> {
        entries
            .iter()
            .map(|e| {
                let e = e.as_ref().trim();
                e.parse::<IpNet>()
                    .or_else(|_| e.parse::<IpAddr>().map(IpNet::from))
                    .map(|n| n.trunc())
                    .map_err(|_| {
                        format!("“{e}”不是 IP 地址或网段 (not an address or CIDR network)")
                    })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|n| n.contains(&ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// An IPv4 address seen through an IPv6 socket (`::ffff:10.0.0.5`) is that IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// The client's address from the peer and the request's `X-Forwarded-For` headers.
pub fn resolve(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    let peer = canonical(peer);
    if !trusted.contains(peer) {
        return peer;
    }
    // Several headers count as one list, in order.
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut nearest = peer;
    for hop in hops.iter().rev() {
        let Some(ip) = parse_hop(hop) else {
            // Garbage where an address should be: nothing to its left can be believed.
            return nearest;
        };
        if !trusted.contains(ip) {
            return ip;
        }
        nearest = ip;
    }
    nearest
}

/// `10.0.0.5`, `10.0.0.5:443`, `2001:db8::1` or `[2001:db8::1]:443`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(canonical)
}

/// The address found for this request by [`middleware`].
#[derive(Debug, Clone, Copy)]
struct ClientAddr(IpAddr);

/// Find the client's address once per request, for [`of`].
pub async fn middleware(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if let Some(ConnectInfo(peer)) = req.extensions().get::<ConnectInfo<SocketAddr>>() {
        let ip = resolve(peer.ip(), req.headers(), &state.trusted_proxies);
        req.extensions_mut().insert(ClientAddr(ip));
    }
    next.run(req).await
}

/// The client's address, when the server knows it (served with connect info).
pub fn of(parts: &Parts) -> Option<IpAddr> {
    parts
        .extensions
        .get::<ClientAddr>()
        .map(|c| c.0)
        .or_else(|| {
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| canonical(c.0.ip()))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says() {
        let none = TrustedProxies::default();
        assert_eq!(
            resolve(ip("203.0.113.9"), &xff(&["198.51.100.1"]), &none),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_rightmost_untrusted_hop_is_the_client() {
        let t = TrustedProxies::parse(&["10.0.0.0/8", "192.0.2.7"]).unwrap();
        // The client wrote "1.2.3.4" itself; the proxies appended what they saw.
        let h = xff(&["1.2.3.4, 198.51.100.20", "10.1.1.1"]);
        assert_eq!(resolve(ip("192.0.2.7"), &h, &t), ip("198.51.100.20"));
        // An untrusted peer is the client even if it sends the header.
        assert_eq!(resolve(ip("198.51.100.99"), &h, &t), ip("198.51.100.99"));
    }

    #[test]
    fn garbage_or_a_missing_header_behind_a_proxy_falls_back_to_the_nearest_known_hop() {
        let t = TrustedProxies::parse(&["10.0.0.0/8"]).unwrap();
        assert_eq!(
            resolve(ip("10.0.0.1"), &xff(&["nonsense, 10.0.0.2"]), &t),
            ip("10.0.0.2")
        );
        assert_eq!(
            resolve(ip("10.0.0.1"), &HeaderMap::new(), &t),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn ipv4_mapped_peers_and_hops_with_ports_are_read_as_plain_addresses() {
        let t = TrustedProxies::parse(&["127.0.0.1"]).unwrap();
        let h = xff(&["[2001:db8::5]:443"]);
        assert_eq!(resolve(ip("::ffff:127.0.0.1"), &h, &t), ip("2001:db8::5"));
    }

    #[test]
    fn a_bad_trusted_proxy_entry_is_refused_by_name() {
        let e = TrustedProxies::parse(&["10.0.0.0/8", "proxy.local"]).unwrap_err();
        assert!(e.contains("proxy.local"), "{e}");
    }
}
