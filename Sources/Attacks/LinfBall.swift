import Tensors

/// The L∞ ball of projected gradient descent (Madry et al. 2018) in 8-bit levels: every sample
/// stays within `[x0 − eps, x0 + eps] ∩ [0, 255]`. The attacks and the poisons share it.
public struct LinfBall: Sendable {
    /// The clean samples x0.
    public let center: [Float]
    /// The radius in 8-bit levels.
    public let radius: Float

    /// The ball of `radius` levels around `center`.
    public init(center: [Float], radius: Float) {
        precondition(radius >= 0, "LinfBall: negative radius \(radius)")
        self.center = center
        self.radius = radius
    }

    /// A uniform random point of the ball: `x0 + U[−eps, eps]` per sample, clipped to 0…255.
    public func randomPoint(_ generator: inout SeededGenerator) -> [Float] {
        center.map { x in min(max(x + (2 * generator.nextUniform() - 1) * radius, 0), 255) }
    }

    /// One signed-gradient step and the projection back into the ball:
    /// `x ← Π(x + direction · stepSize · sign(gradient))`, with `sign(0) = 0`; `direction` is +1
    /// to ascend the loss, −1 to descend it.
    public func step(_ x: inout [Float], gradient: [Float], stepSize: Float, direction: Float = 1) {
        step(&x, offset: 0, gradient: gradient, stepSize: stepSize, direction: direction)
    }

    /// The step on the samples `offset ..< offset + gradient.count` of the ball.
    public func step(_ x: inout [Float], offset: Int, gradient: [Float], stepSize: Float, direction: Float = 1) {
        precondition(x.count == center.count && offset + gradient.count <= center.count,
                     "LinfBall.step: \(gradient.count) gradient values at \(offset) for \(center.count) samples")
        for i in 0..<gradient.count {
            let g = gradient[i]
            let s: Float = g > 0 ? 1 : (g < 0 ? -1 : 0)
            let j = offset + i
            x[j] = project(x[j] + direction * stepSize * s, center[j])
        }
    }

    /// `v` projected onto `[c − eps, c + eps] ∩ [0, 255]`.
    @inline(__always)
    func project(_ v: Float, _ c: Float) -> Float {
        min(max(min(max(v, c - radius), c + radius), 0), 255)
    }
}
