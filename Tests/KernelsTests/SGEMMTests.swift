import XCTest
@testable import _Kernels

/// SGEMM against a Double triple loop: all four transpose combinations, odd sizes, strides wider
/// than the rows, alpha/beta, and sizes large enough to cross every cache block boundary.
final class SGEMMTests: XCTestCase {
    /// Runs one case and compares with `alpha·Σ a·b + beta·c` computed in Double.
    func check(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
               alpha: Float, beta: Float, pad: Int = 0, seed: UInt64 = 1,
               file: StaticString = #filePath, line: UInt = #line) {
        let (aRows, aCols) = transposeA ? (k, m) : (m, k)
        let (bRows, bCols) = transposeB ? (n, k) : (k, n)
        let lda = aCols + pad, ldb = bCols + pad, ldc = n + pad
        let a = randomFloats(max(aRows * lda, 1), seed: seed)
        let b = randomFloats(max(bRows * ldb, 1), seed: seed + 1)
        var c = randomFloats(max(m * ldc, 1), seed: seed + 2)
        if beta == 0 { for i in 0..<(m * ldc) where i % ldc < n { c[i] = .nan } }
        let c0 = c
        var expected = [Double](), scale = [Double](), observed = [Float]()
        Kernels.sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                      a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: &c, ldc: ldc)
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0, absSum = 0.0
                for p in 0..<k {
                    let av = Double(transposeA ? a[p * lda + i] : a[i * lda + p])
                    let bv = Double(transposeB ? b[j * ldb + p] : b[p * ldb + j])
                    sum += av * bv
                    absSum += abs(av * bv)
                }
                let old = beta == 0 ? 0 : Double(beta) * Double(c0[i * ldc + j])
                expected.append(Double(alpha) * sum + old)
                scale.append(abs(Double(alpha)) * absSum + abs(old))
                observed.append(c[i * ldc + j])
            }
        }
        assertClose(observed, expected, scale: scale,
                    "sgemm tA=\(transposeA) tB=\(transposeB) m=\(m) n=\(n) k=\(k) α=\(alpha) β=\(beta) pad=\(pad)",
                    file: file, line: line)
        for i in 0..<m {
            for j in n..<ldc where c[i * ldc + j].bitPattern != c0[i * ldc + j].bitPattern {
                XCTFail("sgemm wrote outside C at row \(i) column \(j)", file: file, line: line)
            }
        }
    }

    func testAllTransposesOddSizes() {
        let sizes = [(1, 1, 1), (2, 3, 4), (7, 13, 5), (17, 33, 9), (6, 16, 1), (5, 31, 70), (65, 19, 33)]
        for (tA, tB) in [(false, false), (true, false), (false, true), (true, true)] {
            for (m, n, k) in sizes {
                check(transposeA: tA, transposeB: tB, m: m, n: n, k: k, alpha: 1, beta: 0)
                check(transposeA: tA, transposeB: tB, m: m, n: n, k: k, alpha: -0.5, beta: 1.5, pad: 3)
            }
        }
    }

    func testLargerThanCacheBlocks() {
        for (tA, tB) in [(false, false), (true, false), (false, true), (true, true)] {
            check(transposeA: tA, transposeB: tB, m: 301, n: 533, k: 290, alpha: 1, beta: 0, seed: 7)
        }
        check(transposeA: false, transposeB: false, m: 97, n: 45, k: 1100, alpha: 2, beta: 1, pad: 5, seed: 9)
        check(transposeA: false, transposeB: false, m: 1000, n: 24, k: 40, alpha: 1, beta: 0.25, seed: 11)
        check(transposeA: false, transposeB: true, m: 7, n: 2100, k: 20, alpha: 1, beta: 0, seed: 13)
    }

    func testKZeroScalesByBeta() {
        check(transposeA: false, transposeB: false, m: 3, n: 5, k: 0, alpha: 1, beta: 2)
        check(transposeA: true, transposeB: true, m: 3, n: 5, k: 0, alpha: 1, beta: 0)
    }

    func testEmptyOutputDoesNothing() {
        var c: [Float] = [42]
        Kernels.sgemm(transposeA: false, transposeB: false, m: 0, n: 5, k: 3, alpha: 1,
                      a: [1], lda: 3, b: [1], ldb: 5, beta: 0, c: &c, ldc: 5)
        XCTAssertEqual(c, [42], "m = 0 must not touch C")
    }
}
