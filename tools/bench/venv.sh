# Sourced by the bench scripts: the Python environment in tools/bench/.venv (git-ignored), made
# on demand. `gguf` and numpy write the shaped models (../shared/tools/make_shaped_model.py);
# llama-cpp-python, built from source for this CPU, is llama.cpp for `make bench-baseline`.
BENCH_VENV=${BENCH_VENV:-tools/bench/.venv}
GGUF_PACKAGES=("gguf==0.19.0" "numpy<3")
LLAMA_PACKAGE="llama-cpp-python==0.3.36"

bench_venv() {
    if [ ! -x "$BENCH_VENV/bin/python" ]; then
        echo "making $BENCH_VENV (python3 -m venv)" >&2
        python3 -m venv "$BENCH_VENV" || {
            echo "error: python3 -m venv failed; on Debian: apt-get install python3-venv" >&2
            return 1
        }
        "$BENCH_VENV/bin/pip" install --quiet --upgrade pip >&2
    fi
}

# The gguf writer for make_shaped_model.py.
bench_venv_gguf() {
    bench_venv || return 1
    "$BENCH_VENV/bin/python" -c 'import gguf, numpy' 2>/dev/null && return 0
    echo "installing ${GGUF_PACKAGES[*]} in $BENCH_VENV" >&2
    "$BENCH_VENV/bin/pip" install --quiet "${GGUF_PACKAGES[@]}" >&2
}

# llama.cpp through llama-cpp-python, compiled for this CPU (GGML_NATIVE); the first build takes
# a long while.
bench_venv_llama() {
    bench_venv || return 1
    "$BENCH_VENV/bin/python" -c 'import llama_cpp' 2>/dev/null && return 0
    echo "building $LLAMA_PACKAGE (llama.cpp for this CPU) in $BENCH_VENV; this takes a while" >&2
    CMAKE_ARGS="-DGGML_NATIVE=ON -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_CURL=OFF" \
        CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) "$BENCH_VENV/bin/pip" install --no-cache-dir "$LLAMA_PACKAGE" >&2
}
