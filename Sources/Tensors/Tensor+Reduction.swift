// MARK: - Raw reduction

extension Tensor {
    /// Combines elements over `axes` with `op` starting from `initial`, off the tape. The result has
    /// the reduced axes removed (a scalar when all are reduced). Axes may be negative (from the end).
    func reduceRaw<Kernel: BinaryKernel>(axes: [Int], initial: Float, _ op: Kernel) -> Tensor {
        let axes = normalizedAxes(axes, op: "reduce")
        var keptShape = shape
        for axis in axes { keptShape[axis] = 1 }
        let resultShape = shape.indices.filter { !axes.contains($0) }.map { shape[$0] }
        var result = [Float](repeating: initial, count: keptShape.reduce(1, *))
        guard count > 0 else { return Tensor(shape: resultShape, storage: result) }
        let plan = BroadcastPlan(output: shape, a: shape, b: keptShape)
        let n = plan.innerCount, outStride = plan.innerStrideB
        storage.withUnsafeBufferPointer { input in
            result.withUnsafeMutableBufferPointer { output in
                let x = input.baseAddress!, y = output.baseAddress!
                plan.forEachRow(in: 0..<plan.rows) { offsetIn, offsetOut, _ in
                    let px = x + offsetIn, py = y + offsetOut
                    if outStride == 0 {
                        var accumulator = py[0]
                        for i in 0..<n { accumulator = op(accumulator, px[i]) }
                        py[0] = accumulator
                    } else {
                        for i in 0..<n { py[i] = op(py[i], px[i]) }
                    }
                }
            }
        }
        return Tensor(shape: resultShape, storage: result)
    }

    /// Sorted, de-duplicated, non-negative axes; negative axes count from the end.
    @usableFromInline
    func normalizedAxes(_ axes: [Int], op: String) -> [Int] {
        let normalized = axes.map { $0 < 0 ? $0 + rank : $0 }
        require(normalized.allSatisfy { $0 >= 0 && $0 < rank }, "\(op): axes \(axes) out of range for shape \(shape)")
        return Array(Set(normalized)).sorted()
    }

    /// The shape after reducing `axes`, with the axes kept as extent 1 or removed.
    func reducedShape(_ axes: [Int], keepingDimensions: Bool) -> [Int] {
        keepingDimensions
            ? shape.indices.map { axes.contains($0) ? 1 : shape[$0] }
            : shape.indices.filter { !axes.contains($0) }.map { shape[$0] }
    }
}

// MARK: - Differentiable reductions

extension Tensor {
    /// The sum over `axes` (negative axes count from the end). The reduced axes are removed, or kept
    /// with extent 1 when `keepingDimensions` is true. An empty reduction gives 0.
    /// Gradient: the output gradient broadcast back over the reduced axes.
    public func sum(axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let axes = normalizedAxes(axes, op: "sum")
        let keptShape = reducedShape(axes, keepingDimensions: true)
        let reduced = reduceRaw(axes: axes, initial: 0, AddKernel())
        let result = Tensor(shape: reducedShape(axes, keepingDimensions: keepingDimensions), storage: reduced.storage)
        let inputShape = shape
        return result.recorded("sum", self) { { gradient in
            [Tensor(shape: keptShape, storage: gradient.storage).expanded(to: inputShape)]
        } }
    }

    /// The sum of all elements, as a scalar (shape `[]`).
    public func sum() -> Tensor {
        sum(axes: Array(0..<rank))
    }

    /// The mean over `axes`, derived as `sum / count`. The mean over zero elements is NaN.
    public func mean(axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let axes = normalizedAxes(axes, op: "mean")
        let reducedCount = axes.reduce(1) { $0 * shape[$1] }
        return sum(axes: axes, keepingDimensions: keepingDimensions) * (1 / Float(reducedCount))
    }

    /// The mean of all elements, as a scalar (shape `[]`).
    public func mean() -> Tensor {
        mean(axes: Array(0..<rank))
    }

    /// The maximum over `axes`, **without gradient** (the result is never recorded). Used for
    /// numerically stable log-sum-exp, where the shift cancels in the derivative.
    /// The maximum over zero elements is `-infinity`; NaNs are skipped unless all are NaN.
    public func max(axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let axes = normalizedAxes(axes, op: "max")
        let reduced = reduceRaw(axes: axes, initial: -.infinity, MaxKernel())
        return Tensor(shape: reducedShape(axes, keepingDimensions: keepingDimensions), storage: reduced.storage)
    }

    /// The index of the largest element along the last axis, one per row (the first on ties;
    /// NaN is never chosen unless a row is all NaN, then 0). For logits `[N, classes]` this is the
    /// predicted class of each sample.
    public func argmax() -> [Int] {
        require(rank >= 1 && shape[rank - 1] > 0, "argmax: needs a non-empty last axis, got \(shape)")
        let width = shape[rank - 1]
        let rows = count / width
        return storage.withUnsafeBufferPointer { x in
            (0..<rows).map { row in
                var best = 0
                var bestValue = -Float.infinity
                for i in 0..<width where x[row * width + i] > bestValue {
                    bestValue = x[row * width + i]
                    best = i
                }
                return best
            }
        }
    }
}
