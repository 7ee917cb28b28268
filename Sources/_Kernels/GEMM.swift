import _Support
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Operands and output pass

/// A read-only matrix operand of the GEMM: element (row, col) of op(X) is
/// `base[row · ld + col]`, or `base[col · ld + row]` when `transposed`.
@usableFromInline
struct GEMMOperand {
    var base: UnsafePointer<Float>
    var ld: Int
    var transposed: Bool

    /// The operand restricted to rows from `row` and columns from `col` of op(X).
    @inline(__always)
    func offset(row: Int, col: Int) -> GEMMOperand {
        GEMMOperand(base: transposed ? base + col * ld + row : base + row * ld + col, ld: ld, transposed: transposed)
    }
}

/// What happens to `C` once the product is known: `C = alpha·AB + beta·C`, then per column `j`
/// `+ bias[j]` and an optional clamp (the fused convolution epilogue).
@usableFromInline
struct GEMMOutput {
    var alpha: Float = 1
    var beta: Float = 0
    var bias: UnsafePointer<Float>?
    var lower: Float = -.infinity
    var upper: Float = .infinity

    init(alpha: Float = 1, beta: Float = 0, bias: UnsafePointer<Float>? = nil, epilogue: Epilogue = .none) {
        self.alpha = alpha
        self.beta = beta
        self.bias = bias
        if case let .clamp(l, u) = epilogue { (lower, upper) = (l, u) }
    }

    var clamps: Bool { lower > -.infinity || upper < .infinity }

    /// The same output pass for a sub-block starting at column `col`.
    func offset(col: Int) -> GEMMOutput {
        var copy = self
        copy.bias = bias.map { $0 + col }
        return copy
    }
}

// MARK: - Blocking constants

/// Register tile and cache blocks (Goto / BLIS scheme). The 6×16 tile keeps 12 ymm accumulators,
/// two B vectors and one broadcast A value in the 16 AVX2 registers. A KC×NR micro-panel of B (16 KB)
/// lives in L1, an MC×KC block of A (120 KB) in the 512 KB L2 of a Zen 3 core, and a KC×NC panel
/// of B (2 MB) in L3.
@usableFromInline enum GEMMBlock {
    static let mr = 6
    static let nr = 16
    static let kc = 256
    static let mc = 120
    static let nc = 2048
}

/// Per-thread packing buffers, 64-byte aligned, allocated once per call (never in the loops).
@usableFromInline
struct GEMMWorkspace {
    let packedA: UnsafeMutablePointer<Float>
    let packedB: UnsafeMutablePointer<Float>

    init(m: Int, n: Int, k: Int) {
        let kc = min(k, GEMMBlock.kc)
        let mc = roundUp(min(m, GEMMBlock.mc), GEMMBlock.mr)
        let nc = roundUp(min(n, GEMMBlock.nc), GEMMBlock.nr)
        packedA = alignedFloats(max(mc * kc, 1))
        packedB = alignedFloats(max(nc * kc, 1))
    }

    func free() {
        packedA.deallocate()
        packedB.deallocate()
    }
}

/// `min(max(x, lower), upper)` lane by lane as compare-and-blend: the standard library's
/// `clamped(lowerBound:upperBound:)` and `pointwiseMin/Max` compile to out-of-line calls here.
@inline(__always)
func clamp(_ x: SIMD8<Float>, _ lower: SIMD8<Float>, _ upper: SIMD8<Float>) -> SIMD8<Float> {
    x.replacing(with: lower, where: x .< lower).replacing(with: upper, where: x .> upper)
}

@inline(__always) func roundUp(_ x: Int, _ multiple: Int) -> Int { (x + multiple - 1) / multiple * multiple }

/// `count` uninitialised Floats aligned to a cache line; release with `deallocate()`.
func alignedFloats(_ count: Int) -> UnsafeMutablePointer<Float> {
    UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
        .bindMemory(to: Float.self, capacity: count)
}

// MARK: - Driver

extension Kernels {
    /// Multi-threaded GEMM: `C[m×n] = output(op(A)[m×k] · op(B)[k×n])`. Tall products share each
    /// packed panel of B between the cores (`gemmSharedB`); wide ones are cut into column slabs
    /// (whole register tiles, up to two per core so that a core slowed by other processes hands
    /// work to the other), each with its own packing buffers. Small products stay on the calling thread.
    @usableFromInline
    static func gemm(m: Int, n: Int, k: Int, a: GEMMOperand, b: GEMMOperand,
                     c: UnsafeMutablePointer<Float>, ldc: Int, output: GEMMOutput, threads: Int = 0) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            finishWithoutProduct(m: m, n: n, c: c, ldc: ldc, output: output)
            return
        }
        let work = Double(m) * Double(n) * Double(k)
        let cores = threads > 0 ? threads : Parallel.cores
        if m < GEMMBlock.mr {
            gemmFewRows(m: m, n: n, k: k, a: a, b: b, c: c, ldc: ldc, output: output, cores: cores)
            return
        }
        let splitRows = m >= n
        let unit = splitRows ? GEMMBlock.mr : GEMMBlock.nr
        let total = splitRows ? m : n
        // About 2 M multiply-adds per slab at least: below that, dispatch costs more than it saves.
        let wanted = Swift.min(2 * cores, Swift.max(cores, Int(work / 2_000_000)))
        let parts = work < 200_000 || cores == 1 ? 1 : Swift.min(wanted, (total + unit - 1) / unit)
        if parts <= 1 {
            let ws = GEMMWorkspace(m: m, n: n, k: k)
            defer { ws.free() }
            gemmBlocked(m: m, n: n, k: k, a: a, b: b, c: c, ldc: ldc, output: output, workspace: ws)
            return
        }
        if splitRows {
            gemmSharedB(m: m, n: n, k: k, a: a, b: b, c: c, ldc: ldc, output: output, cores: cores)
            return
        }
        let chunk = roundUp((total + parts - 1) / parts, unit)
        let chunks = (total + chunk - 1) / chunk
        Parallel.forEach(chunks) { part in
            let start = part * chunk, size = Swift.min(chunk, total - start)
            let ws = GEMMWorkspace(m: m, n: size, k: k)
            defer { ws.free() }
            gemmBlocked(m: m, n: size, k: k, a: a, b: b.offset(row: 0, col: start),
                        c: c + start, ldc: ldc, output: output.offset(col: start), workspace: ws)
        }
    }

    // m k, k n -> m n, one thread: loops jc (NC) / pc (KC) / ic (MC) / jr (NR) / ir (MR).
    @usableFromInline
    static func gemmBlocked(m: Int, n: Int, k: Int, a: GEMMOperand, b: GEMMOperand,
                            c: UnsafeMutablePointer<Float>, ldc: Int, output: GEMMOutput,
                            workspace: GEMMWorkspace) {
        if k == 0 {
            finishWithoutProduct(m: m, n: n, c: c, ldc: ldc, output: output)
            return
        }
        var jc = 0
        while jc < n {
            let ncb = min(GEMMBlock.nc, n - jc)
            var pc = 0
            while pc < k {
                let kcb = min(GEMMBlock.kc, k - pc)
                packB(b.offset(row: pc, col: jc), k: kcb, n: ncb, into: workspace.packedB)
                let pass = TilePass(output: output.offset(col: jc), first: pc == 0, last: pc + kcb == k)
                var ic = 0
                while ic < m {
                    let mcb = min(GEMMBlock.mc, m - ic)
                    packA(a.offset(row: ic, col: pc), m: mcb, k: kcb, alpha: output.alpha, into: workspace.packedA)
                    macroKernel(m: mcb, n: ncb, k: kcb, packedA: workspace.packedA, packedB: workspace.packedB,
                                c: c + ic * ldc + jc, ldc: ldc, pass: pass)
                    ic += mcb
                }
                pc += kcb
            }
            jc += ncb
        }
    }

    /// Multi-threaded GEMM for tall products (m ≥ n), BLIS style: each KC×NC panel of B is packed
    /// once and shared, and the MC-row blocks of A (about as many per core, so the cores finish
    /// together) are handed to the cores, each packing its own block.
    static func gemmSharedB(m: Int, n: Int, k: Int, a: GEMMOperand, b: GEMMOperand,
                            c: UnsafeMutablePointer<Float>, ldc: Int, output: GEMMOutput, cores: Int) {
        let rounds = (m + cores * GEMMBlock.mc - 1) / (cores * GEMMBlock.mc)
        let mcb = roundUp((m + cores * rounds - 1) / (cores * rounds), GEMMBlock.mr)
        let blocks = (m + mcb - 1) / mcb
        let kcMax = min(k, GEMMBlock.kc), ncMax = roundUp(min(n, GEMMBlock.nc), GEMMBlock.nr)
        let packedB = alignedFloats(kcMax * ncMax)
        defer { packedB.deallocate() }
        var jc = 0
        while jc < n {
            let ncb = min(GEMMBlock.nc, n - jc)
            var pc = 0
            while pc < k {
                let kcb = min(GEMMBlock.kc, k - pc)
                // Pack the shared panel on all cores too: whole NR-wide column panels per core.
                let panels = (ncb + GEMMBlock.nr - 1) / GEMMBlock.nr
                let packers = kcb * ncb >= 32_768 ? Swift.min(cores, panels) : 1
                Parallel.forEach(packers) { part in
                    let p0 = part * panels / packers, p1 = (part + 1) * panels / packers
                    let col = p0 * GEMMBlock.nr, cols = Swift.min(ncb, p1 * GEMMBlock.nr) - col
                    packB(b.offset(row: pc, col: jc + col), k: kcb, n: cols, into: packedB + col * kcb)
                }
                let pass = TilePass(output: output.offset(col: jc), first: pc == 0, last: pc + kcb == k)
                Parallel.forEach(blocks) { block in
                    let ic = block * mcb, rows = min(mcb, m - ic)
                    let packedA = alignedFloats(roundUp(rows, GEMMBlock.mr) * kcb)
                    defer { packedA.deallocate() }
                    packA(a.offset(row: ic, col: pc), m: rows, k: kcb, alpha: output.alpha, into: packedA)
                    macroKernel(m: rows, n: ncb, k: kcb, packedA: packedA, packedB: packedB,
                                c: c + ic * ldc + jc, ldc: ldc, pass: pass)
                }
                pc += kcb
            }
            jc += ncb
        }
    }

    /// One packed MC×KC block of A times one packed KC×NC panel of B into C: loops jr (NR) / ir (MR)
    /// over register tiles; edge tiles go through a 6×16 scratch tile on the stack.
    @inline(__always)
    static func macroKernel(m: Int, n: Int, k: Int, packedA: UnsafePointer<Float>, packedB: UnsafePointer<Float>,
                            c: UnsafeMutablePointer<Float>, ldc: Int, pass: TilePass) {
        let (mr, nr) = (GEMMBlock.mr, GEMMBlock.nr)
        var tile = (SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>())
        withUnsafeMutableBytes(of: &tile) { tileBytes in
            let scratch = tileBytes.baseAddress!.assumingMemoryBound(to: Float.self)
            var jr = 0
            while jr < n {
                let nrb = min(nr, n - jr)
                let bPanel = packedB + jr * k
                var ir = 0
                while ir < m {
                    let mrb = min(mr, m - ir)
                    let cTile = c + ir * ldc + jr
                    let aPanel = packedA + ir * k
                    if mrb == mr && nrb == nr {
                        microKernel(k: k, a: aPanel, b: bPanel, c: cTile, ldc: ldc, column: jr,
                                    pass: pass, scratch: nil, rows: mr, cols: nr)
                    } else {
                        microKernel(k: k, a: aPanel, b: bPanel, c: cTile, ldc: ldc, column: jr,
                                    pass: pass, scratch: scratch, rows: mrb, cols: nrb)
                    }
                    ir += mr
                }
                jr += nr
            }
        }
    }

    /// `k == 0`: the product is empty, so C = beta·C (+ bias, clamp).
    static func finishWithoutProduct(m: Int, n: Int, c: UnsafeMutablePointer<Float>, ldc: Int, output: GEMMOutput) {
        for i in 0..<m {
            for j in 0..<n {
                var v = output.beta == 0 ? 0 : output.beta * c[i * ldc + j]
                if let bias = output.bias { v += bias[j] }
                if output.clamps { v = Swift.min(Swift.max(v, output.lower), output.upper) }
                c[i * ldc + j] = v
            }
        }
    }
}

// MARK: - Packing

extension Kernels {
    /// Packs op(B)[0..<k, 0..<n] into NR-wide column panels, each `k × NR` row-major, zero-padded
    /// to a whole panel, so the micro-kernel reads B strictly sequentially.
    @inline(__always)
    static func packB(_ b: GEMMOperand, k: Int, n: Int, into packed: UnsafeMutablePointer<Float>) {
        let nr = GEMMBlock.nr
        var jr = 0
        while jr < n {
            let cols = min(nr, n - jr)
            let panel = packed + jr * k
            if !b.transposed && cols == nr {
                for p in 0..<k {
                    let src = UnsafeRawPointer(b.base + p * b.ld + jr)
                    UnsafeMutableRawPointer(panel + p * nr).storeBytes(
                        of: src.loadUnaligned(as: SIMD16<Float>.self), as: SIMD16<Float>.self)
                }
            } else if !b.transposed {
                for p in 0..<k {
                    let src = b.base + p * b.ld + jr
                    for j in 0..<cols { panel[p * nr + j] = src[j] }
                    for j in cols..<nr { panel[p * nr + j] = 0 }
                }
            } else {
                for j in 0..<nr {
                    if j < cols {
                        let src = b.base + (jr + j) * b.ld
                        for p in 0..<k { panel[p * nr + j] = src[p] }
                    } else {
                        for p in 0..<k { panel[p * nr + j] = 0 }
                    }
                }
            }
            jr += nr
        }
    }

    /// Packs `alpha · op(A)[0..<m, 0..<k]` into MR-tall row panels, each stored column by column
    /// (`k × MR`), zero-padded to a whole panel.
    @inline(__always)
    static func packA(_ a: GEMMOperand, m: Int, k: Int, alpha: Float, into packed: UnsafeMutablePointer<Float>) {
        let mr = GEMMBlock.mr
        var ir = 0
        while ir < m {
            let rows = min(mr, m - ir)
            let panel = packed + ir * k
            if a.transposed {
                for p in 0..<k {
                    let src = a.base + p * a.ld + ir
                    for r in 0..<rows { panel[p * mr + r] = alpha * src[r] }
                    for r in rows..<mr { panel[p * mr + r] = 0 }
                }
            } else if rows == mr {
                let r0 = a.base + ir * a.ld
                let (r1, r2, r3, r4, r5) = (r0 + a.ld, r0 + 2 * a.ld, r0 + 3 * a.ld, r0 + 4 * a.ld, r0 + 5 * a.ld)
                for p in 0..<k {
                    let d = panel + p * mr
                    d[0] = alpha * r0[p]; d[1] = alpha * r1[p]; d[2] = alpha * r2[p]
                    d[3] = alpha * r3[p]; d[4] = alpha * r4[p]; d[5] = alpha * r5[p]
                }
            } else {
                for r in 0..<mr {
                    if r < rows {
                        let src = a.base + (ir + r) * a.ld
                        for p in 0..<k { panel[p * mr + r] = alpha * src[p] }
                    } else {
                        for p in 0..<k { panel[p * mr + r] = 0 }
                    }
                }
            }
            ir += mr
        }
    }
}

// MARK: - Micro-kernel

/// How one KC pass writes its tile: the first pass applies beta, the last adds bias and clamps.
@usableFromInline
struct TilePass {
    var output: GEMMOutput
    var first: Bool
    var last: Bool
}

extension Kernels {
    /// The 6×16 register tile: `acc[r, 0..<16] = Σ_p a[p, r] · b[p, 0..<16]` with 12 SIMD8
    /// accumulators and one FMA per (p, r, half), then the output pass. With `scratch` the tile is
    /// written there first and only `rows × cols` of it reach C (edge tiles).
    @inline(__always)
    static func microKernel(k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                            c: UnsafeMutablePointer<Float>, ldc: Int, column: Int,
                            pass: TilePass, scratch: UnsafeMutablePointer<Float>?, rows: Int, cols: Int) {
        typealias V = SIMD8<Float>
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
        var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
        let braw = UnsafeRawPointer(b)
        var p = 0
        while p < k {
            let b0 = braw.load(fromByteOffset: p * 64, as: V.self)
            let b1 = braw.load(fromByteOffset: p * 64 + 32, as: V.self)
            let ap = a + p * 6
            var s = V(repeating: ap[0])
            c00.addProduct(s, b0); c01.addProduct(s, b1)
            s = V(repeating: ap[1])
            c10.addProduct(s, b0); c11.addProduct(s, b1)
            s = V(repeating: ap[2])
            c20.addProduct(s, b0); c21.addProduct(s, b1)
            s = V(repeating: ap[3])
            c30.addProduct(s, b0); c31.addProduct(s, b1)
            s = V(repeating: ap[4])
            c40.addProduct(s, b0); c41.addProduct(s, b1)
            s = V(repeating: ap[5])
            c50.addProduct(s, b0); c51.addProduct(s, b1)
            p += 1
        }
        if let scratch {
            let raw = UnsafeMutableRawPointer(scratch)
            raw.storeBytes(of: c00, toByteOffset: 0, as: V.self); raw.storeBytes(of: c01, toByteOffset: 32, as: V.self)
            raw.storeBytes(of: c10, toByteOffset: 64, as: V.self); raw.storeBytes(of: c11, toByteOffset: 96, as: V.self)
            raw.storeBytes(of: c20, toByteOffset: 128, as: V.self); raw.storeBytes(of: c21, toByteOffset: 160, as: V.self)
            raw.storeBytes(of: c30, toByteOffset: 192, as: V.self); raw.storeBytes(of: c31, toByteOffset: 224, as: V.self)
            raw.storeBytes(of: c40, toByteOffset: 256, as: V.self); raw.storeBytes(of: c41, toByteOffset: 288, as: V.self)
            raw.storeBytes(of: c50, toByteOffset: 320, as: V.self); raw.storeBytes(of: c51, toByteOffset: 352, as: V.self)
            storeEdge(scratch, c: c, ldc: ldc, column: column, pass: pass, rows: rows, cols: cols)
            return
        }
        let out = TileWriter(pass: pass, column: column)
        out.write(c, c00, c01)
        out.write(c + ldc, c10, c11)
        out.write(c + 2 * ldc, c20, c21)
        out.write(c + 3 * ldc, c30, c31)
        out.write(c + 4 * ldc, c40, c41)
        out.write(c + 5 * ldc, c50, c51)
    }

    /// Writes the `rows × cols` corner of a 6×16 tile held in `scratch` (edge tiles).
    static func storeEdge(_ scratch: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int,
                          column: Int, pass: TilePass, rows: Int, cols: Int) {
        let o = pass.output
        for r in 0..<rows {
            for j in 0..<cols {
                var v = scratch[r * 16 + j]
                let old = c[r * ldc + j]
                if pass.first { if o.beta != 0 { v += o.beta * old } } else { v += old }
                if pass.last {
                    if let bias = o.bias { v += bias[column + j] }
                    if o.clamps { v = Swift.min(Swift.max(v, o.lower), o.upper) }
                }
                c[r * ldc + j] = v
            }
        }
    }
}

/// Writes full 16-wide tile rows: combines with C as the pass says, all in SIMD8.
@usableFromInline
struct TileWriter {
    let first: Bool, last: Bool, useBeta: Bool, clamps: Bool
    let beta: SIMD8<Float>, bias0: SIMD8<Float>, bias1: SIMD8<Float>, lower: SIMD8<Float>, upper: SIMD8<Float>

    @inline(__always)
    init(pass: TilePass, column: Int) {
        let o = pass.output
        first = pass.first
        last = pass.last
        useBeta = o.beta != 0
        clamps = o.clamps
        beta = SIMD8(repeating: o.beta)
        if pass.last, let bias = o.bias {
            let raw = UnsafeRawPointer(bias + column)
            bias0 = raw.loadUnaligned(as: SIMD8<Float>.self)
            bias1 = raw.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
        } else {
            bias0 = SIMD8()
            bias1 = SIMD8()
        }
        lower = SIMD8(repeating: o.lower)
        upper = SIMD8(repeating: o.upper)
    }

    @inline(__always)
    func write(_ row: UnsafeMutablePointer<Float>, _ v0: SIMD8<Float>, _ v1: SIMD8<Float>) {
        let raw = UnsafeMutableRawPointer(row)
        var x0 = v0, x1 = v1
        if !first || useBeta {
            let o0 = raw.loadUnaligned(as: SIMD8<Float>.self)
            let o1 = raw.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
            if first {
                x0.addProduct(beta, o0); x1.addProduct(beta, o1)
            } else {
                x0 += o0; x1 += o1
            }
        }
        if last {
            x0 += bias0; x1 += bias1
            if clamps {
                x0 = clamp(x0, lower, upper)
                x1 = clamp(x1, lower, upper)
            }
        }
        raw.storeBytes(of: x0, as: SIMD8<Float>.self)
        raw.storeBytes(of: x1, toByteOffset: 32, as: SIMD8<Float>.self)
    }
}

// MARK: - Few rows (matrix–vector products)

extension Kernels {
    /// `C = output(op(A) · op(B))` for m < MR rows (a batch-1 classifier layer, for example), without
    /// packing: packing B would copy all k·n values for a handful of multiply-adds each. B as
    /// stored (k×n) is streamed once per row of C as a sum of scaled rows (`axpy`); a transposed B
    /// (n×k) as dot products along its contiguous rows. Column blocks are spread over the cores.
    static func gemmFewRows(m: Int, n: Int, k: Int, a: GEMMOperand, b: GEMMOperand,
                            c: UnsafeMutablePointer<Float>, ldc: Int, output: GEMMOutput, cores: Int) {
        let block = 32
        let blocks = (n + block - 1) / block
        let parts = Double(m) * Double(n) * Double(k) < 200_000 || cores == 1 ? 1 : Swift.min(blocks, 4 * cores)
        let bounds = ClampBounds(output.clamps ? .clamp(lower: output.lower, upper: output.upper) : .none)

        /// Writes one finished value: alpha is already applied; beta, bias and clamp here.
        @inline(__always)
        func finish(_ sum: Float, _ i: Int, _ j: Int) {
            var v = sum
            if output.beta != 0 { v += output.beta * c[i * ldc + j] }
            if let bias = output.bias { v += bias[j] }
            c[i * ldc + j] = Swift.min(Swift.max(v, bounds.lowerBound), bounds.upperBound)
        }

        @inline(__always)
        func element(_ i: Int, _ p: Int) -> Float { a.transposed ? a.base[p * a.ld + i] : a.base[i * a.ld + p] }

        // alpha·op(A) as k × MR columns, rows ≥ m zero, so the row loop below has a fixed width.
        let panel = alignedFloats(k * GEMMBlock.mr)
        defer { panel.deallocate() }
        for p in 0..<k {
            for r in 0..<GEMMBlock.mr { panel[p * GEMMBlock.mr + r] = r < m ? output.alpha * element(r, p) : 0 }
        }

        let run = { (part: Int) in
            let j0 = part * blocks / parts * block, j1 = Swift.min(n, (part + 1) * blocks / parts * block)
            if !b.transposed {
                // c[0..<m, j..<j+16] = Σ_p panel[p, 0..<5] ⊗ b[p, j..<j+16]: each row of B is read once
                // for all rows of C (ten SIMD8 accumulators).
                var j = j0
                // One row (a matrix–vector product): 32 columns per step, four accumulators.
                while m == 1 && j + 32 <= j1 {
                    var acc = (Vec(), Vec(), Vec(), Vec())
                    for p in 0..<k {
                        let row = b.base + p * b.ld + j
                        let s = Vec(repeating: panel[p * GEMMBlock.mr])
                        acc.0.addProduct(s, load(row)); acc.1.addProduct(s, load(row + 8))
                        acc.2.addProduct(s, load(row + 16)); acc.3.addProduct(s, load(row + 24))
                    }
                    withUnsafeBytes(of: acc) { raw in
                        let sums = raw.baseAddress!.assumingMemoryBound(to: Float.self)
                        for t in 0..<32 { finish(sums[t], 0, j + t) }
                    }
                    j += 32
                }
                while j + 16 <= j1 {
                    var r0 = (Vec(), Vec()), r1 = (Vec(), Vec()), r2 = (Vec(), Vec()), r3 = (Vec(), Vec()), r4 = (Vec(), Vec())
                    for p in 0..<k {
                        let row = b.base + p * b.ld + j
                        let b0 = load(row), b1 = load(row + 8)
                        let ap = panel + p * GEMMBlock.mr
                        var s = Vec(repeating: ap[0]); r0.0.addProduct(s, b0); r0.1.addProduct(s, b1)
                        s = Vec(repeating: ap[1]); r1.0.addProduct(s, b0); r1.1.addProduct(s, b1)
                        s = Vec(repeating: ap[2]); r2.0.addProduct(s, b0); r2.1.addProduct(s, b1)
                        s = Vec(repeating: ap[3]); r3.0.addProduct(s, b0); r3.1.addProduct(s, b1)
                        s = Vec(repeating: ap[4]); r4.0.addProduct(s, b0); r4.1.addProduct(s, b1)
                    }
                    withUnsafeBytes(of: (r0, r1, r2, r3, r4)) { raw in
                        let sums = raw.baseAddress!.assumingMemoryBound(to: Float.self)
                        for i in 0..<m {
                            for t in 0..<16 { finish(sums[i * 16 + t], i, j + t) }
                        }
                    }
                    j += 16
                }
                while j < j1 {
                    for i in 0..<m {
                        var sum: Float = 0
                        for p in 0..<k { sum += panel[p * GEMMBlock.mr + i] * b.base[p * b.ld + j] }
                        finish(sum, i, j)
                    }
                    j += 1
                }
                return
            }
            for i in 0..<m {
                do {
                    // c[i, j] = alpha · Σ_p a[i, p] · b[j, p]: dot products along B's rows.
                    for j in j0..<j1 {
                        let row = b.base + j * b.ld
                        var acc0 = Vec(), acc1 = Vec()
                        var p = 0
                        if !a.transposed {
                            let ai = a.base + i * a.ld
                            while p + 16 <= k {
                                acc0.addProduct(load(ai + p), load(row + p))
                                acc1.addProduct(load(ai + p + 8), load(row + p + 8))
                                p += 16
                            }
                        }
                        var sum = horizontalSum(acc0 + acc1)
                        while p < k {
                            sum += element(i, p) * row[p]
                            p += 1
                        }
                        finish(output.alpha * sum, i, j)
                    }
                }
            }
        }
        Parallel.forEach(parts, run)
    }
}
