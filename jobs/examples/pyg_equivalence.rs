//! The Rust half of `scripts/check_pyg_equivalence.sh`: our GATConv, GAT and VGAE on random graphs
//! with random weights, exchanged with PyTorch Geometric through safetensors.
//!
//! - `pyg_equivalence export DIR`: for each case, random weights (every tensor, BatchNorm statistics
//!   included) → `{case}.weights.safetensors`, a random batch of graphs →
//!   `{case}.inputs.safetensors`, our outputs (eval mode; the VGAE decoding its mean) →
//!   `{case}.ours.safetensors`, and the preset's architecture → `{case}.arch.json` (the Python half
//!   builds its models from it).
//! - `pyg_equivalence recompute DIR`: loads `{case}.pyg_weights.safetensors` (PyG's own
//!   initialisation, written by the Python half) by name into our models and writes our outputs on
//!   them to `{case}.ours_on_pyg.safetensors`.

use std::path::{Path, PathBuf};

use kdgat_jobs::config::Preset;
use kdgat_jobs::models::{Edges, GatClassifier, GatConv, Latent, Vgae};
use tch::{Device, Kind, Tensor, nn};

const NUM_IDS: i64 = 50;
const CASES: [&str; 6] = [
    "gatconv_concat",
    "gatconv_mean",
    "gat_teacher",
    "gat_student",
    "vgae_teacher",
    "vgae_student",
];

enum Model {
    Conv(GatConv),
    Gat(GatClassifier),
    Vgae(Vgae),
}

/// The preset architecture of a case, as JSON (the config's model view); null for a bare layer.
fn architecture(case: &str) -> serde_json::Value {
    let preset = |p: &str| p.parse::<Preset>().expect("preset").config();
    match case {
        "gat_teacher" => serde_json::to_value(preset("gat,teacher").gat()),
        "gat_student" => serde_json::to_value(preset("gat,student").gat()),
        "vgae_teacher" => serde_json::to_value(preset("vgae,teacher").vgae()),
        "vgae_student" => serde_json::to_value(preset("vgae,student").vgae()),
        _ => Ok(serde_json::Value::Null),
    }
    .expect("architecture as JSON")
}

fn build(case: &str, root: &nn::Path) -> Model {
    let preset = |p: &str| p.parse::<Preset>().expect("preset").config();
    match case {
        "gatconv_concat" => Model::Conv(GatConv::new(root, 11, 8, 3, true)),
        "gatconv_mean" => Model::Conv(GatConv::new(root, 11, 8, 3, false)),
        "gat_teacher" => Model::Gat(GatClassifier::new(
            root,
            &preset("gat,teacher").gat(),
            NUM_IDS,
        )),
        "gat_student" => Model::Gat(GatClassifier::new(
            root,
            &preset("gat,student").gat(),
            NUM_IDS,
        )),
        "vgae_teacher" => Model::Vgae(Vgae::new(root, &preset("vgae,teacher").vgae(), NUM_IDS)),
        _ => Model::Vgae(Vgae::new(root, &preset("vgae,student").vgae(), NUM_IDS)),
    }
}

/// Three graphs of 5, 8 and 3 nodes with random edges (self-loops and repeats included).
fn inputs(seed: i64) -> Vec<(String, Tensor)> {
    tch::manual_seed(seed);
    let sizes = [5i64, 8, 3];
    let n: i64 = sizes.iter().sum();
    let ids = Tensor::randint(NUM_IDS, [n, 1], (Kind::Float, Device::Cpu));
    let x = Tensor::cat(&[ids, Tensor::rand([n, 10], (Kind::Float, Device::Cpu))], 1);
    let (mut src, mut dst, mut batch) = (Vec::new(), Vec::new(), Vec::new());
    let mut offset = 0;
    for (g, &size) in sizes.iter().enumerate() {
        let edges = Tensor::randint(size, [2, size * 2], (Kind::Int64, Device::Cpu)) + offset;
        src.push(edges.get(0));
        dst.push(edges.get(1));
        batch.push(Tensor::full([size], g as i64, (Kind::Int64, Device::Cpu)));
        offset += size;
    }
    let edge_index = Tensor::stack(&[Tensor::cat(&src, 0), Tensor::cat(&dst, 0)], 0);
    vec![
        ("x".into(), x),
        ("edge_index".into(), edge_index),
        ("batch".into(), Tensor::cat(&batch, 0)),
    ]
}

fn outputs(model: &Model, inputs: &[(String, Tensor)]) -> Vec<(String, Tensor)> {
    let get = |name: &str| &inputs.iter().find(|(n, _)| n == name).expect("input").1;
    let (x, edge_index, batch) = (get("x"), get("edge_index"), get("batch"));
    let edges = Edges::with_self_loops(edge_index, x.size()[0]);
    tch::no_grad(|| match model {
        Model::Conv(conv) => vec![("out".into(), conv.forward(&x.narrow(1, 0, 11), &edges))],
        Model::Gat(gat) => {
            let num_graphs = batch.max().int64_value(&[]) + 1;
            let out = gat.forward(x, &edges, batch, num_graphs, false);
            vec![("logits".into(), out.logits), ("pooled".into(), out.pooled)]
        }
        Model::Vgae(vgae) => {
            let out = vgae.forward(x, &edges, false, Latent::Mean);
            vec![
                ("cont".into(), out.cont),
                ("canid_logits".into(), out.canid_logits),
                ("nbr_logits".into(), out.nbr_logits),
                ("mu".into(), out.mu),
                ("kl".into(), out.kl),
            ]
        }
    })
}

fn save(path: &Path, tensors: &[(String, Tensor)]) {
    Tensor::write_safetensors(tensors, path).expect("write safetensors");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (mode, dir) = match args.as_slice() {
        [_, mode, dir] => (mode.as_str(), PathBuf::from(dir)),
        _ => panic!("usage: pyg_equivalence export|recompute DIR"),
    };
    std::fs::create_dir_all(&dir).expect("output directory");
    for (i, case) in CASES.iter().enumerate() {
        let mut vs = nn::VarStore::new(Device::Cpu);
        let model = build(case, &vs.root());
        match mode {
            "export" => {
                tch::manual_seed(1000 + i as i64);
                tch::no_grad(|| {
                    for (name, mut var) in vs.variables() {
                        let random = if name.ends_with("running_var") {
                            var.rand_like() + 0.5
                        } else {
                            var.randn_like() * 0.3
                        };
                        var.copy_(&random);
                    }
                });
                vs.save(dir.join(format!("{case}.weights.safetensors")))
                    .expect("save weights");
                std::fs::write(
                    dir.join(format!("{case}.arch.json")),
                    architecture(case).to_string(),
                )
                .expect("write architecture");
                let inputs = inputs(i as i64);
                save(&dir.join(format!("{case}.inputs.safetensors")), &inputs);
                save(
                    &dir.join(format!("{case}.ours.safetensors")),
                    &outputs(&model, &inputs),
                );
            }
            "recompute" => {
                vs.load(dir.join(format!("{case}.pyg_weights.safetensors")))
                    .expect("PyG's weights load by name");
                let inputs =
                    Tensor::read_safetensors(dir.join(format!("{case}.inputs.safetensors")))
                        .expect("inputs");
                save(
                    &dir.join(format!("{case}.ours_on_pyg.safetensors")),
                    &outputs(&model, &inputs),
                );
            }
            other => panic!("unknown mode {other}"),
        }
        println!("{mode} {case}");
    }
}
