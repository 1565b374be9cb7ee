//! libtorch is really linked and computes: a forward and backward pass on CPU through tch.
#![cfg(feature = "train")]

use kdgat_jobs::torch::select_device;
use tch::{Kind, Tensor};

#[test]
fn matmul_and_autograd_run_on_cpu() {
    let device = select_device("cpu").unwrap();
    let a = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0])
        .view([2, 2])
        .to_device(device);
    let w = Tensor::from_slice(&[0.5f32, -1.0, 2.0, 0.25])
        .view([2, 2])
        .set_requires_grad(true);
    let y = a.matmul(&w).sum(Kind::Float);
    y.backward();
    // a @ w = [[4.5, -0.5], [9.5, -2.0]], summing to 11.5; dy/dw[k][j] = sum_i a[i][k]: [4, 4], [6, 6].
    assert_eq!(f64::try_from(&y).unwrap(), 11.5);
    let grad: Vec<f32> = Vec::try_from(w.grad().flatten(0, -1)).unwrap();
    assert_eq!(grad, vec![4.0, 4.0, 6.0, 6.0]);
}

#[test]
fn cuda_request_falls_back_to_cpu_without_a_gpu_and_bad_names_fail() {
    let device = select_device("cuda").unwrap();
    assert_eq!(device.is_cuda(), tch::Cuda::is_available());
    assert!(select_device("tpu").is_err());
    if !tch::Cuda::is_available() {
        assert!(select_device("cuda:0").is_err());
    }
}
