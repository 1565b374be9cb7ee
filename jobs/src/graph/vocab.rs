//! The CAN-id vocabulary: the sorted unique ids of the training captures (attack rows included), each
//! mapped to its rank, plus one out-of-vocabulary index `n` for ids never seen in training. Test
//! captures map through it and never grow it (the reference's bug 3.1).

use serde::{Deserialize, Serialize};

/// Sorted unique training ids; index `len()` is OOV.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vocabulary {
    ids: Vec<u32>,
}

impl Vocabulary {
    /// Builds the vocabulary from any number of id lists.
    pub fn from_ids<'a>(lists: impl IntoIterator<Item = &'a [u32]>) -> Self {
        let mut ids: Vec<u32> = lists.into_iter().flatten().copied().collect();
        ids.sort_unstable();
        ids.dedup();
        Vocabulary { ids }
    }

    /// The index of an id, or the OOV index.
    pub fn index(&self, id: u32) -> u32 {
        match self.ids.binary_search(&id) {
            // The vocabulary holds at most 2^29 ids, so its indices fit in u32.
            Ok(i) => i as u32,
            Err(_) => self.oov(),
        }
    }

    /// The OOV index (= number of known ids).
    pub fn oov(&self) -> u32 {
        self.ids.len() as u32
    }

    /// Embedding rows needed: known ids plus OOV (the reference's `num_ids`).
    pub fn num_ids(&self) -> usize {
        self.ids.len() + 1
    }

    /// The known ids, sorted.
    pub fn ids(&self) -> &[u32] {
        &self.ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unseen_ids_map_to_oov_and_the_vocabulary_never_grows() {
        let v = Vocabulary::from_ids([&[0x316u32, 0x110, 0x110][..], &[0x7FF][..]]);
        assert_eq!(v.ids(), &[0x110, 0x316, 0x7FF]);
        assert_eq!((v.index(0x110), v.index(0x7FF)), (0, 2));
        assert_eq!(v.index(0x123), 3);
        assert_eq!(v.num_ids(), 4);
    }
}
