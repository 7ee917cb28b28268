import Foundation
import Imaging
import XCTest

/// Runs the reference command-line tools (cjpeg, djpeg, cwebp, dwebp, opj_compress,
/// opj_decompress; Debian packages libjpeg-turbo-progs, webp, libopenjp2-tools) and converts
/// between RGBImage and the PPM/PGM files they read and write.
enum ExternalTools {
    struct Failure: Swift.Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `/usr/bin/<tool> arguments` and returns its standard output; throws with the exit
    /// status and standard error when it fails or is not installed.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/\(tool)")
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw Failure(description: "cannot run /usr/bin/\(tool) (install it with Scripts/setup.sh): \(error)")
        }
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(tool) \(arguments.joined(separator: " ")) exited with "
                          + "\(process.terminationStatus): \(String(decoding: stderr, as: UTF8.self))")
        }
        return stdout
    }

    /// Binary PPM (P6) bytes of `image`.
    static func ppm(_ image: RGBImage) -> [UInt8] {
        Array("P6\n\(image.width) \(image.height)\n255\n".utf8) + image.pixels
    }

    /// Parses an 8-bit binary PPM (P6) or PGM (P5; gray is replicated to RGB).
    static func parsePNM(_ bytes: [UInt8]) throws -> RGBImage {
        var index = 0
        func token() throws -> String {
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "#") {
                    while index < bytes.count && bytes[index] != 10 { index += 1 }
                } else if [9, 10, 13, 32].contains(bytes[index]) {
                    index += 1
                } else {
                    break
                }
            }
            let start = index
            while index < bytes.count && ![9, 10, 13, 32].contains(bytes[index]) { index += 1 }
            guard index > start else { throw Failure(description: "truncated PNM header") }
            return String(decoding: bytes[start ..< index], as: UTF8.self)
        }
        let magic = try token()
        guard magic == "P6" || magic == "P5", let width = Int(try token()), let height = Int(try token()),
              let maximum = Int(try token()), maximum == 255
        else { throw Failure(description: "unsupported PNM header") }
        index += 1
        let channels = magic == "P6" ? 3 : 1
        guard bytes.count - index == width * height * channels else {
            throw Failure(description: "PNM payload is \(bytes.count - index) bytes, expected \(width * height * channels)")
        }
        let payload = Array(bytes[index...])
        if channels == 3 { return RGBImage(width: width, height: height, pixels: payload) }
        return RGBImage(width: width, height: height, pixels: payload.flatMap { [$0, $0, $0] })
    }

    /// Parses a binary PGM (P5) of any maximum value (two big-endian bytes per sample above 255),
    /// as opj_decompress writes one component of any depth.
    static func parsePGM(_ bytes: [UInt8]) throws -> (width: Int, height: Int, maximum: Int, samples: [Int]) {
        var fields = [Int]()
        var index = 2
        guard bytes.starts(with: Array("P5".utf8)) else { throw Failure(description: "not a binary PGM") }
        while fields.count < 3 && index < bytes.count {
            if bytes[index] == UInt8(ascii: "#") {
                while index < bytes.count && bytes[index] != 10 { index += 1 }
            } else if (48 ... 57).contains(bytes[index]) {
                var value = 0
                while index < bytes.count, (48 ... 57).contains(bytes[index]) {
                    value = value * 10 + Int(bytes[index]) - 48
                    index += 1
                }
                fields.append(value)
                continue
            }
            index += 1
        }
        index += 1
        guard fields.count == 3 else { throw Failure(description: "truncated PGM header") }
        let (width, height, maximum) = (fields[0], fields[1], fields[2])
        let size = maximum > 255 ? 2 : 1
        guard bytes.count - index == width * height * size else {
            throw Failure(description: "PGM payload is \(bytes.count - index) bytes, expected \(width * height * size)")
        }
        let samples = (0 ..< width * height).map { i in
            size == 1 ? Int(bytes[index + i]) : Int(bytes[index + 2 * i]) << 8 | Int(bytes[index + 2 * i + 1])
        }
        return (width, height, maximum, samples)
    }

    static func write(_ bytes: [UInt8], _ path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    static func read(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
