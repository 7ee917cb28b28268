import Tensors

/// The cross-entropy of a batch and its gradient with respect to the 8-bit pixel values, the
/// quantity both poisons step along.
public enum InputGradient {
    /// Summed cross-entropy of `model` (inference mode: batch-norm running statistics, no
    /// running-statistics update) on images given as pixel values, and its gradient
    /// `∂loss/∂pixel`.
    ///
    /// - Parameters:
    ///   - pixels: `n·H·W·C` NHWC values on the 0–255 scale (real-valued while a perturbation
    ///     is being optimised).
    ///   - labels: `n` class indices (the true labels, or the targets of a targeted attack).
    /// - Returns: the summed loss and a gradient of `pixels.count` values. The model's
    ///   parameters get no gradient: their tracking is switched off for the call and restored.
    public static func crossEntropy(model: SmallCNN, pixels: [Float], labels: [Int]) -> (loss: Float, gradient: [Float]) {
        let (h, w, c) = model.inputShape
        precondition(pixels.count == labels.count * h * w * c,
                     "InputGradient: \(pixels.count) values for \(labels.count) images of \(h)×\(w)×\(c)")
        let trainable = model.parameters.first?.tensor.requiresGrad ?? false
        model.setTrainable(false)
        defer { model.setTrainable(trainable) }
        let input = Tensor(shape: [labels.count, h, w, c], scalars: pixels, requiresGrad: true)
        // The model sees pixel / 255, so ∂loss/∂pixel = ∂loss/∂input / 255, applied by the chain rule.
        let loss = model.logits(input * (1 / 255), training: false).crossEntropy(labels: labels, reduction: .sum)
        loss.backward()
        return (loss.item, input.grad?.scalars ?? [Float](repeating: 0, count: pixels.count))
    }
}
