import Foundation
import _Support

/// What a loss needs besides the logits: the attacked label and, for the seed's loss, the
/// model's own clean output probabilities.
public struct LossTarget: Sendable {
    /// The attacked label y.
    public var label: Int
    /// The softmax of the clean image's logits (float32), the soft target of `seed-soft`.
    public var cleanProbabilities: [Float]

    /// Memberwise.
    public init(label: Int, cleanProbabilities: [Float]) {
        self.label = label
        self.cleanProbabilities = cleanProbabilities
    }
}

/// A loss an attacker ascends: logits and a target in, a scalar and its gradient with respect
/// to the logits out. The model carries the gradient back to the pixels.
public protocol Loss: Sendable {
    /// The name in the `loss` column and on the command line.
    var name: String { get }
    /// The loss at `logits` and `∂loss/∂logits`.
    func evaluate(logits: [Float], target: LossTarget) -> (value: Double, gradient: [Float])
}

/// The losses by name, in the order `--help` lists them.
public enum Losses {
    /// Every loss the attacks accept.
    public static let all: [any Loss] = [CrossEntropyLoss(), MarginLoss(), SeedSoftLoss()]
    /// The default, `ce`.
    public static let standard: any Loss = CrossEntropyLoss()

    /// The loss called `name`, or nil.
    public static func named(_ name: String) -> (any Loss)? {
        all.first { $0.name == name }
    }
}

/// `ce`: cross-entropy on the label, `−log softmax(z)_y`; its gradient is `softmax(z) − onehot(y)`.
public struct CrossEntropyLoss: Loss {
    /// `ce`.
    public let name = "ce"
    /// Memberwise.
    public init() {}

    public func evaluate(logits: [Float], target: LossTarget) -> (value: Double, gradient: [Float]) {
        var gradient = Softmax.probabilities(logits)
        let value = -log(max(Softmax.probability(of: target.label, in: logits), Double.leastNonzeroMagnitude))
        gradient[target.label] -= 1
        return (value, gradient)
    }
}

/// `margin`: Carlini and Wagner's margin, `max_{k≠y} z_k − z_y`. Positive once the image is
/// misclassified; its gradient is +1 at the top other logit and −1 at the label.
public struct MarginLoss: Loss {
    /// `margin`.
    public let name = "margin"
    /// Memberwise.
    public init() {}

    public func evaluate(logits: [Float], target: LossTarget) -> (value: Double, gradient: [Float]) {
        var other = target.label == 0 ? 1 : 0
        for k in logits.indices where k != target.label && logits[k] > logits[other] { other = k }
        var gradient = [Float](repeating: 0, count: logits.count)
        gradient[other] = 1
        gradient[target.label] = -1
        return (Double(logits[other]) - Double(logits[target.label]), gradient)
    }
}

/// `seed-soft`: the seed's own FGSM loss, Keras `CategoricalCrossentropy` of the model's softmax
/// output against the model's own clean probabilities t, in float32 throughout:
/// `q = p / Σp`, `c = clip(q, 1e-7, 1 − 1e-7)`, `L = −Σ_k t_k log c_k`.
///
/// At the clean image `p = t` and L is at its minimum, so the gradient is zero up to float32
/// rounding (and the clipped classes, whose derivative through the clip is zero).
public struct SeedSoftLoss: Loss {
    /// `seed-soft`.
    public let name = "seed-soft"
    /// Keras's `epsilon()`, the clip bound.
    public static let epsilon: Float = 1e-7
    /// Memberwise.
    public init() {}

    public func evaluate(logits: [Float], target: LossTarget) -> (value: Double, gradient: [Float]) {
        let t = target.cleanProbabilities
        precondition(t.count == logits.count, "seed-soft: \(t.count) target probabilities for \(logits.count) logits")
        let n = logits.count
        // p = softmax(z) in float32, as the model's last layer computes it.
        var peak = -Float.infinity
        for z in logits { peak = max(peak, z) }
        var p = logits.map { Foundation.exp($0 - peak) }
        var total: Float = 0
        for v in p { total += v }
        for k in 0..<n { p[k] /= total }
        // q = p / Σp, then the clip.
        var sum: Float = 0
        for v in p { sum += v }
        let eps = Self.epsilon
        var value: Float = 0
        // dL/dq_k = −t_k / q_k inside the clip, 0 outside it.
        var dq = [Float](repeating: 0, count: n)
        for k in 0..<n {
            let q = p[k] / sum
            let c = min(max(q, eps), 1 - eps)
            value -= t[k] * Foundation.log(c)
            if q > eps && q < 1 - eps { dq[k] = -t[k] / q }
        }
        // Through q = p / s with s = Σp: dL/dp_j = (dq_j − Σ_k dq_k q_k) / s.
        var dot: Float = 0
        for k in 0..<n { dot += dq[k] * (p[k] / sum) }
        var dp = [Float](repeating: 0, count: n)
        for j in 0..<n { dp[j] = (dq[j] - dot) / sum }
        // Through the softmax: dL/dz_j = p_j (dp_j − Σ_k p_k dp_k).
        var inner: Float = 0
        for k in 0..<n { inner += p[k] * dp[k] }
        let gradient = (0..<n).map { p[$0] * (dp[$0] - inner) }
        return (Double(value), gradient)
    }
}
