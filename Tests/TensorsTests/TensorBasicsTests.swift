import Tensors
import XCTest

/// Forward values of the shape, broadcasting and reduction machinery against direct index
/// arithmetic, and the seeded generator.
final class TensorBasicsTests: XCTestCase {
    /// Element of a broadcast operand at output multi-index `index` (right-aligned, extent-1 axes repeat).
    private func broadcastElement(_ t: Tensor, _ index: [Int]) -> Float {
        var offset = 0
        let shift = index.count - t.rank
        for axis in 0..<t.rank {
            offset = offset * t.shape[axis] + (t.shape[axis] == 1 ? 0 : index[axis + shift])
        }
        return t.scalars[offset]
    }

    private func multiIndex(_ flat: Int, _ shape: [Int]) -> [Int] {
        var rest = flat
        var index = [Int](repeating: 0, count: shape.count)
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            index[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        return index
    }

    func testBroadcastingMatchesIndexArithmetic() {
        let pairs: [([Int], [Int], [Int])] = [
            ([2, 3, 4], [4], [2, 3, 4]), ([2, 1, 4], [3, 1], [2, 3, 4]), ([1], [2, 2], [2, 2]),
            ([], [3, 2], [3, 2]), ([5, 1, 1, 3], [1, 4, 2, 1], [5, 4, 2, 3]), ([2, 3], [2, 3], [2, 3]),
        ]
        for (index, (sa, sb, expectedShape)) in pairs.enumerated() {
            let a = randomTensor(sa, seed: UInt64(index)), b = randomTensor(sb, seed: UInt64(index + 50))
            let c = a * b - b
            XCTAssertEqual(c.shape, expectedShape)
            for i in 0..<c.count {
                let at = multiIndex(i, expectedShape)
                let x = broadcastElement(a, at), y = broadcastElement(b, at)
                XCTAssertEqual(c.scalars[i], x * y - y, "\(sa) with \(sb) at \(at)")
            }
        }
    }

    func testLargeTensorsTakeTheParallelPathWithIdenticalResults() {
        let n = 1 << 19
        let a = Tensor(shape: [n / 64, 64], scalars: (0..<n).map { Float($0 % 1000) })
        let bias = Tensor(shape: [64], scalars: (0..<64).map(Float.init))
        let sum = a + bias
        for i in stride(from: 0, to: n, by: 997) { XCTAssertEqual(sum.scalars[i], Float(i % 1000) + Float(i % 64)) }
        let relu = (a - 500).relu()
        for i in stride(from: 0, to: n, by: 991) { XCTAssertEqual(relu.scalars[i], max(Float(i % 1000) - 500, 0)) }
    }

    func testReductions() {
        let x = Tensor(shape: [2, 3, 2], scalars: (0..<12).map(Float.init))
        XCTAssertEqual(x.sum().scalars, [66])
        XCTAssertEqual(x.sum(axes: [1]).scalars, [6, 9, 24, 27])
        XCTAssertEqual(x.sum(axes: [0, 2]).scalars, [14, 22, 30])
        XCTAssertEqual(x.sum(axes: [-1], keepingDimensions: true).shape, [2, 3, 1])
        XCTAssertEqual(x.mean(axes: [0]).scalars, [3, 4, 5, 6, 7, 8])
        XCTAssertEqual(x.max(axes: [1]).scalars, [4, 5, 10, 11])
        XCTAssertEqual(Tensor(shape: [2, 3], scalars: [1, 5, 5, -1, -3, -2]).argmax(), [1, 0])
    }

    func testReshapePermuteTranspose() {
        let x = Tensor(shape: [2, 3, 4], scalars: (0..<24).map(Float.init))
        XCTAssertEqual(x.reshaped([4, -1]).shape, [4, 6])
        let p = x.permuted([2, 0, 1])
        XCTAssertEqual(p.shape, [4, 2, 3])
        for i in 0..<4 { for j in 0..<2 { for k in 0..<3 {
            XCTAssertEqual(p.scalars[(i * 2 + j) * 3 + k], x.scalars[(j * 3 + k) * 4 + i])
        } } }
        XCTAssertEqual(Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]).transposed().scalars, [1, 4, 2, 5, 3, 6])
    }

    func testRowsAndConcatenate() {
        let x = Tensor(shape: [3, 2], scalars: [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(x.rows([2, 0]).scalars, [4, 5, 0, 1])
        XCTAssertEqual(x.rows(1..<3).shape, [2, 2])
        let joined = Tensor.concatenate([x, x.rows([1])])
        XCTAssertEqual(joined.shape, [4, 2])
        XCTAssertEqual(joined.scalars, [0, 1, 2, 3, 4, 5, 2, 3])
    }

    func testMatmulValues() {
        let a = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let b = Tensor(shape: [3, 2], scalars: [7, 8, 9, 10, 11, 12])
        XCTAssertEqual(a.matmul(b).scalars, [58, 64, 139, 154])
        XCTAssertEqual(a.matmul(a, transposeOther: true).scalars, [14, 32, 32, 77])
        XCTAssertEqual(a.matmul(a, transposeSelf: true).shape, [3, 3])
    }

    func testSeededGenerator() {
        var g1 = SeededGenerator(seed: 0), g2 = SeededGenerator(seed: 0)
        XCTAssertEqual((0..<5).map { _ in g1.next() }, (0..<5).map { _ in g2.next() })
        var g = SeededGenerator(seed: 9)
        let uniform = (0..<20_000).map { _ in g.nextUniform() }
        XCTAssertTrue(uniform.allSatisfy { $0 >= 0 && $0 < 1 })
        XCTAssertEqual(uniform.reduce(0, +) / 20_000, 0.5, accuracy: 0.01)
        let normal = (0..<20_000).map { _ in g.nextNormal() }
        let mean = normal.reduce(0, +) / 20_000
        let variance = normal.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 20_000
        XCTAssertEqual(mean, 0, accuracy: 0.03)
        XCTAssertEqual(variance, 1, accuracy: 0.05)
        XCTAssertEqual(g.permutation(100).sorted(), Array(0..<100))
    }

    func testTensorFlowSamePadding() {
        XCTAssertEqual(Padding2D.same.resolve(height: 224, width: 224, kernelHeight: 3, kernelWidth: 3, strideY: 2, strideX: 2).top, 0)
        XCTAssertEqual(Padding2D.same.resolve(height: 224, width: 224, kernelHeight: 3, kernelWidth: 3, strideY: 2, strideX: 2).bottom, 1)
        let p = Padding2D.same.resolve(height: 7, width: 8, kernelHeight: 5, kernelWidth: 5, strideY: 1, strideX: 2)
        XCTAssertEqual([p.top, p.left, p.bottom, p.right], [2, 1, 2, 2])
    }
}
