import _Support
import Datasets
import Foundation
import Imaging
import XCTest
import _TestSupport

final class CodecCacheTests: XCTestCase {
    private func graySet(count: Int = 12) -> LabeledImages {
        LabeledImages(count: count, height: 6, width: 5, channels: 1, classCount: 10,
                      pixels: (0 ..< count * 30).map { UInt8(truncatingIfNeeded: $0 * 11) },
                      labels: (0 ..< count).map { UInt8($0 % 10) })
    }

    /// A stand-in codec: darkens every sample by 10 (saturating) and counts its calls.
    private final class Darken: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var calls = 0
        func callAsFunction(_ image: RGBImage) -> RGBImage {
            lock.lock(); calls += 1; lock.unlock()
            return RGBImage(width: image.width, height: image.height, pixels: image.pixels.map { $0 > 10 ? $0 - 10 : 0 })
        }
    }

    func testComputesOnceThenHits() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let cache = CodecCache(directory: dir.path + "/nested/cache")
        let set = graySet()
        let key = CodecCache.Key(dataset: "fashion-mnist", split: .train, codec: "jpeg:50", tag: "clean", source: set)
        let codec = Darken()
        let first = try cache.roundTripped(set, key: key, workers: 2) { codec($0) }
        XCTAssertFalse(first.hit)
        XCTAssertEqual(codec.calls, set.count)
        XCTAssertEqual(first.images.pixels, set.pixels.map { $0 > 10 ? $0 - 10 : 0 })
        XCTAssertEqual(first.images.labels, set.labels)
        let second = try cache.roundTripped(set, key: key, workers: 2) { codec($0) }
        XCTAssertTrue(second.hit)
        XCTAssertEqual(codec.calls, set.count, "a hit must not call the codec")
        XCTAssertEqual(second.images, first.images)
    }

    func testDifferentPixelsAreADifferentKey() throws {
        var poisoned = graySet()
        poisoned.pixels[0] ^= 1
        let a = CodecCache.Key(dataset: "fashion-mnist", split: .train, codec: "jpeg:50", tag: "clean", source: graySet())
        let b = CodecCache.Key(dataset: "fashion-mnist", split: .train, codec: "jpeg:50", tag: "clean", source: poisoned)
        XCTAssertNotEqual(a.fileName, b.fileName)
        let c = CodecCache.Key(dataset: "fashion-mnist", split: .train, codec: "jpeg:75", tag: "clean", source: graySet())
        XCTAssertNotEqual(a.fileName, c.fileName)
        XCTAssertFalse(a.fileName.contains(":"), "file names must be portable: \(a.fileName)")
    }

    func testCorruptOrTruncatedFileIsAMissAndIsRewritten() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let cache = CodecCache(directory: dir.path)
        let set = graySet()
        let key = CodecCache.Key(dataset: "d", split: .test, codec: "webp:10", tag: "clean", source: set)
        let codec = Darken()
        let good = try cache.roundTripped(set, key: key, workers: 1) { codec($0) }.images
        let path = cache.path(for: key)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        for damaged in [Array(bytes.dropLast(10)), [UInt8](), Array(bytes[0 ..< 40])] + [{ var b = bytes; b[100] ^= 0xff; return b }()] {
            try Data(damaged).write(to: URL(fileURLWithPath: path))
            XCTAssertNil(cache.load(key), "a damaged file of \(damaged.count) bytes must be a miss")
            let again = try cache.roundTripped(set, key: key, workers: 1) { codec($0) }
            XCTAssertFalse(again.hit)
            XCTAssertEqual(again.images, good)
        }
        XCTAssertEqual(codec.calls, 5 * set.count)
    }

    func testGrayRoundTripIsExactForIdentity() throws {
        let set = graySet()
        let out = try CodecCache.apply(set, codec: "identity", workers: 2) { $0 }
        XCTAssertEqual(out, set)
    }

    func testCodecFailureNamesTheImage() throws {
        struct Boom: Swift.Error, CustomStringConvertible { var description: String { "boom" } }
        let set = graySet()
        XCTAssertThrowsError(try CodecCache.apply(set, codec: "jpeg:5", workers: 1) { image in
            if image.pixels[0] == set.pixels[3 * 30] { throw Boom() }
            return image
        }) { error in
            XCTAssertEqual(error as? DatasetError, .codecFailed(setting: "jpeg:5", index: 3, reason: "boom"))
        }
    }

    func testUnwritableCacheDirectory() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let blocker = try dir.write([1], "file")
        let cache = CodecCache(directory: blocker + "/sub")
        let set = graySet()
        let key = CodecCache.Key(dataset: "d", split: .train, codec: "jpeg:50", tag: "clean", source: set)
        XCTAssertThrowsError(try cache.roundTripped(set, key: key, workers: 1) { $0 }) { error in
            guard let error = error as? FileError, error.path == blocker, error.reason.contains("not a folder") else {
                return XCTFail("observed \(error)")
            }
        }
    }
}
