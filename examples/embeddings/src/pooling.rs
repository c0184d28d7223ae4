//! modules.json's steps after the encoder: mean pooling over the tokens the attention mask
//! keeps (1_Pooling/config.json: pooling_mode_mean_tokens), then L2 normalisation.

use crate::text::Batch;
use candle_core::Tensor;

pub fn mean_normalised(hidden: &Tensor, batch: &Batch) -> candle_core::Result<Vec<f32>> {
    if batch.sentences == 0 {
        return Ok(Vec::new());
    }
    let values: Vec<f32> = hidden.flatten_all()?.to_vec1()?;
    let width = values.len() / (batch.sentences * batch.tokens);
    let mut out = vec![0f32; batch.sentences * width];
    for s in 0..batch.sentences {
        let row = &mut out[s * width..(s + 1) * width];
        let mut kept = 0f32;
        for t in 0..batch.tokens {
            if batch.mask[s * batch.tokens + t] == 0 {
                continue;
            }
            kept += 1.0;
            let token = &values[(s * batch.tokens + t) * width..][..width];
            row.iter_mut().zip(token).for_each(|(r, v)| *r += v);
        }
        // sentence-transformers clamps the count at 1e-9 and the norm at 1e-12.
        let kept = kept.max(1e-9);
        row.iter_mut().for_each(|r| *r /= kept);
        let norm = dot(row, row).sqrt().max(1e-12);
        row.iter_mut().for_each(|r| *r /= norm);
    }
    Ok(out)
}

pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
