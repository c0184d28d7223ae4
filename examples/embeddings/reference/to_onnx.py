"""Writes all-MiniLM-L6-v2's BERT encoder as an ONNX graph from the model's own safetensors,
with the `onnx` package's helpers (no model hub, no PyTorch): inputs input_ids,
attention_mask and token_type_ids (int64, batch x tokens), output last_hidden_state
(batch x tokens x 384), the names transformers.js and onnxruntime expect. Pooling and
normalisation stay outside, as in sentence-transformers. Opset 17 (LayerNormalization).

Usage: python to_onnx.py <model-dir> <out.onnx>
"""
import json
import math
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from safetensors.numpy import load_file


def main():
    model_dir, out = sys.argv[1], sys.argv[2]
    config = json.load(open(f"{model_dir}/config.json"))
    w = load_file(f"{model_dir}/model.safetensors")
    hidden, heads = config["hidden_size"], config["num_attention_heads"]
    head = hidden // heads
    eps = config["layer_norm_eps"]
    nodes, inits = [], []
    counter = [0]

    def const(array, name=None):
        counter[0] += 1
        name = name or f"c{counter[0]}"
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(op, inputs, **attrs):
        counter[0] += 1
        name = f"t{counter[0]}"
        nodes.append(helper.make_node(op, inputs, [name], **attrs))
        return name

    def linear(x, prefix):
        product = node("MatMul", [x, const(w[f"{prefix}.weight"].T, f"{prefix}.weight_t")])
        return node("Add", [product, const(w[f"{prefix}.bias"], f"{prefix}.bias")])

    def layer_norm(x, prefix):
        return node("LayerNormalization", [x, const(w[f"{prefix}.weight"], f"{prefix}.weight"), const(w[f"{prefix}.bias"], f"{prefix}.bias")], axis=-1, epsilon=eps)

    # The first `tokens` rows of the position table (a 1-D Slice; no Range of a scalar).
    tokens = node("Shape", ["input_ids"], start=1, end=2)
    positions = node("Slice", [const(w["embeddings.position_embeddings.weight"], "position_embeddings"),
                               const(np.array([0], dtype=np.int64)), tokens, const(np.array([0], dtype=np.int64))])
    x = node("Add", [
        node("Add", [
            node("Gather", [const(w["embeddings.word_embeddings.weight"], "word_embeddings"), "input_ids"]),
            node("Gather", [const(w["embeddings.token_type_embeddings.weight"], "token_type_embeddings"), "token_type_ids"]),
        ]),
        positions,
    ])
    x = layer_norm(x, "embeddings.LayerNorm")

    mask = node("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    mask = node("Unsqueeze", [mask, const(np.array([1, 2], dtype=np.int64))])
    # 0 where a token is kept, a large negative number where it is padding.
    mask = node("Mul", [node("Sub", [const(np.array(1.0, dtype=np.float32)), mask]), const(np.array(-1e9, dtype=np.float32))])
    split_heads = const(np.array([0, 0, heads, head], dtype=np.int64), "split_heads")
    merge_heads = const(np.array([0, 0, hidden], dtype=np.int64), "merge_heads")
    scale = const(np.array(1.0 / math.sqrt(head), dtype=np.float32), "scale")
    for i in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{i}"
        q, k, v = (node("Reshape", [linear(x, f"{p}.attention.self.{m}"), split_heads]) for m in ("query", "key", "value"))
        q = node("Transpose", [q], perm=[0, 2, 1, 3])
        k = node("Transpose", [k], perm=[0, 2, 3, 1])
        v = node("Transpose", [v], perm=[0, 2, 1, 3])
        scores = node("Add", [node("Mul", [node("MatMul", [q, k]), scale]), mask])
        context = node("MatMul", [node("Softmax", [scores], axis=-1), v])
        context = node("Reshape", [node("Transpose", [context], perm=[0, 2, 1, 3]), merge_heads])
        x = layer_norm(node("Add", [x, linear(context, f"{p}.attention.output.dense")]), f"{p}.attention.output.LayerNorm")
        h = linear(x, f"{p}.intermediate.dense")
        h = node("Mul", [node("Mul", [h, const(np.array(0.5, dtype=np.float32))]),
                         node("Add", [node("Erf", [node("Div", [h, const(np.array(math.sqrt(2.0), dtype=np.float32))])]), const(np.array(1.0, dtype=np.float32))])])
        x = layer_norm(node("Add", [x, linear(h, f"{p}.output.dense")]), f"{p}.output.LayerNorm")
    nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"]))

    ids = [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "tokens"]) for n in ("input_ids", "attention_mask", "token_type_ids")]
    output = helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "tokens", hidden])
    graph = helper.make_graph(nodes, "all-MiniLM-L6-v2", ids, [output], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="offload examples/embeddings")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, out)


if __name__ == "__main__":
    main()
