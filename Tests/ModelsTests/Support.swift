import Foundation
import Imaging
import Models
import Tensors
import XCTest
import _TestSupport

// MARK: - Shared fixtures for the model tests


/// The five fixture names, in the order of the reference file.
let fixtureNames = ["chelsea", "coffee", "rocket", "astronaut", "hubble_deep_field"]

/// What Scripts/reference/efficientnet_reference.py recorded for one fixture (float64 PyTorch).
struct ReferenceImage {
    let name: String
    let label: Int
    let top5: [Int]
    let top5Probabilities: [Double]
    let logits: [Double]
    /// `[224, 224, 3]` gradient of CE at `label` with respect to the 0–255 pixels.
    let gradient: [Float]
    /// The FGSM eps = 4 image.
    let fgsm4: [UInt8]
}

/// Loads the model once for all tests. Missing weights FAIL the test (never skip): the message
/// says how to install them.
enum Shared {
    static let model: Result<EfficientNetLite, Swift.Error> = Result { try EfficientNetLite() }

    static let reference: Result<[ReferenceImage], Swift.Error> = Result {
        let directory = repositoryRoot.appendingPathComponent("Tests/ModelsTests/Reference")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("reference.json")))
        let file = try SafeTensorsFile(contentsOf: directory.appendingPathComponent("reference.safetensors"))
        guard let root = json as? [String: Any], let images = root["images"] as? [[String: Any]] else {
            throw NSError(domain: "reference.json", code: 1, userInfo: [NSLocalizedDescriptionKey: "bad layout"])
        }
        return try images.map { entry in
            let name = entry["name"] as! String
            return ReferenceImage(
                name: name, label: entry["label"] as! Int, top5: entry["top5"] as! [Int],
                top5Probabilities: entry["top5_probabilities"] as! [Double],
                logits: (entry["logits"] as! [NSNumber]).map(\.doubleValue),
                gradient: try file.tensor(named: name + ".gradient").scalars,
                fgsm4: try file.tensor(named: name + ".fgsm4").scalars.map { UInt8($0) })
        }
    }

    static let fixtures: Result<[RGBImage], Swift.Error> = Result {
        try fixtureNames.map { try ImageFile.read(repositoryRoot.appendingPathComponent("Fixtures/images/\($0).png").path) }
    }

    /// One fast-path forward-and-backward pass over all five fixtures at their reference labels,
    /// shared by the tests (a forward pass is slow in debug builds).
    static let fastPass: Result<(logits: [[Float]], gradients: [[Float]]), Swift.Error> = Result {
        try model.get().logitsAndInputGradients(try fixtures.get(), labels: try reference.get().map(\.label))
    }
}

/// The shared fast-path logits and gradients of the five fixtures, or a test failure.
func loadFastPass(file: StaticString = #filePath, line: UInt = #line) throws -> (logits: [[Float]], gradients: [[Float]]) {
    _ = try loadModel(file: file, line: line)
    _ = try loadReference(file: file, line: line)
    return try Shared.fastPass.get()
}

/// The shared model, or a test failure saying to run Scripts/setup.sh.
func loadModel(file: StaticString = #filePath, line: UInt = #line) throws -> EfficientNetLite {
    do {
        return try Shared.model.get()
    } catch {
        XCTFail("EfficientNet-Lite0 weights are required: run Scripts/setup.sh. (\(error))", file: file, line: line)
        throw error
    }
}

/// The reference values and fixture images, or a test failure.
func loadReference(file: StaticString = #filePath, line: UInt = #line) throws -> ([ReferenceImage], [RGBImage]) {
    do {
        return (try Shared.reference.get(), try Shared.fixtures.get())
    } catch {
        XCTFail("cannot read the committed reference values or fixtures: \(error)", file: file, line: line)
        throw error
    }
}

/// Cosine similarity in Double.
func cosine(_ a: [Float], _ b: [Float]) -> Double {
    var dot = 0.0, na = 0.0, nb = 0.0
    for i in a.indices {
        dot += Double(a[i]) * Double(b[i])
        na += Double(a[i]) * Double(a[i])
        nb += Double(b[i]) * Double(b[i])
    }
    return dot / (na.squareRoot() * nb.squareRoot())
}

/// The largest |a − b| and where it happens.
func maxAbsDifference(_ a: [Double], _ b: [Double]) -> (value: Double, index: Int) {
    var worst = (value: 0.0, index: 0)
    for i in a.indices where abs(a[i] - b[i]) > worst.value { worst = (abs(a[i] - b[i]), i) }
    return worst
}
