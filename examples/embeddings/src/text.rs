//! The model's tokenizer, configured as sentence-transformers runs it: tokenizer.json's
//! WordPiece pipeline, truncated to sentence_bert_config.json's `max_seq_length`, and padded
//! only to the longest sentence of a batch (the attention mask hides the padding).

use serde::Deserialize;
use tokenizers::{Encoding, PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};
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

    /// The texts in groups of at most `group` sentences of similar length, each padded only to
    /// its own longest: a batch padded to its longest sentence spends most of its work on
    /// padding when lengths are mixed. Each group comes with the texts' original indices.
    pub fn encode_by_length<S: AsRef<str>>(&self, texts: &[S], group: usize) -> Result<Vec<(Vec<usize>, Batch)>, String> {
        let encodings = self.encode_all(texts)?;
        let mut order: Vec<usize> = (0..encodings.len()).collect();
        order.sort_by_key(|&i| encodings[i].get_ids().len());
        Ok(order
            .chunks(group.max(1))
            .map(|rows| (rows.to_vec(), self.padded(&rows.iter().map(|&i| &encodings[i]).collect::<Vec<_>>())))
            .collect())
    }

    fn encode_all<S: AsRef<str>>(&self, texts: &[S]) -> Result<Vec<Encoding>, String> {
        // encode_batch_char_offsets would build offsets we do not use; plain encode is serial
        // here anyway (no threads in this build).
        texts.iter().map(|t| self.tokenizer.encode(t.as_ref(), true).map_err(|e| e.to_string())).collect()
    }

    fn padded(&self, encodings: &[&Encoding]) -> Batch {
        if encodings.is_empty() {
            return Batch { sentences: 0, tokens: 0, ids: vec![], type_ids: vec![], mask: vec![] };
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
        for e in encodings {
            let n = e.get_ids().len();
            batch.ids.extend_from_slice(e.get_ids());
            batch.type_ids.extend_from_slice(e.get_type_ids());
            batch.mask.extend_from_slice(e.get_attention_mask());
            batch.ids.extend(std::iter::repeat(pad_id).take(tokens - n));
            batch.type_ids.extend(std::iter::repeat(0).take(tokens - n));
            batch.mask.extend(std::iter::repeat(0).take(tokens - n));
        }
        batch
    }
}

/// A typed error instead of a silent coercion when a caller passes something else.
pub fn expect_string(value: &JsValue, name: &str) -> Result<String, JsError> {
    value.as_string().ok_or_else(|| {
        JsError::new(&format!("{name} must be a string, got {}", value.js_typeof().as_string().unwrap_or_default()))
    })
}
