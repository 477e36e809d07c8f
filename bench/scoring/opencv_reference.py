#!/usr/bin/env python3
"""OpenCV reference for the scoring throughput benchmark (bench/scoring/throughput.mjs).

Computes the classic image measures OpenCV has, per file, the way a typical single-process script does:

  imread (JPEG decode included, as Wabi's figures include decoding), then on the BT.601 grey image:
  - Laplacian variance: cv2.Laplacian(gray, cv2.CV_64F).var()             (Pech-Pacheco focus measure)
  - Immerkaer noise sigma: sqrt(pi/2) / (6 (W-2)(H-2)) * sum |filter2D(gray, CV_64F, N)| over the interior,
    N = [1 -2 1; -2 4 -2; 1 -2 1]                                         (Immerkaer 1996)
  - RMS contrast: std of gray / 255
  - clipped highlight / shadow fractions: gray >= 245, gray <= 10
  and on the colour image:
  - Hasler-Suesstrunk colourfulness: sigma_rgyb + 0.3 mu_rgyb, rg = R - G, yb = (R + G) / 2 - B
  - mean HSV saturation: cvtColor(BGR2HSV)[..., 1].mean() / 255

Variants (each timed over the same files, after one untimed warm-up pass that also fills the page cache):
  - threads: cv2.setNumThreads(1), and OpenCV's default thread count (cv2.getNumThreads() at start);
  - resolution: the full decoded image (what a typical script measures), and resized to 512x512 with INTER_AREA
    first (Wabi's working resolution; the resize is timed);
  - `full-pool2` (not in the default list): full resolution over a multiprocessing pool of 2 processes, one OpenCV
    thread each: not a typical script, but it uses both cores as Wabi's pipeline does.

Prints one JSON object to stdout: per variant, images, seconds (median of --repeat runs), images_per_s, and the
process CPU time per image (all threads; less disturbed by other load on the machine than wall time).

Requirements: Debian's `python3-opencv` (apt-get update && apt-get install -y python3-opencv), which brings numpy;
run it with /usr/bin/python3 (a pyenv or venv python will not see Debian's dist-packages).

Usage: opencv_reference.py [--repeat R] [--values] [--variants full-default,full-1,512-default,512-1,full-pool2] FILE...|@LIST
"""
import argparse
import json
import math
import statistics
import sys
import time

import cv2
import numpy as np

IMMERKAER = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float64)
GAIN = math.sqrt(math.pi / 2) / 6
WORKING = 512


def measures(img):
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    h, w = gray.shape
    lap_var = cv2.Laplacian(gray, cv2.CV_64F).var()
    noise = np.abs(cv2.filter2D(gray, cv2.CV_64F, IMMERKAER)[1:-1, 1:-1]).sum() * GAIN / ((w - 2) * (h - 2))
    b, g, r = cv2.split(img.astype(np.float32))
    rg = r - g
    yb = 0.5 * (r + g) - b
    rg_mean, rg_std = cv2.meanStdDev(rg)
    yb_mean, yb_std = cv2.meanStdDev(yb)
    colourfulness = math.hypot(rg_std[0, 0], yb_std[0, 0]) + 0.3 * math.hypot(rg_mean[0, 0], yb_mean[0, 0])
    contrast = gray.std() / 255.0
    saturation = cv2.cvtColor(img, cv2.COLOR_BGR2HSV)[:, :, 1].mean() / 255.0
    n = gray.size
    highlights = np.count_nonzero(gray >= 245) / n
    shadows = np.count_nonzero(gray <= 10) / n
    return {
        'laplacian_var': float(lap_var),
        'noise_sigma': float(noise),
        'colourfulness': float(colourfulness),
        'rms_contrast': float(contrast),
        'mean_saturation': float(saturation),
        'clipped_highlights': float(highlights),
        'clipped_shadows': float(shadows),
    }


def score_file(path, resize):
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    if img is None:
        raise RuntimeError(f'{path}: cannot be read')
    if resize:
        img = cv2.resize(img, (WORKING, WORKING), interpolation=cv2.INTER_AREA)
    return measures(img)


def _init_worker():
    cv2.setNumThreads(1)


def _score_full(path):
    score_file(path, False)


def run_pool(files, procs):
    """Wall seconds for one pass over `files` spread over `procs` worker processes (workers' CPU not counted)."""
    import multiprocessing
    with multiprocessing.get_context('fork').Pool(procs, initializer=_init_worker) as pool:
        pool.map(_score_full, files[: procs * 2], chunksize=1)  # start-up outside the timing
        t0 = time.perf_counter()
        pool.map(_score_full, files, chunksize=4)
        return time.perf_counter() - t0, float('nan')


def run(files, resize):
    """Wall seconds and process CPU seconds (all threads) for one pass over `files`."""
    t0 = time.perf_counter()
    c0 = time.process_time()
    for f in files:
        score_file(f, resize)
    return time.perf_counter() - t0, time.process_time() - c0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('files', nargs='+', help='image files, or @LIST for a file of paths, one a line')
    ap.add_argument('--repeat', type=int, default=3)
    ap.add_argument('--values', action='store_true', help='also print the measures of every file (full resolution)')
    ap.add_argument('--variants', default='full-default,full-1,512-default,512-1')
    args = ap.parse_args()
    files = []
    for a in args.files:
        if a.startswith('@'):
            with open(a[1:], encoding='utf-8') as fh:
                files.extend(line.strip() for line in fh if line.strip())
        else:
            files.append(a)

    default_threads = cv2.getNumThreads()
    # Warm-up: page cache, imread's codec, OpenCV's thread pool and dispatch tables.
    values = {f: score_file(f, False) for f in files}
    result = {
        'tool': 'python3 + OpenCV',
        'python': sys.version.split()[0],
        'opencv': cv2.__version__,
        'numpy': np.__version__,
        'default_threads': default_threads,
        'simd': 'AVX2' if cv2.checkHardwareSupport(getattr(cv2, 'CPU_AVX2', 11)) else 'no AVX2',
        'images': len(files),
        'repeat': args.repeat,
        'variants': [],
    }
    for v in args.variants.split(','):
        res, threads = v.split('-')
        if threads.startswith('pool'):
            # Not a typical script: the same work spread over N processes (one OpenCV thread each), for comparison
            # with Wabi, whose decoding and inference use every core.
            procs = int(threads[4:])
            runs = [run_pool(files, procs) for _ in range(args.repeat)]
            n_threads = f'{procs} processes'
            resize = False
        else:
            n_threads = default_threads if threads == 'default' else int(threads)
            cv2.setNumThreads(n_threads)
            resize = res == '512'
            run(files[: min(len(files), 8)], resize)  # warm this variant's code path
            runs = [run(files, resize) for _ in range(args.repeat)]
        times = [w for w, _ in runs]
        secs = statistics.median(times)
        cpu = statistics.median(c for _, c in runs)
        result['variants'].append({
            'name': v,
            'resolution': 'full' if not resize else f'{WORKING}x{WORKING} (INTER_AREA resize timed)',
            'threads': n_threads,
            'seconds': secs,
            'runs_s': times,
            'images_per_s': len(files) / secs,
            'cpu_s': None if math.isnan(cpu) else cpu,
            'cpu_ms_per_image': None if math.isnan(cpu) else 1000 * cpu / len(files),
        })
    cv2.setNumThreads(default_threads)
    if args.values:
        result['values'] = values
    json.dump(result, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
