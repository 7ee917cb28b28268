import Foundation
import Imaging
import XCTest

/// PNG decoding of every color type, depth, tRNS and interlacing, against the formulas that
/// Fixtures/malformed/generate.py used to write the files; and lossless PNG writing.
final class PNGTests: XCTestCase {
    // MARK: - Formulas mirrored from generate.py

    static let width = 13, height = 11

    static func rgb8(_ x: Int, _ y: Int) -> (Int, Int, Int) {
        ((x * 19 + y * 3) & 255, (y * 23 + x) & 255, (x * y * 7 + 50) & 255)
    }

    static func gray8(_ x: Int, _ y: Int) -> Int { (x * 19 + y * 7) & 255 }

    static func sample16(_ x: Int, _ y: Int, _ c: Int) -> Int { (x * 4099 + y * 1237 + c * 7919) & 0xFFFF }

    /// 16 → 8 bits by rounding v·255/65535, libpng's png_set_scale_16.
    static func scaled(_ v: Int) -> Int { Int((Double(v) * 255 / 65535).rounded()) }

    static func paletteColor(_ i: Int) -> (Int, Int, Int) { ((i * 37) & 255, (i * 91 + 13) & 255, (255 - i * 5) & 255) }

    static func expected(_ pixel: (Int, Int) -> (Int, Int, Int)) -> RGBImage {
        TestFiles.image(width: width, height: height, pixel)
    }

    // MARK: - Decoding

    func testEveryColorTypeAndDepthDecodesToItsRGB() throws {
        let rgb = Self.expected(Self.rgb8)
        let gray = Self.expected { x, y in (Self.gray8(x, y), Self.gray8(x, y), Self.gray8(x, y)) }
        let rgb16 = Self.expected { x, y in
            (Self.scaled(Self.sample16(x, y, 0)), Self.scaled(Self.sample16(x, y, 1)), Self.scaled(Self.sample16(x, y, 2)))
        }
        let gray16 = Self.expected { x, y in
            let v = Self.scaled(Self.sample16(x, y, 0))
            return (v, v, v)
        }
        let palette = Self.expected { x, y in Self.paletteColor((x * 11 + y) % 143) }
        let palette16 = Self.expected { x, y in Self.paletteColor((x * 11 + y) % 16) }
        let cases: [(String, RGBImage)] = [
            ("rgb8.png", rgb), ("rgb8-interlaced.png", rgb), ("rgba8.png", rgb), ("rgb8-trns.png", rgb),
            ("gray8.png", gray), ("gray-alpha8.png", gray), ("gray16.png", gray16),
            ("rgb16.png", rgb16), ("rgba16.png", rgb16), ("palette8.png", palette),
            ("palette8-interlaced.png", palette), ("palette4-trns.png", palette16),
        ]
        for (name, expected) in cases {
            let image = try ImageFile.read(TestFiles.valid(name))
            assertPixelsEqual(image, expected, name)
        }
        let image = try ImageFile.read(TestFiles.valid("gray4.png"))
        let expected4 = Self.expected { x, y in
            let v = ((x + y) & 15) * 17
            return (v, v, v)
        }
        assertPixelsEqual(image, expected4, "gray4.png")
    }

    func testPhotoDecodesWithItsKnownSize() throws {
        let image = try ImageFile.read(TestFiles.photo("chelsea.png"))
        XCTAssertEqual(image.width, 451)
        XCTAssertEqual(image.height, 300)
        XCTAssertEqual(image.pixels.count, 3 * 451 * 300)
    }

    // MARK: - Encoding

    func testEncodeThenDecodeIsLossless() throws {
        for (w, h) in [(1, 1), (2, 3), (224, 224), (301, 17)] {
            let original = TestFiles.texture(width: w, height: h)
            let bytes = try ImageFile.encodePNG(original)
            XCTAssertEqual(ImageFormat.sniff(bytes), .png)
            assertPixelsEqual(try ImageFile.decode(bytes, name: "memory"), original, "\(w)×\(h) round trip")
        }
    }

    func testWritePNGReplacesAtomicallyAndLeavesNoTemporaryFile() throws {
        let directory = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/out.png"
        let first = TestFiles.texture(width: 20, height: 10)
        let second = TestFiles.texture(width: 7, height: 9)
        try ImageFile.writePNG(first, to: path)
        try ImageFile.writePNG(second, to: path)
        assertPixelsEqual(try ImageFile.read(path), second, "rewritten file")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["out.png"])
    }

    func testWritingIntoAMissingDirectoryNamesThePath() throws {
        let path = "/nonexistent-\(UUID().uuidString)/out.png"
        XCTAssertThrowsError(try ImageFile.writePNG(TestFiles.texture(width: 4, height: 4), to: path)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(path), "message should name \(path): \(text)")
            XCTAssertTrue(text.contains("does not exist"), "message should give the reason: \(text)")
        }
    }
}
