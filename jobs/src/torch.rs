//! libtorch start-up: make the CUDA backend visible to tch, keep the C allocator from returning
//! libtorch's large tensors to the kernel between steps, and pick the device a config asks for.
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

/// Keeps freed large blocks in the process (glibc `mallopt`): by default glibc serves every
/// allocation above a threshold (at most 32 MiB by its own adjustment) with a fresh `mmap` and
/// returns it with `munmap` when freed, so each training step's large activations are page-faulted
/// and zeroed by the kernel again — a third of a CPU epoch's time went to that (system time 22 s of
/// a 50 s GAT-teacher epoch, 4 s after this). Blocks up to 2 GiB now come from the heap and freed
/// memory stays for the next step; the process's resident size stays at its peak, which is what the
/// job's memory request must cover anyway. Returns whether glibc took both settings; a no-op
/// elsewhere.
pub fn keep_freed_memory() -> bool {
    static TUNED: OnceLock<bool> = OnceLock::new();
    *TUNED.get_or_init(tune_glibc_malloc)
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[expect(unsafe_code, reason = "mallopt has no safe wrapper in libc")]
fn tune_glibc_malloc() -> bool {
    const LARGE: libc::c_int = libc::c_int::MAX;
    // SAFETY: mallopt only changes allocator parameters; it is called once, before the stage
    // allocates its tensors (blocks allocated earlier are freed as they were).
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, LARGE) == 1
            && libc::mallopt(libc::M_TRIM_THRESHOLD, LARGE) == 1
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_glibc_malloc() -> bool {
    false
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
