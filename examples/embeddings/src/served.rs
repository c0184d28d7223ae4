//! The same model as plain functions, for `offload serve`: HTTP calls spread over a pool of
//! instances, so the model cannot live in one object the caller holds. Instead `init` runs once
//! in every instance as it starts (offload's `init` load option, or `init` in the serve
//! config), before any call, and keeps the model, and the search index, in the instance.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

use crate::{pooling, Embedder, MAX_BATCH};

/// The most hits one search returns.
pub const MAX_K: u32 = 50;

struct Index {
    /// One JSON object per paragraph: `{"document": ..., "text": ...}`.
    paragraphs: Vec<serde_json::Map<String, serde_json::Value>>,
    /// paragraphs x dimensions, unit length.
    vectors: Vec<f32>,
}

thread_local! {
    static MODEL: RefCell<Option<Embedder>> = const { RefCell::new(None) };
    static INDEX: RefCell<Option<Index>> = const { RefCell::new(None) };
}

/// Loads the model and the search index into this instance; offload calls it once per
/// instance before any other call. `corpus_json` lists the indexed paragraphs
/// (`[{"document", "text"}]`); `corpus_vectors` holds their embeddings, as little-endian f32.
#[wasm_bindgen]
pub fn init(
    weights: &[u8],
    config_json: &str,
    tokenizer_json: &str,
    sentence_bert_config_json: &str,
    corpus_json: &str,
    corpus_vectors: &[u8],
) -> Result<(), JsError> {
    let embedder = Embedder::new(weights, config_json, tokenizer_json, sentence_bert_config_json)?;
    let dimensions = embedder.dimensions() as usize;
    let paragraphs: Vec<serde_json::Map<String, serde_json::Value>> =
        serde_json::from_str(corpus_json).map_err(|e| JsError::new(&format!("corpus_json: {e}")))?;
    let vectors: Vec<f32> = corpus_vectors.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    if corpus_vectors.len() % 4 != 0 || vectors.len() != paragraphs.len() * dimensions {
        return Err(JsError::new(&format!(
            "corpus_vectors holds {} bytes, not {} paragraphs x {dimensions} f32; rebuild the index",
            corpus_vectors.len(),
            paragraphs.len()
        )));
    }
    MODEL.with(|m| *m.borrow_mut() = Some(embedder));
    INDEX.with(|i| *i.borrow_mut() = Some(Index { paragraphs, vectors }));
    Ok(())
}

fn with_model<T>(f: impl FnOnce(&Embedder) -> Result<T, JsError>) -> Result<T, JsError> {
    MODEL.with(|m| match m.borrow().as_ref() {
        Some(embedder) => f(embedder),
        None => Err(JsError::new("the model is not loaded: call init(...) first (offload does, with the init option)")),
    })
}

/// The 384 numbers of one sentence's embedding, L2-normalised.
#[wasm_bindgen]
pub fn embed(text: String) -> Result<Vec<f32>, JsError> {
    with_model(|m| m.embed_texts(&[text]))
}

/// The embeddings of up to 256 sentences, back to back: sentence i is numbers
/// i*384 .. (i+1)*384.
#[wasm_bindgen]
pub fn embed_batch(texts: Vec<String>) -> Result<Vec<f32>, JsError> {
    if texts.len() > MAX_BATCH {
        return Err(JsError::new(&format!("a batch holds at most {MAX_BATCH} sentences, got {}; split it into several calls", texts.len())));
    }
    with_model(|m| m.embed_texts(&texts))
}

/// The cosine similarity of two sentences' embeddings, in [-1, 1].
#[wasm_bindgen]
pub fn similarity(a: String, b: String) -> Result<f32, JsError> {
    with_model(|m| {
        let both = m.embed_texts(&[a, b])?;
        let (x, y) = both.split_at(m.dimensions() as usize);
        Ok(pooling::dot(x, y))
    })
}

/// The `k` (1 to 50) indexed paragraphs nearest to the query, most similar first:
/// `[{"document", "text", "score"}]`.
#[wasm_bindgen]
pub fn search(query: String, k: u32) -> Result<js_sys::Array, JsError> {
    if k == 0 || k > MAX_K {
        return Err(JsError::new(&format!("k must be between 1 and {MAX_K}, got {k}")));
    }
    let q = embed(query)?;
    INDEX.with(|index| {
        let index = index.borrow();
        let index = index.as_ref().ok_or_else(|| JsError::new("the search index is not loaded: call init(...) first"))?;
        let mut scored: Vec<(usize, f32)> =
            index.vectors.chunks_exact(q.len()).map(|row| pooling::dot(row, &q)).enumerate().collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1));
        let hits = js_sys::Array::new();
        for (i, score) in scored.into_iter().take(k as usize) {
            let mut hit = index.paragraphs[i].clone();
            hit.insert("score".into(), serde_json::Value::from(score as f64));
            let json = serde_json::to_string(&hit).map_err(|e| JsError::new(&e.to_string()))?;
            hits.push(&js_sys::JSON::parse(&json).map_err(|_| JsError::new("a hit is not JSON"))?);
        }
        Ok(hits)
    })
}
