#!/usr/bin/env bash
# Installs what the end-to-end tests need, on a fresh Debian 12 machine with Node 20 and only the npm registry
# and Debian apt reachable:
#   - Debian chromium (driven headless by playwright-core, a devDependency of the repo),
#   - code-server 4.100.3, which bundles VS Code 1.100.3 (the minimum engines.vscode the extension claims),
#     into test/e2e/.tools/ (ignored by git), pinned by test/e2e/tools/package-lock.json.
# Idempotent: a rerun with nothing changed only checks and returns.
#
#   bash test/e2e/install.sh          # install what is missing
#   WABI_E2E_FORCE=1 bash ...         # reinstall code-server even if the stamp says it is current
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
manifest="$here/tools"
tools="$here/.tools"
log() { printf '[e2e install] %s\n' "$*"; }
started=$SECONDS

[[ $(uname -s)-$(uname -m) == Linux-x86_64 ]] ||
  { log "this installer knows Linux x86_64 only (the ripgrep asset below); this is $(uname -s)-$(uname -m)"; exit 1; }

# --- 1. System packages ---------------------------------------------------------------------------------
# chromium: the browser; libkrb5-dev: VS Code's `kerberos` module builds from source; build-essential and
# python3: node-gyp for VS Code's native modules; fonts-dejavu-core: readable text in screenshots; unzip: the
# end-to-end test unpacks the packaged VSIX.
apt_pkgs=(chromium libkrb5-dev build-essential python3 fonts-dejavu-core unzip)
missing=()
for p in "${apt_pkgs[@]}"; do
  [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true) == 'install ok installed' ]] || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=()
  if [[ $(id -u) != 0 ]]; then
    command -v sudo >/dev/null || { log "need root (or sudo) to apt-get install ${missing[*]}"; exit 1; }
    sudo=(sudo)
  fi
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  log "system packages present: ${apt_pkgs[*]}"
fi
command -v chromium >/dev/null || { log "chromium is not on PATH after install"; exit 1; }

# --- 2. code-server ---------------------------------------------------------------------------------------
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[[ $node_major == 20 ]] || { log "code-server 4.100.3 needs Node 20, this is $(node -v)"; exit 1; }

# The stamp names exactly what was installed: the manifest, its lockfile, this script, and the Node version.
stamp_want="$(cat "$manifest/package.json" "$manifest/package-lock.json" "$here/install.sh" | sha256sum | cut -c1-16)-node$node_major"
code_server="$tools/node_modules/code-server/out/node/entry.js"
if [[ -z ${WABI_E2E_FORCE:-} && -f $tools/.stamp && $(cat "$tools/.stamp") == "$stamp_want" && -f $code_server &&
      -e $tools/node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin/rg ]]; then
  log "code-server already installed in ${tools#"$PWD/"} ($stamp_want)"
  log "done in $((SECONDS - started)) s"
  exit 0
fi

log "installing code-server into ${tools#"$PWD/"}"
rm -rf "$tools"
mkdir -p "$tools/tmp"
cp "$manifest/package.json" "$manifest/package-lock.json" "$tools/"

# npm 11 runs a dependency's install scripts only when allowed: tools/package.json allows code-server's and
# argon2's; code-server's postinstall then runs `npm install` in lib/vscode and lib/vscode/extensions, projects
# of their own, which get tools/vscode.npmrc as their project .npmrc (copied in between the two phases below).
# strict-allow-scripts: an install script nobody allowed fails the install rather than leaving VS Code broken.
export npm_config_strict_allow_scripts=true
export npm_config_unsafe_perm=true # code-server's postinstall refuses to run as root without it
export npm_config_yes=true         # node-pty's postinstall runs npx
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
export npm_config_loglevel=warn  # (node-gyp follows it too; build errors still show)
export TMPDIR="$tools/tmp"         # private temp dir: the ripgrep download cache below lives in it
# node-gyp must not download Node headers: use the ones installed beside node, when there are some.
configured_nodedir="$(npm config get nodedir 2>/dev/null || true)"
if [[ -z ${npm_config_nodedir:-} && ( -z $configured_nodedir || $configured_nodedir == undefined ) ]]; then
  node_prefix="$(node -p 'require("path").resolve(process.execPath, "../..")')"
  [[ -f $node_prefix/include/node/node_api.h ]] && export npm_config_nodedir="$node_prefix"
fi

# Phase 1: unpack everything without running scripts.
(cd "$tools" && npm ci --ignore-scripts --no-audit --no-fund)

# @vscode/ripgrep's postinstall downloads rg from GitHub (unreachable). It first looks in its cache dir
# $TMPDIR/vscode-ripgrep-cache-<version>/, so seed that with the asset it expects, made from the rg binary of
# the npm package @vscode/ripgrep-linux-x64.
rg_version="$(node -p 'require(process.argv[1]).packages["node_modules/@vscode/ripgrep"].version' \
  "$tools/node_modules/code-server/lib/vscode/npm-shrinkwrap.json")"
cache="$TMPDIR/vscode-ripgrep-cache-$rg_version"
mkdir -p "$cache/stage"
cp "$tools/node_modules/@vscode/ripgrep-linux-x64/bin/rg" "$cache/stage/rg"
chmod +x "$cache/stage/rg"
tar -czf "$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$cache/stage" rg
log "seeded ripgrep cache for @vscode/ripgrep $rg_version ($("$cache/stage/rg" --version | head -1))"

for d in lib/vscode lib/vscode/extensions; do
  cp "$manifest/vscode.npmrc" "$tools/node_modules/code-server/$d/.npmrc"
done

# Phase 2: run the install scripts (code-server's postinstall installs VS Code's own dependencies).
(cd "$tools" && npm rebuild --foreground-scripts)

[[ -f $code_server ]] || { log "code-server missing after install"; exit 1; }
[[ -e $tools/node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin/rg ]] ||
  { log "VS Code's ripgrep binary missing after install"; exit 1; }
# (code-server writes a default config and a log dir even for --version: keep them out of $HOME)
XDG_CONFIG_HOME="$TMPDIR" XDG_DATA_HOME="$TMPDIR" "$tools/node_modules/.bin/code-server" --version
rm -rf "$tools/tmp"
echo "$stamp_want" >"$tools/.stamp"
log "done in $((SECONDS - started)) s"
