import Foundation
import XCTest

/// `sanitize classify --model`: each model classifies through its own view, an unknown name is a
/// usage error listing the models, and another model's weights file is refused by name.
final class ClassifyCommandTests: XCTestCase {
    private func fixture(_ name: String) -> String { SanitizeProcess.root + "/Fixtures/images/" + name }

    /// The top-5 classes of the PyTorch reference (Tests/ModelsTests/Reference/variants.json) for
    /// `model` on the fixture `image`.
    private func referenceTop5(_ model: String, _ image: String) throws -> [Int] {
        let url = URL(fileURLWithPath: SanitizeProcess.root + "/Tests/ModelsTests/Reference/variants.json")
        let root = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let models = try XCTUnwrap(root["models"] as? [[String: Any]])
        let entry = try XCTUnwrap(models.first { $0["name"] as? String == model }, "no \(model) in variants.json")
        let images = try XCTUnwrap(entry["images"] as? [[String: Any]])
        let row = try XCTUnwrap(images.first { $0["name"] as? String == image }, "no \(image) for \(model)")
        return try XCTUnwrap(row["top5"] as? [Int])
    }

    func testEachModelClassifiesLikeTheReference() throws {
        for model in ["efficientnet-lite0", "efficientnet-lite1", "efficientnet-lite2"] {
            let result = try SanitizeProcess.run(["classify", "--model", model, fixture("chelsea.png"), fixture("coffee.png"),
                                                  "--csv", "--top", "3"], timeout: 60)
            XCTAssertEqual(result.status, 0, "\(model): \(result.stderr)")
            let rows = result.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
            XCTAssertEqual(rows.first.map { $0.joined(separator: ",") }, "image,rank,class,probability,name")
            XCTAssertEqual(rows.count, 1 + 2 * 3, "\(model): \(result.stdout)")
            for (i, image) in ["chelsea", "coffee"].enumerated() {
                let classes = rows[1 + 3 * i ..< 4 + 3 * i].map { Int($0[2]) ?? -1 }
                XCTAssertEqual(classes, Array(try referenceTop5(model, image).prefix(3)), "\(model) on \(image)")
            }
        }
    }

    func testUnknownModelIsAUsageErrorListingTheModels() throws {
        let result = try SanitizeProcess.run(["classify", "--model", "efficientnet-lite3", fixture("chelsea.png")], timeout: 60)
        XCTAssertEqual(result.status, 64, result.stderr)
        XCTAssertTrue(result.stderr.hasPrefix("error: ") && result.stderr.contains("efficientnet-lite3"), result.stderr)
        for name in ["efficientnet-lite0", "efficientnet-lite1", "efficientnet-lite2"] {
            XCTAssertTrue(result.stderr.contains(name), "expected \(name) in: \(result.stderr)")
        }
        XCTAssertEqual(result.stdout, "")
    }

    func testAnotherModelsWeightsAreRefusedNamingTheModel() throws {
        let lite0 = SanitizeProcess.root + "/Weights/efficientnet-lite0.safetensors"
        let result = try SanitizeProcess.run(["classify", "--model", "efficientnet-lite2", "--weights", lite0,
                                              fixture("chelsea.png")], timeout: 60)
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.hasPrefix("error: ") && result.stderr.contains("efficientnet-lite2")
                      && result.stderr.contains(lite0) && result.stderr.contains("another model's file"), result.stderr)
        XCTAssertEqual(result.stdout, "")
    }
}
