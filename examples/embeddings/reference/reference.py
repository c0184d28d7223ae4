"""An independent reference for examples/embeddings, written from the model's own files.

Reads {"texts": [...]} as JSON on stdin and prints {"ids": [[...]], "embeddings": [[...]]}:
the token ids of the Python `tokenizers` package, and embeddings from a NumPy forward pass
of the same safetensors in float64, following sentence-transformers' pipeline for this
model (modules.json: BERT -> mean pooling over real tokens -> L2 normalisation), truncated
to sentence_bert_config.json's max_seq_length. Nothing here shares code with the Rust crate.

Usage: python reference.py <model-dir> < request.json
"""
import json
import math
import sys

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer

erf = np.frompyfunc(math.erf, 1, 1)


def layer_norm(x, weight, bias, eps):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def main():
    model_dir = sys.argv[1]
    texts = json.load(sys.stdin)["texts"]
    config = json.load(open(f"{model_dir}/config.json"))
    max_len = json.load(open(f"{model_dir}/sentence_bert_config.json"))["max_seq_length"]
    tokenizer = Tokenizer.from_file(f"{model_dir}/tokenizer.json")
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_len)
    w = {k: v.astype(np.float64) for k, v in load_file(f"{model_dir}/model.safetensors").items() if v.dtype != np.int64}
    heads = config["num_attention_heads"]
    eps = config["layer_norm_eps"]

    def linear(x, name):
        return x @ w[f"{name}.weight"].T + w[f"{name}.bias"]

    ids_out, embeddings = [], []
    for text in texts:
        ids = tokenizer.encode(text).ids
        ids_out.append(ids)
        n = len(ids)
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n] \
            + w["embeddings.token_type_embeddings.weight"][0]
        x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
        for i in range(config["num_hidden_layers"]):
            p = f"encoder.layer.{i}"
            d = x.shape[1] // heads
            q, k, v = (linear(x, f"{p}.attention.self.{m}").reshape(n, heads, d).transpose(1, 0, 2) for m in ("query", "key", "value"))
            scores = q @ k.transpose(0, 2, 1) / math.sqrt(d)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(1, 0, 2).reshape(n, heads * d)
            x = layer_norm(x + linear(context, f"{p}.attention.output.dense"),
                           w[f"{p}.attention.output.LayerNorm.weight"], w[f"{p}.attention.output.LayerNorm.bias"], eps)
            h = linear(x, f"{p}.intermediate.dense")
            h = 0.5 * h * (1.0 + erf(h / math.sqrt(2.0)).astype(np.float64))
            x = layer_norm(x + linear(h, f"{p}.output.dense"),
                           w[f"{p}.output.LayerNorm.weight"], w[f"{p}.output.LayerNorm.bias"], eps)
        pooled = x.mean(0)
        embeddings.append((pooled / max(np.linalg.norm(pooled), 1e-12)).tolist())
    json.dump({"ids": ids_out, "embeddings": embeddings}, sys.stdout)


if __name__ == "__main__":
    main()
