import Foundation
import Imaging
import Models
import XCTest

/// docs/protocol.md §2's reference facts, on scikit-image's original photos through Imaging's model view.
final class ReferenceFactsTests: XCTestCase {
    /// The photos are in Debian's python3-skimage, which Scripts/setup.sh installs.
    static let photoDirectory = "/usr/lib/python3/dist-packages/skimage/data"

    func testReferenceFactsOnOriginalPhotos() throws {
        let model = try loadModel()
        // (photo, fixture, top-1, docs/protocol.md's approximate probability)
        let facts: [(String, String, Int, Double)] = [
            ("chelsea.png", "chelsea", 282, 0.38), ("coffee.png", "coffee", 967, 0.96), ("rocket.jpg", "rocket", 657, 0.38),
        ]
        let (reference, fixtures) = try loadReference()
        var views: [RGBImage] = []
        for (photo, _, _, _) in facts {
            let path = Self.photoDirectory + "/" + photo
            do {
                views.append(ModelView.apply(try ImageFile.read(path)))
            } catch {
                XCTFail("\(path) is needed (Debian package python3-skimage, installed by Scripts/setup.sh): \(error)")
                return
            }
        }
        let logits = try model.logits(views)
        for ((photo, fixture, label, probability), (view, row)) in zip(facts, zip(views, logits)) {
            XCTAssertEqual([view.width, view.height], [224, 224])
            let top = Classification.top(1, of: row)[0]
            XCTAssertEqual(top.index, label, "\(photo): top-1 expected \(label) (\(imageNetClassNames[label])), "
                + "observed \(top.index) (\(top.name))")
            XCTAssertEqual(Double(top.probability), probability, accuracy: 0.02,
                           "\(photo): probability expected ≈\(probability), observed \(top.probability)")
            let index = fixtureNames.firstIndex(of: fixture)!
            XCTAssertEqual(Double(top.probability), reference[index].top5Probabilities[0], accuracy: 2e-3,
                           "\(photo): probability against the PyTorch reference on the Pillow model view")
            let same = zip(view.pixels, fixtures[index].pixels).filter { $0 == $1 }.count
            XCTAssertGreaterThanOrEqual(Double(same) / Double(view.pixels.count), 0.99,
                "\(photo): Imaging's model view equals Pillow's on \(same) of \(view.pixels.count) samples")
        }
    }
}
