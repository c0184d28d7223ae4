//! The BERT encoder from candle-transformers, loaded from the model's safetensors.

use crate::text::Batch;
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};

pub struct Encoder {
    model: BertModel,
    hidden_size: usize,
}

impl Encoder {
    pub fn new(weights: &[u8], config_json: &str) -> Result<Self, String> {
        let config: Config = serde_json::from_str(config_json).map_err(|e| format!("config.json: {e}"))?;
        let hidden_size = serde_json::from_str::<serde_json::Value>(config_json)
            .ok()
            .and_then(|v| v["hidden_size"].as_u64())
            .ok_or("config.json has no hidden_size")? as usize;
        let vb = VarBuilder::from_slice_safetensors(weights, DType::F32, &Device::Cpu)
            .map_err(|e| format!("model.safetensors: {e}"))?;
        let model = BertModel::load(vb, &config).map_err(|e| format!("model.safetensors: {e}"))?;
        Ok(Self { model, hidden_size })
    }

    pub fn hidden_size(&self) -> usize {
        self.hidden_size
    }

    /// The last hidden states, `sentences x tokens x hidden`.
    pub fn forward(&self, batch: &Batch) -> Result<Tensor, String> {
        let shape = (batch.sentences, batch.tokens);
        let run = || -> candle_core::Result<Tensor> {
            let ids = Tensor::from_slice(&batch.ids, shape, &Device::Cpu)?;
            let type_ids = Tensor::from_slice(&batch.type_ids, shape, &Device::Cpu)?;
            let mask = Tensor::from_slice(&batch.mask, shape, &Device::Cpu)?;
            self.model.forward(&ids, &type_ids, Some(&mask))
        };
        run().map_err(|e| e.to_string())
    }
}
