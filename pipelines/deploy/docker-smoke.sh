#!/bin/bash
# Builds the easykv image (Dockerfile beside this script) and smoke-tests it: the binary starts,
# finds its libraries, and summarises two small documents with a model mounted read-only, as the
# Kubernetes Jobs beside it do. From the repository root:
#
#   pipelines/deploy/docker-smoke.sh            # checks, then build and run (a Docker daemon and a model)
#   pipelines/deploy/docker-smoke.sh --static   # only the checks that need no daemon
#
# The checks that need no daemon always run first: the Dockerfile against the repository (every
# COPY source exists, the Makefile's apt packages are installed) and against the Kubernetes Jobs
# (the paths they run), the Slurm scripts' syntax and signal set-up, then `docker build --check`
# (BuildKit's Dockerfile lint) and hadolint where installed. Without a daemon the script stops
# after them and says that the image was not built. EASYKV_MODEL names the model to mount
# (default: models/SmolLM2-135M-Instruct.Q4_1.gguf); IMAGE the tag (default easykv-smoke:local).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dockerfile="$here/Dockerfile"
image=${IMAGE:-easykv-smoke:local}
model=${EASYKV_MODEL:-$root/models/SmolLM2-135M-Instruct.Q4_1.gguf}
static_only=0
if [ "${1:-}" = "--static" ]; then static_only=1; fi

fail() { echo "docker-smoke: FAIL: $*" >&2; exit 1; }
note() { echo "docker-smoke: $*" >&2; }

# --- Checks that need no daemon ----------------------------------------------------------------

[ -f "$dockerfile" ] || fail "$dockerfile: missing"
# shellcheck disable=SC2016  # the ${SWIFT_VERSION} below is the Dockerfile's, not ours
grep -qx 'FROM swift:${SWIFT_VERSION}-bookworm AS build' "$dockerfile" ||
  fail "Dockerfile: the build stage must be FROM swift:\${SWIFT_VERSION}-bookworm AS build"
# shellcheck disable=SC2016
grep -qx 'FROM swift:${SWIFT_VERSION}-bookworm-slim' "$dockerfile" ||
  fail "Dockerfile: the run stage must be FROM swift:\${SWIFT_VERSION}-bookworm-slim"

# Every COPY from the build context names something in the repository.
while read -r _ args; do
  case "$args" in --from=*) continue ;; esac
  read -r -a words <<<"$args"
  for source in "${words[@]:0:${#words[@]}-1}"; do
    compgen -G "$root/$source" >/dev/null || fail "Dockerfile: COPY $source: not in the repository"
  done
done < <(grep -E '^COPY ' "$dockerfile")

# The system libraries `make deps` installs are the ones the build stage installs.
for package in $(sed -n 's/^APT_PACKAGES *:= *//p' "$root/Makefile"); do
  grep -qw -- "$package" "$dockerfile" || fail "Dockerfile: the Makefile installs $package, the image does not"
done

# What the Kubernetes Jobs run is where the image puts it.
grep -qx 'WORKDIR /app' "$dockerfile" || fail "Dockerfile: the Jobs run in /app (workingDir)"
grep -q 'COPY --from=build /out/easykv /app/.build/release/easykv' "$dockerfile" ||
  fail "Dockerfile: the Jobs run /app/.build/release/easykv"
grep -qx 'COPY pipelines /app/pipelines' "$dockerfile" || fail "Dockerfile: the Jobs read /app/pipelines"
for job in "$here"/kubernetes-*.yaml; do
  grep -q 'workingDir: /app$' "$job" || fail "$job: workingDir is not /app"
  grep -q 'exec .build/release/easykv ' "$job" || fail "$job: does not exec .build/release/easykv"
  for pipeline in $(grep -o 'pipelines/[a-z_]*\.yaml' "$job" | sort -u); do
    [ -f "$root/$pipeline" ] || fail "$job: $pipeline does not exist"
  done
done

# Slurm: valid bash, and the early SIGTERM reaches easykv. Without B:, --signal goes to the job
# steps only, so easykv must run as a step (srun); with B: it goes to the batch shell only.
for script in "$here"/slurm-*.sh; do bash -n "$script" || fail "$script: not valid bash"; done
signal=$(sed -n 's/^#SBATCH --signal=\([^ ]*\).*/\1/p' "$here/slurm-array.sh")
case "$signal" in
  "") fail "slurm-array.sh: no --signal: easykv would be killed at the time limit without writing its batch" ;;
  B:*) grep -qE '^exec \.build/release/easykv ' "$here/slurm-array.sh" ||
    fail "slurm-array.sh: --signal=$signal reaches only the batch shell: exec easykv in it" ;;
  *) grep -qE '^srun .*\.build/release/easykv run ' "$here/slurm-array.sh" ||
    fail "slurm-array.sh: --signal=$signal reaches only job steps: start easykv with srun" ;;
esac
note "static checks passed (Dockerfile, Kubernetes Jobs, Slurm scripts)"

if docker buildx version >/dev/null 2>&1; then
  docker build --check -f "$dockerfile" "$root" || fail "docker build --check"
  note "docker build --check passed"
else
  note "docker build --check: not run (needs docker buildx, not installed here)"
fi
if command -v hadolint >/dev/null 2>&1; then
  hadolint "$dockerfile" || fail "hadolint"
  note "hadolint passed"
else
  note "hadolint: not run (not installed)"
fi

if [ "$static_only" = 1 ]; then exit 0; fi
if ! command -v docker >/dev/null 2>&1 || ! docker info >/dev/null 2>&1; then
  note "no Docker daemon here: the image was NOT built or run; only the checks above ran"
  exit 0
fi

# --- Build and run -----------------------------------------------------------------------------

docker build -f "$dockerfile" -t "$image" "$root"
docker run --rm "$image" easykv --version
docker run --rm "$image" easykv run --help | grep -q -- '--resume' || fail "easykv run --help"

[ -f "$model" ] || fail "no model at $model (set EASYKV_MODEL)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/docs" "$work/out"
printf 'The cat sat on the mat all afternoon, watching the birds.\n' >"$work/docs/a.txt"
printf 'Rain fell on the town all day, and the river rose.\n' >"$work/docs/b.txt"
chmod -R a+rwX "$work"
docker run --rm -v "$work:/data" -v "$(realpath "$model"):/models/model.gguf:ro" \
  -e EASYKV_MODEL=/models/model.gguf "$image" \
  easykv run pipelines/summarize.yaml --input /data/docs --output /data/out/s.jsonl --max-tokens 8 --quiet
[ "$(wc -l <"$work/out/s.jsonl")" -eq 2 ] || fail "expected 2 records in the output"
[ "$(grep -c '"status":"ok"' "$work/out/s.jsonl")" -eq 2 ] || fail "expected 2 ok records: $(cat "$work/out/s.jsonl")"
note "image $image built and ran the summarize pipeline: 2 ok records"
