import Tensors
import XCTest

/// The reverse-mode tape: accumulation, fan-out, zeroing, inference mode and graph depth.
final class TapeTests: XCTestCase {
    func testGradientsAccumulateAcrossBackwardCallsAndCanBeZeroed() {
        let x = Tensor(shape: [3], scalars: [1, 2, 3], requiresGrad: true)
        let loss = (x * x).sum()
        loss.backward()
        XCTAssertEqual(x.grad?.scalars, [2, 4, 6])
        loss.backward()
        XCTAssertEqual(x.grad?.scalars, [4, 8, 12], "a second backward adds to grad")
        x.zeroGradient()
        XCTAssertNil(x.grad)
        (x * 3).sum().backward()
        XCTAssertEqual(x.grad?.scalars, [3, 3, 3])
    }

    func testFanOutAndAliasedInputs() {
        let x = Tensor(shape: [2], scalars: [1.5, -2], requiresGrad: true)
        // y = x·x + x + x: the add rule returns the same gradient tensor for both of its inputs.
        ((x * x + x) + x).sum().backward()
        XCTAssertEqual(x.grad?.scalars, [5, -2])
        let y = Tensor(shape: [2], scalars: [1, 1], requiresGrad: true)
        let shared = y * 2
        (shared + shared).sum().backward()
        XCTAssertEqual(y.grad?.scalars, [4, 4])
        XCTAssertEqual(shared.scalars, [2, 2], "backward never changes forward values")
    }

    func testNoTapeWithoutRequiresGradOrInsideWithoutGradients() {
        let constant = Tensor.ones([2, 2])
        XCTAssertNil((constant * 2 + constant).producingOp, "no input needs a gradient: nothing recorded")
        let parameter = Tensor.ones([2, 2], requiresGrad: true)
        XCTAssertEqual((parameter * 2).producingOp, "mulScalar")
        let untracked = withoutGradients { (parameter * 2).relu() }
        XCTAssertNil(untracked.producingOp)
        XCTAssertFalse(untracked.needsGradient)
        XCTAssertTrue(GradientMode.isEnabled, "recording resumes after the scope")
        XCTAssertEqual(parameter.reshaped([1, 2, 2, 1]).conv2d(weight: Tensor.ones([1, 1, 1, 1])).producingOp, "conv2d")
    }

    func testDetachedAndSignPassNoGradient() {
        let x = Tensor(shape: [3], scalars: [-2, 0.5, 3], requiresGrad: true)
        (x.sign() * x + x.detached() * x.detached()).sum().backward()
        XCTAssertEqual(x.grad?.scalars, [-1, 1, 1], "d/dx sign(x)·x = sign(x); detached terms contribute nothing")
        XCTAssertEqual(Tensor(shape: [3], scalars: [-0.0, 0, -1]).sign().scalars, [-0.0, 0, -1], "sign(0) = 0")
    }

    func testBackwardOnLeafAndCustomSeed() {
        let x = Tensor(shape: [2], scalars: [1, 2], requiresGrad: true)
        x.backward(seed: Tensor(shape: [2], scalars: [3, 4]))
        XCTAssertEqual(x.grad?.scalars, [3, 4])
        let y = Tensor(shape: [2], scalars: [1, 2], requiresGrad: true)
        (y * y).backward(seed: Tensor(shape: [2], scalars: [1, -1]))
        XCTAssertEqual(y.grad?.scalars, [2, -4])
    }

    func testDeepGraphDoesNotOverflowTheStack() {
        let x = Tensor(shape: [1], scalars: [1], requiresGrad: true)
        var y = x
        for _ in 0..<20_000 { y = y + 0.001 }
        y.sum().backward()
        XCTAssertEqual(x.grad?.scalars, [1])
    }

    func testParameterUsedInTwoModelsGetsBothGradients() {
        let w = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4], requiresGrad: true)
        let input = Tensor(shape: [1, 2], scalars: [1, 1])
        let a = input.matmul(w).sum(), b = input.matmul(w, transposeOther: true).sum()
        (a + b).backward()
        XCTAssertEqual(w.grad?.scalars, [2, 2, 2, 2])
    }
}
