"""Lower precision for inference: bf16, fp16 and static int8 versions of any registered net.

*int8* is post-training static quantization (Jacob et al. 2018, "Quantization and Training of
Neural Networks for Efficient Integer-Arithmetic-Only Inference"): each convolution followed
by batch norm is folded into one convolution, weights are int8 per output channel
(symmetric), activations uint8 per tensor (all 8 bits where the CPU has VNNI/AMX, see
:func:`qconfig_mapping`) with ranges observed (histogram) on *calibration* planes, and the
integer kernels run on the CPU's VNNI / AMX units. Layers without an int8
kernel (attention, layer norm, the transformer's GELU, squeeze-excitation's gate) stay in
fp32 between a dequantize and a quantize. *bf16* / *fp16* fold batch norm the same way and
run the convolutions and matrix products under ``torch.autocast`` (reductions and the heads'
final softmax-free outputs come back as fp32).

When post-training int8 loses too much (the gate in :mod:`.gate` says so),
:func:`finetune_int8` fine-tunes with fake quantization in the graph (quantization-aware
training) and the fp32 net as teacher: policy KL plus value squared error, the same measures
the gate applies, so no game labels are needed and any positions serve.

Which API, and why. Measured here (torch 2.13 CPU, one thread, ``resnet_b6c64`` 9x9, batch
64; fp32 1,310 positions/s):

- ``torch.ao.quantization`` FX graph mode, ``x86`` backend: 12,700 positions/s, no compiler;
  ``prepare_fx`` folds conv + BN (+ ReLU) itself. Marked deprecated in favour of torchao,
  yet present and working in 2.13.
- torchao's PT2E flow (``torch.export``, ``X86InductorQuantizer``, ``torch.compile`` with
  freezing): 7,600 positions/s, after 11 s of C++ compilation per model and input shape at
  run time (1,650 positions/s without freezing).
- torchao's ``quantize_`` configs quantize ``nn.Linear``; the convolutions that hold nearly
  all of these nets' multiply-adds would stay fp32.

So the FX flow is used, and confined to this module: its deprecation warnings are silenced
here and only here, and if it goes, the PT2E flow replaces it without a change elsewhere.
"""

from __future__ import annotations

import copy
import warnings
from contextlib import contextmanager, nullcontext

import torch
import torch.nn.functional as F
from torch import nn

from ..config import ModelConfig
from ..model import GoNet, NetOutput

PRECISIONS = ("fp32", "bf16", "fp16", "int8")
AUTOCAST = {"bf16": torch.bfloat16, "fp16": torch.float16}


class Graph(nn.Module):
    """GoNet's forward without the Python-side shape check, so FX and torch.export can trace
    it: planes (B, C, n, n) -> a tuple of the outputs the net has, named by ``outputs``."""

    def __init__(self, net: GoNet):
        super().__init__()
        self.backbone = net.backbone
        self.policy_head = net.policy_head
        self.value_head = net.value_head
        self.outputs = tuple(name for name in ("policy", "value")
                             if getattr(net, f"{name}_head") is not None)

    def forward(self, planes: torch.Tensor) -> tuple[torch.Tensor, ...]:
        features = self.backbone.forward_features(planes)  # (B, C, n, n)
        out = []
        if self.policy_head is not None:
            out.append(self.policy_head(features))  # (B, n*n + 1)
        if self.value_head is not None:
            out.append(self.value_head(features))  # (B,)
        return tuple(out)


class InferenceNet(nn.Module):
    """A net converted for inference: the same planes in, the same :class:`NetOutput` out
    (fp32 tensors), other arithmetic inside. ``precision`` is one of :data:`PRECISIONS`."""

    def __init__(self, config: ModelConfig, graph: nn.Module, outputs: tuple[str, ...],
                 precision: str):
        super().__init__()
        self.config = config
        self.graph = graph
        self.outputs = outputs
        self.precision = precision

    def forward(self, planes: torch.Tensor) -> NetOutput:
        c, n = self.config.in_planes, self.config.board_size
        if planes.dim() != 4 or tuple(planes.shape[1:]) != (c, n, n):
            raise ValueError(f"{self.config.encoder} on {n}x{n} takes (B, {c}, {n}, {n}) "
                             f"planes, got {tuple(planes.shape)}")
        dtype = AUTOCAST.get(self.precision)
        with torch.autocast("cpu", dtype=dtype) if dtype is not None else nullcontext():
            out = dict(zip(self.outputs, self.graph(planes), strict=True))
        policy, value = out.get("policy"), out.get("value")
        return NetOutput(None if policy is None else policy.float(),
                         None if value is None else value.float())


@contextmanager
def quiet_ao():
    """Silence torch.ao.quantization's deprecation and observer warnings (see the module
    docstring for why this API is used all the same)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"torch\.ao\..*")
        warnings.filterwarnings("ignore", message=r".*(deprecated|reduce_range|quant_min).*")
        yield


def check_precision(precision: str) -> None:
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, "
                         f"not {precision!r}")


def fold_batch_norm(net: GoNet) -> nn.Module:
    """The net's Graph with every conv -> BN pair folded into one conv (eval-mode arithmetic:
    the same outputs up to rounding)."""
    from torch.fx.experimental.optimization import fuse
    return fuse(Graph(copy.deepcopy(net).eval()))


KEEP_FP32 = ("policy_head", "value_head")
"""Modules int8 leaves in fp32 by default: the heads. They hold a few percent of the
multiply-adds, but their outputs are the logits and the value themselves: on the 9x9 Zero
net (gen0042) int8 heads moved top-1 agreement from 0.96 to 0.84 and the value MAE from
0.0001 to 0.004, every lost agreement a near-tie of the fp32 policy."""


def int8_has_dot_product_units() -> bool:
    """True if this CPU multiplies int8 with 32-bit accumulation (AVX-512 VNNI, AVX-VNNI or
    AMX), so activations may use all 8 bits. Without them FBGEMM's 16-bit intermediate sums
    (``vpmaddubsw``) can saturate, which is why torch's x86 defaults observe activations with
    7 bits (``reduce_range``)."""
    try:
        with open("/proc/cpuinfo") as info:
            flags = next((line for line in info if line.startswith("flags")), "").split()
    except OSError:
        return False
    return bool({"avx512_vnni", "avx_vnni", "amx_int8"} & set(flags))


def qconfig_mapping(qat: bool = False, keep_fp32: tuple[str, ...] = KEEP_FP32):
    """torch's x86 mapping (histogram-observed uint8 activations, per-channel symmetric int8
    weights), with 8-bit activations where the CPU has int8 dot-product units, and the
    modules in ``keep_fp32`` left unquantized.

    Measured on the 9x9 Zero net r3 generation 21 (2,000 held-out self-play positions): top-1
    agreement 0.9625 with torch's 7-bit activations, 0.9805 with 8 bits (KL 0.00038 ->
    0.00018), at the same speed."""
    from torch.ao.quantization import (QConfig, get_default_qat_qconfig_mapping,
                                       get_default_qconfig_mapping)
    from torch.ao.quantization.fake_quantize import FusedMovingAvgObsFakeQuantize
    from torch.ao.quantization.observer import HistogramObserver, MovingAverageMinMaxObserver

    mapping = (get_default_qat_qconfig_mapping if qat else get_default_qconfig_mapping)("x86")
    if int8_has_dot_product_units():
        default = mapping.global_qconfig
        if qat:
            activation = FusedMovingAvgObsFakeQuantize.with_args(
                observer=MovingAverageMinMaxObserver, quant_min=0, quant_max=255,
                reduce_range=False)
        else:
            activation = HistogramObserver.with_args(reduce_range=False)
        full = QConfig(activation=activation, weight=default.weight)
        mapping.set_global(full)
        for kind, qconfig in list(mapping.object_type_qconfigs.items()):
            if qconfig is default:
                mapping.set_object_type(kind, full)
    for name in keep_fp32:
        mapping = mapping.set_module_name(name, None)
    return mapping


def quantize(net: GoNet, precision: str, calibration: torch.Tensor | None = None,
             batch: int = 64, keep_fp32: tuple[str, ...] = KEEP_FP32) -> InferenceNet:
    """``net`` in ``precision``; int8 needs ``calibration`` planes (B, C, n, n), run through
    the net in batches of ``batch`` to set the activation ranges (a few hundred positions
    from real games are plenty; random planes are not: their ranges are not a game's).
    ``keep_fp32``: names of modules int8 leaves in fp32 (see :data:`KEEP_FP32`).

    Raises ValueError for an unknown precision or int8 without calibration planes.
    """
    check_precision(precision)
    outputs = Graph(net).outputs
    if precision == "fp32":
        return InferenceNet(net.config, Graph(copy.deepcopy(net).eval()), outputs, precision)
    if precision in AUTOCAST:
        return InferenceNet(net.config, fold_batch_norm(net), outputs, precision)
    if calibration is None or len(calibration) == 0:
        raise ValueError("int8 needs calibration planes: positions from games or self-play")
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

    with quiet_ao():
        graph = Graph(copy.deepcopy(net).eval()).eval()
        mapping = qconfig_mapping(keep_fp32=keep_fp32)
        prepared = prepare_fx(graph, mapping, (calibration[:1],))
        with torch.inference_mode():
            for start in range(0, len(calibration), batch):
                prepared(calibration[start:start + batch])
        converted = convert_fx(prepared)
    return InferenceNet(net.config, converted, outputs, "int8")


def distillation_loss(student: tuple[torch.Tensor, ...], teacher: tuple[torch.Tensor, ...],
                      outputs: tuple[str, ...]) -> torch.Tensor:
    """KL(teacher policy || student policy) + (value difference)^2, averaged over the batch."""
    loss = torch.zeros(())
    for name, s, t in zip(outputs, student, teacher, strict=True):
        if name == "policy":
            loss = loss + F.kl_div(F.log_softmax(s, dim=1), F.log_softmax(t, dim=1),
                                   log_target=True, reduction="batchmean")
        else:
            loss = loss + F.mse_loss(s, t)
    return loss


def finetune_int8(net: GoNet, planes: torch.Tensor, steps: int = 200, batch: int = 64,
                  lr: float = 1e-4, seed: int = 0,
                  keep_fp32: tuple[str, ...] = KEEP_FP32) -> InferenceNet:
    """Quantization-aware fine-tuning: fake-quantize the folded net, train it for ``steps``
    steps of ``batch`` positions drawn from ``planes`` to match the fp32 net (policy KL +
    value squared error), then convert it to int8.

    Batch norm keeps its running statistics throughout (the teacher is in eval mode; batch
    statistics of a few positions would only add noise); observers stop updating for the
    second half, so the last steps train against fixed ranges.
    """
    from torch.ao.nn.intrinsic import qat as intrinsic_qat
    from torch.ao.quantization import disable_observer
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_qat_fx

    teacher = Graph(copy.deepcopy(net).eval()).eval()
    outputs = teacher.outputs
    generator = torch.Generator().manual_seed(seed)
    with quiet_ao():
        student = Graph(copy.deepcopy(net)).train()
        mapping = qconfig_mapping(qat=True, keep_fp32=keep_fp32)
        prepared = prepare_qat_fx(student, mapping, (planes[:2],))
        prepared.apply(intrinsic_qat.freeze_bn_stats)
        for module in prepared.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.eval()  # batch norms that were not folded (densenet's pre-activation)
        optimizer = torch.optim.Adam(prepared.parameters(), lr=lr)
        for step in range(steps):
            if step == steps // 2:
                prepared.apply(disable_observer)
            rows = torch.randint(len(planes), (batch,), generator=generator)
            x = planes[rows]
            with torch.no_grad():
                target = teacher(x)
            loss = distillation_loss(prepared(x), target, outputs)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        prepared.eval()
        converted = convert_fx(prepared)
    return InferenceNet(net.config, converted, outputs, "int8")
