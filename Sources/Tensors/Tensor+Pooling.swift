import _Support

// MARK: - Pooling window geometry

/// The window walk shared by max and average pooling on NHWC tensors.
struct PoolGeometry {
    let batch, height, width, channels: Int
    let kernelHeight, kernelWidth, strideY, strideX: Int
    let padTop, padLeft: Int
    let outHeight, outWidth: Int

    init(_ op: String, shape: [Int], kernel: (Int, Int), stride: (Int, Int), padding: Padding2D) {
        require(shape.count == 4, "\(op): input must be NHWC, got \(shape)")
        require(kernel.0 >= 1 && kernel.1 >= 1 && stride.0 >= 1 && stride.1 >= 1,
                     "\(op): kernel \(kernel) and stride \(stride) must be ≥ 1")
        (batch, height, width, channels) = (shape[0], shape[1], shape[2], shape[3])
        (kernelHeight, kernelWidth, strideY, strideX) = (kernel.0, kernel.1, stride.0, stride.1)
        let pad = padding.resolve(height: height, width: width, kernelHeight: kernel.0, kernelWidth: kernel.1,
                                  strideY: stride.0, strideX: stride.1)
        require(Swift.max(pad.top, pad.bottom) <= kernel.0 / 2 && Swift.max(pad.left, pad.right) <= kernel.1 / 2,
                     "\(op): padding \(pad) exceeds half the kernel \(kernel)")
        (padTop, padLeft) = (pad.top, pad.left)
        outHeight = (height + pad.top + pad.bottom - kernel.0) / stride.0 + 1
        outWidth = (width + pad.left + pad.right - kernel.1) / stride.1 + 1
        require(outHeight >= 1 && outWidth >= 1, "\(op): kernel \(kernel) larger than padded input \(shape)")
    }

    var outputShape: [Int] { [batch, outHeight, outWidth, channels] }

    /// Calls `body(inputRowOffset)` for every in-bounds window position of output pixel (n, oy, ox);
    /// offsets are element offsets of the channel row `[n, y, x, :]`.
    @inline(__always)
    func forEachTap(n: Int, oy: Int, ox: Int, _ body: (Int) -> Void) {
        for ky in 0..<kernelHeight {
            let y = oy * strideY + ky - padTop
            guard y >= 0 && y < height else { continue }
            for kx in 0..<kernelWidth {
                let x = ox * strideX + kx - padLeft
                guard x >= 0 && x < width else { continue }
                body(((n * height + y) * width + x) * channels)
            }
        }
    }
}

// MARK: - Max and average pooling

extension Tensor {
    /// Max pooling of NHWC `self` over `kernel` windows (default stride = kernel, PyTorch's
    /// default). Padded positions never win (they count as −∞); padding may be at most half the
    /// kernel. Ties go to the first tap in row-major window order. Gradient: routed to the
    /// winning input element of each window.
    public func maxPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: Padding2D = .valid) -> Tensor {
        let p = PoolGeometry("maxPool2d", shape: shape, kernel: kernel, stride: stride ?? kernel, padding: padding)
        let record = Tensor.shouldRecord(self)
        let c = p.channels
        var winners = [Int32](repeating: 0, count: record ? p.outputShape.reduce(1, *) : 0)
        let result = Tensor.make(shape: p.outputShape) { out in
            storage.withUnsafeBufferPointer { px in winners.withUnsafeMutableBufferPointer { pw in
                guard let x = px.baseAddress, c > 0 else { return }
                let z = out.baseAddress!, w = record ? pw.baseAddress : nil
                Parallel.chunks(p.batch * p.outHeight, serialBelow: 4) { range in
                    for row in range {
                        let n = row / p.outHeight, oy = row % p.outHeight
                        for ox in 0..<p.outWidth {
                            let offset = ((n * p.outHeight + oy) * p.outWidth + ox) * c
                            let zr = z + offset
                            for k in 0..<c { zr[k] = -.infinity }
                            if let w {
                                let wr = w + offset
                                p.forEachTap(n: n, oy: oy, ox: ox) { input in
                                    let xr = x + input
                                    // Selects instead of branches, so the loop vectorises.
                                    let base = Int32(input)
                                    for k in 0..<c {
                                        let value = xr[k], better = value > zr[k]
                                        zr[k] = better ? value : zr[k]
                                        wr[k] = better ? base &+ Int32(k) : wr[k]
                                    }
                                }
                            } else {
                                p.forEachTap(n: n, oy: oy, ox: ox) { input in
                                    let xr = x + input
                                    for k in 0..<c { zr[k] = Swift.max(zr[k], xr[k]) }
                                }
                            }
                        }
                    }
                }
            } }
        }
        guard record else { return result }
        let inputShape = shape
        return result.recorded("maxPool2d", self) { { g in
            var gradInput = [Float](repeating: 0, count: inputShape.reduce(1, *))
            let perImage = p.outHeight * p.outWidth * c
            g.storage.withUnsafeBufferPointer { pg in winners.withUnsafeBufferPointer { pw in
                gradInput.withUnsafeMutableBufferPointer { pi in
                    guard let gb = pg.baseAddress, let wb = pw.baseAddress, let gi = pi.baseAddress else { return }
                    // Windows of different images never overlap, so images are independent.
                    Parallel.chunks(p.batch, serialBelow: 2) { images in
                        for i in (images.lowerBound * perImage)..<(images.upperBound * perImage) {
                            gi[Int(wb[i])] += gb[i]
                        }
                    }
                }
            } }
            return [Tensor(shape: inputShape, storage: gradInput)]
        } }
    }

    /// Average pooling of NHWC `self` over `kernel` windows (default stride = kernel). Padded zeros
    /// count in the divisor (`kh·kw` always), PyTorch's default `count_include_pad=True`.
    /// Gradient: each output gradient spread evenly, `g/(kh·kw)`, over its window.
    public func avgPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: Padding2D = .valid) -> Tensor {
        let p = PoolGeometry("avgPool2d", shape: shape, kernel: kernel, stride: stride ?? kernel, padding: padding)
        let c = p.channels
        let scale = 1 / Float(p.kernelHeight * p.kernelWidth)
        let result = Tensor.make(shape: p.outputShape) { out in
            storage.withUnsafeBufferPointer { px in
                guard let x = px.baseAddress, c > 0 else { return }
                let z = out.baseAddress!
                Parallel.chunks(p.batch * p.outHeight, serialBelow: 4) { range in
                    for row in range {
                        let n = row / p.outHeight, oy = row % p.outHeight
                        for ox in 0..<p.outWidth {
                            let zr = z + ((n * p.outHeight + oy) * p.outWidth + ox) * c
                            for k in 0..<c { zr[k] = 0 }
                            p.forEachTap(n: n, oy: oy, ox: ox) { input in
                                let xr = x + input
                                for k in 0..<c { zr[k] += xr[k] }
                            }
                            for k in 0..<c { zr[k] *= scale }
                        }
                    }
                }
            }
        }
        let inputShape = shape
        return result.recorded("avgPool2d", self) { { g in
            var gradInput = [Float](repeating: 0, count: inputShape.reduce(1, *))
            g.storage.withUnsafeBufferPointer { pg in gradInput.withUnsafeMutableBufferPointer { pi in
                guard let gb = pg.baseAddress, let gi = pi.baseAddress, c > 0 else { return }
                Parallel.chunks(p.batch, serialBelow: 2) { images in
                    for n in images { for oy in 0..<p.outHeight { for ox in 0..<p.outWidth {
                        let gr = gb + ((n * p.outHeight + oy) * p.outWidth + ox) * c
                        p.forEachTap(n: n, oy: oy, ox: ox) { input in
                            let ir = gi + input
                            for k in 0..<c { ir[k] += gr[k] * scale }
                        }
                    } } }
                }
            } }
            return [Tensor(shape: inputShape, storage: gradInput)]
        } }
    }

    /// Global average pooling, NHWC `[N, H, W, C] → [N, C]`, derived as the mean over H and W.
    public func globalAveragePool() -> Tensor {
        require(rank == 4, "globalAveragePool: input must be NHWC, got \(shape)")
        return mean(axes: [1, 2])
    }
}
