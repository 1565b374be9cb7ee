"""Graph construction for all of hcrl_sa (train + 4 test scenarios, 1.9 M messages), kdgat --legacy
against the reference algorithm in pandas/numpy (reference_graphs.py), side by side on this machine.

Usage: graphs_bench.py KDGAT_BINARY DATA_ROOT [kdgat runs] [reference runs]
Prints JSON: per-run times, medians, peak memory, and the speed-up.
"""
import json
import os
import sys
import tempfile

from common import emit, median, run_with_rusage

kdgat, data_root = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
ours_runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
ref_runs = int(sys.argv[4]) if len(sys.argv) > 4 else 1
here = os.path.dirname(os.path.abspath(__file__))

ours = []
with tempfile.TemporaryDirectory() as work:
    for _ in range(ours_runs):
        out, wall, rss = run_with_rusage(
            [kdgat, "--data-root", data_root, "graphs", "hcrl_sa", "--legacy", "--force", "--json"], cwd=work)
        build = json.loads(out)["build"]
        ours.append({"construction_s": build["build_seconds"], "cache_write_s": build["write_seconds"],
                     "process_wall_s": wall, "peak_rss_mib": rss, "messages": build["rows"]})

reference = []
for _ in range(ref_runs):
    out, wall, rss = run_with_rusage(
        [sys.executable, os.path.join(here, "reference_graphs.py"), "time", os.path.join(data_root, "automotive/hcrl_sa")])
    reference.append({"construction_s": json.loads(out)["seconds"], "graphs": json.loads(out)["graphs"],
                      "process_wall_s": wall, "peak_rss_mib": rss})

ours_median = median([r["construction_s"] for r in ours])
ref_median = median([r["construction_s"] for r in reference])
emit({
    "kdgat": ours, "reference": reference,
    "kdgat_median_construction_s": ours_median,
    "kdgat_median_process_wall_s": median([r["process_wall_s"] for r in ours]),
    "kdgat_max_peak_rss_mib": max(r["peak_rss_mib"] for r in ours),
    "reference_median_construction_s": ref_median,
    "speedup_construction": ref_median / ours_median,
    "speedup_vs_process_wall": ref_median / median([r["process_wall_s"] for r in ours]),
})
