import _Kernels
import _LayoutBaseline
import Imaging
@testable import SanitizeBench
import XCTest

/// The package root, found from this file's location (Benchmarks/Tests/SanitizeBenchTests/).
private let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// The direct-C baselines of `sanitize-bench codecs` do the same work as the Swift API.
final class DirectCodecBaselineTests: XCTestCase {
    func testDirectCRoundTripsEqualTheSwiftAPI() throws {
        let image = ModelView.apply(try ImageFile.read(packageRoot + "/Fixtures/images/coffee.png"))
        for text in ["jpeg:75", "webp:75", "jpeg2000:20"] {
            let setting = try CodecSetting(parsing: text)
            let api = try roundTrip(image, setting)
            let direct = try DirectCodecBaseline.roundTrip(image, setting)
            XCTAssertEqual(direct.bytes, api.bytes, "\(setting): encoded size")
            XCTAssertTrue(direct.decoded == api.decoded, "\(setting): decoded pixels differ")
        }
    }

    func testNoBaselineForPNGIsAnError() throws {
        let image = RGBImage(width: 2, height: 2, pixels: [UInt8](repeating: 7, count: 12))
        let png = try CodecSetting(parsing: "png")
        XCTAssertThrowsError(try DirectCodecBaseline.roundTrip(image, png)) { error in
            XCTAssertTrue("\(error)".contains("no C baseline"), "unexpected message: \(error)")
        }
    }
}

/// The NCHW depthwise kernel of `sanitize-bench kernels --only layout` computes the same
/// convolution as a Double-precision loop over the NCHW buffers.
final class LayoutBaselineTests: XCTestCase {
    func testDepthwiseNCHWMatchesDirectSum() {
        var cases: [ConvGeometry] = []
        for (height, width) in [(9, 7), (11, 40)] {
            for channels in [8, 13] {
                for kernel in [3, 5] {
                    for stride in [1, 2] {
                        let rows = ConvGeometry.samePadding(size: height, kernel: kernel, stride: stride)
                        let columns = ConvGeometry.samePadding(size: width, kernel: kernel, stride: stride)
                        for (top, left, bottom, right) in [(0, 0, 0, 0), (rows.before, columns.before, rows.after, columns.after),
                                                           (1, 2, 0, 1)] {
                            cases.append(ConvGeometry(batch: 2, height: height, width: width, inChannels: channels,
                                                      outChannels: channels, kernelHeight: kernel, kernelWidth: kernel,
                                                      strideY: stride, strideX: stride, padTop: top, padLeft: left,
                                                      padBottom: bottom, padRight: right, groups: channels))
                        }
                    }
                }
            }
        }
        for (index, g) in cases.enumerated() {
            let input = values(g.inputCount, seed: 3 * index), weight = values(g.weightCount, seed: 3 * index + 1)
            let bias = values(g.outChannels, seed: 3 * index + 2)
            var output = [Float](repeating: .nan, count: g.outputCount)
            LayoutBaseline.depthwiseConv2dNCHW(g, input: input, weight: weight, bias: bias, output: &output,
                                               epilogue: .clamp(lower: -0.5, upper: 0.5))
            let (c, h, w, oh, ow) = (g.inChannels, g.height, g.width, g.outHeight, g.outWidth)
            var failures = 0
            for n in 0..<g.batch {
                for k in 0..<c {
                    for oy in 0..<oh {
                        for ox in 0..<ow {
                            // n c y x, ky kx 1 c -> n c oy ox
                            var sum = Double(bias[k]), scale = abs(Double(bias[k]))
                            for ky in 0..<g.kernelHeight {
                                for kx in 0..<g.kernelWidth {
                                    let iy = oy * g.strideY - g.padTop + ky, ix = ox * g.strideX - g.padLeft + kx
                                    guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                                    let term = Double(input[((n * c + k) * h + iy) * w + ix])
                                        * Double(weight[(ky * g.kernelWidth + kx) * c + k])
                                    sum += term
                                    scale += abs(term)
                                }
                            }
                            let expected = min(max(sum, -0.5), 0.5)
                            let observed = Double(output[((n * c + k) * oh + oy) * ow + ox])
                            if !(abs(observed - expected) <= 2e-5 * max(scale, 1e-3)) {
                                failures += 1
                                if failures <= 3 {
                                    XCTFail("\(g) at n \(n) c \(k) y \(oy) x \(ox): expected \(expected), observed \(observed)")
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// `count` deterministic values in [-1, 1) from a 64-bit LCG.
    private func values(_ count: Int, seed: Int) -> [Float] {
        var state = UInt64(seed) &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 23) - 1
        }
    }
}
