import XCTest
import Imaging
import Metrics

/// Properties that hold by construction: identity, symmetry, closed forms, and the size checks.
final class SyntheticTests: XCTestCase {
    // MARK: - Helpers

    /// A deterministic textured image: a smooth gradient plus pseudo-random detail (a 64-bit LCG).
    private func textured(_ width: Int, _ height: Int, seed: UInt64) -> RGBImage {
        var state = seed &* 6364136223846793005 &+ 1442695040888963407
        var pixels = [UInt8](repeating: 0, count: 3 * width * height)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<3 {
                    state = state &* 6364136223846793005 &+ 1442695040888963407
                    let noise = Int(state >> 58)  // 0...63
                    let smooth = (x * 97 + y * 53 + c * 40) % 192
                    pixels[3 * (y * width + x) + c] = UInt8(min(255, smooth + noise))
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    private func constant(_ width: Int, _ height: Int, _ value: UInt8) -> RGBImage {
        RGBImage(width: width, height: height, pixels: [UInt8](repeating: value, count: 3 * width * height))
    }

    /// Adds `delta` to every sample, clipped to 0...255.
    private func shifted(_ image: RGBImage, by delta: Int) -> RGBImage {
        RGBImage(width: image.width, height: image.height,
                 pixels: image.pixels.map { UInt8(max(0, min(255, Int($0) + delta))) })
    }

    private func assertClose(_ observed: Double, _ expected: Double, tolerance: Double, _ what: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        let error = abs(observed - expected)
        XCTAssertLessThanOrEqual(error, tolerance,
            "\(what): expected \(expected), observed \(observed), error \(error)", file: file, line: line)
    }

    // MARK: - Identity and symmetry

    func testIdenticalImagesScoreOneAndInfinitePSNR() throws {
        for (w, h) in [(224, 224), (161, 300), (333, 201)] {
            let image = textured(w, h, seed: UInt64(w * h))
            let scores = try ImageQuality.scores(image, image)
            assertClose(scores.msssim, 1, tolerance: 1e-6, "MS-SSIM of a \(w)×\(h) image with itself")
            assertClose(scores.ssim, 1, tolerance: 1e-6, "SSIM of a \(w)×\(h) image with itself")
            XCTAssertEqual(scores.psnr, .infinity, "PSNR of a \(w)×\(h) image with itself: observed \(scores.psnr)")
        }
    }

    func testSymmetric() throws {
        let a = textured(240, 180, seed: 1), b = textured(240, 180, seed: 2)
        let ab = try ImageQuality.scores(a, b), ba = try ImageQuality.scores(b, a)
        assertClose(ab.msssim, ba.msssim, tolerance: 1e-6, "MS-SSIM(a, b) vs MS-SSIM(b, a)")
        assertClose(ab.ssim, ba.ssim, tolerance: 1e-6, "SSIM(a, b) vs SSIM(b, a)")
        XCTAssertEqual(ab.psnr, ba.psnr, "PSNR(a, b) \(ab.psnr) vs PSNR(b, a) \(ba.psnr)")
        XCTAssertLessThan(ab.msssim, 0.9, "two unrelated textures should not look alike: \(ab.msssim)")
    }

    /// The bands run on several threads; their sums are combined in a fixed order.
    func testDeterministicAcrossRuns() throws {
        let a = textured(200, 171, seed: 3), b = shifted(textured(200, 171, seed: 3), by: 9)
        let first = try ImageQuality.msssim(a, b)
        for _ in 0..<2 {
            XCTAssertEqual(try ImageQuality.msssim(a, b), first, "MS-SSIM changed between identical calls")
        }
    }

    // MARK: - Closed forms

    /// Two flat images have σ = 0 everywhere, so every contrast-structure term is C2 / C2 = 1 and
    /// only the luminance term at the coarsest scale remains: MS-SSIM = l^0.1333 and SSIM = l,
    /// with l = (2ab + C1) / (a² + b² + C1), C1 = (0.01 · 255)². 256 stays even down to scale 5,
    /// so no padding enters the pooling. Tolerance: float32 moments of a flat signal of magnitude
    /// ~100 (after centring) carry absolute errors ~1e-3, against C2 = 58.5 in the cs terms.
    func testFlatImagesMatchTheLuminanceFormula() throws {
        let c1 = (0.01 * 255.0) * (0.01 * 255.0)
        for (a, b) in [(100, 100), (100, 110), (0, 255), (30, 200)] {
            let l = (2.0 * Double(a * b) + c1) / (Double(a * a + b * b) + c1)
            let x = constant(256, 256, UInt8(a)), y = constant(256, 256, UInt8(b))
            assertClose(try ImageQuality.msssim(x, y), Foundation.pow(l, 0.1333), tolerance: 5e-5,
                        "MS-SSIM of flat \(a) vs flat \(b)")
            assertClose(try ImageQuality.ssim(x, y), l, tolerance: 5e-5, "SSIM of flat \(a) vs flat \(b)")
        }
    }

    /// Every sample off by exactly d gives MSE = d², PSNR = 20 log10(255 / d).
    func testPSNRClosedForm() throws {
        let base = constant(50, 40, 100)
        for d in [1, 4, 16, 100] {
            let expected = 20 * Foundation.log10(255.0 / Double(d))
            let observed = try ImageQuality.psnr(base, shifted(base, by: d))
            assertClose(observed, expected, tolerance: 1e-12 * expected, "PSNR with every sample off by \(d)")
        }
        assertClose(try ImageQuality.psnr(constant(20, 20, 0), constant(20, 20, 255)), 0, tolerance: 1e-12,
                    "PSNR of black vs white")
    }

    /// A brightness shift lowers only the luminance term, so MS-SSIM stays near 1 but below it.
    func testBrightnessShiftIsMild() throws {
        let a = textured(224, 224, seed: 5)
        let b = shifted(a, by: 3)
        let value = try ImageQuality.msssim(a, b)
        XCTAssertTrue(value > 0.99 && value < 1, "MS-SSIM after +3 brightness: observed \(value), expected in (0.99, 1)")
    }

    // MARK: - Argument checks

    func testSmallestSideMustExceed160() throws {
        XCTAssertThrowsError(try ImageQuality.msssim(textured(160, 300, seed: 6), textured(160, 300, seed: 7))) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.contains("160×300") && message.contains("161"),
                          "the error should name the size and the minimum, got: \(message)")
        }
        XCTAssertThrowsError(try ImageQuality.scores(textured(400, 100, seed: 6), textured(400, 100, seed: 7)))
        XCTAssertNoThrow(try ImageQuality.msssim(textured(161, 161, seed: 6), textured(161, 161, seed: 7)))
        // SSIM and PSNR need no pyramid.
        XCTAssertNoThrow(try ImageQuality.ssim(textured(160, 20, seed: 6), textured(160, 20, seed: 7)))
        XCTAssertNoThrow(try ImageQuality.psnr(textured(3, 1, seed: 6), textured(3, 1, seed: 7)))
    }

    func testSSIMNeedsAWindowSizedImage() {
        XCTAssertThrowsError(try ImageQuality.ssim(textured(10, 50, seed: 1), textured(10, 50, seed: 2))) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.contains("10×50") && message.contains("11"), "got: \(message)")
        }
    }

    func testSizeMismatchNamesBothSizes() {
        let a = textured(224, 224, seed: 1), b = textured(225, 224, seed: 1)
        for call in [ImageQuality.msssim, ImageQuality.ssim, ImageQuality.psnr] {
            XCTAssertThrowsError(try call(a, b)) { error in
                let message = String(describing: error)
                XCTAssertTrue(message.contains("224×224") && message.contains("225×224"), "got: \(message)")
            }
        }
    }

    func testFloatPlanesRejectWrongShapes() throws {
        let planes = [Float](repeating: 7, count: 3 * 200 * 200)
        try planes.withUnsafeBufferPointer { p in
            XCTAssertThrowsError(try ImageQuality.msssim(reference: p, distorted: p, width: 200, height: 201, channels: 3)) { error in
                XCTAssertTrue(String(describing: error).contains("120000"), "got: \(error)")
            }
            XCTAssertThrowsError(try ImageQuality.msssim(reference: p, distorted: p, width: 200, height: 200, channels: 0))
            XCTAssertThrowsError(try ImageQuality.msssim(reference: p, distorted: p, width: 0, height: 200, channels: 3))
            XCTAssertThrowsError(try ImageQuality.msssim(reference: p, distorted: p, width: Int.max / 2, height: 4, channels: 3))
            XCTAssertEqual(try ImageQuality.msssim(reference: p, distorted: p, width: 200, height: 200, channels: 3), 1,
                           accuracy: 1e-6)
        }
    }
}
