import Attacks
import Foundation
import Imaging

/// A small, exactly differentiable stand-in for the sweep's plumbing tests: logits are a linear
/// function of each channel's mean, `z_k = Σ_c W[k][c] · mean_c / 255 + k / 100`.
final class ToyClassifier: Classifier {
    let name = "toy"
    let classCount = 4
    let weights: [[Float]] = [[3, -1, 0.5], [-2, 2, 1], [0.5, 0.5, -3], [1, -2, 2]]

    func view(_ image: RGBImage) -> RGBImage { ModelView.apply(image) }

    func logits(_ image: FloatImage) throws -> [Float] {
        let means = channelMeans(image)
        return (0..<classCount).map { k in
            (0..<3).reduce(Float(k) / 100) { $0 + weights[k][$1] * means[$1] / 255 }
        }
    }

    // dz_k/dx_{p,c} = W[k][c] / (255 · pixels).
    func lossGradient(_ image: FloatImage, loss: any Loss, target: LossTarget) throws -> LossGradient {
        let z = try logits(image)
        let (value, g) = loss.evaluate(logits: z, target: target)
        let pixels = Float(image.width * image.height)
        let perChannel = (0..<3).map { c in
            (0..<classCount).reduce(Float(0)) { $0 + g[$1] * weights[$1][c] } / (255 * pixels)
        }
        return LossGradient(logits: z, value: value, gradient: (0..<image.pixels.count).map { perChannel[$0 % 3] })
    }

    private func channelMeans(_ image: FloatImage) -> [Float] {
        var sums = [Float](repeating: 0, count: 3)
        for (i, v) in image.pixels.enumerated() { sums[i % 3] += v }
        return sums.map { $0 / Float(image.width * image.height) }
    }
}
