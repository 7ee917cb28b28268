import _Support

// MARK: - Depthwise convolution, NHWC, direct SIMD

/// Depthwise convolution (`groups == inChannels == outChannels`) computed directly: every output
/// pixel is a short sum over the kernel taps, vectorised 8 channels at a time along NHWC's
/// contiguous channel axis. Rows of the output are spread over the cores.
extension Kernels {
    // n y x c, ky kx c -> n oy ox c
    static func depthwiseForward(_ g: ConvGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                 bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, epilogue: Epilogue) {
        let (oh, ow, channels) = (g.outHeight, g.outWidth, g.inChannels)
        let (kw, sx) = (g.kernelWidth, g.strideX)
        let bounds = ClampBounds(epilogue)
        let (lower, upper, lowerBound, upperBound) = (bounds.lower, bounds.upper, bounds.lowerBound, bounds.upperBound)
        let interior = g.interiorColumns
        let (interiorStart, interiorEnd) = (interior.lowerBound, interior.upperBound)
        let rowStride = g.width * channels, pixelStride = sx * channels

        parallelRanges(g.batch * oh) { first, end in
            for row in first..<end {
                let n = row / oh
                let window = RowWindow(g, outputRow: row % oh)
                let (ky0, ky1) = (window.ky0, window.ky1)
                let inRow = input + (n * g.height + window.firstInputRow) * rowStride
                let outRow = output + row * ow * channels

                /// One output pixel, all channels, taps kx0..<kx1 only (borders and leftovers).
                func pixel(_ ox: Int) {
                    let (ix0, kx0, kx1) = g.columnWindow(ox)
                    let out = outRow + ox * channels
                    var c = 0
                    while c + 8 <= channels {
                        var acc = bias.map { load($0 + c) } ?? Vec()
                        for ky in ky0..<ky1 {
                            let src = inRow + ky * rowStride + ix0 * channels + c
                            let w = weight + ky * kw * channels + c
                            for kx in kx0..<kx1 { acc.addProduct(load(src + kx * channels), load(w + kx * channels)) }
                        }
                        store(clamp(acc, lower, upper), out + c)
                        c += 8
                    }
                    while c < channels {
                        var acc = bias?[c] ?? 0
                        for ky in ky0..<ky1 {
                            for kx in kx0..<kx1 {
                                acc += inRow[ky * rowStride + (ix0 + kx) * channels + c] * weight[(ky * kw + kx) * channels + c]
                            }
                        }
                        out[c] = Swift.min(Swift.max(acc, lowerBound), upperBound)
                        c += 1
                    }
                }

                var ox = 0
                while ox < interiorStart { pixel(ox); ox += 1 }
                // Four neighbouring output pixels share each weight vector: 5 loads per 4 FMAs.
                if channels % 8 == 0 {
                    while ox + 4 <= interiorEnd {
                        let ix0 = ox * sx - g.padLeft
                        let out = outRow + ox * channels
                        var c = 0
                        // Two channel vectors at once: eight independent FMA chains hide the FMA latency.
                        while c + 16 <= channels {
                            let b = bias.map { load($0 + c) } ?? Vec(), bb = bias.map { load($0 + c + 8) } ?? Vec()
                            var a0 = b, a1 = b, a2 = b, a3 = b, e0 = bb, e1 = bb, e2 = bb, e3 = bb
                            for ky in ky0..<ky1 {
                                let src = inRow + ky * rowStride + ix0 * channels + c
                                let w = weight + ky * kw * channels + c
                                for kx in 0..<kw {
                                    let wv = load(w + kx * channels), wv2 = load(w + kx * channels + 8)
                                    let s = src + kx * channels
                                    a0.addProduct(load(s), wv)
                                    e0.addProduct(load(s + 8), wv2)
                                    a1.addProduct(load(s + pixelStride), wv)
                                    e1.addProduct(load(s + pixelStride + 8), wv2)
                                    a2.addProduct(load(s + 2 * pixelStride), wv)
                                    e2.addProduct(load(s + 2 * pixelStride + 8), wv2)
                                    a3.addProduct(load(s + 3 * pixelStride), wv)
                                    e3.addProduct(load(s + 3 * pixelStride + 8), wv2)
                                }
                            }
                            store(clamp(a0, lower, upper), out + c)
                            store(clamp(e0, lower, upper), out + c + 8)
                            store(clamp(a1, lower, upper), out + channels + c)
                            store(clamp(e1, lower, upper), out + channels + c + 8)
                            store(clamp(a2, lower, upper), out + 2 * channels + c)
                            store(clamp(e2, lower, upper), out + 2 * channels + c + 8)
                            store(clamp(a3, lower, upper), out + 3 * channels + c)
                            store(clamp(e3, lower, upper), out + 3 * channels + c + 8)
                            c += 16
                        }
                        while c < channels {
                            let b = bias.map { load($0 + c) } ?? Vec()
                            var a0 = b, a1 = b, a2 = b, a3 = b
                            for ky in ky0..<ky1 {
                                let src = inRow + ky * rowStride + ix0 * channels + c
                                let w = weight + ky * kw * channels + c
                                for kx in 0..<kw {
                                    let wv = load(w + kx * channels)
                                    let s = src + kx * channels
                                    a0.addProduct(load(s), wv)
                                    a1.addProduct(load(s + pixelStride), wv)
                                    a2.addProduct(load(s + 2 * pixelStride), wv)
                                    a3.addProduct(load(s + 3 * pixelStride), wv)
                                }
                            }
                            store(clamp(a0, lower, upper), out + c)
                            store(clamp(a1, lower, upper), out + channels + c)
                            store(clamp(a2, lower, upper), out + 2 * channels + c)
                            store(clamp(a3, lower, upper), out + 3 * channels + c)
                            c += 8
                        }
                        ox += 4
                    }
                }
                while ox < ow { pixel(ox); ox += 1 }
            }
        }
    }

    // n oy ox c, ky kx c -> n y x c
    static func depthwiseBackwardInput(_ g: ConvGeometry, gradOutput: UnsafePointer<Float>,
                                       weight: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>) {
        // Stride 1: gradInput[y] = Σ_ky gradOutput[y + pt − ky] · w[ky]; with ky' = kh − 1 − ky this is
        // the forward convolution of gradOutput with the flipped kernel and padding kh − 1 − pt on
        // top (kh − 1 − pb below), so the fast forward kernel does the work.
        let (kh, kw) = (g.kernelHeight, g.kernelWidth)
        if g.strideY == 1 && g.strideX == 1 && g.padTop < kh && g.padBottom < kh && g.padLeft < kw && g.padRight < kw {
            let channels = g.inChannels
            let flipped = alignedFloats(kh * kw * channels)
            defer { flipped.deallocate() }
            for ky in 0..<kh {
                for kx in 0..<kw {
                    (flipped + (ky * kw + kx) * channels).update(
                        from: weight + ((kh - 1 - ky) * kw + (kw - 1 - kx)) * channels, count: channels)
                }
            }
            let adjoint = ConvGeometry(batch: g.batch, height: g.outHeight, width: g.outWidth, inChannels: channels,
                                       outChannels: channels, kernelHeight: kh, kernelWidth: kw,
                                       padTop: kh - 1 - g.padTop, padLeft: kw - 1 - g.padLeft,
                                       padBottom: kh - 1 - g.padBottom, padRight: kw - 1 - g.padRight, groups: channels)
            depthwiseForward(adjoint, input: gradOutput, weight: flipped, bias: nil, output: gradInput, epilogue: .none)
            return
        }
        depthwiseBackwardInputGather(g, gradOutput: gradOutput, weight: weight, gradInput: gradInput)
    }

    // n oy ox c, ky kx c -> n y x c   (gather: each input pixel sums the outputs that read it)
    //
    // Input column x = px + sx·b (phase px) is read by tap kx only when (px + padLeft − kx) is a
    // multiple of sx, from output column ox = (px + padLeft − kx)/sx + b. So within one phase the
    // tap set is fixed and neighbouring b read neighbouring ox: four of them share each weight load.
    static func depthwiseBackwardInputGather(_ g: ConvGeometry, gradOutput: UnsafePointer<Float>,
                                             weight: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>) {
        let (oh, ow, channels) = (g.outHeight, g.outWidth, g.inChannels)
        let (kh, kw, sy, sx) = (g.kernelHeight, g.kernelWidth, g.strideY, g.strideX)
        parallelRanges(g.batch * g.height) { first, end in
            withUnsafeTemporaryAllocation(of: (tap: Int, shift: Int).self, capacity: kw) { xTaps in
                withUnsafeTemporaryAllocation(of: (tap: Int, row: Int).self, capacity: kh) { yTaps in
                    for row in first..<end {
                        let n = row / g.height, iy = row % g.height
                        var ny = 0
                        for ky in 0..<kh {
                            // iy = oy·sy + ky − padTop  ⇒  oy = (iy + padTop − ky) / sy when exact.
                            let t = iy + g.padTop - ky
                            if t >= 0 && t % sy == 0 && t / sy < oh { yTaps[ny] = (ky, t / sy); ny += 1 }
                        }
                        let outRow = gradInput + row * g.width * channels
                        for px in 0..<Swift.min(sx, g.width) {
                            var nx = 0, lowest = Int.max, highest = Int.min
                            for kx in 0..<kw {
                                let t = px + g.padLeft - kx
                                if ((t % sx) + sx) % sx == 0 {
                                    let shift = floorDiv(t, sx)
                                    xTaps[nx] = (kx, shift)
                                    nx += 1
                                    lowest = Swift.min(lowest, shift)
                                    highest = Swift.max(highest, shift)
                                }
                            }
                            let columns = (g.width - px + sx - 1) / sx
                            // Columns b whose every tap lands on a real output column.
                            let interiorStart = nx == 0 ? 0 : Swift.min(columns, Swift.max(0, -lowest))
                            let interiorEnd = nx == 0 ? 0 : Swift.max(interiorStart, Swift.min(columns, ow - highest))

                            /// One input column with bounds checks on every tap (edges).
                            func column(_ b: Int) {
                                let out = outRow + (px + sx * b) * channels
                                var c = 0
                                while c < channels {
                                    let width = Swift.min(8, channels - c)
                                    var acc = Vec()
                                    for j in 0..<ny {
                                        let src = gradOutput + (n * oh + yTaps[j].row) * ow * channels + c
                                        let w = weight + yTaps[j].tap * kw * channels + c
                                        for i in 0..<nx {
                                            let ox = xTaps[i].shift + b
                                            if ox < 0 || ox >= ow { continue }
                                            if width == 8 {
                                                acc.addProduct(load(src + ox * channels), load(w + xTaps[i].tap * channels))
                                            } else {
                                                for lane in 0..<width {
                                                    acc[lane] += src[ox * channels + lane] * w[xTaps[i].tap * channels + lane]
                                                }
                                            }
                                        }
                                    }
                                    if width == 8 {
                                        store(acc, out + c)
                                    } else {
                                        for lane in 0..<width { out[c + lane] = acc[lane] }
                                    }
                                    c += 8
                                }
                            }

                            var b = 0
                            while b < interiorStart { column(b); b += 1 }
                            if channels % 8 == 0 {
                                while b + 4 <= interiorEnd {
                                    let out = outRow + (px + sx * b) * channels
                                    let step = sx * channels
                                    var c = 0
                                    // Two channel vectors at once: eight independent FMA chains.
                                    while c + 16 <= channels {
                                        var a0 = Vec(), a1 = Vec(), a2 = Vec(), a3 = Vec()
                                        var e0 = Vec(), e1 = Vec(), e2 = Vec(), e3 = Vec()
                                        for j in 0..<ny {
                                            let src = gradOutput + (n * oh + yTaps[j].row) * ow * channels + c
                                            let w = weight + yTaps[j].tap * kw * channels + c
                                            for i in 0..<nx {
                                                let wv = load(w + xTaps[i].tap * channels)
                                                let wv2 = load(w + xTaps[i].tap * channels + 8)
                                                let s = src + (xTaps[i].shift + b) * channels
                                                a0.addProduct(load(s), wv)
                                                e0.addProduct(load(s + 8), wv2)
                                                a1.addProduct(load(s + channels), wv)
                                                e1.addProduct(load(s + channels + 8), wv2)
                                                a2.addProduct(load(s + 2 * channels), wv)
                                                e2.addProduct(load(s + 2 * channels + 8), wv2)
                                                a3.addProduct(load(s + 3 * channels), wv)
                                                e3.addProduct(load(s + 3 * channels + 8), wv2)
                                            }
                                        }
                                        store(a0, out + c)
                                        store(e0, out + c + 8)
                                        store(a1, out + step + c)
                                        store(e1, out + step + c + 8)
                                        store(a2, out + 2 * step + c)
                                        store(e2, out + 2 * step + c + 8)
                                        store(a3, out + 3 * step + c)
                                        store(e3, out + 3 * step + c + 8)
                                        c += 16
                                    }
                                    while c < channels {
                                        var a0 = Vec(), a1 = Vec(), a2 = Vec(), a3 = Vec()
                                        for j in 0..<ny {
                                            let src = gradOutput + (n * oh + yTaps[j].row) * ow * channels + c
                                            let w = weight + yTaps[j].tap * kw * channels + c
                                            for i in 0..<nx {
                                                let wv = load(w + xTaps[i].tap * channels)
                                                let s = src + (xTaps[i].shift + b) * channels
                                                a0.addProduct(load(s), wv)
                                                a1.addProduct(load(s + channels), wv)
                                                a2.addProduct(load(s + 2 * channels), wv)
                                                a3.addProduct(load(s + 3 * channels), wv)
                                            }
                                        }
                                        store(a0, out + c)
                                        store(a1, out + step + c)
                                        store(a2, out + 2 * step + c)
                                        store(a3, out + 3 * step + c)
                                        c += 8
                                    }
                                    b += 4
                                }
                            }
                            while b < columns { column(b); b += 1 }
                        }
                    }
                }
            }
        }
    }

    // n y x c, n oy ox c -> ky kx c   (per-worker partial sums, added up at the end)
    static func depthwiseBackwardWeight(_ g: ConvGeometry, input: UnsafePointer<Float>,
                                        gradOutput: UnsafePointer<Float>, gradWeight: UnsafeMutablePointer<Float>) {
        let (oh, ow, channels) = (g.outHeight, g.outWidth, g.inChannels)
        let (kh, kw, sy, sx) = (g.kernelHeight, g.kernelWidth, g.strideY, g.strideX)
        let rows = g.batch * oh
        let workers = Swift.max(1, Swift.min(Parallel.cores, rows))
        let count = g.weightCount
        let partials = alignedFloats(workers * count)
        defer { partials.deallocate() }
        partials.update(repeating: 0, count: workers * count)
        Parallel.forEach(workers) { worker in
            let gw = partials + worker * count
            for row in (worker * rows / workers)..<((worker + 1) * rows / workers) {
                let n = row / oh, oy = row % oh
                let iy0 = oy * sy - g.padTop
                let gradRow = gradOutput + row * ow * channels
                let ky0 = Swift.max(0, -iy0)
                for ky in ky0..<Swift.max(ky0, Swift.min(kh, g.height - iy0)) {
                    let inRow = input + (n * g.height + iy0 + ky) * g.width * channels
                    for kx in 0..<kw {
                        // Output columns whose tap kx lands inside the input.
                        let oxStart = Swift.min(ow, Swift.max(0, (g.padLeft - kx + sx - 1) / sx))
                        let oxEnd = Swift.max(oxStart, Swift.min(ow, floorDiv(g.width - 1 + g.padLeft - kx, sx) + 1))
                        let tap = gw + (ky * kw + kx) * channels
                        var c = 0
                        while c + 8 <= channels {
                            // Four independent FMA chains along the row.
                            var acc0 = Vec(), acc1 = Vec(), acc2 = Vec(), acc3 = Vec()
                            var ox = oxStart
                            let inStep = sx * channels
                            while ox + 4 <= oxEnd {
                                let x = inRow + (ox * sx - g.padLeft + kx) * channels + c
                                let d = gradRow + ox * channels + c
                                acc0.addProduct(load(x), load(d))
                                acc1.addProduct(load(x + inStep), load(d + channels))
                                acc2.addProduct(load(x + 2 * inStep), load(d + 2 * channels))
                                acc3.addProduct(load(x + 3 * inStep), load(d + 3 * channels))
                                ox += 4
                            }
                            while ox < oxEnd {
                                let ix = ox * sx - g.padLeft + kx
                                acc0.addProduct(load(inRow + ix * channels + c), load(gradRow + ox * channels + c))
                                ox += 1
                            }
                            store(load(tap + c) + ((acc0 + acc1) + (acc2 + acc3)), tap + c)
                            c += 8
                        }
                        while c < channels {
                            var acc: Float = 0
                            for ox in oxStart..<oxEnd {
                                acc += inRow[(ox * sx - g.padLeft + kx) * channels + c] * gradRow[ox * channels + c]
                            }
                            tap[c] += acc
                            c += 1
                        }
                    }
                }
            }
        }
        gradWeight.update(from: partials, count: count)
        for worker in 1..<workers {
            let part = partials + worker * count
            for i in 0..<count { gradWeight[i] += part[i] }
        }
    }
}
