import Experiments
import Foundation
import Imaging

/// A small, exactly differentiable stand-in for the sweep's plumbing tests: logits are a linear
/// function of each channel's mean, `z_k = Σ_c W[k][c] · mean_c / 255 + k / 100`.
struct ToyClassifier: Classifier {
    let classCount = 4
    let weights: [[Float]] = [[3, -1, 0.5], [-2, 2, 1], [0.5, 0.5, -3], [1, -2, 2]]

    func logits(_ images: [RGBImage]) throws -> [[Float]] {
        images.map { image in
            let means = channelMeans(image)
            return (0..<classCount).map { k in
                (0..<3).reduce(Float(k) / 100) { $0 + weights[k][$1] * means[$1] / 255 }
            }
        }
    }

    // dCE/dz_k = p_k − [k = y]; dz_k/dx_{p,c} = W[k][c] / (255 · pixels).
    func inputGradients(_ images: [RGBImage], labels: [Int]) throws -> [[Float]] {
        let all = try logits(images)
        return zip(zip(images, labels), all).map { pair, z in
            let (image, y) = pair
            let m = z.max()!
            let e = z.map { exp($0 - m) }
            let p = e.map { $0 / e.reduce(0, +) }
            let perChannel = (0..<3).map { c in
                (0..<classCount).reduce(Float(0)) { $0 + (p[$1] - ($1 == y ? 1 : 0)) * weights[$1][c] }
                    / (255 * Float(image.pixelCount))
            }
            return (0..<image.pixels.count).map { perChannel[$0 % 3] }
        }
    }

    private func channelMeans(_ image: RGBImage) -> [Float] {
        var sums = [Float](repeating: 0, count: 3)
        for (i, v) in image.pixels.enumerated() { sums[i % 3] += Float(v) }
        return sums.map { $0 / Float(image.pixelCount) }
    }
}
