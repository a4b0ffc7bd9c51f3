#!/usr/bin/env python3
"""Writes libFuzzer seeds for fuzz_model_loader: micro ALBERT models (valid, a few KB) in the
harness's layout (u16 config length, config.json, model.safetensors). Plain Python, no deps."""
import json, os, random, struct, sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = random.Random(0)

def safetensors(tensors):
    header, blobs, off = {}, [], 0
    for name, shape in tensors:
        n = 1
        for d in shape: n *= d
        data = struct.pack("<%df" % n, *[rng.gauss(0, 0.5) for _ in range(n)])
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [off, off + len(data)]}
        blobs.append(data); off += len(data)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)

def model(V, E, H, I, heads, layers, groups, inner, P, labels, mlm, act):
    cfg = dict(model_type="albert", vocab_size=V, embedding_size=E, hidden_size=H, intermediate_size=I,
               num_attention_heads=heads, num_hidden_layers=layers, num_hidden_groups=groups,
               inner_group_num=inner, max_position_embeddings=P, hidden_act=act, num_labels=labels or 2)
    t = [("albert.embeddings.word_embeddings.weight", [V, E]), ("albert.embeddings.position_embeddings.weight", [P, E]),
         ("albert.embeddings.token_type_embeddings.weight", [2, E]), ("albert.embeddings.LayerNorm.weight", [E]),
         ("albert.embeddings.LayerNorm.bias", [E]), ("albert.encoder.embedding_hidden_mapping_in.weight", [H, E]),
         ("albert.encoder.embedding_hidden_mapping_in.bias", [H])]
    for g in range(groups):
        for i in range(inner):
            p = "albert.encoder.albert_layer_groups.%d.albert_layers.%d." % (g, i)
            for n in ("attention.query", "attention.key", "attention.value", "attention.dense"):
                t += [(p + n + ".weight", [H, H]), (p + n + ".bias", [H])]
            t += [(p + "attention.LayerNorm.weight", [H]), (p + "attention.LayerNorm.bias", [H]),
                  (p + "ffn.weight", [I, H]), (p + "ffn.bias", [I]), (p + "ffn_output.weight", [H, I]),
                  (p + "ffn_output.bias", [H]), (p + "full_layer_layer_norm.weight", [H]),
                  (p + "full_layer_layer_norm.bias", [H])]
    if labels:
        t += [("albert.pooler.weight", [H, H]), ("albert.pooler.bias", [H]), ("classifier.weight", [labels, H]),
              ("classifier.bias", [labels])]
    if mlm:
        t += [("predictions.dense.weight", [E, H]), ("predictions.dense.bias", [E]), ("predictions.LayerNorm.weight", [E]),
              ("predictions.LayerNorm.bias", [E]), ("predictions.bias", [V])]
    c = json.dumps(cfg).encode()
    return struct.pack("<H", len(c)) + c + safetensors(t)

seeds = {
    "cls": model(8, 4, 8, 8, 2, 2, 1, 1, 6, 3, False, "gelu_new"),
    "mlm": model(8, 4, 8, 8, 2, 2, 2, 1, 6, 0, True, "gelu"),
    "inner": model(6, 2, 4, 4, 1, 1, 1, 2, 4, 1, False, "relu"),
}
for name, blob in seeds.items():
    open(os.path.join(out, name), "wb").write(blob)
print("wrote", len(seeds), "seeds to", out)
