#!/usr/bin/env bash
# Peer benchmarks for the DenseFace neural engine: ONNX Runtime and PyTorch on the CPU.
# Usage: bench/peers/run.sh [OUT.json]   (default artifacts/peers.json, relative to the repository root)
# Installs the peers if needed (install.sh), exports MobileNetV2 (1,560 outputs) from PyTorch and times it
# (torch_mobilenet.py), times the ONNX export in ONNX Runtime (ort_bench.js), and merges both into OUT.
# Exported model, ONNX files and reference input/output stay in artifacts/peers/. Not part of the tests.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
out="${1:-artifacts/peers.json}"
dir="artifacts/peers"
mkdir -p "$dir" "$(dirname "$out")"

"$here/install.sh" >&2

echo "== PyTorch: export + timing" >&2
/usr/bin/python3 "$here/torch_mobilenet.py" --out-dir "$dir" > "$dir/torch.json"
echo "== ONNX Runtime: timing + check against PyTorch" >&2
node "$here/ort_bench.js" "$dir" > "$dir/ort.json"

deb_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo unknown; }
TORCH_DEB="$(deb_version python3-torch)" TORCHVISION_DEB="$(deb_version python3-torchvision)" \
CPU_MODEL="$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)" CPU_COUNT="$(nproc)" \
node - "$dir/torch.json" "$dir/ort.json" "$out" <<'JS'
const fs = require('fs');
const [torchFile, ortFile, outFile] = process.argv.slice(2);
const pt = JSON.parse(fs.readFileSync(torchFile, 'utf8'));
const ort = JSON.parse(fs.readFileSync(ortFile, 'utf8'));
const env = process.env;
const merged = {
  infer_ms_1thread: { onnxruntime: ort.infer_ms_1thread, pytorch: pt.infer_ms_1thread },
  train_images_per_s_2threads: { pytorch: pt.train_images_per_s_2threads },
  versions: {
    onnxruntime: ort.versions.onnxruntime,
    onnxruntime_node: ort.versions.onnxruntime_node,
    node: ort.versions.node,
    torch: pt.versions.torch,
    torch_deb: env.TORCH_DEB,
    torchvision: pt.versions.torchvision,
    torchvision_deb: env.TORCHVISION_DEB,
    python: pt.versions.python,
    numpy: pt.versions.numpy,
    onnx_opset: pt.versions.onnx_opset,
  },
  reference: {
    onnx_vs_torch_max_abs_diff: ort.onnx_vs_torch_max_abs_diff,
    by_size: ort.onnx_vs_torch_max_abs_diff_by_size,
    files: 'artifacts/peers/ (mobilenet_v2.safetensors, mobilenet_v2_{128,224}.onnx, reference.safetensors, reference_{input,output}_{128,224}.npy)',
  },
  detail: {
    onnxruntime: { infer: ort.infer_detail, session_options: ort.session_options },
    pytorch: { infer: pt.infer_detail, train: pt.train_detail },
    model: pt.model,
  },
  machine: { cpu: env.CPU_MODEL, cpus: Number(env.CPU_COUNT) },
  date_utc: new Date().toISOString(),
};
fs.writeFileSync(outFile, JSON.stringify(merged, null, 2) + '\n');
JS
echo "wrote $out" >&2
cat "$out"
