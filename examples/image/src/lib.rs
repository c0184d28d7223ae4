//! Photo kernels for offload: thumbnails (JPEG/PNG in, Lanczos3, JPEG out), grayscale and
//! Gaussian blur. The kernels live in plain Rust modules (also used by native-bench); this
//! file only adapts them to JavaScript: bytes in, bytes out, errors as JS `Error`s.
use wasm_bindgen::prelude::*;

pub mod decode;
pub mod error;
pub mod filters;
pub mod thumbnail;

/// Only in `offload build --threads`: rayon's pool for the blur, started by offload's `load()`
/// (wasm-bindgen-rayon's documented set-up). A plain build has no atomics, and rayon then
/// runs the same code on the calling thread.
#[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
pub use wasm_bindgen_rayon::init_thread_pool;

fn js(error: error::KernelError) -> JsError {
    JsError::new(&error.0)
}

/// A JPEG thumbnail of a JPEG or PNG image: the longer side becomes `max_side` (never
/// enlarged), resampled with Lanczos3, encoded at `quality` (1-100).
#[wasm_bindgen]
pub fn thumbnail(bytes: &[u8], max_side: u32, quality: u8) -> Result<Vec<u8>, JsError> {
    thumbnail::thumbnail(bytes, max_side, quality).map_err(js)
}

/// `[width, height]` of a JPEG or PNG image, read from its header.
#[wasm_bindgen]
pub fn dimensions(bytes: &[u8]) -> Result<Vec<u32>, JsError> {
    decode::dimensions(bytes).map(|(w, h)| vec![w, h]).map_err(js)
}

/// The pixels of a JPEG or PNG image as RGBA, row by row (use `dimensions` for the size).
#[wasm_bindgen]
pub fn decode(bytes: &[u8]) -> Result<Vec<u8>, JsError> {
    decode::decode(bytes, true).map(|p| p.data).map_err(js)
}

/// Luma of RGBA pixels, one byte per pixel (BT.709 weights).
#[wasm_bindgen]
pub fn grayscale(rgba: &[u8], width: u32, height: u32) -> Result<Vec<u8>, JsError> {
    filters::grayscale(rgba, width, height).map_err(js)
}

/// Gaussian blur of RGBA pixels with standard deviation `sigma` (edges clamped).
#[wasm_bindgen]
pub fn blur(rgba: &[u8], width: u32, height: u32, sigma: f32) -> Result<Vec<u8>, JsError> {
    filters::blur(rgba, width, height, sigma).map_err(js)
}

/// How many threads the blur's rows are spread over: rayon's pool, as offload started it
/// (`threadsPerInstance`) in a `--threads` build, and 1 in a plain one.
#[wasm_bindgen]
pub fn blur_threads() -> u32 {
    rayon::current_num_threads() as u32
}

/// Runs once per instance: Rust panics then reach JavaScript with their message and location.
#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}
