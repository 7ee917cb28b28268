// MARK: - Log-sum-exp and softmax (derived)

extension Tensor {
    /// `log Σ exp(x)` over `axis` (default: the last), derived from primitives as
    /// `m + log(Σ exp(x − m))` with `m` the detached maximum, so it never overflows and the shift
    /// cancels in the gradient (which is `softmax(x)·g`). Rows of all −∞ give NaN.
    public func logSumExp(axis: Int = -1, keepingDimensions: Bool = false) -> Tensor {
        let shift = self.max(axes: [axis], keepingDimensions: true)
        let result = (self - shift).exp().sum(axes: [axis], keepingDimensions: true).log() + shift
        return keepingDimensions ? result : result.reshaped(normalizedShapeRemoving(axis))
    }

    /// `exp(x − logSumExp(x))` over `axis` (default: the last): rows sum to 1. Derived.
    public func softmax(axis: Int = -1) -> Tensor {
        (self - logSumExp(axis: axis, keepingDimensions: true)).exp()
    }

    /// `x − logSumExp(x)` over `axis` (default: the last). Derived.
    public func logSoftmax(axis: Int = -1) -> Tensor {
        self - logSumExp(axis: axis, keepingDimensions: true)
    }

    private func normalizedShapeRemoving(_ axis: Int) -> [Int] {
        let axis = normalizedAxes([axis], op: "logSumExp")[0]
        return shape.enumerated().filter { $0.offset != axis }.map(\.element)
    }
}

// MARK: - Cross-entropy

/// How per-sample losses are combined.
public enum LossReduction: Sendable {
    /// The average over samples (PyTorch's default).
    case mean
    /// The sum over samples.
    case sum
    /// One loss per sample, shape `[N]` (e.g. for per-sample poisoning objectives).
    case none
}

extension Tensor {
    /// Softmax cross-entropy of logits `[N, classes]` against class indices, derived from
    /// `logSumExp` and a one-hot product: `loss_i = logSumExp(x_i) − x_i[label_i]`.
    ///
    /// - Precondition: `labels.count == N` and every label is in `0..<classes`.
    public func crossEntropy(labels: [Int], reduction: LossReduction = .mean) -> Tensor {
        require(rank == 2 && labels.count == shape[0],
                     "crossEntropy: logits \(shape) with \(labels.count) labels")
        let picked = (self * Tensor.oneHot(labels, classes: shape[1])).sum(axes: [1])
        let losses = logSumExp(axis: 1) - picked
        switch reduction {
        case .mean: return losses.mean()
        case .sum: return losses.sum()
        case .none: return losses
        }
    }
}

// MARK: - Dropout (derived)

extension Tensor {
    /// Inverted dropout: each element is zeroed with probability `probability` and the survivors
    /// are scaled by `1/(1 − probability)`, so the expectation is unchanged; derived as a product
    /// with a constant mask drawn in row-major order from `generator`. Returns `self` unchanged
    /// when `training` is false or `probability` is 0.
    ///
    /// - Precondition: `0 <= probability < 1`.
    public func dropout(probability: Float, training: Bool, generator: inout SeededGenerator) -> Tensor {
        require(probability >= 0 && probability < 1, "dropout: probability \(probability) outside [0, 1)")
        guard training && probability > 0 else { return self }
        let keep = 1 / (1 - probability)
        var mask = [Float](repeating: 0, count: count)
        for i in 0..<count where generator.nextUniform() >= probability { mask[i] = keep }
        return self * Tensor(shape: shape, storage: mask)
    }
}
