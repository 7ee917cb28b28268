/// Why training stopped or a trained model cannot be saved.
public enum TrainingError: Swift.Error, CustomStringConvertible, Equatable {
    /// The loss or a parameter became NaN or ±∞ during step `step` (1-based) of epoch `epoch`
    /// (1-based), at learning rate `learningRate`; `what` says which value (`the loss is nan`,
    /// `fc.weight holds inf at index 3`).
    case diverged(epoch: Int, step: Int, steps: Int, learningRate: Float, what: String)
    /// A model holding NaN or ±∞ was to be saved; nothing was written.
    case nonFiniteWeight(name: String, index: Int, value: Float)
    /// The data cannot be trained on as given (empty, wrong sizes, train and test that disagree).
    case unusableData(reason: String)
    /// A crafted poison left its budget: a bug, reported rather than written.
    case poisonOutsideBudget(maxChange: Int, eps: Int)

    /// A one-line message naming the epoch and step, or the tensor, and saying what to do.
    public var description: String {
        switch self {
        case let .diverged(epoch, step, steps, learningRate, what):
            return "training diverged in epoch \(epoch), step \(step) of \(steps) (learning rate \(learningRate)): \(what); "
                + "use a smaller learning rate (--lr)"
        case let .unusableData(reason):
            return reason
        case let .poisonOutsideBudget(maxChange, eps):
            return "internal error: a poisoned pixel moved by \(maxChange) levels, above --eps \(eps); nothing was written"
        case let .nonFiniteWeight(name, index, value):
            return "refusing to save a model whose tensor \(name) holds \(value) at index \(index); "
                + "training diverged, use a smaller learning rate (--lr)"
        }
    }
}
