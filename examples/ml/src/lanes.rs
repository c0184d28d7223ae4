//! The one multiply-add every kernel uses, and the name of the instruction set it compiles to.
//! Choosing the instruction here, once, keeps the single-digit path and the batched GEMM on
//! the same arithmetic, so within one build they agree bit for bit.
//!
//! - `relaxed-simd` (`offload build --relaxed-simd`): `f32x4.relaxed_madd`, which V8 lowers to
//!   a fused multiply-add where the CPU has one (one rounding instead of two). Results may
//!   differ from the simd128 build in the last bits; they never differ in order of summation.
//! - `simd128`: a multiply then an add (SIMD128 has no fused form, and Rust never fuses).
//! - anywhere else (the native bench): plain f32 arithmetic, also unfused.

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub use wasm::*;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod wasm {
    pub use core::arch::wasm32::v128;
    use core::arch::wasm32::*;

    #[inline(always)]
    pub unsafe fn load(p: *const f32) -> v128 {
        v128_load(p as *const v128)
    }

    /// `acc + a * b`, fused where the build has relaxed SIMD.
    #[cfg(target_feature = "relaxed-simd")]
    #[inline(always)]
    pub fn madd(a: v128, b: v128, acc: v128) -> v128 {
        f32x4_relaxed_madd(a, b, acc)
    }

    /// `acc + a * b`, two roundings (SIMD128 has no fused multiply-add).
    #[cfg(not(target_feature = "relaxed-simd"))]
    #[inline(always)]
    pub fn madd(a: v128, b: v128, acc: v128) -> v128 {
        f32x4_add(acc, f32x4_mul(a, b))
    }

    /// `relu?(acc + bias)`: how every layer finishes an output.
    #[inline(always)]
    pub unsafe fn finish(acc: v128, bias: *const f32, relu: bool) -> v128 {
        let v = f32x4_add(acc, load(bias));
        if relu { f32x4_max(v, f32x4_splat(0.0)) } else { v }
    }
}

/// The instruction set the kernels were compiled for, as `kernelInfo()` reports it.
pub const VARIANT: &str = if cfg!(all(target_arch = "wasm32", target_feature = "relaxed-simd")) {
    "relaxed-simd"
} else if cfg!(all(target_arch = "wasm32", target_feature = "simd128")) {
    "simd128"
} else {
    "scalar"
};

/// Scalar `relu?(acc + bias)`, the same operations as the SIMD `finish`.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
#[inline(always)]
pub fn finish_scalar(acc: f32, bias: f32, relu: bool) -> f32 {
    let v = acc + bias;
    if relu { v.max(0.0) } else { v }
}
