import _Support

// MARK: - Per-channel statistics

/// Per-channel sums over the rows of a `[rows, channels]` buffer, in Double, split across cores by
/// rows for large inputs: returns `Σ_r f(r, c)` for every channel `c`. `f` reads the elements of
/// row `r` through `accumulate(row, into:)`.
@inline(__always)
func channelSums(rows: Int, channels: Int, _ accumulate: (Int, UnsafeMutablePointer<Double>) -> Void) -> [Double] {
    let chunks = rows * channels >= parallelThreshold ? Parallel.width : 1
    var partial = [Double](repeating: 0, count: chunks * channels)
    partial.withUnsafeMutableBufferPointer { buffer in
        let base = buffer.baseAddress!
        let size = (rows + chunks - 1) / chunks
        Parallel.forEach(chunks) { chunk in
            let sums = base + chunk * channels
            for row in (chunk * size)..<min(rows, (chunk + 1) * size) { accumulate(row, sums) }
        }
    }
    var total = [Double](repeating: 0, count: channels)
    for chunk in 0..<chunks { for c in 0..<channels { total[c] += partial[chunk * channels + c] } }
    return total
}

// MARK: - Affine per channel

extension Tensor {
    /// `y[…, c] = x[…, c] · scale[c] + shift[c]` over the last (channel) axis, in one pass. This is
    /// inference-mode batch norm once its statistics are folded into `scale` and `shift`.
    /// Gradients: `dx = g·scale`, `dscale = Σ g·x`, `dshift = Σ g` over all but the last axis.
    public func affineChannels(scale: Tensor, shift: Tensor) -> Tensor {
        let channels = shape.last ?? 1
        require(rank >= 1 && scale.shape == [channels] && shift.shape == [channels],
                     "affineChannels: input \(shape) with scale \(scale.shape) and shift \(shift.shape)")
        let x = self
        let rows = count / Swift.max(channels, 1)
        let result = Tensor.make(shape: shape) { out in
            x.storage.withUnsafeBufferPointer { px in scale.storage.withUnsafeBufferPointer { ps in
                shift.storage.withUnsafeBufferPointer { pt in
                    guard let xb = px.baseAddress, let s = ps.baseAddress, let t = pt.baseAddress else { return }
                    let z = out.baseAddress!
                    Parallel.chunks(rows, serialBelow: Swift.max(1, parallelThreshold / channels)) { range in
                        for row in range {
                            let pxr = xb + row * channels, pz = z + row * channels
                            for c in 0..<channels { pz[c] = pxr[c] * s[c] + t[c] }
                        }
                    }
                }
            } }
        }
        let needX = x.needsGradient, needParameters = scale.needsGradient || shift.needsGradient
        return result.recorded("affineChannels", x, scale, shift) { { g in
            var grads: [Tensor?] = [nil, nil, nil]
            if needX { grads[0] = Tensor.zipRaw(g, scale, "affineChannels", MulKernel()) }
            if needParameters {
                let sums = g.storage.withUnsafeBufferPointer { pg in
                    x.storage.withUnsafeBufferPointer { px in
                        let gb = pg.baseAddress!, xb = px.baseAddress!
                        return channelSums(rows: rows, channels: 2 * channels) { row, sums in
                            let pgr = gb + row * channels, pxr = xb + row * channels
                            for c in 0..<channels {
                                sums[c] += Double(pgr[c] * pxr[c])
                                sums[channels + c] += Double(pgr[c])
                            }
                        }
                    }
                }
                grads[1] = Tensor(shape: [channels], storage: sums[0..<channels].map { Float($0) })
                grads[2] = Tensor(shape: [channels], storage: sums[channels...].map { Float($0) })
            }
            return grads
        } }
    }
}

// MARK: - Batch normalisation

extension Tensor {
    /// Batch normalisation over the last (channel) axis of an NHWC (or `[N, C]`) tensor, PyTorch's
    /// `BatchNorm2d` conventions:
    ///
    /// - **Inference** (`training == false`): `y = (x − runningMean) / √(runningVar + ε) · weight + bias`,
    ///   derived from `affineChannels` with the statistics folded into a scale and a shift; gradients
    ///   flow to `x`, `weight` and `bias`.
    /// - **Training**: normalises with the batch mean and the *biased* batch variance, and updates
    ///   the running statistics in place with `running = (1 − momentum)·running + momentum·batch`,
    ///   using the *unbiased* variance (`· n/(n−1)`) for `runningVar`. A primitive with its own rule:
    ///   `dx = weight/σ · (g − mean(g) − x̂·mean(g·x̂))`, `dweight = Σ g·x̂`, `dbias = Σ g`.
    ///
    /// `weight` and `bias` (`[C]`) default to 1 and 0 when `nil`. ε defaults to PyTorch's 1e-5
    /// (EfficientNet-Lite0 uses 1e-3); momentum to PyTorch's 0.1.
    public func batchNorm(runningMean: Tensor, runningVariance: Tensor, weight: Tensor?, bias: Tensor?,
                          training: Bool, momentum: Float = 0.1, epsilon: Float = 1e-5) -> Tensor {
        let channels = shape.last ?? 0
        require(rank >= 2 && runningMean.shape == [channels] && runningVariance.shape == [channels],
                     "batchNorm: input \(shape), running mean \(runningMean.shape), running variance \(runningVariance.shape)")
        if let weight { require(weight.shape == [channels], "batchNorm: weight \(weight.shape) for \(channels) channels") }
        if let bias { require(bias.shape == [channels], "batchNorm: bias \(bias.shape) for \(channels) channels") }
        let gamma = weight ?? Tensor.ones([channels])
        let beta = bias ?? Tensor.zeros([channels])
        guard training else {
            let scale = gamma / (runningVariance.detached() + epsilon).sqrt()
            let shift = beta - runningMean.detached() * scale
            return affineChannels(scale: scale, shift: shift)
        }
        return batchNormTraining(runningMean: runningMean, runningVariance: runningVariance,
                                 gamma: gamma, beta: beta, momentum: momentum, epsilon: epsilon)
    }

    private func batchNormTraining(runningMean: Tensor, runningVariance: Tensor, gamma: Tensor, beta: Tensor,
                                   momentum: Float, epsilon: Float) -> Tensor {
        let channels = shape[rank - 1]
        let rows = count / channels
        require(rows > 1, "batchNorm: training needs more than one value per channel, got \(shape)")
        let x = self
        // Two passes (mean, then centred squares) in Double: accurate even for large batches.
        let (mean, variance): ([Double], [Double]) = x.storage.withUnsafeBufferPointer { px in
            let xb = px.baseAddress!
            let sums = channelSums(rows: rows, channels: channels) { row, sums in
                let r = xb + row * channels
                for c in 0..<channels { sums[c] += Double(r[c]) }
            }
            let mean = sums.map { $0 / Double(rows) }
            let squares = mean.withUnsafeBufferPointer { pm in
                let m = pm.baseAddress!
                return channelSums(rows: rows, channels: channels) { row, sums in
                    let r = xb + row * channels
                    for c in 0..<channels {
                        let d = Double(r[c]) - m[c]
                        sums[c] += d * d
                    }
                }
            }
            return (mean, squares.map { $0 / Double(rows) })
        }
        let meanF = mean.map { Float($0) }
        let invStd = variance.map { Float(1 / ($0 + Double(epsilon)).squareRoot()) }
        runningMean.withUnsafeMutableBufferPointer { running in
            for c in 0..<channels { running[c] = (1 - momentum) * running[c] + momentum * meanF[c] }
        }
        runningVariance.withUnsafeMutableBufferPointer { running in
            let correction = Double(rows) / Double(rows - 1)
            for c in 0..<channels { running[c] = (1 - momentum) * running[c] + momentum * Float(variance[c] * correction) }
        }
        // y = x̂·γ + β with x̂ = (x − μ)/σ, computed as x·a + b with a = γ/σ, b = β − μ·γ/σ.
        let a = (0..<channels).map { gamma.storage[$0] * invStd[$0] }
        let b = (0..<channels).map { beta.storage[$0] - meanF[$0] * a[$0] }
        let result = withoutGradients {
            x.affineChannels(scale: Tensor(shape: [channels], storage: a), shift: Tensor(shape: [channels], storage: b))
        }
        return result.recorded("batchNorm", x, gamma, beta) { { g in
            let sums = g.storage.withUnsafeBufferPointer { pg in
                x.storage.withUnsafeBufferPointer { px in
                    meanF.withUnsafeBufferPointer { pm in invStd.withUnsafeBufferPointer { ps in
                        let gb = pg.baseAddress!, xb = px.baseAddress!, m = pm.baseAddress!, s = ps.baseAddress!
                        return channelSums(rows: rows, channels: 2 * channels) { row, sums in
                            let gr = gb + row * channels, xr = xb + row * channels
                            for c in 0..<channels {
                                let xhat = (xr[c] - m[c]) * s[c]
                                sums[c] += Double(gr[c])
                                sums[channels + c] += Double(gr[c] * xhat)
                            }
                        }
                    } }
                }
            }
            let sumG = sums[0..<channels].map { Float($0) }
            let sumGX = sums[channels...].map { Float($0) }
            let n = Float(rows)
            // dx = γ/σ · (g − Σg/n − x̂·Σ(g·x̂)/n)
            let gradX = Tensor.make(shape: x.shape) { out in
                g.storage.withUnsafeBufferPointer { pg in x.storage.withUnsafeBufferPointer { px in
                    let gb = pg.baseAddress!, xb = px.baseAddress!, z = out.baseAddress!
                    let k = (0..<channels).map { gamma.storage[$0] * invStd[$0] }
                    let meanG = sumG.map { $0 / n }, meanGX = sumGX.map { $0 / n }
                    k.withUnsafeBufferPointer { pk in meanG.withUnsafeBufferPointer { pmg in
                        meanGX.withUnsafeBufferPointer { pmgx in meanF.withUnsafeBufferPointer { pm in
                            invStd.withUnsafeBufferPointer { ps in
                                let kk = pk.baseAddress!, mg = pmg.baseAddress!, mgx = pmgx.baseAddress!
                                let m = pm.baseAddress!, s = ps.baseAddress!
                                Parallel.chunks(rows, serialBelow: Swift.max(1, parallelThreshold / channels)) { range in
                                    for row in range {
                                        let gr = gb + row * channels, xr = xb + row * channels, zr = z + row * channels
                                        for c in 0..<channels {
                                            let xhat = (xr[c] - m[c]) * s[c]
                                            zr[c] = kk[c] * (gr[c] - mg[c] - xhat * mgx[c])
                                        }
                                    }
                                }
                            }
                        } }
                    } }
                } }
            }
            return [gradX, Tensor(shape: [channels], storage: sumGX), Tensor(shape: [channels], storage: sumG)]
        } }
    }
}
