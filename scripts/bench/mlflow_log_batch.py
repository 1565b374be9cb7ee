"""The Python client's side of scripts/bench/tracking.sh: POINTS metric points (ten keys) sent to
MLFLOW_TRACKING_URI with MlflowClient.log_batch in batches of 1000, the server's limit. Prints
`python POINTS_PER_SECOND`."""
import sys
import time

from mlflow.entities import Metric
from mlflow.tracking import MlflowClient

points = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
client = MlflowClient()
name = "kdgat-bench-log-batch"
exp = client.get_experiment_by_name(name)
exp_id = exp.experiment_id if exp else client.create_experiment(name)
run = client.create_run(exp_id, run_name=f"python-{time.time_ns()}")

started = time.perf_counter()
steps = points // 10
batch = []
for step in range(steps):
    for k in range(10):
        batch.append(Metric(f"metric_{k}", step * 0.001 + k, 1_795_000_000_000 + step, step))
        if len(batch) == 1000:
            client.log_batch(run.info.run_id, metrics=batch)
            batch = []
if batch:
    client.log_batch(run.info.run_id, metrics=batch)
seconds = time.perf_counter() - started
print(f"python {steps * 10 / seconds:.0f}")
