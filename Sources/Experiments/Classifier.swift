import Foundation
import Imaging
import _Support

/// What the sweep needs from an image classifier: batched logits and batched input gradients.
///
/// Images are 224×224 8-bit RGB (the model view of docs/protocol.md §1). Gradients are of the
/// cross-entropy loss with respect to the 0–255 pixel values, laid out like
/// `RGBImage.pixels` (interleaved R, G, B, rows top to bottom). The sweep calls both methods
/// from several threads at once, one image per call.
public protocol Classifier {
    /// The number of classes, the length of every logits vector.
    var classCount: Int { get }
    /// One logits vector per image.
    func logits(_ images: [RGBImage]) throws -> [[Float]]
    /// One gradient of `CE(f(image), label)` per image, with `3 * width * height` entries.
    func inputGradients(_ images: [RGBImage], labels: [Int]) throws -> [[Float]]
}

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
