//! The MLflow outbox of the store: operations queued for the tracking server, delivered oldest
//! first, and those the server refused, *set aside* (out of the queue, with the server's answer)
//! until [`Store::retry_set_aside`] queues them again. Moving an operation between the two is one
//! sled transaction, so a crash never leaves it in both or in neither.

use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};

use crate::envelope::{self, Kind};
use crate::error::StoreError;
use crate::records::SetAsideRecord;
use crate::store::Store;

impl Store {
    /// Queues an operation for MLflow; returns its position.
    pub fn push_outbox(&self, operation_json: &str) -> Result<u64, StoreError> {
        let seq = self.db.generate_id().map_err(self.sled_err())?;
        self.put(
            &self.trees.outbox,
            Kind::Outbox,
            &seq.to_be_bytes(),
            &operation_json,
        )?;
        Ok(seq)
    }

    /// Pending MLflow operations, oldest first.
    pub fn outbox(&self) -> Result<Vec<(u64, String)>, StoreError> {
        self.trees
            .outbox
            .iter()
            .map(|entry| {
                let (k, v) = entry.map_err(self.sled_err())?;
                let seq = k
                    .as_ref()
                    .try_into()
                    .map(u64::from_be_bytes)
                    .unwrap_or_default();
                let op =
                    envelope::decode(Kind::Outbox, &v).map_err(|message| StoreError::Record {
                        key: format!("outbox/{seq}"),
                        message,
                    })?;
                Ok((seq, op))
            })
            .collect()
    }

    /// Removes a delivered MLflow operation.
    pub fn ack_outbox(&self, seq: u64) -> Result<(), StoreError> {
        self.trees
            .outbox
            .remove(seq.to_be_bytes())
            .map_err(self.sled_err())?;
        self.db.flush().map_err(self.sled_err())?;
        Ok(())
    }

    /// Moves a refused operation (`record.seq`) out of the queue into the set-aside operations.
    pub fn set_aside_outbox(&self, record: &SetAsideRecord) -> Result<(), StoreError> {
        let key = record.seq.to_be_bytes();
        let value = envelope::encode(Kind::SetAside, record);
        (&self.trees.outbox, &self.trees.set_aside)
            .transaction(|(outbox, set_aside)| {
                outbox.remove(&key)?;
                set_aside.insert(&key, value.clone())?;
                Ok::<_, ConflictableTransactionError<()>>(())
            })
            .map_err(|e| self.transaction_err(e))?;
        self.db.flush().map_err(self.sled_err())?;
        Ok(())
    }

    /// The operations the server refused, oldest first.
    pub fn set_aside(&self) -> Result<Vec<SetAsideRecord>, StoreError> {
        self.all(&self.trees.set_aside, Kind::SetAside, b"")
    }

    /// Queues every set-aside operation again, behind what is queued, in their old order; returns
    /// how many.
    pub fn retry_set_aside(&self) -> Result<usize, StoreError> {
        let records = self.set_aside()?;
        let moves = records
            .iter()
            .map(|r| {
                let seq = self.db.generate_id().map_err(self.sled_err())?;
                Ok((
                    r.seq.to_be_bytes(),
                    seq.to_be_bytes(),
                    envelope::encode(Kind::Outbox, &r.operation_json),
                ))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        (&self.trees.outbox, &self.trees.set_aside)
            .transaction(|(outbox, set_aside)| {
                for (old, new, value) in &moves {
                    set_aside.remove(old)?;
                    outbox.insert(new, value.clone())?;
                }
                Ok::<_, ConflictableTransactionError<()>>(())
            })
            .map_err(|e| self.transaction_err(e))?;
        self.db.flush().map_err(self.sled_err())?;
        Ok(moves.len())
    }

    fn transaction_err(&self, error: TransactionError<()>) -> StoreError {
        match error {
            TransactionError::Storage(source) => self.sled_err()(source),
            // The closures above never abort.
            TransactionError::Abort(()) => StoreError::Record {
                key: "outbox".into(),
                message: "transaction aborted".into(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(seq: u64, op: &str) -> SetAsideRecord {
        SetAsideRecord {
            seq,
            run_key: "r".into(),
            operation_json: op.into(),
            error: "HTTP 400".into(),
            at: "2026-01-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn refused_operations_leave_the_queue_and_come_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store")).unwrap();
        let a = store.push_outbox("a").unwrap();
        let b = store.push_outbox("b").unwrap();
        store.push_outbox("c").unwrap();
        store.set_aside_outbox(&record(a, "a")).unwrap();
        store.set_aside_outbox(&record(b, "b")).unwrap();
        let ops = |s: &Store| {
            s.outbox()
                .unwrap()
                .into_iter()
                .map(|(_, op)| op)
                .collect::<Vec<_>>()
        };
        assert_eq!(ops(&store), ["c"]);
        assert_eq!(store.set_aside().unwrap().len(), 2);
        assert_eq!(store.retry_set_aside().unwrap(), 2);
        assert_eq!(ops(&store), ["c", "a", "b"]);
        assert!(store.set_aside().unwrap().is_empty());
    }
}
