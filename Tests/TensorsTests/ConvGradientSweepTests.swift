import Tensors
import XCTest

/// Convolution gradients (input, weight, bias) against finite differences, swept over batch,
/// channels, groups (including depthwise), kernel, stride and padding (including asymmetric and
/// TensorFlow SAME), plus the fused clamp epilogue.
final class ConvGradientSweepTests: XCTestCase {
    struct Case: CustomStringConvertible {
        var batch = 1, height = 5, width = 5, inChannels = 2, outChannels = 2
        var kernel = (3, 3), stride = (1, 1), padding = Padding2D.valid, groups = 1, bias = true
        var clamp: ClosedRange<Float>?
        var description: String {
            "n\(batch) \(height)×\(width) \(inChannels)→\(outChannels) k\(kernel) s\(stride) \(padding) g\(groups) bias \(bias) clamp \(String(describing: clamp))"
        }
    }

    func check(_ c: Case, seed: UInt64, file: StaticString = #filePath, line: UInt = #line) {
        var inputs = [randomTensor([c.batch, c.height, c.width, c.inChannels], seed: seed),
                      randomTensor([c.kernel.0, c.kernel.1, c.inChannels / c.groups, c.outChannels], seed: seed + 1)]
        if c.bias { inputs.append(randomTensor([c.outChannels], seed: seed + 2)) }
        assertGradientsMatchFiniteDifferences(inputs, epsilon: c.clamp == nil ? 1e-2 : 1e-3,
                                              tolerance: c.clamp == nil ? 1e-2 : 3e-2, c.description, file: file, line: line) { p in
            p[0].conv2d(weight: p[1], bias: c.bias ? p[2] : nil, stride: c.stride, padding: c.padding,
                        groups: c.groups, clamp: c.clamp)
        }
    }

    func testBatchAndChannels() {
        for (batch, cin, cout) in [(1, 1, 1), (2, 3, 4), (3, 2, 5)] {
            check(Case(batch: batch, inChannels: cin, outChannels: cout), seed: UInt64(100 + batch))
        }
    }

    func testGroups() {
        for (cin, cout, groups) in [(4, 6, 2), (6, 3, 3), (4, 4, 4), (3, 6, 3)] {
            check(Case(batch: 2, inChannels: cin, outChannels: cout, padding: .symmetric(1), groups: groups), seed: UInt64(200 + groups))
        }
    }

    func testKernels() {
        for kernel in [(1, 1), (3, 3), (5, 5), (1, 3), (3, 2)] {
            check(Case(height: 6, width: 6, kernel: kernel), seed: UInt64(300 + kernel.0 * 10 + kernel.1))
        }
    }

    func testStrides() {
        for stride in [(2, 2), (3, 1), (1, 2)] {
            check(Case(height: 7, width: 6, stride: stride, padding: .symmetric(1)), seed: UInt64(400 + stride.0 * 10 + stride.1))
        }
    }

    func testPaddings() {
        let paddings: [Padding2D] = [.valid, .symmetric(2), .explicit(top: 0, left: 1, bottom: 2, right: 0), .same]
        for (index, padding) in paddings.enumerated() {
            check(Case(batch: 2, height: 6, width: 5, stride: (2, 2), padding: padding), seed: UInt64(500 + index))
        }
    }

    func testDepthwiseSameLikeEfficientNet() {
        for (kernel, stride) in [(3, 1), (3, 2), (5, 2), (5, 1)] {
            check(Case(batch: 2, height: 8, width: 8, inChannels: 4, outChannels: 4, kernel: (kernel, kernel),
                       stride: (stride, stride), padding: .same, groups: 4, bias: false), seed: UInt64(600 + kernel * 10 + stride))
        }
    }

    func testFusedClamp() {
        check(Case(batch: 2, inChannels: 3, outChannels: 4, padding: .same, clamp: 0...1.5), seed: 700)
        check(Case(inChannels: 4, outChannels: 4, padding: .same, groups: 4, clamp: 0...Float.infinity), seed: 701)
    }
}
