"""The PyTorch Geometric side of scripts/bench/training.sh: training epochs of the reference's GAT or
VGAE (the architectures of scripts/pyg_equivalence.py, sized by a kdgat config.json) on the graphs of a
kdgat graph cache (train.kgc, read here with numpy), Adam with weight decay and gradient clipping as
the reference trained, PyG's DataLoader batching included. Prints one JSON line with the seconds of
each training epoch.

    python pyg_training.py gat|vgae CONFIG.json CACHE_DIR EPOCHS [TEACHER_CONFIG.json] [--device cpu|cuda] [--amp]

fp32 on the CPU by default. `--device cuda` trains on the GPU (each batch copied there after PyG
collates it on the host, as kdgat does; an epoch's time ends after a CUDA synchronize); `--amp` adds
Lightning's `16-mixed` there: the forward pass and loss under fp16 autocast, a GradScaler around the
step. With a teacher config, each step also runs that (randomly initialised) teacher's forward pass, as
knowledge distillation costs.
"""
import argparse
import json
import struct
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch_geometric.data import Data
from torch_geometric.loader import DataLoader

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from pyg_equivalence import Gat, Vgae  # noqa: E402


def read_kgc(path):
    """The graphs of a kdgat .kgc file (format 1; layout in jobs/src/graph/cache_file.rs)."""
    raw = Path(path).read_bytes()
    assert raw[:8] == b"KDGATGC\0", f"{path}: not a kdgat graph cache"
    version, nf, ef, _ = struct.unpack_from("<4I", raw, 8)
    assert version == 1, f"{path}: format {version}"
    graphs, nodes, edges = struct.unpack_from("<3Q", raw, 24)
    at = 48

    def take(dtype, count):
        nonlocal at
        array = np.frombuffer(raw, dtype=dtype, count=count, offset=at)
        at += array.nbytes
        return array

    node_off, edge_off = take("<u8", graphs + 1), take("<u8", graphs + 1)
    y = take("u1", graphs)
    take("<u4", graphs), take("<u4", graphs)
    x = take("<f4", nodes * nf).reshape(nodes, nf)
    src, dst = take("<u4", edges), take("<u4", edges)
    out = []
    for g in range(graphs):
        n0, n1, e0, e1 = node_off[g], node_off[g + 1], edge_off[g], edge_off[g + 1]
        edge_index = torch.from_numpy(np.stack([src[e0:e1], dst[e0:e1]]).astype(np.int64))
        out.append(Data(x=torch.from_numpy(x[n0:n1].copy()), edge_index=edge_index, y=torch.tensor([int(y[g])])))
    return out


def model(cfg, kind, num_ids):
    if kind == "gat":
        return Gat(cfg["gat_embedding_dim"], cfg["gat_hidden"], cfg["gat_heads"], cfg["gat_layers"],
                   cfg["gat_fc_layers"], cfg["gat_dropout"], num_ids)
    return Vgae(cfg["vgae_embedding_dim"], cfg["vgae_hidden_dims"], cfg["vgae_latent_dim"],
                cfg["vgae_heads"], cfg["vgae_dropout"], num_ids)


def vgae_loss(out, batch, num_ids):
    ids = batch.x[:, 0].long()
    targets = torch.zeros(batch.x.size(0), num_ids, device=batch.x.device)
    targets[batch.edge_index[0], ids[batch.edge_index[1]]] = 1.0
    return (F.mse_loss(out["cont"], batch.x[:, 1:]) + 0.1 * F.cross_entropy(out["canid_logits"], ids)
            + 0.05 * F.binary_cross_entropy_with_logits(out["nbr_logits"], targets) + 0.01 * out["kl"])


def main():
    parser = argparse.ArgumentParser(description="PyG training epochs on a kdgat graph cache")
    parser.add_argument("kind", choices=["gat", "vgae"])
    parser.add_argument("config", type=Path)
    parser.add_argument("cache", type=Path)
    parser.add_argument("epochs", type=int)
    parser.add_argument("teacher_config", type=Path, nargs="?")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    parser.add_argument("--amp", action="store_true", help="fp16 autocast and a GradScaler (CUDA only)")
    args = parser.parse_args()
    kind, cfg, cache, epochs = args.kind, json.loads(args.config.read_text()), args.cache, args.epochs
    teacher_cfg = json.loads(args.teacher_config.read_text()) if args.teacher_config else None
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        sys.exit(f"--device {args.device}: torch {torch.__version__} sees no CUDA device")
    if args.amp and device.type != "cuda":
        sys.exit("--amp needs --device cuda")
    num_ids = len(json.loads((cache / "vocab.json").read_text())["ids"]) + 1
    graphs = read_kgc(cache / "train.kgc")
    order = np.random.default_rng(cfg["seed"]).permutation(len(graphs))
    train = [graphs[i] for i in order[: int(0.8 * len(graphs))]]
    torch.manual_seed(cfg["seed"])
    net = model(cfg, kind, num_ids).to(device).train()
    teacher = model(teacher_cfg, kind, num_ids).to(device).eval() if teacher_cfg else None
    opt = torch.optim.Adam(net.parameters(), lr=cfg["lr"], weight_decay=cfg["weight_decay"])
    scaler = torch.amp.GradScaler(device.type, enabled=args.amp)
    loader = DataLoader(train, batch_size=cfg["batch_size"], shuffle=True)
    seconds = []
    for _ in range(epochs):
        started = time.perf_counter()
        for batch in loader:
            batch = batch.to(device, non_blocking=True)
            opt.zero_grad()
            with torch.autocast(device.type, dtype=torch.float16, enabled=args.amp):
                out = net(batch.x, batch.edge_index, batch.batch)
                loss = vgae_loss(out, batch, num_ids) if kind == "vgae" else F.cross_entropy(out["logits"], batch.y)
                if teacher is not None:
                    with torch.no_grad():
                        t = teacher(batch.x, batch.edge_index, batch.batch)
                    if kind == "gat":
                        temp = cfg["kd_temperature"]
                        kd = F.kl_div(F.log_softmax(out["logits"].float() / temp, -1),
                                      F.softmax(t["logits"].float() / temp, -1),
                                      reduction="batchmean") * temp * temp
                        loss = cfg["kd_alpha"] * kd + (1 - cfg["kd_alpha"]) * loss
            scaler.scale(loss).backward()
            scaler.unscale_(opt)
            torch.nn.utils.clip_grad_norm_(net.parameters(), cfg["gradient_clip"])
            scaler.step(opt)
            scaler.update()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        seconds.append(time.perf_counter() - started)
    print(json.dumps({"model": kind, "graphs": len(train), "device": str(device), "amp": args.amp,
                      "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
                      "threads": torch.get_num_threads(), "torch": torch.__version__, "epoch_seconds": seconds}))

if __name__ == "__main__":
    main()
