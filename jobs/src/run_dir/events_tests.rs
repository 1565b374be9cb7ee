use super::*;

#[test]
fn the_tail_reads_whole_lines_only_and_resumes_where_it_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let log = EventLog::new(dir.path());
    let path = dir.path().join(EVENTS);
    let tail = EventTail::new(&path);
    assert_eq!(
        tail.read_from(0).unwrap(),
        TailRead::default(),
        "no file yet"
    );
    log.append("started", json!({ "host": "n1" })).unwrap();
    log.epoch(0, &[("val_loss", 0.5)]).unwrap();
    // A line being written: no newline yet.
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    file.write_all(br#"{"kind":"epoch","step":1,"metr"#)
        .unwrap();
    let first = tail.read_from(0).unwrap();
    assert_eq!(first.events.len(), 2);
    assert_eq!(first.lines, 2);
    assert_eq!(first.events[0].text("host"), Some("n1"));
    assert_eq!(
        first.events[1].epoch_metrics(),
        Some((0, vec![("val_loss".to_string(), 0.5)]))
    );
    file.write_all(b"ics\":{\"val_loss\":0.25}}\nnot json\n")
        .unwrap();
    let second = tail.read(first.offset, first.lines).unwrap();
    assert_eq!(second.events.len(), 1);
    assert_eq!(second.events[0].line, 3);
    assert_eq!(second.events[0].epoch_metrics().unwrap().0, 1);
    assert_eq!(second.bad_lines.len(), 1);
    assert_eq!(second.bad_lines[0].0, 4);
    assert_eq!(second.offset, std::fs::metadata(&path).unwrap().len());
    let nothing = tail.read(second.offset, second.lines).unwrap();
    assert!(nothing.events.is_empty() && nothing.offset == second.offset);
    let err = read_events(&path).unwrap_err();
    assert!(err.contains("events.jsonl:4"), "{err}");
}

#[test]
fn a_rewritten_log_is_read_again_from_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(EVENTS);
    std::fs::write(&path, "{\"kind\":\"started\"}\n").unwrap();
    let read = EventTail::new(&path).read(1000, 40).unwrap();
    assert!(read.restarted);
    assert_eq!((read.events.len(), read.lines), (1, 1));
}

#[test]
fn lines_that_are_not_events_say_why() {
    for (text, why) in [
        ("[1]", "not a JSON object"),
        ("{\"time_ms\":3}", "no `kind`"),
        ("{", "EOF"),
    ] {
        let err = RunEvent::parse(1, text).unwrap_err();
        assert!(err.contains(why), "{text}: {err}");
    }
}
