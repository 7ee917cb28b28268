// MARK: - Straightforward loops

/// Plain loop versions of every kernel: the specification the fast paths are tested against, and
/// the fallback for shapes that no fast path covers.
extension Kernels {
    // m k, k n -> m n
    @usableFromInline
    static func sgemmLoops(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                           alpha: Float, a: UnsafePointer<Float>, lda: Int,
                           b: UnsafePointer<Float>, ldb: Int,
                           beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        for i in 0..<m {
            for j in 0..<n {
                var sum: Float = 0
                for p in 0..<k {
                    let av = transposeA ? a[p * lda + i] : a[i * lda + p]
                    let bv = transposeB ? b[j * ldb + p] : b[p * ldb + j]
                    sum += av * bv
                }
                c[i * ldc + j] = beta == 0 ? alpha * sum : alpha * sum + beta * c[i * ldc + j]
            }
        }
    }

    // n y x c, ky kx c' k -> n oy ox k
    static func conv2dLoops(_ g: ConvGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                            bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                            epilogue: Epilogue) {
        let (oh, ow, cinG, coutG) = (g.outHeight, g.outWidth, g.inChannelsPerGroup, g.outChannelsPerGroup)
        for n in 0..<g.batch {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    let out = output + ((n * oh + oy) * ow + ox) * g.outChannels
                    for co in 0..<g.outChannels {
                        let ciBase = (co / coutG) * cinG
                        var sum: Float = bias?[co] ?? 0
                        for ky in 0..<g.kernelHeight {
                            let iy = oy * g.strideY + ky - g.padTop
                            if iy < 0 || iy >= g.height { continue }
                            for kx in 0..<g.kernelWidth {
                                let ix = ox * g.strideX + kx - g.padLeft
                                if ix < 0 || ix >= g.width { continue }
                                let inp = input + ((n * g.height + iy) * g.width + ix) * g.inChannels + ciBase
                                let w = weight + (ky * g.kernelWidth + kx) * cinG * g.outChannels + co
                                for ci in 0..<cinG { sum += inp[ci] * w[ci * g.outChannels] }
                            }
                        }
                        out[co] = apply(epilogue, sum)
                    }
                }
            }
        }
    }

    // n oy ox k, ky kx c' k -> n y x c
    static func conv2dBackwardInputLoops(_ g: ConvGeometry, gradOutput: UnsafePointer<Float>,
                                         weight: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>) {
        let (oh, ow, cinG, coutG) = (g.outHeight, g.outWidth, g.inChannelsPerGroup, g.outChannelsPerGroup)
        gradInput.update(repeating: 0, count: g.inputCount)
        for n in 0..<g.batch {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    let go = gradOutput + ((n * oh + oy) * ow + ox) * g.outChannels
                    for ky in 0..<g.kernelHeight {
                        let iy = oy * g.strideY + ky - g.padTop
                        if iy < 0 || iy >= g.height { continue }
                        for kx in 0..<g.kernelWidth {
                            let ix = ox * g.strideX + kx - g.padLeft
                            if ix < 0 || ix >= g.width { continue }
                            let gi = gradInput + ((n * g.height + iy) * g.width + ix) * g.inChannels
                            let w = weight + (ky * g.kernelWidth + kx) * cinG * g.outChannels
                            for co in 0..<g.outChannels {
                                let ciBase = (co / coutG) * cinG
                                for ci in 0..<cinG { gi[ciBase + ci] += go[co] * w[ci * g.outChannels + co] }
                            }
                        }
                    }
                }
            }
        }
    }

    // n y x c, n oy ox k -> ky kx c' k
    static func conv2dBackwardWeightLoops(_ g: ConvGeometry, input: UnsafePointer<Float>,
                                          gradOutput: UnsafePointer<Float>,
                                          gradWeight: UnsafeMutablePointer<Float>,
                                          gradBias: UnsafeMutablePointer<Float>?) {
        let (oh, ow, cinG, coutG) = (g.outHeight, g.outWidth, g.inChannelsPerGroup, g.outChannelsPerGroup)
        gradWeight.update(repeating: 0, count: g.weightCount)
        gradBias?.update(repeating: 0, count: g.outChannels)
        for n in 0..<g.batch {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    let go = gradOutput + ((n * oh + oy) * ow + ox) * g.outChannels
                    if let gradBias { for co in 0..<g.outChannels { gradBias[co] += go[co] } }
                    for ky in 0..<g.kernelHeight {
                        let iy = oy * g.strideY + ky - g.padTop
                        if iy < 0 || iy >= g.height { continue }
                        for kx in 0..<g.kernelWidth {
                            let ix = ox * g.strideX + kx - g.padLeft
                            if ix < 0 || ix >= g.width { continue }
                            let inp = input + ((n * g.height + iy) * g.width + ix) * g.inChannels
                            let gw = gradWeight + (ky * g.kernelWidth + kx) * cinG * g.outChannels
                            for co in 0..<g.outChannels {
                                let ciBase = (co / coutG) * cinG
                                for ci in 0..<cinG { gw[ci * g.outChannels + co] += inp[ciBase + ci] * go[co] }
                            }
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    static func apply(_ epilogue: Epilogue, _ value: Float) -> Float {
        switch epilogue {
        case .none: return value
        case let .clamp(lower, upper): return Swift.min(Swift.max(value, lower), upper)
        }
    }
}
