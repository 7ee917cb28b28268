import _Support

// MARK: - Convolution as GEMM

/// Convolutions that are matrix products: 1×1 stride-1 unpadded convolutions are a GEMM on the
/// NHWC buffer as it is; every other non-depthwise convolution goes through im2col in row chunks.
extension ConvGeometry {
    /// A 1×1, stride-1, unpadded, ungrouped convolution: `[N·H·W, Cin] × [Cin, Cout]` directly.
    var isPointwiseGEMM: Bool {
        kernelHeight == 1 && kernelWidth == 1 && strideY == 1 && strideX == 1 && groups == 1
            && padTop == 0 && padLeft == 0 && padBottom == 0 && padRight == 0
    }

    /// Rows (output pixels) of the im2col matrix, `batch · outHeight · outWidth`.
    var outputPixels: Int { batch * outHeight * outWidth }

    /// Columns of one group's im2col matrix, `kh · kw · cin/groups`, ordered (ky, kx, ci) like the weight.
    var patchLength: Int { kernelHeight * kernelWidth * inChannelsPerGroup }

    /// im2col rows per chunk: about 256 KB of patches, a multiple of the GEMM's 6-row tile.
    var im2colChunkRows: Int { roundUp(Swift.max(48, Swift.min(4096, 65536 / patchLength)), GEMMBlock.mr) }
}

extension Kernels {
    // n y x c, ky kx c' k -> n oy ox k  as  [pixels, kh·kw·c'] × [kh·kw·c', k] per group
    static func conv2dGEMM(_ g: ConvGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                           bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, epilogue: Epilogue) {
        let out = GEMMOutput(bias: bias, epilogue: epilogue)
        if g.isPointwiseGEMM {
            gemm(m: g.outputPixels, n: g.outChannels, k: g.inChannels,
                 a: GEMMOperand(base: input, ld: g.inChannels, transposed: false),
                 b: GEMMOperand(base: weight, ld: g.outChannels, transposed: false),
                 c: output, ldc: g.outChannels, output: out)
            return
        }
        let rows = g.outputPixels, chunk = g.im2colChunkRows, kg = g.patchLength
        let chunks = (rows + chunk - 1) / chunk
        let workers = Swift.min(Parallel.cores, chunks * g.groups)
        Parallel.forEach(workers) { worker in
            let columns = alignedFloats(chunk * kg)
            let ws = GEMMWorkspace(m: chunk, n: g.outChannelsPerGroup, k: kg)
            defer { columns.deallocate(); ws.free() }
            var task = worker
            while task < chunks * g.groups {
                let group = task % g.groups, r0 = (task / g.groups) * chunk
                let count = Swift.min(chunk, rows - r0)
                im2col(g, input: input, group: group, firstRow: r0, rows: count, into: columns)
                let col = group * g.outChannelsPerGroup
                gemmBlocked(m: count, n: g.outChannelsPerGroup, k: kg,
                            a: GEMMOperand(base: columns, ld: kg, transposed: false),
                            b: GEMMOperand(base: weight + col, ld: g.outChannels, transposed: false),
                            c: output + r0 * g.outChannels + col, ldc: g.outChannels,
                            output: out.offset(col: col), workspace: ws)
                task += workers
            }
        }
    }

    // n oy ox k, ky kx c' k -> n y x c  as  [pixels, k] × [k, kh·kw·c'] then col2im
    static func conv2dBackwardInputGEMM(_ g: ConvGeometry, gradOutput: UnsafePointer<Float>,
                                        weight: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>) {
        if g.isPointwiseGEMM {
            gemm(m: g.outputPixels, n: g.inChannels, k: g.outChannels,
                 a: GEMMOperand(base: gradOutput, ld: g.outChannels, transposed: false),
                 b: GEMMOperand(base: weight, ld: g.outChannels, transposed: true),
                 c: gradInput, ldc: g.inChannels, output: GEMMOutput())
            return
        }
        gradInput.update(repeating: 0, count: g.inputCount)
        let rows = g.outputPixels, kg = g.patchLength, coutG = g.outChannelsPerGroup
        // Patch rows padded to whole 16-column register tiles (27 → 32 for the RGB stem): the
        // padding columns multiply zero weights and are never read back.
        let ldColumns = roundUp(kg, GEMMBlock.nr)
        let chunk = roundUp(Swift.max(g.im2colChunkRows, Swift.min(rows, 1 << 20 / ldColumns)), GEMMBlock.mr)
        let columns = alignedFloats(Swift.min(chunk, rows) * ldColumns)
        let paddedWeight = alignedFloats(ldColumns * coutG)
        defer { columns.deallocate(); paddedWeight.deallocate() }
        for group in 0..<g.groups {
            let col = group * coutG
            for j in 0..<ldColumns {
                for co in 0..<coutG { paddedWeight[j * coutG + co] = j < kg ? weight[j * g.outChannels + col + co] : 0 }
            }
            var r0 = 0
            while r0 < rows {
                let count = Swift.min(chunk, rows - r0)
                gemm(m: count, n: ldColumns, k: coutG,
                     a: GEMMOperand(base: gradOutput + r0 * g.outChannels + col, ld: g.outChannels, transposed: false),
                     b: GEMMOperand(base: paddedWeight, ld: coutG, transposed: true),
                     c: columns, ldc: ldColumns, output: GEMMOutput())
                if count == rows {
                    col2imGather(g, columns: columns, ldColumns: ldColumns, group: group, into: gradInput)
                } else {
                    col2imAdd(g, columns: columns, ldColumns: ldColumns, group: group, firstRow: r0, rows: count,
                              into: gradInput)
                }
                r0 += count
            }
        }
    }

    // n y x c, n oy ox k -> ky kx c' k  as  [kh·kw·c', pixels] × [pixels, k] per group
    static func conv2dBackwardWeightGEMM(_ g: ConvGeometry, input: UnsafePointer<Float>,
                                         gradOutput: UnsafePointer<Float>, gradWeight: UnsafeMutablePointer<Float>) {
        if g.isPointwiseGEMM {
            gemm(m: g.inChannels, n: g.outChannels, k: g.outputPixels,
                 a: GEMMOperand(base: input, ld: g.inChannels, transposed: true),
                 b: GEMMOperand(base: gradOutput, ld: g.outChannels, transposed: false),
                 c: gradWeight, ldc: g.outChannels, output: GEMMOutput())
            return
        }
        let rows = g.outputPixels, kg = g.patchLength
        let chunk = roundUp(Swift.max(g.im2colChunkRows, Swift.min(rows, 1 << 20 / kg)), GEMMBlock.mr)
        let columns = alignedFloats(chunk * kg)
        defer { columns.deallocate() }
        for group in 0..<g.groups {
            let col = group * g.outChannelsPerGroup
            var r0 = 0
            while r0 < rows {
                let count = Swift.min(chunk, rows - r0)
                im2col(g, input: input, group: group, firstRow: r0, rows: count, into: columns)
                gemm(m: kg, n: g.outChannelsPerGroup, k: count,
                     a: GEMMOperand(base: columns, ld: kg, transposed: true),
                     b: GEMMOperand(base: gradOutput + r0 * g.outChannels + col, ld: g.outChannels, transposed: false),
                     c: gradWeight + col, ldc: g.outChannels, output: GEMMOutput(beta: r0 == 0 ? 0 : 1))
                r0 += count
            }
        }
    }

    /// Σ over all pixels of gradOutput, per channel: `// n oy ox k -> k`.
    static func biasGradient(_ g: ConvGeometry, gradOutput: UnsafePointer<Float>, into gradBias: UnsafeMutablePointer<Float>) {
        let channels = g.outChannels
        gradBias.update(repeating: 0, count: channels)
        for pixel in 0..<g.outputPixels {
            let row = gradOutput + pixel * channels
            var c = 0
            while c + 8 <= channels {
                let sum = UnsafeRawPointer(gradBias + c).loadUnaligned(as: SIMD8<Float>.self)
                    + UnsafeRawPointer(row + c).loadUnaligned(as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(gradBias + c).storeBytes(of: sum, as: SIMD8<Float>.self)
                c += 8
            }
            while c < channels {
                gradBias[c] += row[c]
                c += 1
            }
        }
    }

    // MARK: - im2col

    /// Writes rows `firstRow..<firstRow+rows` of one group's patch matrix: row r is output pixel r
    /// (n, oy, ox), its columns the inputs under the kernel in (ky, kx, ci') order, zero where padded.
    static func im2col(_ g: ConvGeometry, input: UnsafePointer<Float>, group: Int, firstRow: Int, rows: Int,
                       into columns: UnsafeMutablePointer<Float>) {
        let (oh, ow, cg, kg) = (g.outHeight, g.outWidth, g.inChannelsPerGroup, g.patchLength)
        for r in 0..<rows {
            let pixel = firstRow + r
            let n = pixel / (oh * ow), oy = pixel / ow % oh, ox = pixel % ow
            var dst = columns + r * kg
            for ky in 0..<g.kernelHeight {
                let iy = oy * g.strideY + ky - g.padTop
                for kx in 0..<g.kernelWidth {
                    let ix = ox * g.strideX + kx - g.padLeft
                    if iy >= 0 && iy < g.height && ix >= 0 && ix < g.width {
                        let src = input + ((n * g.height + iy) * g.width + ix) * g.inChannels + group * cg
                        // A few channels (the RGB stem): a plain loop beats a memmove call.
                        if cg < 16 {
                            for c in 0..<cg { dst[c] = src[c] }
                        } else {
                            dst.update(from: src, count: cg)
                        }
                    } else {
                        for c in 0..<cg { dst[c] = 0 }
                    }
                    dst += cg
                }
            }
        }
    }

    /// The adjoint of `im2col` for a chunk of rows: adds each patch entry back onto the input
    /// position it came from (one thread: chunks may overlap in the input).
    static func col2imAdd(_ g: ConvGeometry, columns: UnsafePointer<Float>, ldColumns: Int, group: Int,
                          firstRow: Int, rows: Int, into gradInput: UnsafeMutablePointer<Float>) {
        let (oh, ow, cg) = (g.outHeight, g.outWidth, g.inChannelsPerGroup)
        for r in 0..<rows {
            let pixel = firstRow + r
            let n = pixel / (oh * ow), oy = pixel / ow % oh, ox = pixel % ow
            var src = columns + r * ldColumns
            for ky in 0..<g.kernelHeight {
                let iy = oy * g.strideY + ky - g.padTop
                for kx in 0..<g.kernelWidth {
                    let ix = ox * g.strideX + kx - g.padLeft
                    if iy >= 0 && iy < g.height && ix >= 0 && ix < g.width {
                        let dst = gradInput + ((n * g.height + iy) * g.width + ix) * g.inChannels + group * cg
                        for c in 0..<cg { dst[c] += src[c] }
                    }
                    src += cg
                }
            }
        }
    }

    /// The adjoint of `im2col` over all rows at once, as a gather: each input pixel sums the patch
    /// entries that copied it, so input rows can be split over the cores without races.
    static func col2imGather(_ g: ConvGeometry, columns: UnsafePointer<Float>, ldColumns: Int, group: Int,
                             into gradInput: UnsafeMutablePointer<Float>) {
        let (oh, ow, cg) = (g.outHeight, g.outWidth, g.inChannelsPerGroup)
        let (kh, kw) = (g.kernelHeight, g.kernelWidth)
        forEachInputRow(g) { n, iy, sourceRow, sourceColumn in
            let row = n * g.height + iy
            for ix in 0..<g.width {
                let dst = gradInput + (row * g.width + ix) * g.inChannels + group * cg
                for ky in 0..<kh where sourceRow[ky] >= 0 {
                    let outRow = columns + (n * oh + sourceRow[ky]) * ow * ldColumns
                    for kx in 0..<kw {
                        let ox = sourceColumn[ix * kw + kx]
                        if ox < 0 { continue }
                        let src = outRow + ox * ldColumns + (ky * kw + kx) * cg
                        for c in 0..<cg { dst[c] += src[c] }
                    }
                }
            }
        }
    }
}
