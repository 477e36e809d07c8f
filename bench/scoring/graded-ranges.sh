#!/bin/sh
# Each trait's usable range, as docs/traits.md states it: graded series made by ImageMagick's own operators from two
# test photographs and two paintings, scored by `wabi traits`, printed as one line per trait and source (score, and
# the raw measure in brackets, at each strength, mildest first). Needs ImageMagick 6 (`apt-get install imagemagick`)
# and `npm run build`. The committed subsets that the unit tests read are made by test/fixtures/graded/make.sh and
# test/fixtures/tilt/make.sh.
#
#   sh bench/scoring/graded-ranges.sh [path/to/convert]
set -eu
IM=${1:-convert-im6.q16}
DIR=$(mktemp -d "${TMPDIR:-/tmp}/wabi-graded-XXXXXX")
trap 'rm -rf "$DIR"' EXIT
for src in test/fixtures/photos/astronaut.jpg test/fixtures/photos/coffee.jpg examples/images/starry-night.jpg examples/images/shipwreck.jpg; do
  n=$(basename "$src" .jpg)
  # Small sources for the measures of the whole frame and the native patch; 512 px ones for blur, streaks, fringes
  # and vignettes, which an upscaled small source would already show.
  S="$DIR/b-$n.png"; L="$DIR/c-$n.png"
  "$IM" "$src" -resize '256x256>' "png:$S"
  "$IM" "$src" -resize '512x512>' "png:$L"
  for s in 0.5 1 2 4 8; do "$IM" "$L" -blur "0x$s" -quality 92 "jpg:$DIR/$n-blur-$s.jpg"; done
  for s in 3 6 12 24 48; do "$IM" "$L" -motion-blur "0x$s+0" -quality 92 "jpg:$DIR/$n-motion-blur-$s.jpg"; done
  for s in 0.1 0.25 0.5 1 2; do "$IM" "$S" -seed 3 -attenuate "$s" +noise Gaussian "png:$DIR/$n-grain-$s.png"; done
  for q in 60 40 25 12 5; do "$IM" "$S" -quality "$q" "jpg:$DIR/$n-jpeg-artifacts-$q.jpg"; done
  for f in 2 3 4 6 10; do "$IM" "$S" -scale $((100 / f))% -scale $((f * 100))% "png:$DIR/$n-pixelation-$f.png"; done
  for k in 1.1 1.25 1.5 2 3; do "$IM" "$S" -evaluate multiply "$k" -quality 92 "jpg:$DIR/$n-overexposure-$k.jpg"; done
  for k in 0.8 0.6 0.4 0.25 0.12; do "$IM" "$S" -evaluate multiply "$k" -quality 92 "jpg:$DIR/$n-underexposure-$k.jpg"; done
  for c in 80 60 40 25 12; do "$IM" "$S" +level $(((100 - c) / 2))%,$(((100 + c) / 2))% -quality 92 "jpg:$DIR/$n-low-contrast-$c.jpg"; done
  for s in 80 60 40 20 0; do "$IM" "$S" -modulate 100,"$s" -quality 92 "jpg:$DIR/$n-desaturation-$s.jpg"; done
  for s in 130 160 200 250 320; do "$IM" "$S" -modulate 100,"$s" -quality 92 "jpg:$DIR/$n-oversaturation-$s.jpg"; done
  for c in 5 10 20 30 45; do "$IM" "$S" -fill '#30ff30' -colorize "$c%" -quality 92 "jpg:$DIR/$n-color-cast-$c.jpg"; done
  for d in 1 2 3 5 8; do
    "$IM" "$L" \( +clone -channel R -separate +channel -roll +"$d"+0 \) \( -clone 0 -channel G -separate +channel \) \
      \( -clone 0 -channel B -separate +channel -roll -"$d"+0 \) -delete 0 -set colorspace sRGB -combine "png:$DIR/$n-chromatic-aberration-$d.png"
  done
  for g in 85 70 50 30 10; do
    "$IM" "$L" \( +clone -fill white -colorize 100 -background "gray($g%)" -vignette 0x80+0+0 \) -compose multiply -composite -quality 92 "jpg:$DIR/$n-vignette-$g.jpg"
  done
  for k in 64 32 16 8 4 3 2; do "$IM" "$S" +dither -posterize "$k" "png:$DIR/$n-posterization-$k.png"; done
done
node dist/cli.js traits --json "$DIR"/*.png "$DIR"/*.jpg > "$DIR/scores.json" || true
node - "$DIR/scores.json" <<'JS'
const fs = require('fs');
const path = require('path');
const rows = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const by = new Map(rows.map((r) => [path.basename(r.file).replace(/\.(png|jpg)$/, ''), r]));
const LARGE = new Set(['blur', 'motion-blur', 'chromatic-aberration', 'vignette']);
// Strengths in the order a user's "slight" to "extreme" runs (descending numbers for quality, gain < 1, contrast,
// saturation kept, corner brightness and levels).
const DESCENDING = new Set(['jpeg-artifacts', 'underexposure', 'low-contrast', 'desaturation', 'vignette', 'posterization']);
const traits = [...new Set([...by.keys()].map((k) => k.match(/^(?:astronaut|coffee|starry-night|shipwreck)-(.+)-[\d.]+$/)?.[1]).filter(Boolean))];
const fmt = (r, t) => `${r.traits[t].toFixed(2)}(${r.raw[t].toPrecision(3)})`;
for (const t of traits) {
  for (const src of ['astronaut', 'coffee', 'starry-night', 'shipwreck']) {
    const keys = [...by.keys()].filter((k) => k.startsWith(`${src}-${t}-`));
    const x = (k) => parseFloat(k.slice(k.lastIndexOf('-') + 1));
    keys.sort((a, b) => (DESCENDING.has(t) ? x(b) - x(a) : x(a) - x(b)));
    const clean = by.get(`${LARGE.has(t) ? 'c' : 'b'}-${src}`);
    console.log(`${t.padEnd(21)} ${src.padEnd(13)} clean ${fmt(clean, t)} | ${keys.map((k) => `${x(k)}: ${fmt(by.get(k), t)}`).join('  ')}`);
  }
}
JS
