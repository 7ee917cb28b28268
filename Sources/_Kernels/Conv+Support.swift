import _Support

// MARK: - Shared pieces of the convolution kernels

extension Kernels {
    typealias Vec = SIMD8<Float>

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> Vec { UnsafeRawPointer(p).loadUnaligned(as: Vec.self) }

    @inline(__always)
    static func store(_ v: Vec, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vec.self) }

    /// ⌊a / b⌋ for b > 0, also for negative a (Swift's `/` truncates toward zero).
    @inline(__always)
    static func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }

    /// Runs `body(first, end)` over `0..<count` cut into about 4 pieces per core. Also the work
    /// split of the benchmarks' layout comparison, so that both layouts share it.
    @_spi(Benchmarks)
    @inline(__always)
    public static func parallelRanges(_ count: Int, _ body: (Int, Int) -> Void) {
        let pieces = Swift.max(1, Swift.min(count, Parallel.cores * 4))
        if pieces == 1 || Parallel.cores == 1 {
            body(0, count)
            return
        }
        Parallel.forEach(pieces) { piece in
            body(piece * count / pieces, (piece + 1) * count / pieces)
        }
    }

    /// The output rows and columns that read each input row and column, for the gather form of
    /// an input gradient: `iy = oy·sy + ky − padTop  ⇒  oy = (iy + padTop − ky) / sy` when exact.
    /// Runs `body(n, iy, sourceRow, sourceColumn)` for every input row `(n, iy)`, rows spread over
    /// the cores; `sourceRow[ky]` is the output row read through tap ky (or −1) and
    /// `sourceColumn[ix·kw + kx]` the output column read through tap kx (or −1).
    @inline(__always)
    static func forEachInputRow(_ g: ConvGeometry,
                                _ body: (_ n: Int, _ iy: Int, _ sourceRow: UnsafePointer<Int>,
                                         _ sourceColumn: UnsafePointer<Int>) -> Void) {
        let (oh, ow, kh, kw, sy, sx) = (g.outHeight, g.outWidth, g.kernelHeight, g.kernelWidth, g.strideY, g.strideX)
        let sourceColumn = UnsafeMutablePointer<Int>.allocate(capacity: g.width * kw)
        defer { sourceColumn.deallocate() }
        for ix in 0..<g.width {
            for kx in 0..<kw {
                let t = ix + g.padLeft - kx
                sourceColumn[ix * kw + kx] = t >= 0 && t % sx == 0 && t / sx < ow ? t / sx : -1
            }
        }
        parallelRanges(g.batch * g.height) { first, end in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: kh) { sourceRow in
                for row in first..<end {
                    let iy = row % g.height
                    for ky in 0..<kh {
                        let t = iy + g.padTop - ky
                        sourceRow[ky] = t >= 0 && t % sy == 0 && t / sy < oh ? t / sy : -1
                    }
                    body(row / g.height, iy, UnsafePointer(sourceRow.baseAddress!), sourceColumn)
                }
            }
        }
    }
}

/// The clamp of an epilogue as scalars and as SIMD8 vectors (±∞ when there is none).
struct ClampBounds {
    let lowerBound: Float, upperBound: Float
    let lower: SIMD8<Float>, upper: SIMD8<Float>

    init(_ epilogue: Epilogue) {
        var l = -Float.infinity, u = Float.infinity
        if case let .clamp(lower, upper) = epilogue { (l, u) = (lower, upper) }
        (lowerBound, upperBound) = (l, u)
        (lower, upper) = (SIMD8(repeating: l), SIMD8(repeating: u))
    }
}

/// Which kernel taps of one output row fall inside the input.
struct RowWindow {
    /// Input row of tap 0 (may be negative in the padding).
    let firstInputRow: Int
    /// Taps `ky0..<ky1` read real input rows.
    let ky0: Int, ky1: Int

    init(_ g: ConvGeometry, outputRow oy: Int) {
        firstInputRow = oy * g.strideY - g.padTop
        ky0 = Swift.max(0, -firstInputRow)
        ky1 = Swift.max(ky0, Swift.min(g.kernelHeight, g.height - firstInputRow))
    }
}

extension ConvGeometry {
    /// Output columns whose whole kernel row lies inside the input (`ox·sx − padLeft ≥ 0` and
    /// `ox·sx − padLeft + kw ≤ width`): the fast paths need no bounds checks there.
    var interiorColumns: Range<Int> {
        let start = Swift.min(outWidth, (padLeft + strideX - 1) / strideX)
        return start..<Swift.max(start, Swift.min(outWidth, Kernels.floorDiv(width + padLeft - kernelWidth, strideX) + 1))
    }

    /// Taps `kx0..<kx1` of output column `ox` that read real input columns; `ix0` is tap 0's column.
    func columnWindow(_ ox: Int) -> (ix0: Int, kx0: Int, kx1: Int) {
        let ix0 = ox * strideX - padLeft
        let kx0 = Swift.max(0, -ix0)
        return (ix0, kx0, Swift.max(kx0, Swift.min(kernelWidth, width - ix0)))
    }
}
