import Imaging
import _Support

/// A loss's value and gradient at one image, with the logits they came from.
public struct LossGradient: Sendable {
    /// The classifier's logits.
    public var logits: [Float]
    /// The loss.
    public var value: Double
    /// `∂loss/∂pixels`, laid out like the image's samples.
    public var gradient: [Float]

    /// Memberwise.
    public init(logits: [Float], value: Double, gradient: [Float]) {
        self.logits = logits
        self.value = value
        self.gradient = gradient
    }
}

/// What an attacker needs of an image classifier: logits of float pixels (0–255) and the
/// gradient of a chosen loss with respect to those pixels.
///
/// The sweep calls a classifier from several threads at once, one image per call.
public protocol Classifier: AnyObject {
    /// The model's name in the `model` column, e.g. `efficientnet-lite0`.
    var name: String { get }
    /// The number of classes, the length of every logits vector.
    var classCount: Int { get }
    /// What the model sees of an image of any size: its resize and centre crop.
    func view(_ image: RGBImage) -> RGBImage
    /// The logits of one image.
    func logits(_ image: FloatImage) throws -> [Float]
    /// The logits, `loss` and `∂loss/∂pixels` at one image.
    func lossGradient(_ image: FloatImage, loss: any Loss, target: LossTarget) throws -> LossGradient
}

extension Classifier {
    /// The logits of an 8-bit image.
    public func logits(_ image: RGBImage) throws -> [Float] {
        try logits(FloatImage(image))
    }

    /// The loss target of an image: the attacked label and the softmax of the clean logits.
    public func target(clean: RGBImage, label: Int? = nil) throws -> LossTarget {
        let z = try logits(clean)
        return LossTarget(label: label ?? Prediction(logits: z).label, cleanProbabilities: Softmax.probabilities(z))
    }
}
