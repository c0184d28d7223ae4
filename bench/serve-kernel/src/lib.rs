//! The benchmark's compute endpoint: escape-time Mandelbrot over a square grid (the same
//! loop as the pure-JS baseline in bench/serve.ts), plus the faults for the fault run.
use std::hint::black_box;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

/// Total escape iterations over a `size` x `size` grid of [-2, 1] x [-1.5, 1.5].
#[wasm_bindgen]
pub fn mandelbrot(size: u32, max_iter: u32) -> u32 {
    let mut total: u32 = 0;
    let step = 3.0 / size as f64;
    for py in 0..size {
        let ci = -1.5 + py as f64 * step;
        for px in 0..size {
            let cr = -2.0 + px as f64 * step;
            let (mut zr, mut zi) = (0.0f64, 0.0f64);
            let mut n = 0;
            while n < max_iter && zr * zr + zi * zi <= 4.0 {
                let t = zr * zr - zi * zi + cr;
                zi = 2.0 * zr * zi + ci;
                zr = t;
                n += 1;
            }
            total = total.wrapping_add(n);
        }
    }
    total
}

#[wasm_bindgen]
pub fn fail(message: &str) -> u32 {
    panic!("bench fault: {message}");
}

/// Never returns: only the timeout stops it.
#[wasm_bindgen]
pub fn spin() -> u32 {
    let mut x: u32 = 1;
    loop {
        x = black_box(x.wrapping_mul(31).wrapping_add(7));
        if x == 0 {
            return x;
        }
    }
}
