// Thumbnail: decode, Lanczos3 down to fit a max_side square (aspect kept), encode JPEG.
use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use jpeg_encoder::{ColorType, Encoder};

use crate::decode::{decode, decode_jpeg_reduced, dimensions, Pixels};

/// How much larger than the thumbnail a reduced JPEG decode must stay, so that Lanczos3 still
/// does real downsampling (and its anti-aliasing) after the DCT-domain shrink.
const REDUCED_DECODE_MARGIN: u32 = 2;
use crate::error::{fail, KernelError};

/// The thumbnail's size: the longer side becomes `max_side`; never enlarged.
pub fn fit_inside(width: u32, height: u32, max_side: u32) -> (u32, u32) {
    let longer = width.max(height);
    if longer <= max_side {
        return (width, height);
    }
    let scale = |side: u32| ((side as u64 * max_side as u64 + longer as u64 / 2) / longer as u64).max(1) as u32;
    (scale(width), scale(height))
}

pub fn resize_rgb(src: &Pixels, width: u32, height: u32) -> Result<Vec<u8>, KernelError> {
    if (width, height) == (src.width, src.height) {
        return Ok(src.data.clone());
    }
    let view = ImageRef::new(src.width, src.height, &src.data, PixelType::U8x3)
        .map_err(|e| KernelError(format!("cannot resize: {e}")))?;
    let mut dst = Image::new(width, height, PixelType::U8x3);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    Resizer::new()
        .resize(&view, &mut dst, &options)
        .map_err(|e| KernelError(format!("cannot resize: {e}")))?;
    Ok(dst.into_vec())
}

pub fn encode_jpeg(rgb: &[u8], width: u32, height: u32, quality: u8) -> Result<Vec<u8>, KernelError> {
    let (w, h) = match (u16::try_from(width), u16::try_from(height)) {
        (Ok(w), Ok(h)) => (w, h),
        _ => return fail(format!("{width}x{height} is too large for JPEG (65535 pixels a side at most)")),
    };
    let mut out = Vec::with_capacity(rgb.len() / 8);
    Encoder::new(&mut out, quality)
        .encode(rgb, w, h, ColorType::Rgb)
        .map_err(|e| KernelError(format!("cannot encode JPEG: {e}")))?;
    Ok(out)
}

pub fn thumbnail(bytes: &[u8], max_side: u32, quality: u8) -> Result<Vec<u8>, KernelError> {
    if max_side == 0 {
        return fail("max_side must be at least 1");
    }
    if !(1..=100).contains(&quality) {
        return fail(format!("quality must be 1 to 100, got {quality}"));
    }
    let (full_w, full_h) = dimensions(bytes)?;
    let (w, h) = fit_inside(full_w, full_h, max_side);
    let reduced = decode_jpeg_reduced(bytes, w * REDUCED_DECODE_MARGIN, h * REDUCED_DECODE_MARGIN)?;
    let src = match reduced {
        Some(pixels) => pixels,
        None => decode(bytes, false)?,
    };
    let rgb = resize_rgb(&src, w, h)?;
    encode_jpeg(&rgb, w, h, quality)
}
