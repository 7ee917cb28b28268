@testable import Training
import XCTest

final class ShuffleTests: XCTestCase {
    func testSameSeedAndEpochGiveTheSameOrder() {
        let a = SeededGenerator.permutation(count: 1000, seed: 42, epoch: 3)
        let b = SeededGenerator.permutation(count: 1000, seed: 42, epoch: 3)
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.sorted(), Array(0 ..< 1000), "must be a permutation")
    }

    func testSeedsAndEpochsChangeTheOrder() {
        let base = SeededGenerator.permutation(count: 1000, seed: 42, epoch: 0)
        XCTAssertNotEqual(base, SeededGenerator.permutation(count: 1000, seed: 43, epoch: 0))
        XCTAssertNotEqual(base, SeededGenerator.permutation(count: 1000, seed: 42, epoch: 1))
        XCTAssertNotEqual(base, Array(0 ..< 1000))
    }

    func testEdgeCounts() {
        XCTAssertEqual(SeededGenerator.permutation(count: 0, seed: 1, epoch: 0), [])
        XCTAssertEqual(SeededGenerator.permutation(count: 1, seed: 1, epoch: 0), [0])
    }

    /// Every element lands in every position about equally often (chi-square on 4 elements).
    func testPermutationIsUniform() {
        var counts = [[Int]](repeating: [Int](repeating: 0, count: 4), count: 4)
        let trials = 8000
        for t in 0 ..< trials {
            for (position, element) in SeededGenerator.permutation(count: 4, seed: UInt64(t), epoch: 0).enumerated() {
                counts[element][position] += 1
            }
        }
        let expected = Double(trials) / 4
        let chi2 = counts.joined().reduce(0.0) { $0 + pow(Double($1) - expected, 2) / expected }
        // 9 degrees of freedom; the 0.999 quantile of chi-square(9) is 27.9.
        XCTAssertLessThan(chi2, 27.9, "position counts \(counts)")
    }

    /// SplitMix64 from seed 0 gives the published first output 0xE220A8397B1DCDAF.
    func testSplitMixReferenceValue() {
        var g = SeededGenerator(seed: 0)
        XCTAssertEqual(g.next(), 0xe220_a839_7b1d_cdaf)
    }

    func testBelowStaysInRange() {
        var g = SeededGenerator(seed: 7)
        for bound in [1, 2, 3, 10, 1000, Int(Int32.max)] {
            for _ in 0 ..< 200 {
                let v = g.below(bound)
                XCTAssertTrue((0 ..< bound).contains(v), "below(\(bound)) gave \(v)")
            }
        }
    }
}
