import _Kernels

// MARK: - Convolution with BatchNorm folded in

/// One convolution of the inference path: HWIO weights with the inference-mode BatchNorm that
/// follows it folded in, a bias, TF-SAME padding and an optional fused ReLU6.
///
/// Folding (`// o i ky kx, o -> ky kx i o`): with `s = γ / √(σ² + ε)`,
/// `BN(conv(x, W)) = conv(x, W·s) + (β − μ·s)`, computed in Double and rounded once.
struct FoldedConv {
    /// Square kernel side.
    let kernel: Int
    /// Stride on both axes.
    let stride: Int
    /// Input channels.
    let inChannels: Int
    /// Output channels.
    let outChannels: Int
    /// 1 for a dense convolution, `inChannels` for a depthwise one.
    let groups: Int
    /// Whether ReLU6 follows (fused as a clamp to 0…6).
    let clampsToSix: Bool
    /// `[kernel, kernel, inChannels / groups, outChannels]`, BN scale folded in.
    let weight: [Float]
    /// `[outChannels]`: `β − μ·s`.
    let bias: [Float]

    /// Folds `batchNorm` into the OIHW `weight` of shape `[out, in/groups, k, k]`.
    init(oihw: [Float], outChannels: Int, inPerGroup: Int, kernel: Int, stride: Int, groups: Int,
         batchNorm: BatchNormParameters, clampsToSix: Bool) {
        self.kernel = kernel
        self.stride = stride
        self.inChannels = inPerGroup * groups
        self.outChannels = outChannels
        self.groups = groups
        self.clampsToSix = clampsToSix
        let scale = batchNorm.scale
        var hwio = [Float](repeating: 0, count: oihw.count)
        for o in 0..<outChannels {
            for i in 0..<inPerGroup {
                for ky in 0..<kernel {
                    for kx in 0..<kernel {
                        let source = ((o * inPerGroup + i) * kernel + ky) * kernel + kx
                        let target = ((ky * kernel + kx) * inPerGroup + i) * outChannels + o
                        hwio[target] = Float(Double(oihw[source]) * scale[o])
                    }
                }
            }
        }
        self.weight = hwio
        self.bias = batchNorm.shift.map { Float($0) }
    }

    /// The geometry for an NHWC input of `batch × height × width × inChannels`, with TF-SAME padding.
    func geometry(batch: Int, height: Int, width: Int) -> ConvGeometry {
        let padY = ConvGeometry.samePadding(size: height, kernel: kernel, stride: stride)
        let padX = ConvGeometry.samePadding(size: width, kernel: kernel, stride: stride)
        return ConvGeometry(batch: batch, height: height, width: width, inChannels: inChannels,
                            outChannels: outChannels, kernelHeight: kernel, kernelWidth: kernel,
                            strideY: stride, strideX: stride, padTop: padY.before, padLeft: padX.before,
                            padBottom: padY.after, padRight: padX.after, groups: groups)
    }

    /// `output = clamp(conv(input) + bias)`, overwriting `output`.
    func forward(_ g: ConvGeometry, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        weight.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                Kernels.conv2d(g, input: input, weight: w.baseAddress!, bias: b.baseAddress!, output: output,
                               epilogue: clampsToSix ? .clamp(lower: 0, upper: 6) : .none)
            }
        }
    }

    /// `gradInput = convᵀ(gradOutput)`, overwriting `gradInput`; the clamp's mask must already be
    /// applied to `gradOutput`.
    func backwardInput(_ g: ConvGeometry, gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>) {
        weight.withUnsafeBufferPointer { w in
            Kernels.conv2dBackwardInput(g, gradOutput: gradOutput, weight: w.baseAddress!, gradInput: gradInput)
        }
    }
}

// MARK: - BatchNorm parameters

/// Inference-mode BatchNorm of one layer, as the affine map `y = x·scale + shift` per channel.
struct BatchNormParameters {
    /// `γ / √(σ² + ε)` per channel, in Double.
    let scale: [Double]
    /// `β − μ·scale` per channel, in Double.
    let shift: [Double]

    /// From PyTorch's `weight` (γ), `bias` (β), `running_mean` (μ), `running_var` (σ²).
    init(weight: [Float], bias: [Float], mean: [Float], variance: [Float], epsilon: Double) {
        var scale = [Double](repeating: 0, count: weight.count)
        var shift = [Double](repeating: 0, count: weight.count)
        for c in 0..<weight.count {
            scale[c] = Double(weight[c]) / (Double(variance[c]) + epsilon).squareRoot()
            shift[c] = Double(bias[c]) - Double(mean[c]) * scale[c]
        }
        self.scale = scale
        self.shift = shift
    }
}
