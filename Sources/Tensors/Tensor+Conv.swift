import _Kernels

// MARK: - Padding

/// Zero padding of a 2-D convolution or pooling window, possibly asymmetric.
public enum Padding2D: Hashable, Sendable {
    /// No padding ("VALID").
    case valid
    /// The same number of zeros on every side (PyTorch's `padding=p`).
    case symmetric(Int)
    /// Explicit zeros above, left, below and right.
    case explicit(top: Int, left: Int, bottom: Int, right: Int)
    /// TensorFlow SAME: the output has `ceil(size / stride)` positions; the total padding
    /// `max((ceil(size/stride) − 1)·stride + kernel − size, 0)` is split with the smaller half on
    /// top/left. Resolved from the input size at each call, as EfficientNet-Lite0 requires.
    case same

    /// The padding for an input of `height × width`: `(top, left, bottom, right)`.
    public func resolve(height: Int, width: Int, kernelHeight: Int, kernelWidth: Int,
                        strideY: Int, strideX: Int) -> (top: Int, left: Int, bottom: Int, right: Int) {
        switch self {
        case .valid: return (0, 0, 0, 0)
        case .symmetric(let p): return (p, p, p, p)
        case .explicit(let top, let left, let bottom, let right): return (top, left, bottom, right)
        case .same:
            let y = ConvGeometry.samePadding(size: height, kernel: kernelHeight, stride: strideY)
            let x = ConvGeometry.samePadding(size: width, kernel: kernelWidth, stride: strideX)
            return (y.before, x.before, y.after, x.after)
        }
    }
}

// MARK: - Convolution

extension Tensor {
    /// 2-D convolution of NHWC `self` (`[N, H, W, Cin]`) with an HWIO `weight`
    /// (`[kh, kw, Cin/groups, Cout]`), an optional `bias` `[Cout]`, and an optional fused clamp
    /// (`0...6` is ReLU6, `0...Float.infinity` is ReLU), giving `[N, Ho, Wo, Cout]`:
    ///
    ///     // n y x c, ky kx c k -> n y' x' k   (y = y'·sy + ky − padTop, zero outside)
    ///
    /// `groups` splits the channels (`groups == Cin == Cout` is depthwise). Runs on
    /// `Kernels.conv2d`; the backward rules use `conv2dBackwardInput` and `conv2dBackwardWeight`.
    /// With a fused clamp, the gradient passes only where the output is strictly inside the bounds,
    /// exactly as a separate `clamped` would.
    ///
    /// - Precondition: shapes agree (the message shows them); channels divide by `groups`.
    public func conv2d(weight: Tensor, bias: Tensor? = nil, stride: (y: Int, x: Int) = (1, 1),
                       padding: Padding2D = .valid, groups: Int = 1,
                       clamp: ClosedRange<Float>? = nil) -> Tensor {
        require(rank == 4, "conv2d: input must be NHWC, got \(shape)")
        require(weight.rank == 4, "conv2d: weight must be [kh, kw, cin/groups, cout], got \(weight.shape)")
        let (kh, kw, cinPerGroup, cout) = (weight.shape[0], weight.shape[1], weight.shape[2], weight.shape[3])
        require(groups >= 1 && shape[3] % groups == 0 && cout % groups == 0 && cinPerGroup * groups == shape[3],
                     "conv2d: input \(shape) and weight \(weight.shape) disagree for groups \(groups)")
        if let bias { require(bias.shape == [cout], "conv2d: bias \(bias.shape) for \(cout) output channels") }
        let pad = padding.resolve(height: shape[1], width: shape[2], kernelHeight: kh, kernelWidth: kw,
                                  strideY: stride.y, strideX: stride.x)
        let geometry = ConvGeometry(batch: shape[0], height: shape[1], width: shape[2],
                                    inChannels: shape[3], outChannels: cout,
                                    kernelHeight: kh, kernelWidth: kw, strideY: stride.y, strideX: stride.x,
                                    padTop: pad.top, padLeft: pad.left, padBottom: pad.bottom, padRight: pad.right,
                                    groups: groups)
        require(stride.y >= 1 && stride.x >= 1 && geometry.outHeight >= 1 && geometry.outWidth >= 1,
                     "conv2d: kernel \(kh)×\(kw) stride \(stride) does not fit input \(shape) padded \(pad)")
        let epilogue: Epilogue = clamp.map { .clamp(lower: $0.lowerBound, upper: $0.upperBound) } ?? .none
        let x = self
        let result = Tensor.make(shape: [geometry.batch, geometry.outHeight, geometry.outWidth, cout]) { out in
            x.storage.withUnsafeBufferPointer { px in
                weight.storage.withUnsafeBufferPointer { pw in
                    if let bias {
                        bias.storage.withUnsafeBufferPointer { pb in
                            Kernels.conv2d(geometry, input: px.baseAddress!, weight: pw.baseAddress!,
                                           bias: pb.baseAddress!, output: out.baseAddress!, epilogue: epilogue)
                        }
                    } else {
                        Kernels.conv2d(geometry, input: px.baseAddress!, weight: pw.baseAddress!,
                                       bias: nil, output: out.baseAddress!, epilogue: epilogue)
                    }
                }
            }
        }
        guard Tensor.shouldRecord(x, weight, bias) else { return result }
        let needInput = x.needsGradient, needWeight = weight.needsGradient || (bias?.needsGradient ?? false)
        let savedOutput = clamp == nil ? [] : result.storage
        return result.recorded("conv2d", x, weight, bias) { { gradient in
            var g = gradient
            if let clamp {
                let (lower, upper) = (clamp.lowerBound, clamp.upperBound)
                g = Tensor.maskRaw(gradient, savedOutput, lower: lower, upper: upper)
            }
            var grads: [Tensor?] = [nil, nil]
            g.storage.withUnsafeBufferPointer { pg in
                if needInput {
                    grads[0] = Tensor.make(shape: x.shape) { gradInput in
                        weight.storage.withUnsafeBufferPointer { pw in
                            Kernels.conv2dBackwardInput(geometry, gradOutput: pg.baseAddress!,
                                                        weight: pw.baseAddress!, gradInput: gradInput.baseAddress!)
                        }
                    }
                }
                if needWeight {
                    var gradBias = [Float](repeating: 0, count: cout)
                    grads[1] = Tensor.make(shape: weight.shape) { gradWeight in
                        x.storage.withUnsafeBufferPointer { px in
                            gradBias.withUnsafeMutableBufferPointer { pb in
                                Kernels.conv2dBackwardWeight(geometry, input: px.baseAddress!, gradOutput: pg.baseAddress!,
                                                             gradWeight: gradWeight.baseAddress!,
                                                             gradBias: bias == nil ? nil : pb.baseAddress!)
                            }
                        }
                    }
                    if bias != nil { grads.append(Tensor(shape: [cout], storage: gradBias)) }
                }
            }
            if bias != nil && grads.count == 2 { grads.append(nil) }
            return grads
        } }
    }
}
