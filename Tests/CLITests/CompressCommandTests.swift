import Foundation
import Imaging
import XCTest

/// `sanitize compress` end to end through the built executable.
final class CompressCommandTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = try SanitizeProcess.temporaryDirectory()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A 224×224 photo (the model view of skimage's chelsea.png).
    static let photo = "\(SanitizeProcess.root)/Fixtures/images/chelsea.png"

    func files() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: directory).sorted() }

    /// The report's value for `name` (lines are `name` padded to 9 columns, then the value).
    func value(_ name: String, in report: String) -> String? {
        report.split(separator: "\n").first { $0.hasPrefix(name + " ") }
            .map { String($0.dropFirst(9)) }
    }

    func testEncodedJPEGIsByteIdenticalToCjpegAndDecodedMatchesDjpeg() throws {
        let image = try ImageFile.read(Self.photo)
        let ppm = "\(directory)/input.ppm"
        try (Data("P6\n\(image.width) \(image.height)\n255\n".utf8) + Data(image.pixels)).write(to: URL(fileURLWithPath: ppm))
        for quality in [1, 37, 75, 100] {
            let encoded = "\(directory)/q\(quality).jpg", output = "\(directory)/q\(quality).png"
            let result = try SanitizeProcess.run(["compress", Self.photo, "--codec", "jpeg", "--quality", "\(quality)",
                                                  "--encoded", encoded, "--output", output])
            XCTAssertEqual(result.status, 0, result.stderr)
            let ours = try Data(contentsOf: URL(fileURLWithPath: encoded))
            let cjpeg = try SanitizeProcess.tool("cjpeg", ["-baseline", "-quality", "\(quality)", ppm])
            XCTAssertEqual(ours, cjpeg, "q=\(quality): \(ours.count) bytes vs cjpeg's \(cjpeg.count)")
            XCTAssertEqual(value("bytes", in: result.stdout), "\(ours.count)", result.stdout)
            let djpeg = try SanitizeProcess.tool("djpeg", ["-ppm", encoded])
            let decoded = try ImageFile.read(output)
            XCTAssertEqual(Data("P6\n\(decoded.width) \(decoded.height)\n255\n".utf8) + Data(decoded.pixels), djpeg,
                           "q=\(quality): --output differs from djpeg's decoding")
        }
    }

    func testReportListsCodecParameterSizeAndQuality() throws {
        let result = try SanitizeProcess.run(["compress", Self.photo, "--codec", "webp", "--quality", "50"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(value("codec", in: result.stdout), "webp")
        XCTAssertEqual(value("quality", in: result.stdout), "50")
        let bytes = try XCTUnwrap(Int(value("bytes", in: result.stdout) ?? ""), result.stdout)
        let bpp = try XCTUnwrap(Double(value("bpp", in: result.stdout) ?? ""), result.stdout)
        XCTAssertEqual(bpp, 8 * Double(bytes) / Double(224 * 224), accuracy: 1e-4)
        let psnr = try XCTUnwrap(Double(value("psnr", in: result.stdout)?.replacingOccurrences(of: " dB", with: "") ?? ""))
        XCTAssertTrue((25 ... 45).contains(psnr), "PSNR \(psnr) dB is implausible for WebP q50")
        let msssim = try XCTUnwrap(Double(value("msssim", in: result.stdout) ?? ""), result.stdout)
        XCTAssertTrue((0.9 ..< 1).contains(msssim), "MS-SSIM \(msssim) is implausible for WebP q50")
    }

    func testNoneCounts24BitsAndLosslessPSNRIsInfinite() throws {
        let result = try SanitizeProcess.run(["compress", Self.photo, "--codec", "none"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(value("bytes", in: result.stdout), "\(3 * 224 * 224)")
        XCTAssertEqual(value("bpp", in: result.stdout), "24.0000")
        XCTAssertEqual(value("psnr", in: result.stdout), "inf")
        XCTAssertEqual(value("msssim", in: result.stdout), "1.000000")
    }

    func testSmallImagesReportMSSSIMAsNotAvailable() throws {
        let result = try SanitizeProcess.run(["compress", "\(SanitizeProcess.root)/Fixtures/malformed/valid/rgb8.png",
                                              "--codec", "jpeg2000", "--quality", "10"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let msssim = value("msssim", in: result.stdout) ?? ""
        XCTAssertTrue(msssim.hasPrefix("n/a (") && msssim.contains("13"), "expected n/a naming the size: \(result.stdout)")
    }

    func testModelViewFlagCompressesThe224Crop() throws {
        let original = "/usr/lib/python3/dist-packages/skimage/data/chelsea.png"
        let result = try SanitizeProcess.run(["compress", original, "--codec", "png", "--model-view"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(value("image", in: result.stdout)?.hasSuffix("(224×224)") == true, result.stdout)
    }

    /// `--differentiable` writes the model's forward pass: close to libjpeg's decoding (the PSNR
    /// the report gives, recomputed here from the files) but not a re-encoding of it.
    func testDifferentiableWritesTheModelsOutputAndComparesItWithLibjpeg() throws {
        let output = "\(directory)/model.png"
        let result = try SanitizeProcess.run(["compress", Self.photo, "--codec", "jpeg", "--quality", "50",
                                              "--differentiable", "--output", output])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(value("model", in: result.stdout), "differentiable JPEG, straight-through rounding", result.stdout)
        XCTAssertNil(value("bytes", in: result.stdout), "no file is encoded, so no size: \(result.stdout)")
        XCTAssertEqual(try files(), ["model.png"])
        let written = try ImageFile.read(output)
        let real = try roundTrip(ImageFile.read(Self.photo), CodecSetting(codec: .jpeg, quality: 50)).decoded
        var squares = 0.0
        for (a, b) in zip(written.pixels, real.pixels) { squares += (Double(a) - Double(b)) * (Double(a) - Double(b)) }
        let psnr = 10 * log10(255 * 255 / (squares / Double(real.pixels.count)))
        XCTAssertGreaterThanOrEqual(psnr, 41, "the model's output is far from libjpeg's")
        let reported = try XCTUnwrap(Double(value("libjpeg", in: result.stdout)?.replacingOccurrences(of: " dB", with: "") ?? ""),
                                     result.stdout)
        XCTAssertEqual(reported, psnr, accuracy: 1e-3)
        let toInput = try XCTUnwrap(Double(value("psnr", in: result.stdout)?.replacingOccurrences(of: " dB", with: "") ?? ""))
        XCTAssertTrue((25 ... 45).contains(toInput), "PSNR \(toInput) dB against the input is implausible for JPEG q50")
    }

    // MARK: - Usage errors: exit 64, the value named, nothing written

    func testDifferentiableIsAUsageErrorWithOtherCodecsOrEncoded() throws {
        let cases: [([String], String)] = [
            (["--codec", "webp", "--quality", "50"], "--codec webp"),
            (["--codec", "png"], "--codec png"),
            (["--codec", "jpeg", "--quality", "50", "--encoded", "\(directory)/out.jpg"], "--encoded"),
        ]
        for (arguments, named) in cases {
            let result = try SanitizeProcess.run(["compress", Self.photo, "--differentiable"] + arguments
                                                 + ["--output", "\(directory)/out.png"])
            XCTAssertEqual(result.status, 64, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.hasPrefix("error: --"), "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(named), "\(arguments): expected '\(named)' in \(result.stderr)")
            XCTAssertEqual(try files(), [], "\(arguments) left files behind")
        }
    }

    func testBadQualitiesAreUsageErrorsNamingTheValue() throws {
        let cases: [([String], String)] = [
            (["--codec", "jpeg", "--quality", "0"], "0"), (["--codec", "jpeg", "--quality", "101"], "101"),
            (["--codec", "webp", "--quality=-3"], "-3"), (["--codec", "jpeg2000", "--quality", "1"], "1"),
            (["--codec", "jpeg"], "--quality is required"), (["--codec", "gif", "--quality", "5"], "gif"),
            (["--codec", "png", "--quality", "3"], "3"),
        ]
        for (arguments, named) in cases {
            let output = "\(directory)/out.png"
            let result = try SanitizeProcess.run(["compress", Self.photo] + arguments + ["--output", output])
            XCTAssertEqual(result.status, 64, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.hasPrefix("error: "), "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(named), "\(arguments): expected '\(named)' in \(result.stderr)")
            XCTAssertEqual(try files(), [], "\(arguments) left files behind")
        }
    }

    func testMissingOutputDirectoryFailsBeforeWork() throws {
        let output = "\(directory)/missing/out.png"
        let result = try SanitizeProcess.run(["compress", Self.photo, "--codec", "jpeg", "--quality", "50",
                                              "--output", output, "--encoded", "\(directory)/out.jpg"])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.hasPrefix("error: \(output): the folder"), result.stderr)
        XCTAssertEqual(try files(), [])
    }

    func testCodecFailureIsARuntimeErrorAndWritesNothing() throws {
        let wide = "\(directory)/wide.png"
        try ImageFile.writePNG(RGBImage(width: 16384, height: 2), to: wide)
        let outputs = try SanitizeProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: outputs) }
        let result = try SanitizeProcess.run(["compress", wide, "--codec", "webp", "--quality", "50",
                                              "--output", "\(outputs)/out.png", "--encoded", "\(outputs)/out.webp"])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertEqual(result.stderr, "error: \(wide): webp encode: 16384×2 exceeds WebP's maximum side of 16383 pixels\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outputs), [])
    }
}
