"""Fast inference: the same net in lower precision, or under ONNX Runtime, gated on accuracy.

- :mod:`~dosaku.nets.inference.quantize`: bf16 / fp16 (autocast after folding batch norm into
  the convolutions) and static int8 (per-channel weights, activation ranges from calibration
  positions) versions of any registered net, and quantization-aware fine-tuning.
- :mod:`~dosaku.nets.inference.onnx_runtime`: ONNX export (fp32 or int8), the ONNX Runtime
  session, and the check that an export says what the torch net says.
- :mod:`~dosaku.nets.inference.gate`: agreement of a fast net with fp32 (top-1, KL, value
  error), and the per-model record of which backend and precision passed, and how fast each
  ran on this machine; ``auto`` picks from it.
- :mod:`~dosaku.nets.inference.runner`: one interface over all of them (planes in NumPy,
  logits and values out), built from a net or a checkpoint path.

Terms. A *backend* runs the arithmetic: ``torch`` (eager PyTorch) or ``onnxruntime``. A
*precision* is the number type of the heavy layers: ``fp32`` (as trained), ``bf16``, ``fp16``
or ``int8``. *Calibration positions* are encoded planes of real positions from which int8
learns its activation ranges; a checkpoint's are kept beside it (``MODEL.calibration.npz``).
"""

from __future__ import annotations

from .gate import GATE, Agreement, GateRecord, agreement, read_record, write_record
from .quantize import PRECISIONS, InferenceNet, finetune_int8, quantize
from .runner import (BACKENDS, OnnxRunner, Runner, TorchRunner, measure, open_runner,
                     read_calibration, sidecar, write_calibration)

__all__ = ["BACKENDS", "GATE", "PRECISIONS", "Agreement", "GateRecord", "InferenceNet",
           "OnnxRunner", "Runner", "TorchRunner", "agreement", "finetune_int8", "measure",
           "open_runner", "quantize", "read_calibration", "read_record", "sidecar",
           "write_calibration", "write_record"]
