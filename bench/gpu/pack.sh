#!/usr/bin/env bash
# Packs what a Linux x86-64 GPU machine with no Node.js and no network needs to run Wabi's scoring benchmarks on a
# copy of this working tree (bench/gpu/check.sh runs them there), into .gpu-kit/ (git-ignored through
# .git/info/exclude, so it travels only when asked for):
#   .gpu-kit/node-kit.tar.xz   bin/node (this machine's Node.js, stripped) and the runtime modules the benchmarks
#                              load, linux-x64 parts only: onnxruntime-node (its CPU/WebGPU library), sharp and
#                              libvips, esbuild (the benchmarks bundle server/src when they start), tokenizers
#   .gpu-kit/gl/*.deb          the Vulkan and GL loaders (Debian packages) that onnxruntime's WebGPU provider needs
#                              to find the GPU's driver; images for GPU machines often lack them
# About 60 MB in all. Node.js must be x86-64 here (the machine it runs on is).
#
#   bash bench/gpu/pack.sh            # then carry .gpu-kit and run bench/gpu/check.sh there
set -euo pipefail
cd "$(dirname "$0")/../.."

KIT=.gpu-kit
if [ "$(uname -m)" != x86_64 ]; then
  echo "pack.sh: this machine is $(uname -m); the kit needs an x86-64 Node.js and x86-64 modules" >&2
  exit 2
fi
exclude=$(git rev-parse --git-path info/exclude)
mkdir -p "$(dirname "$exclude")"
grep -qx "/$KIT/" "$exclude" 2>/dev/null || echo "/$KIT/" >>"$exclude"

MODULES=(
  onnxruntime-common
  sharp @img/colour @img/sharp-linux-x64 @img/sharp-libvips-linux-x64 detect-libc semver
  esbuild @esbuild/linux-x64
  @huggingface/tokenizers
)
for m in "${MODULES[@]}" onnxruntime-node/bin/napi-v6/linux/x64; do
  [ -e "node_modules/$m" ] || { echo "pack.sh: node_modules/$m is missing: run npm ci first" >&2; exit 2; }
done

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/node_modules/onnxruntime-node/bin/napi-v6/linux"
strip -o "$stage/bin/node" "$(command -v node)" 2>/dev/null || cp "$(command -v node)" "$stage/bin/node"
for m in "${MODULES[@]}"; do
  mkdir -p "$stage/node_modules/$(dirname "$m")"
  cp -a "node_modules/$m" "$stage/node_modules/$m"
done
# onnxruntime-node without its macOS and Windows binaries (240 MB of its 290).
for f in package.json dist lib; do cp -a "node_modules/onnxruntime-node/$f" "$stage/node_modules/onnxruntime-node/"; done
cp -a node_modules/onnxruntime-node/bin/napi-v6/linux/x64 "$stage/node_modules/onnxruntime-node/bin/napi-v6/linux/"

rm -rf "$KIT"
mkdir -p "$KIT/gl"
tar -C "$stage" -cJf "$KIT/node-kit.tar.xz" bin node_modules

# The loaders, for amd64 whatever this machine's package architecture.
lists=$(mktemp -d)
o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 "-oDir::State::Lists=$lists")
mkdir -p "$lists/partial"
if apt-get "${o[@]}" update >/dev/null 2>&1 &&
  (cd "$KIT/gl" && apt-get "${o[@]}" download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 >/dev/null 2>&1); then
  :
else
  echo "pack.sh: could not download the Vulkan/GL loaders; check.sh will use what the GPU machine has" >&2
fi
rm -rf "$lists"

du -sh "$KIT"/node-kit.tar.xz "$KIT"/gl
echo "packed $KIT: carry it and run 'bash bench/gpu/check.sh' on the GPU machine"
