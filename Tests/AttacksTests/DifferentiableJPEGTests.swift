import _TestSupport
@testable import Attacks
import Foundation
import Imaging
import XCTest

/// The differentiable JPEG against libjpeg-turbo's real round trip (fidelity), and its backward
/// pass against finite differences of its own forward pass.
final class DifferentiableJPEGTests: XCTestCase {
    typealias Options = DifferentiableJPEG.Options

    /// The qualities with the stricter bars (per image 41 dB, mean 44.5 dB).
    static let mainQualities = [10, 25, 50, 75, 90]
    /// The lowest qualities (per image 40 dB).
    static let lowQualities = Array(1 ... 9)

    /// The fixtures' model views (224×224), by file name.
    static let fixtures: [(name: String, image: RGBImage)] = {
        let folder = repositoryRoot.appendingPathComponent("Fixtures/images").path
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".png") }.sorted()
        return names.compactMap { name in
            (try? ImageFile.read(folder + "/" + name)).map { (name, ModelView.apply($0)) }
        }
    }()

    /// PSNR (dB) of a forward output, as 8-bit samples, against libjpeg's decoding.
    static func psnr(_ reference: [UInt8], _ output: [Float]) -> Double {
        var sum = 0.0
        for (a, b) in zip(reference, output) {
            let d = Double(a) - Double(UInt8(min(max(b.rounded(), 0), 255)))
            sum += d * d
        }
        return sum == 0 ? .infinity : 10 * log10(255 * 255 / (sum / Double(reference.count)))
    }

    /// PSNR of each fixture at each quality, for the differentiable JPEG built with `options`.
    static func fidelity(_ options: Options, qualities: [Int]) throws -> [Int: [Double]] {
        var table: [Int: [Double]] = [:]
        for q in qualities {
            let model = DifferentiableJPEG(quality: q, rounding: .straightThrough, options: options)
            table[q] = try fixtures.map { _, image in
                let real = try roundTrip(image, CodecSetting(codec: .jpeg, quality: q)).decoded
                let ours = model.forward(image.pixels.map(Float.init), width: image.width, height: image.height)
                return psnr(real.pixels, ours)
            }
        }
        return table
    }

    /// The bars a variant fails, in words; empty when it passes them all.
    static func failures(_ table: [Int: [Double]]) -> [String] {
        var failures: [String] = []
        for (q, values) in table.sorted(by: { $0.key < $1.key }) {
            let perImage = mainQualities.contains(q) ? 41.0 : 40.0
            for (k, value) in values.enumerated() where value < perImage {
                failures.append(String(format: "q%d %@ %.2f dB < %.0f", q, fixtures[k].name, value, perImage))
            }
            let mean = values.reduce(0, +) / Double(values.count)
            if mainQualities.contains(q) && mean < 44.5 {
                failures.append(String(format: "q%d mean %.2f dB < 44.5", q, mean))
            }
        }
        return failures
    }

    static func describe(_ table: [Int: [Double]]) -> String {
        table.sorted { $0.key < $1.key }.map { q, values in
            String(format: "q%d mean %.2f min %.2f", q, values.reduce(0, +) / Double(values.count), values.min() ?? .nan)
        }.joined(separator: "; ")
    }

    func testFixturesAreThere() {
        XCTAssertGreaterThanOrEqual(Self.fixtures.count, 5, "Fixtures/images should hold the five photos")
        for (name, image) in Self.fixtures { XCTAssertEqual([image.width, image.height], [224, 224], name) }
    }

    // MARK: - Fidelity against libjpeg-turbo

    func testForwardMatchesLibjpegOnEveryFixture() throws {
        let table = try Self.fidelity(Options(), qualities: Self.lowQualities + Self.mainQualities)
        print("differentiable JPEG vs libjpeg:", Self.describe(table))
        XCTAssertEqual(Self.failures(table), [], Self.describe(table))
    }

    func testTransposedTablesFailTheBars() throws {
        let table = try Self.fidelity(Options(transposedTables: true), qualities: Self.lowQualities + Self.mainQualities)
        print("transposed tables:", Self.describe(table))
        XCTAssertNotEqual(Self.failures(table), [], "transposed tables pass: \(Self.describe(table))")
    }

    func testNearestNeighbourUpsamplingFailsTheBars() throws {
        let table = try Self.fidelity(Options(nearestUpsampling: true), qualities: Self.lowQualities + Self.mainQualities)
        print("nearest-neighbour upsampling:", Self.describe(table))
        XCTAssertNotEqual(Self.failures(table), [], "nearest upsampling passes: \(Self.describe(table))")
    }

    func testFullResolutionChromaFailsTheBars() throws {
        let table = try Self.fidelity(Options(fullResolutionChroma: true), qualities: Self.lowQualities + Self.mainQualities)
        print("no 4:2:0:", Self.describe(table))
        XCTAssertNotEqual(Self.failures(table), [], "full-resolution chroma passes: \(Self.describe(table))")
    }

    /// Sizes that are not whole macroblocks (odd sides, a 2-sample-wide chroma plane) against
    /// libjpeg too, where the padding and the edge rules of the resampling matter.
    func testOddSizesMatchLibjpeg() throws {
        let image = try XCTUnwrap(Self.fixtures.first).image
        for (width, height) in [(37, 23), (30, 18), (40, 34), (17, 40), (4, 4), (3, 5), (1, 1)] {
            var crop = RGBImage(width: width, height: height)
            for y in 0 ..< height {
                for x in 0 ..< 3 * width { crop.pixels[3 * width * y + x] = image.pixels[3 * 224 * (y + 50) + 3 * 60 + x] }
            }
            for q in [10, 50, 90] {
                let real = try roundTrip(crop, CodecSetting(codec: .jpeg, quality: q)).decoded
                let ours = DifferentiableJPEG(quality: q).forward(crop.pixels.map(Float.init), width: width, height: height)
                let psnr = Self.psnr(real.pixels, ours)
                XCTAssertGreaterThanOrEqual(psnr, 40, "\(width)×\(height) q\(q): \(psnr) dB")
            }
        }
    }

    // MARK: - Gradients

    /// A deterministic generator for the tests' images and directions.
    struct Numbers {
        var state: UInt64
        mutating func next(_ range: ClosedRange<Float>) -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return range.lowerBound + (range.upperBound - range.lowerBound) * Float(state >> 40) / Float(1 << 24)
        }
        mutating func array(_ count: Int, _ range: ClosedRange<Float>) -> [Float] { (0 ..< count).map { _ in next(range) } }
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Double {
        zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }

    /// With every rounding and clamp the identity the forward pass is affine, so central
    /// differences give J·u to float rounding at any step (a long one keeps that rounding small); `⟨v, J u⟩` must equal `⟨Jᵀ v, u⟩`.
    func testLinearPullbackMatchesFiniteDifferences() {
        var numbers = Numbers(state: 11)
        let variants: [(String, Options)] = [
            ("libjpeg", .linear),
            ("transposed", { var o = Options.linear; o.transposedTables = true; return o }()),
            ("nearest", { var o = Options.linear; o.nearestUpsampling = true; return o }()),
            ("4:4:4", { var o = Options.linear; o.fullResolutionChroma = true; return o }()),
        ]
        for (width, height) in [(24, 20), (16, 16), (13, 9), (3, 5)] {
            for q in [5, 50, 95] {
                for (name, options) in variants {
                    let model = DifferentiableJPEG(quality: q, rounding: .straightThrough, options: options)
                    let n = 3 * width * height
                    let x = numbers.array(n, 0 ... 255)
                    for _ in 0 ..< 2 {
                        let u = numbers.array(n, -1 ... 1), v = numbers.array(n, -1 ... 1)
                        let h: Float = 64
                        let plus = model.forward(zip(x, u).map { $0 + h * $1 }, width: width, height: height)
                        let minus = model.forward(zip(x, u).map { $0 - h * $1 }, width: width, height: height)
                        let ju = zip(plus, minus).map { ($0 - $1) / (2 * h) }
                        let numeric = Self.dot(v, ju)
                        let analytic = Self.dot(model.pullback(x, width: width, height: height, outputGradient: v), u)
                        XCTAssertEqual(analytic, numeric, accuracy: 1e-4 * max(1, abs(numeric)),
                                       "\(name) \(width)×\(height) q\(q): ⟨Jᵀv, u⟩ \(analytic) vs ⟨v, Ju⟩ \(numeric)")
                    }
                }
            }
        }
    }

    /// A flat image passes the linear forward pass unchanged: its blocks hold only DC, which the
    /// (identity) quantiser keeps, and the decoder's colour conversion undoes the encoder's to
    /// within the fixed-point constants' error.
    func testLinearForwardKeepsFlatImages() {
        let model = DifferentiableJPEG(quality: 50, rounding: .straightThrough, options: .linear)
        let flat = [Float](repeating: 0, count: 3 * 20 * 12).enumerated().map { Float([90, 140, 200][$0.offset % 3]) }
        let out = model.forward(flat, width: 20, height: 12)
        for (a, b) in zip(out, flat) { XCTAssertEqual(a, b, accuracy: 0.05) }
    }

    /// Straight-through: every rounding and clamp passes the gradient unchanged, so the pullback
    /// at any image is the transpose of the linear map (the identity-rounding pullback).
    func testStraightThroughPullbackIsTheLinearTranspose() {
        var numbers = Numbers(state: 5)
        let (width, height) = (24, 20)
        let n = 3 * width * height
        let linear = DifferentiableJPEG(quality: 30, rounding: .straightThrough, options: .linear)
        let straight = DifferentiableJPEG(quality: 30, rounding: .straightThrough)
        let g = numbers.array(n, -1 ... 1)
        let expected = linear.pullback(numbers.array(n, 0 ... 255), width: width, height: height, outputGradient: g)
        for _ in 0 ..< 3 {
            let x = numbers.array(n, 0 ... 255)
            let observed = straight.pullback(x, width: width, height: height, outputGradient: g)
            for (a, b) in zip(observed, expected) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        }
    }

    func testCubicRoundingValuesAndDerivatives() {
        typealias R = DifferentiableJPEG.Rounding
        for z: Float in [-3.3, -0.2, 0, 0.1, 0.45, 1.7, 12.2] {
            let r = z.rounded()
            XCTAssertEqual(R.straightThrough.quantise(z), r)
            XCTAssertEqual(R.hardCubic.quantise(z), r)
            XCTAssertEqual(R.cubic.quantise(z), r + (z - r) * (z - r) * (z - r), accuracy: 1e-6)
            XCTAssertEqual(R.straightThrough.derivative(z), 1)
            let h: Float = 1e-3
            let numeric = (R.cubic.quantise(z + h) - R.cubic.quantise(z - h)) / (2 * h)
            XCTAssertEqual(R.cubic.derivative(z), numeric, accuracy: 2e-3, "cubic at \(z)")
            XCTAssertEqual(R.hardCubic.derivative(z), R.cubic.derivative(z))
        }
    }

    /// hard-cubic has straight-through's forward pass and cubic's backward pass; cubic's forward
    /// pass is soft and so differs from libjpeg's, but only slightly.
    func testRoundingVariantsDifferAsSpecified() throws {
        let image = try XCTUnwrap(Self.fixtures.first).image
        let x = image.pixels.map(Float.init)
        var numbers = Numbers(state: 3)
        let g = numbers.array(x.count, -1 ... 1)
        let models = Dictionary(uniqueKeysWithValues: DifferentiableJPEG.Rounding.allCases.map { ($0, DifferentiableJPEG(quality: 50, rounding: $0)) })
        let forwards = models.mapValues { $0.forward(x, width: 224, height: 224) }
        let pullbacks = models.mapValues { $0.pullback(x, width: 224, height: 224, outputGradient: g) }
        XCTAssertEqual(forwards[.hardCubic], forwards[.straightThrough])
        XCTAssertNotEqual(forwards[.cubic], forwards[.straightThrough])
        let reference = x.map { UInt8($0) }
        let soft = Self.psnr(forwards[.straightThrough]!.map { UInt8($0) }, forwards[.cubic]!)
        XCTAssertGreaterThan(soft, 35, "the cubic forward pass is far from the hard one")
        XCTAssertLessThan(Self.psnr(reference, forwards[.cubic]!), 45, "the cubic forward pass hardly compresses")
        XCTAssertEqual(pullbacks[.cubic], pullbacks[.hardCubic])
        XCTAssertNotEqual(pullbacks[.cubic], pullbacks[.straightThrough])
        // 3 e² ≤ 0.75 scales every coefficient down, so the cubic's gradient is smaller.
        let norm = { (a: [Float]) in Self.dot(a, a).squareRoot() }
        XCTAssertLessThan(norm(pullbacks[.cubic]!), norm(pullbacks[.straightThrough]!))
    }

    /// The block stage with the cubic quantiser (analysis, rounding, synthesis; no 8-bit
    /// rounding after it) is smooth between the coefficients' half-integers. The blocks are built
    /// from coefficients at most 0.4 from a whole number, and the difference step moves none of
    /// them by more than 0.08, so central differences never straddle a jump. Hard-cubic shares
    /// this pullback (`testRoundingVariantsDifferAsSpecified`).
    func testCubicBlockPullbackMatchesFiniteDifferences() {
        var numbers = Numbers(state: 29)
        let options = Options(intermediateRounding: false, quantiserRounding: true)
        for q in [20, 50, 90] {
            do {
                let model = DifferentiableJPEG(quality: q, rounding: .cubic, options: options)
                let steps = model.lumaSteps
                // Coefficients k + e with |e| ≤ 0.4, then the samples whose analysis gives them.
                var x = Plane(width: 16, height: 16, values: (0 ..< 256).map { _ in
                    Float(Int(numbers.next(-6 ... 6))) + numbers.next(-0.4 ... 0.4)
                })
                let stepRows = BlockTransform.rows(steps)
                BlockTransform.forEachBlock(&x) { block, scratch, _ in
                    for r in 0 ..< 8 { block[r] *= stepRows[r] }
                    BlockTransform.idct(block, scratch)
                    for r in 0 ..< 8 { block[r] += 128 }
                }
                let stage = { (input: Plane) -> Plane in
                    var z = input
                    model.analyseBlocks(&z, steps: steps)
                    return model.synthesise(z, steps: steps)
                }
                var z = x
                model.analyseBlocks(&z, steps: steps)
                for _ in 0 ..< 3 {
                    let u = numbers.array(256, -1 ... 1), v = numbers.array(256, -1 ... 1)
                    // |DCT(h u)| ≤ 8h for |u| ≤ 1, so no coefficient moves by more than 8h / step ≤ 0.08.
                    let h = steps.min()! / 100
                    let plus = stage(Plane(width: 16, height: 16, values: zip(x.values, u).map { $0 + h * $1 }))
                    let minus = stage(Plane(width: 16, height: 16, values: zip(x.values, u).map { $0 - h * $1 }))
                    let ju = zip(plus.values, minus.values).map { ($0 - $1) / (2 * h) }
                    var gradient = Plane(width: 16, height: 16, values: v)
                    model.synthesisTranspose(&gradient, coefficients: z)
                    let numeric = Self.dot(v, ju)
                    let analytic = Self.dot(gradient.values, u)
                    let scale = Self.dot(v, v).squareRoot() * Self.dot(ju, ju).squareRoot()
                    XCTAssertEqual(analytic, numeric, accuracy: 1e-3 * scale,
                                   "q\(q): ⟨Jᵀv, u⟩ \(analytic) vs ⟨v, Ju⟩ \(numeric)")
                }
            }
        }
    }

    func testQuantisationStepsFollowJpegSetQuality() {
        // Luma (0,0) = 16, (0,1) = 11, (1,0) = 12: q50 keeps them, q90 scales by 20 %, q10 by 5×.
        let q50 = QuantisationTables.steps(QuantisationTables.luma, quality: 50, transposed: false)
        XCTAssertEqual(Array(q50[0 ..< 2]) + [q50[8]], [16, 11, 12])
        let q90 = QuantisationTables.steps(QuantisationTables.luma, quality: 90, transposed: false)
        XCTAssertEqual(Array(q90[0 ..< 2]) + [q90[8]], [3, 2, 2])
        let q10 = QuantisationTables.steps(QuantisationTables.luma, quality: 10, transposed: false)
        XCTAssertEqual(Array(q10[0 ..< 2]) + [q10[8], q10[63]], [80, 55, 60, 255])
        let q100 = QuantisationTables.steps(QuantisationTables.chroma, quality: 100, transposed: false)
        XCTAssertEqual(Set(q100), [1])
        let transposed = QuantisationTables.steps(QuantisationTables.luma, quality: 50, transposed: true)
        XCTAssertEqual([transposed[1], transposed[8]], [12, 11])
    }
}
