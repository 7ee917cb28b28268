import _Kernels

// MARK: - Matrix product

extension Tensor {
    /// The matrix product `op(self) · op(other)` of two rank-2 tensors, where `op` transposes when
    /// asked (without copying): `[m, k] · [k, n] → [m, n]`. Runs on `Kernels.sgemm`.
    ///
    /// Gradients (`// i k, k j -> i j`): `dA = g · op(B)ᵀ`, `dB = op(A)ᵀ · g`, each written back in
    /// the stored (untransposed) layout of its input.
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) -> Tensor {
        require(rank == 2 && other.rank == 2, "matmul: needs two matrices, got \(shape) and \(other.shape)")
        let m = transposeSelf ? shape[1] : shape[0]
        let k = transposeSelf ? shape[0] : shape[1]
        let k2 = transposeOther ? other.shape[1] : other.shape[0]
        let n = transposeOther ? other.shape[0] : other.shape[1]
        require(k == k2, "matmul: inner extents differ, \(shape)\(transposeSelf ? "ᵀ" : "") · \(other.shape)\(transposeOther ? "ᵀ" : "")")
        let a = self, b = other
        let ta = transposeSelf, tb = transposeOther
        let result = Tensor.gemm(m: m, n: n, k: k, a, ta, b, tb)
        let needA = a.needsGradient, needB = b.needsGradient
        return result.recorded("matmul", a, b) { { g in
            var gradA: Tensor?
            var gradB: Tensor?
            if needA {
                // A stored m×k: dA = g · op(B)ᵀ.  A stored k×m: dA = op(B) · gᵀ.
                gradA = ta ? Tensor.gemm(m: k, n: m, k: n, b, tb, g, true)
                           : Tensor.gemm(m: m, n: k, k: n, g, false, b, !tb)
            }
            if needB {
                // B stored k×n: dB = op(A)ᵀ · g.  B stored n×k: dB = gᵀ · op(A).
                gradB = tb ? Tensor.gemm(m: n, n: k, k: m, g, true, a, ta)
                           : Tensor.gemm(m: k, n: n, k: m, a, !ta, g, false)
            }
            return [gradA, gradB]
        } }
    }

    /// `op(a) · op(b)` into a new `[m, n]` tensor, off the tape. Leading dimensions are the stored
    /// row lengths (`shape[1]`) of `a` and `b`.
    static func gemm(m: Int, n: Int, k: Int, _ a: Tensor, _ ta: Bool, _ b: Tensor, _ tb: Bool) -> Tensor {
        if m == 0 || n == 0 { return Tensor(shape: [m, n], storage: []) }
        if k == 0 { return Tensor.zeros([m, n]) }
        return Tensor.make(shape: [m, n]) { out in
            a.storage.withUnsafeBufferPointer { pa in
                b.storage.withUnsafeBufferPointer { pb in
                    Kernels.sgemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k,
                                  alpha: 1, a: pa.baseAddress!, lda: a.shape[1],
                                  b: pb.baseAddress!, ldb: b.shape[1],
                                  beta: 0, c: out.baseAddress!, ldc: n)
                }
            }
        }
    }

    /// A fully connected layer, `[N, in] → [N, out]`: `self · weightᵀ + bias`, derived from
    /// `matmul` and a broadcast add. The weight is `[out, in]`, PyTorch's `nn.Linear` layout, so
    /// state dicts load unchanged.
    public func linear(weight: Tensor, bias: Tensor? = nil) -> Tensor {
        let product = matmul(weight, transposeOther: true)
        guard let bias else { return product }
        return product + bias
    }
}
