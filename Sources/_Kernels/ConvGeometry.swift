// MARK: - Geometry

/// The shape of one 2-D convolution on NHWC activations with HWIO weights.
///
/// Activations are `[batch, height, width, inChannels]`, weights are
/// `[kernelHeight, kernelWidth, inChannels / groups, outChannels]` and the output is
/// `[batch, outHeight, outWidth, outChannels]`, all contiguous row-major Float32.
/// Padding is explicit and may be asymmetric (TensorFlow SAME pads more at the bottom/right);
/// padded positions read as zero. With `groups == inChannels == outChannels` the convolution is
/// depthwise and the weight is `[kh, kw, 1, channels]`.
public struct ConvGeometry: Hashable, Sendable {
    /// Number of images, ≥ 1.
    public var batch: Int
    /// Input height in pixels, ≥ 1.
    public var height: Int
    /// Input width in pixels, ≥ 1.
    public var width: Int
    /// Input channels; a multiple of `groups`.
    public var inChannels: Int
    /// Output channels; a multiple of `groups`.
    public var outChannels: Int
    /// Kernel height, ≥ 1.
    public var kernelHeight: Int
    /// Kernel width, ≥ 1.
    public var kernelWidth: Int
    /// Vertical stride, ≥ 1.
    public var strideY: Int
    /// Horizontal stride, ≥ 1.
    public var strideX: Int
    /// Zero rows added above the input, ≥ 0.
    public var padTop: Int
    /// Zero columns added left of the input, ≥ 0.
    public var padLeft: Int
    /// Zero rows added below the input, ≥ 0.
    public var padBottom: Int
    /// Zero columns added right of the input, ≥ 0.
    public var padRight: Int
    /// Number of channel groups; output channel `co` reads only the input channels of group
    /// `co / (outChannels / groups)`. 1 is an ordinary convolution.
    public var groups: Int

    /// Creates a geometry. Defaults describe an unpadded, ungrouped, stride-1 convolution, the
    /// most common case; use `samePadding(size:kernel:stride:)` for TensorFlow SAME padding.
    public init(batch: Int, height: Int, width: Int, inChannels: Int, outChannels: Int,
                kernelHeight: Int, kernelWidth: Int, strideY: Int = 1, strideX: Int = 1,
                padTop: Int = 0, padLeft: Int = 0, padBottom: Int = 0, padRight: Int = 0,
                groups: Int = 1) {
        self.batch = batch
        self.height = height
        self.width = width
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideY = strideY
        self.strideX = strideX
        self.padTop = padTop
        self.padLeft = padLeft
        self.padBottom = padBottom
        self.padRight = padRight
        self.groups = groups
    }

    /// Output height: `(height + padTop + padBottom - kernelHeight) / strideY + 1`.
    public var outHeight: Int { (height + padTop + padBottom - kernelHeight) / strideY + 1 }

    /// Output width: `(width + padLeft + padRight - kernelWidth) / strideX + 1`.
    public var outWidth: Int { (width + padLeft + padRight - kernelWidth) / strideX + 1 }

    /// Input channels per group (`inChannels / groups`), the weight's third dimension.
    public var inChannelsPerGroup: Int { inChannels / groups }

    /// Output channels per group (`outChannels / groups`).
    public var outChannelsPerGroup: Int { outChannels / groups }

    /// True for a depthwise convolution: one input and one output channel per group.
    public var isDepthwise: Bool { groups == inChannels && groups == outChannels }

    /// Number of Float elements of the input, `batch·height·width·inChannels`.
    public var inputCount: Int { batch * height * width * inChannels }

    /// Number of Float elements of the output, `batch·outHeight·outWidth·outChannels`.
    public var outputCount: Int { batch * outHeight * outWidth * outChannels }

    /// Number of Float elements of the weight, `kernelHeight·kernelWidth·(inChannels/groups)·outChannels`.
    public var weightCount: Int { kernelHeight * kernelWidth * inChannelsPerGroup * outChannels }

    /// Multiply-adds of the forward pass times two (the usual FLOP count, bias excluded).
    public var flops: Double {
        2 * Double(outputCount) * Double(kernelHeight * kernelWidth * inChannelsPerGroup)
    }

    /// TensorFlow SAME padding for one axis: `total = max((ceil(size/stride) - 1)·stride + kernel - size, 0)`,
    /// `before = total / 2` (the smaller half on top/left), `after = total - before`.
    /// The output then has `ceil(size / stride)` positions.
    public static func samePadding(size: Int, kernel: Int, stride: Int) -> (before: Int, after: Int) {
        let outSize = (size + stride - 1) / stride
        let total = max((outSize - 1) * stride + kernel - size, 0)
        return (total / 2, total - total / 2)
    }

    /// Stops with a message naming the bad field when the geometry cannot describe a convolution.
    /// Kernels call this once per call; callers with untrusted shapes should validate first.
    @usableFromInline
    func check() {
        precondition(batch >= 1 && height >= 1 && width >= 1,
                     "ConvGeometry: batch/height/width must be ≥ 1, got \(batch)×\(height)×\(width)")
        precondition(groups >= 1 && inChannels >= 1 && outChannels >= 1
                     && inChannels % groups == 0 && outChannels % groups == 0,
                     "ConvGeometry: channels \(inChannels)→\(outChannels) not divisible by groups \(groups)")
        precondition(kernelHeight >= 1 && kernelWidth >= 1 && strideY >= 1 && strideX >= 1,
                     "ConvGeometry: kernel \(kernelHeight)×\(kernelWidth) and stride \(strideY)×\(strideX) must be ≥ 1")
        precondition(padTop >= 0 && padLeft >= 0 && padBottom >= 0 && padRight >= 0,
                     "ConvGeometry: negative padding \(padTop),\(padLeft),\(padBottom),\(padRight)")
        precondition(outHeight >= 1 && outWidth >= 1,
                     "ConvGeometry: kernel \(kernelHeight)×\(kernelWidth) larger than padded input \(height)×\(width)")
    }
}

// MARK: - Epilogue

/// Applied to `conv2d`'s output after the bias. `.clamp(lower: 0, upper: 6)` is a fused ReLU6,
/// `.clamp(lower: 0, upper: .infinity)` a fused ReLU. `.none` leaves the sum unchanged.
public enum Epilogue: Hashable, Sendable {
    /// No activation: output = convolution + bias.
    case none
    /// output = min(max(convolution + bias, lower), upper); a NaN sum may come out as either bound.
    case clamp(lower: Float, upper: Float)
}
