//! The researcher's path without real data: `kdgat synth`, then `kdgat submit synthetic`
//! for all three variants (CPU, a few epochs), then `kdgat report`; the report opened in headless
//! Chromium shows every plot, logs no console error, and leaves a screenshot (copied to
//! `KDGAT_ARTIFACTS_DIR` when set).

use std::path::Path;

use crate::support::{chromium, run_in, run_ok_in, service, stderr, stdout};

/// A dataset a few seconds long and short training: enough for both classes everywhere.
const QUICK: &[&str] = &[
    "--set",
    "device=cpu",
    "--set",
    "max_epochs=2",
    "--set",
    "batch_size=32",
    "--set",
    "fusion_episodes=50",
    "--set",
    "episode_sample_size=64",
    "--set",
    "dqn_batch_size=32",
];

/// Drawing elements of an SVG fragment.
fn marks(svg: &str) -> usize {
    [
        "<path",
        "<polyline",
        "<rect",
        "<line",
        "<circle",
        "<polygon",
    ]
    .iter()
    .map(|tag| svg.matches(tag).count())
    .sum()
}

/// Each `<figure class="plot" data-plot="KIND">` of an HTML text, with its contents.
fn figures(html: &str) -> Vec<(String, String)> {
    html.split("<figure class=\"plot\" data-plot=\"")
        .skip(1)
        .map(|rest| {
            let (kind, body) = rest.split_once('"').unwrap_or_default();
            let body = body.split("</figure>").next().unwrap_or_default();
            (kind.to_string(), body.to_string())
        })
        .collect()
}

#[test]
fn synth_pipeline_and_report_render_every_plot_in_chromium() {
    let Some(browser) = service("KDGAT_CHROMIUM", "report in Chromium") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let written = run_ok_in(dir, &["--data-root", "data", "synth", "--scale", "0.05"]);
    assert!(
        written.trim_end().ends_with("data/automotive/synthetic"),
        "{written}"
    );
    let mut args = vec![
        "--data-root",
        "data",
        "submit",
        "synthetic",
        "--variant",
        "teacher,student-kd,student",
    ];
    args.extend_from_slice(QUICK);
    run_ok_in(dir, &args);
    let out = run_ok_in(dir, &["report", "--runs-dir", "experimentruns"]);
    assert_eq!(
        out.trim(),
        "experimentruns/report.html",
        "it prints the path it wrote"
    );
    let report = dir.join("experimentruns/report.html");
    let html = std::fs::read_to_string(&report).unwrap();
    for forbidden in ["<script", "<link", " src=", "url("] {
        assert!(!html.contains(forbidden), "the report holds {forbidden}");
    }

    // The page as Chromium built it: every figure of the file has a drawn chart.
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}", report.display());
    let shown = chromium(&browser, profile.path(), (1400, 1000))
        .args(["--enable-logging=stderr", "--v=0", "--dump-dom", &url])
        .output()
        .unwrap();
    assert!(shown.status.success(), "{}", stderr(&shown));
    let log = stderr(&shown);
    for sign in ["Uncaught", "ERROR:CONSOLE"] {
        assert!(!log.contains(sign), "console error: {log}");
    }
    let dom = stdout(&shown);
    let in_file = figures(&html);
    let in_dom = figures(&dom);
    assert_eq!(in_dom.len(), in_file.len(), "figures lost in the browser");
    for (kind, body) in &in_dom {
        assert!(
            body.contains("<svg") && body.contains("</svg>"),
            "{kind}: no svg"
        );
        assert!(marks(body) >= 4, "{kind}: an empty chart: {body}");
    }
    let count = |k: &str| in_dom.iter().filter(|(kind, _)| kind == k).count();
    // Three variants, three models, validation and four test scenarios.
    assert_eq!((count("roc"), count("pr"), count("confusion")), (9, 9, 9));
    assert_eq!(
        count("alpha"),
        15,
        "fusion α on every split of every variant"
    );
    assert_eq!(count("time"), 1);
    assert!(
        count("training") >= 12,
        "loss and accuracy of each trained stage"
    );
    for text in [
        "synthetic · student-kd",
        "test_04_unknown_vehicle_unknown_attack",
        "ROC AUC",
    ] {
        assert!(dom.contains(text), "the page lacks {text}");
    }

    let shot = dir.join("report.png");
    let taken = chromium(&browser, profile.path(), (1400, 3000))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&url)
        .output()
        .unwrap();
    assert!(taken.status.success(), "{}", stderr(&taken));
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let size = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    assert_eq!(
        (size(16), size(20)),
        (1400, 3000),
        "the IHDR's width and height"
    );
    assert!(png.len() > 100_000, "a blank page ({} bytes)", png.len());
    if let Ok(artifacts) = std::env::var("KDGAT_ARTIFACTS_DIR") {
        let target = Path::new(&artifacts).join("report.png");
        std::fs::create_dir_all(&artifacts).unwrap();
        std::fs::copy(&shot, &target).unwrap();
        println!("screenshot: {}", target.display());
    }
}

#[test]
fn report_errors_name_the_runs_directory_or_the_dataset() {
    let work = tempfile::tempdir().unwrap();
    let out = run_in(work.path(), &["report", "--runs-dir", "nowhere"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no run directories"),
        "{}",
        stderr(&out)
    );
    let run = work.path().join("runs/tiny/teacher_autoencoder");
    std::fs::create_dir_all(&run).unwrap();
    std::fs::write(run.join("config.json"), "{}").unwrap();
    let out = run_in(
        work.path(),
        &["report", "--runs-dir", "runs", "--dataset", "hcrl_sa"],
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("no runs of dataset `hcrl_sa` under runs (found: tiny)"),
        "{}",
        stderr(&out)
    );
    std::fs::write(run.join("events.jsonl"), "not json\n").unwrap();
    let out = run_in(work.path(), &["report", "--runs-dir", "runs"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("teacher_autoencoder/events.jsonl:1:"),
        "{}",
        stderr(&out)
    );
}
