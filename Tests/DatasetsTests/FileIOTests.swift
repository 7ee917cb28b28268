import Datasets
import Foundation
import XCTest

/// Special files are refused by kind without blocking; staged files and folders replace their
/// destination only when committed.
final class FileIOTests: XCTestCase {
    /// Runs `body` on another thread and fails instead of hanging when it takes over `seconds`.
    private func withinSeconds(_ seconds: Double, line: UInt = #line, _ body: @escaping () throws -> Void) {
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            do {
                try body()
            } catch {
                XCTFail("\(error)", line: line)
            }
            done.signal()
        }
        XCTAssertEqual(done.wait(timeout: .now() + seconds), .success, "blocked for over \(seconds) s", line: line)
    }

    func testFIFOsAsDatasetFilesAreRefusedByKind() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let names = FashionMNIST.fileNames(.train)
        _ = try dir.write(Gzip.deflate(IDX.encode(sizes: [1, 2, 2], payload: [1, 2, 3, 4])), names.images)
        XCTAssertEqual(mkfifo(dir.path + "/" + names.labels, 0o644), 0)
        XCTAssertEqual(mkfifo(dir.path + "/test_batch.bin", 0o644), 0)
        withinSeconds(10) {
            XCTAssertThrowsError(try FashionMNIST.load(.train, from: dir.path)) { error in
                XCTAssertTrue("\(error)".contains(names.labels) && "\(error)".contains("not a regular file (a FIFO)"), "\(error)")
            }
            XCTAssertThrowsError(try CIFAR10.load(.test, from: dir.path)) { error in
                XCTAssertTrue("\(error)".contains("test_batch.bin") && "\(error)".contains("not a regular file (a FIFO)"), "\(error)")
            }
            XCTAssertThrowsError(try FileIO.read(dir.path, limit: 100)) { error in
                XCTAssertTrue("\(error)".contains("not a regular file (a directory)"), "\(error)")
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
        try FileIO.writeAtomically(Array("last".utf8), to: path)
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
        try FileIO.writeAtomically([1, 2, 3], to: staged.temporaryPath + "/a.bin")
        XCTAssertFalse(FileManager.default.fileExists(atPath: destination), "nothing may appear before commit")
        try staged.commit { _ in XCTFail("there is nothing to replace") }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: destination), ["a.bin"])

        let second = try StagedDirectory(for: destination)
        try FileIO.writeAtomically([4], to: second.temporaryPath + "/b.bin")
        struct Refused: Error {}
        XCTAssertThrowsError(try second.commit { _ in throw Refused() })
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: destination), ["a.bin"])
        second.discard()

        let third = try StagedDirectory(for: destination)
        try FileIO.writeAtomically([5], to: third.temporaryPath + "/c.bin")
        try third.commit { _ in }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: destination), ["c.bin"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/nested"), ["set"])
    }

    func testParentDirectory() {
        let cases = ["x": ".", "x/": ".", "a/b": "a", "a//b/": "a", "/x": "/", "/": "/", "": ".", "./x": ".", "a/b/c": "a/b"]
        for (path, parent) in cases {
            XCTAssertEqual(FileIO.parentDirectory(of: path), parent, "parent of '\(path)'")
        }
    }
}
