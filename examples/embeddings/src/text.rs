//! The model's tokenizer, configured as sentence-transformers runs it: tokenizer.json's
//! WordPiece pipeline, truncated to sentence_bert_config.json's `max_seq_length`, and padded
//! only to the longest sentence of a batch (the attention mask hides the padding).

use serde::Deserialize;
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};
use wasm_bindgen::{JsError, JsValue};

#[derive(Deserialize)]
struct SentenceBertConfig {
    max_seq_length: usize,
}

pub struct SentenceTokenizer {
    tokenizer: Tokenizer,
    max_tokens: usize,
}

/// Token ids, type ids and attention mask of a batch, `sentences x tokens`, row-major.
pub struct Batch {
    pub sentences: usize,
    pub tokens: usize,
    pub ids: Vec<u32>,
    pub type_ids: Vec<u32>,
    pub mask: Vec<u32>,
}

impl SentenceTokenizer {
    pub fn new(tokenizer_json: &str, sentence_bert_config_json: &str) -> Result<Self, String> {
        let config: SentenceBertConfig = serde_json::from_str(sentence_bert_config_json)
            .map_err(|e| format!("sentence_bert_config.json: {e}"))?;
        let mut tokenizer = Tokenizer::from_bytes(tokenizer_json.as_bytes()).map_err(|e| format!("tokenizer.json: {e}"))?;
        tokenizer
            .with_truncation(Some(TruncationParams { max_length: config.max_seq_length, ..Default::default() }))
            .map_err(|e| format!("truncation: {e}"))?;
        let pad = tokenizer.get_padding().cloned().unwrap_or_default();
        tokenizer.with_padding(Some(PaddingParams { strategy: PaddingStrategy::BatchLongest, ..pad }));
        Ok(Self { tokenizer, max_tokens: config.max_seq_length })
    }

    pub fn max_tokens(&self) -> usize {
        self.max_tokens
    }

    pub fn encode_one(&self, text: &str) -> Result<Vec<u32>, String> {
        let encoding = self.tokenizer.encode(text, true).map_err(|e| e.to_string())?;
        Ok(encoding.get_ids().to_vec())
    }

    pub fn encode_batch<S: AsRef<str>>(&self, texts: &[S]) -> Result<Batch, String> {
        if texts.is_empty() {
            return Ok(Batch { sentences: 0, tokens: 0, ids: vec![], type_ids: vec![], mask: vec![] });
        }
        let inputs: Vec<&str> = texts.iter().map(|t| t.as_ref()).collect();
        // encode_batch_char_offsets would build offsets we do not use; plain encode is serial
        // here anyway (no threads in this build).
        let mut encodings = Vec::with_capacity(inputs.len());
        for text in inputs {
            encodings.push(self.tokenizer.encode(text, true).map_err(|e| e.to_string())?);
        }
        let tokens = encodings.iter().map(|e| e.get_ids().len()).max().unwrap_or(0);
        let pad_id = self.tokenizer.get_padding().map(|p| p.pad_id).unwrap_or(0);
        let mut batch = Batch {
            sentences: encodings.len(),
            tokens,
            ids: Vec::with_capacity(encodings.len() * tokens),
            type_ids: Vec::with_capacity(encodings.len() * tokens),
            mask: Vec::with_capacity(encodings.len() * tokens),
        };
        for e in &encodings {
            let n = e.get_ids().len();
            batch.ids.extend_from_slice(e.get_ids());
            batch.type_ids.extend_from_slice(e.get_type_ids());
            batch.mask.extend_from_slice(e.get_attention_mask());
            batch.ids.extend(std::iter::repeat(pad_id).take(tokens - n));
            batch.type_ids.extend(std::iter::repeat(0).take(tokens - n));
            batch.mask.extend(std::iter::repeat(0).take(tokens - n));
        }
        Ok(batch)
    }
}

/// A typed error instead of a silent coercion when a caller passes something else.
pub fn expect_string(value: &JsValue, name: &str) -> Result<String, JsError> {
    value.as_string().ok_or_else(|| {
        JsError::new(&format!("{name} must be a string, got {}", value.js_typeof().as_string().unwrap_or_default()))
    })
}
