import XCTest
import Imaging
import Metrics

/// Our metrics against pytorch_msssim 1.0 and numpy on committed photos and their distortions
/// (JPEG, Gaussian noise, ±4 sign noise, blur, inversion; 224×224 and odd, non-square sizes).
final class ReferenceTests: XCTestCase {
    /// docs/protocol.md §5: agree with pytorch_msssim `ms_ssim(data_range=255)` to 5e-4.
    static let msssimTolerance = 5e-4
    /// Float32 rounding alone moves MS-SSIM by ~1e-6 here. This tighter bound catches slips in the
    /// definition that 5e-4 would let through: zero padding of odd sizes taken as mid-grey, for
    /// one, moves the 256×161 pairs by 1.8e-4.
    static let implementationTolerance = 2e-5
    /// Our SSIM uses the same arithmetic, so the same absolute tolerance applies.
    static let ssimTolerance = 5e-4
    /// PSNR is exact on both sides: relative tolerance in ulps of a Double.
    static let psnrRelativeTolerance = 1e-12

    func testAgainstPytorchMSSSIM() throws {
        let pairs = try ReferencePair.all()
        XCTAssertEqual(pairs.count, 31, "values.csv should hold 31 pairs")
        var worstMS = 0.0, worstSSIM = 0.0
        for pair in pairs {
            let reference = try ReferencePair.image(pair.reference)
            let distorted = try ReferencePair.image(pair.distorted)
            XCTAssertEqual(reference.width, pair.width, pair.reference)
            XCTAssertEqual(reference.height, pair.height, pair.reference)

            let scores = try ImageQuality.scores(reference, distorted)
            let msError = abs(scores.msssim - pair.msssim)
            let ssimError = abs(scores.ssim - pair.ssim)
            worstMS = max(worstMS, msError)
            worstSSIM = max(worstSSIM, ssimError)
            print(String(format: "%-30@ %4d×%-4d MS-SSIM expected %.7f observed %.7f error %.1e | SSIM expected %.7f observed %.7f error %.1e",
                         pair.distorted as NSString, pair.width, pair.height, pair.msssim, scores.msssim, msError,
                         pair.ssim, scores.ssim, ssimError))
            XCTAssertLessThanOrEqual(msError, Self.msssimTolerance,
                "\(pair.distorted): MS-SSIM expected \(pair.msssim), observed \(scores.msssim), error \(msError)")
            XCTAssertLessThanOrEqual(ssimError, Self.ssimTolerance,
                "\(pair.distorted): SSIM expected \(pair.ssim), observed \(scores.ssim), error \(ssimError)")
            XCTAssertLessThanOrEqual(msError, Self.implementationTolerance,
                "\(pair.distorted): MS-SSIM expected \(pair.msssim), observed \(scores.msssim), error \(msError) "
                + "is within the protocol's 5e-4 but far above float32 rounding")
            // pytorch_msssim in float64 approximates the exact maths; we stay as close to it.
            let exactError = abs(scores.msssim - pair.msssim64)
            XCTAssertLessThanOrEqual(exactError, Self.msssimTolerance,
                "\(pair.distorted): float64 MS-SSIM expected \(pair.msssim64), observed \(scores.msssim), error \(exactError)")

        }
        print("worst MS-SSIM error \(worstMS), worst SSIM error \(worstSSIM) over \(pairs.count) pairs")
    }

    func testAgainstNumpyPSNR() throws {
        for pair in try ReferencePair.all() {
            let observed = try ImageQuality.psnr(try ReferencePair.image(pair.reference),
                                                 try ReferencePair.image(pair.distorted))
            if pair.psnr.isInfinite {
                XCTAssertEqual(observed, .infinity, "\(pair.distorted): PSNR expected inf, observed \(observed)")
                continue
            }
            let error = abs(observed - pair.psnr) / pair.psnr
            XCTAssertLessThanOrEqual(error, Self.psnrRelativeTolerance,
                "\(pair.distorted): PSNR expected \(pair.psnr), observed \(observed), relative error \(error)")
        }
    }

    /// The single-purpose entry points, and the float-plane one fed the same photos as planar
    /// floats, give exactly the numbers of `scores` (two pairs: an even and an odd size).
    func testEntryPointsAgree() throws {
        let names: Set = ["chelsea_224_jpeg10.png", "coffee_333x201_jpeg50.png"]
        let pairs = try ReferencePair.all().filter { names.contains($0.distorted) }
        XCTAssertEqual(pairs.count, names.count, "fixture pairs \(names) missing from values.csv")
        for pair in pairs {
            let reference = try ReferencePair.image(pair.reference)
            let distorted = try ReferencePair.image(pair.distorted)
            let scores = try ImageQuality.scores(reference, distorted)
            let expected = try ImageQuality.msssim(reference, distorted)
            XCTAssertEqual(expected, scores.msssim, "\(pair.distorted): msssim() vs scores()")
            XCTAssertEqual(try ImageQuality.ssim(reference, distorted), scores.ssim, "\(pair.distorted): ssim() vs scores()")
            let a = planar(reference), b = planar(distorted)
            let observed = try a.withUnsafeBufferPointer { pa in
                try b.withUnsafeBufferPointer { pb in
                    try ImageQuality.msssim(reference: pa, distorted: pb, width: reference.width,
                                            height: reference.height, channels: 3)
                }
            }
            XCTAssertEqual(observed, expected, "\(pair.distorted): float planes \(observed), RGB \(expected)")
        }
    }

    private func planar(_ image: RGBImage) -> [Float] {
        let n = image.pixelCount
        var out = [Float](repeating: 0, count: 3 * n)
        for i in 0..<n {
            for c in 0..<3 { out[c * n + i] = Float(image.pixels[3 * i + c]) }
        }
        return out
    }
}
