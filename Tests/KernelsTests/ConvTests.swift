import XCTest
@testable import _Kernels

// MARK: - Double references

/// The convolution written out once more, in Double, group by group:
/// `// n y x c, ky kx c' k -> n oy ox k`. Returns the values and, per output, `Σ|terms|`.
func referenceConv(_ g: ConvGeometry, _ input: [Float], _ weight: [Float], _ bias: [Float]?)
    -> (values: [Double], scale: [Double]) {
    let (oh, ow) = (g.outHeight, g.outWidth)
    let cinG = g.inChannels / g.groups, coutG = g.outChannels / g.groups
    var values = [Double](repeating: 0, count: g.batch * oh * ow * g.outChannels)
    var scale = values
    for n in 0..<g.batch {
        for group in 0..<g.groups {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    for kLocal in 0..<coutG {
                        let k = group * coutG + kLocal
                        var sum = Double(bias?[k] ?? 0), absSum = abs(sum)
                        for ky in 0..<g.kernelHeight {
                            for kx in 0..<g.kernelWidth {
                                let y = oy * g.strideY + ky - g.padTop, x = ox * g.strideX + kx - g.padLeft
                                guard (0..<g.height).contains(y), (0..<g.width).contains(x) else { continue }
                                for cLocal in 0..<cinG {
                                    let c = group * cinG + cLocal
                                    let term = Double(input[((n * g.height + y) * g.width + x) * g.inChannels + c])
                                        * Double(weight[((ky * g.kernelWidth + kx) * cinG + cLocal) * g.outChannels + k])
                                    sum += term
                                    absSum += abs(term)
                                }
                            }
                        }
                        let o = ((n * oh + oy) * ow + ox) * g.outChannels + k
                        values[o] = sum
                        scale[o] = absSum
                    }
                }
            }
        }
    }
    return (values, scale)
}

// MARK: - Cases

/// The sweep: batch, channels, groups (ordinary, grouped, depthwise), kernel 1/3/5, stride 1/2,
/// no, symmetric, asymmetric and TF-SAME padding, and shapes the fast paths take
/// (channels that are and are not multiples of 8).
func convSweep() -> [ConvGeometry] {
    var cases = [ConvGeometry]()
    let channelSets: [(cin: Int, cout: Int, groups: Int)] = [
        (3, 5, 1), (4, 6, 2), (6, 9, 3), (8, 8, 8), (13, 13, 13), (19, 19, 19), (16, 24, 1),
    ]
    for batch in [1, 2] {
        for ch in channelSets {
            for kernel in [1, 3, 5] {
                for stride in [1, 2] {
                    let pads: [(Int, Int, Int, Int)] = [
                        (0, 0, 0, 0), (1, 2, 0, 1),
                        (ConvGeometry.samePadding(size: 9, kernel: kernel, stride: stride).before,
                         ConvGeometry.samePadding(size: 7, kernel: kernel, stride: stride).before,
                         ConvGeometry.samePadding(size: 9, kernel: kernel, stride: stride).after,
                         ConvGeometry.samePadding(size: 7, kernel: kernel, stride: stride).after),
                    ]
                    for (t, l, b, r) in pads {
                        cases.append(ConvGeometry(batch: batch, height: 9, width: 7, inChannels: ch.cin,
                                                  outChannels: ch.cout, kernelHeight: kernel, kernelWidth: kernel,
                                                  strideY: stride, strideX: stride, padTop: t, padLeft: l,
                                                  padBottom: b, padRight: r, groups: ch.groups))
                    }
                }
            }
        }
    }
    // EfficientNet-Lite0-like layers at a reduced size: stem, 1×1 expand/project, depthwise 3×3/5×5.
    func same(_ h: Int, _ k: Int, _ s: Int) -> (Int, Int) {
        let p = ConvGeometry.samePadding(size: h, kernel: k, stride: s)
        return (p.before, p.after)
    }
    let (sb, sa) = same(24, 3, 2)
    cases.append(ConvGeometry(batch: 1, height: 24, width: 24, inChannels: 3, outChannels: 32, kernelHeight: 3,
                              kernelWidth: 3, strideY: 2, strideX: 2, padTop: sb, padLeft: sb, padBottom: sa,
                              padRight: sa))
    cases.append(ConvGeometry(batch: 2, height: 10, width: 11, inChannels: 40, outChannels: 240,
                              kernelHeight: 1, kernelWidth: 1))
    cases.append(ConvGeometry(batch: 1, height: 9, width: 9, inChannels: 192, outChannels: 80,
                              kernelHeight: 1, kernelWidth: 1))
    for (k, s, c) in [(3, 1, 96), (3, 2, 32), (5, 1, 48), (5, 2, 144)] {
        let (b, a) = same(15, k, s)
        cases.append(ConvGeometry(batch: 2, height: 15, width: 15, inChannels: c, outChannels: c,
                                  kernelHeight: k, kernelWidth: k, strideY: s, strideX: s, padTop: b,
                                  padLeft: b, padBottom: a, padRight: a, groups: c))
    }
    // The direct path for few input channels: 32-channel blocks, 8-channel tails, borders.
    cases.append(ConvGeometry(batch: 2, height: 11, width: 13, inChannels: 3, outChannels: 40, kernelHeight: 3,
                              kernelWidth: 3, strideY: 2, strideX: 2, padTop: 0, padLeft: 1, padBottom: 1,
                              padRight: 1))
    cases.append(ConvGeometry(batch: 1, height: 9, width: 10, inChannels: 4, outChannels: 16, kernelHeight: 5,
                              kernelWidth: 5, padTop: 2, padLeft: 2, padBottom: 2, padRight: 2))
    // Several im2col chunks, grouped.
    cases.append(ConvGeometry(batch: 2, height: 12, width: 12, inChannels: 32, outChannels: 24, kernelHeight: 5,
                              kernelWidth: 5, padTop: 2, padLeft: 2, padBottom: 2, padRight: 2, groups: 2))
    cases.append(ConvGeometry(batch: 1, height: 3, width: 2, inChannels: 2, outChannels: 3, kernelHeight: 1,
                              kernelWidth: 1, strideY: 3, strideX: 2))
    cases.append(ConvGeometry(batch: 1, height: 4, width: 5, inChannels: 2, outChannels: 2, kernelHeight: 3,
                              kernelWidth: 2, strideY: 1, strideX: 3, padTop: 2, padLeft: 0, padBottom: 0,
                              padRight: 1))
    return cases
}

// MARK: - Tests

/// conv2d and its two backward passes: forward against the Double reference over the whole
/// sweep, and both backward passes against central finite differences of the Float forward.
final class ConvTests: XCTestCase {
    func testForwardMatchesReference() {
        for (index, g) in convSweep().enumerated() {
            let input = randomFloats(g.inputCount, seed: UInt64(3 * index))
            let weight = randomFloats(g.weightCount, seed: UInt64(3 * index + 1))
            let bias = randomFloats(g.outChannels, seed: UInt64(3 * index + 2))
            let withBias = index % 3 != 0
            var output = [Float](repeating: .nan, count: g.outputCount)
            Kernels.conv2d(g, input: input, weight: weight, bias: withBias ? bias : nil, output: &output)
            let ref = referenceConv(g, input, weight, withBias ? bias : nil)
            assertClose(output, ref.values, scale: ref.scale, "conv2d \(g)")
        }
    }

    func testEpilogueClamps() {
        for (index, g) in convSweep().enumerated() where index % 5 == 0 {
            let input = randomFloats(g.inputCount, seed: UInt64(index)).map { $0 * 4 }
            let weight = randomFloats(g.weightCount, seed: UInt64(index + 1))
            let bias = randomFloats(g.outChannels, seed: UInt64(index + 2))
            var output = [Float](repeating: .nan, count: g.outputCount)
            Kernels.conv2d(g, input: input, weight: weight, bias: bias, output: &output,
                           epilogue: .clamp(lower: -0.5, upper: 0.75))
            let ref = referenceConv(g, input, weight, bias)
            assertClose(output, ref.values.map { min(max($0, -0.5), 0.75) }, scale: ref.scale,
                        "conv2d clamp \(g)")
        }
    }

    /// The loss `L = Σ gradOutput · conv2d(input)` is linear in the input, the weight and the
    /// bias, so a central difference with step 1 has no truncation error: it checks the backward
    /// passes against the forward exactly, up to Float32 rounding of the forward.
    func finiteDifference(_ g: ConvGeometry, _ input: [Float], _ weight: [Float], _ bias: [Float],
                          _ gradOutput: [Float], perturb: (inout [Float], inout [Float], inout [Float], Float) -> Void)
        -> (value: Double, scale: Double) {
        func loss(_ step: Float) -> (Double, Double) {
            var i = input, w = weight, b = bias
            perturb(&i, &w, &b, step)
            var out = [Float](repeating: 0, count: g.outputCount)
            Kernels.conv2d(g, input: i, weight: w, bias: b, output: &out)
            var sum = 0.0, absSum = 0.0
            for j in out.indices {
                sum += Double(gradOutput[j]) * Double(out[j])
                absSum += abs(Double(gradOutput[j]) * Double(out[j]))
            }
            return (sum, absSum)
        }
        let (plus, s1) = loss(1), (minus, s2) = loss(-1)
        return ((plus - minus) / 2, s1 + s2)
    }

    /// Up to `limit` evenly spread indices of `0..<count`.
    func probes(_ count: Int, limit: Int = 24) -> [Int] {
        count <= limit ? Array(0..<count) : (0..<limit).map { min($0 * count / limit + $0 % 3, count - 1) }
    }

    func testBackwardInputMatchesFiniteDifferences() {
        for (index, g) in convSweep().enumerated() {
            let input = randomFloats(g.inputCount, seed: UInt64(5 * index))
            let weight = randomFloats(g.weightCount, seed: UInt64(5 * index + 1))
            let bias = randomFloats(g.outChannels, seed: UInt64(5 * index + 2))
            let gradOutput = randomFloats(g.outputCount, seed: UInt64(5 * index + 3))
            var gradInput = [Float](repeating: .nan, count: g.inputCount)
            Kernels.conv2dBackwardInput(g, gradOutput: gradOutput, weight: weight, gradInput: &gradInput)
            var observed = [Float](), expected = [Double](), scale = [Double]()
            for i in probes(g.inputCount) {
                let fd = finiteDifference(g, input, weight, bias, gradOutput) { x, _, _, h in x[i] += h }
                observed.append(gradInput[i])
                expected.append(fd.value)
                scale.append(fd.scale)
            }
            assertClose(observed, expected, scale: scale, relative: 1e-6, "conv2dBackwardInput \(g)")
        }
    }

    func testBackwardWeightAndBiasMatchFiniteDifferences() {
        for (index, g) in convSweep().enumerated() {
            let input = randomFloats(g.inputCount, seed: UInt64(7 * index))
            let weight = randomFloats(g.weightCount, seed: UInt64(7 * index + 1))
            let bias = randomFloats(g.outChannels, seed: UInt64(7 * index + 2))
            let gradOutput = randomFloats(g.outputCount, seed: UInt64(7 * index + 3))
            var gradWeight = [Float](repeating: .nan, count: g.weightCount)
            var gradBias = [Float](repeating: .nan, count: g.outChannels)
            Kernels.conv2dBackwardWeight(g, input: input, gradOutput: gradOutput, gradWeight: &gradWeight,
                                         gradBias: &gradBias)
            var observed = [Float](), expected = [Double](), scale = [Double]()
            for i in probes(g.weightCount) {
                let fd = finiteDifference(g, input, weight, bias, gradOutput) { _, w, _, h in w[i] += h }
                observed.append(gradWeight[i])
                expected.append(fd.value)
                scale.append(fd.scale)
            }
            assertClose(observed, expected, scale: scale, relative: 1e-6, "conv2dBackwardWeight \(g)")
            observed = []; expected = []; scale = []
            for i in probes(g.outChannels, limit: 8) {
                let fd = finiteDifference(g, input, weight, bias, gradOutput) { _, _, b, h in b[i] += h }
                observed.append(gradBias[i])
                expected.append(fd.value)
                scale.append(fd.scale)
            }
            assertClose(observed, expected, scale: scale, relative: 1e-6, "conv2dBackwardWeight bias \(g)")
        }
    }

    /// Shapes too large for finite differences in a debug build but large enough to take every
    /// chunked path (several im2col chunks forward, backward and for the weight gradient): the
    /// backward passes must be the adjoints of the forward, `⟨conv(x, w), g⟩ = ⟨x, ∂x⟩ = ⟨w, ∂w⟩`.
    func testAdjointIdentityOnLargeShapes() {
        let shapes = [
            ConvGeometry(batch: 2, height: 40, width: 40, inChannels: 16, outChannels: 8, kernelHeight: 5,
                         kernelWidth: 5, padTop: 2, padLeft: 2, padBottom: 2, padRight: 2),
            ConvGeometry(batch: 1, height: 33, width: 31, inChannels: 64, outChannels: 64, kernelHeight: 5,
                         kernelWidth: 5, strideY: 2, strideX: 2, padTop: 1, padLeft: 2, padBottom: 2, padRight: 1,
                         groups: 64),
            ConvGeometry(batch: 2, height: 20, width: 20, inChannels: 48, outChannels: 32, kernelHeight: 3,
                         kernelWidth: 3, strideY: 2, strideX: 1, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
                         groups: 4),
        ]
        for (index, g) in shapes.enumerated() {
            let input = randomFloats(g.inputCount, seed: UInt64(13 * index))
            let weight = randomFloats(g.weightCount, seed: UInt64(13 * index + 1))
            let gradOutput = randomFloats(g.outputCount, seed: UInt64(13 * index + 2))
            var output = [Float](repeating: .nan, count: g.outputCount)
            var gradInput = [Float](repeating: .nan, count: g.inputCount)
            var gradWeight = [Float](repeating: .nan, count: g.weightCount)
            Kernels.conv2d(g, input: input, weight: weight, bias: nil, output: &output)
            Kernels.conv2dBackwardInput(g, gradOutput: gradOutput, weight: weight, gradInput: &gradInput)
            Kernels.conv2dBackwardWeight(g, input: input, gradOutput: gradOutput, gradWeight: &gradWeight, gradBias: nil)
            func dot(_ a: [Float], _ b: [Float]) -> (Double, Double) {
                zip(a, b).reduce((0.0, 0.0)) { ($0.0 + Double($1.0) * Double($1.1), $0.1 + abs(Double($1.0) * Double($1.1))) }
            }
            let (forward, scale) = dot(output, gradOutput)
            let (viaInput, scaleInput) = dot(input, gradInput)
            let (viaWeight, scaleWeight) = dot(weight, gradWeight)
            assertClose([Float(viaInput)], [forward], scale: [scale + scaleInput], relative: 1e-5,
                        "⟨x, ∂x⟩ vs ⟨conv, g⟩ \(g)")
            assertClose([Float(viaWeight)], [forward], scale: [scale + scaleWeight], relative: 1e-5,
                        "⟨w, ∂w⟩ vs ⟨conv, g⟩ \(g)")
        }
    }

    func testBackwardWeightWithoutBias() {
        let g = convSweep()[40]
        let input = randomFloats(g.inputCount, seed: 1), gradOutput = randomFloats(g.outputCount, seed: 2)
        var withBias = [Float](repeating: 0, count: g.weightCount), without = withBias
        var gradBias = [Float](repeating: 0, count: g.outChannels)
        Kernels.conv2dBackwardWeight(g, input: input, gradOutput: gradOutput, gradWeight: &withBias, gradBias: &gradBias)
        Kernels.conv2dBackwardWeight(g, input: input, gradOutput: gradOutput, gradWeight: &without, gradBias: nil)
        XCTAssertEqual(withBias, without, "gradBias == nil must not change gradWeight")
    }

    /// A 1×1 convolution over fewer pixels than the GEMM's register tile (the unpacked GEMM path)
    /// with bias and clamp.
    func testPointwiseOnFewPixelsWithClamp() {
        let g = ConvGeometry(batch: 1, height: 1, width: 5, inChannels: 70, outChannels: 80, kernelHeight: 1,
                             kernelWidth: 1)
        let input = randomFloats(g.inputCount, seed: 41).map { $0 * 3 }
        let weight = randomFloats(g.weightCount, seed: 42), bias = randomFloats(g.outChannels, seed: 43)
        var output = [Float](repeating: .nan, count: g.outputCount)
        Kernels.conv2d(g, input: input, weight: weight, bias: bias, output: &output,
                       epilogue: .clamp(lower: -0.5, upper: 0.75))
        let ref = referenceConv(g, input, weight, bias)
        assertClose(output, ref.values.map { min(max($0, -0.5), 0.75) }, scale: ref.scale, "few-pixel 1×1 \(g)")
    }

    func testValidateNamesTheBadField() {
        let good = ConvGeometry(batch: 1, height: 4, width: 4, inChannels: 6, outChannels: 4, kernelHeight: 3,
                                kernelWidth: 3, groups: 2)
        XCTAssertNoThrow(try good.validate())
        var groups = good
        groups.groups = 4
        var kernel = good
        kernel.kernelWidth = 7
        var padding = good
        padding.padLeft = -1
        for (bad, word) in [(groups, "groups"), (kernel, "larger"), (padding, "padding")] {
            XCTAssertThrowsError(try bad.validate()) { error in
                XCTAssertTrue("\(error)".contains(word), "expected '\(word)' in: \(error)")
            }
        }
    }

    func testSamePadding() {
        // TF SAME: 224 → 112 with k3 s2 pads (0, 1); 7 with k5 s1 pads (2, 2); 4 with k1 s2 pads nothing.
        XCTAssertTrue(ConvGeometry.samePadding(size: 224, kernel: 3, stride: 2) == (0, 1))
        XCTAssertTrue(ConvGeometry.samePadding(size: 7, kernel: 5, stride: 1) == (2, 2))
        XCTAssertTrue(ConvGeometry.samePadding(size: 4, kernel: 1, stride: 2) == (0, 0))
        XCTAssertTrue(ConvGeometry.samePadding(size: 28, kernel: 5, stride: 2) == (1, 2))
        let g = ConvGeometry(batch: 1, height: 224, width: 224, inChannels: 3, outChannels: 32, kernelHeight: 3,
                             kernelWidth: 3, strideY: 2, strideX: 2, padTop: 0, padLeft: 0, padBottom: 1, padRight: 1)
        XCTAssertEqual(g.outHeight, 112)
        XCTAssertEqual(g.outWidth, 112)
    }
}
