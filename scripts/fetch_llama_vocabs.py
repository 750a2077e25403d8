#!/usr/bin/env python3
"""Fetch llama.cpp's tokenizer test vocabularies (models/ggml-vocab-*.gguf with their .inp/.out cases) and
the real models' chat templates llama.cpp tests with (models/templates/*.jinja, into DEST_DIR/templates).

They ship inside the llama-cpp-python source package, whose vendor/llama.cpp tree carries them.
The .out files were written by llama.cpp's own tokenizer (tests/test-tokenizer-0), so Roofline's
tokenizer tests compare against output no one here wrote. Nothing fetched here is committed.

Usage: fetch_llama_vocabs.py DEST_DIR
"""
import glob
import os
import subprocess
import sys
import tarfile
import tempfile

PACKAGE = "llama-cpp-python==0.3.36"



def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    dest = sys.argv[1]
    if os.path.exists(os.path.join(dest, "complete")) and os.path.isdir(os.path.join(dest, "templates")):
        return 0
    os.makedirs(os.path.join(dest, "templates"), exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        print(f"fetching {PACKAGE} source package for llama.cpp's tokenizer test vocabularies ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", "llama-cpp-python",
                        "--disable-pip-version-check", "-q", PACKAGE, "-d", tmp], check=True)
        archives = glob.glob(os.path.join(tmp, "*.tar.gz"))
        if not archives:
            print("no source archive was downloaded", file=sys.stderr)
            return 1
        with tarfile.open(archives[0]) as tar:
            for member in tar.getmembers():
                name = os.path.basename(member.name)
                if not member.isfile():
                    continue
                if "/vendor/llama.cpp/models/" in member.name and name.startswith("ggml-vocab-"):
                    target = os.path.join(dest, name)
                elif "/vendor/llama.cpp/models/templates/" in member.name and name.endswith(".jinja"):
                    target = os.path.join(dest, "templates", name)
                else:
                    continue
                src = tar.extractfile(member)
                with open(target + ".part", "wb") as out:
                    out.write(src.read())
                os.replace(target + ".part", target)
    open(os.path.join(dest, "complete"), "w").write(PACKAGE + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
