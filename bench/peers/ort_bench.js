#!/usr/bin/env node
// ONNX Runtime (CPU, one thread) peer for the DenseFace neural-engine benchmarks.
// Usage: node bench/peers/ort_bench.js DIR [--runs N] [--budget-s S]
// DIR holds mobilenet_v2_{128,224}.onnx and reference.safetensors written by torch_mobilenet.py.
// For each size: checks ONNX Runtime's output on the reference input against PyTorch's eval-mode output
// (max abs diff), then times single-image inference (warm-up, then the median of up to N runs) and prints
// one JSON object to stdout. Benchmarks only: nothing here passes or fails on timing.
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

const SIZES = [128, 224];

function parseArgs(argv) {
  const args = { dir: null, runs: 200, budgetS: 15 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') args.runs = Number(argv[++i]);
    else if (argv[i] === '--budget-s') args.budgetS = Number(argv[++i]);
    else if (args.dir === null) args.dir = argv[i];
    else throw new Error(`unexpected argument '${argv[i]}'`);
  }
  if (args.dir === null) throw new Error('usage: ort_bench.js DIR [--runs N] [--budget-s S]');
  if (!(args.runs >= 1) || !(args.budgetS > 0)) throw new Error('--runs must be >= 1 and --budget-s > 0');
  return args;
}

/** Reads the F32 tensors of a .safetensors file: name -> { shape, data: Float32Array }. */
function readSafetensors(file) {
  const buf = fs.readFileSync(file);
  const headerLen = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + headerLen).toString('utf8'));
  const base = 8 + headerLen;
  const out = {};
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__' || t.dtype !== 'F32') continue;
    const [b, e] = t.data_offsets;
    const bytes = buf.subarray(base + b, base + e);
    const data = new Float32Array(bytes.length / 4);
    for (let i = 0; i < data.length; i++) data[i] = bytes.readFloatLE(i * 4);
    out[name] = { shape: t.shape, data };
  }
  return out;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const ref = readSafetensors(path.join(args.dir, 'reference.safetensors'));
  const options = {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  };
  const infer = {};
  const detail = {};
  const diffs = {};
  for (const s of SIZES) {
    const session = await ort.InferenceSession.create(path.join(args.dir, `mobilenet_v2_${s}.onnx`), options);
    const x = ref[`input_${s}`];
    const expected = ref[`output_${s}`];
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', x.data, x.shape) };

    const y = (await session.run(feeds))[session.outputNames[0]].data;
    if (y.length !== expected.data.length) throw new Error(`${s}: output has ${y.length} values, expected ${expected.data.length}`);
    let maxDiff = 0;
    for (let i = 0; i < y.length; i++) maxDiff = Math.max(maxDiff, Math.abs(y[i] - expected.data[i]));
    diffs[String(s)] = maxDiff;

    for (let i = 0; i < 10; i++) await session.run(feeds);
    const times = [];
    const start = process.hrtime.bigint();
    while (times.length < args.runs &&
           (times.length < 5 || Number(process.hrtime.bigint() - start) / 1e9 < args.budgetS)) {
      const t0 = process.hrtime.bigint();
      await session.run(feeds);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    infer[String(s)] = Number(median(times).toFixed(3));
    detail[String(s)] = { median_ms: infer[String(s)], min_ms: Number(Math.min(...times).toFixed(3)), runs: times.length };
    await session.release();
  }
  const result = {
    infer_ms_1thread: infer,
    infer_detail: detail,
    onnx_vs_torch_max_abs_diff: Math.max(...Object.values(diffs)),
    onnx_vs_torch_max_abs_diff_by_size: diffs,
    versions: {
      onnxruntime_node: require('onnxruntime-node/package.json').version,
      onnxruntime: ort.env.versions.node,
      node: process.version,
    },
    session_options: options,
  };
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}

main().catch((e) => { console.error(e && e.stack ? e.stack : String(e)); process.exit(1); });
