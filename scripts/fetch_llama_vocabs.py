#!/usr/bin/env python3
"""Fetch llama.cpp's tokenizer test vocabularies (models/ggml-vocab-*.gguf with their .inp/.out cases).

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
    if os.path.exists(os.path.join(dest, "complete")):
        return 0
    os.makedirs(dest, exist_ok=True)
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
                if "/vendor/llama.cpp/models/" in member.name and name.startswith("ggml-vocab-") and member.isfile():
                    src = tar.extractfile(member)
                    part = os.path.join(dest, name + ".part")
                    with open(part, "wb") as out:
                        out.write(src.read())
                    os.replace(part, os.path.join(dest, name))
    open(os.path.join(dest, "complete"), "w").write(PACKAGE + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
