"""The reference pipeline's CAN-window graph construction (REFERENCE.md §4), with pandas and numpy as
the reference does it, for side-by-side timing and for checking kdgat's --legacy graphs.

It follows the documented algorithm step by step: CSVs read with dtype=str in 5000-row chunks (python
engine), each chunk dropping its last row, ids mapped through the sorted training vocabulary (+OOV),
payload bytes /255, 100-row windows with stride 100 per file, and per window the unique nodes, unique
transition edges (np.unique, lexicographic), 11 edge and 11 node features in float32. Graphs are kept as
numpy arrays (the reference wraps them in torch tensors, which only adds time).

Usage:
  reference_graphs.py time DATASET_DIR              # build every graph (train + test_*), print seconds
  reference_graphs.py show DATASET_DIR REL_CSV N    # print window N of one capture as JSON
"""
import json
import os
import sys
import time

import numpy as np
import pandas as pd

WINDOW, STRIDE, CHUNK = 100, 100, 5000
EXCLUDED = ("suppress", "masquerade")


def csv_files(root, kind):
    found = []
    for folder in sorted(os.listdir(root)):
        path = os.path.join(root, folder)
        if os.path.isdir(path) and kind in folder.lower():
            for name in sorted(os.listdir(path)):
                if name.endswith(".csv") and not any(x in name.lower() for x in EXCLUDED):
                    found.append(os.path.join(path, name))
    return found


def vocabulary(files):
    ids = set()
    for f in files:
        col = pd.read_csv(f, usecols=[1], dtype=str).iloc[:, 0].dropna()
        ids.update(int(v, 16) for v in col.unique())
    mapping = {v: i for i, v in enumerate(sorted(ids))}
    mapping["OOV"] = len(mapping)
    return mapping


def process_chunk(chunk, mapping):
    chunk.columns = ["Timestamp", "CAN ID", "data_field", "attack"]
    data = chunk["data_field"].astype(str).fillna("").str.strip().values
    for i in range(8):
        chunk[f"Data{i + 1}"] = [s[2 * i:2 * i + 2] if len(s) >= 2 * i + 2 else "00" for s in data]
    chunk["Source"] = chunk["CAN ID"]
    chunk["Target"] = chunk["CAN ID"].shift(-1)
    oov = mapping["OOV"]
    for col in ["CAN ID", "Source", "Target"]:
        chunk[col] = chunk[col].map(lambda v: mapping.get(int(v, 16), oov) if isinstance(v, str) else oov)
    for i in range(8):
        chunk[f"Data{i + 1}"] = chunk[f"Data{i + 1}"].map(lambda v: int(v, 16)) / 255.0
    chunk = chunk.iloc[:-1].copy()
    chunk["label"] = chunk["attack"].astype(int)
    return chunk[["CAN ID"] + [f"Data{i + 1}" for i in range(8)] + ["Source", "Target", "label"]]


def file_rows(path, mapping):
    chunks = [process_chunk(c, mapping) for c in pd.read_csv(path, chunksize=CHUNK, engine="python", dtype=str)]
    return pd.concat(chunks, ignore_index=True).to_numpy(dtype=np.float64)


def edge_features(w, edges, counts):
    src, tgt = w[:, -3], w[:, -2]
    n = len(w)
    f = np.zeros((len(edges), 11), dtype=np.float32)
    f[:, 0] = counts
    f[:, 1] = counts / n
    nodes, inverse = np.unique(np.concatenate([src, tgt]), return_inverse=True)
    degree = dict(zip(nodes, np.bincount(inverse)))
    edge_set = set(map(tuple, edges))
    positions = np.arange(n)
    for i, (s, t) in enumerate(edges):
        p = positions[(src == s) & (tgt == t)]
        if len(p) > 1:
            gaps = np.diff(p)
            f[i, 2], f[i, 3] = gaps.mean(), gaps.std()
            f[i, 4] = 1.0 / (1.0 + gaps.std()) if gaps.std() > 0 else 1.0
        first, last = p[0] / n, p[-1] / n
        f[i, 5], f[i, 6], f[i, 7] = first, last, last - first
        f[i, 8] = float((t, s) in edge_set)
        f[i, 9] = degree[s] * degree[t]
        f[i, 10] = degree[s] / max(degree[t], 1e-8)
    return f


def node_features(w, nodes):
    src = w[:, -3]
    n = len(w)
    x = np.zeros((len(nodes), 11), dtype=np.float32)
    counts = np.zeros(len(nodes), dtype=np.float32)
    positions = np.arange(n)
    for i, node in enumerate(nodes):
        mask = src == node
        rows = w[mask]
        if len(rows):
            x[i, :9] = rows[:, :9].mean(axis=0)
            counts[i] = len(rows)
            x[i, -1] = positions[mask][-1] / max(n - 1, 1)
        else:
            x[i, 0] = node
    lo, hi = counts.min(), counts.max()
    x[:, -2] = (counts - lo) / (hi - lo) if hi > lo else counts
    return x


def graph(w):
    edges, counts = np.unique(np.column_stack((w[:, -3], w[:, -2])), axis=0, return_counts=True)
    nodes = np.unique(np.concatenate((w[:, -3], w[:, -2])))
    index = {v: i for i, v in enumerate(nodes)}
    edge_index = np.array([[index[s] for s, _ in edges], [index[t] for _, t in edges]])
    return {"num_nodes": len(nodes), "edge_index": edge_index.tolist(), "x": node_features(w, nodes),
            "edge_attr": edge_features(w, edges, counts), "y": int(np.any(w[:, -1] == 1))}


def windows(rows):
    count = max(1, (len(rows) - WINDOW) // STRIDE + 1)
    return [rows[s:s + WINDOW] for s in range(0, count * STRIDE, STRIDE)]


def main():
    mode, root = sys.argv[1], sys.argv[2]
    mapping = vocabulary(csv_files(root, "train"))
    if mode == "time":
        started = time.perf_counter()
        total = 0
        for kind in ["train", "test"]:
            for f in csv_files(root, kind):
                total += len([graph(w) for w in windows(file_rows(f, mapping))])
        print(json.dumps({"graphs": total, "seconds": time.perf_counter() - started}))
    else:
        rows = file_rows(os.path.join(root, sys.argv[3]), mapping)
        g = graph(windows(rows)[int(sys.argv[4])])
        g["x"], g["edge_attr"] = g["x"].tolist(), g["edge_attr"].tolist()
        print(json.dumps(g))


if __name__ == "__main__":
    main()
