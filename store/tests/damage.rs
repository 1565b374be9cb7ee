//! Issue 19: a state store whose log was cut short (a full disk, a copy interrupted) is an error
//! that says what to do — never a panic, never an empty store — and `open_or_set_aside` (what
//! `kdgat recover` uses) moves it aside and starts a new one.

mod support;

use kdgat_store::{Store, StoreError};
use support::{cut_copy, write_big_store};

#[test]
fn a_truncated_store_is_refused_and_can_be_set_aside() {
    let dir = tempfile::tempdir().unwrap();
    let original = dir.path().join("store");
    write_big_store(&original);
    let mut refused = Vec::new();
    for percent in (1..100).step_by(3) {
        let copy = cut_copy(
            &original,
            &dir.path().join(format!("cut-{percent}")),
            percent,
        );
        match Store::open(&copy) {
            Ok(_) => {}
            Err(err @ StoreError::Corrupt { .. }) => {
                let message = err.to_string();
                assert!(
                    message.contains("kdgat recover")
                        && message.contains(&copy.display().to_string()),
                    "{message}"
                );
                refused.push(copy);
            }
            Err(other) => panic!("cut at {percent}%: {other}"),
        }
    }
    let broken = refused
        .first()
        .expect("no cut made the store unreadable: the test no longer exercises sled's recovery");
    // Refused again, never opened as an empty store.
    assert!(matches!(
        Store::open(broken),
        Err(StoreError::Corrupt { .. })
    ));
    let before: Vec<u8> = std::fs::read(broken.join("db")).unwrap();
    let (store, aside) = Store::open_or_set_aside(broken).unwrap();
    let aside = aside.expect("the unreadable store is moved aside");
    assert_eq!(
        std::fs::read(aside.join("db")).unwrap(),
        before,
        "kept as it was"
    );
    assert!(store.outbox().unwrap().is_empty(), "a new, empty store");
    store.push_outbox("op").unwrap();
    drop(store);
    // A readable store is opened as it is.
    let (store, aside) = Store::open_or_set_aside(broken).unwrap();
    assert!(aside.is_none());
    assert_eq!(store.outbox().unwrap().len(), 1);
}
