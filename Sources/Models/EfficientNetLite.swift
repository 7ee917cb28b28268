import Foundation
import _Support
import Imaging
import Tensors

// MARK: - EfficientNet-Lite

/// A pretrained ImageNet classifier of docs/protocol.md §2: EfficientNet-Lite0, Lite1 or Lite2
/// (`variant`) on 8-bit RGB images.
///
/// The input normalisation `(x − 127) / 128` is part of the model, so images go in as they are
/// (0–255) and gradients come out with respect to those 0–255 pixel values. Images should be the
/// variant's model view (`ModelView.apply(_:side:resizeSide:)` with `variant.inputSide` and
/// `variant.resizeSide`: 224×224 for Lite0, 240×240 for Lite1, 260×260 for Lite2); other sizes
/// work too (SAME padding adapts, the head pools globally) but are not what the weights were
/// trained on.
///
/// Two implementations of the same function:
/// - the **fast path** (`logits`, `inputGradients`, `logitsAndInputGradients`): BatchNorm folded
///   into the convolutions, ReLU6 fused, batched, on both cores through `_Kernels`, with a
///   hand-written backward pass and preallocated buffers reused across calls;
/// - the **tape path** (`tapeLogitsAndInputGradients`): plain `Tensors` ops with autodiff, slower,
///   the reference the fast backward is tested against.
///
/// A model is safe to call from several threads at once: each call takes its own buffers.
public final class EfficientNetLite {
    /// Which of the three models this is.
    public let variant: EfficientNetLiteVariant
    /// The model's name in results and settings, e.g. `efficientnet-lite1`.
    public var modelName: String { variant.name }
    /// The weights file (or `<tensors>`), for messages.
    public let source: String
    /// The number of classes, 1000.
    public var classCount: Int { folded.classes }
    /// Images per forward pass: longer lists are split into batches of at most this many, so
    /// memory stays bounded however many images are passed. The buffers take about 20 MB per
    /// image. 4 because `sanitize-bench model --batch N` measured batches 1–4 at the same CPU time
    /// per image and batch 8 about 40% slower (its activations no longer fit the caches).
    /// Values below 1 count as 1.
    public var maximumBatch = 4
    /// Images per forward-and-backward pass. Every ReLU6 output is kept for the backward pass,
    /// about 45 MB per image (180 MB at 4). Values below 1 count as 1.
    public var maximumGradientBatch = 4

    let folded: FoldedNetwork
    let tape: TapeNetwork
    private let pool = WorkspacePool()

    init(variant: EfficientNetLiteVariant, folded: FoldedNetwork, tape: TapeNetwork, source: String) {
        self.variant = variant
        self.folded = folded
        self.tape = tape
        self.source = source
    }

    // MARK: - Fast path

    /// One vector of `classCount` logits per image. Images must share a size.
    ///
    /// - Throws: `ModelError.mixedImageSizes`. An empty list gives an empty result.
    public func logits(_ images: [RGBImage]) throws -> [[Float]] {
        try checkSizes(images)
        var result: [[Float]] = []
        result.reserveCapacity(images.count)
        for start in stride(from: 0, to: images.count, by: max(1, maximumBatch)) {
            let batch = Array(images[start..<min(images.count, start + max(1, maximumBatch))])
            result += run(batch, labels: nil).logits
        }
        return result
    }

    /// The gradient of `CE(f(image), label)` with respect to each image's 0–255 samples, laid out
    /// like `RGBImage.pixels` (`3·width·height` values, interleaved R, G, B).
    ///
    /// - Throws: `ModelError.mixedImageSizes` or `.invalidLabels` (count or range).
    public func inputGradients(_ images: [RGBImage], labels: [Int]) throws -> [[Float]] {
        try logitsAndInputGradients(images, labels: labels).gradients
    }

    /// The logits and the input gradients of one forward-and-backward pass (see `inputGradients`).
    /// Each image's gradient is that of its own loss: the batch does not mix them.
    public func logitsAndInputGradients(_ images: [RGBImage], labels: [Int]) throws
        -> (logits: [[Float]], gradients: [[Float]]) {
        try checkSizes(images)
        try checkLabels(labels, count: images.count)
        var logits: [[Float]] = [], gradients: [[Float]] = []
        let step = max(1, maximumGradientBatch)
        for start in stride(from: 0, to: images.count, by: step) {
            let end = min(images.count, start + step)
            let part = run(Array(images[start..<end]), labels: Array(labels[start..<end]))
            logits += part.logits
            gradients += part.gradients
        }
        return (logits, gradients)
    }

    /// One vector of logits per image of `pixels`, a float batch `[count, height, width, 3]` of
    /// 0–255 values (not necessarily integers: for finite differences or iterative attacks).
    ///
    /// - Throws: `ModelError.invalidInput` when `pixels.count != count · height · width · 3`.
    public func logits(pixels: [Float], count: Int, height: Int, width: Int) throws -> [[Float]] {
        try checkPixels(pixels, count: count, height: height, width: width)
        var result: [[Float]] = []
        let step = max(1, maximumBatch), perImage = 3 * height * width
        for start in stride(from: 0, to: count, by: step) {
            let part = min(count, start + step) - start
            result += pixels.withUnsafeBufferPointer { source in
                run(count: part, height: height, width: width, labels: nil) { target in
                    for i in 0..<(part * perImage) { target[i] = (source[start * perImage + i] - 127) * (1 / 128) }
                }.logits
            }
        }
        return result
    }

    /// `logitsAndInputGradients` for a float batch `[count, height, width, 3]` of 0–255 values.
    ///
    /// - Throws: `ModelError.invalidInput` or `.invalidLabels`.
    public func logitsAndInputGradients(pixels: [Float], count: Int, height: Int, width: Int, labels: [Int]) throws
        -> (logits: [[Float]], gradients: [[Float]]) {
        try checkPixels(pixels, count: count, height: height, width: width)
        try checkLabels(labels, count: count)
        // dCE/dz = softmax(z) − onehot(y), per image.
        return try logitsAndInputGradients(pixels: pixels, count: count, height: height, width: width) { n, logits in
            var gradient = Softmax.probabilities(logits)
            gradient[labels[n]] -= 1
            return gradient
        }
    }

    /// The input gradient of any loss of the logits: `outputGradient(n, logits)` returns image n's
    /// `∂loss/∂logits` (`classCount` values) given its logits. A float batch `[count, height, width, 3]`
    /// of 0–255 values, as `logitsAndInputGradients(pixels:…)`.
    ///
    /// - Throws: `ModelError.invalidInput`, or `.invalidLabels` when a returned gradient has the wrong length.
    public func logitsAndInputGradients(pixels: [Float], count: Int, height: Int, width: Int,
                                        outputGradient: (Int, [Float]) -> [Float]) throws
        -> (logits: [[Float]], gradients: [[Float]]) {
        try checkPixels(pixels, count: count, height: height, width: width)
        return try withoutActuallyEscaping(outputGradient) { outputGradient in
            try logitsAndInputGradients(pixels: pixels, count: count, height: height, width: width,
                                        escapingOutputGradient: outputGradient)
        }
    }

    private func logitsAndInputGradients(pixels: [Float], count: Int, height: Int, width: Int,
                                         escapingOutputGradient outputGradient: @escaping (Int, [Float]) -> [Float]) throws
        -> (logits: [[Float]], gradients: [[Float]]) {
        var logits: [[Float]] = [], gradients: [[Float]] = []
        var wrongLength: Int?
        let step = max(1, maximumGradientBatch), perImage = 3 * height * width, classes = classCount
        for start in stride(from: 0, to: count, by: step) {
            let end = min(count, start + step)
            let part = pixels.withUnsafeBufferPointer { source in
                run(count: end - start, height: height, width: width, seed: { n, row in
                    let seed = outputGradient(start + n, Array(UnsafeBufferPointer(start: row, count: classes)))
                    if seed.count != classes { wrongLength = seed.count }
                    for k in 0..<classes { row[k] = k < seed.count ? seed[k] : 0 }
                }) { target in
                    for i in 0..<((end - start) * perImage) { target[i] = (source[start * perImage + i] - 127) * (1 / 128) }
                }
            }
            if let wrongLength {
                throw ModelError.invalidLabels("a loss gradient has \(wrongLength) values for \(classes) classes")
            }
            logits += part.logits
            gradients += part.gradients
        }
        return (logits, gradients)
    }

    /// One batch of 8-bit images through the folded network; with `labels`, also the backward pass.
    private func run(_ images: [RGBImage], labels: [Int]?) -> (logits: [[Float]], gradients: [[Float]]) {
        let perImage = 3 * images[0].height * images[0].width
        return run(count: images.count, height: images[0].height, width: images[0].width, labels: labels) { target in
            for (n, image) in images.enumerated() {
                image.pixels.withUnsafeBufferPointer { pixels in
                    let row = target + n * perImage
                    // (x − 127) / 128; 1/128 is exact, so this equals the division.
                    for i in 0..<perImage { row[i] = (Float(pixels[i]) - 127) * (1 / 128) }
                }
            }
        }
    }

    /// One batch through the folded network: `fill` writes the normalised input
    /// `[count, height, width, 3]`; with `labels`, the backward pass follows.
    private func run(count: Int, height: Int, width: Int, labels: [Int]?,
                     fill: (UnsafeMutablePointer<Float>) -> Void) -> (logits: [[Float]], gradients: [[Float]]) {
        guard let labels else { return run(count: count, height: height, width: width, seed: nil, fill: fill) }
        let classes = folded.classes
        // dCE/dz = softmax(z) − onehot(y), per image.
        return run(count: count, height: height, width: width, seed: { n, row in
            Softmax.normalize(row, count: classes)
            row[labels[n]] -= 1
        }, fill: fill)
    }

    /// One batch through the folded network: `fill` writes the normalised input; with `seed`,
    /// which turns image n's logits into `∂loss/∂logits` in place, the backward pass follows.
    private func run(count: Int, height: Int, width: Int, seed: ((Int, UnsafeMutablePointer<Float>) -> Void)?,
                     fill: (UnsafeMutablePointer<Float>) -> Void) -> (logits: [[Float]], gradients: [[Float]]) {
        let key = WorkspacePool.Key(batch: count, height: height, width: width, keepsActivations: seed != nil)
        let ws = pool.take(key) {
            Workspace(network: folded, batch: key.batch, height: key.height, width: key.width,
                      keepsActivations: key.keepsActivations)
        }
        defer { pool.giveBack(ws) }
        fill(ws.input)
        folded.forward(ws)
        let classes = folded.classes, perImage = 3 * height * width
        let logits = (0..<count).map { n in Array(UnsafeBufferPointer(start: ws.logits + n * classes, count: classes)) }
        guard let seed else { return (logits, []) }
        folded.backward(ws, seed: seed)
        let gradients = (0..<count).map { n -> [Float] in
            let source = ws.inputGradient! + n * perImage
            // d/dx of (x − 127)/128 is 1/128.
            return (0..<perImage).map { source[$0] * (1 / 128) }
        }
        return (logits, gradients)
    }

    // MARK: - Tape path

    /// The same logits and input gradients as `logitsAndInputGradients`, computed on the `Tensors`
    /// tape with unfused BatchNorm: the slow reference for the hand-written backward pass.
    public func tapeLogitsAndInputGradients(_ images: [RGBImage], labels: [Int]) throws
        -> (logits: [[Float]], gradients: [[Float]]) {
        try checkSizes(images)
        try checkLabels(labels, count: images.count)
        guard let first = images.first else { return ([], []) }
        let pixels = Tensor(shape: [images.count, first.height, first.width, 3],
                            scalars: images.flatMap { $0.pixels.map(Float.init) }, requiresGrad: true)
        let logits = tape.logits(pixels)
        logits.crossEntropy(labels: labels, reduction: .sum).backward()
        let classes = folded.classes, perImage = 3 * first.height * first.width
        let logitValues = logits.scalars, gradientValues = pixels.grad!.scalars
        return ((0..<images.count).map { Array(logitValues[($0 * classes)..<(($0 + 1) * classes)]) },
                (0..<images.count).map { Array(gradientValues[($0 * perImage)..<(($0 + 1) * perImage)]) })
    }

    // MARK: - Checks

    private func checkSizes(_ images: [RGBImage]) throws {
        guard let first = images.first else { return }
        for (index, image) in images.enumerated() where image.width != first.width || image.height != first.height {
            throw ModelError.mixedImageSizes(index: index, width: image.width, height: image.height,
                                             expectedWidth: first.width, expectedHeight: first.height)
        }
    }

    private func checkPixels(_ pixels: [Float], count: Int, height: Int, width: Int) throws {
        guard count >= 0, height >= 1, width >= 1, pixels.count == count * height * width * 3 else {
            throw ModelError.invalidInput("\(pixels.count) values for \(count) images of \(width)×\(height)×3")
        }
    }

    private func checkLabels(_ labels: [Int], count: Int) throws {
        guard labels.count == count else {
            throw ModelError.invalidLabels("\(labels.count) labels for \(count) images")
        }
        if let index = labels.firstIndex(where: { !(0..<classCount).contains($0) }) {
            throw ModelError.invalidLabels("label \(labels[index]) of image \(index) is outside 0..<\(classCount)")
        }
    }
}
