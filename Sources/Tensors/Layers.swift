// MARK: - Initialisation

extension Tensor {
    /// PyTorch's default initialisation for `Conv2d` and `Linear` weights, `kaiming_uniform_(a=√5)`:
    /// uniform in `±1/√fanIn`. Biases use the same bound.
    static func kaimingUniform(_ shape: [Int], fanIn: Int, generator: inout SeededGenerator) -> Tensor {
        let bound = 1 / Float(Swift.max(fanIn, 1)).squareRoot()
        return randomUniform(shape, lower: -bound, upper: bound, generator: &generator)
    }
}

// MARK: - Convolution

/// A 2-D convolution layer on NHWC inputs: parameters `weight` `[kh, kw, inChannels/groups, outChannels]`
/// (HWIO) and optional `bias` `[outChannels]`, initialised like PyTorch's `nn.Conv2d` from the generator.
/// PyTorch's OIHW weights convert with `permuted([2, 3, 1, 0])`.
public final class Conv2d: Module {
    /// `[kh, kw, inChannels/groups, outChannels]`.
    public let weight: Tensor
    /// `[outChannels]`, or `nil` when created with `bias: false` (e.g. before batch norm).
    public let bias: Tensor?
    /// Stride (vertical, horizontal).
    public let stride: (y: Int, x: Int)
    /// Zero padding; `.same` is TensorFlow SAME.
    public let padding: Padding2D
    /// Channel groups (`groups == inChannels == outChannels` is depthwise).
    public let groups: Int
    /// Optional fused clamp of the output (`0...6` for ReLU6).
    public let clamp: ClosedRange<Float>?

    /// Creates the layer; `kernel` and `stride` are (height, width).
    public init(inChannels: Int, outChannels: Int, kernel: (Int, Int), stride: (Int, Int) = (1, 1),
                padding: Padding2D = .valid, groups: Int = 1, bias: Bool = true,
                clamp: ClosedRange<Float>? = nil, generator: inout SeededGenerator) {
        require(inChannels % groups == 0 && outChannels % groups == 0,
                     "Conv2d: channels \(inChannels)→\(outChannels) not divisible by groups \(groups)")
        let fanIn = inChannels / groups * kernel.0 * kernel.1
        weight = .kaimingUniform([kernel.0, kernel.1, inChannels / groups, outChannels], fanIn: fanIn, generator: &generator)
        self.bias = bias ? .kaimingUniform([outChannels], fanIn: fanIn, generator: &generator) : nil
        self.stride = (stride.0, stride.1)
        self.padding = padding
        self.groups = groups
        self.clamp = clamp
        super.init()
        registerParameter("weight", weight)
        if let b = self.bias { registerParameter("bias", b) }
    }

    /// `input.conv2d(...)` with this layer's parameters.
    public override func forward(_ input: Tensor) -> Tensor {
        input.conv2d(weight: weight, bias: bias, stride: stride, padding: padding, groups: groups, clamp: clamp)
    }
}

// MARK: - Batch normalisation

/// Batch normalisation over the channel (last) axis, PyTorch's `nn.BatchNorm2d`: parameters
/// `weight` (1) and `bias` (0), buffers `running_mean` (0), `running_var` (1) and the scalar
/// `num_batches_tracked` (0) under PyTorch's names, so PyTorch state dicts load unchanged.
public final class BatchNorm2d: Module {
    /// γ, `[channels]`.
    public let weight: Tensor
    /// β, `[channels]`.
    public let bias: Tensor
    /// Running mean, `[channels]`, updated in training mode.
    public let runningMean: Tensor
    /// Running (unbiased) variance, `[channels]`, updated in training mode.
    public let runningVariance: Tensor
    /// ε added to the variance (PyTorch's default 1e-5; EfficientNet-Lite0 uses 1e-3).
    public let epsilon: Float
    /// Weight of the newest batch in the running statistics (PyTorch's default 0.1).
    public let momentum: Float
    /// Training batches seen, a scalar (stored as Float; exact up to 2²⁴ batches).
    public let batchesTracked: Tensor

    /// Creates the layer with PyTorch's initial values.
    public init(channels: Int, epsilon: Float = 1e-5, momentum: Float = 0.1) {
        weight = .ones([channels])
        bias = .zeros([channels])
        runningMean = .zeros([channels])
        runningVariance = .ones([channels])
        self.epsilon = epsilon
        self.momentum = momentum
        batchesTracked = Tensor(0)
        super.init()
        registerParameter("weight", weight)
        registerParameter("bias", bias)
        registerBuffer("running_mean", runningMean)
        registerBuffer("running_var", runningVariance)
        registerBuffer("num_batches_tracked", batchesTracked)
    }

    /// Batch statistics (updating the running ones) in training mode, running statistics otherwise.
    public override func forward(_ input: Tensor) -> Tensor {
        if isTraining { batchesTracked.withUnsafeMutableBufferPointer { $0[0] += 1 } }
        return input.batchNorm(runningMean: runningMean, runningVariance: runningVariance, weight: weight, bias: bias,
                        training: isTraining, momentum: momentum, epsilon: epsilon)
    }
}

// MARK: - Linear

/// A fully connected layer `[N, in] → [N, out]` with PyTorch's `nn.Linear` layout and
/// initialisation: `weight` `[out, in]`, `bias` `[out]`.
public final class Linear: Module {
    /// `[outFeatures, inFeatures]`.
    public let weight: Tensor
    /// `[outFeatures]`, or `nil`.
    public let bias: Tensor?

    /// Creates the layer, initialised from the generator.
    public init(inFeatures: Int, outFeatures: Int, bias: Bool = true, generator: inout SeededGenerator) {
        weight = .kaimingUniform([outFeatures, inFeatures], fanIn: inFeatures, generator: &generator)
        self.bias = bias ? .kaimingUniform([outFeatures], fanIn: inFeatures, generator: &generator) : nil
        super.init()
        registerParameter("weight", weight)
        if let b = self.bias { registerParameter("bias", b) }
    }

    /// `input · weightᵀ + bias`.
    public override func forward(_ input: Tensor) -> Tensor {
        input.linear(weight: weight, bias: bias)
    }
}

// MARK: - Composition

/// Modules applied in order, named `"0"`, `"1"`, … as in PyTorch's `nn.Sequential`.
public final class Sequential: Module {
    /// The layers in order.
    public let layers: [Module]

    /// Chains `layers`.
    public init(_ layers: [Module]) {
        self.layers = layers
        super.init()
        for (index, layer) in layers.enumerated() { registerModule("\(index)", layer) }
    }

    /// Chains `layers`.
    public convenience init(_ layers: Module...) {
        self.init(layers)
    }

    /// Each layer's output feeds the next.
    public override func forward(_ input: Tensor) -> Tensor {
        layers.reduce(input) { $1($0) }
    }
}

/// A parameter-free module wrapping a tensor function (ReLU, pooling, flatten, …).
public final class Lambda: Module {
    private let body: (Tensor) -> Tensor

    /// Wraps `body`.
    public init(_ body: @escaping (Tensor) -> Tensor) {
        self.body = body
        super.init()
    }

    /// `body(input)`.
    public override func forward(_ input: Tensor) -> Tensor {
        body(input)
    }

    /// `relu()`.
    public static var relu: Lambda { Lambda { $0.relu() } }
    /// `relu6()`.
    public static var relu6: Lambda { Lambda { $0.relu6() } }
    /// `flattened()`.
    public static var flatten: Lambda { Lambda { $0.flattened() } }
    /// `globalAveragePool()`.
    public static var globalAveragePool: Lambda { Lambda { $0.globalAveragePool() } }

    /// `maxPool2d(kernel:stride:padding:)`.
    public static func maxPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: Padding2D = .valid) -> Lambda {
        Lambda { $0.maxPool2d(kernel: kernel, stride: stride, padding: padding) }
    }

    /// `avgPool2d(kernel:stride:padding:)`.
    public static func avgPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: Padding2D = .valid) -> Lambda {
        Lambda { $0.avgPool2d(kernel: kernel, stride: stride, padding: padding) }
    }
}

/// Inverted dropout with its own seeded generator, active only in training mode.
public final class Dropout: Module {
    /// Probability of zeroing an element, in [0, 1).
    public let probability: Float
    private var generator: SeededGenerator

    /// Creates the layer; masks are drawn from a generator seeded with `seed`.
    public init(probability: Float, seed: UInt64) {
        self.probability = probability
        generator = SeededGenerator(seed: seed)
        super.init()
    }

    /// `input.dropout(...)` in training mode, `input` otherwise.
    public override func forward(_ input: Tensor) -> Tensor {
        input.dropout(probability: probability, training: isTraining, generator: &generator)
    }
}
