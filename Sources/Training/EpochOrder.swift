import Tensors

/// The order in which training samples are visited, reproducible from the run's seed.
public enum EpochOrder {
    /// The permutation of `0 ..< count` used in epoch `epoch` (0-based) of a run seeded with `seed`.
    ///
    /// Each epoch's order depends only on (seed, epoch), not on what ran before, so a re-run or
    /// a resumed run sees exactly the same batches. Drawn by Fisher–Yates from a
    /// `SeededGenerator` whose seed mixes in the epoch with an odd 64-bit constant.
    public static func permutation(count: Int, seed: UInt64, epoch: Int) -> [Int] {
        var generator = SeededGenerator(seed: seed ^ (0x5851_f42d_4c95_7f2d &* UInt64(epoch + 1)))
        return generator.permutation(count)
    }
}
