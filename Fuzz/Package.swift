// swift-tools-version:6.0
import Foundation
import PackageDescription

/// A libFuzzer target for the decode-and-convert path of `sanitize` (see README.md).
///
/// The root package is a path dependency; SwiftPM names it after its folder, so the name is
/// read from this file's location instead of being hard-coded.
let rootName = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "SanitizeFuzz",
    dependencies: [.package(path: "..")],
    targets: [
        /// Declares libFuzzer's LLVMFuzzerRunDriver for Swift.
        .target(name: "LibFuzzerDriver"),
        .executableTarget(
            name: "DecodeFuzzer",
            dependencies: ["LibFuzzerDriver", .product(name: "SanitizeImaging", package: rootName)]),
    ],
    swiftLanguageModes: [.v5]
)
