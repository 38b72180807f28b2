#!/usr/bin/python3
"""PyTorch peer for the DenseFace neural-engine benchmarks (run with Debian's /usr/bin/python3).

Builds torchvision.models.mobilenet_v2(num_classes=1560) from a fixed seed (random weights, no download),
calibrates its BatchNorm running statistics on seeded random images so that eval-mode BatchNorm is not an
identity, then writes into --out-dir:

  mobilenet_v2.safetensors        state_dict, torchvision parameter names; F32 tensors plus the
                                  `*.num_batches_tracked` counters as I64 scalars (shape []), exactly what
                                  safetensors.torch.save_file(model.state_dict()) would hold
  mobilenet_v2_128.onnx           ONNX export, input "input" [1,3,128,128] -> output "output" [1,1560]
  mobilenet_v2_224.onnx           same weights, input [1,3,224,224]
  reference.safetensors           F32 tensors input_128 [1,3,128,128], output_128 [1,1560],
                                  input_224 [1,3,224,224], output_224 [1,1560]: seeded N(0,1) NCHW inputs and
                                  the eval-mode outputs of the model above (computed on one thread)
  reference_input_128.npy, reference_output_128.npy, reference_input_224.npy, reference_output_224.npy
                                  the same arrays as NumPy .npy files (little-endian float32, C order)

Then times single-image inference on one thread at 128x128 and 224x224 (warm-up, then the median of N runs)
and training throughput (batch 32, 128x128, two threads, forward + MSE loss on random targets + backward +
global-norm gradient clipping at 5 + AdamW step, the settings the C# harness uses; 3 warm-up steps, then the median
step time), and prints one JSON object to stdout.
The benchmarks are not tests: nothing here passes or fails on timing.
"""
import argparse
import copy
import json
import os
import platform
import statistics
import struct
import sys
import time

import numpy as np
import torch
import torchvision

NUM_CLASSES = 1560
SIZES = (128, 224)
SEED = 1234
CLIP_NORM = 5.0  # global-norm gradient clipping of the training benchmark (as in bench/DenseFace.Bench NeuralEngineBenchmark)

_DTYPES = {torch.float32: "F32", torch.int64: "I64"}


def write_safetensors(path, tensors, metadata=None):
    """Writes name -> tensor as a .safetensors file (format: u64 LE header length, JSON header, raw LE data).

    Written by hand because Debian has no python3-safetensors package. Tensors are stored in the given order,
    contiguous, with no holes; the header is padded with spaces to a multiple of 8 bytes as the reference
    implementation does.
    """
    header = {}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        t = t.detach().cpu().contiguous()
        if t.dtype not in _DTYPES:
            raise ValueError(f"{name}: unsupported dtype {t.dtype}")
        arr = t.numpy()
        data = arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": _DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    hjson = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hjson += b" " * (-len(hjson) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for b in blobs:
            f.write(b)


def build_model():
    """MobileNetV2 with seeded random weights and calibrated BatchNorm statistics, in eval mode."""
    torch.manual_seed(SEED)
    model = torchvision.models.mobilenet_v2(weights=None, num_classes=NUM_CLASSES)
    # torchvision initialises BatchNorm to gamma=1, beta=0 and running stats (0, 1): eval-mode BatchNorm would be
    # the identity and a reference output could not catch a wrong BatchNorm. Randomise gamma/beta, then estimate
    # the running statistics from seeded random images (cumulative average over the calibration batches).
    g = torch.Generator().manual_seed(SEED + 1)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.copy_(torch.empty(m.num_features).uniform_(0.5, 1.5, generator=g))
                m.bias.copy_(torch.randn(m.num_features, generator=g) * 0.1)
                m.reset_running_stats()
                m.momentum = None
        model.train()
        for _ in range(4):
            model(torch.randn(8, 3, 128, 128, generator=g))
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.momentum = 0.1  # back to torchvision's default
    model.eval()
    return model


def median_ms(fn, warmup, max_runs, budget_s):
    for _ in range(warmup):
        fn()
    times = []
    start = time.perf_counter()
    while len(times) < max_runs and (len(times) < 5 or time.perf_counter() - start < budget_s):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times), len(times), min(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out-dir", required=True, help="folder for the exported model, ONNX files and references")
    ap.add_argument("--opset", type=int, default=13)
    ap.add_argument("--infer-runs", type=int, default=100, help="most timed inference runs per size")
    ap.add_argument("--train-steps", type=int, default=20, help="most timed training steps")
    ap.add_argument("--budget-s", type=float, default=20.0, help="time budget of each timing loop (seconds)")
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    torch.set_num_interop_threads(1)
    torch.set_num_threads(1)

    model = build_model()
    sd = model.state_dict()
    write_safetensors(os.path.join(args.out_dir, "mobilenet_v2.safetensors"), sd, {
        "format": "pt", "arch": "torchvision.models.mobilenet_v2", "num_classes": NUM_CLASSES, "seed": SEED,
        "torch": torch.__version__, "torchvision": torchvision.__version__})

    # Reference inputs/outputs (eval mode, one thread).
    g = torch.Generator().manual_seed(SEED + 2)
    ref = {}
    with torch.no_grad():  # not inference_mode: the inputs are reused by the ONNX exporter's tracer
        for s in SIZES:
            x = torch.randn(1, 3, s, s, generator=g)
            y = model(x)
            ref[f"input_{s}"] = x
            ref[f"output_{s}"] = y
            np.save(os.path.join(args.out_dir, f"reference_input_{s}.npy"), x.numpy().astype("<f4"))
            np.save(os.path.join(args.out_dir, f"reference_output_{s}.npy"), y.numpy().astype("<f4"))
    write_safetensors(os.path.join(args.out_dir, "reference.safetensors"), ref,
                      {"model": "mobilenet_v2.safetensors", "mode": "eval", "layout": "NCHW"})

    # ONNX export, one file per input size (static shapes let ONNX Runtime plan each fully).
    for s in SIZES:
        torch.onnx.export(model, ref[f"input_{s}"], os.path.join(args.out_dir, f"mobilenet_v2_{s}.onnx"),
                          input_names=["input"], output_names=["output"], opset_version=args.opset,
                          do_constant_folding=True)

    # Single-image inference, one thread.
    infer = {}
    with torch.inference_mode():
        for s in SIZES:
            x = ref[f"input_{s}"]
            med, n, best = median_ms(lambda: model(x), warmup=5, max_runs=args.infer_runs, budget_s=args.budget_s)
            infer[str(s)] = {"median_ms": round(med, 3), "min_ms": round(best, 3), "runs": n}

    # Training throughput, two threads, batch 32 at 128x128 (a copy: the exported weights stay as written).
    torch.set_num_threads(2)
    torch.manual_seed(SEED + 3)
    train_model = copy.deepcopy(model).train()
    opt = torch.optim.AdamW(train_model.parameters(), lr=1e-3, weight_decay=0.01)
    loss_fn = torch.nn.MSELoss()
    xb = torch.randn(32, 3, 128, 128)
    yb = torch.randn(32, NUM_CLASSES)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(train_model(xb), yb)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(train_model.parameters(), CLIP_NORM)
        opt.step()

    step_ms, steps, best_step = median_ms(step, warmup=3, max_runs=args.train_steps, budget_s=args.budget_s)

    result = {
        "infer_ms_1thread": {k: v["median_ms"] for k, v in infer.items()},
        "infer_detail": infer,
        "train_images_per_s_2threads": round(32 * 1e3 / step_ms, 2),
        "train_detail": {"batch": 32, "size": 128, "threads": torch.get_num_threads(), "optimizer": "AdamW(lr=1e-3, weight_decay=0.01)", "loss": "MSE",
                         "clip_global_norm": CLIP_NORM,
                         "median_step_ms": round(step_ms, 2), "min_step_ms": round(best_step, 2), "steps": steps},
        "versions": {"torch": torch.__version__, "torchvision": torchvision.__version__,
                     "python": platform.python_version(), "numpy": np.__version__, "onnx_opset": args.opset},
        "model": {"arch": "torchvision.models.mobilenet_v2", "num_classes": NUM_CLASSES, "seed": SEED,
                  "parameters": sum(p.numel() for p in model.parameters())},
    }
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
