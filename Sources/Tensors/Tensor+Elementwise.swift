import Foundation

// MARK: - Raw elementwise kernels

extension Tensor {
    /// `op` applied to broadcast `a` and `b`, off the tape (shapes broadcast NumPy-style).
    @inlinable @inline(__always)
    static func zipRaw(_ a: Tensor, _ b: Tensor, _ name: String, _ op: (Float, Float) -> Float) -> Tensor {
        let outShape = broadcastShape(a.shape, b.shape, op: name)
        let count = outShape.reduce(1, *)
        guard count > 0 else { return Tensor(shape: outShape, storage: []) }
        return Tensor.make(shape: outShape) { out in
            a.storage.withUnsafeBufferPointer { pa in
                b.storage.withUnsafeBufferPointer { pb in
                    let x = pa.baseAddress!, y = pb.baseAddress!, z = out.baseAddress!
                    if a.shape == b.shape {
                        parallelChunks(count: count) { range in
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
    @inlinable @inline(__always)
    func mapRaw(_ op: (Float) -> Float) -> Tensor {
        guard count > 0 else { return Tensor(shape: shape, storage: []) }
        return Tensor.make(shape: shape) { out in
            storage.withUnsafeBufferPointer { source in
                let x = source.baseAddress!, z = out.baseAddress!
                parallelChunks(count: out.count) { range in
                    for i in range { z[i] = op(x[i]) }
                }
            }
        }
    }

    /// `gradient` where `keep(saved[i])` holds and 0 elsewhere, off the tape; the backward rule of
    /// the piecewise-linear activations, with `saved` the forward output.
    @inlinable @inline(__always)
    static func maskRaw(_ gradient: Tensor, _ saved: [Float], _ keep: (Float) -> Bool) -> Tensor {
        guard gradient.count > 0 else { return gradient }
        return Tensor.make(shape: gradient.shape) { out in
            gradient.storage.withUnsafeBufferPointer { pg in
                saved.withUnsafeBufferPointer { ps in
                    let g = pg.baseAddress!, s = ps.baseAddress!, z = out.baseAddress!
                    parallelChunks(count: out.count) { range in
                        for i in range { z[i] = keep(s[i]) ? g[i] : 0 }
                    }
                }
            }
        }
    }
}

// MARK: - Binary ops (broadcasting)

extension Tensor {
    /// Elementwise sum with NumPy broadcasting. Gradient: `unbroadcast(g)` to each input.
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let shapeA = a.shape, shapeB = b.shape
        let needA = a.needsGradient, needB = b.needsGradient
        return Tensor.zipRaw(a, b, "add", +).recorded("add", [a, b]) { g in
            [needA ? g.unbroadcast(to: shapeA) : nil, needB ? g.unbroadcast(to: shapeB) : nil]
        }
    }

    /// Elementwise difference with broadcasting. Gradient: `unbroadcast(g)`, `unbroadcast(−g)`.
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let shapeA = a.shape, shapeB = b.shape
        let needA = a.needsGradient, needB = b.needsGradient
        return Tensor.zipRaw(a, b, "sub", -).recorded("sub", [a, b]) { g in
            [needA ? g.unbroadcast(to: shapeA) : nil, needB ? g.mapRaw { -$0 }.unbroadcast(to: shapeB) : nil]
        }
    }

    /// Elementwise product with broadcasting. Gradient: `unbroadcast(g·b)`, `unbroadcast(g·a)`.
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let needA = a.needsGradient, needB = b.needsGradient
        return Tensor.zipRaw(a, b, "mul", *).recorded("mul", [a, b]) { g in
            [needA ? Tensor.zipRaw(g, b, "mul", *).unbroadcast(to: a.shape) : nil,
             needB ? Tensor.zipRaw(g, a, "mul", *).unbroadcast(to: b.shape) : nil]
        }
    }

    /// Elementwise quotient with broadcasting (IEEE: x/0 is ±inf or NaN).
    /// Gradient: `unbroadcast(g/b)`, `unbroadcast(−g·a/b²)`.
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let needA = a.needsGradient, needB = b.needsGradient
        return Tensor.zipRaw(a, b, "div", /).recorded("div", [a, b]) { g in
            [needA ? Tensor.zipRaw(g, b, "div", /).unbroadcast(to: a.shape) : nil,
             needB ? Tensor.zipRaw(Tensor.zipRaw(g, a, "div", *), b, "div", { -$0 / ($1 * $1) }).unbroadcast(to: b.shape) : nil]
        }
    }

    // MARK: - With a scalar

    /// `a + s` for every element. Gradient: `g`.
    public static func + (a: Tensor, s: Float) -> Tensor {
        a.mapRaw { $0 + s }.recorded("addScalar", [a]) { g in [g] }
    }

    /// `s + a` for every element.
    public static func + (s: Float, a: Tensor) -> Tensor { a + s }

    /// `a − s` for every element.
    public static func - (a: Tensor, s: Float) -> Tensor { a + (-s) }

    /// `s − a` for every element.
    public static func - (s: Float, a: Tensor) -> Tensor { -a + s }

    /// `a · s` for every element. Gradient: `g·s`.
    public static func * (a: Tensor, s: Float) -> Tensor {
        a.mapRaw { $0 * s }.recorded("mulScalar", [a]) { g in [g.mapRaw { $0 * s }] }
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
        let result = mapRaw { Foundation.exp($0) }
        let y = result.storage
        return result.recorded("exp", [self]) { g in [Tensor.zipRaw(g, Tensor(shape: g.shape, storage: y), "exp", *)] }
    }

    /// Natural logarithm (NaN below 0, −inf at 0). Gradient: `g/x`.
    public func log() -> Tensor {
        mapRaw { Foundation.log($0) }.recorded("log", [self]) { g in [Tensor.zipRaw(g, self, "log", /)] }
    }

    /// Square root (NaN below 0). Gradient: `g / (2·√x)` (from the saved output).
    public func sqrt() -> Tensor {
        let result = mapRaw { $0.squareRoot() }
        let y = result.storage
        return result.recorded("sqrt", [self]) { g in
            [Tensor.zipRaw(g, Tensor(shape: g.shape, storage: y), "sqrt") { $0 * 0.5 / $1 }]
        }
    }

    /// `max(x, 0)`. Gradient: `g` where `x > 0`, else 0 (PyTorch's convention at 0).
    public func relu() -> Tensor {
        let result = mapRaw { $0 > 0 ? $0 : 0 }
        let y = result.storage
        return result.recorded("relu", [self]) { g in [Tensor.maskRaw(g, y) { $0 > 0 }] }
    }

    /// `min(max(x, lower), upper)`. Gradient: `g` where `lower < x < upper`, else 0 (the
    /// convention of PyTorch's `hardtanh` and `ReLU6`). NaN stays NaN.
    ///
    /// - Precondition: `lower <= upper`.
    public func clamped(lower: Float, upper: Float) -> Tensor {
        precondition(lower <= upper, "clamp: lower \(lower) > upper \(upper)")
        let result = mapRaw { x in x < lower ? lower : (x > upper ? upper : x) }
        let y = result.storage
        return result.recorded("clamp", [self]) { g in [Tensor.maskRaw(g, y) { $0 > lower && $0 < upper }] }
    }

    /// `min(max(x, 0), 6)`, derived from `clamped(lower: 0, upper: 6)`.
    public func relu6() -> Tensor {
        clamped(lower: 0, upper: 6)
    }

    /// −1, 0 or +1 by the sign of each element (`sign(0) = 0`, NaN stays NaN). Never recorded:
    /// its derivative is zero almost everywhere, so it passes no gradient (as in FGSM).
    public func sign() -> Tensor {
        mapRaw { $0 > 0 ? 1 : ($0 < 0 ? -1 : $0) }
    }
}
