// JPEG and PNG to 8-bit RGB or RGBA, whatever the file's own colour type.
use zune_core::bytestream::ZCursor;
use zune_core::colorspace::ColorSpace;
use zune_core::options::DecoderOptions;
use zune_jpeg::JpegDecoder;
use zune_png::PngDecoder;

use crate::error::{fail, KernelError};

/// Decoded pixels: `channels` bytes per pixel, rows top to bottom, no padding.
pub struct Pixels {
    pub width: u32,
    pub height: u32,
    pub channels: u8,
    pub data: Vec<u8>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Jpeg,
    Png,
}

fn sniff(bytes: &[u8]) -> Result<Format, KernelError> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok(Format::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok(Format::Png)
    } else if bytes.is_empty() {
        fail("the image is empty (0 bytes): pass the bytes of a JPEG or PNG file")
    } else {
        fail(format!(
            "unsupported image format (first bytes {:02x?}): pass a JPEG or PNG file",
            &bytes[..bytes.len().min(4)]
        ))
    }
}

/// Width and height from the file's header, without decoding the pixels.
pub fn dimensions(bytes: &[u8]) -> Result<(u32, u32), KernelError> {
    match sniff(bytes)? {
        Format::Jpeg => {
            let mut decoder = JpegDecoder::new(ZCursor::new(bytes));
            decoder.decode_headers().map_err(|e| KernelError(format!("invalid JPEG: {e:?}")))?;
            let (w, h) = decoder.dimensions().ok_or_else(|| KernelError("invalid JPEG: no frame header".into()))?;
            Ok((w as u32, h as u32))
        }
        Format::Png => {
            let mut decoder = PngDecoder::new(ZCursor::new(bytes));
            decoder.decode_headers().map_err(|e| KernelError(format!("invalid PNG: {e:?}")))?;
            let (w, h) = decoder.dimensions().ok_or_else(|| KernelError("invalid PNG: no IHDR".into()))?;
            Ok((w as u32, h as u32))
        }
    }
}

/// Decodes to RGB (`alpha == false`, what JPEG output needs) or RGBA.
pub fn decode(bytes: &[u8], alpha: bool) -> Result<Pixels, KernelError> {
    let want = if alpha { ColorSpace::RGBA } else { ColorSpace::RGB };
    match sniff(bytes)? {
        Format::Jpeg => {
            let options = DecoderOptions::default().jpeg_set_out_colorspace(want);
            let mut decoder = JpegDecoder::new_with_options(ZCursor::new(bytes), options);
            let data = decoder.decode().map_err(|e| KernelError(format!("invalid JPEG: {e:?}")))?;
            let (w, h) = decoder.dimensions().ok_or_else(|| KernelError("invalid JPEG: no frame header".into()))?;
            let got = decoder.output_colorspace().unwrap_or(want);
            to_layout(w as u32, h as u32, got, data, alpha)
        }
        Format::Png => {
            let options = DecoderOptions::default().png_set_strip_to_8bit(true);
            let mut decoder = PngDecoder::new_with_options(ZCursor::new(bytes), options);
            let data = decoder.decode_raw().map_err(|e| KernelError(format!("invalid PNG: {e:?}")))?;
            let (w, h) = decoder.dimensions().ok_or_else(|| KernelError("invalid PNG: no IHDR".into()))?;
            let got = decoder.colorspace().ok_or_else(|| KernelError("invalid PNG: no colour type".into()))?;
            to_layout(w as u32, h as u32, got, data, alpha)
        }
    }
}

/// Converts whatever the decoder produced (grey, grey+alpha, RGB, RGBA) to RGB or RGBA.
/// Alpha is dropped, not composited, when RGB is asked for: thumbnails of photos rarely have any.
fn to_layout(width: u32, height: u32, got: ColorSpace, data: Vec<u8>, alpha: bool) -> Result<Pixels, KernelError> {
    let channels: u8 = if alpha { 4 } else { 3 };
    let pixels = width as usize * height as usize;
    let convert = |src_channels: usize, map: fn(&[u8], &mut [u8])| -> Result<Vec<u8>, KernelError> {
        if data.len() < pixels * src_channels {
            return fail("the decoder returned fewer pixels than the header promised");
        }
        let mut out = vec![255u8; pixels * channels as usize];
        for (src, dst) in data.chunks_exact(src_channels).zip(out.chunks_exact_mut(channels as usize)) {
            map(src, dst);
        }
        Ok(out)
    };
    let out = match (got, alpha) {
        (ColorSpace::RGB, false) | (ColorSpace::RGBA, true) => data,
        (ColorSpace::RGBA, false) => convert(4, |s, d| d.copy_from_slice(&s[..3]))?,
        (ColorSpace::RGB, true) => convert(3, |s, d| d[..3].copy_from_slice(s))?,
        (ColorSpace::Luma, _) => convert(1, |s, d| d[..3].fill(s[0]))?,
        (ColorSpace::LumaA, _) => convert(2, |s, d| {
            d[..3].fill(s[0]);
            if d.len() == 4 {
                d[3] = s[1];
            }
        })?,
        (other, _) => return fail(format!("unsupported colour space {other:?}: use an RGB or greyscale image")),
    };
    if out.len() < pixels * channels as usize {
        return fail("the decoder returned fewer pixels than the header promised");
    }
    Ok(Pixels { width, height, channels, data: out })
}

/// Decodes a JPEG to RGB at a reduced size in the DCT domain: the smallest of 1/1, 1/2, 1/4,
/// 1/8 that keeps the image at least `min_width` wide or `min_height` high. Far less work
/// than a full decode for thumbnails. `None` when the file is not a JPEG this path handles
/// (e.g. CMYK), so the caller falls back to `decode`.
pub fn decode_jpeg_reduced(bytes: &[u8], min_width: u32, min_height: u32) -> Result<Option<Pixels>, KernelError> {
    if sniff(bytes)? != Format::Jpeg {
        return Ok(None);
    }
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    let clamp = |v: u32| v.min(u16::MAX as u32) as u16;
    let (width, height) = decoder
        .scale(clamp(min_width), clamp(min_height))
        .map_err(|e| KernelError(format!("invalid JPEG: {e}")))?;
    let data = decoder.decode().map_err(|e| KernelError(format!("invalid JPEG: {e}")))?;
    let format = decoder.info().map(|info| info.pixel_format);
    let pixels = width as usize * height as usize;
    let data = match format {
        Some(jpeg_decoder::PixelFormat::RGB24) if data.len() >= pixels * 3 => data,
        Some(jpeg_decoder::PixelFormat::L8) if data.len() >= pixels => data[..pixels].iter().flat_map(|&l| [l, l, l]).collect(),
        _ => return Ok(None),
    };
    Ok(Some(Pixels { width: width as u32, height: height as u32, channels: 3, data }))
}
