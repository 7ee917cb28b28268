import Foundation
import _Support

// MARK: - From logits to predictions

/// One ranked class of a prediction.
public struct RankedClass: Equatable, Sendable {
    /// The class index, 0..<1000 for ImageNet.
    public let index: Int
    /// Its softmax probability, 0…1.
    public let probability: Float
    /// A class and its probability.
    public init(index: Int, probability: Float) {
        self.index = index
        self.probability = probability
    }

    /// Its ImageNet name (`imageNetClassNames[index]`), or `"class N"` beyond that list.
    public var name: String {
        imageNetClassNames.indices.contains(index) ? imageNetClassNames[index] : "class \(index)"
    }
}

/// Softmax and top-k over logit vectors.
public enum Classification {
    /// The `k` most probable classes, best first; ties go to the lower index. `k` is clamped to
    /// `0...logits.count`.
    public static func top(_ k: Int, of logits: [Float]) -> [RankedClass] {
        let probabilities = Softmax.probabilities(logits)
        let order = probabilities.indices.sorted {
            probabilities[$0] != probabilities[$1] ? probabilities[$0] > probabilities[$1] : $0 < $1
        }
        return order.prefix(max(0, min(k, logits.count))).map { RankedClass(index: $0, probability: probabilities[$0]) }
    }
}
