// MARK: - Direct convolution for few input channels

extension ConvGeometry {
    /// An ungrouped convolution with few input channels (the RGB stem) and whole SIMD8 blocks of
    /// output channels: one kernel row of NHWC input is `kernelWidth · inChannels ≤ 32` contiguous
    /// floats, so a direct kernel beats building an im2col matrix of short rows.
    var prefersDirect: Bool {
        groups == 1 && outChannels % 8 == 0 && kernelWidth * inChannels <= 32 && inChannels <= 4
            && !(kernelHeight == 1 && kernelWidth == 1)
    }
}

extension Kernels {
    // n y x c, ky kx c k -> n oy ox k: per output pixel, each input value under the kernel is
    // broadcast and multiplies a row of 8·j output-channel weights.
    static func conv2dDirect(_ g: ConvGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                             bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, epilogue: Epilogue) {
        let (oh, ow, cin, cout) = (g.outHeight, g.outWidth, g.inChannels, g.outChannels)
        let (kw, sx) = (g.kernelWidth, g.strideX)
        let bounds = ClampBounds(epilogue)
        let (lower, upper) = (bounds.lower, bounds.upper)
        let rowStride = g.width * cin, kernelRow = kw * cin
        let interior = g.interiorColumns

        parallelRanges(g.batch * oh) { first, end in
            for row in first..<end {
                let window = RowWindow(g, outputRow: row % oh)
                let (ky0, ky1) = (window.ky0, window.ky1)
                let inRow = input + (row / oh * g.height + window.firstInputRow) * rowStride
                let outRow = output + row * ow * cout

                /// One output pixel with its own tap range (borders).
                func pixel(_ ox: Int) {
                    let (ix0, kx0, kx1) = g.columnWindow(ox)
                    var co = 0
                    while co < cout {
                        var acc = bias.map { load($0 + co) } ?? Vec()
                        for ky in ky0..<ky1 {
                            let src = inRow + ky * rowStride + ix0 * cin
                            let w = weight + ky * kernelRow * cout + co
                            for t in (kx0 * cin)..<(kx1 * cin) { acc.addProduct(Vec(repeating: src[t]), load(w + t * cout)) }
                        }
                        store(clamp(acc, lower, upper), outRow + ox * cout + co)
                        co += 8
                    }
                }

                var ox = 0
                while ox < interior.lowerBound { pixel(ox); ox += 1 }
                // Two neighbouring pixels × 32 output channels: eight FMA chains, and each weight
                // load serves both pixels.
                while ox + 2 <= interior.upperBound {
                    let src0 = inRow + (ox * sx - g.padLeft) * cin, src1 = src0 + sx * cin
                    let out0 = outRow + ox * cout, out1 = out0 + cout
                    var co = 0
                    while co + 32 <= cout {
                        let b0 = bias.map { load($0 + co) } ?? Vec(), b1 = bias.map { load($0 + co + 8) } ?? Vec()
                        let b2 = bias.map { load($0 + co + 16) } ?? Vec(), b3 = bias.map { load($0 + co + 24) } ?? Vec()
                        var p0 = b0, p1 = b1, p2 = b2, p3 = b3, q0 = b0, q1 = b1, q2 = b2, q3 = b3
                        for ky in ky0..<ky1 {
                            let r0 = src0 + ky * rowStride, r1 = src1 + ky * rowStride
                            let w = weight + ky * kernelRow * cout + co
                            for t in 0..<kernelRow {
                                let wt = w + t * cout
                                let w0 = load(wt), w1 = load(wt + 8), w2 = load(wt + 16), w3 = load(wt + 24)
                                let x0 = Vec(repeating: r0[t]), x1 = Vec(repeating: r1[t])
                                p0.addProduct(x0, w0); p1.addProduct(x0, w1); p2.addProduct(x0, w2); p3.addProduct(x0, w3)
                                q0.addProduct(x1, w0); q1.addProduct(x1, w1); q2.addProduct(x1, w2); q3.addProduct(x1, w3)
                            }
                        }
                        store(clamp(p0, lower, upper), out0 + co); store(clamp(p1, lower, upper), out0 + co + 8)
                        store(clamp(p2, lower, upper), out0 + co + 16); store(clamp(p3, lower, upper), out0 + co + 24)
                        store(clamp(q0, lower, upper), out1 + co); store(clamp(q1, lower, upper), out1 + co + 8)
                        store(clamp(q2, lower, upper), out1 + co + 16); store(clamp(q3, lower, upper), out1 + co + 24)
                        co += 32
                    }
                    while co < cout {
                        var p = bias.map { load($0 + co) } ?? Vec(), q = p
                        for ky in ky0..<ky1 {
                            let r0 = src0 + ky * rowStride, r1 = src1 + ky * rowStride
                            let w = weight + ky * kernelRow * cout + co
                            for t in 0..<kernelRow {
                                let wv = load(w + t * cout)
                                p.addProduct(Vec(repeating: r0[t]), wv)
                                q.addProduct(Vec(repeating: r1[t]), wv)
                            }
                        }
                        store(clamp(p, lower, upper), out0 + co)
                        store(clamp(q, lower, upper), out1 + co)
                        co += 8
                    }
                    ox += 2
                }
                while ox < ow { pixel(ox); ox += 1 }
            }
        }
    }
}

extension Kernels {
    /// Sum of the eight lanes.
    @inline(__always)
    static func horizontalSum(_ v: Vec) -> Float {
        let h = v.lowHalf + v.highHalf
        return (h[0] + h[1]) + (h[2] + h[3])
    }

    // n oy ox k, ky kx c k -> n y x c  (gather over the taps that read each input pixel; the
    // output channels are the contraction axis, eight at a time, one accumulator per input channel)
    static func conv2dBackwardInputDirect(_ g: ConvGeometry, gradOutput: UnsafePointer<Float>,
                                          weight: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>) {
        let (oh, ow, cin, cout) = (g.outHeight, g.outWidth, g.inChannels, g.outChannels)
        let (kh, kw) = (g.kernelHeight, g.kernelWidth)
        // The weight with input channels padded to 4, `[kh·kw, 4, cout]`, so four accumulators
        // never read past a tap.
        let padded = alignedFloats(kh * kw * 4 * cout)
        defer { padded.deallocate() }
        for tap in 0..<(kh * kw) {
            for ci in 0..<4 {
                let dst = padded + (tap * 4 + ci) * cout
                if ci < cin {
                    dst.update(from: weight + (tap * cin + ci) * cout, count: cout)
                } else {
                    dst.update(repeating: 0, count: cout)
                }
            }
        }
        forEachInputRow(g) { n, iy, sourceRow, sourceColumn in
            let row = n * g.height + iy
            for ix in 0..<g.width {
                var a0 = Vec(), a1 = Vec(), a2 = Vec(), a3 = Vec()
                var b0 = Vec(), b1 = Vec(), b2 = Vec(), b3 = Vec()
                for ky in 0..<kh where sourceRow[ky] >= 0 {
                    let outRow = gradOutput + (n * oh + sourceRow[ky]) * ow * cout
                    for kx in 0..<kw {
                        let ox = sourceColumn[ix * kw + kx]
                        if ox < 0 { continue }
                        let d = outRow + ox * cout
                        let w = padded + (ky * kw + kx) * 4 * cout
                        var co = 0
                        while co + 16 <= cout {
                            let d0 = load(d + co), d1 = load(d + co + 8)
                            a0.addProduct(d0, load(w + co)); b0.addProduct(d1, load(w + co + 8))
                            a1.addProduct(d0, load(w + cout + co)); b1.addProduct(d1, load(w + cout + co + 8))
                            a2.addProduct(d0, load(w + 2 * cout + co)); b2.addProduct(d1, load(w + 2 * cout + co + 8))
                            a3.addProduct(d0, load(w + 3 * cout + co)); b3.addProduct(d1, load(w + 3 * cout + co + 8))
                            co += 16
                        }
                        if co < cout {
                            let d0 = load(d + co)
                            a0.addProduct(d0, load(w + co)); a1.addProduct(d0, load(w + cout + co))
                            a2.addProduct(d0, load(w + 2 * cout + co)); a3.addProduct(d0, load(w + 3 * cout + co))
                        }
                    }
                }
                let dst = gradInput + (row * g.width + ix) * cin
                let sums = (horizontalSum(a0 + b0), horizontalSum(a1 + b1), horizontalSum(a2 + b2),
                            horizontalSum(a3 + b3))
                dst[0] = sums.0
                if cin > 1 { dst[1] = sums.1 }
                if cin > 2 { dst[2] = sums.2 }
                if cin > 3 { dst[3] = sums.3 }
            }
        }
    }
}
