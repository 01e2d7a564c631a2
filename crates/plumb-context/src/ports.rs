//! Sets of ports per protocol, as sorted disjoint ranges: what security
//! groups and network ACLs allow, intersected hop by hop.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The protocols exposure is reported for.
pub const PROTOCOLS: [&str; 3] = ["tcp", "udp", "icmp"];

/// A range of ports of one protocol, both ends included (ICMP: 0–0 for
/// "any ICMP").
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PortRange {
    /// `tcp`, `udp` or `icmp`.
    pub protocol: String,
    /// The first port.
    pub from: u16,
    /// The last port.
    pub to: u16,
}

impl std::fmt::Display for PortRange {
    /// `tcp/22`, `tcp/1024-65535`, `udp/all` or `icmp`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.protocol.as_str(), self.from == self.to) {
            ("icmp", _) => f.write_str("icmp"),
            (p, true) => write!(f, "{p}/{}", self.from),
            (p, false) if self.from == 0 && self.to == u16::MAX => write!(f, "{p}/all"),
            (p, false) => write!(f, "{p}/{}-{}", self.from, self.to),
        }
    }
}

/// Ports per protocol.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ports(BTreeMap<&'static str, Vec<(u16, u16)>>);

/// The protocols an AWS protocol field names: a name (`tcp`), an IANA
/// number as text (`6`), or `-1` / `all` for every protocol.
pub fn protocols(field: &str) -> Vec<&'static str> {
    match field.to_ascii_lowercase().as_str() {
        "-1" | "all" => PROTOCOLS.to_vec(),
        "tcp" | "6" => vec!["tcp"],
        "udp" | "17" => vec!["udp"],
        "icmp" | "1" | "icmpv6" | "58" => vec!["icmp"],
        _ => vec![],
    }
}

fn normalise(mut ranges: Vec<(u16, u16)>) -> Vec<(u16, u16)> {
    ranges.sort_unstable();
    let mut out: Vec<(u16, u16)> = Vec::with_capacity(ranges.len());
    for (a, b) in ranges {
        match out.last_mut() {
            Some(last) if u32::from(a) <= u32::from(last.1) + 1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

impl Ports {
    /// Every port of every protocol.
    pub fn all() -> Self {
        let mut p = Ports::default();
        for proto in PROTOCOLS {
            p.add(proto, 0, u16::MAX);
        }
        p
    }

    /// Adds a range (ends in either order) for `protocol`; ICMP has no
    /// ports and is stored as 0–0.
    pub fn add(&mut self, protocol: &'static str, from: u16, to: u16) {
        let (from, to) = if protocol == "icmp" {
            (0, 0)
        } else {
            (from.min(to), from.max(to))
        };
        let ranges = self.0.entry(protocol).or_default();
        ranges.push((from, to));
        *ranges = normalise(std::mem::take(ranges));
    }

    /// Whether no port is in the set.
    pub fn is_empty(&self) -> bool {
        self.0.values().all(Vec::is_empty)
    }

    /// The ranges of one protocol.
    pub fn of(&self, protocol: &str) -> &[(u16, u16)] {
        self.0.get(protocol).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The ports in both sets.
    pub fn intersect(&self, other: &Ports) -> Ports {
        let mut out = Ports::default();
        for (proto, mine) in &self.0 {
            let theirs = other.of(proto);
            let mut ranges = Vec::new();
            for &(a, b) in mine {
                for &(c, d) in theirs {
                    let (lo, hi) = (a.max(c), b.min(d));
                    if lo <= hi {
                        ranges.push((lo, hi));
                    }
                }
            }
            if !ranges.is_empty() {
                out.0.insert(proto, normalise(ranges));
            }
        }
        out
    }

    /// The ports of this set that are not in `other`.
    pub fn subtract(&self, other: &Ports) -> Ports {
        let mut out = Ports::default();
        for (proto, mine) in &self.0 {
            let mut ranges = mine.clone();
            for &(c, d) in other.of(proto) {
                ranges = ranges
                    .into_iter()
                    .flat_map(|(a, b)| {
                        let mut left = Vec::with_capacity(2);
                        if c > a {
                            left.push((a, b.min(c - 1)));
                        }
                        if d < b {
                            left.push((a.max(d + 1), b));
                        }
                        left.into_iter().filter(|(x, y)| x <= y)
                    })
                    .collect();
            }
            if !ranges.is_empty() {
                out.0.insert(proto, ranges);
            }
        }
        out
    }

    /// The ports of either set.
    pub fn union(&self, other: &Ports) -> Ports {
        let mut out = self.clone();
        for (proto, ranges) in &other.0 {
            for &(a, b) in ranges {
                out.add(proto, a, b);
            }
        }
        out
    }

    /// The set as a list of ranges, by protocol then port.
    pub fn ranges(&self) -> Vec<PortRange> {
        self.0
            .iter()
            .flat_map(|(proto, ranges)| {
                ranges.iter().map(|&(from, to)| PortRange {
                    protocol: proto.to_string(),
                    from,
                    to,
                })
            })
            .collect()
    }
}

impl std::fmt::Display for Ports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.ranges().iter().map(PortRange::to_string).collect();
        f.write_str(&parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_operations() {
        let mut a = Ports::default();
        a.add("tcp", 0, 1000);
        let mut b = Ports::default();
        b.add("tcp", 22, 22);
        b.add("tcp", 443, 443);
        b.add("udp", 53, 53);
        assert_eq!(a.intersect(&b).to_string(), "tcp/22, tcp/443");
        assert_eq!(
            a.subtract(&b).to_string(),
            "tcp/0-21, tcp/23-442, tcp/444-1000"
        );
        assert_eq!(b.subtract(&a).to_string(), "udp/53");
        assert_eq!(a.union(&b).to_string(), "tcp/0-1000, udp/53");
        assert_eq!(Ports::all().to_string(), "icmp, tcp/all, udp/all");
        let mut c = Ports::default();
        c.add("tcp", 10, 20);
        c.add("tcp", 21, 30);
        c.add("tcp", 5, 12);
        assert_eq!(c.to_string(), "tcp/5-30");
        assert!(a.intersect(&Ports::default()).is_empty());
        assert_eq!(protocols("-1").len(), 3);
        assert_eq!(protocols("6"), ["tcp"]);
        assert!(protocols("50").is_empty());
    }
}
