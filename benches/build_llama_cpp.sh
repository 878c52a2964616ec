#!/usr/bin/env bash
# Build llama.cpp's llama-server and llama-bench once, outside the repository, from
# the llama-cpp-python source distribution on PyPI (it vendors llama.cpp). Used as
# the speed reference (benches/llama_cpp_compare.sh) and by the HTTP backend test.
# Prints the bin directory. Needs cmake (apt-get install -y cmake).
set -euo pipefail
LC=${NL2SQL_HOME:-$HOME/.cache/nl2sql}/llama.cpp
BIN=$LC/build/bin
if [ -x "$BIN/llama-server" ] && [ -x "$BIN/llama-bench" ]; then echo "$BIN"; exit 0; fi
if ! command -v cmake >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq >&2 && apt-get install -y -qq cmake >&2
  else
    echo "cmake is missing: install it (apt-get install -y cmake)" >&2; exit 2
  fi
fi
mkdir -p "$LC/src"
ls "$LC"/src/llama_cpp_python-*.tar.gz >/dev/null 2>&1 || \
  python3 -m pip download -q --no-deps --no-binary llama-cpp-python llama-cpp-python==0.3.36 -d "$LC/src" >&2
[ -d "$(ls -d "$LC"/src/llama_cpp_python-*/ 2>/dev/null | head -1)" ] || tar -xzf "$LC"/src/llama_cpp_python-*.tar.gz -C "$LC/src"
V=$(ls -d "$LC"/src/llama_cpp_python-*/vendor/llama.cpp | head -1)
cmake -S "$V" -B "$LC/build" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF >&2
cmake --build "$LC/build" -j"$(nproc)" --target llama-bench llama-server >&2
echo "$BIN"
