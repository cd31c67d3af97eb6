#!/usr/bin/env bash
# The 13 x 192 SL policy net (configs/alphago_sl_gpu.toml) trained on a lent GPU machine in one
# command of at most LEASE_S seconds (this workplace's `device` tool: 10 minutes a command).
#
#   LEASE_S=580 OUT=/some/folder bash device/sl_gpu.sh     (repository root, on the GPU host)
#
# To extend a committed run instead of starting one (no tests, no probe: the rate is known),
# pack it first (its Adam moments in bf16, so that run and games fit the 64 MiB a call carries),
# carry .gpu and .whl, and keep training/ out of the working tree that travels (a
# `git sparse-checkout set --no-cone '/*' '!/training/' '!/benchmarks/' '!/docs/'` for the
# call, `git sparse-checkout disable` after):
#   python device/pack_run.py training/alphago-sl-gpu .gpu/sl-run                (here)
#   RESUME=.gpu/sl-run STEPS=48000 LR=4.8e-3 HALVE=6000 LEASE_S=540 bash device/sl_gpu.sh
# (the schedule is absolute in steps: lr = LR * 0.5 ** (step // HALVE), so these give 3e-4
# from step 24,000 and halve it every 6,000 steps).
#
# 1. puts the 9-dan games where the configs look for them (../shared is not carried there;
#    .gpu/games is) and the wheels of .whl/ (packages the host lacks) on PYTHONPATH;
# 2. runs the CUDA tests (pytest -m gpu);
# 3. a 45 s probe of the same recipe (its own folder) measures positions/s with every loader
#    worker running;
# 4. the run: --steps sized from the probe so that the learning rate halves four times before
#    --max-minutes (the time left minus a reserve for the last validation and the copy);
# 5. the run folder (without its duplicate model.safetensors) as a tar in 15 MiB pieces in
#    OUT (files come back at most 16 MiB each): `cat sl_run.tar.part-* | tar x` restores it.
set -u
start=$(date +%s)
lease=${LEASE_S:-580}
out=${OUT:-/tmp/sl-gpu-out}
mkdir -p "$out"
exec > >(tee -a "$out/sl_gpu.log") 2>&1
export PYTHONUNBUFFERED=1 NUMBA_CACHE_DIR=/tmp/numba-cache PYTHONPATH=$PWD
if ls .whl/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl || exit 1
  export PYTHONPATH=/tmp/site:$PWD
fi
if [ ! -e ../shared/data/games ]; then
  mkdir -p ../shared/data && cp -r .gpu/games ../shared/data/games || exit 1
fi
mount -o remount,size=16G /dev/shm 2>/dev/null || true
echo "== host: $(nproc) cores; /dev/shm $(df -h /dev/shm | awk 'NR==2 {print $2}')"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c "import torch, numba, numpy, sgfmill; print('torch', torch.__version__, \
'cuda', torch.cuda.is_available(), 'numba', numba.__version__, 'numpy', numpy.__version__)" \
  || exit 1
workers=$(( $(nproc) - 2 ))
device=${DEVICE:-cuda}  # DEVICE=cpu: a dry run of this script on a machine without a GPU
extra=${EXTRA:-}  # more flags for both runs (a dry run: EXTRA="--validation-games 2")

if [ -n "${RESUME:-}" ]; then
  : "${STEPS:?RESUME needs STEPS}" "${LR:?RESUME needs LR}" "${HALVE:?RESUME needs HALVE}"
  rm -rf /tmp/sl && cp -r "$RESUME" /tmp/sl || exit 1
  train_s=$(( start + lease - 40 - $(date +%s) ))
  steps=$STEPS halve=$HALVE minutes=$(python3 -c "print(round($train_s / 60, 2))")
  lr_flag="--learning-rate $LR"
  echo "== resuming $RESUME at step $(ls /tmp/sl/checkpoints | grep -v optimizer | tail -1): \
to $steps steps, lr $LR halved every $halve, $minutes min"
else
  echo "== CUDA tests"
  python3 -m pytest -q -p no:cacheprovider -m gpu tests/train/test_train_alphago_sl.py 2>&1 | tail -4

  echo "== probe ($workers loader processes)"
  python3 -m dosaku.cli.main alphago sl --config configs/alphago_sl_gpu.toml --run-dir /tmp/probe \
    --workers "$workers" --max-minutes 0.75 --validation-games 5 --validate-every 1000000 \
    --checkpoint-every 1000000 --device "$device" $extra 2>&1 | tr '\r' '\n' | tail -4
  rate=$(python3 -c "import json; print(json.loads(open('/tmp/probe/metrics.jsonl').read()\
.splitlines()[-1])['positions_per_s'])") || exit 1
  train_s=$(( start + lease - 40 - $(date +%s) ))
  read -r steps halve minutes < <(python3 -c "
s = max(int($rate * ($train_s - 25) / 256), 8); print(s, -(-s // 4), round($train_s / 60, 2))")
  lr_flag=""
  echo "== probe: $rate positions/s; run: $steps steps, lr halved every $halve, $minutes min"
fi
nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader -l 60 &
smi=$!

echo "== run"
python3 -m dosaku.cli.main alphago sl --config configs/alphago_sl_gpu.toml --run-dir /tmp/sl \
  --workers "$workers" --steps "$steps" --lr-halve-every "$halve" --max-minutes "$minutes" $lr_flag \
  --device "$device" $extra 2>&1 | tr '\r' '\n' | awk '/^sl: / {n++; if (n % 200) next} {print}'
kill $smi 2>/dev/null
cat /tmp/sl/metrics.jsonl
(cd /tmp && tar cf - --exclude=sl/model.safetensors sl | split -b 15M - "$out/sl_run.tar.part-")
[ -e /tmp/probe/metrics.jsonl ] && cp /tmp/probe/metrics.jsonl "$out/probe_metrics.jsonl"
ls -la "$out"; echo "== done in $(( $(date +%s) - start )) s"
