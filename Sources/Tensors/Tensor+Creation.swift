// MARK: - Constant tensors

extension Tensor {
    /// A tensor of `shape` filled with `value`.
    public convenience init(repeating value: Float, shape: [Int], requiresGrad: Bool = false) {
        self.init(shape: shape, scalars: [Float](repeating: value, count: shape.reduce(1, *)), requiresGrad: requiresGrad)
    }

    /// A tensor of zeros.
    public static func zeros(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        Tensor(repeating: 0, shape: shape, requiresGrad: requiresGrad)
    }

    /// A tensor of ones.
    public static func ones(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        Tensor(repeating: 1, shape: shape, requiresGrad: requiresGrad)
    }

    /// One-hot rows: `[labels.count, classes]`, 1 at `(i, labels[i])` and 0 elsewhere.
    ///
    /// - Precondition: every label is in `0..<classes`; the message shows the bad label.
    public static func oneHot(_ labels: [Int], classes: Int) -> Tensor {
        var scalars = [Float](repeating: 0, count: labels.count * classes)
        for (row, label) in labels.enumerated() {
            require(label >= 0 && label < classes, "oneHot: label \(label) at row \(row) outside 0..<\(classes)")
            scalars[row * classes + label] = 1
        }
        return Tensor(shape: [labels.count, classes], scalars: scalars)
    }
}

// MARK: - Random tensors

extension Tensor {
    /// Independent normal samples with the given mean and standard deviation, drawn in row-major
    /// order from `generator` (so the same seed gives the same tensor).
    public static func randomNormal(_ shape: [Int], mean: Float = 0, standardDeviation: Float = 1,
                                    generator: inout SeededGenerator, requiresGrad: Bool = false) -> Tensor {
        let count = shape.reduce(1, *)
        var scalars = [Float](repeating: 0, count: count)
        for i in 0..<count { scalars[i] = mean + standardDeviation * generator.nextNormal() }
        return Tensor(shape: shape, scalars: scalars, requiresGrad: requiresGrad)
    }

    /// Independent uniform samples in `[lower, upper)`, drawn in row-major order from `generator`.
    public static func randomUniform(_ shape: [Int], lower: Float = 0, upper: Float = 1,
                                     generator: inout SeededGenerator, requiresGrad: Bool = false) -> Tensor {
        let count = shape.reduce(1, *)
        var scalars = [Float](repeating: 0, count: count)
        for i in 0..<count { scalars[i] = lower + (upper - lower) * generator.nextUniform() }
        return Tensor(shape: shape, scalars: scalars, requiresGrad: requiresGrad)
    }
}
