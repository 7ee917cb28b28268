import Foundation

// The stages of ``DifferentiableJPEG``, each with its forward pass and the transpose of its
// linear part. Constants and rounding rules are libjpeg's (jccolor.c, jcsample.c, jcparam.c,
// jdsample.c, jdcolor.c), restated from their documented arithmetic.

// MARK: - Planes

/// One plane of samples (or of gradients, or of scaled DCT coefficients), row-major.
struct Plane: Equatable {
    var width: Int
    var height: Int
    var values: [Float]

    init(width: Int, height: Int, values: [Float]) {
        self.width = width
        self.height = height
        self.values = values
    }

    init(width: Int, height: Int) {
        self.init(width: width, height: height, values: [Float](repeating: 0, count: width * height))
    }

    /// A `width × height` plane whose samples `fill` writes, given this plane's samples.
    func map(width: Int, height: Int, _ fill: (UnsafeBufferPointer<Float>, UnsafeMutableBufferPointer<Float>) -> Void) -> Plane {
        var out = Plane(width: width, height: height)
        values.withUnsafeBufferPointer { source in
            out.values.withUnsafeMutableBufferPointer { target in fill(source, target) }
        }
        return out
    }

    /// Padded to `width × height` (no smaller than the plane) by repeating the last column and row.
    func replicated(width: Int, height: Int) -> Plane {
        let (w, h) = (self.width, self.height)
        return map(width: width, height: height) { source, out in
            for y in 0 ..< height {
                let from = min(y, h - 1) * w, row = y * width
                for x in 0 ..< w { out[row + x] = source[from + x] }
                for x in w ..< width { out[row + x] = source[from + w - 1] }
            }
        }
    }

    /// The transpose of ``replicated(width:height:)``: back to `width × height`, each padded
    /// sample's value added to the edge sample it copied.
    func folded(width: Int, height: Int) -> Plane {
        let (w, h) = (self.width, self.height)
        return map(width: width, height: height) { source, out in
            for y in 0 ..< h {
                let to = min(y, height - 1) * width, row = y * w
                for x in 0 ..< width { out[to + x] += source[row + x] }
                for x in width ..< w { out[to + width - 1] += source[row + x] }
            }
        }
    }

    /// The top-left `width × height` samples.
    func cropped(width: Int, height: Int) -> Plane {
        let w = self.width
        return map(width: width, height: height) { source, out in
            for y in 0 ..< height {
                for x in 0 ..< width { out[y * width + x] = source[y * w + x] }
            }
        }
    }

    /// The transpose of ``cropped(width:height:)``: the plane at the top left of a zero `width × height` plane.
    func embedded(width: Int, height: Int) -> Plane {
        let (w, h) = (self.width, self.height)
        return map(width: width, height: height) { source, out in
            for y in 0 ..< h {
                for x in 0 ..< w { out[y * width + x] = source[y * w + x] }
            }
        }
    }
}

// MARK: - Colour

/// JFIF colour conversion with libjpeg's 16-bit fixed-point constants, `FIX(c) = round(c · 2¹⁶)`.
enum Colour {
    static let one: Float = 65536
    // RGB → YCbCr (jccolor.c): Y = 0.29900 R + 0.58700 G + 0.11400 B,
    // Cb = −0.16874 R − 0.33126 G + 0.5 B + 128, Cr = 0.5 R − 0.41869 G − 0.08131 B + 128.
    static let y = (r: 19595, g: 38470, b: 7471)
    static let cb = (r: -11059, g: -21709, b: 32768)
    static let cr = (r: 32768, g: -27439, b: -5329)
    // YCbCr → RGB (jdcolor.c): R = Y + 1.40200 (Cr − 128), G = Y − 0.34414 (Cb − 128) − 0.71414 (Cr − 128),
    // B = Y + 1.77200 (Cb − 128).
    static let rFromCr = 91881
    static let gFromCb = -22554
    static let gFromCr = -46802
    static let bFromCb = 116130

    /// An input value as the 8-bit sample the codec receives: rounded and clamped (NaN as 0).
    /// (Truncating `v + 0.5` rounds a non-negative v without a libm call on baseline x86-64.)
    static func sample(_ value: Float) -> Int {
        value >= 0 ? Int(min(value, 255) + 0.5) : 0
    }

    typealias Buffer = UnsafeMutableBufferPointer<Float>

    /// Three planes of one size, written together by `fill`.
    static func planes(width: Int, height: Int, _ fill: (Buffer, Buffer, Buffer) -> Void) -> (Plane, Plane, Plane) {
        var a = Plane(width: width, height: height), b = Plane(width: width, height: height), c = Plane(width: width, height: height)
        a.values.withUnsafeMutableBufferPointer { pa in
            b.values.withUnsafeMutableBufferPointer { pb in
                c.values.withUnsafeMutableBufferPointer { pc in fill(pa, pb, pc) }
            }
        }
        return (a, b, c)
    }

    /// Calls `body` with the samples of three planes of one size.
    static func reading<T>(_ a: Plane, _ b: Plane, _ c: Plane,
                           _ body: (UnsafeBufferPointer<Float>, UnsafeBufferPointer<Float>, UnsafeBufferPointer<Float>) -> T) -> T
    {
        a.values.withUnsafeBufferPointer { pa in
            b.values.withUnsafeBufferPointer { pb in
                c.values.withUnsafeBufferPointer { pc in body(pa, pb, pc) }
            }
        }
    }

    /// RGB to Y, Cb, Cr planes. Rounded, this is libjpeg's integer arithmetic exactly: Y rounds
    /// half up and Cb, Cr add 0.5 − 2⁻¹⁶ before truncating (jccolor.c's "fudge factor").
    static func ycbcr(_ pixels: [Float], width: Int, height: Int, rounded: Bool) -> (Plane, Plane, Plane) {
        let half = 1 << 15, offset = 128 << 16
        // Locals, so that the loops do not reach for the globals' lazy initialisers.
        let (y, cb, cr, one) = (y, cb, cr, one)
        return pixels.withUnsafeBufferPointer { p in
            planes(width: width, height: height) { luma, blue, red in
                for i in 0 ..< width * height {
                    if rounded {
                        let r = sample(p[3 * i]), g = sample(p[3 * i + 1]), b = sample(p[3 * i + 2])
                        // Samples 0…255 times 16-bit constants: no overflow, so wrapping arithmetic.
                        luma[i] = Float((y.r &* r &+ y.g &* g &+ y.b &* b &+ half) &>> 16)
                        blue[i] = Float((cb.r &* r &+ cb.g &* g &+ cb.b &* b &+ offset &+ half &- 1) &>> 16)
                        red[i] = Float((cr.r &* r &+ cr.g &* g &+ cr.b &* b &+ offset &+ half &- 1) &>> 16)
                    } else {
                        let r = p[3 * i], g = p[3 * i + 1], b = p[3 * i + 2]
                        luma[i] = (Float(y.r) * r + Float(y.g) * g + Float(y.b) * b) / one
                        blue[i] = (Float(cb.r) * r + Float(cb.g) * g + Float(cb.b) * b) / one + 128
                        red[i] = (Float(cr.r) * r + Float(cr.g) * g + Float(cr.b) * b) / one + 128
                    }
                }
            }
        }
    }

    /// The transpose of ``ycbcr(_:width:height:rounded:)``'s linear part: plane gradients to RGB.
    static func ycbcrTranspose(_ gy: Plane, _ gcb: Plane, _ gcr: Plane) -> [Float] {
        let (y, cb, cr, one) = (y, cb, cr, one)
        var out = [Float](repeating: 0, count: 3 * gy.values.count)
        reading(gy, gcb, gcr) { ga, gb, gc in
            out.withUnsafeMutableBufferPointer { out in
                for i in 0 ..< ga.count {
                    let a = ga[i], b = gb[i], c = gc[i]
                    out[3 * i] = (Float(y.r) * a + Float(cb.r) * b + Float(cr.r) * c) / one
                    out[3 * i + 1] = (Float(y.g) * a + Float(cb.g) * b + Float(cr.g) * c) / one
                    out[3 * i + 2] = (Float(y.b) * a + Float(cb.b) * b + Float(cr.b) * c) / one
                }
            }
        }
        return out
    }

    /// Y, Cb, Cr planes of one size to interleaved RGB. Rounded (the inputs are then whole
    /// numbers), this is jdcolor.c's table arithmetic and range limit exactly.
    static func rgb(_ luma: Plane, _ blue: Plane, _ red: Plane, rounded: Bool) -> [Float] {
        var out = [Float](repeating: 0, count: 3 * luma.values.count)
        let half = 1 << 15
        let (rFromCr, gFromCb, gFromCr, bFromCb, one) = (rFromCr, gFromCb, gFromCr, bFromCb, one)
        reading(luma, blue, red) { pl, pb, pr in
            out.withUnsafeMutableBufferPointer { out in
                for i in 0 ..< pl.count {
                    if rounded {
                        let l = Int(pl[i]), b = Int(pb[i]) - 128, r = Int(pr[i]) - 128
                        out[3 * i] = Float(min(max(l &+ ((rFromCr &* r &+ half) &>> 16), 0), 255))
                        out[3 * i + 1] = Float(min(max(l &+ ((gFromCb &* b &+ gFromCr &* r &+ half) &>> 16), 0), 255))
                        out[3 * i + 2] = Float(min(max(l &+ ((bFromCb &* b &+ half) &>> 16), 0), 255))
                    } else {
                        let l = pl[i], b = pb[i] - 128, r = pr[i] - 128
                        out[3 * i] = l + Float(rFromCr) / one * r
                        out[3 * i + 1] = l + (Float(gFromCb) * b + Float(gFromCr) * r) / one
                        out[3 * i + 2] = l + Float(bFromCb) / one * b
                    }
                }
            }
        }
        return out
    }

    /// The transpose of ``rgb(_:_:_:rounded:)``'s linear part: RGB gradients to Y, Cb, Cr planes.
    static func rgbTranspose(_ gradient: [Float], width: Int, height: Int) -> (Plane, Plane, Plane) {
        let (rFromCr, gFromCb, gFromCr, bFromCb, one) = (rFromCr, gFromCb, gFromCr, bFromCb, one)
        return gradient.withUnsafeBufferPointer { g in
            planes(width: width, height: height) { luma, blue, red in
                for i in 0 ..< width * height {
                    let r = g[3 * i], gg = g[3 * i + 1], b = g[3 * i + 2]
                    luma[i] = r + gg + b
                    blue[i] = (Float(gFromCb) * gg + Float(bFromCb) * b) / one
                    red[i] = (Float(rFromCr) * r + Float(gFromCr) * gg) / one
                }
            }
        }
    }
}

// MARK: - Chroma resampling

enum Resampling {
    /// 2×2 means of an even-sized plane. Rounded: `(a + b + c + d + bias) >> 2` with the bias 1, 2,
    /// 1, 2, … along each output row (jcsample.c's h2v2 downsampling).
    static func downsample(_ plane: Plane, rounded: Bool) -> Plane {
        let (w, width, height) = (plane.width, plane.width / 2, plane.height / 2)
        return plane.map(width: width, height: height) { p, out in
            for i in 0 ..< height {
                let top = 2 * i * w, bottom = top + w
                for j in 0 ..< width {
                    let sum = p[top + 2 * j] + p[top + 2 * j + 1] + p[bottom + 2 * j] + p[bottom + 2 * j + 1]
                    // The rounded samples are whole numbers, so the shift is libjpeg's exactly.
                    out[i * width + j] = rounded ? Float((Int(sum) + 1 + j % 2) >> 2) : sum / 4
                }
            }
        }
    }

    /// The transpose of ``downsample(_:rounded:)``'s linear part: each gradient, divided by 4, to its 2×2 samples.
    static func downsampleTranspose(_ gradient: Plane) -> Plane {
        let (w, width, height) = (gradient.width, 2 * gradient.width, 2 * gradient.height)
        return gradient.map(width: width, height: height) { g, out in
            for y in 0 ..< height {
                for x in 0 ..< width { out[y * width + x] = g[(y / 2) * w + x / 2] / 4 }
            }
        }
    }

    /// The four chroma samples behind output pixel `(x, y)` and their weights in sixteenths.
    ///
    /// Fancy (jdsample.c's h2v2 triangle filter): the nearest sample (i, j) weighs 9, its
    /// neighbours across the nearer edges (row i ∓ 1 above or below, column j ∓ 1 left or right,
    /// repeated at the plane's edges) 3 and 3, the diagonal 1. Otherwise the nearest sample, 16.
    @inline(__always)
    static func taps(x: Int, y: Int, _ geometry: DifferentiableJPEG.Geometry, fancy: Bool)
        -> (i: Int, j: Int, iv: Int, jh: Int)
    {
        let i = y / 2, j = x / 2
        guard fancy else { return (i, j, i, j) }
        let iv = y % 2 == 0 ? max(i - 1, 0) : min(i + 1, geometry.chromaHeight - 1)
        let jh = x % 2 == 0 ? max(j - 1, 0) : min(j + 1, geometry.chromaWidth - 1)
        return (i, j, iv, jh)
    }

    /// The coded chroma plane upsampled to the image's size. Fancy and rounded: libjpeg's
    /// `(3 colsum(j) + colsum(jh) + bias) >> 4` with `colsum = 3 C(i, ·) + C(iv, ·)` and the bias 8
    /// on even output columns, 7 on odd ones.
    static func upsample(_ plane: Plane, _ geometry: DifferentiableJPEG.Geometry, fancy: Bool, rounded: Bool) -> Plane {
        let w = plane.width, width = geometry.width
        return plane.map(width: width, height: geometry.height) { p, out in
            for y in 0 ..< geometry.height {
                for x in 0 ..< width {
                    let t = taps(x: x, y: y, geometry, fancy: fancy)
                    guard fancy else {
                        out[y * width + x] = p[t.i * w + t.j]
                        continue
                    }
                    let near = 3 * p[t.i * w + t.j] + p[t.iv * w + t.j]
                    let across = 3 * p[t.i * w + t.jh] + p[t.iv * w + t.jh]
                    let sum = 3 * near + across
                    out[y * width + x] = rounded ? Float((Int(sum) + (x % 2 == 0 ? 8 : 7)) >> 4) : sum / 16
                }
            }
        }
    }

    /// The transpose of ``upsample(_:_:fancy:rounded:)``'s linear part, into a coded chroma plane.
    static func upsampleTranspose(_ gradient: Plane, _ geometry: DifferentiableJPEG.Geometry, fancy: Bool) -> Plane {
        let w = geometry.chromaCodedWidth, width = geometry.width
        return gradient.map(width: w, height: geometry.chromaCodedHeight) { gradient, out in
            for y in 0 ..< geometry.height {
                for x in 0 ..< width {
                    let g = gradient[y * width + x]
                    let t = taps(x: x, y: y, geometry, fancy: fancy)
                    guard fancy else {
                        out[t.i * w + t.j] += g
                        continue
                    }
                    out[t.i * w + t.j] += 9 / 16 * g
                    out[t.i * w + t.jh] += 3 / 16 * g
                    out[t.iv * w + t.j] += 3 / 16 * g
                    out[t.iv * w + t.jh] += 1 / 16 * g
                }
            }
        }
    }
}

// MARK: - 8×8 transforms

enum BlockTransform {
    /// One row of an 8×8 block.
    typealias Row = SIMD8<Float>

    /// The orthonormal 8-point DCT-II matrix, `D[u][n] = c(u)/2 · cos((2n + 1)uπ/16)` with
    /// `c(0) = 1/√2` and `c(u) = 1` otherwise, row-major; the 2-D transform of a block X is
    /// `D X Dᵀ` (T.81 A.3.3's FDCT), and its inverse `Dᵀ F D`.
    static let matrix: [Float] = (0 ..< 64).map { k in
        let u = k / 8, n = k % 8
        let c = u == 0 ? 1 / 2.0.squareRoot() : 1
        return Float(c / 2 * cos(Double((2 * n + 1) * u) * Double.pi / 16))
    }
    /// The rows of D and of Dᵀ.
    static let rows: [Row] = (0 ..< 8).map { u in Row((0 ..< 8).map { matrix[8 * u + $0] }) }
    static let columns: [Row] = (0 ..< 8).map { n in Row((0 ..< 8).map { matrix[8 * $0 + n] }) }

    /// 64 values, row-major, as 8 rows.
    static func rows(_ values: [Float]) -> [Row] {
        (0 ..< 8).map { r in Row(values[8 * r ..< 8 * r + 8]) }
    }

    /// Calls `body(block, scratch, origin)` for each 8×8 block of `plane` (whose sides are
    /// multiples of 8): `block` holds its 8 rows and is written back afterwards, `scratch` is 8
    /// free rows, and `origin` is the block's top-left index in the plane.
    static func forEachBlock(_ plane: inout Plane,
                             _ body: (UnsafeMutablePointer<Row>, UnsafeMutablePointer<Row>, Int) -> Void)
    {
        let width = plane.width, height = plane.height
        precondition(width % 8 == 0 && height % 8 == 0, "a coded plane is \(width)×\(height), not whole 8×8 blocks")
        let buffer = UnsafeMutablePointer<Row>.allocate(capacity: 16)
        defer { buffer.deallocate() }
        plane.values.withUnsafeMutableBufferPointer { values in
            let raw = UnsafeMutableRawPointer(values.baseAddress!)
            for top in stride(from: 0, to: height, by: 8) {
                for left in stride(from: 0, to: width, by: 8) {
                    let origin = top * width + left
                    for r in 0 ..< 8 {
                        buffer[r] = raw.loadUnaligned(fromByteOffset: 4 * (origin + r * width), as: Row.self)
                    }
                    body(buffer, buffer + 8, origin)
                    for r in 0 ..< 8 {
                        raw.storeBytes(of: buffer[r], toByteOffset: 4 * (origin + r * width), as: Row.self)
                    }
                }
            }
        }
    }

    /// In place: `block ← D · block · Dᵀ`.
    static func dct(_ block: UnsafeMutablePointer<Row>, _ scratch: UnsafeMutablePointer<Row>) {
        matrix.withUnsafeBufferPointer { d in
            columns.withUnsafeBufferPointer { columns in
                // u n, n x -> u x
                for u in 0 ..< 8 {
                    var t = Row()
                    for n in 0 ..< 8 { t += d[8 * u + n] * block[n] }
                    scratch[u] = t
                }
                // u x, v x -> u v
                for u in 0 ..< 8 {
                    var f = Row()
                    for x in 0 ..< 8 { f += scratch[u][x] * columns[x] }
                    block[u] = f
                }
            }
        }
    }

    /// In place: `block ← Dᵀ · block · D`, the inverse (and the transpose) of ``dct(_:_:)``.
    static func idct(_ block: UnsafeMutablePointer<Row>, _ scratch: UnsafeMutablePointer<Row>) {
        matrix.withUnsafeBufferPointer { d in
            rows.withUnsafeBufferPointer { rows in
                // u n, u v -> n v
                for n in 0 ..< 8 {
                    var t = Row()
                    for u in 0 ..< 8 { t += d[8 * u + n] * block[u] }
                    scratch[n] = t
                }
                // n v, v x -> n x
                for n in 0 ..< 8 {
                    var x = Row()
                    for v in 0 ..< 8 { x += scratch[n][v] * rows[v] }
                    block[n] = x
                }
            }
        }
    }
}

// MARK: - Quantisation tables

enum QuantisationTables {
    /// ITU-T T.81 Annex K, Table K.1 (luminance), natural row-major order: row = vertical frequency.
    static let luma: [Int] = [
        16, 11, 10, 16, 24, 40, 51, 61,
        12, 12, 14, 19, 26, 58, 60, 55,
        14, 13, 16, 24, 40, 57, 69, 56,
        14, 17, 22, 29, 51, 87, 80, 62,
        18, 22, 37, 56, 68, 109, 103, 77,
        24, 35, 55, 64, 81, 104, 113, 92,
        49, 64, 78, 87, 103, 121, 120, 101,
        72, 92, 95, 98, 112, 100, 103, 99,
    ]

    /// ITU-T T.81 Annex K, Table K.2 (chrominance), natural row-major order.
    static let chroma: [Int] = [
        17, 18, 24, 47, 99, 99, 99, 99,
        18, 21, 26, 66, 99, 99, 99, 99,
        24, 26, 56, 99, 99, 99, 99, 99,
        47, 66, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99,
    ]

    /// The 64 steps `jpeg_set_quality(quality, TRUE)` derives from `table`: the scale
    /// `s = 5000 / q` below 50 and `200 − 2q` from 50 (integer division), then
    /// `clamp((T · s + 50) / 100, 1, 255)` (baseline forces 255 at most). `transposed` reads the
    /// table column-major instead, the mistake the fidelity tests must catch.
    static func steps(_ table: [Int], quality: Int, transposed: Bool) -> [Float] {
        let scale = quality < 50 ? 5000 / quality : 200 - 2 * quality
        return (0 ..< 64).map { k in
            let t = transposed ? table[(k % 8) * 8 + k / 8] : table[k]
            return Float(min(max((t * scale + 50) / 100, 1), 255))
        }
    }
}
