#!/usr/bin/env python3
"""Reference vectors for SwiGLU from ggml's own vectorised silu (ggml_v_silu / ggml_v_expf in
ggml/src/ggml-cpu/vec.h), AVX-512 and AVX2 versions, as llama.cpp's ggml_vec_swiglu_f32 computes them.

The functions are read from a llama.cpp tree at run time (nothing of it is kept), compiled into a small
harness with the C compiler, and run on fixed inputs; the outputs are written as bit patterns to
Tests/Fixtures/llamacpp/swiglu.json. Needs an x86-64 CPU with AVX-512F.

    python3 scripts/reference/make_swiglu_vectors.py /path/to/llama.cpp
"""
import json, os, random, re, struct, subprocess, sys, tempfile

def extract(src, signature):
    """The text of the inline function that starts with `signature`, up to its closing brace at column 0."""
    i = src.index(signature)
    j = src.index("\n}\n", i)
    return src[i:j + 3]

def main():
    tree = sys.argv[1] if len(sys.argv) > 1 else "/tmp/llamacpp/llama_cpp_python-0.3.36/vendor/llama.cpp"
    vec = open(os.path.join(tree, "ggml/src/ggml-cpu/vec.h")).read()
    # vec.h defines each helper once per SIMD family, under #if chains: take the AVX-512 and AVX2 ones.
    a512 = vec[vec.index("#elif defined(__AVX512F__) && defined(__AVX512DQ__)"):]
    a512 = a512[:a512.index("#elif defined(__AVX2__) && defined(__FMA__)")]
    a2 = vec[vec.index("#elif defined(__AVX2__) && defined(__FMA__)", vec.index("inline static __m512 ggml_v_expf")):]
    code512 = extract(a512, "inline static __m512 ggml_v_expf") + extract(a512, "inline static __m512 ggml_v_silu")
    code256 = extract(a2, "inline static __m256 ggml_v_expf") + extract(a2, "inline static __m256 ggml_v_silu")
    code256 = code256.replace("ggml_v_expf", "ggml_v_expf256").replace("ggml_v_silu", "ggml_v_silu256")
    rng = random.Random(7)
    xs = [rng.uniform(-12, 12) for _ in range(96)] + [95.0, -95.0, 0.0, -0.0, 200.0, -200.0, 1e-30, 88.5, -88.5, 103.0, -103.0, 30.0, -30.0, 5e-8, -5e-8, 1.0]
    gs = [rng.uniform(-1, 1) for _ in xs]
    xs = [struct.unpack("f", struct.pack("f", v))[0] for v in xs]
    gs = [struct.unpack("f", struct.pack("f", v))[0] for v in gs]
    n = len(xs)
    assert n % 16 == 0
    harness = f"""
#include <immintrin.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <stdint.h>
{code512}
{code256}
static const float X[{n}] = {{ {", ".join(repr(v) + "f" if math_ok(v) else "0.0f" for v in xs)} }};
static const float G[{n}] = {{ {", ".join(repr(v) + "f" for v in gs)} }};
int main(void) {{
    float y[{n}]; uint32_t b;
    for (int i = 0; i < {n}; i += 16) _mm512_storeu_ps(y + i, _mm512_mul_ps(ggml_v_silu(_mm512_loadu_ps(X + i)), _mm512_loadu_ps(G + i)));
    for (int i = 0; i < {n}; i++) {{ memcpy(&b, y + i, 4); printf("%u%c", b, i + 1 < {n} ? ' ' : '\\n'); }}
    for (int i = 0; i < {n}; i += 8) _mm256_storeu_ps(y + i, _mm256_mul_ps(ggml_v_silu256(_mm256_loadu_ps(X + i)), _mm256_loadu_ps(G + i)));
    for (int i = 0; i < {n}; i++) {{ memcpy(&b, y + i, 4); printf("%u%c", b, i + 1 < {n} ? ' ' : '\\n'); }}
    return 0;
}}
"""
    with tempfile.TemporaryDirectory() as d:
        c = os.path.join(d, "h.c")
        open(c, "w").write(harness)
        exe = os.path.join(d, "h")
        subprocess.run(["cc", "-O2", "-mavx512f", "-mavx512dq", "-mavx2", "-mfma", c, "-o", exe, "-lm"], check=True)
        lines = subprocess.run([exe], check=True, capture_output=True, text=True).stdout.split("\n")
    bits = lambda v: struct.unpack("I", struct.pack("f", v))[0]
    out = {
        "generator": "ggml_v_silu from llama.cpp's ggml/src/ggml-cpu/vec.h (llama-cpp-python 0.3.36 vendor tree), "
                     "compiled by scripts/reference/make_swiglu_vectors.py",
        "x": [bits(v) for v in xs], "g": [bits(v) for v in gs],
        "avx512": [int(t) for t in lines[0].split()], "avx2": [int(t) for t in lines[1].split()],
    }
    path = os.path.join(os.path.dirname(__file__), "../../Tests/Fixtures/llamacpp/swiglu.json")
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(out, f)
    os.replace(tmp, path)
    print(f"wrote {n} vectors to {os.path.normpath(path)}")

def math_ok(v):
    return v == v and abs(v) != float("inf")

if __name__ == "__main__":
    main()
