// swift-tools-version:6.0
import PackageDescription

/// The hot numeric targets (`_Kernels`, `Tensors`) are compiled without overflow and bounds
/// checks in release builds. Every other target keeps `-O`, so each check on user input (a
/// `precondition` or a thrown error) survives the optimiser; the numeric targets check their
/// arguments with `require`, which `-Ounchecked` keeps.
let unchecked: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release)),
]

#if arch(x86_64)
/// On x86-64 the kernels are compiled for AVX2 + FMA in every configuration (so tests run the
/// same code paths as benchmarks): Swift's `-target-cpu haswell` makes `SIMD8<Float>` use ymm
/// registers and `addingProduct` emit vfmadd (`-Xcc -mavx2 -Xcc -mfma` enables the same
/// instructions but not the scheduling model). Other architectures build with their defaults.
let vectorISA: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]
/// MS-SSIM's C-level vector flags, on x86-64 only.
let metricsISA: [SwiftSetting] = [
    .unsafeFlags(["-Xcc", "-mavx2", "-Xcc", "-mfma"], .when(configuration: .release)),
    .define("METRICS_FMA", .when(configuration: .release)),
]
#else
let vectorISA: [SwiftSetting] = []
let metricsISA: [SwiftSetting] = []
#endif

/// Whole-module optimisation for the other release targets (checks kept).
let optimized: [SwiftSetting] = [.unsafeFlags(["-wmo"], .when(configuration: .release))]

let package = Package(
    name: "sanitize",
    // Built and tested on Linux (x86-64, glibc). The POSIX code has Darwin branches, but macOS
    // is not tested; no platform minimum is claimed.
    products: [
        .executable(name: "sanitize", targets: ["SanitizeCLI"]),
        /// The speed benchmarks and their anchors (Benchmarks/README.md); not part of `sanitize`.
        .executable(name: "sanitize-bench", targets: ["SanitizeBench"]),
        /// Exposed so that the libFuzzer package in Fuzz/ can link the decoders.
        .library(name: "SanitizeImaging", targets: ["Imaging"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
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
        .target(name: "_CodecShims", dependencies: ["CJPEGTurbo", "CPNG", "CWebP", "COpenJPEG", "CZlib"]),

        // MARK: - Swift libraries
        /// The package's plumbing, one home each: atomic writes, checked file reads, paths that are
        /// not UTF-8, the parallel-for, softmax, CSV, output checks and locks, SHA-256.
        .target(name: "_Support", dependencies: [.product(name: "CSV", package: "CSV.swift")],
                swiftSettings: optimized),
        /// RGB images, format sniffing, decoding, PNG writing, codec round trips, the model view.
        .target(name: "Imaging", dependencies: ["_Support", "_CodecShims", "CJPEGTurbo", "CWebP", "COpenJPEG", "CPNG"]),
        /// MS-SSIM, SSIM and PSNR.
        .target(name: "Metrics", dependencies: ["_Support", "Imaging"], swiftSettings: optimized + metricsISA + [
                    // SIMD code is ~1000× slower unoptimised; the tests would take minutes in debug.
                    .unsafeFlags(["-O"], .when(configuration: .debug)),
                ]),
        /// SIMD, cache-blocked, multi-core float kernels on raw buffers (GEMM, convolution).
        .target(name: "_Kernels", dependencies: ["_Support"], swiftSettings: vectorISA + unchecked),
        /// The Tensor type, reverse-mode autodiff, modules, optimizers and safetensors.
        .target(name: "Tensors", dependencies: ["_Support", "_Kernels"], swiftSettings: unchecked),
        /// EfficientNet-Lite0 on the tensor core: weights loading, inference, input gradients.
        .target(name: "Models", dependencies: ["_Support", "Tensors", "_Kernels", "Imaging"], swiftSettings: optimized),
        /// FGSM and the accuracy-vs-epsilon-vs-quality sweep: results rows, resume, summaries.
        .target(name: "Experiments", dependencies: ["_Support", "Models", "Imaging", "Metrics", "Attacks"], swiftSettings: optimized),
        /// Fashion-MNIST (gzip'd IDX) and CIFAR-10 binary readers, and the on-disk codec cache.
        .target(name: "Datasets", dependencies: ["_Support", "Imaging", "CZlib"], swiftSettings: optimized),
        /// The attacker: losses, FGSM and PGD, threat models (oblivious, BPDA, EOT, transfer) and the
        /// differentiable JPEG. PGD's projected step also serves the poisons in `Training`.
        .target(name: "Attacks", dependencies: ["_Support", "Tensors", "Imaging", "Models"], swiftSettings: optimized),
        /// Small CNNs trained under codecs, and the availability poisons.
        .target(name: "Training", dependencies: ["_Support", "Datasets", "Tensors", "_Kernels", "Imaging", "Attacks"], swiftSettings: optimized),

        // MARK: - The executable
        .executableTarget(
            name: "SanitizeCLI",
            dependencies: [
                "_Support", "Imaging", "Metrics", "Tensors", "_Kernels", "Models", "Attacks", "Experiments", "Datasets", "Training",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // MARK: - Tests
        /// What every test target shares: the repository root, temporary folders, time limits.
        .target(name: "_TestSupport", path: "Tests/_TestSupport"),
        .testTarget(name: "SupportTests", dependencies: ["_TestSupport", "_Support", "Datasets"]),
        .testTarget(name: "ImagingTests", dependencies: ["_TestSupport", "Imaging"]),
        .testTarget(name: "MetricsTests", dependencies: ["_TestSupport", "Metrics", "Imaging"]),
        .testTarget(name: "KernelsTests", dependencies: ["_TestSupport", "_Kernels", "Tensors"]),
        .testTarget(name: "TensorsTests", dependencies: ["_TestSupport", "Tensors"], exclude: ["Golden"]),
        .testTarget(name: "ModelsTests", dependencies: ["_TestSupport", "_Support", "Models", "Tensors", "Imaging"], exclude: ["Reference"]),
        .testTarget(name: "AttacksTests", dependencies: ["_TestSupport", "_Support", "Attacks", "Models", "Imaging", "Tensors"]),
        .testTarget(name: "ExperimentsTests", dependencies: ["_TestSupport", "_Support", "Attacks", "Experiments", "Models", "Imaging"]),
        .testTarget(name: "DatasetsTests", dependencies: ["_TestSupport", "_Support", "Datasets"]),
        .testTarget(name: "TrainingTests", dependencies: ["_TestSupport", "_Support", "Training", "Datasets", "Tensors"]),
        .testTarget(name: "CLITests", dependencies: ["_TestSupport", "_Support", "Imaging"], exclude: ["Snapshots"]),

        // MARK: - Benchmarks (Benchmarks/README.md)
        /// Plain C: codec round trips written the way a C program calls each library, the
        /// baselines of `sanitize-bench codecs`.
        .target(
            name: "_CodecBaselines", dependencies: ["_CodecShims", "CJPEGTurbo", "CWebP", "COpenJPEG"],
            path: "Benchmarks/Sources/_CodecBaselines"),
        /// The NCHW depthwise kernel that `sanitize-bench kernels` compares with the NHWC API,
        /// compiled like `_Kernels` so that the two layouts are measured alike.
        .target(name: "_LayoutBaseline", dependencies: ["_Kernels"], path: "Benchmarks/Sources/_LayoutBaseline",
                swiftSettings: vectorISA + unchecked),
        /// `sanitize-bench`: the speed benchmarks, each beside its Python anchor.
        .executableTarget(
            name: "SanitizeBench",
            dependencies: [
                "_Support", "_CodecBaselines", "_CodecShims", "_LayoutBaseline", "Imaging", "Metrics", "Tensors", "_Kernels",
                "Models", "Attacks", "Experiments", "Datasets", "Training",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/Sources/SanitizeBench"),
        .testTarget(
            name: "SanitizeBenchTests", dependencies: ["SanitizeBench", "_LayoutBaseline", "Imaging", "_Kernels"],
            path: "Benchmarks/Tests/SanitizeBenchTests"),
    ],
    swiftLanguageModes: [.v5]
)
