// MARK: - Namespace

/// Float32 kernels on raw, contiguous, row-major buffers: SGEMM and 2-D convolution with its two
/// backward passes.
///
/// Conventions shared by every function:
/// - activations are NHWC, `[batch, height, width, channels]`;
/// - convolution weights are HWIO, `[kernelHeight, kernelWidth, inChannels/groups, outChannels]`;
/// - output buffers are overwritten, never accumulated into (callers accumulate);
/// - workspace (packing buffers, im2col chunks, per-core partial sums) is allocated per call or
///   per block of work, never inside the SIMD loops; work is split over all cores with
///   `DispatchQueue.concurrentPerform`;
/// - there is no global mutable state, so every function may be called from several threads at once.
/// Input and output buffers must not overlap.
///
/// Which code runs:
/// - `sgemm`: packed 6×16 register tiles of SIMD8 FMAs with Goto/BLIS cache blocking;
/// - 1×1 stride-1 unpadded convolutions: that GEMM directly on the NHWC buffer, `[N·H·W, Cin] × [Cin, Cout]`;
/// - depthwise (`groups == channels`): direct SIMD kernels vectorised over the channel axis;
/// - few input channels (the RGB stem): direct kernels; everything else: im2col chunks + GEMM.
/// Bias and clamp epilogues are fused into the pass that writes the output.
///
/// Why NHWC: `sanitize-bench kernels --only layout` times depthwise convolution at
/// EfficientNet-Lite0's shapes in NHWC and in a vectorised NCHW kernel; NHWC, vectorised over
/// channels, was the faster at every shape (figures in Benchmarks/README.md), and 1×1
/// convolutions need no transposition in NHWC.
///
/// The module is compiled for AVX2 + FMA (`-target-cpu haswell` in Package.swift); it needs an
/// x86-64 processor with both.
public enum Kernels {}
