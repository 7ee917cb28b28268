import Tensors

/// The small CNN trained by `sanitize train` and attacked by `sanitize poison`.
///
/// Two conv blocks and a linear head, the same network as `Scripts/anchors/train_torch.py`:
///
///     x [N, H, W, C] in 0–1
///     conv 3×3 (C → c1, pad 1, no bias) → batch norm → ReLU → max pool 2×2
///     conv 3×3 (c1 → c2, pad 1, no bias) → batch norm → ReLU → max pool 2×2
///     flatten [N, (H/4)·(W/4)·c2] → linear → logits [N, classes]
///
/// With the default widths (32, 64) on 28×28 Fashion-MNIST that is 51 k parameters and
/// 4.0 M multiply-adds per image; it reaches about 91–92% test accuracy in 4–5 epochs, which is
/// what the 90% bar needs while keeping a full poison sweep affordable on two cores.
/// The convs carry no bias because batch norm's shift replaces it.
///
/// **Inputs.** `logits(_:training:)` takes 0–1 floats; the 8-bit pixels are divided by 255 in
/// `Batch`. Gradients with respect to 8-bit pixels are those with respect to the input / 255.
///
/// **Names.** Parameters and buffers use PyTorch's `state_dict` names (`conv1.weight`,
/// `bn1.running_mean`, `fc.bias`, …) so a checkpoint maps one-to-one onto the anchor model;
/// conv weights stay HWIO and the linear weight is `[out, in]`.
public final class SmallCNN {
    /// Input height, width and channels the network was built for.
    public let inputShape: (height: Int, width: Int, channels: Int)
    /// Channels of the first and second conv blocks.
    public let widths: (Int, Int)
    /// Number of output classes.
    public let classCount: Int

    /// `[3, 3, C, c1]`, HWIO.
    public let conv1: Tensor
    /// `[3, 3, c1, c2]`, HWIO.
    public let conv2: Tensor
    /// Batch-norm scale and shift of block 1, `[c1]` each.
    public let bn1Weight: Tensor, bn1Bias: Tensor
    /// Batch-norm scale and shift of block 2, `[c2]` each.
    public let bn2Weight: Tensor, bn2Bias: Tensor
    /// Running statistics of block 1 (buffers, not trained by gradient).
    public let bn1Mean: Tensor, bn1Variance: Tensor
    /// Running statistics of block 2.
    public let bn2Mean: Tensor, bn2Variance: Tensor
    /// `[classes, (H/4)·(W/4)·c2]`, PyTorch `nn.Linear` layout.
    public let fcWeight: Tensor
    /// `[classes]`.
    public let fcBias: Tensor

    /// A freshly initialised network.
    ///
    /// Conv weights are Kaiming-normal (std √(2 / fan-in), He et al. 2015, right for ReLU); the
    /// head is PyTorch's default uniform ±1/√fan-in; batch norm starts at scale 1, shift 0,
    /// running mean 0 and variance 1. Every draw comes from `seed`, in a fixed order.
    ///
    /// - Precondition: height and width are multiples of 4 (two 2×2 pools).
    public init(height: Int = 28, width: Int = 28, channels: Int = 1, classCount: Int = 10,
                widths: (Int, Int) = (32, 64), seed: UInt64 = 0) {
        precondition(height % 4 == 0 && width % 4 == 0 && height > 0 && width > 0,
                     "SmallCNN needs a size divisible by 4, got \(height)×\(width)")
        inputShape = (height, width, channels)
        self.widths = widths
        self.classCount = classCount
        var generator = SeededGenerator(seed: seed)
        let (c1, c2) = widths
        conv1 = Tensor.randomNormal([3, 3, channels, c1], standardDeviation: (2 / Float(9 * channels)).squareRoot(),
                                    generator: &generator)
        conv2 = Tensor.randomNormal([3, 3, c1, c2], standardDeviation: (2 / Float(9 * c1)).squareRoot(),
                                    generator: &generator)
        let features = (height / 4) * (width / 4) * c2
        let bound = 1 / Float(features).squareRoot()
        fcWeight = Tensor.randomUniform([classCount, features], lower: -bound, upper: bound, generator: &generator)
        fcBias = Tensor.randomUniform([classCount], lower: -bound, upper: bound, generator: &generator)
        bn1Weight = Tensor.ones([c1])
        bn1Bias = Tensor.zeros([c1])
        bn2Weight = Tensor.ones([c2])
        bn2Bias = Tensor.zeros([c2])
        bn1Mean = Tensor.zeros([c1])
        bn1Variance = Tensor.ones([c1])
        bn2Mean = Tensor.zeros([c2])
        bn2Variance = Tensor.ones([c2])
        setTrainable(true)
    }

    // MARK: - Forward

    /// Logits `[N, classes]` for a batch `[N, H, W, C]` of 0–1 inputs.
    ///
    /// - Parameter training: batch statistics and running-statistics updates when true (the
    ///   running statistics are modified in place); running statistics when false.
    public func logits(_ x: Tensor, training: Bool) -> Tensor {
        precondition(x.rank == 4 && x.shape[1] == inputShape.height && x.shape[2] == inputShape.width
                     && x.shape[3] == inputShape.channels,
                     "SmallCNN built for [N, \(inputShape.height), \(inputShape.width), \(inputShape.channels)], got \(x.shape)")
        var h = x.conv2d(weight: conv1, padding: .symmetric(1))
        h = h.batchNorm(runningMean: bn1Mean, runningVariance: bn1Variance, weight: bn1Weight, bias: bn1Bias,
                        training: training).relu().maxPool2d(kernel: (2, 2))
        h = h.conv2d(weight: conv2, padding: .symmetric(1))
        h = h.batchNorm(runningMean: bn2Mean, runningVariance: bn2Variance, weight: bn2Weight, bias: bn2Bias,
                        training: training).relu().maxPool2d(kernel: (2, 2))
        return h.reshaped([x.shape[0], h.count / x.shape[0]]).linear(weight: fcWeight, bias: fcBias)
    }

    // MARK: - Parameters

    /// The trainable tensors with their PyTorch names, in a fixed order.
    public var parameters: [(name: String, tensor: Tensor)] {
        [("conv1.weight", conv1), ("bn1.weight", bn1Weight), ("bn1.bias", bn1Bias),
         ("conv2.weight", conv2), ("bn2.weight", bn2Weight), ("bn2.bias", bn2Bias),
         ("fc.weight", fcWeight), ("fc.bias", fcBias)]
    }

    /// The running statistics with their PyTorch names.
    public var buffers: [(name: String, tensor: Tensor)] {
        [("bn1.running_mean", bn1Mean), ("bn1.running_var", bn1Variance),
         ("bn2.running_mean", bn2Mean), ("bn2.running_var", bn2Variance)]
    }

    /// Parameters and buffers together: everything a checkpoint stores.
    public var stateDict: [(name: String, tensor: Tensor)] { parameters + buffers }

    /// Turns gradient tracking of every parameter on or off.
    ///
    /// The poisons switch it off while they differentiate with respect to inputs only, so the
    /// backward pass skips the weight gradients.
    public func setTrainable(_ trainable: Bool) {
        for (_, p) in parameters { p.requiresGrad = trainable }
    }

    /// Total number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.tensor.count } }
}
