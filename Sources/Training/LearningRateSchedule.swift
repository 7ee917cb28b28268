import Foundation

/// The learning rate as a function of the step, for the optimisers of `Trainer`.
///
/// `oneCycle` (Smith and Topin 2019) is the default because it reaches good accuracy on small
/// CNNs in few epochs, which is what keeps the poison sweep affordable on two cores.
public enum LearningRateSchedule: Equatable, Sendable {
    /// The same rate at every step.
    case constant(Float)
    /// Linear warm-up from `peak / 25` to `peak` over the first `warmup` fraction of the steps,
    /// then cosine annealing to `peak / 1e4` (PyTorch `OneCycleLR` defaults, `anneal_strategy="cos"`,
    /// but with a linear warm-up).
    case oneCycle(peak: Float, warmup: Float)
    /// Cosine annealing from `peak` to zero over all steps (Loshchilov and Hutter 2017, no restarts).
    case cosine(peak: Float)
    /// `peak` multiplied by `factor` at each of the given fractions of training.
    case step(peak: Float, at: [Float], factor: Float)

    /// The rate at `step` of `totalSteps` (0-based; steps past the end get the final rate).
    public func rate(step: Int, totalSteps: Int) -> Float {
        let t = totalSteps <= 1 ? 1 : min(1, Float(step) / Float(totalSteps - 1))
        switch self {
        case let .constant(r):
            return r
        case let .oneCycle(peak, warmup):
            let initial = peak / 25, final = initial / 1e4
            if t < warmup { return initial + (peak - initial) * t / warmup }
            let u = warmup >= 1 ? 1 : (t - warmup) / (1 - warmup)
            return final + (peak - final) * 0.5 * (1 + Float(cos(Double.pi * Double(u))))
        case let .cosine(peak):
            return peak * 0.5 * (1 + Float(cos(Double.pi * Double(t))))
        case let .step(peak, at, factor):
            return at.filter { t >= $0 }.reduce(peak) { rate, _ in rate * factor }
        }
    }
}
