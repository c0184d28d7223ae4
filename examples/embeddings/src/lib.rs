//! Sentence embeddings with all-MiniLM-L6-v2: the model's own pipeline (modules.json) of a
//! BERT encoder (candle-transformers), mean pooling over the real tokens, and L2
//! normalisation, with the model's WordPiece tokenizer (the `tokenizers` crate).
//!
//! The weights (90 MB) are not in the module: they are passed once to `Embedder::new` (or to
//! `init`, for the plain functions `offload serve` hosts: see served.rs) and kept in the
//! instance, so every later call reuses them.
//!
//! The same source builds two packages: `offload build` (one thread) and `offload build
//! --threads` (rayon's pool on wasm threads), where a batch's length groups run in parallel.

mod encoder;
mod lanes;
mod pooling;
mod served;
mod text;

use encoder::Encoder;
use wasm_bindgen::prelude::*;

// offload's load() calls it with the instance's thread count; only threaded builds have it.
#[cfg(target_feature = "atomics")]
pub use wasm_bindgen_rayon::init_thread_pool;

/// The most sentences one `embed_batch` call takes: a batch is padded to its longest
/// sentence, so an unbounded one could ask for unbounded memory.
pub const MAX_BATCH: usize = 256;

/// Sentences run through the encoder together, after sorting a batch by length: each group is
/// padded only to its own longest sentence, so short sentences do not pay for long ones.
const LENGTH_GROUP: usize = 8;

#[wasm_bindgen]
pub struct Embedder {
    encoder: Encoder,
    tokenizer: text::SentenceTokenizer,
}

#[wasm_bindgen]
impl Embedder {
    /// Loads the model from the files of its package: `model.safetensors` (bytes),
    /// `config.json`, `tokenizer.json` and `sentence_bert_config.json` (text).
    #[wasm_bindgen(constructor)]
    pub fn new(
        weights: &[u8],
        config_json: &str,
        tokenizer_json: &str,
        sentence_bert_config_json: &str,
    ) -> Result<Embedder, JsError> {
        console_error_panic_hook::set_once();
        let tokenizer = text::SentenceTokenizer::new(tokenizer_json, sentence_bert_config_json)
            .map_err(|e| JsError::new(&e))?;
        let encoder = Encoder::new(weights, config_json).map_err(|e| JsError::new(&e))?;
        Ok(Embedder { encoder, tokenizer })
    }

    /// The 384 numbers of one sentence's embedding, L2-normalised.
    pub fn embed(&self, #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue) -> Result<Vec<f32>, JsError> {
        let text = text::expect_string(&text, "text")?;
        self.embed_texts(&[text])
    }

    /// The embeddings of up to MAX_BATCH sentences, back to back (sentences x 384).
    #[wasm_bindgen(js_name = embed_batch)]
    pub fn embed_batch(&self, #[wasm_bindgen(unchecked_param_type = "string[]")] texts: Vec<JsValue>) -> Result<Vec<f32>, JsError> {
        if texts.len() > MAX_BATCH {
            return Err(JsError::new(&format!(
                "a batch holds at most {MAX_BATCH} sentences, got {}; split it into several calls",
                texts.len()
            )));
        }
        let texts = texts
            .iter()
            .enumerate()
            .map(|(i, t)| text::expect_string(t, &format!("texts[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        self.embed_texts(&texts)
    }

    /// The cosine similarity of two sentences' embeddings, in [-1, 1].
    pub fn similarity(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] a: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] b: JsValue,
    ) -> Result<f32, JsError> {
        let pair = [text::expect_string(&a, "a")?, text::expect_string(&b, "b")?];
        let both = self.embed_texts(&pair)?;
        let (x, y) = both.split_at(self.encoder.hidden_size());
        Ok(pooling::dot(x, y))
    }

    /// The token ids the model sees for a sentence ([CLS] ... [SEP], truncated to the
    /// model's maximum sequence length), to check against other tokenizers.
    pub fn tokenize(&self, #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue) -> Result<Vec<u32>, JsError> {
        let text = text::expect_string(&text, "text")?;
        Ok(self.tokenizer.encode_one(&text).map_err(|e| JsError::new(&e))?)
    }

    /// The length of each embedding (384 for this model).
    #[wasm_bindgen(getter)]
    pub fn dimensions(&self) -> u32 {
        self.encoder.hidden_size() as u32
    }

    /// The most tokens a sentence keeps, [CLS] and [SEP] included.
    #[wasm_bindgen(getter, js_name = maxTokens)]
    pub fn max_tokens(&self) -> u32 {
        self.tokenizer.max_tokens() as u32
    }
}

impl Embedder {
    /// Native callers (the native benchmark) and the wasm exports share this path.
    pub fn embed_texts<S: AsRef<str>>(&self, texts: &[S]) -> Result<Vec<f32>, JsError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let dims = self.encoder.hidden_size();
        let mut groups = self.tokenizer.encode_by_length(texts, LENGTH_GROUP).map_err(|e| JsError::new(&e))?;
        // The groups come shortest first; their cost grows with their length. They are
        // independent: on rayon's threads in the threaded build, one after the other on the
        // calling thread in the single-thread one; the groups, so the results, are the same in
        // both. JsError cannot cross threads, so errors travel as text.
        groups.reverse();
        let pooled = lanes::largest_first(&groups, |(_, batch)| {
            let hidden = self.encoder.forward(batch)?;
            pooling::mean_normalised(&hidden, batch).map_err(|e| e.to_string())
        })
        .map_err(|e| JsError::new(&e))?;
        let mut embeddings = vec![0f32; texts.len() * dims];
        for ((rows, _), pooled) in groups.iter().zip(pooled) {
            for (j, &row) in rows.iter().enumerate() {
                embeddings[row * dims..(row + 1) * dims].copy_from_slice(&pooled[j * dims..(j + 1) * dims]);
            }
        }
        Ok(embeddings)
    }
}
