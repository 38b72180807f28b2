#!/usr/bin/env bash
# Measures the shipped (or given) landmark model: 300-W HELEN test set from ground-truth boxes with 1 pass,
# 2 passes and 2 passes + flip, and the held-out synthetic benchmark. Writes JSON under artifacts/eval/.
#   scripts/evaluate-landmarks.sh [MODEL_DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
model=${1:-models/landmarks}
data=${DENSEFACE_DATA:-../shared}
out=artifacts/eval; mkdir -p "$out"
./denseface eval 300w --data "$data/data/300w/helen/testset" --model "$model" --passes 1 --json "$out/helen_1pass.json"
./denseface eval 300w --data "$data/data/300w/helen/testset" --model "$model" --passes 2 --json "$out/helen_2pass.json"
./denseface eval 300w --data "$data/data/300w/helen/testset" --model "$model" --passes 2 --flip --json "$out/helen_2pass_flip.json"
./denseface bench landmarks --model "$model" --faces 100 --json "$out/synthetic.json"
