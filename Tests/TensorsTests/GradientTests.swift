import Tensors
import XCTest

/// Every differentiable op against central finite differences (see
/// `assertGradientsMatchFiniteDifferences` for the tolerance), one line per op. Inputs of
/// piecewise-linear ops are kept at least 0.05 from their kinks.
final class GradientTests: XCTestCase {
    // MARK: - Elementwise and broadcasting

    func testAdd() { assertGradientsMatchFiniteDifferences([randomTensor([2, 3, 4], seed: 1), randomTensor([3, 1], seed: 2)]) { $0[0] + $0[1] } }
    func testSub() { assertGradientsMatchFiniteDifferences([randomTensor([4], seed: 3), randomTensor([2, 3, 4], seed: 4)]) { $0[0] - $0[1] } }
    func testMul() { assertGradientsMatchFiniteDifferences([randomTensor([2, 1, 4], seed: 5), randomTensor([3, 1], seed: 6)]) { $0[0] * $0[1] } }
    func testDiv() { assertGradientsMatchFiniteDifferences([randomTensor([2, 3], seed: 7), randomTensor([3], seed: 8, margin: 0.5)]) { $0[0] / $0[1] } }
    func testScalarOps() { assertGradientsMatchFiniteDifferences([randomTensor([5], seed: 9, margin: 0.5)]) { 2 - ($0[0] * 3 + 1) / 2 + 1 / $0[0] } }
    func testExp() { assertGradientsMatchFiniteDifferences([randomTensor([2, 5], seed: 10)]) { $0[0].exp() } }
    func testLog() { assertGradientsMatchFiniteDifferences([randomTensor([2, 5], seed: 11, scale: 0.5, margin: 0.6)]) { ($0[0] * $0[0]).log() } }
    func testSqrt() { assertGradientsMatchFiniteDifferences([randomTensor([7], seed: 12, scale: 0.5, margin: 0.6)]) { ($0[0] * $0[0]).sqrt() } }
    func testRelu() { assertGradientsMatchFiniteDifferences([randomTensor([3, 4], seed: 13, margin: 0.05)]) { $0[0].relu() } }
    func testClamp() { assertGradientsMatchFiniteDifferences([randomTensor([3, 4], seed: 14, scale: 2, margin: 0.05)]) { $0[0].clamped(lower: -0.5, upper: 1) } }
    func testRelu6() { assertGradientsMatchFiniteDifferences([randomTensor([20], seed: 15, scale: 8, margin: 0.05)]) { $0[0].relu6() } }

    // MARK: - Reductions and shapes

    func testSumAxes() { assertGradientsMatchFiniteDifferences([randomTensor([2, 3, 4], seed: 16)]) { $0[0].sum(axes: [0, 2]) } }
    func testSumKeepingDimensions() { assertGradientsMatchFiniteDifferences([randomTensor([2, 3, 4], seed: 17)]) { $0[0].sum(axes: [1], keepingDimensions: true) * $0[0] } }
    func testMean() { assertGradientsMatchFiniteDifferences([randomTensor([3, 5], seed: 18)]) { $0[0].mean(axes: [-1]) } }
    func testReshapeFlatten() { assertGradientsMatchFiniteDifferences([randomTensor([2, 2, 3, 2], seed: 19)]) { ($0[0].flattened() * $0[0].reshaped([2, -1])).reshaped([3, 8]) } }
    func testPermute() { assertGradientsMatchFiniteDifferences([randomTensor([2, 3, 4, 5], seed: 20), randomTensor([4, 2, 5, 3], seed: 21)]) { $0[0].permuted([2, 0, 3, 1]) * $0[1] } }
    func testRowsGatherWithRepeats() { assertGradientsMatchFiniteDifferences([randomTensor([4, 2, 3], seed: 65)]) { $0[0].rows([3, 0, 3, 1]) } }
    func testConcatenate() { assertGradientsMatchFiniteDifferences([randomTensor([2, 3], seed: 66), randomTensor([1, 3], seed: 67)]) { Tensor.concatenate([$0[0], $0[1], $0[0]]) } }
    func testTranspose() { assertGradientsMatchFiniteDifferences([randomTensor([3, 4], seed: 22)]) { $0[0].transposed() } }

    // MARK: - Linear algebra

    func testMatmul() { assertGradientsMatchFiniteDifferences([randomTensor([3, 4], seed: 23), randomTensor([4, 5], seed: 24)]) { $0[0].matmul($0[1]) } }
    func testMatmulTransposes() {
        for (ta, tb) in [(true, false), (false, true), (true, true)] {
            let a = randomTensor(ta ? [4, 3] : [3, 4], seed: 25), b = randomTensor(tb ? [5, 4] : [4, 5], seed: 26)
            assertGradientsMatchFiniteDifferences([a, b], "transposes \(ta) \(tb)") { $0[0].matmul($0[1], transposeSelf: ta, transposeOther: tb) }
        }
    }
    func testLinear() { assertGradientsMatchFiniteDifferences([randomTensor([4, 5], seed: 27), randomTensor([3, 5], seed: 28), randomTensor([3], seed: 29)]) { $0[0].linear(weight: $0[1], bias: $0[2]) } }

    // MARK: - Normalisation

    func testBatchNormTraining() {
        let stats = (Tensor.zeros([4]), Tensor.ones([4]))
        assertGradientsMatchFiniteDifferences([randomTensor([3, 2, 2, 4], seed: 30, scale: 2), randomTensor([4], seed: 31), randomTensor([4], seed: 32)]) {
            $0[0].batchNorm(runningMean: stats.0.detached(), runningVariance: stats.1.detached(), weight: $0[1], bias: $0[2], training: true)
        }
    }
    func testBatchNormInference() {
        let mean = randomTensor([4], seed: 33), variance = Tensor(shape: [4], scalars: [0.5, 1.2, 0.8, 2])
        assertGradientsMatchFiniteDifferences([randomTensor([2, 3, 2, 4], seed: 35), randomTensor([4], seed: 36), randomTensor([4], seed: 37)]) {
            $0[0].batchNorm(runningMean: mean, runningVariance: variance, weight: $0[1], bias: $0[2], training: false, epsilon: 1e-3)
        }
    }
    func testAffineChannels() { assertGradientsMatchFiniteDifferences([randomTensor([2, 3, 5], seed: 38), randomTensor([5], seed: 39), randomTensor([5], seed: 40)]) { $0[0].affineChannels(scale: $0[1], shift: $0[2]) } }

    // MARK: - Pooling

    /// Values on a 0.1 grid in shuffled order: every window has a unique maximum by ≥ 0.1.
    private func distinctValues(_ shape: [Int], seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        let count = shape.reduce(1, *)
        return Tensor(shape: shape, scalars: generator.permutation(count).map { Float($0) * 0.1 - Float(count) * 0.05 })
    }
    func testMaxPool() { assertGradientsMatchFiniteDifferences([distinctValues([2, 5, 5, 3], seed: 41)]) { $0[0].maxPool2d(kernel: (3, 3), stride: (2, 2), padding: .symmetric(1)) } }
    func testMaxPoolDefaultStride() { assertGradientsMatchFiniteDifferences([distinctValues([1, 4, 6, 2], seed: 42)]) { $0[0].maxPool2d(kernel: (2, 2)) } }
    func testAvgPool() { assertGradientsMatchFiniteDifferences([randomTensor([2, 5, 5, 3], seed: 43)]) { $0[0].avgPool2d(kernel: (3, 3), stride: (2, 2), padding: .symmetric(1)) } }
    func testAvgPoolAsymmetric() { assertGradientsMatchFiniteDifferences([randomTensor([1, 6, 5, 2], seed: 44)]) { $0[0].avgPool2d(kernel: (2, 3), stride: (2, 1)) } }
    func testGlobalAveragePool() { assertGradientsMatchFiniteDifferences([randomTensor([2, 3, 4, 5], seed: 45)]) { $0[0].globalAveragePool() } }

    // MARK: - Losses

    func testSoftmax() { assertGradientsMatchFiniteDifferences([randomTensor([3, 6], seed: 46, scale: 3)]) { $0[0].softmax() } }
    func testLogSoftmax() { assertGradientsMatchFiniteDifferences([randomTensor([3, 6], seed: 47, scale: 3)]) { $0[0].logSoftmax() } }
    func testLogSumExpMiddleAxis() { assertGradientsMatchFiniteDifferences([randomTensor([2, 4, 3], seed: 48, scale: 3)]) { $0[0].logSumExp(axis: 1) } }
    func testCrossEntropyMean() { assertGradientsMatchFiniteDifferences([randomTensor([4, 5], seed: 49, scale: 3)]) { $0[0].crossEntropy(labels: [0, 4, 2, 2]) } }
    func testCrossEntropyPerSample() { assertGradientsMatchFiniteDifferences([randomTensor([3, 7], seed: 50, scale: 3)]) { $0[0].crossEntropy(labels: [6, 0, 3], reduction: .none) } }
    func testDropout() {
        assertGradientsMatchFiniteDifferences([randomTensor([4, 6], seed: 51)]) { inputs in
            var generator = SeededGenerator(seed: 99)  // the same mask on every evaluation
            return inputs[0].dropout(probability: 0.3, training: true, generator: &generator)
        }
    }

    // MARK: - Composite paths used by the later issues

    /// A small CNN training step: conv → BN (training) → ReLU → max pool → flatten → linear → CE,
    /// differentiated with respect to the input (PGD) and every parameter (training).
    func testSmallCNNPath() {
        var generator = SeededGenerator(seed: 52)
        let image = randomTensor([2, 6, 6, 1], seed: 53)
        let conv = Tensor.randomNormal([3, 3, 1, 4], standardDeviation: 0.5, generator: &generator)
        let convBias = randomTensor([4], seed: 54, scale: 0.1)
        let gamma = randomTensor([4], seed: 55, scale: 0.2, margin: 0.8), beta = randomTensor([4], seed: 56, scale: 0.1)
        let fc = randomTensor([3, 36], seed: 57, scale: 0.3), fcBias = randomTensor([3], seed: 58, scale: 0.1)
        // ε = 1e-3 so that ReLU and max-pool kinks are not crossed by the perturbation.
        assertGradientsMatchFiniteDifferences([image, conv, convBias, gamma, beta, fc, fcBias], epsilon: 1e-3, tolerance: 3e-2) { p in
            p[0].conv2d(weight: p[1], bias: p[2], padding: .symmetric(1))
                .batchNorm(runningMean: .zeros([4]), runningVariance: .ones([4]), weight: p[3], bias: p[4], training: true)
                .relu().maxPool2d(kernel: (2, 2)).flattened().linear(weight: p[5], bias: p[6])
                .crossEntropy(labels: [2, 0])
        }
    }

    /// An MBConv-like inference path: SAME depthwise conv with fused ReLU6, BN folded, residual add,
    /// global pool, linear, CE; the input gradient is what FGSM needs.
    func testMBConvInputGradient() {
        let image = randomTensor([1, 5, 5, 3], seed: 59)
        let expand = randomTensor([1, 1, 3, 6], seed: 60, scale: 0.5), depthwise = randomTensor([3, 3, 1, 6], seed: 61, scale: 0.5)
        let project = randomTensor([1, 1, 6, 3], seed: 62, scale: 0.5), bias = randomTensor([6], seed: 63, scale: 0.3)
        let fc = randomTensor([4, 3], seed: 64)
        assertGradientsMatchFiniteDifferences([image, expand, depthwise, project], epsilon: 1e-3, tolerance: 3e-2) { p in
            let hidden = p[0].conv2d(weight: p[1], bias: bias, clamp: 0...6)
                .conv2d(weight: p[2], padding: .same, groups: 6, clamp: 0...6)
            return (hidden.conv2d(weight: p[3]) + p[0]).globalAveragePool().linear(weight: fc).crossEntropy(labels: [1])
        }
    }
}
