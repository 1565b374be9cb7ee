//! libtorch start-up: make the CUDA backend visible to tch, and pick the device a config asks for.
//!
//! rustc links with `--as-needed`, which drops `libtorch_cuda.so` because no symbol of it is referenced
//! directly, and then `tch::Cuda::is_available()` is false even on a GPU machine. Loading the library
//! by hand before the first tch call registers the CUDA backend. On a CPU-only machine the load fails
//! harmlessly and everything runs on CPU.

use std::ffi::CStr;
use std::sync::OnceLock;

/// A device request that cannot be met.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    /// The `device` field names no device tch knows.
    #[error("device `{0}`: expected cpu, cuda or cuda:N")]
    Unknown(String),
    /// CUDA was asked for by index and is not there.
    #[error("device `{requested}`: CUDA is not available ({available} devices)")]
    Unavailable {
        /// The request.
        requested: String,
        /// How many CUDA devices there are.
        available: i64,
    },
}

/// Loads `libtorch_cuda.so` once (see the module docs); returns whether it loaded.
pub fn load_cuda_backend() -> bool {
    static LOADED: OnceLock<bool> = OnceLock::new();
    *LOADED.get_or_init(|| dlopen_global(c"libtorch_cuda.so"))
}

#[expect(unsafe_code, reason = "dlopen has no safe wrapper in libc")]
fn dlopen_global(name: &CStr) -> bool {
    // SAFETY: `name` is a valid NUL-terminated string; the handle is deliberately never closed, so the
    // library stays loaded for the life of the process, as libtorch expects.
    let handle = unsafe { libc::dlopen(name.as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL) };
    !handle.is_null()
}

/// The device for a config's `device` field: `cpu`, `cuda` (falls back to CPU when no GPU is there,
/// as the reference's default config is `cuda` everywhere) or `cuda:N` (must exist).
pub fn select_device(requested: &str) -> Result<tch::Device, DeviceError> {
    load_cuda_backend();
    match requested {
        "cpu" => Ok(tch::Device::Cpu),
        "cuda" | "gpu" => Ok(tch::Device::cuda_if_available()),
        other => {
            let index = other
                .strip_prefix("cuda:")
                .and_then(|i| i.parse::<usize>().ok())
                .ok_or_else(|| DeviceError::Unknown(other.to_string()))?;
            let available = tch::Cuda::device_count();
            if (index as i64) < available {
                Ok(tch::Device::Cuda(index))
            } else {
                Err(DeviceError::Unavailable {
                    requested: other.to_string(),
                    available,
                })
            }
        }
    }
}
