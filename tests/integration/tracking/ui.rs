//! The MLflow UI our users live in, opened in headless Chromium against the test server: the
//! experiment's run list shows the sweep's parent run and its nested runs, a run's page shows its
//! parent, params and metrics, and its model-metrics page draws the epoch chart. Screenshots are
//! kept under the target directory (`mlflow-ui/`) for a person to look at.

use std::path::Path;
use std::process::Command;

use super::{sync, unique, write_run_tree};
use crate::support::service;

/// The page's visible text after its scripts ran. The UI renders its charts lazily, and on a
/// machine busy with the rest of the suite one load can end before they appear, so a page gets up
/// to six loads, with more virtual time each and a pause between them for the load to pass.
fn page_text(chromium: &str, url: &str, expected: &[&str]) -> String {
    let mut text = String::new();
    for (attempt, budget) in [15_000, 30_000, 60_000, 60_000, 90_000, 120_000]
        .into_iter()
        .enumerate()
    {
        if attempt > 0 {
            std::thread::sleep(std::time::Duration::from_secs(5));
        }
        let profile = tempfile::tempdir().unwrap();
        let out = headless(chromium, profile.path(), budget)
            .arg("--dump-dom")
            .arg(url)
            .output()
            .unwrap();
        text = visible_text(&String::from_utf8_lossy(&out.stdout));
        if expected.iter().all(|e| text.contains(e)) {
            break;
        }
    }
    text
}

fn headless(chromium: &str, profile: &Path, budget_ms: u32) -> Command {
    let mut command = crate::support::chromium(chromium, profile, (1600, 1000));
    command.arg(format!("--virtual-time-budget={budget_ms}"));
    command
}

/// The text of an HTML document: scripts and styles dropped, tags replaced by spaces.
fn visible_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len() / 4);
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        text.push_str(&rest[..start]);
        text.push(' ');
        rest = &rest[start..];
        let skip_to = ["<script", "<style"]
            .iter()
            .find(|tag| rest.starts_with(*tag))
            .and_then(|tag| rest.find(&format!("</{}>", &tag[1..])));
        let end = match skip_to {
            Some(close) => close + rest[close..].find('>').unwrap_or(0),
            None => rest.find('>').unwrap_or(rest.len() - 1),
        };
        rest = &rest[end + 1..];
    }
    text.push_str(rest);
    let text = text
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn assert_shows(text: &str, page: &str, expected: &[&str]) {
    for e in expected {
        assert!(
            text.contains(e),
            "{page} does not show {e:?}; it shows: {text}"
        );
    }
}

#[test]
fn the_mlflow_ui_shows_the_sweep_its_runs_params_and_a_metric_chart() {
    let Some(uri) = service("MLFLOW_TRACKING_URI", "MLflow UI") else {
        return;
    };
    let Some(chromium) = service("KDGAT_CHROMIUM", "MLflow UI") else {
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let runs = write_run_tree(root.path());
    let experiment = unique("kdgat-ui");
    let state = root.path().join("state");
    sync(
        &uri,
        &state,
        &[
            "--runs-dir",
            runs.to_str().unwrap(),
            "--sweep",
            "ui-sweep",
            "--experiment",
            &experiment,
        ],
    );
    let store = kdgat_store::Store::open(&state.join("store")).unwrap();
    let vgae = store
        .tracked_run("sweep/ui-sweep/hcrl_sa/teacher_autoencoder")
        .unwrap()
        .unwrap();
    let exp = &vgae.experiment_id;
    let base = uri.trim_end_matches('/');

    let list = format!("{base}/#/experiments/{exp}/runs");
    let expected = [experiment.as_str(), "sweep ui-sweep", "4 matching runs"];
    assert_shows(
        &page_text(&chromium, &list, &expected),
        "the run list",
        &expected,
    );

    let run_page = format!("{base}/#/experiments/{exp}/runs/{}", vgae.mlflow_run_id);
    let expected = [
        "hcrl_sa/teacher_autoencoder",
        "Parent run",
        "sweep ui-sweep",
        "Parameters",
        "vgae_hidden_dims",
        "[480, 240, 48]",
        "val_loss",
        "Finished",
    ];
    assert_shows(
        &page_text(&chromium, &run_page, &expected),
        "the run page",
        &expected,
    );

    let chart = format!("{run_page}/model-metrics");
    let expected = ["Model metrics", "train_loss", "val_loss", "Step"];
    assert_shows(
        &page_text(&chromium, &chart, &expected),
        "the model-metrics page",
        &expected,
    );

    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("mlflow-ui");
    std::fs::create_dir_all(&shots).unwrap();
    for (name, url) in [("run.png", &run_page), ("metrics.png", &chart)] {
        let file = shots.join(name);
        let profile = tempfile::tempdir().unwrap();
        let status = headless(&chromium, profile.path(), 15_000)
            .arg(format!("--screenshot={}", file.display()))
            .arg(url)
            .output()
            .unwrap()
            .status;
        assert!(status.success(), "screenshot of {url}");
        let png = std::fs::read(&file).unwrap();
        assert!(
            png.starts_with(b"\x89PNG") && png.len() > 10_000,
            "{} is no page image",
            file.display()
        );
        println!("screenshot: {}", file.display());
    }
}
