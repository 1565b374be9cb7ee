"""Helpers for the benchmark drivers: run a command and measure its wall time and peak memory."""
import json
import os
import statistics
import subprocess
import tempfile
import time


def run_with_rusage(cmd, cwd=None):
    """Runs cmd; returns (stdout, wall seconds, peak RSS in MiB) of that one child, read through wait4."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=err)
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            raise SystemExit(f"{' '.join(cmd)} failed:\n{err.read().decode(errors='replace')}")
    return out.decode(), wall, usage.ru_maxrss / 1024


def median(values):
    return statistics.median(values)


def emit(result):
    print(json.dumps(result, indent=2))
