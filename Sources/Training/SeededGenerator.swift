/// A small, fast, seedable random number generator (SplitMix64, Steele, Lea and Flood 2014).
///
/// Used for everything in training that must be reproducible from `--seed`: the epoch
/// shuffles, the poisons' random starts, and the order of work. The same seed gives the same
/// stream on every platform, unlike `SystemRandomNumberGenerator`.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose stream is fully determined by `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        // SplitMix64: golden-ratio increment, then two xor-shift-multiply rounds.
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// A uniform integer in `0 ..< bound` without modulo bias (Lemire 2019), for bound ≥ 1.
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive, got \(bound)")
        let b = UInt64(bound)
        var product = next().multipliedFullWidth(by: b)
        if product.low < b {
            let threshold = (0 &- b) % b
            while product.low < threshold { product = next().multipliedFullWidth(by: b) }
        }
        return Int(product.high)
    }

    /// The permutation of `0 ..< count` used for epoch `epoch` of a run seeded with `seed`.
    ///
    /// Each epoch's order depends only on (seed, epoch), so a resumed or re-run training sees
    /// exactly the same batches. Fisher–Yates with `below`.
    public static func permutation(count: Int, seed: UInt64, epoch: Int) -> [Int] {
        var generator = SeededGenerator(seed: seed ^ (0x5851_f42d_4c95_7f2d &* UInt64(epoch + 1)))
        var order = Array(0 ..< count)
        if count < 2 { return order }
        for i in stride(from: count - 1, to: 0, by: -1) {
            order.swapAt(i, generator.below(i + 1))
        }
        return order
    }
}
