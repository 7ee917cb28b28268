import Foundation
import Imaging
import XCTest

/// Our encoders and decoders against the reference command-line tools, with docs/protocol.md §4's
/// settings: pixel identity with djpeg, dwebp and opj_decompress, and the contract's size
/// bounds (1% of cwebp, 2% of opj_compress). With the same input our bytes are in fact identical
/// to cjpeg's, cwebp's and opj_compress's, and the tests require that too.
final class CodecToolTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = try TestFiles.temporaryDirectory()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A 224×224 crop and an odd-sized crop of a real photo, stored as PPM for the tools.
    func photos() throws -> [(name: String, image: RGBImage, ppm: String)] {
        let chelsea = try ImageFile.read(TestFiles.photo("chelsea.png"))
        func crop(_ image: RGBImage, x: Int, y: Int, width: Int, height: Int) -> RGBImage {
            var samples = [UInt8]()
            for row in y ..< y + height {
                let start = 3 * (row * image.width + x)
                samples += image.pixels[start ..< start + 3 * width]
            }
            return RGBImage(width: width, height: height, pixels: samples)
        }
        let images = [("chelsea-224", crop(chelsea, x: 120, y: 40, width: 224, height: 224)),
                      ("chelsea-301x197", crop(chelsea, x: 7, y: 3, width: 301, height: 197))]
        return try images.map { name, image in
            let path = "\(directory)/\(name).ppm"
            try ExternalTools.write(ExternalTools.ppm(image), path)
            return (name, image, path)
        }
    }

    // MARK: - JPEG

    func testJPEGBytesEqualCjpegBaselineForEveryQuality() throws {
        let photo = try photos()[0]
        for quality in 1 ... 100 {
            let ours = try roundTrip(photo.image, CodecSetting(codec: .jpeg, quality: quality)).encoded
            let theirs = [UInt8](try ExternalTools.run("cjpeg", ["-baseline", "-quality", "\(quality)", photo.ppm]))
            if ours != theirs {
                let first = zip(ours, theirs).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(ours.count, theirs.count)
                XCTFail("q=\(quality): \(ours.count) bytes vs cjpeg's \(theirs.count); first difference at byte \(first)")
            }
        }
    }

    func testJPEGBytesEqualCjpegOnAnOddSize() throws {
        let photo = try photos()[1]
        for quality in [5, 50, 75, 95] {
            let ours = try roundTrip(photo.image, CodecSetting(codec: .jpeg, quality: quality)).encoded
            let theirs = [UInt8](try ExternalTools.run("cjpeg", ["-baseline", "-quality", "\(quality)", photo.ppm]))
            XCTAssertEqual(ours, theirs, "q=\(quality): \(ours.count) bytes vs cjpeg's \(theirs.count)")
        }
    }

    func testJPEGDecodedPixelsEqualDjpeg() throws {
        for photo in try photos() {
            for quality in [10, 50, 90] {
                let trip = try roundTrip(photo.image, CodecSetting(codec: .jpeg, quality: quality))
                let path = "\(directory)/\(photo.name)-q\(quality).jpg"
                try ExternalTools.write(trip.encoded, path)
                let reference = try ExternalTools.parsePNM([UInt8](try ExternalTools.run("djpeg", ["-ppm", path])))
                assertPixelsEqual(trip.decoded, reference, "\(photo.name) q=\(quality) vs djpeg")
                XCTAssertEqual(trip.bytes, trip.encoded.count)
                XCTAssertEqual(trip.bpp, 8 * Double(trip.bytes) / Double(photo.image.pixelCount), accuracy: 1e-12)
            }
        }
    }

    func testGrayAndProgressiveJPEGDecodeLikeDjpeg() throws {
        let photo = try photos()[1]
        for (name, flags) in [("gray", ["-grayscale"]), ("progressive", ["-progressive"]),
                              ("444", ["-sample", "1x1"]), ("optimized", ["-optimize"])] {
            let path = "\(directory)/\(name).jpg"
            try ExternalTools.write([UInt8](try ExternalTools.run("cjpeg", flags + ["-quality", "80", photo.ppm])), path)
            let reference = try ExternalTools.parsePNM([UInt8](try ExternalTools.run("djpeg", ["-ppm", path])))
            assertPixelsEqual(try ImageFile.read(path), reference, "\(name) JPEG vs djpeg")
        }
    }

    // MARK: - WebP

    func testWebPSizeWithinOnePercentOfCwebpAndPixelsEqualDwebp() throws {
        for photo in try photos() {
            for quality in [0, 10, 50, 75, 90, 100] {
                let trip = try roundTrip(photo.image, CodecSetting(codec: .webp, quality: quality))
                let reference = "\(directory)/\(photo.name)-cwebp.webp"
                try ExternalTools.run("cwebp", ["-quiet", "-q", "\(quality)", photo.ppm, "-o", reference])
                let theirBytes = try ExternalTools.read(reference)
                let theirs = theirBytes.count
                XCTAssertEqual(trip.encoded, theirBytes, "\(photo.name) q=\(quality): our WebP bytes differ from cwebp's")
                let error = abs(Double(trip.bytes - theirs)) / Double(theirs)
                XCTAssertLessThanOrEqual(error, 0.01, "\(photo.name) q=\(quality): \(trip.bytes) bytes vs cwebp's \(theirs)")

                let ours = "\(directory)/\(photo.name)-ours.webp"
                try ExternalTools.write(trip.encoded, ours)
                let decoded = "\(directory)/\(photo.name)-dwebp.ppm"
                try ExternalTools.run("dwebp", ["-quiet", ours, "-ppm", "-o", decoded])
                assertPixelsEqual(trip.decoded, try ExternalTools.parsePNM(try ExternalTools.read(decoded)),
                                  "\(photo.name) q=\(quality) vs dwebp")
            }
        }
    }

    // MARK: - JPEG 2000

    func testJPEG2000SizeWithinTwoPercentOfOpjCompressAndPixelsEqualOpjDecompress() throws {
        for photo in try photos() {
            for ratio in [100, 50, 20, 10, 4] {
                let trip = try roundTrip(photo.image, CodecSetting(codec: .jpeg2000, quality: ratio))
                let reference = "\(directory)/\(photo.name)-opj.j2k"
                try ExternalTools.run("opj_compress", ["-i", photo.ppm, "-o", reference, "-r", "\(ratio)", "-I"])
                let theirBytes = try ExternalTools.read(reference)
                let theirs = theirBytes.count
                XCTAssertEqual(trip.encoded, theirBytes, "\(photo.name) R=\(ratio): our codestream differs from opj_compress's")
                let error = abs(Double(trip.bytes - theirs)) / Double(theirs)
                XCTAssertLessThanOrEqual(error, 0.02, "\(photo.name) R=\(ratio): \(trip.bytes) bytes vs opj_compress's \(theirs)")

                let ours = "\(directory)/\(photo.name)-ours.j2k"
                try ExternalTools.write(trip.encoded, ours)
                let decoded = "\(directory)/\(photo.name)-opj.ppm"
                try ExternalTools.run("opj_decompress", ["-quiet", "-i", ours, "-o", decoded])
                assertPixelsEqual(trip.decoded, try ExternalTools.parsePNM(try ExternalTools.read(decoded)),
                                  "\(photo.name) R=\(ratio) vs opj_decompress")
            }
        }
    }

    func testSmallImagesUseFewerResolutionLevels() throws {
        for (width, height) in [(1, 1), (2, 3), (31, 7), (17, 40)] {
            let image = TestFiles.texture(width: width, height: height)
            let trip = try roundTrip(image, CodecSetting(codec: .jpeg2000, quality: 10))
            XCTAssertEqual(trip.decoded.width, width)
            XCTAssertEqual(trip.decoded.height, height)
            let path = "\(directory)/small.j2k"
            try ExternalTools.write(trip.encoded, path)
            let decoded = "\(directory)/small.ppm"
            try ExternalTools.run("opj_decompress", ["-quiet", "-i", path, "-o", decoded])
            assertPixelsEqual(trip.decoded, try ExternalTools.parsePNM(try ExternalTools.read(decoded)), "\(width)×\(height)")
        }
    }

    func testJP2FilesDecodeLikeOpjDecompress() throws {
        let photo = try photos()[1]
        let path = "\(directory)/photo.jp2"
        try ExternalTools.run("opj_compress", ["-i", photo.ppm, "-o", path, "-r", "30"])
        XCTAssertEqual(ImageFormat.sniff(try ExternalTools.read(path)), .jp2)
        let decoded = "\(directory)/jp2.ppm"
        try ExternalTools.run("opj_decompress", ["-quiet", "-i", path, "-o", decoded])
        assertPixelsEqual(try ImageFile.read(path), try ExternalTools.parsePNM(try ExternalTools.read(decoded)), "JP2")
    }

    // MARK: - Lossless and none

    func testPNGAndNoneAreLosslessAndNoneCounts24Bits() throws {
        let image = try photos()[0].image
        let png = try roundTrip(image, CodecSetting(codec: .png, quality: 0))
        assertPixelsEqual(png.decoded, image, "png round trip")
        let none = try roundTrip(image, CodecSetting(codec: .none, quality: 0))
        assertPixelsEqual(none.decoded, image, "none round trip")
        XCTAssertEqual(none.bytes, 3 * 224 * 224)
        XCTAssertEqual(none.bpp, 24)
    }
}
