//! `benchmark.tsv` as Snakemake's `benchmark:` directive writes it (the project database imports it):
//! `s  h:m:s  max_rss  max_vms  max_uss  max_pss  io_in  io_out  mean_load  cpu_time`, sizes and I/O
//! in MiB, from `/proc/self` at the end of the run. `max_rss`/`max_vms` are the kernel's peaks
//! (VmHWM, VmPeak); USS and PSS are the values at the end (Snakemake samples them, we read them
//! once); `mean_load` is CPU time over wall time in percent.

use std::path::Path;
use std::time::Instant;

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
    let text = format!(
        "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n{}\n",
        row.join("\t")
    );
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
    fn the_store_reads_what_we_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("benchmark.tsv");
        let started = Instant::now();
        let _work: Vec<u64> = (0..200_000).map(|i| i * i).collect();
        write_benchmark(&path, started).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        let header: Vec<&str> = lines[0].split('\t').collect();
        let row: Vec<&str> = lines[1].split('\t').collect();
        assert_eq!(header.len(), 10);
        assert_eq!(row.len(), 10);
        assert!(
            row[2].parse::<f64>().unwrap() > 1.0,
            "max_rss in MiB: {}",
            row[2]
        );
        assert!(row[1].contains(':'));
    }
}
