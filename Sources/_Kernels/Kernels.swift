// MARK: - Namespace

/// Float32 kernels on raw, contiguous, row-major buffers: SGEMM and 2-D convolution with its two
/// backward passes.
///
/// Conventions shared by every function:
/// - activations are NHWC, `[batch, height, width, channels]`;
/// - convolution weights are HWIO, `[kernelHeight, kernelWidth, inChannels/groups, outChannels]`;
/// - output buffers are overwritten, never accumulated into (callers accumulate);
/// - workspace is allocated once per call, outside inner loops; work is split over all cores with
///   `DispatchQueue.concurrentPerform`;
/// - there is no global mutable state, so every function may be called from several threads at once.
/// Input and output buffers must not overlap.
public enum Kernels {}
