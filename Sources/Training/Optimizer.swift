import Foundation
import Tensors

/// The parameter-update rules `Trainer` offers, with their hyper-parameters.
public enum OptimizerKind: Equatable, Sendable {
    /// SGD with heavy-ball momentum and L2 weight decay added to the gradient (PyTorch `SGD`).
    case sgd(momentum: Float, weightDecay: Float)
    /// Adam (Kingma and Ba 2015) with PyTorch's defaults β = (0.9, 0.999), ε = 1e-8, and
    /// decoupled weight decay (AdamW, Loshchilov and Hutter 2019) when `weightDecay > 0`.
    case adam(weightDecay: Float)
}

/// Applies `OptimizerKind` updates to a fixed list of parameters, keeping the per-parameter state.
public final class Optimizer {
    /// The update rule.
    public let kind: OptimizerKind
    private let parameters: [Tensor]
    private var first: [[Float]]
    private var second: [[Float]]
    private var steps = 0

    /// An optimizer for `parameters`; state starts at zero.
    public init(_ kind: OptimizerKind, parameters: [Tensor]) {
        self.kind = kind
        self.parameters = parameters
        first = parameters.map { [Float](repeating: 0, count: $0.count) }
        second = parameters.map { [Float](repeating: 0, count: $0.count) }
    }

    /// Clears every parameter's gradient.
    public func zeroGradients() {
        for p in parameters { p.zeroGradient() }
    }

    /// One update with learning rate `rate`, using each parameter's accumulated `grad`
    /// (parameters without a gradient are left alone).
    public func step(rate: Float) {
        steps += 1
        for (index, p) in parameters.enumerated() {
            guard let grad = p.grad else { continue }
            grad.withUnsafeBufferPointer { g in
                p.withUnsafeMutableBufferPointer { w in
                    first[index].withUnsafeMutableBufferPointer { m in
                        second[index].withUnsafeMutableBufferPointer { v in
                            update(w: w, g: g, m: m, v: v, rate: rate)
                        }
                    }
                }
            }
        }
    }

    private func update(w: UnsafeMutableBufferPointer<Float>, g: UnsafeBufferPointer<Float>,
                        m: UnsafeMutableBufferPointer<Float>, v: UnsafeMutableBufferPointer<Float>, rate: Float) {
        switch kind {
        case let .sgd(momentum, decay):
            // b ← μ b + (g + λ w);  w ← w − η b
            for i in 0 ..< w.count {
                m[i] = momentum * m[i] + g[i] + decay * w[i]
                w[i] -= rate * m[i]
            }
        case let .adam(decay):
            let beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8
            // Bias corrections 1 − β^t folded into the step size and the denominator.
            let c1 = 1 - Float(pow(Double(beta1), Double(steps)))
            let c2 = (1 - Float(pow(Double(beta2), Double(steps)))).squareRoot()
            let stepSize = rate / c1
            for i in 0 ..< w.count {
                m[i] = beta1 * m[i] + (1 - beta1) * g[i]
                v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
                w[i] -= rate * decay * w[i] + stepSize * m[i] / (v[i].squareRoot() / c2 + epsilon)
            }
        }
    }
}
