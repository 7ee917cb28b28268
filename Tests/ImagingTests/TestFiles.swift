import Foundation
import Imaging
import XCTest
import _TestSupport

/// Paths of committed fixtures and system photos, and small helpers shared by the tests.
enum TestFiles {
    /// The package root, found from this file's location.
    static let root: String = repositoryRoot.path

    /// `Fixtures/malformed/<name>`.
    static func malformed(_ name: String) -> String { "\(root)/Fixtures/malformed/\(name)" }

    /// `Fixtures/malformed/valid/<name>`: unusual but valid files that must decode.
    static func valid(_ name: String) -> String { "\(root)/Fixtures/malformed/valid/\(name)" }

    /// scikit-image's CC0 photos (Debian package python3-skimage; installed by Scripts/setup.sh).
    static func photo(_ name: String) -> String { "/usr/lib/python3/dist-packages/skimage/data/\(name)" }

    /// A fresh empty directory under the system temporary directory.
    static func temporaryDirectory() throws -> String { try TempDirectory().path }

    /// An image of the given size whose pixels follow `pixel(x, y)`.
    static func image(width: Int, height: Int, _ pixel: (Int, Int) -> (Int, Int, Int)) -> RGBImage {
        var samples = [UInt8]()
        samples.reserveCapacity(3 * width * height)
        for y in 0 ..< height {
            for x in 0 ..< width {
                let (r, g, b) = pixel(x, y)
                samples += [UInt8(r), UInt8(g), UInt8(b)]
            }
        }
        return RGBImage(width: width, height: height, pixels: samples)
    }

    /// A smooth, textured synthetic photo-like image (gradients plus a deterministic pattern).
    static func texture(width: Int, height: Int) -> RGBImage {
        image(width: width, height: height) { x, y in
            let r = 128 + 100 * sin(Double(x) / 9) * cos(Double(y) / 13)
            let g = Double((x * 255) / max(width - 1, 1)) * 0.7 + Double((x * y) % 37)
            let b = 90 + 80 * sin(Double(x + 2 * y) / 17) + Double((x ^ y) & 15)
            return (Int(r), min(255, Int(g)), Int(b))
        }
    }
}

/// Fails with the first differing pixel (position, expected, observed) and the count of differences.
func assertPixelsEqual(_ observed: RGBImage, _ expected: RGBImage, _ context: String,
                       file: StaticString = #filePath, line: UInt = #line) {
    guard observed.width == expected.width, observed.height == expected.height else {
        XCTFail("\(context): size \(observed.width)×\(observed.height), expected \(expected.width)×\(expected.height)",
                file: file, line: line)
        return
    }
    var differences = 0
    var first: Int?
    for i in 0 ..< expected.pixels.count where observed.pixels[i] != expected.pixels[i] {
        differences += 1
        if first == nil { first = i }
    }
    if let i = first {
        let pixel = i / 3
        XCTFail("\(context): \(differences) samples differ; first at (x \(pixel % expected.width), y \(pixel / expected.width), "
                + "channel \(i % 3)): expected \(expected.pixels[i]), observed \(observed.pixels[i])",
                file: file, line: line)
    }
}
