//! `benchmark.tsv` as Snakemake's `benchmark:` directive writes it (the project database imports it):
//! `s  h:m:s  max_rss  max_vms  max_uss  max_pss  io_in  io_out  mean_load  cpu_time`, sizes and I/O
//! in MiB, from `/proc/self`. `cpu_time`, `io_in` and `io_out` are what the process used since the
//! run started ([`Started`]): `kdgat pipeline --local` runs every stage in one process, and each
//! stage's row must count its own work only. `max_rss`/`max_vms` are the process's peaks (VmHWM,
//! VmPeak); USS and PSS are the values at the end (Snakemake samples them, we read them once);
//! `mean_load` is CPU time over wall time in percent.

use std::path::Path;
use std::time::Instant;

/// The process's counters when a run started; its row reports the differences.
#[derive(Debug, Clone, Copy)]
pub struct Started {
    wall: Instant,
    cpu: Option<f64>,
    read_mib: Option<f64>,
    written_mib: Option<f64>,
}

impl Started {
    /// The counters now.
    pub fn now() -> Started {
        let io = std::fs::read_to_string("/proc/self/io").unwrap_or_default();
        Started {
            wall: Instant::now(),
            cpu: cpu_seconds(),
            read_mib: io_mib(&io, "read_bytes:"),
            written_mib: io_mib(&io, "write_bytes:"),
        }
    }
}

/// A `/proc/self/io` counter in MiB.
fn io_mib(io: &str, key: &str) -> Option<f64> {
    kib(io, key).map(|k| k / 1024.0)
}

/// A `key: value` line's value, divided by 1024 (`/proc` sizes are in kB or bytes).
fn kib(text: &str, key: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .map(|v| v / 1024.0)
}

/// Writes `benchmark.tsv` for a run that started at `started`.
pub fn write_benchmark(path: &Path, started: &Started) -> std::io::Result<()> {
    let seconds = started.wall.elapsed().as_secs_f64();
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let rollup = std::fs::read_to_string("/proc/self/smaps_rollup").unwrap_or_default();
    let uss = match (
        kib(&rollup, "Private_Clean:"),
        kib(&rollup, "Private_Dirty:"),
    ) {
        (Some(a), Some(b)) => Some(a + b),
        _ => None,
    };
    let io = std::fs::read_to_string("/proc/self/io").unwrap_or_default();
    let since = |now: Option<f64>, then: Option<f64>| Some(now? - then?);
    let cpu = since(cpu_seconds(), started.cpu);
    let cell = |v: Option<f64>| v.map_or_else(|| "NA".to_string(), |v| format!("{v:.2}"));
    let whole = seconds as u64;
    let row = [
        format!("{seconds:.4}"),
        format!("{}:{:02}:{:02}", whole / 3600, whole / 60 % 60, whole % 60),
        cell(kib(&status, "VmHWM:")),
        cell(kib(&status, "VmPeak:")),
        cell(uss),
        cell(kib(&rollup, "Pss:")),
        cell(since(io_mib(&io, "read_bytes:"), started.read_mib)),
        cell(since(io_mib(&io, "write_bytes:"), started.written_mib)),
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
        let started = Started::now();
        let _work: Vec<u64> = (0..200_000).map(|i| i * i).collect();
        write_benchmark(&path, &started).unwrap();
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

    #[test]
    fn a_run_counts_only_the_cpu_time_since_it_started() {
        let dir = tempfile::tempdir().unwrap();
        let cpu_time = |name: &str, started: &Started| -> f64 {
            let path = dir.path().join(name);
            write_benchmark(&path, started).unwrap();
            let text = std::fs::read_to_string(&path).unwrap();
            text.lines()
                .nth(1)
                .unwrap()
                .split('\t')
                .nth(9)
                .unwrap()
                .parse()
                .unwrap()
        };
        let first = Started::now();
        // Busy until this process has used 0.4 s more CPU (however long the machine takes).
        let target = first.cpu.unwrap() + 0.4;
        let mut x = 1u64;
        while cpu_seconds().unwrap() < target {
            for _ in 0..100_000 {
                x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
            }
        }
        let first_cpu = cpu_time("first.tsv", &first);
        // A second run in the same process, right after: none of the first one's CPU time.
        let second_cpu = cpu_time("second.tsv", &Started::now());
        assert!(first_cpu >= 0.4, "{first_cpu}");
        assert!(second_cpu < 0.15, "{second_cpu}");
    }
}
