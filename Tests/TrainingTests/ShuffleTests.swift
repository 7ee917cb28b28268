import Training
import XCTest

final class ShuffleTests: XCTestCase {
    func testSameSeedAndEpochGiveTheSameOrder() {
        let a = EpochOrder.permutation(count: 1000, seed: 42, epoch: 3)
        let b = EpochOrder.permutation(count: 1000, seed: 42, epoch: 3)
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.sorted(), Array(0 ..< 1000), "must be a permutation")
    }

    func testSeedsAndEpochsChangeTheOrder() {
        let base = EpochOrder.permutation(count: 1000, seed: 42, epoch: 0)
        XCTAssertNotEqual(base, EpochOrder.permutation(count: 1000, seed: 43, epoch: 0))
        XCTAssertNotEqual(base, EpochOrder.permutation(count: 1000, seed: 42, epoch: 1))
        XCTAssertNotEqual(base, Array(0 ..< 1000))
    }

    func testEdgeCounts() {
        XCTAssertEqual(EpochOrder.permutation(count: 0, seed: 1, epoch: 0), [])
        XCTAssertEqual(EpochOrder.permutation(count: 1, seed: 1, epoch: 0), [0])
    }

    /// Every element lands in every position about equally often (chi-square on 4 elements).
    func testPermutationIsUniform() {
        var counts = [[Int]](repeating: [Int](repeating: 0, count: 4), count: 4)
        let trials = 8000
        for t in 0 ..< trials {
            for (position, element) in EpochOrder.permutation(count: 4, seed: UInt64(t), epoch: 0).enumerated() {
                counts[element][position] += 1
            }
        }
        let expected = Double(trials) / 4
        let chi2 = counts.joined().reduce(0.0) { $0 + pow(Double($1) - expected, 2) / expected }
        // 9 degrees of freedom; the 0.999 quantile of chi-square(9) is 27.9.
        XCTAssertLessThan(chi2, 27.9, "position counts \(counts)")
    }
}
