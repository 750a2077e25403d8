#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (one folder per target of `roofline-fuzz`), made from real formats with
the reference libraries: tiny GGUF models (`gguf`) whose vocabularies are cut from llama.cpp's test vocabularies,
safetensors files of every dtype, a Hugging Face folder made by scripts/reference/make_hf_checkpoint.py from a
tiny GGUF, the chat templates of Tests/Fixtures/chat_templates, tokenizer texts and OpenAI request bodies.
Every seed is a few KB.

    python3 scripts/fuzz/make_seeds.py [OUT]          committed seeds (default Tests/Fixtures/fuzz)
    python3 scripts/fuzz/make_seeds.py --cache OUT    also what the local cache has and may not be committed:
                                                      llama.cpp's model chat templates and the head of the
                                                      default model (scripts/fuzz/run.sh uses this)

Needs numpy, gguf, safetensors and tokenizers (as .ci/run installs) and the llama.cpp vocabularies in
$ROOFLINE_CACHE/llama-vocab (scripts/fetch_llama_vocabs.py); seeds that need a missing vocabulary are skipped.
"""
import glob
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np
import gguf

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CACHE = os.environ.get("ROOFLINE_CACHE", os.path.expanduser("~/.cache/roofline"))
VOCABS = os.path.join(CACHE, "llama-vocab")
SEPARATOR = b"\n--roofline-fuzz-file--\n"  # FuzzTarget.fileSeparator
CHATML = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
          "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")


def put(out, target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def field(r, key):
    if key not in r.fields:
        return None
    f = r.fields[key]
    if f.types and f.types[0] == gguf.GGUFValueType.ARRAY:
        return [f.contents(i) for i in range(len(f.data))]
    return f.contents()


def byte_chars():
    """GPT-2's byte-to-character table."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for _, c in sorted(zip(bs, cs))]


def byte_level_vocab():
    """A byte-level BPE vocabulary: the 256 byte tokens, a few merges, then control tokens (as TinyModel)."""
    merges = ["Ġ t", "h e", "Ġt he", "i n", "Ġ a", "e r", "Ġ w", "o r"]
    tokens = byte_chars() + [m.replace(" ", "") for m in merges] + ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    types = [1] * (len(tokens) - 3) + [3, 3, 3]
    return dict(model="gpt2", pre="gpt2", tokens=tokens, types=types, merges=merges, scores=None,
                eos=len(tokens) - 3, bos=len(tokens) - 3, add_bos=False)


def cut_vocab(name, keep):
    """The first `keep` tokens of a llama.cpp test vocabulary, its merges among them, its control tokens moved to
    the end, as a GGUF tokenizer."""
    path = os.path.join(VOCABS, f"ggml-vocab-{name}.gguf")
    if not os.path.exists(path):
        return None
    r = gguf.GGUFReader(path)
    tokens, types = field(r, "tokenizer.ggml.tokens"), field(r, "tokenizer.ggml.token_type")
    scores, merges = field(r, "tokenizer.ggml.scores"), field(r, "tokenizer.ggml.merges")
    model, pre = field(r, "tokenizer.ggml.model"), field(r, "tokenizer.ggml.pre")
    ids = list(range(min(keep, len(tokens))))
    specials = {}
    for key in ("bos", "eos", "unknown"):
        v = field(r, f"tokenizer.ggml.{key}_token_id")
        if v is not None:
            if v not in ids:
                ids.append(v)
            specials[key] = ids.index(v)
    kept = [tokens[i] for i in ids]
    keptset = set(kept)
    if merges is not None:
        merges = [m for m in merges if all(p in keptset for p in m.split(" ", 1)) and m.replace(" ", "", 1) in keptset][:400]
    add_bos = field(r, "tokenizer.ggml.add_bos_token")
    return dict(model=model, pre=pre, tokens=kept, types=[types[i] for i in ids], merges=merges,
                scores=[scores[i] for i in ids] if scores is not None else None,
                bos=specials.get("bos"), eos=specials.get("eos"), unk=specials.get("unknown"),
                add_bos=bool(add_bos) if add_bos is not None else None)


def tiny_gguf(path, vocab, arch="llama", wtype=gguf.GGMLQuantizationType.F32, template=None, layers=1,
              embd=8, heads=2, kv=1, ffn=16, bias=False, tied=True, seed=1):
    rng = np.random.default_rng(seed)
    w = gguf.GGUFWriter(path, arch)
    n = len(vocab["tokens"])
    w.add_name("fuzz-seed")
    w.add_block_count(layers)
    w.add_context_length(64)
    w.add_embedding_length(embd)
    w.add_feed_forward_length(ffn)
    w.add_head_count(heads)
    w.add_head_count_kv(kv)
    w.add_rope_freq_base(10000.0)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_vocab_size(n)
    w.add_rope_dimension_count(embd // heads)
    w.add_tokenizer_model(vocab["model"])
    if vocab.get("pre"):
        w.add_tokenizer_pre(vocab["pre"])
    w.add_token_list(vocab["tokens"])
    w.add_token_types(vocab["types"])
    if vocab.get("scores") is not None:
        w.add_token_scores(vocab["scores"])
    if vocab.get("merges"):
        w.add_token_merges(vocab["merges"])
    if vocab.get("bos") is not None:
        w.add_bos_token_id(vocab["bos"])
    if vocab.get("eos") is not None:
        w.add_eos_token_id(vocab["eos"])
    if vocab.get("unk") is not None:
        w.add_unk_token_id(vocab["unk"])
    if vocab.get("add_bos") is not None:
        w.add_add_bos_token(vocab["add_bos"])
    if template is not None:
        w.add_chat_template(template)

    def add(name, shape, norm=False):
        a = (1 + 0.1 * rng.standard_normal(shape)) if norm else 0.2 * rng.standard_normal(shape)
        a = a.astype(np.float32)
        if norm or wtype == gguf.GGMLQuantizationType.F32:
            w.add_tensor(name, a)
        elif wtype == gguf.GGMLQuantizationType.F16:
            w.add_tensor(name, a.astype(np.float16))
        else:
            q = gguf.quants.quantize(a, wtype)
            w.add_tensor(name, q, raw_shape=q.shape, raw_dtype=wtype)

    hd = embd // heads
    add("token_embd.weight", (n, embd))
    add("output_norm.weight", (embd,), norm=True)
    if not tied:
        add("output.weight", (n, embd))
    for l in range(layers):
        b = f"blk.{l}."
        add(b + "attn_norm.weight", (embd,), norm=True)
        add(b + "attn_q.weight", (heads * hd, embd))
        add(b + "attn_k.weight", (kv * hd, embd))
        add(b + "attn_v.weight", (kv * hd, embd))
        if bias:
            add(b + "attn_q.bias", (heads * hd,), norm=True)
            add(b + "attn_k.bias", (kv * hd,), norm=True)
            add(b + "attn_v.bias", (kv * hd,), norm=True)
        add(b + "attn_output.weight", (embd, heads * hd))
        add(b + "ffn_norm.weight", (embd,), norm=True)
        add(b + "ffn_gate.weight", (ffn, embd))
        add(b + "ffn_up.weight", (ffn, embd))
        add(b + "ffn_down.weight", (embd, ffn))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def gguf_seeds(out, tmp):
    q = gguf.GGMLQuantizationType
    made = {}

    def one(name, vocab, **kw):
        p = os.path.join(tmp, name)
        tiny_gguf(p, vocab, **kw)
        with open(p, "rb") as f:
            put(out, "gguf", name, f.read())
        made[name] = p

    bl = byte_level_vocab()
    one("llama-bytelevel-f32", bl, template=CHATML)
    one("llama-bytelevel-f16-untied", bl, wtype=q.F16, tied=False)
    one("llama-bytelevel-q8_0", bl, wtype=q.Q8_0, embd=32, heads=4, kv=2, ffn=32)
    one("qwen2-bytelevel-bias", bl, arch="qwen2", bias=True, template=CHATML)
    for name, keep in [("llama-spm", 300), ("llama-bpe", 300), ("qwen2", 300), ("phi-3", 300), ("gpt-2", 300)]:
        v = cut_vocab(name, keep)
        if v is not None:
            one(f"llama-vocab-{name}", v, template=CHATML if name != "llama-spm" else None)
    # A header alone: the tensor table promises data the file does not have.
    with open(made["llama-bytelevel-f32"], "rb") as f:
        put(out, "gguf", "truncated-header", f.read()[:4096])
    return made


def hf_seed(out, tiny_gguf_path):
    with tempfile.TemporaryDirectory() as tmp:
        folder = os.path.join(tmp, "hf")
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts/reference/make_hf_checkpoint.py"), tiny_gguf_path, folder,
                        "--dtype", "float16"], check=True, stdout=subprocess.DEVNULL)
        parts = []
        for name in ("config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors"):
            p = os.path.join(folder, name)
            parts.append(open(p, "rb").read() if os.path.exists(p) else b"")
        put(out, "hf-import", "llama-bytelevel-f16", SEPARATOR.join(parts))
        # The same folder in float32 with a config that declares Qwen2 (no biases: an inconsistent checkpoint).
        cfg = json.loads(parts[0])
        cfg["architectures"] = ["Qwen2ForCausalLM"]
        put(out, "hf-import", "qwen2-missing-bias", SEPARATOR.join([json.dumps(cfg).encode()] + parts[1:]))


def safetensors_bytes(tensors, metadata=None):
    header, blobs, off = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def safetensors_seeds(out):
    src = os.path.join(ROOT, "Tests/Fixtures/safetensors")
    for p in sorted(glob.glob(os.path.join(src, "**/*.safetensors"), recursive=True)):
        put(out, "safetensors", "fixture-" + os.path.basename(p).replace(".safetensors", ""), open(p, "rb").read())
    rng = np.random.default_rng(3)
    a = rng.standard_normal((3, 4)).astype(np.float32)
    bf16 = (a.view(np.uint32) >> 16).astype(np.uint16).tobytes()
    t = {
        "f32": ("F32", [3, 4], a.tobytes()), "f16": ("F16", [3, 4], a.astype(np.float16).tobytes()),
        "bf16": ("BF16", [3, 4], bf16), "f64": ("F64", [2, 2], np.arange(4, dtype=np.float64).tobytes()),
        "i8": ("I8", [4], bytes([1, 255, 3, 128])), "u8": ("U8", [4], bytes([1, 2, 3, 4])),
        "i32": ("I32", [2], struct.pack("<ii", -1, 7)), "i64": ("I64", [1], struct.pack("<q", -9)),
        "bool": ("BOOL", [2], bytes([0, 1])), "e4m3": ("F8_E4M3", [2, 4], bytes(range(0x30, 0x38))),
        "e5m2": ("F8_E5M2", [8], bytes(range(0x38, 0x40))), "scalar": ("F32", [], struct.pack("<f", 1.5)),
        "empty": ("F16", [0, 4], b""),
    }
    put(out, "safetensors", "all-dtypes", safetensors_bytes(t, {"format": "pt"}))
    put(out, "safetensors", "one-f16", safetensors_bytes({"w": t["f16"]}))


JINJA = [
    CHATML,
    "{{ bos_token }}{% for m in messages %}{% if m.role == 'system' %}<<SYS>>{{ m.content | trim }}<</SYS>>"
    "{% elif loop.index0 % 2 == 1 %}[INST] {{ m['content'] }} [/INST]{% else %}{{ m.content }}{{ eos_token }}{% endif %}{% endfor %}",
    "{%- set ns = namespace(found=false, n=0) -%}{%- for m in messages -%}{%- if m.role == 'user' and not ns.found -%}"
    "{%- set ns.found = true -%}{%- set ns.n = loop.index -%}{%- endif -%}{%- endfor -%}{{ ns.n }}|{{ messages | length }}"
    "{{ messages[0].content | upper | replace('A', 'b') }}{{ (messages | map(attribute='role') | list) | tojson }}",
    "{% macro render(m, prefix='> ') %}{{ prefix ~ m.role ~ ': ' ~ m.content.split(' ')[0] }}{% endmacro %}"
    "{% for m in messages %}{{ render(m) }}{% if not loop.last %}\n{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}{{ render({'role': 'assistant', 'content': ''}, prefix='') }}{% endif %}",
    "{{ raise_exception('no system message') if messages[0]['role'] != 'system' else '' }}"
    "{{ strftime_now('%d %b %Y') }}{{ range(3) | join(',') }}{{ [1, 2, 3][1:] }}{{ 7 // 2 }}{{ -7 % 3 }}{{ 2 * 10 }}"
    "{{ 'x' * 3 }}{{ 'abc'[::-1] }}{{ {'a': 1}.items() | list }}{{ none is none }}{{ 'a' in 'cat' }}",
    "{% for m in messages %}{% set content = m['content'] %}{% if '</think>' in content %}"
    "{% set content = content.split('</think>')[-1].lstrip('\\n') %}{% endif %}{{ '<|' + m.role + '|>' + content }}{% endfor %}",
]


def jinja_seeds(out):
    with open(os.path.join(ROOT, "Tests/Fixtures/chat_templates/expected.json")) as f:
        fixtures = sorted({c["template"] for c in json.load(f)})
    for t in fixtures + JINJA:
        put(out, "jinja", hashlib.sha1(t.encode()).hexdigest()[:16], t)


TEXTS = [
    "Hello world", " Hello  world\n\n", "The year 2024 had 366 days; 1234567890 is long.", "café naïve — “quotes” ÅÆ",
    "<|im_start|>user\nHi<|im_end|>", "<s>[INST] x [/INST]</s>", "x=1234567;y=-0.5e10", "日本語のテキスト 한국어 中文",
    "emoji 🙂👍🏽 done", "\t\ttabs\r\nand CRLF", "    indented code(): return 0", "'s 't 're 've 'm 'll 'd", "ÿþ\u0000\u0001",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "▁▁ spaces ▁", "<|endoftext|><|endoftext|>",
]


def tokenizer_seeds(out):
    # First byte: the vocabulary (modulo how many are loaded); second: add BOS/EOS (1), parse specials (2),
    # decode specials (4).
    for i, t in enumerate(TEXTS):
        for v in range(0, 8, 3):
            put(out, "tokenizer", f"text{i:02d}-v{v}", bytes([v + i, i % 8]) + t.encode("utf-8", "surrogatepass"))


def request(**kw):
    return json.dumps(kw, ensure_ascii=False)


REQUESTS = [
    request(model="m", messages=[{"role": "user", "content": "Hello"}]),
    request(messages=[{"role": "system", "content": "Be brief."}, {"role": "developer", "content": None},
                      {"role": "user", "content": [{"type": "text", "text": "Hi "}, {"type": "text", "text": "there"}]},
                      {"role": "assistant", "content": "Yes"}, {"role": "tool", "content": "{}"}],
            max_tokens=16, temperature=0.7, top_p=0.9, top_k=40, min_p=0.05, repeat_penalty=1.1, seed=-3, n=2,
            stop=["\n", "END"], stream=True, stream_options={"include_usage": True}, presence_penalty=0.5,
            frequency_penalty=-0.5, logprobs=False, top_logprobs=0, ignore_eos=True),
    request(messages=[{"role": "user", "content": "x"}], tools=[{"type": "function", "function": {"name": "f"}}]),
    request(messages=[{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]),
    request(model="m", prompt="Once upon a time", max_tokens=8, echo=True, stop="\n", logprobs=0),
    request(prompt=[1, 2, 3, 4], max_completion_tokens=4, seed=9223372036854775807),
    request(prompt=["one prompt"], suffix="s"),
    request(prompt=["a", "b"]),
    request(messages=[{"role": "wizard", "content": "x"}], max_tokens=2.5, temperature=3, n=0),
    request(messages=[], top_p=1e-300, seed=1e30),
    '{"messages": [{"role": "user", "content": "a"}], "messages": []}',
    '{"prompt": "x", "stop": ["a",],}',
    '{"prompt": "\\ud83d\\ude00 \\u0000 \\"q\\" \\\\ \\/ \\b\\f\\n\\r\\t", "max_tokens": 1e2}',
    '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]',
    '{"prompt": -0.0e-0, "n": null, "stream": true, "x": {"y": [true, false, null, 1.5E+3]}}',
    ' \t\r\n{ "prompt" : "\\u00e9" } \n',
    # Anthropic messages and count_tokens
    request(model="m", max_tokens=64, system="Be brief.", messages=[{"role": "user", "content": "Hi"},
            {"role": "assistant", "content": [{"type": "text", "text": "Hello"}]}, {"role": "user", "content": "Again"}],
            stop_sequences=["\n\n"], temperature=0.5, top_p=0.9, top_k=10, stream=True, metadata={"user_id": "u"}),
    request(max_tokens=8, system=[{"type": "text", "text": "sys"}], messages=[{"role": "user", "content": [{"type": "image"}]}],
            tools=[{"name": "t"}], thinking={"type": "enabled"}),
    request(messages=[{"role": "user", "content": "count me"}], system="s"),
    # OpenAI responses
    request(model="m", input="Tell me a story", instructions="Be brief.", max_output_tokens=32, temperature=0.2, top_p=0.5,
            stream=False, store=False, text={"format": {"type": "text"}}),
    request(input=[{"role": "developer", "content": "d"}, {"type": "message", "role": "user",
            "content": [{"type": "input_text", "text": "hi"}]}, {"role": "assistant", "content": [{"type": "output_text", "text": "yo"}]}],
            previous_response_id="r", store=True, tool_choice="auto", text={"format": {"type": "json_schema"}}),
]


def request_seeds(out):
    for i, r in enumerate(REQUESTS):
        put(out, "request", f"body{i:02d}", r)
    put(out, "request", "utf16", '{"prompt": "x"}'.encode("utf-16"))


def cache_extras(out):
    """Seeds from the local cache that are not committed: llama.cpp's collection of model chat templates and the
    first 64 KB of the default model (header, metadata and part of the tensor table)."""
    for p in sorted(glob.glob(os.path.join(VOCABS, "templates", "*.jinja"))):
        put(out, "jinja", "cache-" + os.path.basename(p).replace(".jinja", ""), open(p, "rb").read())
    for p in sorted(glob.glob(os.path.join(CACHE, "models", "*.gguf")))[:1]:
        with open(p, "rb") as f:
            put(out, "gguf", "cache-model-head", f.read(65536))


def main():
    args = sys.argv[1:]
    cache = "--cache" in args
    args = [a for a in args if a != "--cache"]
    out = args[0] if args else os.path.join(ROOT, "Tests/Fixtures/fuzz")
    with tempfile.TemporaryDirectory() as tmp:
        made = gguf_seeds(out, tmp)
        hf_seed(out, made["llama-bytelevel-f32"])
    safetensors_seeds(out)
    jinja_seeds(out)
    tokenizer_seeds(out)
    request_seeds(out)
    if cache:
        cache_extras(out)
    for t in sorted(os.listdir(out)):
        files = glob.glob(os.path.join(out, t, "*"))
        print(f"{t}: {len(files)} seeds, {sum(os.path.getsize(f) for f in files)} bytes")


if __name__ == "__main__":
    main()
