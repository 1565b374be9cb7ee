//! What the autoencoder is fitted to: the normal graphs of each split, so that it models normal
//! traffic and an attack shows as a reconstruction error (its validation loss, and so its best
//! checkpoint, on normal graphs too). Under `legacy`, every graph, as the reference trained it. Its
//! detection metrics are computed on the whole validation split either way.

use crate::training::engine::Splits;

/// A split has no graph to fit the autoencoder to.
#[derive(Debug, thiserror::Error)]
#[error(
    "the autoencoder is fitted to {kind} graphs: the training split has {train} and the validation split {val}; it needs some in both"
)]
pub struct NothingToFit {
    kind: &'static str,
    train: usize,
    val: usize,
}

/// Which graphs the autoencoder is fitted to: `normal`, or `all` under `legacy`.
pub fn kind(legacy: bool) -> &'static str {
    if legacy { "all" } else { "normal" }
}

/// The graphs of `data` the autoencoder is fitted to.
pub fn autoencoder_splits<'a>(data: &Splits<'a>, legacy: bool) -> Result<Splits<'a>, NothingToFit> {
    let keep = |indices: &[usize]| -> Vec<usize> {
        indices
            .iter()
            .copied()
            .filter(|&g| legacy || data.set.get(g).y == 0)
            .collect()
    };
    let (train, val) = (keep(&data.train), keep(&data.val));
    if train.is_empty() || val.is_empty() {
        return Err(NothingToFit {
            kind: kind(legacy),
            train: train.len(),
            val: val.len(),
        });
    }
    Ok(Splits {
        set: data.set,
        train,
        val,
        sample: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{GraphSet, test_graph};

    /// One two-node graph per label of `labels`.
    fn labelled(labels: &[u8]) -> GraphSet {
        let mut set = GraphSet::default();
        for (g, &y) in labels.iter().enumerate() {
            set.push(&test_graph(2, y), 0, g as u32);
        }
        set
    }

    #[test]
    fn the_autoencoder_is_fitted_to_normal_graphs_unless_legacy() {
        let set = labelled(&[0, 1, 0, 1, 0, 0]);
        let data = Splits {
            set: &set,
            train: vec![0, 1, 2, 3],
            val: vec![4, 5],
            sample: None,
        };
        let fitted = autoencoder_splits(&data, false).unwrap();
        assert_eq!((fitted.train, fitted.val), (vec![0, 2], vec![4, 5]));
        let fitted = autoencoder_splits(&data, true).unwrap();
        assert_eq!((fitted.train, fitted.val), (vec![0, 1, 2, 3], vec![4, 5]));
    }

    #[test]
    fn a_split_without_normal_graphs_is_refused_with_its_counts() {
        let set = labelled(&[0, 1, 1]);
        let data = Splits {
            set: &set,
            train: vec![0, 1],
            val: vec![2],
            sample: None,
        };
        let message = autoencoder_splits(&data, false).err().unwrap().to_string();
        assert!(
            message.contains("normal graphs: the training split has 1 and the validation split 0"),
            "{message}"
        );
        assert!(autoencoder_splits(&data, true).is_ok());
    }
}
