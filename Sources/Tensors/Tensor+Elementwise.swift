import Foundation
import _Support

// MARK: - Raw elementwise kernels

extension Tensor {
    /// `op` applied to broadcast `a` and `b`, off the tape (shapes broadcast NumPy-style).
    static func zipRaw<Kernel: BinaryKernel>(_ a: Tensor, _ b: Tensor, _ name: String, _ op: Kernel) -> Tensor {
        let outShape = broadcastShape(a.shape, b.shape, op: name)
        let count = outShape.reduce(1, *)
        guard count > 0 else { return Tensor(shape: outShape, storage: []) }
        return Tensor.make(shape: outShape) { out in
            a.storage.withUnsafeBufferPointer { pa in
                b.storage.withUnsafeBufferPointer { pb in
                    let x = pa.baseAddress!, y = pb.baseAddress!, z = out.baseAddress!
                    if a.shape == b.shape {
                        Parallel.chunks(count, serialBelow: parallelThreshold) { range in
                            for i in range { z[i] = op(x[i], y[i]) }
                        }
                    } else {
                        applyBroadcast(outShape: outShape, out: z, a: x, aShape: a.shape, b: y, bShape: b.shape, op)
                    }
                }
            }
        }
    }

    /// `op` applied to every element, off the tape, on both cores for large tensors.
    func mapRaw<Kernel: UnaryKernel>(_ op: Kernel) -> Tensor {
        guard count > 0 else { return Tensor(shape: shape, storage: []) }
        return Tensor.make(shape: shape) { out in
            storage.withUnsafeBufferPointer { source in
                let x = source.baseAddress!, z = out.baseAddress!
                Parallel.chunks(out.count, serialBelow: parallelThreshold) { range in
                    for i in range { z[i] = op(x[i]) }
                }
            }
        }
    }

    /// `gradient` where `lower < saved[i] < upper` and 0 elsewhere, off the tape: the backward
    /// rule of the piecewise-linear activations, with `saved` the forward output.
    static func maskRaw(_ gradient: Tensor, _ saved: [Float], lower: Float, upper: Float) -> Tensor {
        zipRaw(gradient, Tensor(shape: gradient.shape, storage: saved), "mask", PassInsideKernel(lower: lower, upper: upper))
    }
}

// MARK: - Binary ops (broadcasting)

extension Tensor {
    /// Elementwise sum with NumPy broadcasting. Gradient: `unbroadcast(g)` to each input.
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let shapeA = a.shape, shapeB = b.shape
        let needA = a.needsGradient, needB = b.needsGradient
        return Tensor.zipRaw(a, b, "add", AddKernel()).recorded("add", a, b) { { g in
            [needA ? g.unbroadcast(to: shapeA) : nil, needB ? g.unbroadcast(to: shapeB) : nil]
        } }
    }

    /// Elementwise difference with broadcasting. Gradient: `unbroadcast(g)`, `unbroadcast(−g)`.
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let shapeA = a.shape, shapeB = b.shape
        let needA = a.needsGradient, needB = b.needsGradient
        return Tensor.zipRaw(a, b, "sub", SubKernel()).recorded("sub", a, b) { { g in
            [needA ? g.unbroadcast(to: shapeA) : nil, needB ? g.mapRaw(AffineKernel(scale: -1, shift: 0)).unbroadcast(to: shapeB) : nil]
        } }
    }

    /// Elementwise product with broadcasting. Gradient: `unbroadcast(g·b)`, `unbroadcast(g·a)`.
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let needA = a.needsGradient, needB = b.needsGradient
        return Tensor.zipRaw(a, b, "mul", MulKernel()).recorded("mul", a, b) { { g in
            [needA ? Tensor.zipRaw(g, b, "mul", MulKernel()).unbroadcast(to: a.shape) : nil,
             needB ? Tensor.zipRaw(g, a, "mul", MulKernel()).unbroadcast(to: b.shape) : nil]
        } }
    }

    /// Elementwise quotient with broadcasting (IEEE: x/0 is ±inf or NaN).
    /// Gradient: `unbroadcast(g/b)`, `unbroadcast(−g·a/b²)`.
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let needA = a.needsGradient, needB = b.needsGradient
        return Tensor.zipRaw(a, b, "div", DivKernel()).recorded("div", a, b) { { g in
            [needA ? Tensor.zipRaw(g, b, "div", DivKernel()).unbroadcast(to: a.shape) : nil,
             needB ? Tensor.zipRaw(Tensor.zipRaw(g, a, "div", MulKernel()), b, "div", NegativeQuotientSquareKernel()).unbroadcast(to: b.shape) : nil]
        } }
    }

    // MARK: - With a scalar

    /// `a + s` for every element. Gradient: `g`.
    public static func + (a: Tensor, s: Float) -> Tensor {
        a.mapRaw(AffineKernel(scale: 1, shift: s)).recorded("addScalar", a) { { g in [g] } }
    }

    /// `s + a` for every element.
    public static func + (s: Float, a: Tensor) -> Tensor { a + s }

    /// `a − s` for every element.
    public static func - (a: Tensor, s: Float) -> Tensor { a + (-s) }

    /// `s − a` for every element.
    public static func - (s: Float, a: Tensor) -> Tensor { -a + s }

    /// `a · s` for every element. Gradient: `g·s`.
    public static func * (a: Tensor, s: Float) -> Tensor {
        a.mapRaw(AffineKernel(scale: s, shift: 0)).recorded("mulScalar", a) { { g in [g.mapRaw(AffineKernel(scale: s, shift: 0))] } }
    }

    /// `s · a` for every element.
    public static func * (s: Float, a: Tensor) -> Tensor { a * s }

    /// `a / s` for every element, computed as `a · (1/s)`.
    public static func / (a: Tensor, s: Float) -> Tensor { a * (1 / s) }

    /// `s / a` for every element.
    public static func / (s: Float, a: Tensor) -> Tensor { Tensor(s) / a }

    /// `−a`. Gradient: `−g`.
    public static prefix func - (a: Tensor) -> Tensor { a * -1 }
}

// MARK: - Unary ops

extension Tensor {
    /// `eˣ`. Gradient: `g·eˣ` (from the saved output).
    public func exp() -> Tensor {
        let result = mapRaw(ExpKernel())
        let y = result.storage
        return result.recorded("exp", self) { { g in [Tensor.zipRaw(g, Tensor(shape: g.shape, storage: y), "exp", MulKernel())] } }
    }

    /// Natural logarithm (NaN below 0, −inf at 0). Gradient: `g/x`.
    public func log() -> Tensor {
        mapRaw(LogKernel()).recorded("log", self) { { g in [Tensor.zipRaw(g, self, "log", DivKernel())] } }
    }

    /// Square root (NaN below 0). Gradient: `g / (2·√x)` (from the saved output).
    public func sqrt() -> Tensor {
        let result = mapRaw(SqrtKernel())
        let y = result.storage
        return result.recorded("sqrt", self) { { g in
            [Tensor.zipRaw(g, Tensor(shape: g.shape, storage: y), "sqrt", HalfQuotientKernel())]
        } }
    }

    /// `max(x, 0)`. Gradient: `g` where `x > 0`, else 0 (PyTorch's convention at 0).
    public func relu() -> Tensor {
        let result = mapRaw(ClampKernel(lower: 0, upper: .infinity))
        let y = result.storage
        return result.recorded("relu", self) { { g in [Tensor.maskRaw(g, y, lower: 0, upper: .infinity)] } }
    }

    /// `min(max(x, lower), upper)`. Gradient: `g` where `lower < x < upper`, else 0 (the
    /// convention of PyTorch's `hardtanh` and `ReLU6`). NaN stays NaN.
    ///
    /// - Precondition: `lower <= upper`.
    public func clamped(lower: Float, upper: Float) -> Tensor {
        require(lower <= upper, "clamp: lower \(lower) > upper \(upper)")
        let result = mapRaw(ClampKernel(lower: lower, upper: upper))
        let y = result.storage
        return result.recorded("clamp", self) { { g in [Tensor.maskRaw(g, y, lower: lower, upper: upper)] } }
    }

    /// `min(max(x, 0), 6)`, derived from `clamped(lower: 0, upper: 6)`.
    public func relu6() -> Tensor {
        clamped(lower: 0, upper: 6)
    }

    /// −1, 0 or +1 by the sign of each element (`sign(0) = 0`, NaN stays NaN). Never recorded:
    /// its derivative is zero almost everywhere, so it passes no gradient (as in FGSM).
    public func sign() -> Tensor {
        mapRaw(SignKernel())
    }
}
