// MARK: - Selecting and joining along the first axis

extension Tensor {
    /// The rows (slices along the first axis) at `indices`, in that order, repeats allowed:
    /// `[N, …] → [indices.count, …]`. Used to draw shuffled minibatches from a dataset tensor.
    /// Gradient: each output row's gradient added back into the row it came from.
    ///
    /// - Precondition: every index is in `0..<shape[0]`.
    public func rows(_ indices: [Int]) -> Tensor {
        require(rank >= 1, "rows: needs at least one axis, got \(shape)")
        let rowCount = shape[0]
        let width = rowCount == 0 ? 0 : count / rowCount
        for index in indices { require(index >= 0 && index < rowCount, "rows: index \(index) outside 0..<\(rowCount)") }
        var outShape = shape
        outShape[0] = indices.count
        var scalars = [Float](repeating: 0, count: indices.count * width)
        storage.withUnsafeBufferPointer { source in
            scalars.withUnsafeMutableBufferPointer { target in
                for (row, index) in indices.enumerated() {
                    for i in 0..<width { target[row * width + i] = source[index * width + i] }
                }
            }
        }
        let inputShape = shape
        return Tensor(shape: outShape, storage: scalars).recorded("rows", self) { { g in
            var gradient = [Float](repeating: 0, count: inputShape.reduce(1, *))
            g.storage.withUnsafeBufferPointer { source in
                gradient.withUnsafeMutableBufferPointer { target in
                    for (row, index) in indices.enumerated() {
                        for i in 0..<width { target[index * width + i] += source[row * width + i] }
                    }
                }
            }
            return [Tensor(shape: inputShape, storage: gradient)]
        } }
    }

    /// The rows in `range`, `[N, …] → [range.count, …]` (a contiguous copy).
    public func rows(_ range: Range<Int>) -> Tensor {
        rows(Array(range))
    }

    /// Tensors joined along the first axis: `[n₁, …] + [n₂, …] → [n₁ + n₂, …]`, e.g. images into
    /// one batch. Gradient: the output gradient split back into the pieces.
    ///
    /// - Precondition: at least one tensor, all with the same trailing shape.
    public static func concatenate(_ tensors: [Tensor]) -> Tensor {
        require(!tensors.isEmpty, "concatenate: no tensors")
        let trailing = Array(tensors[0].shape.dropFirst())
        require(tensors[0].rank >= 1 && tensors.allSatisfy { $0.rank == trailing.count + 1 && Array($0.shape.dropFirst()) == trailing },
                "concatenate: shapes \(tensors.map(\.shape)) differ after the first axis")
        var scalars: [Float] = []
        scalars.reserveCapacity(tensors.reduce(0) { $0 + $1.count })
        for tensor in tensors { scalars += tensor.storage }
        let result = Tensor(shape: [tensors.reduce(0) { $0 + $1.shape[0] }] + trailing, storage: scalars)
        guard GradientMode.isEnabled && tensors.contains(where: \.needsGradient) else { return result }
        let counts = tensors.map(\.count), shapes = tensors.map(\.shape)
        result.node = TapeNode(op: "concatenate", inputs: tensors) { g in
            var offset = 0
            return zip(counts, shapes).map { count, shape in
                defer { offset += count }
                return Tensor(shape: shape, storage: Array(g.storage[offset..<(offset + count)]))
            }
        }
        return result
    }
}
