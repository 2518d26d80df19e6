#!/usr/bin/env bash
# Builds (and pushes) the two container images of the Kubernetes deployment:
#   $REGISTRY/clue:$TAG         coordinator + clue CLI   (deploy/images/coordinator.Dockerfile)
#   $REGISTRY/clue-worker:$TAG  vLLM server + worker     (deploy/images/worker.Dockerfile)
# then prints the pushed digests to pin in the chart values (images.clue.digest, images.worker.digest).
#
# Usage: scripts/build-images.sh [--no-push] [--help]
# Environment:
#   REGISTRY  image prefix (default ghcr.io/clue-orchestrator)
#   TAG       image tag (default: the version in package.json; "latest" is refused)
#   PLATFORM  target platform (default linux/amd64: the vLLM CUDA image is built for it)
# Needs docker with BuildKit (Docker 23+ uses it by default) and, to push, a `docker login` to REGISTRY.
set -euo pipefail

usage() {
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
}

die() {
  printf 'build-images: %s\n' "$*" >&2
  exit 1
}

push=1
for arg in "$@"; do
  case "$arg" in
    --no-push) push=0 ;;
    -h | --help)
      usage
      exit 0
      ;;
    *) die "unknown argument '$arg' (try --help)" ;;
  esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

command -v docker >/dev/null 2>&1 || die "docker is not installed"
registry="${REGISTRY:-ghcr.io/clue-orchestrator}"
registry="${registry%/}"
tag="${TAG:-$(sed -n 's/^  "version": "\([^"]*\)",$/\1/p' package.json | head -n 1)}"
platform="${PLATFORM:-linux/amd64}"
[ -n "$tag" ] || die "no TAG given and no version found in package.json"
[ "$tag" != "latest" ] || die "refusing the tag 'latest': the manifests pin versions"
[[ "$tag" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "'$tag' is not a valid image tag"

revision="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
export DOCKER_BUILDKIT=1

build() {
  local name="$1" dockerfile="$2"
  local image="$registry/$name:$tag"
  printf '==> building %s from %s\n' "$image" "$dockerfile"
  docker build \
    --platform "$platform" \
    --file "$dockerfile" \
    --tag "$image" \
    --label "org.opencontainers.image.version=$tag" \
    --label "org.opencontainers.image.revision=$revision" \
    --label "org.opencontainers.image.source=clue-orchestrator" \
    .
}

build clue deploy/images/coordinator.Dockerfile
build clue-worker deploy/images/worker.Dockerfile

if [ "$push" -eq 0 ]; then
  printf 'built %s/clue:%s and %s/clue-worker:%s (not pushed)\n' "$registry" "$tag" "$registry" "$tag"
  exit 0
fi

for name in clue clue-worker; do
  docker push "$registry/$name:$tag"
done

printf '\nPin the pushed images in your values (or a kustomize images: entry):\n'
for name in clue clue-worker; do
  digest="$(docker image inspect --format '{{index .RepoDigests 0}}' "$registry/$name:$tag")"
  printf '  %s  ->  %s\n' "$name" "${digest#*@}"
done
