/// A differentiable model of the JPEG round trip that `roundTrip(_:_:)` performs for `jpeg:q`:
/// libjpeg-turbo with `jpeg_set_quality(q, TRUE)`, 4:2:0 chroma, the islow DCT, and the default
/// decoder (islow IDCT, "fancy" triangle chroma upsampling).
///
/// The forward pass follows libjpeg's integer pipeline step by step:
/// 1. the input is rounded and clamped to 8-bit samples (the codec only sees those);
/// 2. JFIF RGB→YCbCr with libjpeg's 16-bit fixed-point constants and rounding;
/// 3. the planes are padded by edge replication to whole 16×16 macroblocks (chroma's bottom rows
///    replicate the last *downsampled* row, as libjpeg's preprocessor does);
/// 4. 2×2 chroma box means with libjpeg's alternating 1, 2 rounding bias;
/// 5. per 8×8 block: subtract 128, orthonormal DCT-II (in float, where libjpeg uses its islow
///    fixed-point transform), divide by the Annex K tables in natural row-major order scaled as
///    `jpeg_set_quality` does, and round (see ``Rounding``);
/// 6. dequantise, inverse DCT, add 128, round and clamp to 0–255;
/// 7. libjpeg's h2v2 "fancy" upsampling (weights 9, 3, 3, 1 / 16, biases 8 and 7);
/// 8. YCbCr→RGB with libjpeg's fixed-point tables, clamped to 0–255; the padding is cropped.
///
/// Every step except the float DCT is exact, so the forward output is libjpeg's decoded image up
/// to the coefficients whose rounding the islow transforms' fixed-point error flips.
///
/// The backward pass (``pullback(_:width:height:outputGradient:)``) is the transpose of the linear
/// map left when every rounding and clamp is the identity, except at the quantiser, whose
/// derivative is set by ``Rounding``. Images are interleaved RGB, rows top to bottom (the layout
/// of `RGBImage.pixels`), as floats on the 0–255 scale.
public struct DifferentiableJPEG: Sendable {
    /// How the quantiser's rounding `round(z)` of each scaled DCT coefficient `z` is differentiated.
    public enum Rounding: String, CaseIterable, Sendable {
        /// Hard rounding forward, the identity backward (BPDA through the quantiser).
        case straightThrough = "straight-through"
        /// Shin and Song's (2017) approximation `round(z) + (z − round z)³` forward and its
        /// derivative `3 (z − round z)²` backward (rounding's own derivative taken as zero, as
        /// autograd does in their code). The forward is then not libjpeg's exactly. (The form
        /// `z + (z − round z)³` would hardly quantise at all: it stays within 0.125 of z.)
        case cubic
        /// Hard rounding forward (libjpeg's output), the cubic's derivative `3 (z − round z)²` backward.
        case hardCubic = "hard-cubic"
    }

    /// JPEG quality, 1–100, as `jpeg_set_quality` takes it.
    public let quality: Int
    /// How the quantiser is differentiated.
    public let rounding: Rounding
    /// Test switches; `Options()` is libjpeg's pipeline.
    let options: Options
    /// The 64 quantiser steps of luma and of chroma, natural row-major order (row = vertical frequency).
    let lumaSteps: [Float]
    let chromaSteps: [Float]

    /// The differentiable JPEG at `quality` (1–100; callers validate user input first).
    public init(quality: Int, rounding: Rounding = .straightThrough) {
        self.init(quality: quality, rounding: rounding, options: Options())
    }

    init(quality: Int, rounding: Rounding, options: Options) {
        precondition((1 ... 100).contains(quality), "JPEG quality \(quality) is outside 1–100")
        self.quality = quality
        self.rounding = rounding
        self.options = options
        lumaSteps = QuantisationTables.steps(QuantisationTables.luma, quality: quality, transposed: options.transposedTables)
        chromaSteps = QuantisationTables.steps(QuantisationTables.chroma, quality: quality, transposed: options.transposedTables)
    }

    /// The decoded image: `3 · width · height` floats, 0–255. With the default options every
    /// value is a whole number (an 8-bit sample); with ``Rounding/cubic`` too, since libjpeg's
    /// later roundings follow the quantiser.
    public func forward(_ pixels: [Float], width: Int, height: Int) -> [Float] {
        let geometry = Geometry(width: width, height: height, pixels: pixels.count, fullResolutionChroma: options.fullResolutionChroma)
        let coefficients = analyse(pixels, geometry)
        let planes = zip(coefficients, [lumaSteps, chromaSteps, chromaSteps]).map { plane, steps in
            synthesise(plane, steps: steps)
        }
        let luma = planes[0].cropped(width: width, height: height)
        let chroma = planes[1...].map { upsample($0, geometry) }
        return Colour.rgb(luma, chroma[0], chroma[1], rounded: options.intermediateRounding)
    }

    /// The vector-Jacobian product at `pixels`: `Jᵀ · outputGradient`, `3 · width · height` floats.
    ///
    /// Every rounding and clamp passes the gradient through unchanged except the quantiser's,
    /// whose derivative is ``rounding``'s; for ``Rounding/straightThrough`` the result does not
    /// depend on `pixels` (it is the transpose of the linear map ``forward(_:width:height:)``
    /// becomes without rounding).
    public func pullback(_ pixels: [Float], width: Int, height: Int, outputGradient: [Float]) -> [Float] {
        let geometry = Geometry(width: width, height: height, pixels: pixels.count, fullResolutionChroma: options.fullResolutionChroma)
        precondition(outputGradient.count == pixels.count,
                     "the output gradient has \(outputGradient.count) values for a \(width)×\(height) RGB image")
        let coefficients = quantiserIsIdentity ? nil : analyse(pixels, geometry)
        let (gy, gcb, gcr) = Colour.rgbTranspose(outputGradient, width: width, height: height)
        var planes = [gy.embedded(width: geometry.codedWidth, height: geometry.codedHeight),
                      upsampleTranspose(gcb, geometry), upsampleTranspose(gcr, geometry)]
        if let coefficients {
            for k in planes.indices { synthesisTranspose(&planes[k], coefficients: coefficients[k]) }
        }
        return Colour.ycbcrTranspose(planes[0].folded(width: width, height: height),
                                     chromaFolded(planes[1], geometry), chromaFolded(planes[2], geometry))
    }

    /// Whether the quantiser's derivative is 1 everywhere, so that the block transforms cancel in
    /// the backward pass (the DCT is orthonormal and the steps divide out).
    var quantiserIsIdentity: Bool { !options.quantiserRounding || rounding == .straightThrough }

    // MARK: - Pipeline

    /// Steps 1–5: the scaled DCT coefficients `z = DCT(block − 128) / step` before rounding, of
    /// luma and both chroma planes, each coefficient at its sample's place in the coded plane.
    func analyse(_ pixels: [Float], _ geometry: Geometry) -> [Plane] {
        let (y, cb, cr) = Colour.ycbcr(pixels, width: geometry.width, height: geometry.height, rounded: options.intermediateRounding)
        var planes = [y.replicated(width: geometry.codedWidth, height: geometry.codedHeight)]
        for c in [cb, cr] {
            if options.fullResolutionChroma {
                planes.append(c.replicated(width: geometry.codedWidth, height: geometry.codedHeight))
            } else {
                // libjpeg pads the full-resolution rows to an even count, downsamples, then pads the
                // downsampled plane by repeating its last row (jcprepct.c), while the right edge is
                // padded at full resolution before downsampling (jcsample.c).
                let even = c.replicated(width: geometry.codedWidth, height: geometry.evenHeight)
                planes.append(downsample(even).replicated(width: geometry.chromaCodedWidth, height: geometry.chromaCodedHeight))
            }
        }
        for (k, steps) in [lumaSteps, chromaSteps, chromaSteps].enumerated() { analyseBlocks(&planes[k], steps: steps) }
        return planes
    }

    /// Step 5 on one coded plane, in place: `z = DCT(block − 128) / step` for every 8×8 block.
    func analyseBlocks(_ plane: inout Plane, steps: [Float]) {
        let steps = BlockTransform.rows(steps)
        BlockTransform.forEachBlock(&plane) { block, scratch, _ in
            for r in 0 ..< 8 { block[r] -= 128 }
            BlockTransform.dct(block, scratch)
            for r in 0 ..< 8 { block[r] /= steps[r] }
        }
    }

    /// Steps 5–6 from the scaled coefficients: quantiser rounding, dequantisation, inverse DCT,
    /// +128, and libjpeg's rounding and clamp of the reconstructed samples.
    func synthesise(_ coefficients: Plane, steps: [Float]) -> Plane {
        var plane = coefficients
        let quantise = options.quantiserRounding
        let rounded = options.intermediateRounding
        let rounding = rounding
        let steps = BlockTransform.rows(steps)
        BlockTransform.forEachBlock(&plane) { block, scratch, _ in
            if quantise {
                block.withMemoryRebound(to: Float.self, capacity: 64) { z in
                    for i in 0 ..< 64 { z[i] = rounding.quantise(z[i]) }
                }
            }
            for r in 0 ..< 8 { block[r] *= steps[r] }
            BlockTransform.idct(block, scratch)
            for r in 0 ..< 8 { block[r] += 128 }
            guard rounded else { return }
            block.withMemoryRebound(to: Float.self, capacity: 64) { x in
                // floor(v + 0.5) clamped to 0…255: clamping first lets truncation floor.
                for i in 0 ..< 64 { x[i] = Float(Int(min(max(x[i] + 0.5, 0), 255))) }
            }
        }
        return plane
    }

    /// The transpose of ``synthesise(_:steps:)`` composed with the block part of ``analyse(_:_:)``:
    /// `G ↦ IDCT(Q′(z) ⊙ DCT(G))`, the steps cancelling (÷ step in the analysis, × step in the synthesis).
    func synthesisTranspose(_ gradient: inout Plane, coefficients: Plane) {
        let rounding = rounding
        coefficients.values.withUnsafeBufferPointer { z in
            let width = gradient.width
            BlockTransform.forEachBlock(&gradient) { block, scratch, origin in
                BlockTransform.dct(block, scratch)
                for u in 0 ..< 8 {
                    for v in 0 ..< 8 { block[u][v] *= rounding.derivative(z[origin + u * width + v]) }
                }
                BlockTransform.idct(block, scratch)
            }
        }
    }

    /// Step 7: the coded chroma plane to the image's size.
    func upsample(_ plane: Plane, _ geometry: Geometry) -> Plane {
        if options.fullResolutionChroma { return plane.cropped(width: geometry.width, height: geometry.height) }
        return Resampling.upsample(plane, geometry, fancy: usesFancyUpsampling(geometry), rounded: options.intermediateRounding)
    }

    func upsampleTranspose(_ gradient: Plane, _ geometry: Geometry) -> Plane {
        if options.fullResolutionChroma { return gradient.embedded(width: geometry.codedWidth, height: geometry.codedHeight) }
        return Resampling.upsampleTranspose(gradient, geometry, fancy: usesFancyUpsampling(geometry))
    }

    /// libjpeg-turbo upsamples with the triangle filter only when the downsampled plane is wider
    /// than 2 samples (jdsample.c); narrower planes are replicated.
    func usesFancyUpsampling(_ geometry: Geometry) -> Bool {
        !options.nearestUpsampling && geometry.chromaWidth > 2
    }

    /// The transpose of the chroma part of ``analyse(_:_:)`` before the DCT: padding, the
    /// downsampling and the padding before it, back to the image's size.
    func chromaFolded(_ gradient: Plane, _ geometry: Geometry) -> Plane {
        if options.fullResolutionChroma { return gradient.folded(width: geometry.width, height: geometry.height) }
        let downsampled = gradient.folded(width: geometry.chromaCodedWidth, height: geometry.evenHeight / 2)
        return Resampling.downsampleTranspose(downsampled).folded(width: geometry.width, height: geometry.height)
    }

    /// Step 4: 2×2 means of an even-sized plane, `(a + b + c + d + bias) >> 2` with libjpeg's bias
    /// 1, 2, 1, 2, … along each row when rounding, `(a + b + c + d) / 4` otherwise.
    func downsample(_ plane: Plane) -> Plane {
        Resampling.downsample(plane, rounded: options.intermediateRounding)
    }
}

extension DifferentiableJPEG {
    /// Switches for the tests: the identity in place of roundings, and deliberately wrong
    /// variants that the fidelity tests must reject. `Options()` is libjpeg's pipeline.
    struct Options: Sendable, Equatable {
        /// libjpeg's 8-bit roundings and clamps (input, colour conversion, downsampling, inverse
        /// DCT, upsampling, output); false makes each the identity.
        var intermediateRounding = true
        /// The quantiser's rounding (per ``Rounding``); false makes it the identity.
        var quantiserRounding = true
        /// Wrong: the quantisation tables transposed, as public PyTorch ports have them.
        var transposedTables = false
        /// Wrong: nearest-neighbour chroma upsampling instead of libjpeg's triangle filter.
        var nearestUpsampling = false
        /// Wrong: chroma coded at full resolution (4:4:4) instead of 4:2:0.
        var fullResolutionChroma = false

        /// Every rounding and clamp the identity: the forward pass is then affine.
        static let linear = Options(intermediateRounding: false, quantiserRounding: false)
    }

    /// The sizes involved in coding a `width × height` image.
    struct Geometry {
        let width: Int
        let height: Int
        /// The padded luma plane: whole 16×16 macroblocks.
        let codedWidth: Int
        let codedHeight: Int
        /// The height padded to an even number of rows, as libjpeg's preprocessor pads it.
        let evenHeight: Int
        /// libjpeg's `downsampled_width` and `downsampled_height`: the chroma samples that hold
        /// image data, `ceil(width / 2)` × `ceil(height / 2)`.
        let chromaWidth: Int
        let chromaHeight: Int
        /// The coded chroma plane (full resolution for the 4:4:4 variant).
        let chromaCodedWidth: Int
        let chromaCodedHeight: Int

        init(width: Int, height: Int, pixels: Int, fullResolutionChroma: Bool) {
            precondition(width > 0 && height > 0, "the differentiable JPEG needs a positive size, got \(width)×\(height)")
            precondition(pixels == 3 * width * height, "a \(width)×\(height) RGB image has \(3 * width * height) values, got \(pixels)")
            self.width = width
            self.height = height
            codedWidth = (width + 15) / 16 * 16
            codedHeight = (height + 15) / 16 * 16
            evenHeight = height + height % 2
            chromaWidth = (width + 1) / 2
            chromaHeight = (height + 1) / 2
            chromaCodedWidth = fullResolutionChroma ? codedWidth : codedWidth / 2
            chromaCodedHeight = fullResolutionChroma ? codedHeight : codedHeight / 2
        }
    }
}

extension DifferentiableJPEG.Rounding {
    /// The quantiser's forward value at the scaled coefficient `z`. `round` is half away from
    /// zero, as libjpeg's quantiser rounds.
    func quantise(_ z: Float) -> Float {
        let r = Self.round(z)
        switch self {
        case .straightThrough, .hardCubic: return r
        case .cubic:
            let e = z - r
            return r + e * e * e
        }
    }

    /// The derivative the backward pass uses at `z`.
    func derivative(_ z: Float) -> Float {
        switch self {
        case .straightThrough: return 1
        case .cubic, .hardCubic:
            let e = z - Self.round(z)
            return 3 * e * e
        }
    }

    /// `z` rounded half away from zero, as `Float.rounded()` but without its libm call on baseline
    /// x86-64; values beyond ±2²² (no coefficient comes near) and NaN pass unchanged.
    @inline(__always)
    static func round(_ z: Float) -> Float {
        abs(z) < 4_194_304 ? Float(Int(z + (z < 0 ? -0.5 : 0.5))) : z
    }
}
