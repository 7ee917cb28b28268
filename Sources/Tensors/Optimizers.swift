import Foundation

// MARK: - Optimizer

/// Updates parameters in place from their accumulated gradients. Parameters whose `grad` is `nil`
/// are skipped (as in PyTorch). Steps run off the tape.
public protocol Optimizer: AnyObject {
    /// The step size; change it between steps for a schedule.
    var learningRate: Float { get set }
    /// The tensors being optimised.
    var parameters: [Tensor] { get }
    /// One update from the current gradients.
    func step()
}

extension Optimizer {
    /// Clears every parameter's gradient (call before each backward pass).
    public func zeroGradients() {
        for parameter in parameters { parameter.zeroGradient() }
    }
}

// MARK: - SGD

/// Stochastic gradient descent with PyTorch's `torch.optim.SGD` update, in this order:
/// `d = g + weightDecay·p`; with momentum, `buf = d` on the first step and
/// `buf = momentum·buf + (1 − dampening)·d` after; `d = d + momentum·buf` (Nesterov) or `d = buf`;
/// finally `p −= learningRate·d`.
public final class SGD: Optimizer {
    /// The step size.
    public var learningRate: Float
    /// The tensors being optimised.
    public let parameters: [Tensor]
    /// Momentum factor (0 disables the buffer).
    public let momentum: Float
    /// Dampening of the gradient in the momentum buffer.
    public let dampening: Float
    /// L2 penalty added to the gradient.
    public let weightDecay: Float
    /// Nesterov momentum.
    public let nesterov: Bool
    private var buffers: [[Float]?]

    /// Creates the optimizer. Defaults are PyTorch's (no momentum, no decay).
    ///
    /// - Precondition: Nesterov needs momentum > 0 and zero dampening (as in PyTorch).
    public init(parameters: [Tensor], learningRate: Float, momentum: Float = 0, dampening: Float = 0,
                weightDecay: Float = 0, nesterov: Bool = false) {
        require(!nesterov || (momentum > 0 && dampening == 0), "SGD: Nesterov needs momentum > 0 and dampening 0")
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        buffers = Array(repeating: nil, count: parameters.count)
    }

    /// One update of every parameter that has a gradient.
    public func step() {
        let (lr, mu, damp, wd, nesterov) = (learningRate, momentum, dampening, weightDecay, self.nesterov)
        for (index, parameter) in parameters.enumerated() {
            guard let gradient = parameter.grad else { continue }
            let first = buffers[index] == nil
            if mu != 0 && first { buffers[index] = [Float](repeating: 0, count: parameter.count) }
            var buffer = buffers[index] ?? []
            buffers[index] = nil
            gradient.withUnsafeBufferPointer { g in
                parameter.withUnsafeMutableBufferPointer { p in
                    buffer.withUnsafeMutableBufferPointer { b in
                        for i in 0..<p.count {
                            var d = g[i]
                            if wd != 0 { d += wd * p[i] }
                            if mu != 0 {
                                b[i] = first ? d : mu * b[i] + (1 - damp) * d
                                d = nesterov ? d + mu * b[i] : b[i]
                            }
                            p[i] -= lr * d
                        }
                    }
                }
            }
            if mu != 0 { buffers[index] = buffer }
        }
    }
}

// MARK: - Adam and AdamW

/// Adam (Kingma & Ba 2015) with PyTorch's `torch.optim.Adam` arithmetic: `m = β₁m + (1−β₁)g`,
/// `v = β₂v + (1−β₂)g²`, `p −= (lr/(1−β₁ᵗ)) · m / (√v/√(1−β₂ᵗ) + ε)`.
/// Weight decay is an L2 term added to the gradient (`g + λp`), or, when `decoupledWeightDecay`
/// (AdamW, Loshchilov & Hutter 2019), a shrink `p ·= 1 − lr·λ` before the update.
public class Adam: Optimizer {
    /// The step size.
    public var learningRate: Float
    /// The tensors being optimised.
    public let parameters: [Tensor]
    /// Decay rates of the first and second moment estimates.
    public let beta1: Float, beta2: Float
    /// Added to the denominator for stability.
    public let epsilon: Float
    /// Weight decay λ (L2 for Adam, decoupled for AdamW).
    public let weightDecay: Float
    /// AdamW's decoupled decay instead of an L2 gradient term.
    public let decoupledWeightDecay: Bool
    private var firstMoments: [[Float]]
    private var secondMoments: [[Float]]
    private var steps: [Int]

    /// Creates the optimizer; defaults are PyTorch's (`lr` 1e-3, betas 0.9/0.999, ε 1e-8, no decay).
    public init(parameters: [Tensor], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0, decoupledWeightDecay: Bool = false) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
        firstMoments = parameters.map { [Float](repeating: 0, count: $0.count) }
        secondMoments = parameters.map { [Float](repeating: 0, count: $0.count) }
        steps = Array(repeating: 0, count: parameters.count)
    }

    /// One update of every parameter that has a gradient (each keeps its own step count).
    public func step() {
        let (lr, b1, b2, eps, wd, decoupled) = (learningRate, beta1, beta2, epsilon, weightDecay, decoupledWeightDecay)
        for (index, parameter) in parameters.enumerated() {
            guard let gradient = parameter.grad else { continue }
            steps[index] += 1
            let t = Float(steps[index])
            let stepSize = lr / (1 - Foundation.pow(b1, t))
            let correction2 = (1 - Foundation.pow(b2, t)).squareRoot()
            gradient.withUnsafeBufferPointer { g in
                parameter.withUnsafeMutableBufferPointer { p in
                    firstMoments[index].withUnsafeMutableBufferPointer { m in
                        secondMoments[index].withUnsafeMutableBufferPointer { v in
                            for i in 0..<p.count {
                                var gi = g[i]
                                if wd != 0 {
                                    if decoupled { p[i] *= 1 - lr * wd } else { gi += wd * p[i] }
                                }
                                m[i] += (gi - m[i]) * (1 - b1)
                                v[i] = v[i] * b2 + (1 - b2) * gi * gi
                                p[i] -= stepSize * m[i] / (v[i].squareRoot() / correction2 + eps)
                            }
                        }
                    }
                }
            }
        }
    }
}

/// AdamW: Adam with decoupled weight decay; defaults are PyTorch's (`weightDecay` 0.01).
public final class AdamW: Adam {
    /// Creates the optimizer.
    public init(parameters: [Tensor], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 1e-2) {
        super.init(parameters: parameters, learningRate: learningRate, beta1: beta1, beta2: beta2,
                   epsilon: epsilon, weightDecay: weightDecay, decoupledWeightDecay: true)
    }
}
