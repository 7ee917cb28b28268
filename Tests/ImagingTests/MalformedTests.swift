import Foundation
import Imaging
import XCTest

/// Every file of Fixtures/malformed/ is refused with an error naming the file and the reason;
/// the unusual-but-valid files of Fixtures/malformed/valid/ decode.
final class MalformedTests: XCTestCase {
    /// Each malformed fixture and a phrase its error message must contain.
    static let expectations: [(file: String, reason: String)] = [
        ("empty.png", "empty file"),
        ("one-byte.jpg", "not a PNG, JPEG, WebP or JPEG 2000 file (1 bytes, starting ff)"),
        ("random.png", "not a PNG, JPEG, WebP or JPEG 2000 file"),
        ("text.jpg", "not a PNG, JPEG, WebP or JPEG 2000 file"),
        ("signature-only.png", "png read header: truncated PNG"),
        ("truncated.png", "png read header: truncated PNG: the IDAT chunk at byte 33 declares 451 bytes"),
        ("bad-crc.png", "CRC error"),
        ("truncated.jpg", "Premature end of JPEG file"),
        ("truncated-header.jpg", "jpeg read header"),
        ("truncated.webp", "webp decode: truncated WebP"),
        ("truncated.j2k", "jpeg2000 decode:"),
        ("truncated-header.j2k", "truncated or invalid codestream"),
        ("truncated.jp2", "jpeg2000 decode:"),
        ("huge.png", "declared size 60000×60000 (3600000000 pixels) exceeds the limit of 100000000 pixels"),
        ("huge.jpg", "declared size 60000×60000 (3600000000 pixels) exceeds the limit of 100000000 pixels"),
        ("huge.j2k", "declared size 60000×60000 (3600000000 pixels) exceeds the limit of 40000000 pixels"),
        ("huge-tiles.j2k", "60000×60000 tiles of 1×1 exceed the limit of 4096 tiles"),
        ("huge.webp", "declared size 16383×16383 (268402689 pixels) exceeds the limit of 100000000 pixels"),
        ("scan-bomb.jpg", "progressive JPEG with more than 500 scans"),
        ("animated.webp", "animated WebP (13×11) is not supported"),
        ("text-bomb.png", "png read header: truncated PNG: the tEXt chunk at byte 33 declares 2147483647 bytes "
            + "and a 4-byte CRC, but only 3 bytes follow its header"),
        ("palette-bomb.jp2", "jpeg2000 read header: JP2 palette with 255 columns (at most 4 are supported: RGB and alpha)"),
        ("codeblock-bomb.j2k", "jpeg2000 decode: decoding would need about 3829 MiB (36000000 pixels, 3 components, "
            + "32.2 bytes of coding records per sample, 1 layers), over the limit of 1024 MiB"),
        ("tilepart-codeblock-bomb.j2k", "jpeg2000 decode: decoding would need about 3829 MiB"),
        ("cmyk-no-adobe.jpg", "jpeg read header: CMYK JPEG without an Adobe marker: the ink convention is unknown; "
            + "convert it to RGB first"),
        ("subsampled-rgb.j2k", "jpeg2000 decode: JPEG 2000 component 1 is subsampled 1×2 but the file does not say YCbCr"),
        ("ycc411.j2k", "jpeg2000 decode: YCbCr JPEG 2000 with chroma sampled 4×1 and 4×1 (4:4:4, 4:2:2 and 4:2:0 are supported)"),
        ("cielab.jp2", "jpeg2000 decode: CIELab JPEG 2000 is not supported; convert the file to PNG first"),
        ("cmy.jp2", "jpeg2000 decode: JP2 colour space is neither sRGB, gray nor sYCC"),
        ("icc-ycbcr.jp2", "jpeg2000 decode: JP2 whose ICC profile is for colour space 'YCbr' with 3 components"),
    ]

    func testEveryMalformedFileIsRefusedByNameWithItsReason() throws {
        let folder = TestFiles.malformed("")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder)
            .filter { $0 != "generate.py" && $0 != "valid" }.sorted()
        XCTAssertEqual(files, Self.expectations.map(\.file).sorted(), "every fixture needs an expectation")
        for (file, reason) in Self.expectations {
            let path = TestFiles.malformed(file)
            do {
                let image = try ImageFile.read(path)
                XCTFail("\(file) decoded as \(image.width)×\(image.height); expected an error containing '\(reason)'")
            } catch let error as ImageFileError {
                XCTAssertEqual(error.path, path)
                XCTAssertTrue(error.description.hasPrefix(path + ": "), "\(error) should start with the path")
                XCTAssertTrue(error.reason.contains(reason), "\(file): expected '\(reason)' in '\(error.reason)'")
            }
        }
    }

    func testInMemoryDecodingNamesTheGivenName() {
        XCTAssertThrowsError(try ImageFile.decode([0x00, 0x01], name: "upload #3")) { error in
            XCTAssertEqual("\(error)", "upload #3: not a PNG, JPEG, WebP or JPEG 2000 file (2 bytes, starting 00 01)")
        }
    }

    func testACallerCanLowerThePixelCap() throws {
        let path = TestFiles.valid("rgb8.png")
        XCTAssertEqual(try ImageFile.read(path, maxPixels: 143).pixelCount, 143)
        XCTAssertThrowsError(try ImageFile.read(path, maxPixels: 142)) { error in
            XCTAssertEqual("\(error)", "\(path): png read header: declared size 13×11 (143 pixels) exceeds the limit of 142 pixels")
        }
    }

    func testMissingFilesAndDirectoriesAreRefusedByName() {
        XCTAssertThrowsError(try ImageFile.read("/nonexistent/photo.png")) { error in
            XCTAssertEqual("\(error)", "/nonexistent/photo.png: no such file")
        }
        XCTAssertThrowsError(try ImageFile.read(TestFiles.malformed("valid"))) { error in
            XCTAssertEqual("\(error)", "\(TestFiles.malformed("valid")): a folder, not a regular file; give a regular file")
        }
    }

    func testAPNGNamedJpgDecodesByItsBytes() throws {
        let image = try ImageFile.read(TestFiles.valid("png-named.jpg"))
        assertPixelsEqual(image, try ImageFile.read(TestFiles.valid("rgb8.png")), "png-named.jpg")
    }

    func testACompressedTextBombDecodesAndItsTextIsDropped() throws {
        let image = try ImageFile.read(TestFiles.valid("ztxt-bomb.png"))
        assertPixelsEqual(image, try ImageFile.read(TestFiles.valid("rgb8.png")), "ztxt-bomb.png")
    }

    func testCMYKJPEGConvertsLikePillowAndDjpeg() throws {
        let path = TestFiles.valid("cmyk.jpg")
        let image = try ImageFile.read(path)
        assertPixelsEqual(image, try ImageFile.read(TestFiles.valid("cmyk.expected.png")), "Adobe CMYK JPEG vs Pillow")
        let reference = try ExternalTools.parsePNM([UInt8](try ExternalTools.run("djpeg", ["-pnm", path])))
        assertPixelsEqual(image, reference, "Adobe CMYK JPEG vs djpeg")
    }

    /// YCbCr with 4:2:0, 4:2:2 and 4:4:4 chroma (a J2K codestream that only opj_decompress's
    /// rule calls YCbCr, and JP2 files whose colour box says sYCC) and a palette JP2 decode to
    /// exactly opj_decompress's pixels. Decoded as if it were RGB, the red channel would be the
    /// raw luma, which is checked against too.
    func testYCbCrAndPaletteJPEG2000DecodeLikeOpjDecompress() throws {
        let directory = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for name in ["ycc420.j2k", "ycc422.jp2", "sycc444.jp2", "palette.jp2"] {
            let path = TestFiles.valid(name)
            let decoded = "\(directory)/\(name).ppm"
            try ExternalTools.run("opj_decompress", ["-quiet", "-i", path, "-o", decoded])
            let reference = try ExternalTools.parsePNM(try ExternalTools.read(decoded))
            let image = try ImageFile.read(path)
            assertPixelsEqual(image, reference, "\(name) vs opj_decompress")
            if name != "palette.jp2" {
                let red = stride(from: 0, to: image.pixels.count, by: 3).map { image.pixels[$0] }
                let same = zip(red, lumaPlane(name, image.pixelCount)).filter { $0 == $1 }.count
                XCTAssertLessThan(same, image.pixelCount / 4, "\(name): \(same) red samples equal the raw luma")
            }
        }
    }

    /// At an odd origin (11, 7), 4:2:0 chroma decodes as opj_decompress decodes it except in the
    /// first row and column, where opj_decompress uses a chroma of zero on some pixels and we
    /// repeat the nearest chroma sample.
    func testYCbCrAtAnOddOriginDecodesLikeOpjDecompressInsideTheFirstRowAndColumn() throws {
        let directory = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = TestFiles.valid("ycc420-odd-origin.j2k"), decoded = "\(directory)/odd.ppm"
        try ExternalTools.run("opj_decompress", ["-quiet", "-i", path, "-o", decoded])
        let reference = try ExternalTools.parsePNM(try ExternalTools.read(decoded))
        let image = try ImageFile.read(path)
        XCTAssertEqual(image.width, reference.width)
        XCTAssertEqual(image.height, reference.height)
        func inner(_ picture: RGBImage) -> RGBImage {
            RGBImage(width: picture.width - 1, height: picture.height - 1, pixels: (1 ..< picture.height).flatMap { y in
                picture.pixels[3 * (y * picture.width + 1) ..< 3 * (y + 1) * picture.width]
            })
        }
        assertPixelsEqual(inner(image), inner(reference), "odd origin, without the first row and column")
        let red = stride(from: 0, to: image.pixels.count, by: 3).map { image.pixels[$0] }
        let same = zip(red, lumaPlane("ycc420.j2k", image.pixelCount)).filter { $0 == $1 }.count
        XCTAssertLessThan(same, image.pixelCount / 4, "\(same) red samples equal the raw luma")
    }

    /// RGB components of depths 8, 12 and 4 are each scaled to 8 bits on their own: each channel
    /// equals the component opj_decompress writes (asked for a PPM, it writes one PGM per
    /// component, since the depths differ) times 255 / (2^depth - 1), rounded.
    func testRGBComponentsOfUnequalDepthsAreEachScaled() throws {
        let directory = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = TestFiles.valid("mixed-depth.j2k")
        try ExternalTools.run("opj_decompress", ["-quiet", "-i", path, "-o", "\(directory)/mixed.ppm"])
        let image = try ImageFile.read(path)
        for channel in 0 ..< 3 {
            let component = try ExternalTools.parsePGM(try ExternalTools.read("\(directory)/mixed_\(channel).pgm"))
            XCTAssertEqual(component.maximum, [255, 4095, 15][channel])
            XCTAssertEqual(component.width * component.height, image.pixelCount)
            for (i, sample) in component.samples.enumerated() {
                let expected = (sample * 510 + component.maximum) / (2 * component.maximum)
                guard Int(image.pixels[3 * i + channel]) == expected else {
                    XCTFail("channel \(channel), pixel \(i): expected \(expected) from \(sample), observed \(image.pixels[3 * i + channel])")
                    break
                }
            }
        }
    }

    /// The luma plane of a YCbCr fixture, as generate.py writes it.
    private func lumaPlane(_ name: String, _ count: Int) -> [UInt8] {
        let (width, height) = name == "sycc444.jp2" ? (13, 11) : (47, 39)
        XCTAssertEqual(width * height, count, name)
        return (0 ..< height).flatMap { y in (0 ..< width).map { x in UInt8(16 + 200 * (x + y) / (width + height)) } }
    }

    /// The header estimate refuses bombs, not ordinary files: 4×4 code-blocks on a small image
    /// decode, and equal opj_decompress.
    func testSmallCodeBlocksOnASmallImageDecode() throws {
        let directory = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let source = "\(directory)/texture.ppm", path = "\(directory)/blocks.j2k", decoded = "\(directory)/blocks.ppm"
        try ExternalTools.write(ExternalTools.ppm(TestFiles.texture(width: 300, height: 200)), source)
        try ExternalTools.run("opj_compress", ["-i", source, "-o", path, "-r", "10", "-b", "4,4"])
        try ExternalTools.run("opj_decompress", ["-quiet", "-i", path, "-o", decoded])
        assertPixelsEqual(try ImageFile.read(path), try ExternalTools.parsePNM(try ExternalTools.read(decoded)), "4×4 code-blocks")
    }

    func testSniffingRecognisesEachSignatureAndNothingElse() {
        XCTAssertEqual(ImageFormat.sniff([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), .png)
        XCTAssertEqual(ImageFormat.sniff([0xFF, 0xD8, 0xFF, 0xE0]), .jpeg)
        XCTAssertEqual(ImageFormat.sniff(Array("RIFF\u{0}\u{0}\u{0}\u{0}WEBPVP8 ".utf8)), .webp)
        XCTAssertEqual(ImageFormat.sniff([0xFF, 0x4F, 0xFF, 0x51, 0x00]), .j2k)
        XCTAssertEqual(ImageFormat.sniff([0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A]), .jp2)
        XCTAssertNil(ImageFormat.sniff([]))
        XCTAssertNil(ImageFormat.sniff([0xFF, 0xD8]))
        XCTAssertNil(ImageFormat.sniff(Array("RIFF\u{0}\u{0}\u{0}\u{0}WAVEfmt ".utf8)))
        XCTAssertNil(ImageFormat.sniff(Array("GIF89a".utf8)))
    }

    func testCodecSettingsParseAndRejectOutOfRangeValuesByName() throws {
        XCTAssertEqual(try CodecSetting(parsing: "jpeg:50"), try CodecSetting(codec: .jpeg, quality: 50))
        XCTAssertEqual(try CodecSetting(parsing: "webp:0").quality, 0)
        XCTAssertEqual(try CodecSetting(parsing: "jpeg2000:20").codec, .jpeg2000)
        XCTAssertEqual(try CodecSetting(parsing: "none"), try CodecSetting(codec: .none, quality: 0))
        XCTAssertEqual(try CodecSetting(parsing: "png").description, "png")
        for (text, phrase) in [("jpeg:0", "JPEG quality 0 is outside 1–100"), ("jpeg:101", "outside 1–100"),
                               ("webp:-1", "WebP quality -1 is outside 0–100"), ("jpeg2000:1", "must be greater than 1"),
                               ("gif:10", "unknown codec 'gif'"), ("jpeg:high", "'high' is not an integer"),
                               ("jpeg", "jpeg needs a parameter"), ("png:5", "png takes no parameter")] {
            XCTAssertThrowsError(try CodecSetting(parsing: text), text) { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains("'\(text)'") && message.contains(phrase), "\(text): got '\(message)'")
            }
        }
    }

    func testWebPRefusesSidesAboveItsLimit() throws {
        let wide = RGBImage(width: 16384, height: 1)
        XCTAssertThrowsError(try roundTrip(wide, CodecSetting(codec: .webp, quality: 50))) { error in
            XCTAssertEqual("\(error)", "webp encode: 16384×1 exceeds WebP's maximum side of 16383 pixels")
        }
    }
}
