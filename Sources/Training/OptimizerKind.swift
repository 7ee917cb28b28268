import Tensors

/// The update rules `Trainer` offers, with their hyper-parameters; built on `Tensors`' optimizers.
public enum OptimizerKind: Equatable, Sendable {
    /// SGD with heavy-ball momentum and L2 weight decay (PyTorch `SGD`).
    case sgd(momentum: Float, weightDecay: Float)
    /// Adam (Kingma and Ba 2015) with PyTorch's defaults β = (0.9, 0.999), ε = 1e-8, and
    /// decoupled weight decay (AdamW) when `weightDecay > 0`.
    case adam(weightDecay: Float)

    /// A fresh optimizer of this kind over `parameters`; the learning rate is set per step.
    public func make(parameters: [Tensor]) -> any Optimizer {
        switch self {
        case let .sgd(momentum, weightDecay):
            return SGD(parameters: parameters, learningRate: 0, momentum: momentum, weightDecay: weightDecay)
        case let .adam(weightDecay):
            return weightDecay > 0 ? AdamW(parameters: parameters, learningRate: 0, weightDecay: weightDecay)
                : Adam(parameters: parameters, learningRate: 0)
        }
    }
}
