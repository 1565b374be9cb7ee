"""The Python half of scripts/check_pyg_equivalence.sh: the reference's architectures written with
PyTorch Geometric (GATConv, JumpingKnowledge-cat GAT, the neighbourhood VGAE), checked against kdgat's
tch models in both directions through safetensors:

1. kdgat's random weights load into these PyG models by name (strict), and their outputs on the same
   inputs equal kdgat's (`{case}.ours.safetensors`);
2. PyG's own initial weights are written (`{case}.pyg_weights.safetensors`) for kdgat to load and
   recompute; the second call (`compare-back`) checks kdgat's outputs on them.

Eval mode throughout; the VGAE decodes its mean (kdgat's evaluation), so outputs are deterministic.
Passes when every output's max |difference| / max |value| is at most 1e-5.
"""
import json
import sys
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch_geometric.nn import GATConv, global_mean_pool

NUM_IDS = 50
TOLERANCE = 1e-5
class Gat(nn.Module):
    def __init__(self, embedding_dim, hidden, heads, layers, fc_layers, dropout, num_ids=NUM_IDS):
        emb, fc = embedding_dim, fc_layers
        super().__init__()
        self.dropout = dropout
        self.id_embedding = nn.Embedding(num_ids, emb)
        self.convs = nn.ModuleList(
            GATConv(emb + 10 if i == 0 else hidden * heads, hidden, heads=heads) for i in range(layers))
        width = hidden * heads * layers
        stack = []
        for _ in range(fc - 1):
            stack += [nn.Linear(width, width), nn.ReLU(), nn.Dropout(dropout)]
        self.fc_layers = nn.ModuleList(stack + [nn.Linear(width, 2)])

    def forward(self, x, edge_index, batch):
        h = torch.cat([self.id_embedding(x[:, 0].long()), x[:, 1:]], 1)
        layers = []
        for conv in self.convs:
            h = F.dropout(conv(h, edge_index).relu(), self.dropout, self.training)
            layers.append(h)
        pooled = global_mean_pool(torch.cat(layers, 1), batch)
        out = pooled
        for layer in self.fc_layers:
            out = layer(out)
        return {"logits": out, "pooled": pooled}


class Vgae(nn.Module):
    def __init__(self, embedding_dim, hidden_dims, latent_dim, heads, dropout, num_ids=NUM_IDS):
        super().__init__()
        emb, hidden, latent = embedding_dim, hidden_dims, latent_dim
        self.dropout = dropout
        targets = hidden[:-1] if len(hidden) >= 2 and hidden[-1] == latent else hidden
        self.id_embedding = nn.Embedding(num_ids, emb)
        self.encoder_layers, self.encoder_bns = nn.ModuleList(), nn.ModuleList()
        width = emb + 10
        for i, t in enumerate(targets):
            h = heads if i == 0 and heads > 1 and t % heads == 0 else 1
            self.encoder_layers.append(GATConv(width, t // h, heads=h))
            self.encoder_bns.append(nn.BatchNorm1d(t))
            width = t
        self.z_mean, self.z_logvar = nn.Linear(width, latent), nn.Linear(width, latent)
        self.decoder_layers, self.decoder_bns = nn.ModuleList(), nn.ModuleList()
        width = latent
        for t in list(reversed(targets))[:-1]:
            h = 4 if t % 4 == 0 else 1
            self.decoder_layers.append(GATConv(width, t // h, heads=h))
            self.decoder_bns.append(nn.BatchNorm1d(t // h * h))
            width = t // h * h
        self.decoder_layers.append(GATConv(width, 10, heads=1))
        self.canid_classifier = nn.Linear(latent, num_ids)
        self.neighborhood_decoder = nn.Sequential(
            nn.Linear(latent, latent), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(latent, latent), nn.ReLU(), nn.Dropout(dropout), nn.Linear(latent, num_ids))

    def forward(self, x, edge_index, batch):
        """Eval mode decodes the mean (kdgat's evaluation); training samples z as the reference."""
        drop = lambda t: F.dropout(t, self.dropout, self.training)
        h = torch.cat([self.id_embedding(x[:, 0].long()), x[:, 1:]], 1)
        for conv, bn in zip(self.encoder_layers, self.encoder_bns):
            h = drop(F.relu(bn(conv(h, edge_index))))
        mu, logvar = self.z_mean(h), self.z_logvar(h).clamp(-20, 20)
        kl = -0.5 * torch.mean(1 + logvar - mu.pow(2) - logvar.exp())
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar) if self.training else mu
        d = z
        for conv, bn in zip(self.decoder_layers[:-1], self.decoder_bns):
            d = drop(F.relu(bn(conv(d, edge_index))))
        cont = torch.sigmoid(self.decoder_layers[-1](d, edge_index))
        return {"cont": cont, "canid_logits": self.canid_classifier(z),
                "nbr_logits": self.neighborhood_decoder(z), "mu": mu, "kl": kl}


class Conv(nn.Module):
    def __init__(self, concat):
        super().__init__()
        self.conv = GATConv(11, 8, heads=3, concat=concat)

    def forward(self, x, edge_index, batch):
        return {"out": self.conv(x, edge_index)}


def model(case, out):
    """The case's model, with the preset sizes kdgat wrote to {case}.arch.json."""
    if case.startswith("gatconv"):
        return Conv(case.endswith("concat"))
    arch = json.loads((out / f"{case}.arch.json").read_text())
    return (Gat if case.startswith("gat_") else Vgae)(**arch)


def state(m):
    # GATConv's own module prefix is the case's root in kdgat (a bare layer).
    return {k.removeprefix("conv."): v.contiguous() for k, v in m.state_dict().items()}


def load(m, weights):
    if isinstance(m, Conv):
        weights = {f"conv.{k}": v for k, v in weights.items()}
    m.load_state_dict(weights, strict=True)


def compare(case, label, ours, theirs):
    worst = 0.0
    for name, want in theirs.items():
        got = ours[name]
        assert got.shape == want.shape, f"{case} {name}: shape {tuple(got.shape)} vs {tuple(want.shape)}"
        rel = ((got - want).abs().max() / want.abs().max().clamp_min(1e-12)).item()
        worst = max(worst, rel)
        print(f"{case:15} {label:24} {name:13} max rel diff {rel:.2e}")
    return worst


def main():
    mode, out = sys.argv[1], Path(sys.argv[2])
    cases = ["gatconv_concat", "gatconv_mean", "gat_teacher", "gat_student", "vgae_teacher", "vgae_student"]
    worst = 0.0
    for i, case in enumerate(cases):
        inputs = load_file(out / f"{case}.inputs.safetensors")
        args = (inputs["x"] if not case.startswith("gatconv") else inputs["x"][:, :11],
                inputs["edge_index"], inputs["batch"])
        m = model(case, out).eval()
        if mode == "compare":
            load(m, load_file(out / f"{case}.weights.safetensors"))
            with torch.no_grad():
                worst = max(worst, compare(case, "kdgat weights", load_file(out / f"{case}.ours.safetensors"), m(*args)))
            torch.manual_seed(2000 + i)
            fresh = model(case, out).eval()
            save_file(state(fresh), out / f"{case}.pyg_weights.safetensors")
        else:  # compare-back
            load(m, load_file(out / f"{case}.pyg_weights.safetensors"))
            with torch.no_grad():
                worst = max(worst, compare(case, "PyG weights", load_file(out / f"{case}.ours_on_pyg.safetensors"), m(*args)))
    print(f"worst max rel diff: {worst:.2e} (tolerance {TOLERANCE:.0e})")
    sys.exit(0 if worst <= TOLERANCE else 1)


if __name__ == "__main__":
    main()
