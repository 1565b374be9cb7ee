//! `benchmark.tsv`, as Snakemake's `benchmark:` directive writes it: a header of
//! [`BENCHMARK_COLUMNS`], then one row per repetition (we write one; the first row is read). Sizes
//! and I/O in MiB, `s` and `cpu_time` in seconds, `mean_load` in percent; `NA` or `-` where a value
//! is not known. Every stage writes it when it finishes ([`write_benchmark`], from `/proc/self`: the
//! peaks `max_rss`/`max_vms` are the kernel's VmHWM and VmPeak, USS and PSS the values at the end,
//! `mean_load` CPU time over wall time); the backfill and the report read it ([`Benchmark`]).

use std::path::Path;
use std::time::Instant;

/// The columns, in Snakemake's order.
pub const BENCHMARK_COLUMNS: [&str; 10] = [
    "s",
    "h:m:s",
    "max_rss",
    "max_vms",
    "max_uss",
    "max_pss",
    "io_in",
    "io_out",
    "mean_load",
    "cpu_time",
];

/// A run's resource use (the first data row); `None` where the file says `NA` or `-`.
#[derive(Debug, Clone, Default, PartialEq)]
#[expect(
    missing_docs,
    reason = "Snakemake's benchmark columns, named as in the file"
)]
pub struct Benchmark {
    pub s: Option<f64>,
    pub hms: Option<String>,
    pub max_rss: Option<f64>,
    pub max_vms: Option<f64>,
    pub max_uss: Option<f64>,
    pub max_pss: Option<f64>,
    pub io_in: Option<f64>,
    pub io_out: Option<f64>,
    pub mean_load: Option<f64>,
    pub cpu_time: Option<f64>,
}

impl Benchmark {
    /// Parses the file's text: a header with Snakemake's columns (any order, unknown ones
    /// ignored), then at least one row; a known column's cell is a number, `NA`, `-` or empty.
    pub fn parse(text: &str) -> Result<Benchmark, String> {
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        let header: Vec<&str> = lines.next().ok_or("empty file")?.split('\t').collect();
        let row: Vec<&str> = lines.next().ok_or("no data row")?.split('\t').collect();
        if header.len() != row.len() {
            return Err(format!(
                "{} columns in the header, {} in the first row",
                header.len(),
                row.len()
            ));
        }
        let cell = |name: &str| {
            header
                .iter()
                .position(|h| h.trim() == name)
                .map(|i| row[i].trim())
                .filter(|v| !v.is_empty() && *v != "-" && *v != "NA")
        };
        let number = |name: &str| {
            cell(name)
                .map(|v| {
                    v.parse::<f64>()
                        .map_err(|_| format!("column `{name}`: `{v}` is not a number"))
                })
                .transpose()
        };
        Ok(Benchmark {
            s: number("s")?,
            hms: cell("h:m:s").map(str::to_string),
            max_rss: number("max_rss")?,
            max_vms: number("max_vms")?,
            max_uss: number("max_uss")?,
            max_pss: number("max_pss")?,
            io_in: number("io_in")?,
            io_out: number("io_out")?,
            mean_load: number("mean_load")?,
            cpu_time: number("cpu_time")?,
        })
    }

    /// Reads the file at `path`; the error names it.
    pub fn read(path: &Path) -> Result<Benchmark, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Benchmark::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// Writes `benchmark.tsv` for a run that started at `started`.
pub fn write_benchmark(path: &Path, started: Instant) -> std::io::Result<()> {
    let seconds = started.elapsed().as_secs_f64();
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = |text: &str, key: &str| -> Option<f64> {
        text.lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map(|v| v / 1024.0)
    };
    let rollup = std::fs::read_to_string("/proc/self/smaps_rollup").unwrap_or_default();
    let uss = match (
        kib(&rollup, "Private_Clean:"),
        kib(&rollup, "Private_Dirty:"),
    ) {
        (Some(a), Some(b)) => Some(a + b),
        _ => None,
    };
    let io = std::fs::read_to_string("/proc/self/io").unwrap_or_default();
    let mib = |key: &str| kib(&io, key).map(|k| k / 1024.0);
    let cpu = cpu_seconds();
    let cell = |v: Option<f64>| v.map_or_else(|| "NA".to_string(), |v| format!("{v:.2}"));
    let whole = seconds as u64;
    let row = [
        format!("{seconds:.4}"),
        format!("{}:{:02}:{:02}", whole / 3600, whole / 60 % 60, whole % 60),
        cell(kib(&status, "VmHWM:")),
        cell(kib(&status, "VmPeak:")),
        cell(uss),
        cell(kib(&rollup, "Pss:")),
        cell(mib("read_bytes:")),
        cell(mib("write_bytes:")),
        cell(cpu.map(|c| 100.0 * c / seconds.max(1e-9))),
        cell(cpu),
    ];
    let text = format!("{}\n{}\n", BENCHMARK_COLUMNS.join("\t"), row.join("\t"));
    crate::atomic::write_atomic(path, text.as_bytes())
}

/// User plus system CPU seconds of this process, from `/proc/self/stat`.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may contain spaces) start after the last ')'.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    // USER_HZ is 100 on Linux.
    Some((utime + stime) / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_stage_writes_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(crate::run_dir::BENCHMARK);
        let started = Instant::now();
        let _work: Vec<u64> = (0..200_000).map(|i| i * i).collect();
        write_benchmark(&path, started).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2);
        let b = Benchmark::read(&path).unwrap();
        assert!(b.s.unwrap() > 0.0);
        assert!(b.max_rss.unwrap() > 1.0, "max_rss in MiB: {:?}", b.max_rss);
        assert!(b.hms.unwrap().contains(':'));
    }

    #[test]
    fn snakemakes_file_and_ours_read_alike() {
        let ours = format!(
            "{}\n12.5\t0:00:12\t512.00\t900.00\tNA\t-\t1.00\t2.00\t180.00\t22.50\n",
            BENCHMARK_COLUMNS.join("\t")
        );
        let b = Benchmark::parse(&ours).unwrap();
        assert_eq!(b.s, Some(12.5));
        assert_eq!(b.hms.as_deref(), Some("0:00:12"));
        assert_eq!((b.max_uss, b.max_pss, b.cpu_time), (None, None, Some(22.5)));
        let reordered = "cpu_time\ts\textra\n3\t4\tx\n";
        let b = Benchmark::parse(reordered).unwrap();
        assert_eq!((b.s, b.cpu_time, b.max_rss), (Some(4.0), Some(3.0), None));
        for bad in [
            "",
            "s\th:m:s\n",
            "s\tcpu_time\n1\n",
            "s\tcpu_time\n1\tlots\n",
        ] {
            assert!(Benchmark::parse(bad).is_err(), "{bad:?}");
        }
    }
}
