import _Support
// MARK: - Public entry points

extension Kernels {
    /// `C = alpha · op(A) · op(B) + beta · C`, row-major, where op(A) is m×k and op(B) is k×n.
    ///
    /// - `lda`, `ldb`, `ldc` are the row strides of the matrices as stored (A is m×k, or k×m when
    ///   `transposeA`; B is k×n, or n×k when `transposeB`).
    /// - `beta == 0`: C is not read, so it may hold garbage or NaN.
    /// - `m`, `n` or `k` equal to 0 is allowed: with k == 0, C becomes `beta · C`.
    public static func sgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                             alpha: Float, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int,
                             beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
              b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, maxThreads: 0)
    }

    /// `sgemm` on at most `maxThreads` threads (0: all cores). One thread suits callers that
    /// already run several products in parallel, and measures the kernel's per-core speed.
    public static func sgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                             alpha: Float, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int,
                             beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, maxThreads: Int) {
        precondition(m >= 0 && n >= 0 && k >= 0, "sgemm: negative size m=\(m) n=\(n) k=\(k)")
        precondition(maxThreads >= 0, "sgemm: maxThreads must be ≥ 0, got \(maxThreads)")
        gemm(m: m, n: n, k: k, a: GEMMOperand(base: a, ld: lda, transposed: transposeA),
             b: GEMMOperand(base: b, ld: ldb, transposed: transposeB), c: c, ldc: ldc,
             output: GEMMOutput(alpha: alpha, beta: beta), threads: Swift.min(maxThreads, Parallel.cores))
    }

    /// `output[n, oy, ox, co] = bias[co] + Σ input[n, oy·sy + ky − padTop, ox·sx + kx − padLeft, ci] · weight[ky, kx, ci', co]`
    /// (zero outside the input), then the epilogue.
    ///
    /// Grouped: output channel `co` reads only the input channels of its group, and `ci'` is the
    /// channel index within that group. `bias == nil` means no bias. `output` is
    /// `[batch, outHeight, outWidth, outChannels]` and is overwritten.
    public static func conv2d(_ g: ConvGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                              bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                              epilogue: Epilogue = .none) {
        g.check()
        if g.isDepthwise {
            depthwiseForward(g, input: input, weight: weight, bias: bias, output: output, epilogue: epilogue)
        } else if g.prefersDirect {
            conv2dDirect(g, input: input, weight: weight, bias: bias, output: output, epilogue: epilogue)
        } else {
            conv2dGEMM(g, input: input, weight: weight, bias: bias, output: output, epilogue: epilogue)
        }
    }

    /// `gradInput` (NHWC, overwritten) = d(output)/d(input)ᵀ · gradOutput, the adjoint of
    /// `conv2d` before any bias or epilogue (the caller applies the epilogue's derivative first).
    /// Input positions that no output reads (for example when stride > kernel) get 0.
    public static func conv2dBackwardInput(_ g: ConvGeometry, gradOutput: UnsafePointer<Float>,
                                           weight: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>) {
        g.check()
        if g.isDepthwise {
            depthwiseBackwardInput(g, gradOutput: gradOutput, weight: weight, gradInput: gradInput)
        } else if g.prefersDirect {
            conv2dBackwardInputDirect(g, gradOutput: gradOutput, weight: weight, gradInput: gradInput)
        } else {
            conv2dBackwardInputGEMM(g, gradOutput: gradOutput, weight: weight, gradInput: gradInput)
        }
    }

    /// `gradWeight` (`[kh, kw, cin/groups, cout]`, overwritten) = Σ over batch and output positions of
    /// input patch × gradOutput; `gradBias` (`[cout]`, overwritten) when non-nil = Σ_{n,y,x} gradOutput.
    public static func conv2dBackwardWeight(_ g: ConvGeometry, input: UnsafePointer<Float>,
                                            gradOutput: UnsafePointer<Float>,
                                            gradWeight: UnsafeMutablePointer<Float>,
                                            gradBias: UnsafeMutablePointer<Float>?) {
        g.check()
        if g.isDepthwise {
            depthwiseBackwardWeight(g, input: input, gradOutput: gradOutput, gradWeight: gradWeight)
        } else {
            conv2dBackwardWeightGEMM(g, input: input, gradOutput: gradOutput, gradWeight: gradWeight)
        }
        if let gradBias { biasGradient(g, gradOutput: gradOutput, into: gradBias) }
    }
}
