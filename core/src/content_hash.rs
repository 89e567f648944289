//! One content hash for the whole app (chunk manifests, the project file's save stamp): XXH3-128
//! from `xxhash-rust`, named in each hash it writes so that a hash of another kind (an older
//! version's FNV-1a) is told apart from a changed file.

/// The hash's name, in each hash written (`xxh3-128:` and 32 hex digits). XXH3 is seedless and
/// the same on every machine and version (a chunk may be made on one machine and joined on
/// another), and the name tells a manifest of an older bazaar-export (bare FNV-1a hex) from a
/// damaged one.
pub const HASH_NAME: &str = "xxh3-128";

/// A content hash, fed in pieces ([`HASH_NAME`]).
#[derive(Clone)]
pub struct ContentHash(xxhash_rust::xxh3::Xxh3Default);

impl Default for ContentHash {
    fn default() -> Self {
        ContentHash(xxhash_rust::xxh3::Xxh3Default::new())
    }
}

impl ContentHash {
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
    /// The hash, named: `xxh3-128:<32 hex digits>`.
    pub fn hex(&self) -> String {
        format!("{HASH_NAME}:{:032x}", self.0.digest128())
    }
}

/// Whether a hash read from a manifest is of the kind this version writes ([`HASH_NAME`]).
pub fn is_current_hash(hash: &str) -> bool {
    hash.strip_prefix(HASH_NAME).is_some_and(|rest| rest.starts_with(':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_xxh3_128_and_says_so() {
        let mut h = ContentHash::default();
        h.update(b"a");
        // XXH3-128 of "a", as the reference implementation gives it.
        assert_eq!(h.hex(), format!("xxh3-128:{:032x}", xxhash_rust::xxh3::xxh3_128(b"a")));
        let mut pieces = ContentHash::default();
        pieces.update(b"ab");
        pieces.update(b"c");
        let mut whole = ContentHash::default();
        whole.update(b"abc");
        assert_eq!(pieces.hex(), whole.hex(), "fed in pieces or whole, the same hash");
        assert!(is_current_hash(&h.hex()));
        assert!(!is_current_hash("af63dc4c8601ec8c"), "an FNV-1a hash of an older version");
        assert!(!is_current_hash("xxh3-1280"));
    }
}
