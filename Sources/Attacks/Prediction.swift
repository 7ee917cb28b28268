import _Support

/// The top-1 class of a logits vector and its softmax probability.
public struct Prediction: Equatable, Sendable {
    /// The predicted class index.
    public var label: Int
    /// The softmax probability of `label`, in 0…1.
    public var confidence: Double

    /// The top-1 class of `logits`; ties go to the lower index, as `argmax` does.
    public init(logits: [Float]) {
        precondition(!logits.isEmpty, "Prediction needs at least one logit")
        var best = 0
        for i in logits.indices where logits[i] > logits[best] { best = i }
        self.label = best
        self.confidence = Softmax.probability(of: best, in: logits)
    }
}
