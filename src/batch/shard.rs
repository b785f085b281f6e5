//! `--shard K/N`: a deterministic share of the inputs for one machine.
//!
//! An input belongs to shard `K` when the FNV-1a hash (Fowler–Noll–Vo,
//! 64-bit variant 1a) of its path relative to the input root, modulo `N`, is
//! `K - 1`. The hash depends on that path alone, so adding or removing other
//! files never moves a file to another shard, and every machine of a cluster
//! computes the same split from the same arguments.

use std::fmt;
use std::str::FromStr;

/// FNV-1a, 64 bit: offset basis 0xcbf29ce484222325, prime 0x100000001b3.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// K, from 1 to `count`.
    pub index: u32,
    /// N, at least 1.
    pub count: u32,
}

impl Shard {
    /// Whether the input with this relative path belongs to this shard.
    pub fn takes(&self, rel: &str) -> bool {
        fnv1a64(rel.as_bytes()) % u64::from(self.count) == u64::from(self.index - 1)
    }
}

impl FromStr for Shard {
    type Err = String;

    /// Parses `K/N` with 1 ≤ K ≤ N.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("--shard {s}: use K/N with 1 <= K <= N, e.g. 1/4");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u32 = k.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        // Test vectors from the FNV reference (isthe.com/chongo/tech/comp/fnv).
        assert_eq!(fnv1a64(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a64(b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn shards_partition_the_inputs() {
        let shards: Vec<Shard> = (1..=3).map(|k| format!("{k}/3").parse().unwrap()).collect();
        for i in 0..200 {
            let rel = format!("day/agent{}/call{i}.wav", i % 7);
            assert_eq!(shards.iter().filter(|s| s.takes(&rel)).count(), 1, "{rel}");
        }
    }

    #[test]
    fn bad_shards_are_refused() {
        for s in ["0/2", "3/2", "1/0", "1", "a/b", "1/2/3"] {
            assert!(s.parse::<Shard>().is_err(), "{s}");
        }
        assert_eq!("2/5".parse::<Shard>().unwrap().to_string(), "2/5");
    }
}
