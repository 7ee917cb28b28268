#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Softmax of logit vectors outside the autodiff tape (the tape's own is `Tensor.softmax`, built
/// from log-sum-exp): `p_k = exp(z_k − m) / Σ_j exp(z_j − m)` with `m = max z`, the shift and the
/// sum in Double so that the probabilities add to 1 within rounding.
public enum Softmax {
    /// The shift `m = max z` and the sum `Σ_j exp(z_j − m)` of `count` logits at `row`.
    @inlinable
    public static func partition(_ row: UnsafePointer<Float>, count: Int) -> (peak: Double, total: Double) {
        var peak = -Float.infinity
        for k in 0..<count { peak = max(peak, row[k]) }
        let shift = Double(peak)
        var total = 0.0
        for k in 0..<count { total += exp(Double(row[k]) - shift) }
        return (shift, total)
    }

    /// Replaces each of the `count` logits at `row` by its probability.
    @inlinable
    public static func normalize(_ row: UnsafeMutablePointer<Float>, count: Int) {
        guard count > 0 else { return }
        let (peak, total) = partition(row, count: count)
        for k in 0..<count { row[k] = Float(exp(Double(row[k]) - peak) / total) }
    }

    /// The probabilities of `logits`; empty for an empty input.
    public static func probabilities(_ logits: [Float]) -> [Float] {
        guard !logits.isEmpty else { return [] }
        var out = logits
        out.withUnsafeMutableBufferPointer { normalize($0.baseAddress!, count: $0.count) }
        return out
    }

    /// The probability of class `index`, in Double.
    public static func probability(of index: Int, in logits: [Float]) -> Double {
        logits.withUnsafeBufferPointer { z in
            let (peak, total) = partition(z.baseAddress!, count: z.count)
            return exp(Double(z[index]) - peak) / total
        }
    }
}
