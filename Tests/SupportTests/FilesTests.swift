import Datasets
import Foundation
import XCTest
import _Support
import _TestSupport

/// Special files are refused by kind without blocking; staged files and folders replace their
/// destination only when committed; paths that are not UTF-8 work.
final class FilesTests: XCTestCase {

    func testFIFOsAsDatasetFilesAreRefusedByKind() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let names = FashionMNIST.fileNames(.train)
        _ = try dir.write(Gzip.deflate(IDX.encode(sizes: [1, 2, 2], payload: [1, 2, 3, 4])), names.images)
        XCTAssertEqual(mkfifo(dir.path + "/" + names.labels, 0o644), 0)
        XCTAssertEqual(mkfifo(dir.path + "/test_batch.bin", 0o644), 0)
        withinSeconds(10) {
            XCTAssertThrowsError(try FashionMNIST.load(.train, from: dir.path)) { error in
                XCTAssertTrue("\(error)".contains(names.labels) && "\(error)".contains("FIFO"), "\(error)")
            }
            XCTAssertThrowsError(try CIFAR10.load(.test, from: dir.path)) { error in
                XCTAssertTrue("\(error)".contains("test_batch.bin") && "\(error)".contains("FIFO"), "\(error)")
            }
            XCTAssertThrowsError(try Files.read(dir.path, limit: 100)) { error in
                XCTAssertTrue("\(error)".contains("a folder, not a regular file"), "\(error)")
            }
        }
    }

    func testStagedFileReplacesOnlyOnCommit() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = try dir.write(Array("old".utf8), "out.txt")
        let staged = try StagedFile(for: path)
        try staged.append(Array("new".utf8))
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "old")
        try staged.commit()
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "new")
        let dropped = try StagedFile(for: path)
        try dropped.append(Array("lost".utf8))
        dropped.discard()
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "new")
        try AtomicFile.write(Array("last".utf8), to: path)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "last")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["out.txt"])
        XCTAssertThrowsError(try StagedFile(for: dir.path + "/missing/out.txt")) { error in
            XCTAssertTrue("\(error)".contains(dir.path + "/missing/out.txt"), "\(error)")
        }
    }

    func testStagedDirectoryAppearsWholeOrNotAtAll() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let destination = dir.path + "/nested/set"
        let staged = try StagedDirectory(for: destination)
        XCTAssertTrue(StagedDirectory.isTemporaryName((staged.temporaryPath as NSString).lastPathComponent))
        try AtomicFile.write([1, 2, 3], to: staged.temporaryPath + "/a.bin")
        XCTAssertFalse(FileManager.default.fileExists(atPath: destination), "nothing may appear before commit")
        try staged.commit { _ in XCTFail("there is nothing to replace") }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: destination), ["a.bin"])

        let second = try StagedDirectory(for: destination)
        try AtomicFile.write([4], to: second.temporaryPath + "/b.bin")
        struct Refused: Error {}
        XCTAssertThrowsError(try second.commit { _ in throw Refused() })
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: destination), ["a.bin"])
        second.discard()

        let third = try StagedDirectory(for: destination)
        try AtomicFile.write([5], to: third.temporaryPath + "/c.bin")
        try third.commit { _ in }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: destination), ["c.bin"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/nested"), ["set"])
    }

    func testNamesThatAreNotUTF8RoundTripThroughPathsAndListings() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let raw: [UInt8] = Array("caf".utf8) + [0xE9, 0xFF] + Array(".png".utf8)
        let name = PlatformPath.decode(raw)
        XCTAssertEqual(PlatformPath.bytes(name), raw)
        XCTAssertEqual(PlatformPath.display(name), "caf\\xe9\\xff.png")
        let path = PlatformPath.join(dir.path, name)
        try AtomicFile.write([1, 2, 3], to: path)
        XCTAssertEqual(try Files.read(path, limit: 10), [1, 2, 3])
        XCTAssertEqual(try Files.listFolder(dir.path).files, [name])
        XCTAssertEqual(PlatformPath.display("a\nb"), "a\\nb", "line breaks are shown escaped")
    }

    func testOutputsThatAreTheSameFileAreFoundWhateverTheSpelling() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let a = dir.path + "/a.csv"
        XCTAssertThrowsError(try OutputFiles.checkDistinct(outputs: [.init("--output", a), .init("--summary", dir.path + "/./a.csv")]))
        try AtomicFile.write("x", to: a)
        XCTAssertEqual(symlink(a, dir.path + "/link.csv"), 0)
        XCTAssertNoThrow(try OutputFiles.checkDistinct(outputs: [.init("--output", dir.path + "/b.csv")], inputs: [.init("image", a)]))
        XCTAssertThrowsError(try OutputFiles.checkDistinct(outputs: [.init("--figure", dir.path + "/link.csv")],
                                                          inputs: [.init("image", a)])) {
            XCTAssertTrue("\($0)".contains("--figure") && "\($0)".contains("image"), "\($0)")
        }
        XCTAssertThrowsError(try OutputFiles.checkWritable("", option: "--output"))
        XCTAssertThrowsError(try OutputFiles.checkWritable(dir.path, option: "--output")) {
            XCTAssertTrue("\($0)".contains("folder"), "\($0)")
        }
    }

    func testParentDirectory() {
        let cases = ["x": ".", "x/": ".", "a/b": "a", "a//b/": "a", "/x": "/", "/": "/", "": ".", "./x": ".", "a/b/c": "a/b"]
        for (path, parent) in cases {
            XCTAssertEqual(PlatformPath.parent(path), parent, "parent of '\(path)'")
        }
    }
}
