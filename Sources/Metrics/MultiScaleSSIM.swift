import Dispatch
import Foundation
import _Support

// The whole metric, in reading order: the Gaussian window, single-scale SSIM over a band of rows,
// then the multi-scale loop (pyramid, parallel bands, combination across scales).
// It reproduces pytorch_msssim 1.0 `ms_ssim(X, Y, data_range=255)` and `ssim(X, Y, data_range=255)`.

/// A vector of 8 floats: one AVX register, or two SSE registers.
typealias Vec8 = SIMD8<Float>

// MARK: - Parameters

/// The fixed parameters of SSIM and MS-SSIM (docs/protocol.md §5, pytorch_msssim 1.0 defaults).
enum SSIMParameters {
    /// Width of the Gaussian window, in pixels.
    static let windowSize = 11
    /// Standard deviation of the Gaussian window, in pixels.
    static let windowSigma = 1.5
    /// Dynamic range L of 8-bit samples.
    static let dataRange: Float = 255
    // Wang, Bovik, Sheikh & Simoncelli (2004), "Image quality assessment: from error visibility to
    // structural similarity", IEEE TIP 13(4), eqs. 6 and 9: C1 = (K1 L)², C2 = (K2 L)², K1 = 0.01, K2 = 0.03.
    static let c1: Float = (0.01 * dataRange) * (0.01 * dataRange)
    static let c2: Float = (0.03 * dataRange) * (0.03 * dataRange)
    // Wang, Simoncelli & Bovik (2003), "Multi-scale structural similarity for image quality
    // assessment", Asilomar Conference on Signals, Systems and Computers, §3: the exponents
    // β_j = γ_j of scales 1…5 (and α_5), fitted to their psychovisual experiment.
    static let scaleWeights: [Double] = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333]
    /// pytorch_msssim asserts `min(H, W) > (windowSize - 1) * 2**4`: after four halvings the
    /// coarsest scale must still hold a full window.
    static let minimumMultiScaleSide = (windowSize - 1) * 16 + 1
    /// Samples are filtered as `x - 128` and the mean is shifted back afterwards. Variances are
    /// shift-invariant, and centring quarters the magnitude of E[x²] - E[x]², which is the
    /// float32 cancellation that dominates the error of the statistics.
    static let centre: Float = 128
}

// MARK: - The Gaussian window

/// The 11 taps g[i] = exp(-(i - 5)² / (2 σ²)) / Σ, σ = 1.5 (pytorch_msssim `_fspecial_gauss_1d`).
/// The window is separable: the 2-D window is g[i] g[j], applied as a vertical then a horizontal pass.
let gaussianWindow: [Float] = {
    let n = SSIMParameters.windowSize, s = SSIMParameters.windowSigma
    let raw = (0..<n).map { i -> Double in
        let d = Double(i - n / 2)
        return exp(-d * d / (2 * s * s))
    }
    let total = raw.reduce(0, +)
    return raw.map { Float($0 / total) }
}()

// MARK: - Single-scale SSIM over a band of rows

/// Geometry of one plane at one scale. Rows are `stride` floats apart; `stride` is `width`
/// rounded up to a multiple of 8 and the padding columns hold zeros, so every 8-wide load
/// of the vertical pass stays inside the plane.
struct ScaleGeometry {
    let width: Int
    let height: Int
    let stride: Int
    /// Offset of this scale inside one plane's pyramid storage, in floats.
    let offset: Int

    init(width: Int, height: Int, offset: Int) {
        self.width = width
        self.height = height
        self.stride = (width + 7) & ~7
        self.offset = offset
    }

    var count: Int { stride * height }
    /// Size of the valid (unpadded) filter output.
    var validWidth: Int { width - SSIMParameters.windowSize + 1 }
    var validHeight: Int { height - SSIMParameters.windowSize + 1 }
}

/// Sums of the contrast-structure map and of the SSIM map over output rows `rows` of the valid
/// SSIM maps of planes `x`, `y` (both with geometry `g`, samples centred: x − 128).
///
/// For each output row, a vertical pass filters the 5 signals x, y, x², y², xy
/// into five row buffers, then a horizontal pass filters those and evaluates, per pixel,
///   cs   = (2 σxy + C2) / (σx² + σy² + C2)
///   ssim = (2 μx μy + C1) / (μx² + μy² + C1) · cs
/// with σ and μ from the windowed moments: μ = G*x, σx² = G*x² − μx², σxy = G*xy − μx μy.
/// `scratch` must hold `5 * (g.stride + 16)` floats whose last 16 of each row are zero.
@inline(__always)
func ssimBandSums(
    x: UnsafePointer<Float>, y: UnsafePointer<Float>, geometry g: ScaleGeometry,
    rows: Range<Int>, window w: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>
) -> (cs: Double, ssim: Double) {
    let stride = g.stride
    let rowLength = stride + 16
    let bx = scratch, by = scratch + rowLength, bxx = by + rowLength
    let byy = bxx + rowLength, bxy = byy + rowLength
    let outWidth = g.validWidth
    let fullChunks = outWidth / 8
    var csTotal = 0.0, ssimTotal = 0.0

    for r in rows {
        // Vertical pass, columns in blocks of 8:
        //   B_s[j] = Σ_k w[k] s[r + k][j]  for s in (x, y, x², y², xy).
        var j = 0
        while j < stride {
            var sx = Vec8(), sy = Vec8(), sxx = Vec8(), syy = Vec8(), sxy = Vec8()
            var p = r * stride + j
            for k in 0..<11 {
                let wk = Vec8(repeating: w[k])
                let xv = load8(x + p), yv = load8(y + p)
                let wx = wk * xv, wy = wk * yv
                sx += wx
                sy += wy
                sxx = multiplyAdd(sxx, wx, xv)
                syy = multiplyAdd(syy, wy, yv)
                sxy = multiplyAdd(sxy, wx, yv)
                p += stride
            }
            store8(sx, bx + j)
            store8(sy, by + j)
            store8(sxx, bxx + j)
            store8(syy, byy + j)
            store8(sxy, bxy + j)
            j += 8
        }

        // Horizontal pass and the two maps, 8 output pixels at a time.
        var csRow = Vec8(), ssimRow = Vec8()
        for chunk in 0..<fullChunks {
            let (cs, ssim) = ssimPixels(bx, by, bxx, byy, bxy, chunk * 8, w)
            csRow += cs
            ssimRow += ssim
        }
        let tail = outWidth - fullChunks * 8
        if tail > 0 {
            var (cs, ssim) = ssimPixels(bx, by, bxx, byy, bxy, fullChunks * 8, w)
            let outside = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7) .>= SIMD8<Int32>(repeating: Int32(tail))
            cs.replace(with: 0, where: outside)
            ssim.replace(with: 0, where: outside)
            csRow += cs
            ssimRow += ssim
        }
        csTotal += Double(csRow.sum())
        ssimTotal += Double(ssimRow.sum())
    }
    return (csTotal, ssimTotal)
}

/// The contrast-structure and SSIM values of the 8 output pixels starting at column `j`,
/// from the vertically filtered rows of x, y, x², y², xy (centred by 128).
@inline(__always)
private func ssimPixels(
    _ bx: UnsafePointer<Float>, _ by: UnsafePointer<Float>, _ bxx: UnsafePointer<Float>,
    _ byy: UnsafePointer<Float>, _ bxy: UnsafePointer<Float>, _ j: Int, _ w: UnsafePointer<Float>
) -> (cs: Vec8, ssim: Vec8) {
    let mx = horizontal(bx + j, w), my = horizontal(by + j, w)
    let mxx = horizontal(bxx + j, w), myy = horizontal(byy + j, w), mxy = horizontal(bxy + j, w)
    let c1 = Vec8(repeating: SSIMParameters.c1), c2 = Vec8(repeating: SSIMParameters.c2)
    let sigmaX = mxx - mx * mx, sigmaY = myy - my * my, sigmaXY = mxy - mx * my
    let muX = mx + SSIMParameters.centre, muY = my + SSIMParameters.centre
    let cs = (2 * sigmaXY + c2) / (sigmaX + sigmaY + c2)
    let luminance = (2 * muX * muY + c1) / (muX * muX + muY * muY + c1)
    return (cs, luminance * cs)
}

/// Σ_k w[k] b[k + i] for i in 0..<8, using the window's symmetry w[k] = w[10 − k]:
///   w5 b5 + Σ_{k<5} w[k] (b[k] + b[10 − k]).
@inline(__always)
private func horizontal(_ b: UnsafePointer<Float>, _ w: UnsafePointer<Float>) -> Vec8 {
    var s = Vec8(repeating: w[5]) * load8(b + 5)
    for k in 0..<5 {
        s = multiplyAdd(s, Vec8(repeating: w[k]), load8(b + k) + load8(b + 10 - k))
    }
    return s
}

/// acc + a·b: one fused instruction when the target has FMA (the `METRICS_FMA` condition is
/// set in Package.swift together with `-mfma`); otherwise a multiply and an add, since without
/// hardware FMA `addingProduct` would become a per-lane library call.
@inline(__always) private func multiplyAdd(_ acc: Vec8, _ a: Vec8, _ b: Vec8) -> Vec8 {
    #if METRICS_FMA
    return acc.addingProduct(a, b)
    #else
    return acc + a * b
    #endif
}

@inline(__always) private func load8(_ p: UnsafePointer<Float>) -> Vec8 {
    UnsafeRawPointer(p).loadUnaligned(as: Vec8.self)
}

@inline(__always) private func store8(_ v: Vec8, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vec8.self)
}

// MARK: - The multi-scale loop

/// Per-scale, per-channel means of the contrast-structure map and of the SSIM map.
struct SSIMStatistics {
    /// `meanCS[scale][channel]`, scale 0 the full-resolution image.
    var meanCS: [[Double]]
    /// `meanSSIM[scale][channel]`.
    var meanSSIM: [[Double]]

    /// MS-SSIM: the mean over channels of Π_{s<last} relu(cs_s)^β_s · relu(ssim_last)^β_last.
    var multiScale: Double {
        let weights = SSIMParameters.scaleWeights
        precondition(meanCS.count == weights.count, "MS-SSIM needs \(weights.count) scales")
        let channels = meanCS[0].count
        var total = 0.0
        for c in 0..<channels {
            var product = 1.0
            for s in 0..<weights.count - 1 {
                product *= pow(max(meanCS[s][c], 0), weights[s])
            }
            product *= pow(max(meanSSIM[weights.count - 1][c], 0), weights[weights.count - 1])
            total += product
        }
        return total / Double(channels)
    }

    /// Single-scale SSIM: the mean over channels of the mean SSIM map at scale 0 (no clamping,
    /// as pytorch_msssim's `ssim(nonnegative_ssim=False)`; it can be negative).
    var singleScale: Double {
        meanSSIM[0].reduce(0, +) / Double(meanSSIM[0].count)
    }
}

/// Where a loader writes one image's full-resolution planes: row `r` of channel `c` starts at
/// `row(c, r)`, and a loader fills its columns 0..<width with the centred samples x − 128.
struct PlaneLayout {
    let base: UnsafeMutablePointer<Float>
    let planeFloats: Int
    let stride: Int

    @inline(__always) func row(_ channel: Int, _ r: Int) -> UnsafeMutablePointer<Float> {
        base + channel * planeFloats + r * stride
    }
}

/// Computes the SSIM statistics of `scales` scales of two `channels`-plane images of one size.
///
/// `load(distorted, layout)` writes every channel of one image, centred (x − 128, samples
/// 0…255 before centring); it is called concurrently, once per image. Scale s + 1 is pytorch's
/// `avg_pool2d(kernel_size=2, padding=size % 2)` of scale s (zero padding on both sides of an odd
/// axis, always divided by 4). The bands of rows of every scale and channel are then spread over
/// all cores.
func ssimStatistics(
    width: Int, height: Int, channels: Int, scales: Int,
    load: (_ distorted: Bool, _ layout: PlaneLayout) -> Void
) -> SSIMStatistics {
    var geometry: [ScaleGeometry] = []
    var (w, h, offset) = (width, height, 0)
    for _ in 0..<scales {
        let g = ScaleGeometry(width: w, height: h, offset: offset)
        geometry.append(g)
        offset += g.count
        (w, h) = ((w + 1) / 2, (h + 1) / 2)
    }
    // Image-major storage: plane (image, channel) holds that channel's whole pyramid.
    let planeFloats = offset
    let storage = UnsafeMutablePointer<Float>.allocate(capacity: planeFloats * 2 * channels)
    defer { storage.deallocate() }
    func plane(_ image: Int, _ channel: Int) -> UnsafeMutablePointer<Float> {
        storage + (image * channels + channel) * planeFloats
    }

    // Phase 1: one task per image loads its channels and builds their pyramids.
    Parallel.forEach(2) { image in
        let g0 = geometry[0]
        load(image == 1, PlaneLayout(base: plane(image, 0), planeFloats: planeFloats, stride: g0.stride))
        for c in 0..<channels {
            let base = plane(image, c)
            for r in 0..<g0.height {
                (base + r * g0.stride + g0.width).initialize(repeating: 0, count: g0.stride - g0.width)
            }
            for s in 1..<scales {
                averagePool(base + geometry[s - 1].offset, geometry[s - 1], into: base + geometry[s].offset, geometry[s])
            }
        }
    }

    // Phase 2: bands of output rows of every (scale, channel), balanced across cores.
    struct Band { let scale: Int; let channel: Int; let rows: Range<Int> }
    var bands: [Band] = []
    let rowsPerBand = 24
    for s in 0..<scales {
        let outRows = geometry[s].validHeight
        for c in 0..<channels {
            var start = 0
            while start < outRows {
                bands.append(Band(scale: s, channel: c, rows: start..<min(start + rowsPerBand, outRows)))
                start += rowsPerBand
            }
        }
    }
    var csSums = [Double](repeating: 0, count: bands.count)
    var ssimSums = [Double](repeating: 0, count: bands.count)
    csSums.withUnsafeMutableBufferPointer { csOut in
        ssimSums.withUnsafeMutableBufferPointer { ssimOut in
            gaussianWindow.withUnsafeBufferPointer { window in
                Parallel.forEach(bands.count) { i in
                    let band = bands[i]
                    let g = geometry[band.scale]
                    let rowLength = g.stride + 16
                    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 5 * rowLength)
                    defer { scratch.deallocate() }
                    scratch.initialize(repeating: 0, count: 5 * rowLength)
                    let x = plane(0, band.channel) + g.offset
                    let y = plane(1, band.channel) + g.offset
                    let sums = ssimBandSums(x: x, y: y, geometry: g, rows: band.rows,
                                            window: window.baseAddress!, scratch: scratch)
                    csOut[i] = sums.cs
                    ssimOut[i] = sums.ssim
                }
            }
        }
    }

    var meanCS = [[Double]](repeating: [Double](repeating: 0, count: channels), count: scales)
    var meanSSIM = meanCS
    for (i, band) in bands.enumerated() {
        meanCS[band.scale][band.channel] += csSums[i]
        meanSSIM[band.scale][band.channel] += ssimSums[i]
    }
    for s in 0..<scales {
        let n = Double(geometry[s].validWidth * geometry[s].validHeight)
        for c in 0..<channels {
            meanCS[s][c] /= n
            meanSSIM[s][c] /= n
        }
    }
    return SSIMStatistics(meanCS: meanCS, meanSSIM: meanSSIM)
}

/// 2×2 average pooling with pytorch's `avg_pool2d(kernel_size=2, padding=[h % 2, w % 2])`:
/// an odd axis is padded by one zero on each side (so the first output averages the first sample
/// with padding), the window steps by 2, the count includes padding (always ÷ 4), and the
/// output size is ⌈n / 2⌉. The planes are centred, so pytorch's zero padding is `pad` = −128
/// here (averaging commutes with the shift). Padding columns of the destination are zeroed.
private func averagePool(
    _ src: UnsafePointer<Float>, _ s: ScaleGeometry, into dst: UnsafeMutablePointer<Float>, _ d: ScaleGeometry
) {
    let pad = -SSIMParameters.centre
    let padTop = s.height % 2, padLeft = s.width % 2
    let padRow = padTop == 1 ? [Float](repeating: pad, count: s.width) : []
    for i in 0..<d.height {
        // Source rows 2i − padTop and 2i + 1 − padTop; only the first can fall outside (−1).
        let r0 = 2 * i - padTop
        let lower = src + (r0 + 1) * s.stride
        let out = dst + i * d.stride
        // The row above the image, when padTop = 1, is all padding.
        if r0 >= 0 {
            poolRow(src + r0 * s.stride, lower, padLeft: padLeft, pad: pad, into: out, count: d.width)
        } else {
            padRow.withUnsafeBufferPointer { padding in
                poolRow(padding.baseAddress!, lower, padLeft: padLeft, pad: pad, into: out, count: d.width)
            }
        }
        (out + d.width).initialize(repeating: 0, count: d.stride - d.width)
    }
}

/// One output row of `averagePool`: out[j] = (((u[c] + u[c+1]) + l[c]) + l[c+1]) / 4 with
/// c = 2j − padLeft, in pytorch's summation order; column −1 reads as `pad`.
@inline(__always)
private func poolRow(
    _ upper: UnsafePointer<Float>, _ lower: UnsafePointer<Float>, padLeft: Int, pad: Float,
    into out: UnsafeMutablePointer<Float>, count: Int
) {
    var start = 0
    if padLeft == 1 {
        out[0] = (((pad + upper[0]) + pad) + lower[0]) * 0.25
        start = 1
    }
    for j in start..<count {
        let c = 2 * j - padLeft
        out[j] = (((upper[c] + upper[c + 1]) + lower[c]) + lower[c + 1]) * 0.25
    }
}
