import Datasets
import XCTest
import _TestSupport

final class FashionMNISTTests: XCTestCase {
    /// A tiny valid gray set: `count` images of `rows`×`cols` with a simple pattern.
    private func tinySet(count: Int = 5, rows: Int = 4, cols: Int = 3) -> LabeledImages {
        LabeledImages(count: count, height: rows, width: cols, channels: 1, classCount: 10,
                      pixels: (0 ..< count * rows * cols).map { UInt8(truncatingIfNeeded: $0 * 3) },
                      labels: (0 ..< count).map { UInt8($0 % 10) })
    }

    private func writeSplit(images: [UInt8], labels: [UInt8], in dir: TempDirectory, gzip: Bool = true) throws {
        let names = FashionMNIST.fileNames(.train)
        _ = try dir.write(gzip ? Gzip.deflate(images) : images, names.images)
        _ = try dir.write(gzip ? Gzip.deflate(labels) : labels, names.labels)
    }

    private func assertLoadFails(_ dir: TempDirectory, file: String, containing fragment: String, line: UInt = #line) {
        XCTAssertThrowsError(try FashionMNIST.load(.train, from: dir.path), line: line) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains(file), "expected the message to name \(file), observed '\(message)'", line: line)
            XCTAssertTrue(message.contains(fragment), "expected '\(fragment)' in '\(message)'", line: line)
        }
    }

    func testWriteThenLoadRoundTrips() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let set = tinySet()
        try FashionMNIST.write(set, as: .train, to: dir.path)
        XCTAssertEqual(try FashionMNIST.load(.train, from: dir.path), set)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [], "atomic writes must not leave temporary files")
    }

    func testWrongImageMagic() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        var images = IDX.encode(sizes: [5, 4, 3], payload: tinySet().pixels)
        images[2] = 0x09
        try writeSplit(images: images, labels: IDX.encode(sizes: [5], payload: tinySet().labels), in: dir)
        assertLoadFails(dir, file: "train-images-idx3-ubyte.gz", containing: "magic")
    }

    func testLabelsFileGivenAsImages() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let labels = IDX.encode(sizes: [5], payload: tinySet().labels)
        try writeSplit(images: labels, labels: labels, in: dir)
        assertLoadFails(dir, file: "train-images-idx3-ubyte.gz", containing: "1 dimensions, expected 3")
    }

    func testPayloadShorterAndLongerThanHeader() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let good = IDX.encode(sizes: [5, 4, 3], payload: tinySet().pixels)
        let labels = IDX.encode(sizes: [5], payload: tinySet().labels)
        try writeSplit(images: Array(good.dropLast()), labels: labels, in: dir)
        assertLoadFails(dir, file: "train-images-idx3-ubyte.gz", containing: "need 60 payload bytes, found 59")
        try writeSplit(images: good + [0], labels: labels, in: dir)
        assertLoadFails(dir, file: "train-images-idx3-ubyte.gz", containing: "need 60 payload bytes, found 61")
    }

    func testHugeDeclaredCount() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        var images = IDX.encode(sizes: [5, 4, 3], payload: tinySet().pixels)
        images[4 ..< 8] = [0xff, 0xff, 0xff, 0xff]
        try writeSplit(images: images, labels: IDX.encode(sizes: [5], payload: tinySet().labels), in: dir)
        assertLoadFails(dir, file: "train-images-idx3-ubyte.gz", containing: "found 60")
    }

    func testCountMismatchBetweenFiles() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        try writeSplit(images: IDX.encode(sizes: [5, 4, 3], payload: tinySet().pixels),
                       labels: IDX.encode(sizes: [4], payload: Array(tinySet().labels.prefix(4))), in: dir)
        assertLoadFails(dir, file: "train-labels-idx1-ubyte.gz", containing: "holds 5 images")
    }

    func testLabelOutOfRange() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        try writeSplit(images: IDX.encode(sizes: [5, 4, 3], payload: tinySet().pixels),
                       labels: IDX.encode(sizes: [5], payload: [0, 1, 2, 10, 4]), in: dir)
        assertLoadFails(dir, file: "train-labels-idx1-ubyte.gz", containing: "label 10 at index 3")
    }

    func testUncompressedFileIsRejected() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        try writeSplit(images: IDX.encode(sizes: [5, 4, 3], payload: tinySet().pixels),
                       labels: IDX.encode(sizes: [5], payload: tinySet().labels), in: dir, gzip: false)
        assertLoadFails(dir, file: "train-images-idx3-ubyte.gz", containing: "1F 8B")
    }

    func testTruncatedAndBadCRCFilesAreNamed() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let names = FashionMNIST.fileNames(.train)
        let packed = Gzip.deflate(IDX.encode(sizes: [5, 4, 3], payload: tinySet().pixels))
        _ = try dir.write(Gzip.deflate(IDX.encode(sizes: [5], payload: tinySet().labels)), names.labels)
        _ = try dir.write(Array(packed.dropLast(3)), names.images)
        assertLoadFails(dir, file: names.images, containing: "truncated")
        var badCRC = packed
        badCRC[badCRC.count - 6] ^= 0xff
        _ = try dir.write(badCRC, names.images)
        assertLoadFails(dir, file: names.images, containing: "incorrect data check")
    }

    func testInflatedSizeCapNamesFile() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let set = tinySet(count: 100, rows: 28, cols: 28)
        try FashionMNIST.write(set, as: .train, to: dir.path)
        XCTAssertThrowsError(try FashionMNIST.load(.train, from: dir.path, limit: 50_000)) { error in
            XCTAssertEqual(error as? DatasetError,
                           .tooLarge(path: dir.path + "/train-images-idx3-ubyte.gz", limit: 50_000))
        }
    }

    func testMissingDirectory() {
        XCTAssertThrowsError(try FashionMNIST.load(.test, from: "/nonexistent-fmnist")) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent-fmnist/t10k-images-idx3-ubyte.gz"), "observed \(error)")
        }
    }

    /// The installed Debian files: 60,000 + 10,000 images of 28×28, 6,000 and 1,000 per class
    /// (the published class balance of Fashion-MNIST).
    func testRealFilesLoad() throws {
        let train = try FashionMNIST.load(.train)
        let test = try FashionMNIST.load(.test)
        XCTAssertEqual([train.count, train.height, train.width, train.channels], [60_000, 28, 28, 1])
        XCTAssertEqual([test.count, test.height, test.width, test.channels], [10_000, 28, 28, 1])
        var trainHistogram = [Int](repeating: 0, count: 10), testHistogram = [Int](repeating: 0, count: 10)
        for l in train.labels { trainHistogram[Int(l)] += 1 }
        for l in test.labels { testHistogram[Int(l)] += 1 }
        XCTAssertEqual(trainHistogram, [Int](repeating: 6000, count: 10))
        XCTAssertEqual(testHistogram, [Int](repeating: 1000, count: 10))
        let mean = Double(train.pixels.reduce(0) { $0 + Int($1) }) / Double(train.pixels.count)
        // Fashion-MNIST's published training mean is 0.2860 × 255 = 72.94.
        XCTAssertEqual(mean, 72.94, accuracy: 0.05, "expected mean 72.94, observed \(mean)")
    }
}
