// swift-tools-version:6.0
import PackageDescription

/// Hot numeric code is compiled without overflow and bounds checks in release builds,
/// and for the AVX2 + FMA machines the benchmarks are run on.
let fastMath: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release)),
]

/// The kernels are compiled for AVX2 + FMA in every configuration (so tests run the same code
/// paths as benchmarks): Swift's `-target-cpu haswell` makes `SIMD8<Float>` use ymm registers
/// and `addingProduct` emit vfmadd (checked in the assembly with Swift 6.3.1; `-Xcc -mavx2 -Xcc -mfma`
/// enables the same instructions but not the scheduling model).
let kernelMath: [SwiftSetting] = [
    .unsafeFlags(["-target-cpu", "haswell"]),
    .unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release)),
]

let package = Package(
    name: "sanitize",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "sanitize", targets: ["SanitizeCLI"]),
        /// The speed benchmarks and their anchors (Benchmarks/README.md); not part of `sanitize`.
        .executable(name: "sanitize-bench", targets: ["SanitizeBench"]),
        /// Exposed so that the libFuzzer package in Fuzz/ can link the decoders.
        .library(name: "SanitizeImaging", targets: ["Imaging"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: - System libraries (real C codecs)
        .systemLibrary(
            name: "CJPEGTurbo", path: "Sources/CJPEGTurbo", pkgConfig: "libjpeg",
            providers: [.apt(["libjpeg62-turbo-dev", "libjpeg-turbo8-dev"])]),
        .systemLibrary(
            name: "CWebP", path: "Sources/CWebP", pkgConfig: "libwebp",
            providers: [.apt(["libwebp-dev"])]),
        .systemLibrary(
            name: "COpenJPEG", path: "Sources/COpenJPEG", pkgConfig: "libopenjp2",
            providers: [.apt(["libopenjp2-7-dev"])]),
        .systemLibrary(
            name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]),
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),

        /// Plain C: the setjmp/longjmp error handling that libjpeg and libpng require, and OpenJPEG
        /// memory streams.
        .target(name: "_CodecShims", dependencies: ["CJPEGTurbo", "CPNG", "CWebP", "COpenJPEG"]),

        // MARK: - Swift libraries
        /// RGB images, format sniffing, decoding, PNG writing, codec round trips, the model view.
        .target(name: "Imaging", dependencies: ["_CodecShims", "CJPEGTurbo", "CWebP", "COpenJPEG", "CPNG"]),
        /// MS-SSIM, SSIM and PSNR.
        .target(name: "Metrics", dependencies: ["Imaging"], swiftSettings: fastMath + [
                    .unsafeFlags(["-Xcc", "-mavx2", "-Xcc", "-mfma"], .when(configuration: .release)),
                    .define("METRICS_FMA", .when(configuration: .release)),
                    // SIMD code is ~1000× slower unoptimised; the tests would take minutes in debug.
                    .unsafeFlags(["-O"], .when(configuration: .debug)),
                ]),
        /// SIMD, cache-blocked, multi-core float kernels on raw buffers (GEMM, convolution).
        .target(name: "_Kernels", swiftSettings: kernelMath),
        /// The Tensor type, reverse-mode autodiff, modules, optimizers and safetensors.
        .target(name: "Tensors", dependencies: ["_Kernels"], swiftSettings: fastMath),
        /// EfficientNet-Lite0 on the tensor core: weights loading, inference, input gradients.
        .target(name: "Models", dependencies: ["Tensors", "_Kernels", "Imaging"], swiftSettings: fastMath),
        /// FGSM and the accuracy-vs-epsilon-vs-quality sweep: results rows, resume, summaries.
        .target(name: "Experiments", dependencies: ["Models", "Imaging", "Metrics"], swiftSettings: fastMath),
        /// Fashion-MNIST (gzip'd IDX) and CIFAR-10 binary readers, and the on-disk codec cache.
        .target(name: "Datasets", dependencies: ["Imaging", "CZlib"], swiftSettings: fastMath),
        /// Small CNNs trained under codecs, and the availability poisons.
        .target(name: "Training", dependencies: ["Datasets", "Tensors", "_Kernels", "Imaging"], swiftSettings: fastMath),

        // MARK: - The executable
        .executableTarget(
            name: "SanitizeCLI",
            dependencies: [
                "Imaging", "Metrics", "Tensors", "_Kernels", "Models", "Experiments", "Datasets", "Training",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // MARK: - Tests
        .testTarget(name: "ImagingTests", dependencies: ["Imaging"]),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics", "Imaging"]),
        .testTarget(name: "KernelsTests", dependencies: ["_Kernels"]),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors"], exclude: ["Golden"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "Tensors", "Imaging"], exclude: ["Reference"]),
        .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "Models", "Imaging"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Datasets", "Tensors"]),
        .testTarget(name: "CLITests", dependencies: ["Imaging"], exclude: ["Snapshots"]),

        // MARK: - Benchmarks (Benchmarks/README.md)
        /// Plain C: codec round trips written the way a C program calls each library, the
        /// baselines of `sanitize-bench codecs`.
        .target(
            name: "_CodecBaselines", dependencies: ["_CodecShims", "CJPEGTurbo", "CWebP", "COpenJPEG"],
            path: "Benchmarks/Sources/_CodecBaselines"),
        /// The NCHW depthwise kernel that `sanitize-bench kernels` compares with the NHWC API,
        /// compiled like `_Kernels` so that the two layouts are measured alike.
        .target(name: "_LayoutBaseline", dependencies: ["_Kernels"], path: "Benchmarks/Sources/_LayoutBaseline",
                swiftSettings: kernelMath),
        /// `sanitize-bench`: the speed benchmarks, each beside its Python anchor.
        .executableTarget(
            name: "SanitizeBench",
            dependencies: [
                "_CodecBaselines", "_CodecShims", "_LayoutBaseline", "Imaging", "Metrics", "Tensors", "_Kernels",
                "Models", "Experiments", "Datasets", "Training",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/Sources/SanitizeBench"),
        .testTarget(
            name: "SanitizeBenchTests", dependencies: ["SanitizeBench", "_LayoutBaseline", "Imaging", "_Kernels"],
            path: "Benchmarks/Tests/SanitizeBenchTests"),
    ],
    swiftLanguageModes: [.v5]
)
