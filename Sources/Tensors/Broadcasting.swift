import _Support
// MARK: - Broadcast shapes

/// The NumPy broadcast of two shapes: right-aligned, each pair of extents equal or one of them 1.
///
/// - Precondition: the shapes are compatible; the message names `op` and both shapes.
@usableFromInline
func broadcastShape(_ a: [Int], _ b: [Int], op: String) -> [Int] {
    if a == b { return a }
    let rank = max(a.count, b.count)
    var result = [Int](repeating: 1, count: rank)
    for axis in 0..<rank {
        let x = axis - (rank - a.count) >= 0 ? a[axis - (rank - a.count)] : 1
        let y = axis - (rank - b.count) >= 0 ? b[axis - (rank - b.count)] : 1
        require(x == y || x == 1 || y == 1, "\(op): shapes \(a) and \(b) do not broadcast")
        result[axis] = x == 1 ? y : x
    }
    return result
}

/// Element strides of a contiguous `shape` read as if broadcast to `target`: 0 on axes that are
/// missing or of extent 1 in `shape`.
@usableFromInline
func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
    var strides = [Int](repeating: 0, count: target.count)
    var step = 1
    for axis in stride(from: shape.count - 1, through: 0, by: -1) {
        let targetAxis = axis + target.count - shape.count
        strides[targetAxis] = shape[axis] == 1 ? 0 : step
        step *= shape[axis]
    }
    return strides
}

// MARK: - Iteration plan

/// How to walk a contiguous output while reading two broadcast operands: the output's axes are
/// collapsed wherever both operands stay linear, so the usual cases (same shape, bias over the
/// last axis, per-row scalars) become one or two loops with a contiguous inner run.
@usableFromInline
struct BroadcastPlan {
    /// Extents of the outer (collapsed) axes, outermost first.
    @usableFromInline var outerSizes: [Int] = []
    /// Strides of operand A and B along the outer axes.
    @usableFromInline var outerStridesA: [Int] = []
    @usableFromInline var outerStridesB: [Int] = []
    /// Length and operand strides of the innermost run.
    @usableFromInline var innerCount = 1
    @usableFromInline var innerStrideA = 0
    @usableFromInline var innerStrideB = 0
    /// Number of inner runs (the product of `outerSizes`).
    @usableFromInline var rows = 1

    @usableFromInline
    init(output: [Int], a: [Int], b: [Int]) {
        let stridesA = broadcastStrides(a, to: output)
        let stridesB = broadcastStrides(b, to: output)
        var dims: [(size: Int, a: Int, b: Int)] = []
        for axis in output.indices where output[axis] != 1 {
            dims.append((output[axis], stridesA[axis], stridesB[axis]))
        }
        if dims.isEmpty { dims = [(output.reduce(1, *), 0, 0)] }
        var merged = [dims[dims.count - 1]]
        for dim in dims.dropLast().reversed() {
            let inner = merged[0]
            if dim.a == inner.a * inner.size && dim.b == inner.b * inner.size {
                merged[0] = (dim.size * inner.size, inner.a, inner.b)
            } else {
                merged.insert(dim, at: 0)
            }
        }
        let inner = merged.removeLast()
        innerCount = inner.size
        innerStrideA = inner.a
        innerStrideB = inner.b
        outerSizes = merged.map(\.size)
        outerStridesA = merged.map(\.a)
        outerStridesB = merged.map(\.b)
        rows = outerSizes.reduce(1, *)
    }

    /// Calls `body(offsetA, offsetB, offsetOut)` for each inner run with index in `range`.
    @inlinable @inline(__always)
    func forEachRow(in range: Range<Int>, _ body: (Int, Int, Int) -> Void) {
        let rank = outerSizes.count
        var index = [Int](repeating: 0, count: rank)
        var offsetA = 0, offsetB = 0
        var rest = range.lowerBound
        for axis in stride(from: rank - 1, through: 0, by: -1) {
            index[axis] = rest % outerSizes[axis]
            rest /= outerSizes[axis]
            offsetA += index[axis] * outerStridesA[axis]
            offsetB += index[axis] * outerStridesB[axis]
        }
        for row in range {
            body(offsetA, offsetB, row * innerCount)
            var axis = rank - 1
            while axis >= 0 {
                index[axis] += 1
                offsetA += outerStridesA[axis]
                offsetB += outerStridesB[axis]
                if index[axis] < outerSizes[axis] { break }
                offsetA -= outerStridesA[axis] * outerSizes[axis]
                offsetB -= outerStridesB[axis] * outerSizes[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }
}

/// `out[i] = op(a[i'], b[i''])` over the broadcast of `aShape` and `bShape` to `outShape`, using
/// both cores for large outputs. The inner loop is specialised for the contiguous and the
/// stride-0 (broadcast) cases so that it vectorises.
func applyBroadcast<Kernel: BinaryKernel>(outShape: [Int], out: UnsafeMutablePointer<Float>,
                                          a: UnsafePointer<Float>, aShape: [Int],
                                          b: UnsafePointer<Float>, bShape: [Int], _ op: Kernel) {
    let plan = BroadcastPlan(output: outShape, a: aShape, b: bShape)
    let n = plan.innerCount, sa = plan.innerStrideA, sb = plan.innerStrideB
    let rowsPerChunkThreshold = max(1, parallelThreshold / max(n, 1))
    guard plan.rows > 0, n > 0 else { return }
    if plan.rows > 1 {
        Parallel.chunks(plan.rows, serialBelow: rowsPerChunkThreshold) { rows in
            plan.forEachRow(in: rows) { offsetA, offsetB, offsetOut in
                let pa = a + offsetA, pb = b + offsetB, po = out + offsetOut
                if sa == 1 && sb == 1 {
                    for i in 0..<n { po[i] = op(pa[i], pb[i]) }
                } else if sa == 1 && sb == 0 {
                    let y = pb[0]
                    for i in 0..<n { po[i] = op(pa[i], y) }
                } else if sa == 0 && sb == 1 {
                    let x = pa[0]
                    for i in 0..<n { po[i] = op(x, pb[i]) }
                } else {
                    for i in 0..<n { po[i] = op(pa[i * sa], pb[i * sb]) }
                }
            }
        }
    } else {
        // One long run: split the run itself across cores.
        Parallel.chunks(n, serialBelow: parallelThreshold) { range in
            let pa = a + range.lowerBound * sa, pb = b + range.lowerBound * sb, po = out + range.lowerBound
            let m = range.count
            if sa == 1 && sb == 1 {
                for i in 0..<m { po[i] = op(pa[i], pb[i]) }
            } else if sa == 1 {
                let y = pb[0]
                for i in 0..<m { po[i] = op(pa[i], y) }
            } else if sb == 1 {
                let x = pa[0]
                for i in 0..<m { po[i] = op(x, pb[i]) }
            } else {
                let x = pa[0], y = pb[0]
                for i in 0..<m { po[i] = op(x, y) }
            }
        }
    }
}

// MARK: - The broadcasting adjoint

extension Tensor {
    /// Sums `self` over the axes that broadcasting added or stretched, giving a tensor of `shape`.
    /// This is the one adjoint shared by every broadcasting binary op. Returns `self` (shared
    /// storage) when the shapes already match.
    @usableFromInline
    func unbroadcast(to target: [Int]) -> Tensor {
        if shape == target { return self }
        let offset = rank - target.count
        require(offset >= 0, "unbroadcast: \(shape) cannot reduce to \(target)")
        var axes: [Int] = Array(0..<offset)
        for axis in offset..<rank where target[axis - offset] == 1 && shape[axis] != 1 {
            axes.append(axis)
        }
        return Tensor(shape: target, storage: reduceRaw(axes: axes, initial: 0, AddKernel()).storage)
    }

    /// `self` broadcast to `target` (copying), off the tape. The adjoint of a sum over axes.
    @usableFromInline
    func expanded(to target: [Int]) -> Tensor {
        if shape == target { return self }
        if target.contains(0) { return Tensor(shape: target, storage: []) }
        let zero: [Float] = [0]
        return Tensor.make(shape: target) { out in
            storage.withUnsafeBufferPointer { source in
                zero.withUnsafeBufferPointer { z in
                    applyBroadcast(outShape: target, out: out.baseAddress!, a: source.baseAddress!, aShape: shape,
                                   b: z.baseAddress!, bShape: [], FirstKernel())
                }
            }
        }
    }
}
