#!/usr/bin/env python3
"""llama.cpp's tokenization under pre-tokenizers that no test vocabulary of llama.cpp's own covers (`gpt-4o`:
gpt-oss's o200k_harmony, Llama 4), on the default model's vocabulary and merges with `tokenizer.ggml.pre` set to
each name: the ids of a set of awkward strings (contractions, case changes, digits, unicode, whitespace), through
libllama's C API (llama-cpp-python 0.3.36's ctypes bindings, as make_llamacpp_reference.py uses them).

Writes Tests/Fixtures/llamacpp/pretokenizer_<name>.json; the Swift test builds the same vocabulary from the default
model and must give the same ids.

    . /tmp/llamacpp/env.sh && python3 scripts/reference/make_pretokenizer_reference.py
"""
import json
import os
import sys

import gguf

sys.path.insert(0, os.path.dirname(__file__))
import make_arch_reference as mar  # noqa: E402
from make_llamacpp_reference import LlamaRef, import_llama_cpp, REPO_ROOT, write_json  # noqa: E402

NAMES = ["gpt-4o"]
TEXTS = ["Hello world", "I'm here, you're there; WE'LL see. DON'T", "HelloWorld iPhone McDonald's camelCaseWord ABCdef",
         "12345678 3.14159 1,000,000", "  leading spaces\tand tabs\n\nnewlines\r\n", "/usr/local/bin\nfile.txt",
         "Ünïcödé ÀÉÎ Straße", "Привет Мир", "日本語のテキスト", "emoji 🙂👍 done", "x=1234567;y=-0.5e10", "a  b   c    d",
         "'s 'S 't 're 've 'm 'll 'd", "ΑΒΓ αβγ ΆΈΉ", "don't\n\n\nstop", "<|im_start|>user"]


def main():
    L = import_llama_cpp(os.environ.get("LLAMA_BIN_DIR", "/tmp/llamacpp/build/bin"))
    os.makedirs("/tmp/roofline-pre", exist_ok=True)
    for name in NAMES:
        def copy_tokenizer(reader, w, name=name):
            for key, f in reader.fields.items():
                if not key.startswith("tokenizer."):
                    continue
                if key == "tokenizer.ggml.pre":
                    w.add_string(key, name)
                    continue
                vtype = f.types[0]
                sub = f.types[1] if vtype == gguf.GGUFValueType.ARRAY else None
                w.add_key_value(key, f.contents(), vtype, sub_type=sub)
        mar.copy_tokenizer = copy_tokenizer
        path = f"/tmp/roofline-pre/pre-{name}.gguf"
        mar.write_model("llama", path, mar.DEFAULT_MODEL)
        ref = LlamaRef(L, path, 64, 1)
        cases = [{"text": t, "ids": ref.tokenize(t, add_special=False, parse_special=False)} for t in TEXTS]
        write_json(os.path.join(REPO_ROOT, "Tests/Fixtures/llamacpp", f"pretokenizer_{name}.json"),
                   {"pre": name, "generator": "scripts/reference/make_pretokenizer_reference.py; llama.cpp (llama-cpp-python 0.3.36 vendor)",
                    "vocabulary": "the default model's tokens and merges", "cases": cases})
    return 0


if __name__ == "__main__":
    sys.exit(main())
