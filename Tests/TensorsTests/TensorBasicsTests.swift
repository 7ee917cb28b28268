import XCTest
@testable import Tensors

final class TensorBasicsTests: XCTestCase {
    func testBroadcastAddValues() {
        let a = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let b = Tensor(shape: [3], scalars: [10, 20, 30])
        XCTAssertEqual((a + b).scalars, [11, 22, 33, 14, 25, 36])
    }
}
