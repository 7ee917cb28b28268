import Foundation
import _Support
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An image file read and decoded to 8-bit RGB, with the SHA-256 of its bytes.
public struct IdentifiedImage: Sendable {
    /// The decoded image.
    public var image: RGBImage
    /// SHA-256 of the file's bytes, 64 hex digits.
    public var sha256: String
}

extension ImageFile {
    /// Where files are decoded.
    public enum Isolation: Sendable {
        /// In this process (the library's default, and the tests').
        case inProcess
        /// In a child process: `executable` run with `arguments` and then the path, answering as
        /// ``serveDecode(_:)`` does. A file that crashes the decoder, exhausts the child's memory
        /// limit or hangs it costs that file only.
        case childProcess(executable: String, arguments: [String])
    }

    /// Where ``read(_:)`` and ``readIdentified(_:)`` decode; the command-line tool sets a child process.
    nonisolated(unsafe) public static var isolation: Isolation = .inProcess

    /// The address space a decoding child may use: 3 GiB, room for the largest image under the
    /// pixel caps with its decoder's working memory. A file that needs more is refused.
    public static let childMemoryLimit = 3 << 30

    /// Seconds a decoding child may run before it is killed: well under a minute, so one file
    /// never stalls a sweep.
    public static let childTimeout = 45.0

    /// Reads and decodes `path`, with the SHA-256 of its bytes, where ``isolation`` says.
    /// Throws ``ImageFileError`` naming the path and the reason.
    public static func readIdentified(_ path: String) throws -> IdentifiedImage {
        switch isolation {
        case .inProcess:
            let bytes = try Files.read(path, limit: maxFileBytes)
            return IdentifiedImage(image: try decode(bytes, name: path, maxPixels: PixelLimit.maxPixels), sha256: sha256Hex(bytes))
        case .childProcess(let executable, let arguments):
            let outcome = try ChildProcess.run(executable, arguments + [path], timeout: childTimeout)
            if outcome.timedOut {
                throw ImageFileError(path: path, reason: "decoding took longer than \(Int(childTimeout)) s and was stopped; the file is skipped")
            }
            guard outcome.status == 0 else {
                let said = outcome.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
                if outcome.status == 1, !said.isEmpty { throw ImageFileError(path: path, reason: said) }
                throw ImageFileError(path: path, reason: """
                    the decoder stopped (status \(outcome.status)) on this file: it is malformed or needs more than \
                    the \(childMemoryLimit >> 30) GiB decoding limit\(said.isEmpty ? "" : " (\(said))")
                    """)
            }
            guard let decoded = parseAnswer(outcome.stdout) else {
                throw ImageFileError(path: path, reason: "the decoding child answered with \(outcome.stdout.count) bytes that are not an image")
            }
            return decoded
        }
    }

    /// The child's side of ``Isolation/childProcess(executable:arguments:)``: limits its own memory
    /// to ``childMemoryLimit``, reads and decodes `path` in process, and writes the answer to stdout.
    /// Returns the exit status: 0, or 1 after writing the reason to stderr.
    public static func serveDecode(_ path: String) -> Int32 {
        var limit = rlimit(rlim_cur: rlim_t(childMemoryLimit), rlim_max: rlim_t(childMemoryLimit))
        _ = setrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit)
        do {
            let bytes = try Files.read(path, limit: maxFileBytes)
            let image = try decode(bytes, name: path, maxPixels: PixelLimit.maxPixels)
            var answer = Array("SNZ1".utf8) + Array(sha256Hex(bytes).utf8)
            for value in [UInt64(image.width), UInt64(image.height)] {
                withUnsafeBytes(of: value.littleEndian) { answer += $0 }
            }
            answer += image.pixels
            try AtomicFile.writeAll(answer, to: 1, path: "standard output")
            return 0
        } catch let error as FileError {
            try? AtomicFile.writeAll(Array((error.reason + "\n").utf8), to: 2, path: "standard error")
            return 1
        } catch {
            try? AtomicFile.writeAll(Array("\(error)\n".utf8), to: 2, path: "standard error")
            return 1
        }
    }

    private static func parseAnswer(_ bytes: [UInt8]) -> IdentifiedImage? {
        let header = 4 + 64 + 16
        guard bytes.count >= header, bytes[0..<4].elementsEqual("SNZ1".utf8) else { return nil }
        func word(_ at: Int) -> Int {
            Int(truncatingIfNeeded: (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[at + $1]) << (8 * UInt64($1)) })
        }
        let width = word(68), height = word(76)
        guard width > 0, height > 0, width <= PixelLimit.maxPixels, height <= PixelLimit.maxPixels,
              width * height <= PixelLimit.maxPixels, bytes.count == header + 3 * width * height else { return nil }
        let sha = String(decoding: bytes[4..<68], as: UTF8.self)
        return IdentifiedImage(image: RGBImage(width: width, height: height, pixels: Array(bytes[header...])), sha256: sha)
    }
}
