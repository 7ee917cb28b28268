import Attacks
import Datasets
import Tensors

/// Per-sample additive perturbations δ of a whole image set under an L∞ budget, in 8-bit levels.
///
/// Both poisons keep one real-valued δ per sample and step it with signed gradients on the same
/// L∞ ball as the evasion attacks' PGD (``LinfBall``, Madry et al. 2018): after every step
/// `x + δ` is projected onto `[x − eps, x + eps] ∩ [0, 255]`. `poisoned()` rounds `x + δ` to
/// integers; since x is an integer, the rounded perturbation also stays within ±eps.
public struct Perturbation {
    /// The clean images the perturbation is added to.
    public let clean: LabeledImages
    /// The L∞ budget in 8-bit levels (8 means ±8/255).
    public let epsilon: Float
    /// `clean.pixels.count` values, NHWC, each in `[−epsilon, epsilon]`.
    public var delta: [Float] { (0..<perturbed.count).map { perturbed[$0] - ball.center[$0] } }
    /// `x + δ`, the state the steps move.
    private var perturbed: [Float]

    /// The ball every step projects onto.
    private let ball: LinfBall

    /// A zero perturbation, or a uniform random start in `[−eps, eps]` (clipped to the pixel
    /// range) drawn from `generator` when `randomStart` is true.
    public init(clean: LabeledImages, epsilon: Float, randomStart: Bool, generator: inout SeededGenerator) {
        self.clean = clean
        self.epsilon = epsilon
        ball = LinfBall(center: clean.pixels.map(Float.init), radius: epsilon)
        perturbed = randomStart ? ball.randomPoint(&generator) : ball.center
    }

    /// `x + δ` on the 0–255 scale for the images at `indices`, NHWC.
    public func perturbedPixels(_ indices: ArraySlice<Int>) -> [Float] {
        let size = clean.imageSize
        var out = [Float](repeating: 0, count: indices.count * size)
        for (row, i) in indices.enumerated() {
            for j in 0 ..< size { out[row * size + j] = perturbed[i * size + j] }
        }
        return out
    }

    /// One projected signed-gradient step on the images at `indices`:
    /// `δ ← Π(δ + direction · stepSize · sign(gradient))`, where `direction` is +1 to increase the
    /// loss and −1 to decrease it, and Π clips to `[−eps, eps]` and to `0 ≤ x + δ ≤ 255`.
    public mutating func step(_ indices: ArraySlice<Int>, gradient: [Float], stepSize: Float, direction: Float) {
        let size = clean.imageSize
        precondition(gradient.count == indices.count * size, "Perturbation.step: \(gradient.count) gradient values for \(indices.count) images")
        for (row, i) in indices.enumerated() {
            ball.step(&perturbed, offset: i * size, gradient: Array(gradient[row * size ..< (row + 1) * size]),
                      stepSize: stepSize, direction: direction)
        }
    }

    /// The poisoned set: `round(x + δ)` as 8-bit pixels, with the clean labels.
    public func poisoned() -> LabeledImages {
        var out = clean
        for i in perturbed.indices { out.pixels[i] = UInt8(min(max(perturbed[i].rounded(), 0), 255)) }
        return out
    }

    /// The poisoned set as float batches for training on `x + δ`: images `[n, H, W, C]` in 0–1.
    public func batch(_ indices: ArraySlice<Int>) -> (images: Tensor, labels: [Int]) {
        let pixels = perturbedPixels(indices).map { $0 * (1 / 255) }
        return (Tensor(shape: [indices.count, clean.height, clean.width, clean.channels], scalars: pixels),
                indices.map { Int(clean.labels[$0]) })
    }
}
