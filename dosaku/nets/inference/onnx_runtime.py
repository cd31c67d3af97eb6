"""ONNX export of any registered net, int8 ONNX, and ONNX Runtime sessions.

Export goes through ``torch.onnx.export(dynamo=True)`` (``torch.export`` then onnxscript's
translation; the TorchScript exporter is deprecated), with a dynamic batch dimension, one
input ``planes`` (B, C, n, n) and the outputs the net has: ``policy`` (B, n*n+1) logits
and/or ``value`` (B,). The file describes itself like a checkpoint: its metadata holds the
same ``dosaku`` JSON header (model config, encoder, board size) plus the precision, so
:func:`load_onnx` needs nothing else.

int8 ONNX is ONNX Runtime's static quantization in the QOperator format (QLinearConv,
QLinearMatMul), uint8 activations and int8 per-channel weights, calibrated on positions.
Measured here (one thread, ``resnet_b6c64`` 9x9): 4,900 / 6,500 / 6,200 positions/s at batch
1 / 8 / 64, against 3,700 / 4,400 / 4,600 for the QDQ format and ~230 for int8 activations
(ONNX Runtime warns that s8s8 QOperator is slow on x64, and it is).
"""

from __future__ import annotations

import io
import json
import logging
import tempfile
import warnings
from contextlib import contextmanager, redirect_stdout
from os import PathLike
from pathlib import Path

import numpy as np
import torch

from ..checkpoint import FORMAT, FORMAT_VERSION, METADATA_KEY
from ..config import ModelConfig
from ..model import GoNet
from .quantize import Graph

ONNX_PRECISIONS = ("fp32", "int8")
QUANTIZED_OPS = ["Conv"]
"""int8 covers the convolutions (nearly all the multiply-adds of the convolutional nets);
the heads' fully connected layers stay fp32, as in :data:`.quantize.KEEP_FP32` and for the
same reason. The transformer's matrix products stay fp32 too."""
OPSET = 18


@contextmanager
def quiet_exporter():
    """The exporter logs every torchvision op it cannot register, prints its progress and
    warns about pytree internals; ONNX Runtime's quantizer logs shape-inference misses on
    the root logger. None of it is news to a user of dosaku."""
    loggers = [logging.getLogger(name) for name in ("torch.onnx", "")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def header(config: ModelConfig, precision: str) -> str:
    return json.dumps({"format": FORMAT, "format_version": FORMAT_VERSION,
                       "model": config.to_dict(), "encoder": config.encoder,
                       "board_size": config.board_size, "precision": precision})


def export_onnx(net: GoNet, path: str | PathLike, precision: str = "fp32",
                calibration: np.ndarray | None = None) -> Path:
    """Write ``net`` as ONNX to ``path`` in ``precision`` (fp32 or int8; int8 needs
    ``calibration`` planes (B, C, n, n) float32). Returns the path.

    Raises ValueError for another precision or int8 without calibration planes.
    """
    import onnx
    if precision not in ONNX_PRECISIONS:
        raise ValueError(f"ONNX export supports {', '.join(ONNX_PRECISIONS)}, not {precision!r}")
    if precision == "int8" and (calibration is None or len(calibration) == 0):
        raise ValueError("int8 ONNX needs calibration planes: positions from games or self-play")
    path = Path(path)
    graph = Graph(net).eval()
    c, n = net.config.in_planes, net.config.board_size
    example = torch.zeros(2, c, n, n)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "fp32.onnx"
        with quiet_exporter(), torch.inference_mode():
            torch.onnx.export(graph, (example,), str(fp32), input_names=["planes"],
                              output_names=list(graph.outputs), opset_version=OPSET,
                              dynamic_shapes=({0: torch.export.Dim("batch")},), dynamo=True,
                              external_data=False, verbose=False)
        if precision == "int8":
            with quiet_exporter():
                fp32 = quantize_onnx(fp32, Path(tmp) / "int8.onnx", calibration)
        model = onnx.load(str(fp32))
    del model.metadata_props[:]
    onnx.helper.set_model_props(model, {METADATA_KEY: header(net.config, precision)})
    onnx.save(model, str(path))
    return path


def quantize_onnx(source: Path, target: Path, calibration: np.ndarray,
                  batch: int = 64) -> Path:
    """Static int8 (QOperator, u8 activations, s8 per-channel weights) of an fp32 ONNX file."""
    from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType,
                                          quantize_static)
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.batches = iter(np.ascontiguousarray(calibration[i:i + batch], np.float32)
                                for i in range(0, len(calibration), batch))

        def get_next(self):
            planes = next(self.batches, None)
            return None if planes is None else {"planes": planes}

    prepared = target.with_name("prepared.onnx")
    quant_pre_process(str(source), str(prepared), skip_symbolic_shape=True)
    quantize_static(str(prepared), str(target), Reader(), quant_format=QuantFormat.QOperator,
                    per_channel=True, activation_type=QuantType.QUInt8,
                    weight_type=QuantType.QInt8, op_types_to_quantize=QUANTIZED_OPS)
    return target


def onnx_header(path: str | PathLike) -> tuple[ModelConfig, str]:
    """(model config, precision) from an exported file's metadata; ValueError if absent."""
    import onnx
    model = onnx.load(str(path), load_external_data=False)
    props = {p.key: p.value for p in model.metadata_props}
    if METADATA_KEY not in props:
        raise ValueError(f"{path}: no dosaku header: not exported by dosaku")
    data = json.loads(props[METADATA_KEY])
    return ModelConfig.from_dict(data["model"]), data["precision"]


def onnx_session(path: str | PathLike, threads: int | None = 1):
    """An ONNX Runtime CPU session on ``threads`` threads (one per process, as for torch)."""
    import onnxruntime as ort
    options = ort.SessionOptions()
    if threads is not None:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # errors only
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
