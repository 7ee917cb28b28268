import Imaging
import Models

/// EfficientNet-Lite is an attackable classifier through its fast path: one forward pass, the
/// loss's gradient at the logits, and the hand-written backward pass to the pixels.
extension EfficientNetLite: Classifier {
    /// The model's name, e.g. `efficientnet-lite0`.
    public var name: String { modelName }

    /// The model view of docs/protocol.md §1 at the model's input side.
    public func view(_ image: RGBImage) -> RGBImage {
        ModelView.apply(image, side: variant.inputSide, resizeSide: variant.resizeSide)
    }

    public func logits(_ image: FloatImage) throws -> [Float] {
        try logits(pixels: image.pixels, count: 1, height: image.height, width: image.width)[0]
    }

    public func lossGradient(_ image: FloatImage, loss: any Loss, target: LossTarget) throws -> LossGradient {
        var value = 0.0
        let result = try logitsAndInputGradients(pixels: image.pixels, count: 1, height: image.height, width: image.width) { _, logits in
            let evaluated = loss.evaluate(logits: logits, target: target)
            value = evaluated.value
            return evaluated.gradient
        }
        return LossGradient(logits: result.logits[0], value: value, gradient: result.gradients[0])
    }
}
