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

    /// Padded to `width × height` (no smaller than the plane) by repeating the last column and row.
    func replicated(width: Int, height: Int) -> Plane {
        var out = Plane(width: width, height: height)
        for y in 0 ..< height {
            let source = min(y, self.height - 1) * self.width
            let row = y * width
            for x in 0 ..< width { out.values[row + x] = values[source + min(x, self.width - 1)] }
        }
        return out
    }

    /// The transpose of ``replicated(width:height:)``: back to `width × height`, each padded
    /// sample's value added to the edge sample it copied.
    func folded(width: Int, height: Int) -> Plane {
        var out = Plane(width: width, height: height)
        for y in 0 ..< self.height {
            let target = min(y, height - 1) * width
            let row = y * self.width
            for x in 0 ..< self.width { out.values[target + min(x, width - 1)] += values[row + x] }
        }
        return out
    }

    /// The top-left `width × height` samples.
    func cropped(width: Int, height: Int) -> Plane {
        var out = Plane(width: width, height: height)
        for y in 0 ..< height {
            for x in 0 ..< width { out.values[y * width + x] = values[y * self.width + x] }
        }
        return out
    }

    /// The transpose of ``cropped(width:height:)``: the plane at the top left of a zero `width × height` plane.
    func embedded(width: Int, height: Int) -> Plane {
        var out = Plane(width: width, height: height)
        for y in 0 ..< self.height {
            for x in 0 ..< self.width { out.values[y * width + x] = values[y * self.width + x] }
        }
        return out
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
    static func sample(_ value: Float) -> Int {
        value >= 0 ? Int(min(value, 255).rounded()) : 0
    }

    /// RGB to Y, Cb, Cr planes. Rounded, this is libjpeg's integer arithmetic exactly: Y rounds
    /// half up and Cb, Cr add 0.5 − 2⁻¹⁶ before truncating (jccolor.c's "fudge factor").
    static func ycbcr(_ pixels: [Float], width: Int, height: Int, rounded: Bool) -> (Plane, Plane, Plane) {
        var planes = (Plane(width: width, height: height), Plane(width: width, height: height), Plane(width: width, height: height))
        let half = 1 << 15, offset = 128 << 16
        for i in 0 ..< width * height {
            if rounded {
                let r = sample(pixels[3 * i]), g = sample(pixels[3 * i + 1]), b = sample(pixels[3 * i + 2])
                planes.0.values[i] = Float((y.r * r + y.g * g + y.b * b + half) >> 16)
                planes.1.values[i] = Float((cb.r * r + cb.g * g + cb.b * b + offset + half - 1) >> 16)
                planes.2.values[i] = Float((cr.r * r + cr.g * g + cr.b * b + offset + half - 1) >> 16)
            } else {
                let r = pixels[3 * i], g = pixels[3 * i + 1], b = pixels[3 * i + 2]
                planes.0.values[i] = (Float(y.r) * r + Float(y.g) * g + Float(y.b) * b) / one
                planes.1.values[i] = (Float(cb.r) * r + Float(cb.g) * g + Float(cb.b) * b) / one + 128
                planes.2.values[i] = (Float(cr.r) * r + Float(cr.g) * g + Float(cr.b) * b) / one + 128
            }
        }
        return planes
    }

    /// The transpose of ``ycbcr(_:width:height:rounded:)``'s linear part: plane gradients to RGB.
    static func ycbcrTranspose(_ gy: Plane, _ gcb: Plane, _ gcr: Plane) -> [Float] {
        var out = [Float](repeating: 0, count: 3 * gy.values.count)
        for i in gy.values.indices {
            let a = gy.values[i], b = gcb.values[i], c = gcr.values[i]
            out[3 * i] = (Float(y.r) * a + Float(cb.r) * b + Float(cr.r) * c) / one
            out[3 * i + 1] = (Float(y.g) * a + Float(cb.g) * b + Float(cr.g) * c) / one
            out[3 * i + 2] = (Float(y.b) * a + Float(cb.b) * b + Float(cr.b) * c) / one
        }
        return out
    }

    /// Y, Cb, Cr planes of one size to interleaved RGB. Rounded (the inputs are then whole
    /// numbers), this is jdcolor.c's table arithmetic and range limit exactly.
    static func rgb(_ luma: Plane, _ blue: Plane, _ red: Plane, rounded: Bool) -> [Float] {
        var out = [Float](repeating: 0, count: 3 * luma.values.count)
        let half = 1 << 15
        for i in luma.values.indices {
            if rounded {
                let l = Int(luma.values[i]), b = Int(blue.values[i]) - 128, r = Int(red.values[i]) - 128
                out[3 * i] = Float(min(max(l + ((rFromCr * r + half) >> 16), 0), 255))
                out[3 * i + 1] = Float(min(max(l + ((gFromCb * b + gFromCr * r + half) >> 16), 0), 255))
                out[3 * i + 2] = Float(min(max(l + ((bFromCb * b + half) >> 16), 0), 255))
            } else {
                let l = luma.values[i], b = blue.values[i] - 128, r = red.values[i] - 128
                out[3 * i] = l + Float(rFromCr) / one * r
                out[3 * i + 1] = l + (Float(gFromCb) * b + Float(gFromCr) * r) / one
                out[3 * i + 2] = l + Float(bFromCb) / one * b
            }
        }
        return out
    }

    /// The transpose of ``rgb(_:_:_:rounded:)``'s linear part: RGB gradients to Y, Cb, Cr planes.
    static func rgbTranspose(_ gradient: [Float], width: Int, height: Int) -> (Plane, Plane, Plane) {
        var planes = (Plane(width: width, height: height), Plane(width: width, height: height), Plane(width: width, height: height))
        for i in 0 ..< width * height {
            let r = gradient[3 * i], g = gradient[3 * i + 1], b = gradient[3 * i + 2]
            planes.0.values[i] = r + g + b
            planes.1.values[i] = (Float(gFromCb) * g + Float(bFromCb) * b) / one
            planes.2.values[i] = (Float(rFromCr) * r + Float(gFromCr) * g) / one
        }
        return planes
    }
}

// MARK: - Chroma resampling

enum Resampling {
    /// 2×2 means of an even-sized plane. Rounded: `(a + b + c + d + bias) >> 2` with the bias 1, 2,
    /// 1, 2, … along each output row (jcsample.c's h2v2 downsampling).
    static func downsample(_ plane: Plane, rounded: Bool) -> Plane {
        var out = Plane(width: plane.width / 2, height: plane.height / 2)
        for i in 0 ..< out.height {
            let top = 2 * i * plane.width, bottom = top + plane.width
            for j in 0 ..< out.width {
                let sum = plane.values[top + 2 * j] + plane.values[top + 2 * j + 1]
                    + plane.values[bottom + 2 * j] + plane.values[bottom + 2 * j + 1]
                out.values[i * out.width + j] = rounded ? ((sum + Float(1 + j % 2)) / 4).rounded(.down) : sum / 4
            }
        }
        return out
    }

    /// The transpose of ``downsample(_:rounded:)``'s linear part: each gradient, divided by 4, to its 2×2 samples.
    static func downsampleTranspose(_ gradient: Plane) -> Plane {
        var out = Plane(width: 2 * gradient.width, height: 2 * gradient.height)
        for y in 0 ..< out.height {
            for x in 0 ..< out.width {
                out.values[y * out.width + x] = gradient.values[(y / 2) * gradient.width + x / 2] / 4
            }
        }
        return out
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
        var out = Plane(width: geometry.width, height: geometry.height)
        let w = plane.width
        for y in 0 ..< geometry.height {
            for x in 0 ..< geometry.width {
                let t = taps(x: x, y: y, geometry, fancy: fancy)
                let value: Float
                if fancy {
                    let near = 3 * plane.values[t.i * w + t.j] + plane.values[t.iv * w + t.j]
                    let across = 3 * plane.values[t.i * w + t.jh] + plane.values[t.iv * w + t.jh]
                    let sum = 3 * near + across
                    value = rounded ? ((sum + Float(x % 2 == 0 ? 8 : 7)) / 16).rounded(.down) : sum / 16
                } else {
                    value = plane.values[t.i * w + t.j]
                }
                out.values[y * geometry.width + x] = value
            }
        }
        return out
    }

    /// The transpose of ``upsample(_:_:fancy:rounded:)``'s linear part, into a coded chroma plane.
    static func upsampleTranspose(_ gradient: Plane, _ geometry: DifferentiableJPEG.Geometry, fancy: Bool) -> Plane {
        var out = Plane(width: geometry.chromaCodedWidth, height: geometry.chromaCodedHeight)
        let w = out.width
        for y in 0 ..< geometry.height {
            for x in 0 ..< geometry.width {
                let g = gradient.values[y * geometry.width + x]
                let t = taps(x: x, y: y, geometry, fancy: fancy)
                if fancy {
                    out.values[t.i * w + t.j] += 9 / 16 * g
                    out.values[t.i * w + t.jh] += 3 / 16 * g
                    out.values[t.iv * w + t.j] += 3 / 16 * g
                    out.values[t.iv * w + t.jh] += 1 / 16 * g
                } else {
                    out.values[t.i * w + t.j] += g
                }
            }
        }
        return out
    }
}

// MARK: - 8×8 transforms

enum BlockTransform {
    /// The orthonormal 8-point DCT-II matrix, `D[u][n] = c(u)/2 · cos((2n + 1)uπ/16)` with
    /// `c(0) = 1/√2` and `c(u) = 1` otherwise; the 2-D transform of a block X is `D X Dᵀ`
    /// (T.81 A.3.3's FDCT), and its inverse `Dᵀ F D`.
    static let matrix: [Float] = (0 ..< 64).map { k in
        let u = k / 8, n = k % 8
        let c = u == 0 ? 1 / 2.0.squareRoot() : 1
        return Float(c / 2 * cos(Double((2 * n + 1) * u) * Double.pi / 16))
    }

    /// Calls `body(block, scratch, origin)` for each 8×8 block of `plane` (whose sides are
    /// multiples of 8): `block` holds its 64 values row-major and is written back afterwards,
    /// `scratch` is 64 free floats, and `origin` is the block's top-left index in the plane.
    static func forEachBlock(_ plane: inout Plane,
                             _ body: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void)
    {
        let width = plane.width, height = plane.height
        precondition(width % 8 == 0 && height % 8 == 0, "a coded plane is \(width)×\(height), not whole 8×8 blocks")
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: 128)
        defer { buffer.deallocate() }
        plane.values.withUnsafeMutableBufferPointer { values in
            for top in stride(from: 0, to: height, by: 8) {
                for left in stride(from: 0, to: width, by: 8) {
                    let origin = top * width + left
                    for r in 0 ..< 8 {
                        for c in 0 ..< 8 { buffer[8 * r + c] = values[origin + r * width + c] }
                    }
                    body(buffer, buffer + 64, origin)
                    for r in 0 ..< 8 {
                        for c in 0 ..< 8 { values[origin + r * width + c] = buffer[8 * r + c] }
                    }
                }
            }
        }
    }

    /// In place: `block ← D · block · Dᵀ`.
    static func dct(_ block: UnsafeMutablePointer<Float>, _ scratch: UnsafeMutablePointer<Float>) {
        matrix.withUnsafeBufferPointer { d in
            // u n, n x -> u x
            for u in 0 ..< 8 {
                for x in 0 ..< 8 {
                    var s: Float = 0
                    for n in 0 ..< 8 { s += d[8 * u + n] * block[8 * n + x] }
                    scratch[8 * u + x] = s
                }
            }
            // u x, v x -> u v
            for u in 0 ..< 8 {
                for v in 0 ..< 8 {
                    var s: Float = 0
                    for x in 0 ..< 8 { s += scratch[8 * u + x] * d[8 * v + x] }
                    block[8 * u + v] = s
                }
            }
        }
    }

    /// In place: `block ← Dᵀ · block · D`, the inverse (and the transpose) of ``dct(_:_:)``.
    static func idct(_ block: UnsafeMutablePointer<Float>, _ scratch: UnsafeMutablePointer<Float>) {
        matrix.withUnsafeBufferPointer { d in
            // u n, u v -> n v
            for n in 0 ..< 8 {
                for v in 0 ..< 8 {
                    var s: Float = 0
                    for u in 0 ..< 8 { s += d[8 * u + n] * block[8 * u + v] }
                    scratch[8 * n + v] = s
                }
            }
            // n v, v x -> n x
            for n in 0 ..< 8 {
                for x in 0 ..< 8 {
                    var s: Float = 0
                    for v in 0 ..< 8 { s += scratch[8 * n + v] * d[8 * v + x] }
                    block[8 * n + x] = s
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
