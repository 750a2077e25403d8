#!/usr/bin/env python3
"""Makes a Hugging Face checkpoint folder from a Llama-family GGUF file, with the reference libraries: weights
written by `safetensors`, the tokenizer by Hugging Face `tokenizers`, values dequantized by `gguf.quants`.

Q and K rows are put back into the checkpoint's order with the inverse of llama.cpp's converter `permute`
(written out below and checked to round-trip), so importing the folder must give the GGUF's tensors back.
Also writes `expected_tokens.json`: Hugging Face `tokenizers`' ids for a few strings, the reference for
Roofline's tokenization of the imported model.

Any family Roofline imports: llama (Mixtral when the GGUF has experts; Mistral with --mistral-window), qwen2,
qwen3, qwen3moe, phi3 (fused, or separate with --split), gemma2, gemma3, granite, gpt-oss (MXFP4 experts as published, in
`*_blocks`/`*_scales` with gate and up interleaved; or dense with --dense-experts); each tensor put back as the
family's checkpoints store it (see export_tensors, export_gpt_oss).

    python3 scripts/reference/make_hf_checkpoint.py MODEL.gguf OUT_FOLDER [--layers N] [--dtype float32|float16|bfloat16]
        [--keep-types] [--split] [--mistral-window N] [--dense-experts]
"""
import argparse
import json
import os

import numpy as np
import gguf
from gguf.quants import dequantize
from safetensors.numpy import save_file
from tokenizers import Tokenizer, decoders, models, pre_tokenizers

TEXTS = ["Hello world", "The year 2024 had 366 days.", "  leading spaces and\nnewlines\n\n", "café naïve — “quotes”",
         "<|im_start|>user\nHi<|im_end|>", "x=1234567;y=-0.5e10", "日本語のテキスト", "emoji 🙂👍 done"]


def llama_permute(w, n_head, n_head_kv=None):
    # llama.cpp convert_hf_to_gguf.py LlamaModel.permute
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def llama_unpermute(w, n_head):
    return w.reshape(n_head, w.shape[0] // n_head // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def field(r, key):
    if key not in r.fields:
        return None
    f = r.fields[key]
    if f.types and f.types[0] == gguf.GGUFValueType.ARRAY:
        return [f.contents(i) for i in range(len(f.data))] if hasattr(f, "contents") else [bytes(f.parts[i]).decode() for i in f.data]
    return f.contents() if hasattr(f, "contents") else f.parts[f.data[0]][0]


HF_ARCH = {"llama": "LlamaForCausalLM", "qwen2": "Qwen2ForCausalLM", "qwen3": "Qwen3ForCausalLM", "phi3": "Phi3ForCausalLM",
           "gemma2": "Gemma2ForCausalLM", "gemma3": "Gemma3ForCausalLM", "qwen3moe": "Qwen3MoeForCausalLM",
           "gpt-oss": "GptOssForCausalLM", "granite": "GraniteForCausalLM"}


def ggml_to_openai_mxfp4(raw):
    """ggml MXFP4 blocks (uint8 [..., n*17]: scale byte, then byte j = value j | value j+16 << 4) -> the checkpoint's
    (blocks [..., n, 16] with byte i = value 2i | value 2i+1 << 4, scales [..., n])."""
    b = raw.reshape(*raw.shape[:-1], -1, 17)
    scales, qs = b[..., 0], b[..., 1:]
    values = np.concatenate([qs & 0x0F, qs >> 4], axis=-1)  # value order 0..31
    blocks = (values[..., 0::2] | (values[..., 1::2] << 4)).astype(np.uint8)
    # llama.cpp's converter (conversion/gpt_oss.py transform_nibble_layout + repack_mxfp4, numpy port) must give the
    # ggml bytes back.
    t = (blocks & 0x0F) << 4 | (blocks & 0xF0) >> 4
    a, bb = t[..., :8], t[..., 8:]
    blk_a = np.stack(((a & 0xF0), (a << 4) & 0xFF), axis=-1).reshape(t.shape)
    blk_b = np.stack((bb >> 4, bb & 0x0F), axis=-1).reshape(t.shape)
    o = blk_a | blk_b
    o = ((o & 0xF0) >> 4) | ((o & 0x0F) << 4)
    assert np.array_equal(np.concatenate([scales[..., None], o.astype(np.uint8)], axis=-1), b), "MXFP4 repack does not round-trip"
    return blocks, scales.astype(np.uint8)


def export_gpt_oss(get, tensors, layers, dense):
    """gpt-oss as its checkpoints store it (the inverse of conversion/gpt_oss.py): q/k/v/o with biases, sinks, the
    router with its bias, experts stacked with gate and up interleaved row by row in gate_up_proj."""
    w = {"model.embed_tokens.weight": get("token_embd.weight"), "model.norm.weight": get("output_norm.weight"),
         "lm_head.weight": get("output.weight")}
    for i in range(layers):
        p, b = f"model.layers.{i}.", f"blk.{i}."
        for x in "qkv":
            w[p + f"self_attn.{x}_proj.weight"] = get(b + f"attn_{x}.weight")
            w[p + f"self_attn.{x}_proj.bias"] = get(b + f"attn_{x}.bias")
        w[p + "self_attn.o_proj.weight"] = get(b + "attn_output.weight")
        w[p + "self_attn.o_proj.bias"] = get(b + "attn_output.bias")
        w[p + "self_attn.sinks"] = get(b + "attn_sinks.weight")
        w[p + "input_layernorm.weight"] = get(b + "attn_norm.weight")
        w[p + "post_attention_layernorm.weight"] = get(b + "post_attention_norm.weight")
        w[p + "mlp.router.weight"] = get(b + "ffn_gate_inp.weight")
        w[p + "mlp.router.bias"] = get(b + "ffn_gate_inp.bias")
        m = p + "mlp.experts."
        gate_b, up_b = get(b + "ffn_gate_exps.bias"), get(b + "ffn_up_exps.bias")  # [experts, rows]
        gu_b = np.empty((gate_b.shape[0], 2 * gate_b.shape[1]), np.float32)
        gu_b[:, 0::2], gu_b[:, 1::2] = gate_b, up_b
        w[m + "gate_up_proj_bias"] = gu_b
        w[m + "down_proj_bias"] = get(b + "ffn_down_exps.bias")
        if dense:  # inputs first: [experts, cols, rows]
            gate, up = get(b + "ffn_gate_exps.weight"), get(b + "ffn_up_exps.weight")  # [experts, rows, cols]
            gu = np.empty((gate.shape[0], 2 * gate.shape[1], gate.shape[2]), np.float32)
            gu[:, 0::2], gu[:, 1::2] = gate, up
            w[m + "gate_up_proj"] = np.ascontiguousarray(gu.transpose(0, 2, 1))
            w[m + "down_proj"] = np.ascontiguousarray(get(b + "ffn_down_exps.weight").transpose(0, 2, 1))
            continue
        gate_q, gate_s = ggml_to_openai_mxfp4(tensors[b + "ffn_gate_exps.weight"].data)
        up_q, up_s = ggml_to_openai_mxfp4(tensors[b + "ffn_up_exps.weight"].data)
        gu_q = np.empty((gate_q.shape[0], 2 * gate_q.shape[1], *gate_q.shape[2:]), np.uint8)
        gu_q[:, 0::2], gu_q[:, 1::2] = gate_q, up_q
        gu_s = np.empty((gate_s.shape[0], 2 * gate_s.shape[1], gate_s.shape[2]), np.uint8)
        gu_s[:, 0::2], gu_s[:, 1::2] = gate_s, up_s
        w[m + "gate_up_proj_blocks"], w[m + "gate_up_proj_scales"] = gu_q, gu_s
        w[m + "down_proj_blocks"], w[m + "down_proj_scales"] = ggml_to_openai_mxfp4(tensors[b + "ffn_down_exps.weight"].data)
    return w


def export_tensors(arch, get, tensors, layers, n_head, n_kv, split):
    """The checkpoint's tensors: the inverse of llama.cpp's converter for each family (conversion/llama.py,
    qwen.py, phi.py, gemma.py): Llama/Mixtral Q/K un-permuted, Gemma norms minus 1, Phi-3's fused tensors
    (or, with `split`, separate q/k/v and gate/up), experts unstacked per expert."""
    gemma = arch in ("gemma2", "gemma3")
    shift = (lambda v: (v - np.float32(1)).astype(np.float32)) if gemma else (lambda v: v)
    w = {"model.embed_tokens.weight": get("token_embd.weight"), "model.norm.weight": shift(get("output_norm.weight"))}
    if "output.weight" in tensors:
        w["lm_head.weight"] = get("output.weight")
    for i in range(layers):
        p, b = f"model.layers.{i}.", f"blk.{i}."
        if arch == "phi3":
            qkv = get(b + "attn_qkv.weight")
            if split:
                hd = qkv.shape[0] // (n_head + 2 * n_kv)
                q, k, v = np.split(qkv, [n_head * hd, (n_head + n_kv) * hd])
                w[p + "self_attn.q_proj.weight"], w[p + "self_attn.k_proj.weight"], w[p + "self_attn.v_proj.weight"] = q, k, v
            else:
                w[p + "self_attn.qkv_proj.weight"] = qkv
        else:
            q, k = get(b + "attn_q.weight"), get(b + "attn_k.weight")
            if arch in ("llama", "granite"):  # llama.cpp's converter permutes Llama's (and Granite's) Q/K rows; the NeoX families keep them
                uq, uk = llama_unpermute(q, n_head), llama_unpermute(k, n_kv)
                assert np.array_equal(llama_permute(uq, n_head, n_head), q) and np.array_equal(llama_permute(uk, n_head, n_kv), k)
                q, k = uq, uk
            w[p + "self_attn.q_proj.weight"], w[p + "self_attn.k_proj.weight"] = q, k
            w[p + "self_attn.v_proj.weight"] = get(b + "attn_v.weight")
        if arch == "qwen2":
            for x in "qkv":
                w[p + f"self_attn.{x}_proj.bias"] = get(b + f"attn_{x}.bias")
        if b + "attn_q_norm.weight" in tensors:
            w[p + "self_attn.q_norm.weight"] = shift(get(b + "attn_q_norm.weight"))
            w[p + "self_attn.k_norm.weight"] = shift(get(b + "attn_k_norm.weight"))
        w[p + "self_attn.o_proj.weight"] = get(b + "attn_output.weight")
        w[p + "input_layernorm.weight"] = shift(get(b + "attn_norm.weight"))
        if gemma:
            w[p + "post_attention_layernorm.weight"] = shift(get(b + "post_attention_norm.weight"))
            w[p + "pre_feedforward_layernorm.weight"] = shift(get(b + "ffn_norm.weight"))
            w[p + "post_feedforward_layernorm.weight"] = shift(get(b + "post_ffw_norm.weight"))
        else:
            w[p + "post_attention_layernorm.weight"] = get(b + "ffn_norm.weight")
        if b + "ffn_gate_inp.weight" in tensors:
            mixtral = arch == "llama"
            m = p + ("block_sparse_moe." if mixtral else "mlp.")
            w[m + "gate.weight"] = get(b + "ffn_gate_inp.weight")
            names = ("w1", "w3", "w2") if mixtral else ("gate_proj", "up_proj", "down_proj")
            for hf, gg in zip(names, ("ffn_gate_exps", "ffn_up_exps", "ffn_down_exps")):
                stacked = get(b + gg + ".weight")  # [experts, rows, cols]
                for x in range(stacked.shape[0]):
                    w[m + f"experts.{x}.{hf}.weight"] = stacked[x]
            continue
        up = get(b + "ffn_up.weight")
        if arch == "phi3":
            if split:
                w[p + "mlp.gate_proj.weight"], w[p + "mlp.up_proj.weight"] = np.split(up, 2)
            else:
                w[p + "mlp.gate_up_proj.weight"] = up
        else:
            w[p + "mlp.gate_proj.weight"], w[p + "mlp.up_proj.weight"] = get(b + "ffn_gate.weight"), up
        w[p + "mlp.down_proj.weight"] = get(b + "ffn_down.weight")
    return w


def make_config(arch, r, tensors, layers, tokens, a):
    g = lambda k: field(r, f"{arch}.{k}")
    n_embd, n_head = int(g("embedding_length")), int(g("attention.head_count"))
    head_dim = int(field(r, f"{arch}.attention.key_length") or int(g("rope.dimension_count")))
    ctx = int(g("context_length"))
    c = {
        "architectures": [HF_ARCH[arch]],
        "head_dim": head_dim, "hidden_size": n_embd, "intermediate_size": int(g("feed_forward_length")),
        "num_hidden_layers": layers, "num_attention_heads": n_head, "num_key_value_heads": int(g("attention.head_count_kv")),
        "vocab_size": len(tokens), "max_position_embeddings": ctx,
        "rms_norm_eps": float(g("attention.layer_norm_rms_epsilon")), "rope_theta": float(g("rope.freq_base")),
        "tie_word_embeddings": "output.weight" not in tensors, "hidden_act": "silu", "torch_dtype": a.dtype,
    }
    if arch == "llama" and g("expert_count"):
        c["architectures"] = ["MixtralForCausalLM"]
        c["num_local_experts"], c["num_experts_per_tok"] = int(g("expert_count")), int(g("expert_used_count"))
    elif arch == "llama" and a.mistral_window:
        # Mistral 7B v0.1 style: llama.cpp's converter writes no window for it, so llama.cpp runs all layers global.
        c["architectures"] = ["MistralForCausalLM"]
        c["sliding_window"] = a.mistral_window
    if arch == "qwen3moe":
        c.update(num_experts=int(g("expert_count")), num_experts_per_tok=int(g("expert_used_count")),
                 moe_intermediate_size=int(g("expert_feed_forward_length")), norm_topk_prob=True,
                 decoder_sparse_step=1, mlp_only_layers=[])
    if arch == "phi3":
        c.update(original_max_position_embeddings=ctx, sliding_window=ctx, rope_scaling=None)
    if arch == "gpt-oss":
        fx = int(g("expert_feed_forward_length"))
        c.update(intermediate_size=fx, num_local_experts=int(g("expert_count")), num_experts_per_tok=int(g("expert_used_count")),
                 sliding_window=int(g("attention.sliding_window")), attention_bias=True, swiglu_limit=7.0,
                 layer_types=["sliding_attention" if i % 2 == 0 else "full_attention" for i in range(layers)],
                 rope_scaling={"rope_type": "yarn", "factor": float(g("rope.scaling.factor")), "beta_fast": 32.0, "beta_slow": 1.0,
                               "truncate": False, "original_max_position_embeddings": int(g("rope.scaling.original_context_length"))})
        if not a.dense_experts:
            c["quantization_config"] = {"quant_method": "mxfp4", "modules_to_not_convert": ["model.layers.*.self_attn", "model.layers.*.mlp.router", "model.embed_tokens", "lm_head"]}
    if arch == "granite":
        # conversion of GraniteForCausalLM: the four multipliers become granite.* scales
        c.update(attention_multiplier=float(g("attention.scale")), embedding_multiplier=float(g("embedding_scale")),
                 residual_multiplier=float(g("residual_scale")), logits_scaling=float(g("logit_scale")),
                 attention_bias=False, mlp_bias=False)
    if arch in ("gemma2", "gemma3"):
        c.update(hidden_act="gelu_pytorch_tanh", hidden_activation="gelu_pytorch_tanh", query_pre_attn_scalar=head_dim,
                 sliding_window=int(g("attention.sliding_window")), tie_word_embeddings=True)
    if arch == "gemma2":
        c.update(attn_logit_softcapping=float(g("attn_logit_softcapping")), final_logit_softcapping=float(g("final_logit_softcapping")))
    if arch == "gemma3":
        # llama.cpp's gemma3 default for the sliding layers' base when the GGUF has no rope.freq_base_swa
        c.update(sliding_window_pattern=int(g("attention.sliding_window_pattern") or 6),
                 rope_local_base_freq=float(g("rope.freq_base_swa") or 10000.0), final_logit_softcapping=None)
    return c


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("gguf")
    ap.add_argument("out")
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--dtype", default="float32", choices=["float32", "float16", "bfloat16"])
    ap.add_argument("--keep-types", action="store_true", help="write each tensor in its GGUF type (F16 stays F16)")
    ap.add_argument("--split", action="store_true", help="phi3: separate q/k/v and gate/up projections")
    ap.add_argument("--mistral-window", type=int, default=0, help="llama: a MistralForCausalLM config with this sliding_window")
    ap.add_argument("--dense-experts", action="store_true", help="gpt-oss: dequantized gate_up_proj/down_proj instead of MXFP4 blocks")
    a = ap.parse_args()
    r = gguf.GGUFReader(a.gguf)
    arch = field(r, "general.architecture")
    assert arch in HF_ARCH, arch
    g = lambda k: field(r, f"{arch}.{k}")
    n_head, n_kv = int(g("attention.head_count")), int(g("attention.head_count_kv"))
    layers = min(a.layers, int(g("block_count")))
    tokens = field(r, "tokenizer.ggml.tokens")
    types = field(r, "tokenizer.ggml.token_type")
    merges = field(r, "tokenizer.ggml.merges")
    tensors = {t.name: t for t in r.tensors}
    if a.dtype == "bfloat16":
        import ml_dtypes
        np_dtype = ml_dtypes.bfloat16
    else:
        np_dtype = np.dtype(a.dtype)

    def get(name):
        t = tensors[name]
        v = dequantize(t.data, t.tensor_type).astype(np.float32)
        return v.reshape([int(x) for x in reversed(t.shape)]) if len(t.shape) > 1 else v.reshape(-1)

    if arch == "gpt-oss":
        w = export_gpt_oss(get, tensors, layers, a.dense_experts)
    else:
        w = export_tensors(arch, get, tensors, layers, n_head, n_kv, a.split)
    os.makedirs(a.out, exist_ok=True)
    if a.keep_types:  # F16 tensors of the GGUF stay F16 (the embedding and output), so the import is the GGUF
        half = {"model.embed_tokens.weight": "token_embd.weight", "lm_head.weight": "output.weight"}
        out = {k: (v.astype(np.float16) if k in half and tensors[half[k]].tensor_type == gguf.GGMLQuantizationType.F16 else v)
               for k, v in w.items()}
    else:  # norms stay float32, as checkpoints usually keep them in the model dtype: cast everything else
        out = {k: (v if v.ndim == 1 or v.dtype == np.uint8 else v.astype(np_dtype)) for k, v in w.items()}
    save_file({k: np.ascontiguousarray(v) for k, v in out.items()}, os.path.join(a.out, "model.safetensors"), metadata={"format": "pt"})
    config = make_config(arch, r, tensors, layers, tokens, a)
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(config, f, indent=1)

    specials = [i for i, t in enumerate(types) if int(t) == 3]
    vocab = {tok: i for i, tok in enumerate(tokens)}
    merge_pairs = [tuple(m.split(" ", 1)) for m in merges]
    tk = Tokenizer(models.BPE(vocab=vocab, merges=merge_pairs, fuse_unk=False))
    # SmolLM2's pre-tokenizer: digits one by one, then GPT-2's byte-level regex.
    tk.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True),
                                                pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
    tk.decoder = decoders.ByteLevel()
    from tokenizers import AddedToken
    tk.add_special_tokens([AddedToken(tokens[i], special=True, normalized=False) for i in specials])
    for i in specials:
        assert tk.token_to_id(tokens[i]) == i, (tokens[i], tk.token_to_id(tokens[i]), i)
    tk.save(os.path.join(a.out, "tokenizer.json"))
    tc = {"bos_token": tokens[int(field(r, "tokenizer.ggml.bos_token_id"))], "eos_token": tokens[int(field(r, "tokenizer.ggml.eos_token_id"))],
          "add_bos_token": False, "chat_template": field(r, "tokenizer.chat_template")}
    with open(os.path.join(a.out, "tokenizer_config.json"), "w") as f:
        json.dump(tc, f, indent=1)
    expected = [{"text": t, "ids": tk.encode(t, add_special_tokens=False).ids} for t in TEXTS]
    with open(os.path.join(a.out, "expected_tokens.json"), "w") as f:
        json.dump(expected, f, indent=1, ensure_ascii=False)
    print(f"wrote {a.out}: {layers} layers, {len(tokens)} tokens, {a.dtype}")


if __name__ == "__main__":
    main()
