import Models
import XCTest
import _Support

final class ClassificationTests: XCTestCase {
    func testClassNames() {
        XCTAssertEqual(imageNetClassNames.count, 1000)
        XCTAssertEqual(imageNetClassNames[282], "tiger cat")
        XCTAssertEqual(imageNetClassNames[967], "espresso")
        XCTAssertEqual(imageNetClassNames[657], "missile")
        XCTAssertEqual(Set(imageNetClassNames).count, 1000, "class names are unique")
    }

    func testSoftmaxAndTop() {
        let logits: [Float] = [1, 3, 2, 3]
        let p = Softmax.probabilities(logits)
        XCTAssertEqual(Double(p.reduce(0, +)), 1, accuracy: 1e-6)
        // e^3 / (e + 2e^3 + e^2)
        let expected = exp(3.0) / (exp(1.0) + 2 * exp(3.0) + exp(2.0))
        XCTAssertEqual(Double(p[1]), expected, accuracy: 1e-6)
        let top = Classification.top(3, of: logits)
        XCTAssertEqual(top.map(\.index), [1, 3, 2], "ties go to the lower index")
        XCTAssertEqual(Classification.top(10, of: logits).count, 4)
        XCTAssertEqual(Classification.top(0, of: logits).count, 0)
        XCTAssertEqual(Softmax.probabilities([]), [])
        XCTAssertEqual(Softmax.probabilities([1000, 0])[0], 1, "large logits do not overflow")
        XCTAssertEqual(RankedClass(index: 282, probability: 0.5).name, "tiger cat")
        XCTAssertEqual(RankedClass(index: 1234, probability: 0.5).name, "class 1234")
    }

    func testArchitectureTensorList() {
        let architecture = EfficientNetLiteVariant.lite0.architecture
        let shapes = architecture.tensorShapes
        XCTAssertEqual(shapes.count, 247)
        XCTAssertEqual(shapes.reduce(0) { $0 + $1.shape.reduce(1, *) }, 4_694_024)
        XCTAssertEqual(architecture.blocks.count, 16)
        XCTAssertEqual(architecture.blocks.filter(\.hasResidual).count, 9)
    }
}
