#!/usr/bin/env bash
# Build llama.cpp's llama-server and llama-bench once, outside the repository, from
# the llama-cpp-python source distribution on PyPI (it vendors llama.cpp). Used as
# the speed reference (benches/llama_cpp_compare.sh) and by the HTTP backend test.
# Prints the bin directory. Needs cmake (apt-get install -y cmake).
#
#   benches/build_llama_cpp.sh [native (default) | avx2 | avxvnni | avx512vnni]
#
# `avx2`, `avxvnni` and `avx512vnni` build ggml for exactly that instruction set (GGML_NATIVE
# off), so it can be compared with nl2sql forced onto the same kernel (NL2SQL_KERNEL).
set -euo pipefail
ISA=${1:-native}
LC=${NL2SQL_HOME:-$HOME/.cache/nl2sql}/llama.cpp
case "$ISA" in
  native) BUILD=$LC/build; FLAGS=(-DGGML_NATIVE=ON) ;;
  avx2) BUILD=$LC/build-avx2
    FLAGS=(-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF -DGGML_AVX_VNNI=OFF) ;;
  avxvnni) BUILD=$LC/build-avxvnni
    FLAGS=(-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF -DGGML_AVX_VNNI=ON) ;;
  avx512vnni) BUILD=$LC/build-avx512vnni
    FLAGS=(-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=ON -DGGML_AVX512_VNNI=ON) ;;
  *) echo "unknown instruction set $ISA: native, avx2, avxvnni or avx512vnni" >&2; exit 2 ;;
esac
BIN=$BUILD/bin
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
cmake -S "$V" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release "${FLAGS[@]}" -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF >&2
cmake --build "$BUILD" -j"$(nproc)" --target llama-bench llama-server >&2
echo "$BIN"
