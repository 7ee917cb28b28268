@_spi(Benchmarks) import _Kernels

// MARK: - Depthwise convolution, NCHW (layout comparison only)

/// The other layout of `sanitize-bench kernels --only layout`: the API of `_Kernels` is NHWC,
/// and this kernel measures what NCHW would have given.
public enum LayoutBaseline {
    private typealias Vec = SIMD8<Float>

    /// Depthwise convolution on NCHW buffers.
    ///
    /// `input` is `[batch, channels, height, width]`, `output` `[batch, channels, outHeight, outWidth]`,
    /// `weight` the usual depthwise `[kh, kw, 1, channels]`; `g.groups` must equal the channels.
    /// Vectorised 8 output columns at a time along the contiguous width axis (stride 2 loads 16
    /// inputs and keeps the even lanes); image planes are spread over the cores with the same
    /// split as the NHWC kernels. Border columns are scalar.
    public static func depthwiseConv2dNCHW(_ g: ConvGeometry, input: UnsafePointer<Float>,
                                           weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                           output: UnsafeMutablePointer<Float>, epilogue: Epilogue = .none) {
        if let problem = g.problem { preconditionFailure("ConvGeometry: \(problem)") }
        precondition(g.isDepthwise, "depthwiseConv2dNCHW: groups \(g.groups) must equal channels \(g.inChannels)")
        let (oh, ow, channels) = (g.outHeight, g.outWidth, g.inChannels)
        let (kh, kw, sy, sx) = (g.kernelHeight, g.kernelWidth, g.strideY, g.strideX)
        var lowerBound = -Float.infinity, upperBound = Float.infinity
        if case let .clamp(l, u) = epilogue { (lowerBound, upperBound) = (l, u) }
        let (lower, upper) = (Vec(repeating: lowerBound), Vec(repeating: upperBound))
        let interiorStart = Swift.min(ow, (g.padLeft + sx - 1) / sx)
        let interiorEnd = Swift.max(interiorStart, Swift.min(ow, floorDiv(g.width + g.padLeft - kw - (sx - 1), sx) + 1))

        Kernels.parallelRanges(g.batch * channels) { first, end in
            for plane in first..<end {
                let c = plane % channels
                let src = input + plane * g.height * g.width
                let dst = output + plane * oh * ow
                let b = bias?[c] ?? 0
                for oy in 0..<oh {
                    let iy0 = oy * sy - g.padTop
                    let ky0 = Swift.max(0, -iy0), ky1 = Swift.max(ky0, Swift.min(kh, g.height - iy0))
                    let out = dst + oy * ow

                    func scalar(_ ox: Int) {
                        let ix0 = ox * sx - g.padLeft
                        let kx0 = Swift.max(0, -ix0), kx1 = Swift.max(kx0, Swift.min(kw, g.width - ix0))
                        var acc = b
                        for ky in ky0..<ky1 {
                            for kx in kx0..<kx1 {
                                acc += src[(iy0 + ky) * g.width + ix0 + kx] * weight[(ky * kw + kx) * channels + c]
                            }
                        }
                        out[ox] = Swift.min(Swift.max(acc, lowerBound), upperBound)
                    }

                    var ox = 0
                    while ox < interiorStart { scalar(ox); ox += 1 }
                    // n c y x: 8 output columns per vector, one broadcast weight per tap.
                    while ox + 8 <= interiorEnd {
                        var acc = Vec(repeating: b)
                        let ix0 = ox * sx - g.padLeft
                        for ky in ky0..<ky1 {
                            let row = src + (iy0 + ky) * g.width + ix0
                            for kx in 0..<kw {
                                let w = Vec(repeating: weight[(ky * kw + kx) * channels + c])
                                if sx == 1 {
                                    acc.addProduct(UnsafeRawPointer(row + kx).loadUnaligned(as: Vec.self), w)
                                } else if sx == 2 {
                                    let pair = UnsafeRawPointer(row + kx).loadUnaligned(as: SIMD16<Float>.self)
                                    acc.addProduct(pair.evenHalf, w)
                                } else {
                                    var v = Vec()
                                    for lane in 0..<8 { v[lane] = row[kx + lane * sx] }
                                    acc.addProduct(v, w)
                                }
                            }
                        }
                        // Compare-and-blend: pointwiseMin/Max compile to out-of-line calls here.
                        let clamped = acc.replacing(with: lower, where: acc .< lower).replacing(with: upper, where: acc .> upper)
                        UnsafeMutableRawPointer(out + ox).storeBytes(of: clamped, as: Vec.self)
                        ox += 8
                    }
                    while ox < ow { scalar(ox); ox += 1 }
                }
            }
        }
    }

    /// ⌊a / b⌋ for b > 0, also for negative a (Swift's `/` truncates toward zero).
    @inline(__always)
    private static func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }
}
