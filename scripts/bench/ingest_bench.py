"""Ingest of hcrl_sa (13 CSV files, 1.9 M rows) to Parquet: `kdgat ingest` against
pyarrow.csv.read_csv + pyarrow.parquet.write_table with the same schema, compression (Snappy) and
row groups (500k), side by side, alternating runs.

Usage: ingest_bench.py KDGAT_BINARY DATA_ROOT [runs]
"""
import os
import subprocess
import sys
import tempfile
import time

from common import emit, median, run_with_rusage

kdgat, data_root = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
dataset = os.path.join(data_root, "automotive/hcrl_sa")

PYARROW = r'''
import os, sys, time
import pyarrow as pa, pyarrow.csv as csv, pyarrow.parquet as pq
src, out = sys.argv[1], sys.argv[2]
types = {"timestamp": pa.float64(), "arbitration_id": pa.string(), "data_field": pa.string(), "attack": pa.uint8()}
started = time.perf_counter()
for sub in sorted(os.listdir(src)):
    for name in sorted(os.listdir(os.path.join(src, sub))):
        table = csv.read_csv(os.path.join(src, sub, name), convert_options=csv.ConvertOptions(column_types=types))
        table = table.append_column("source_file", pa.array([f"{sub}/{name}"] * table.num_rows))
        pq.write_table(table, os.path.join(out, f"{sub}__{name[:-4]}.parquet"), row_group_size=500_000, compression="snappy")
print(time.perf_counter() - started)
'''

ours, theirs = [], []
for _ in range(runs):
    with tempfile.TemporaryDirectory() as work:
        _, wall, rss = run_with_rusage([kdgat, "--data-root", data_root, "ingest", "hcrl_sa", "--parquet-root", work])
        ours.append({"wall_s": wall, "peak_rss_mib": rss})
    with tempfile.TemporaryDirectory() as work:
        out, wall, rss = run_with_rusage([sys.executable, "-c", PYARROW, dataset, work])
        theirs.append({"convert_s": float(out), "wall_s": wall, "peak_rss_mib": rss})

ours_median = median([r["wall_s"] for r in ours])
theirs_median = median([r["convert_s"] for r in theirs])
emit({
    "kdgat": ours, "pyarrow": theirs,
    "kdgat_median_wall_s": ours_median,
    "pyarrow_median_convert_s": theirs_median,
    "ratio_pyarrow_over_kdgat": theirs_median / ours_median,
})
