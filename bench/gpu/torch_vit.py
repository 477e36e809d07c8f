#!/usr/bin/env python3
"""PyTorch's images/s for a ViT-B/32 image encoder with random weights, the reference issue 10 sets Wabi's model
judges against (>= 0.5x of PyTorch fp32 on the same GPU). torchvision's vit_b_32 has the shapes of CLIP's ViT-B/32
image tower that bench/lib/clipVitB32.mjs builds for Wabi (224 px, 32 px patches, width 768, 12 layers, 12 heads).
fp32 and bf16 autocast at batch 1, 8 and 32 on the CUDA device; medians of timed runs after warm-ups, each run
synchronised. Without torch or a CUDA device it says so and writes what it could not do.

  python3 bench/gpu/torch_vit.py [--batches 1,8,32] [--runs 30] [--out FILE]
"""
import argparse
import json
import statistics
import sys
import time


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", default="1,8,32")
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--out", default="torch.json")
    args = ap.parse_args()
    result = {"benchmark": "torch-vit-b32", "rows": []}
    try:
        import torch
        import torchvision
    except ImportError as e:
        result["error"] = f"no PyTorch here ({e})"
        return finish(result, args.out)
    if not torch.cuda.is_available():
        result["error"] = "PyTorch sees no CUDA device"
        return finish(result, args.out)
    torch.manual_seed(0)
    device = torch.device("cuda")
    result["device"] = torch.cuda.get_device_name(0)
    result["torch"] = torch.__version__
    model = torchvision.models.vit_b_32(weights=None).eval().to(device)
    model.heads = torch.nn.Identity()  # the CLS embedding, as an encoder gives it
    for batch in [int(b) for b in args.batches.split(",")]:
        x = torch.randn(batch, 3, 224, 224, device=device)
        for dtype in ("fp32", "bf16"):
            with torch.inference_mode(), torch.autocast("cuda", dtype=torch.bfloat16, enabled=dtype == "bf16"):
                for _ in range(5):
                    model(x)
                torch.cuda.synchronize()
                times = []
                for _ in range(args.runs):
                    t0 = time.perf_counter()
                    model(x)
                    torch.cuda.synchronize()
                    times.append(time.perf_counter() - t0)
            ips = batch / statistics.median(times)
            result["rows"].append({"batch": batch, "dtype": dtype, "imagesPerS": ips})
            print(f"vit_b_32 {dtype} batch {batch:>2}: {ips:,.1f} img/s", flush=True)
    return finish(result, args.out)


def finish(result: dict, out: str) -> int:
    if "error" in result:
        print(result["error"])
    with open(out, "w") as f:
        json.dump(result, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
