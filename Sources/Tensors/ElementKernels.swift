import Foundation

// MARK: - Elementwise kernels as types

// Elementwise loops take their scalar function as a generic struct rather than a closure: each
// call site is then specialised and the function inlined into a loop that vectorises. (Closures
// passed through `concurrentPerform` stay opaque calls per element, about 5× slower.)

/// A scalar function `Float → Float` applied by `mapRaw`.
protocol UnaryKernel {
    func callAsFunction(_ x: Float) -> Float
}

/// A scalar function `(Float, Float) → Float` applied by `zipRaw`, `applyBroadcast` and `reduceRaw`.
protocol BinaryKernel {
    func callAsFunction(_ x: Float, _ y: Float) -> Float
}

// MARK: - Unary

/// `x·scale + shift` (scalar add, scalar multiply, negation).
struct AffineKernel: UnaryKernel {
    let scale: Float, shift: Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { x * scale + shift }
}

/// `eˣ`.
struct ExpKernel: UnaryKernel {
    @inline(__always) func callAsFunction(_ x: Float) -> Float { Foundation.exp(x) }
}

/// `ln x`.
struct LogKernel: UnaryKernel {
    @inline(__always) func callAsFunction(_ x: Float) -> Float { Foundation.log(x) }
}

/// `√x`.
struct SqrtKernel: UnaryKernel {
    @inline(__always) func callAsFunction(_ x: Float) -> Float { x.squareRoot() }
}

/// `min(max(x, lower), upper)`; NaN stays NaN.
struct ClampKernel: UnaryKernel {
    let lower: Float, upper: Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { x < lower ? lower : (x > upper ? upper : x) }
}

/// −1, 0 or +1; NaN and ±0 pass through.
struct SignKernel: UnaryKernel {
    @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 0 ? 1 : (x < 0 ? -1 : x) }
}

// MARK: - Binary

/// `x + y`.
struct AddKernel: BinaryKernel {
    @inline(__always) func callAsFunction(_ x: Float, _ y: Float) -> Float { x + y }
}

/// `x − y`.
struct SubKernel: BinaryKernel {
    @inline(__always) func callAsFunction(_ x: Float, _ y: Float) -> Float { x - y }
}

/// `x · y`.
struct MulKernel: BinaryKernel {
    @inline(__always) func callAsFunction(_ x: Float, _ y: Float) -> Float { x * y }
}

/// `x / y`.
struct DivKernel: BinaryKernel {
    @inline(__always) func callAsFunction(_ x: Float, _ y: Float) -> Float { x / y }
}

/// `max(x, y)`.
struct MaxKernel: BinaryKernel {
    @inline(__always) func callAsFunction(_ x: Float, _ y: Float) -> Float { Swift.max(x, y) }
}

/// `x` (broadcast copy).
struct FirstKernel: BinaryKernel {
    @inline(__always) func callAsFunction(_ x: Float, _ y: Float) -> Float { x }
}

/// `−x / y²`: the quotient rule's denominator term, with `x = g·a` and `y = b`.
struct NegativeQuotientSquareKernel: BinaryKernel {
    @inline(__always) func callAsFunction(_ x: Float, _ y: Float) -> Float { -x / (y * y) }
}

/// `x / (2y)`: the square root's rule with `x = g` and `y = √a`.
struct HalfQuotientKernel: BinaryKernel {
    @inline(__always) func callAsFunction(_ x: Float, _ y: Float) -> Float { x * 0.5 / y }
}

/// `x` where `lower < y < upper`, else 0: the rule of ReLU and clamp, with `x = g` and `y` the
/// forward output.
struct PassInsideKernel: BinaryKernel {
    let lower: Float, upper: Float
    @inline(__always) func callAsFunction(_ x: Float, _ y: Float) -> Float { y > lower && y < upper ? x : 0 }
}
