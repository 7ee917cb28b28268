import Training
import XCTest

final class ScheduleTests: XCTestCase {
    private func assertClose(_ observed: Float, _ expected: Float, line: UInt = #line) {
        let error = abs(observed - expected)
        XCTAssertLessThanOrEqual(error, 1e-5 * max(1, abs(expected)),
                                 "expected \(expected), observed \(observed), error \(error)", line: line)
    }

    func testOneCycleShape() {
        let s = LearningRateSchedule.oneCycle(peak: 0.01, warmup: 0.2)
        assertClose(s.rate(step: 0, totalSteps: 101), 0.01 / 25)
        assertClose(s.rate(step: 20, totalSteps: 101), 0.01)
        assertClose(s.rate(step: 100, totalSteps: 101), 0.01 / 25 / 1e4)
        let mid = s.rate(step: 60, totalSteps: 101)
        // Halfway through the cosine phase the rate is halfway between peak and final.
        assertClose(mid, (0.01 + 0.01 / 25 / 1e4) / 2)
    }

    func testCosineAndStep() {
        assertClose(LearningRateSchedule.cosine(peak: 1).rate(step: 50, totalSteps: 101), 0.5)
        let step = LearningRateSchedule.step(peak: 1, at: [0.5, 0.75], factor: 0.1)
        assertClose(step.rate(step: 10, totalSteps: 101), 1)
        assertClose(step.rate(step: 60, totalSteps: 101), 0.1)
        assertClose(step.rate(step: 80, totalSteps: 101), 0.01)
    }
}
