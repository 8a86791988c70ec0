//! The address guard: webhook targets must be public internet hosts. Addresses in private,
//! loopback, link-local, unspecified, multicast, CGNAT, unique-local and reserved ranges are
//! refused, unless an operator allow-lists them (`LINLI_WEBHOOK_ALLOWED_TARGETS`). Pure: the
//! callers resolve names and ask about each address, at registration and again at delivery.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address may not receive webhooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forbidden {
    /// 0.0.0.0/8 or `::`.
    Unspecified,
    /// 127.0.0.0/8 or `::1`.
    Loopback,
    /// 10/8, 172.16/12, 192.168/16.
    Private,
    /// 169.254/16 or fe80::/10 (cloud metadata services live here).
    LinkLocal,
    /// 100.64/10, carrier-grade NAT.
    SharedAddressSpace,
    /// 224/4 or ff00::/8.
    Multicast,
    /// fc00::/7 (and the deprecated site-local fec0::/10).
    UniqueLocal,
    /// 240/4, the broadcast address, and other ranges never routed on the internet.
    Reserved,
}

impl Forbidden {
    /// A short name for messages and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified",
            Self::Loopback => "loopback",
            Self::Private => "private",
            Self::LinkLocal => "link-local",
            Self::SharedAddressSpace => "carrier-grade NAT",
            Self::Multicast => "multicast",
            Self::UniqueLocal => "unique-local",
            Self::Reserved => "reserved",
        }
    }
}

fn classify_v4(ip: Ipv4Addr) -> Option<Forbidden> {
    let [a, b, ..] = ip.octets();
    if a == 0 {
        Some(Forbidden::Unspecified)
    } else if a == 127 {
        Some(Forbidden::Loopback)
    } else if a == 10 || (a == 172 && (16..32).contains(&b)) || (a == 192 && b == 168) {
        Some(Forbidden::Private)
    } else if a == 169 && b == 254 {
        Some(Forbidden::LinkLocal)
    } else if a == 100 && (64..128).contains(&b) {
        Some(Forbidden::SharedAddressSpace)
    } else if (224..240).contains(&a) {
        Some(Forbidden::Multicast)
    } else if a >= 240 {
        Some(Forbidden::Reserved)
    } else {
        None
    }
}

fn classify_v6(ip: Ipv6Addr) -> Option<Forbidden> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return classify_v4(v4);
    }
    let segments = ip.segments();
    // NAT64 (64:ff9b::/96) reaches the embedded IPv4 address.
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [.., hi, lo] = segments;
        let v4 = Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
        return classify_v4(v4);
    }
    if ip.is_unspecified() {
        Some(Forbidden::Unspecified)
    } else if ip.is_loopback() {
        Some(Forbidden::Loopback)
    } else if segments[0] & 0xffc0 == 0xfe80 {
        Some(Forbidden::LinkLocal)
    } else if segments[0] & 0xfe00 == 0xfc00 || segments[0] & 0xffc0 == 0xfec0 {
        Some(Forbidden::UniqueLocal)
    } else if segments[0] & 0xff00 == 0xff00 {
        Some(Forbidden::Multicast)
    } else if segments[..6] == [0, 0, 0, 0, 0, 0] {
        // IPv4-compatible addresses (deprecated) and the rest of ::/96.
        Some(Forbidden::Reserved)
    } else {
        None
    }
}

/// The range `ip` falls in if webhooks must not reach it.
pub fn classify(ip: IpAddr) -> Option<Forbidden> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

/// One allow-list entry.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Allowed {
    /// A network: an address and how many leading bits must match.
    Network(IpAddr, u8),
    /// A host name, lower case, matched exactly.
    Host(String),
}

fn prefix_matches(network: IpAddr, bits: u8, ip: IpAddr) -> bool {
    let ip = match (network, ip) {
        (IpAddr::V4(_), IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => return false,
        },
        _ => ip,
    };
    match (network, ip) {
        (IpAddr::V4(n), IpAddr::V4(a)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(n) & mask == u32::from(a) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(a)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(n) & mask == u128::from(a) & mask
        }
        _ => false,
    }
}

/// Targets an operator lets webhooks reach although the guard would refuse them: networks in
/// CIDR form (`10.1.0.0/16`, `::1/128`), single addresses, or host names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList(Vec<Allowed>);

impl AllowList {
    /// Parses the configured entries; the first malformed one is the error.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, String> {
        let mut allowed = Vec::new();
        for entry in entries {
            let entry = entry.as_ref().trim();
            if entry.is_empty() {
                continue;
            }
            let parsed = if let Some((address, bits)) = entry.split_once('/') {
                let address: IpAddr = address
                    .parse()
                    .map_err(|_| format!("`{entry}` is not a CIDR network"))?;
                let max = if address.is_ipv4() { 32 } else { 128 };
                let bits: u8 = bits
                    .parse()
                    .ok()
                    .filter(|b| *b <= max)
                    .ok_or_else(|| format!("`{entry}` has an invalid prefix length"))?;
                Allowed::Network(address, bits)
            } else if let Ok(address) = entry.parse::<IpAddr>() {
                Allowed::Network(address, if address.is_ipv4() { 32 } else { 128 })
            } else if entry
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
            {
                Allowed::Host(entry.to_ascii_lowercase())
            } else {
                return Err(format!(
                    "`{entry}` is neither a CIDR network, an address nor a host name"
                ));
            };
            allowed.push(parsed);
        }
        Ok(Self(allowed))
    }

    /// True when `host` (as written in the URL) is allow-listed by name.
    pub fn allows_host(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.0
            .iter()
            .any(|a| matches!(a, Allowed::Host(h) if *h == host))
    }

    /// True when `ip` falls in an allow-listed network.
    pub fn allows_ip(&self, ip: IpAddr) -> bool {
        self.0
            .iter()
            .any(|a| matches!(a, Allowed::Network(n, bits) if prefix_matches(*n, *bits, ip)))
    }
}

/// A target the guard refuses: the address and the range it is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{address} is a {} address; webhooks only reach public hosts", .range.as_str())]
pub struct Refused {
    /// The address the host resolved to.
    pub address: IpAddr,
    /// Its range.
    pub range: Forbidden,
}

/// Checks one address `host` resolved to: allowed when public, when the host is allow-listed
/// by name, or when the address is in an allow-listed network.
pub fn check(allow: &AllowList, host: &str, ip: IpAddr) -> Result<(), Refused> {
    match classify(ip) {
        None => Ok(()),
        Some(_) if allow.allows_host(host) || allow.allows_ip(ip) => Ok(()),
        Some(range) => Err(Refused { address: ip, range }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn every_non_public_range_is_refused() {
        for (address, range) in [
            ("0.0.0.0", Forbidden::Unspecified),
            ("127.0.0.1", Forbidden::Loopback),
            ("127.255.1.2", Forbidden::Loopback),
            ("10.0.0.1", Forbidden::Private),
            ("172.16.0.1", Forbidden::Private),
            ("172.31.255.255", Forbidden::Private),
            ("192.168.1.1", Forbidden::Private),
            ("169.254.169.254", Forbidden::LinkLocal),
            ("100.64.0.1", Forbidden::SharedAddressSpace),
            ("100.127.255.255", Forbidden::SharedAddressSpace),
            ("224.0.0.1", Forbidden::Multicast),
            ("239.255.255.250", Forbidden::Multicast),
            ("255.255.255.255", Forbidden::Reserved),
            ("::", Forbidden::Unspecified),
            ("::1", Forbidden::Loopback),
            ("fe80::1", Forbidden::LinkLocal),
            ("fc00::1", Forbidden::UniqueLocal),
            ("fd12:3456::1", Forbidden::UniqueLocal),
            ("ff02::1", Forbidden::Multicast),
            ("::ffff:127.0.0.1", Forbidden::Loopback),
            ("::ffff:10.1.2.3", Forbidden::Private),
            ("64:ff9b::a9fe:a9fe", Forbidden::LinkLocal),
            ("::127.0.0.1", Forbidden::Reserved),
        ] {
            assert_eq!(classify(ip(address)), Some(range), "{address}");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for address in [
            "8.8.8.8",
            "172.15.255.255",
            "172.32.0.1",
            "100.63.255.255",
            "100.128.0.1",
            "192.169.0.1",
            "223.255.255.255",
            "2001:4860:4860::8888",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert_eq!(classify(ip(address)), None, "{address}");
        }
    }

    #[test]
    fn the_allow_list_takes_networks_addresses_and_host_names() {
        let allow =
            AllowList::parse(&["127.0.0.0/8", "::1", " receiver.internal ", ""]).expect("valid");
        assert!(check(&allow, "127.0.0.1", ip("127.0.0.1")).is_ok());
        assert!(check(&allow, "localhost", ip("::1")).is_ok());
        assert!(check(&allow, "x", ip("::ffff:127.0.0.9")).is_ok());
        assert!(check(&allow, "Receiver.Internal.", ip("10.0.0.7")).is_ok());
        let refused = check(&allow, "other.internal", ip("10.0.0.7")).expect_err("refused");
        assert_eq!(refused.range, Forbidden::Private);
        assert!(check(&AllowList::default(), "localhost", ip("127.0.0.1")).is_err());
        assert!(check(&AllowList::default(), "example.com", ip("93.184.216.34")).is_ok());
    }

    #[test]
    fn malformed_allow_list_entries_are_named() {
        for bad in ["10.0.0.0/33", "::/129", "1.2.3/8", "a b", "http://x"] {
            let error = AllowList::parse(&[bad]).expect_err("refused");
            assert!(error.contains(bad), "{error}");
        }
        let all = AllowList::parse(&["0.0.0.0/0"]).expect("valid");
        assert!(all.allows_ip(ip("10.1.1.1")));
    }
}
