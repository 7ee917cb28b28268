// MARK: - Reshaping

extension Tensor {
    /// The same elements in a new shape (no copy: storage is shared copy-on-write). One extent may
    /// be −1 and is then inferred. Gradient: the output gradient reshaped back.
    ///
    /// - Precondition: the element counts match; the message shows both shapes.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var target = newShape
        if let inferred = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != inferred }.reduce(1) { $0 * $1.element }
            require(known > 0 && count % known == 0, "reshape: cannot infer −1 in \(newShape) for \(count) elements")
            target[inferred] = count / known
        }
        require(target.allSatisfy { $0 >= 0 } && target.reduce(1, *) == count,
                     "reshape: \(shape) (\(count) elements) cannot become \(newShape)")
        let inputShape = shape
        return Tensor(shape: target, storage: storage).recorded("reshape", self) { { g in
            [Tensor(shape: inputShape, storage: g.storage)]
        } }
    }

    /// `[N, …] → [N, product of the rest]`, keeping the first axis. For NHWC images the features
    /// come out in H, W, C order (PyTorch's NCHW flatten gives C, H, W: permute a linear layer's
    /// input columns when importing its weights).
    public func flattened() -> Tensor {
        require(rank >= 1, "flatten: needs at least one axis")
        return reshaped([shape[0], -1])
    }
}

// MARK: - Permuting axes

extension Tensor {
    /// Axes reordered: output axis `i` is input axis `permutation[i]` (copies the elements).
    /// E.g. NCHW → NHWC is `permuted([0, 2, 3, 1])`, OIHW → HWIO is `permuted([2, 3, 1, 0])`.
    /// Gradient: the output gradient permuted by the inverse permutation.
    ///
    /// - Precondition: `permutation` is a permutation of `0..<rank`.
    public func permuted(_ permutation: [Int]) -> Tensor {
        require(permutation.sorted() == Array(0..<rank), "permute: \(permutation) is not a permutation of \(rank) axes")
        var inverse = [Int](repeating: 0, count: rank)
        for (i, p) in permutation.enumerated() { inverse[p] = i }
        return permuteRaw(permutation).recorded("permute", self) { { g in [g.permuteRaw(inverse)] } }
    }

    /// A rank-2 tensor's transpose, `[m, n] → [n, m]`.
    public func transposed() -> Tensor {
        require(rank == 2, "transposed: needs rank 2, got \(shape)")
        return permuted([1, 0])
    }

    /// Axes reordered, off the tape. Walks the output contiguously and reads the input with the
    /// permuted strides (the innermost run is contiguous in the output).
    func permuteRaw(_ permutation: [Int]) -> Tensor {
        let outShape = permutation.map { shape[$0] }
        if permutation == Array(0..<rank) || count <= 1 { return Tensor(shape: outShape, storage: storage) }
        var inputStrides = [Int](repeating: 1, count: rank)
        for axis in stride(from: rank - 2, through: 0, by: -1) { inputStrides[axis] = inputStrides[axis + 1] * shape[axis + 1] }
        let strides = permutation.map { inputStrides[$0] }
        let innerCount = outShape[rank - 1], innerStride = strides[rank - 1]
        let rows = count / innerCount
        return Tensor.make(shape: outShape) { out in
            storage.withUnsafeBufferPointer { source in
                let x = source.baseAddress!, z = out.baseAddress!
                var index = [Int](repeating: 0, count: rank)
                var offset = 0
                for row in 0..<rows {
                    let pz = z + row * innerCount
                    for i in 0..<innerCount { pz[i] = x[offset + i * innerStride] }
                    var axis = rank - 2
                    while axis >= 0 {
                        index[axis] += 1
                        offset += strides[axis]
                        if index[axis] < outShape[axis] { break }
                        offset -= strides[axis] * outShape[axis]
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
    }
}
