import Foundation
import XCTest

/// Every file of Fixtures/malformed/ through the real `sanitize compress`: a non-zero exit, an
/// `error:` line naming the file and the reason, no crash or hang, and no output file left.
final class MalformedInputTests: XCTestCase {
    /// A phrase each file's error must contain (the full reasons are checked in ImagingTests).
    static let reasons: [String: String] = [
        "empty.png": "empty file", "one-byte.jpg": "not a PNG, JPEG", "random.png": "not a PNG, JPEG",
        "text.jpg": "not a PNG, JPEG", "signature-only.png": "truncated PNG", "truncated.png": "truncated PNG",
        "bad-crc.png": "CRC error", "truncated.jpg": "Premature end of JPEG file", "truncated-header.jpg": "jpeg read header",
        "truncated.webp": "truncated WebP", "truncated.j2k": "jpeg2000 decode", "truncated-header.j2k": "codestream",
        "truncated.jp2": "jpeg2000 decode", "huge.png": "60000×60000", "huge.jpg": "60000×60000",
        "huge.j2k": "60000×60000", "huge-tiles.j2k": "tiles", "huge.webp": "16383×16383",
        "scan-bomb.jpg": "more than 500 scans", "animated.webp": "animated WebP",
        "text-bomb.png": "the tEXt chunk at byte 33 declares 2147483647 bytes", "palette-bomb.jp2": "palette with 255 columns",
        "codeblock-bomb.j2k": "decoding would need about", "tilepart-codeblock-bomb.j2k": "decoding would need about", "cmyk-no-adobe.jpg": "CMYK JPEG without an Adobe marker",
        "subsampled-rgb.j2k": "does not say YCbCr", "ycc411.j2k": "chroma sampled 4×1",
        "cielab.jp2": "CIELab", "cmy.jp2": "neither sRGB, gray nor sYCC", "icc-ycbcr.jp2": "ICC profile",
    ]

    /// Each memory bomb and the bound that PixelLimit's documentation states for its format, in
    /// MB; decoding may also hold the file itself and the process's fixed footprint. Without the
    /// header checks the first four peaked at 2.1 GB, 4 GB, 2.6 GB and 2.6 GB.
    static let bombs: [(file: String, boundMB: Int)] = [
        ("text-bomb.png", 320), ("palette-bomb.jp2", 1074), ("codeblock-bomb.j2k", 1074), ("tilepart-codeblock-bomb.j2k", 1074),
        ("huge.png", 320), ("huge.jpg", 1100), ("huge.j2k", 1074), ("huge-tiles.j2k", 1074),
        ("huge.webp", 800), ("scan-bomb.jpg", 1100),
    ]

    /// The process's own footprint, allowed on top of a format's bound.
    static let footprintMB = 64

    func testMemoryBombsAreRefusedWithinTheStatedBound() throws {
        let folder = "\(SanitizeProcess.root)/Fixtures/malformed"
        for (file, boundMB) in Self.bombs {
            let path = "\(folder)/\(file)"
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
            let result = try SanitizeProcess.runMeasuringMemory(["compress", path, "--codec", "jpeg", "--quality", "50"])
            XCTAssertEqual(result.status, 1, "\(file): exit status (stderr: \(result.stderr))")
            XCTAssertTrue(result.stderr.hasPrefix("error: \(path): "), "\(file): \(result.stderr)")
            let peakMB = Double(result.peakBytes) / 1e6
            let limitMB = Double(boundMB + Self.footprintMB) + Double(size) / 1e6
            XCTAssertLessThan(peakMB, limitMB, "\(file) (\(size) bytes) peaked at \(peakMB) MB; its bound is \(limitMB) MB")
        }
    }

    /// A valid PNG whose compressed text inflates to 512 MiB decodes (the text is dropped at
    /// libpng's 16 MiB chunk limit) within the PNG bound.
    func testACompressedTextBombDecodesWithinThePNGBound() throws {
        let path = "\(SanitizeProcess.root)/Fixtures/malformed/valid/ztxt-bomb.png"
        let result = try SanitizeProcess.runMeasuringMemory(["compress", path, "--codec", "jpeg", "--quality", "50"])
        XCTAssertEqual(result.status, 0, "stderr: \(result.stderr)")
        let peakMB = Double(result.peakBytes) / 1e6
        XCTAssertLessThan(peakMB, Double(320 + Self.footprintMB + 1), "ztxt-bomb.png peaked at \(peakMB) MB")
    }

    func testEveryMalformedFileFailsCleanlyAndLeavesNoOutput() throws {
        let folder = "\(SanitizeProcess.root)/Fixtures/malformed"
        let files = try FileManager.default.contentsOfDirectory(atPath: folder)
            .filter { $0 != "generate.py" && $0 != "valid" }.sorted()
        XCTAssertEqual(files, Self.reasons.keys.sorted(), "every fixture needs an expected reason")
        for file in files {
            let directory = try SanitizeProcess.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let path = "\(folder)/\(file)"
            let result = try SanitizeProcess.run(["compress", path, "--codec", "jpeg", "--quality", "50",
                                                  "--output", "\(directory)/out.png", "--encoded", "\(directory)/out.jpg"],
                                                 timeout: 60)
            XCTAssertEqual(result.status, 1, "\(file): exit status (stderr: \(result.stderr))")
            XCTAssertTrue(result.stderr.hasPrefix("error: \(path): "), "\(file): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(Self.reasons[file] ?? "?"), "\(file): expected '\(Self.reasons[file] ?? "")' in \(result.stderr)")
            XCTAssertEqual(result.stdout, "", "\(file): nothing may be reported on stdout")
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), [], "\(file) left files behind")
        }
    }
}
