//! Handwritten digit recognition: a 784-128-64-10 perceptron trained on real MNIST digits
//! (train/train.py), its weights embedded in the module. Inputs are 28x28 grey pixels scaled
//! to [0, 1], row-major; a batch is samples back to back.

mod dense;
mod gemm;
mod lanes;
pub mod model;

use model::Mlp;
use std::sync::OnceLock;
use wasm_bindgen::prelude::*;

// wasm-bindgen-rayon's documented set-up; offload's load() calls it for threaded builds.
// Only `offload build --threads` has atomics: the crate refuses to compile without them,
// and without them rayon runs every task on the calling thread.
#[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
pub use wasm_bindgen_rayon::init_thread_pool;

static WEIGHTS: &[u8] = include_bytes!("../model/weights.bin");

/// The network, parsed from the embedded weights on first use.
pub fn network() -> &'static Mlp {
    static NET: OnceLock<Mlp> = OnceLock::new();
    NET.get_or_init(|| Mlp::parse(WEIGHTS).expect("embedded weights.bin is valid"))
}

fn check_length(pixels: &[f32], samples: usize) -> Result<(), String> {
    let inputs = network().inputs();
    match samples.checked_mul(inputs) {
        Some(expected) if expected == pixels.len() => Ok(()),
        _ => Err(format!(
            "expected {samples} x {inputs} = {} pixels (28x28 per digit, scaled to [0, 1]), got {}",
            samples as u128 * inputs as u128,
            pixels.len()
        )),
    }
}

/// The class (0-9) of one digit.
#[wasm_bindgen]
pub fn predict(pixels: &[f32]) -> Result<u32, JsError> {
    check_length(pixels, 1).map_err(|e| JsError::new(&e))?;
    Ok(network().predict(pixels))
}

/// The classes of `n` digits given back to back.
#[wasm_bindgen(js_name = predictBatch)]
pub fn predict_batch(pixels: &[f32], n: u32) -> Result<Vec<u32>, JsError> {
    check_length(pixels, n as usize).map_err(|e| JsError::new(&e))?;
    Ok(network().predict_batch(pixels, n as usize))
}

/// The probability of each class (softmax of the logits) for one digit.
#[wasm_bindgen]
pub fn probabilities(pixels: &[f32]) -> Result<Vec<f32>, JsError> {
    check_length(pixels, 1).map_err(|e| JsError::new(&e))?;
    let mut out = network().logits_batch(pixels, 1);
    model::softmax(&mut out);
    Ok(out)
}

/// The raw scores of `n` digits (n x 10, row-major), to compare with other runtimes.
#[wasm_bindgen(js_name = logitsBatch)]
pub fn logits_batch(pixels: &[f32], n: u32) -> Result<Vec<f32>, JsError> {
    check_length(pixels, n as usize).map_err(|e| JsError::new(&e))?;
    Ok(network().logits_batch(pixels, n as usize))
}

/// The network's shape, as JSON: {"inputs":784,"layers":[128,64,10],"parameters":...}.
#[wasm_bindgen(js_name = modelInfo)]
pub fn model_info() -> String {
    let net = network();
    let widths: Vec<String> = net.layers.iter().map(|l| l.outputs.to_string()).collect();
    let parameters: usize = net.layers.iter().map(|l| l.inputs * l.outputs + l.outputs).sum();
    format!(r#"{{"inputs":{},"layers":[{}],"parameters":{}}}"#, net.inputs(), widths.join(","), parameters)
}

/// How this build computes, as JSON: {"simd":"relaxed-simd"|"simd128"|"scalar","threads":N},
/// N being the threads rayon spreads a batch over (1 in a build without threads).
#[wasm_bindgen(js_name = kernelInfo)]
pub fn kernel_info() -> String {
    format!(r#"{{"simd":"{}","threads":{}}}"#, lanes::VARIANT, rayon::current_num_threads())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_weights_parse() {
        let net = network();
        assert_eq!(net.inputs(), 784);
        assert_eq!(net.classes(), 10);
    }

    #[test]
    fn batch_equals_single_bit_for_bit() {
        // Deterministic pseudo-pixels; 53 samples exercise a whole block, full row tiles and a
        // partial one.
        let mut seed = 1u32;
        let x: Vec<f32> = (0..53 * 784)
            .map(|_| {
                seed = seed.wrapping_mul(1664525).wrapping_add(1013904223);
                (seed >> 24) as f32 / 255.0
            })
            .collect();
        let batch = network().logits_batch(&x, 53);
        for s in 0..53 {
            let mut one = [0.0; 10];
            network().logits(&x[s * 784..(s + 1) * 784], &mut one);
            assert_eq!(&batch[s * 10..(s + 1) * 10], &one[..]);
        }
    }

    #[test]
    fn rejects_wrong_length() {
        assert!(check_length(&[0.0; 783], 1).is_err());
        assert!(check_length(&[0.0; 784 * 2], 2).is_ok());
        assert!(check_length(&[0.0; 784], u32::MAX as usize).is_err());
    }
}

/// Runs once per instance: Rust panics then reach JavaScript with their message and location.
#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}
