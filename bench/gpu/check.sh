#!/usr/bin/env bash
# Issue 10's GPU figures in one run, on a Linux x86-64 GPU machine holding a copy of this working tree and the kit
# bench/gpu/pack.sh made (.gpu-kit): no Node.js, npm or network needed there.
#   1. where the trait graph's nodes run on WebGPU (placement.mjs: nodes on the CPU, copies between the two);
#   2. trait throughput, CPU against WebGPU, beside decoding alone (bench/scoring/throughput.mjs, whole pipeline);
#   3. a CLIP ViT-B/32-sized judge (random weights) per provider, per image, batched and on the product's run path
#      (bench/scoring/judges.mjs);
#   4. the same encoder's shapes in PyTorch, fp32 and bf16, where python3 has torch and a CUDA device (torch_vit.py).
# Everything printed goes to check.txt in $OUT (or out/gpu-check), and each step's .txt and .json into results.tgz
# beside it: two files to bring back from the remote machine. A failing step is reported and the others still
# run. Sizes can be cut for a quick try: WABI_GPU_IMAGES (default 256), WABI_GPU_BATCHES (8,16,32),
# WABI_GPU_ROUNDS (2), WABI_GPU_JUDGE_IMAGES (64), WABI_GPU_PROVIDERS (webgpu,cpu).
#
#   bash bench/gpu/check.sh
set -uo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
dest=${OUT:-$repo/out/gpu-check}
mkdir -p "$dest"
res=$(mktemp -d)
exec > >(tee "$dest/check.txt") 2>&1
kit=$repo/.gpu-kit
images=${WABI_GPU_IMAGES:-256}
batches=${WABI_GPU_BATCHES:-8,16,32}
rounds=${WABI_GPU_ROUNDS:-2}
judge_images=${WABI_GPU_JUDGE_IMAGES:-64}
providers=${WABI_GPU_PROVIDERS:-webgpu,cpu}

step() { echo "=== $1 ($(date -u +%T))"; }

# Node.js and the modules: the kit's, unpacked once outside the tree.
if [ -f "$kit/node-kit.tar.xz" ]; then
  if [ ! -x /tmp/wabi-kit/bin/node ]; then
    mkdir -p /tmp/wabi-kit && tar -C /tmp/wabi-kit -xJf "$kit/node-kit.tar.xz" || exit 2
  fi
  export PATH=/tmp/wabi-kit/bin:$PATH
  [ -e node_modules ] || ln -s /tmp/wabi-kit/node_modules node_modules
fi
command -v node >/dev/null || { echo "check.sh: no node: run bench/gpu/pack.sh where there is one and carry .gpu-kit" >&2; exit 2; }

# The Vulkan loader for onnxruntime's WebGPU provider, and the NVIDIA driver's description where none is found.
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1 '; then
  for f in "$kit"/gl/*.deb; do [ -f "$f" ] && dpkg -x "$f" /; done
  ldconfig
fi
nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$nvidia_icd" ]; then export VK_DRIVER_FILES=$nvidia_icd; fi
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}

step machine
{
  echo "cores: $(nproc); node $(node --version); load: $(cut -d' ' -f1-3 /proc/loadavg)"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
  ldconfig -p | grep -m1 'libvulkan.so.1 ' || echo "no Vulkan loader"
} | tee "$res/machine.txt"

step "placement of the trait graph on WebGPU"
node bench/gpu/placement.mjs --out "$res/placement.json" 2>&1 | tee "$res/placement.txt"

for p in ${providers//,/ }; do
  step "trait throughput on $p"
  node bench/scoring/throughput.mjs --count "$images" --batches "$batches" --rounds "$rounds" --provider "$p" --no-opencv \
    --out "$res/scoring-$p.json" 2>&1 | tee "$res/scoring-$p.txt"
done

step "judge throughput"
node bench/scoring/judges.mjs --providers "$providers" --batches 1,8,32 --images "$judge_images" --rounds "$rounds" \
  --out "$res/judges.json" 2>&1 | tee "$res/judges.txt"

step "PyTorch reference"
python3 bench/gpu/torch_vit.py --out "$res/torch.json" 2>&1 | tee "$res/torch.txt"

step done
tar -C "$res" -czf "$dest/results.tgz" .
rm -rf "$res"
ls -la "$dest"
