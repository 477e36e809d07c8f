#!/usr/bin/env bash
# Installs Mesa's software Vulkan driver (lavapipe) so that onnxruntime's WebGPU provider finds an adapter on a
# machine without a GPU, and test/unit/gpu-traits.test.ts checks the trait graph on WebGPU (placement, scores).
# Dawn, WebGPU's engine in onnxruntime, refuses the lavapipe of Mesa 22 (Debian 12's own: it lacks dynamic indexing
# of uniform arrays) and accepts Mesa 23 and later, which Debian 12 has in bookworm-backports.
# Without root or apt it says so and changes nothing: the WebGPU tests then skip with the reason.
set -euo pipefail
log() { echo "install-lavapipe: $*"; }

# (ldconfig's list is read whole: grep -q would close the pipe early and fail it under pipefail)
if ldconfig -p 2>/dev/null | grep 'libvulkan.so.1' >/dev/null && ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1; then
  mesa=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || echo 0)
  if dpkg --compare-versions "$mesa" ge 23; then log "lavapipe present (mesa $mesa)"; exit 0; fi
fi
command -v apt-get >/dev/null || { log "no apt-get: not installed"; exit 0; }
sudo=()
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { log "need root (or sudo): not installed"; exit 0; }
  sudo=(sudo)
fi
. /etc/os-release
suite=()
if [ "${VERSION_CODENAME:-}" = bookworm ]; then
  echo "deb http://deb.debian.org/debian bookworm-backports main" | "${sudo[@]}" tee /etc/apt/sources.list.d/wabi-bookworm-backports.list >/dev/null
  suite=(-t bookworm-backports)
fi
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${suite[@]}" mesa-vulkan-drivers libvulkan1
log "installed mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
