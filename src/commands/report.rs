//! `kdgat report`: the HTML report of a runs directory (`kdgat_report`), and the path it went to.

use kdgat_report::write_report;

use crate::cli::ReportArgs;
use crate::error::UserError;

/// Writes the report and prints its path.
pub fn run(args: &ReportArgs) -> anyhow::Result<()> {
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| args.runs_dir.join("report.html"));
    write_report(&args.runs_dir, args.dataset.as_deref(), &out).map_err(|e| {
        if e.is_input() {
            UserError::InvalidData(Box::new(e)).into()
        } else {
            anyhow::Error::from(e)
        }
    })?;
    println!("{}", out.display());
    Ok(())
}
