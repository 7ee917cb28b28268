// MARK: - PIL-compatible antialiased bilinear resampling

extension RGBImage {
    /// Resizes with antialiased bilinear resampling, bit-exact with Pillow's
    /// `Image.resize(size, Image.BILINEAR)` on an RGB image.
    ///
    /// The triangle filter's support is 1 input pixel when enlarging and grows with the
    /// downscaling factor when shrinking, so every input pixel contributes (no aliasing).
    /// The two separable passes each round to 8 bits, with Pillow's 22-bit fixed-point weights.
    /// A pass whose size does not change is skipped, and an unchanged size returns the image
    /// itself. `width` and `height` must be positive.
    ///
    /// Pass order matters for the last bit. Pillow 13 (PR #9549, "if height is scaled down
    /// significantly more than width, resize vertically first") filters columns first when the
    /// height shrinks by more than twice as many pixels as the width does, and rows first
    /// otherwise; this rule reproduced Pillow 13's output on 219 random size pairs.
    public func resizedBilinear(width newWidth: Int, height newHeight: Int) -> RGBImage {
        resizedBilinear(width: newWidth, height: newHeight, window: 0 ..< newWidth, 0 ..< newHeight)
    }

    /// The region `columns` × `rows` of ``resizedBilinear(width:height:)``'s result, computed
    /// without the rest: identical to resizing and then cropping, pixel for pixel.
    ///
    /// Only the input rectangle that the window's filter taps reach is read, and each pass
    /// produces only the samples the next one needs. This keeps the model view of an extreme
    /// aspect ratio (say 4000×1, whose full resize would be 1,024,000×256) as cheap as any other.
    /// Both ranges must be non-empty and lie within the resized size.
    public func resizedBilinear(width newWidth: Int, height newHeight: Int,
                                window columns: Range<Int>, _ rows: Range<Int>) -> RGBImage {
        precondition(newWidth > 0 && newHeight > 0, "resize target must be positive, got \(newWidth)×\(newHeight)")
        precondition(!columns.isEmpty && !rows.isEmpty && columns.lowerBound >= 0 && rows.lowerBound >= 0
                     && columns.upperBound <= newWidth && rows.upperBound <= newHeight,
                     "window \(columns) × \(rows) is outside the \(newWidth)×\(newHeight) result")
        let verticalFirst = newHeight < height && height - newHeight > 2 * (width - newWidth)
        let horizontal = newWidth != width ? ResampleWeights(inputSize: width, outputSize: newWidth, outputs: columns) : nil
        let vertical = newHeight != height ? ResampleWeights(inputSize: height, outputSize: newHeight, outputs: rows) : nil
        // The input rectangle the window depends on; an axis that is not resized is just cropped.
        let inputColumns = horizontal?.inputSpan ?? columns
        let inputRows = vertical?.inputSpan ?? rows
        var image = self
        if inputColumns != 0 ..< width || inputRows != 0 ..< height {
            image = cropped(x: inputColumns.lowerBound, y: inputRows.lowerBound,
                            width: inputColumns.count, height: inputRows.count)
        }
        for pass in verticalFirst ? [false, true] : [true, false] {
            if pass, let horizontal {
                image = image.resampled(horizontal: true, horizontal, offset: inputColumns.lowerBound)
            } else if !pass, let vertical {
                image = image.resampled(horizontal: false, vertical, offset: inputRows.lowerBound)
            }
        }
        return image
    }

    /// One separable pass along x (`horizontal`) or y, producing the outputs of `weights`; input
    /// sample indices along the axis are `weights.first − offset`.
    private func resampled(horizontal: Bool, _ weights: ResampleWeights, offset: Int) -> RGBImage {
        let size = weights.count.count
        let outWidth = horizontal ? size : width, outHeight = horizontal ? height : size
        // Distance in samples between neighbours along the filtered axis.
        let step = horizontal ? 3 : 3 * width
        let outer = horizontal ? height : width
        var output = [UInt8](repeating: 0, count: 3 * outWidth * outHeight)
        pixels.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                weights.kernels.withUnsafeBufferPointer { kernels in
                    for line in 0 ..< outer {
                        // Start of this row (horizontal) or column (vertical), in input and output.
                        let inputBase = horizontal ? 3 * line * width : 3 * line
                        let outputBase = horizontal ? 3 * line * outWidth : 3 * line
                        let outputStep = horizontal ? 3 : 3 * outWidth
                        for o in 0 ..< size {
                            let first = weights.first[o] - offset, count = weights.count[o]
                            let kernel = o * weights.kernelSize
                            var r = ResampleWeights.half, g = ResampleWeights.half, b = ResampleWeights.half
                            var s = inputBase + first * step
                            for k in 0 ..< count {
                                let w = Int(kernels[kernel + k])
                                r += Int(source[s]) * w
                                g += Int(source[s + 1]) * w
                                b += Int(source[s + 2]) * w
                                s += step
                            }
                            let t = outputBase + o * outputStep
                            target[t] = ResampleWeights.clip8(r)
                            target[t + 1] = ResampleWeights.clip8(g)
                            target[t + 2] = ResampleWeights.clip8(b)
                        }
                    }
                }
            }
        }
        return RGBImage(width: outWidth, height: outHeight, pixels: output)
    }

    /// The `width`×`height` region whose top-left pixel is (`x`, `y`); it must lie inside the image.
    public func cropped(x: Int, y: Int, width newWidth: Int, height newHeight: Int) -> RGBImage {
        precondition(x >= 0 && y >= 0 && newWidth > 0 && newHeight > 0 && x + newWidth <= width && y + newHeight <= height,
                     "crop \(newWidth)×\(newHeight) at (\(x), \(y)) is outside the \(width)×\(height) image")
        var samples = [UInt8]()
        samples.reserveCapacity(3 * newWidth * newHeight)
        for row in y ..< y + newHeight {
            let start = 3 * (row * width + x)
            samples.append(contentsOf: pixels[start ..< start + 3 * newWidth])
        }
        return RGBImage(width: newWidth, height: newHeight, pixels: samples)
    }
}

/// Pillow's `precompute_coeffs` and `normalize_coeffs_8bpc` (libImaging/Resample.c) for the
/// bilinear filter, over the whole input (box 0…inputSize), for a range of output samples.
struct ResampleWeights {
    /// Fixed-point precision of the weights: 32 − 8 − 2 bits, as in Pillow.
    static let precisionBits = 22
    /// Rounding offset added before the final shift.
    static let half = 1 << (precisionBits - 1)

    /// Number of weights stored per output sample.
    let kernelSize: Int
    /// First input sample used by each output sample of the range (absolute index).
    let first: [Int]
    /// Number of input samples used by each output sample of the range.
    let count: [Int]
    /// `kernelSize` weights per output sample, scaled by 2^22.
    let kernels: [Int32]
    /// The input samples any output of the range reads.
    let inputSpan: Range<Int>

    /// Weights of the outputs `outputs` (a sub-range of `0 ..< outputSize`); an output's weights
    /// depend only on its own index, so a window gets exactly the full resize's weights.
    init(inputSize: Int, outputSize: Int, outputs: Range<Int>) {
        let scale = Double(inputSize) / Double(outputSize)
        let filterScale = max(scale, 1)
        // The triangle filter has support 1; it widens by the downscaling factor.
        let support = filterScale
        kernelSize = Int(support.rounded(.up)) * 2 + 1
        var first = [Int](repeating: 0, count: outputs.count)
        var count = [Int](repeating: 0, count: outputs.count)
        var kernels = [Int32](repeating: 0, count: outputs.count * kernelSize)
        var weights = [Double](repeating: 0, count: kernelSize)
        var lowest = inputSize, highest = 0
        for (i, o) in outputs.enumerated() {
            let center = (Double(o) + 0.5) * scale
            let inverse = 1 / filterScale
            // C's (int) conversion truncates toward zero, as Int(_:) does.
            let low = max(Int(center - support + 0.5), 0)
            let high = min(Int(center + support + 0.5), inputSize)
            let n = min(high - low, kernelSize)
            var total = 0.0
            for k in 0 ..< n {
                let w = Self.triangle((Double(k + low) - center + 0.5) * inverse)
                weights[k] = w
                total += w
            }
            for k in 0 ..< n {
                let w = total != 0 ? weights[k] / total : weights[k]
                let scaled = w * Double(1 << Self.precisionBits)
                kernels[i * kernelSize + k] = Int32(w < 0 ? -0.5 + scaled : 0.5 + scaled)
            }
            first[i] = low
            count[i] = n
            lowest = min(lowest, low)
            highest = max(highest, low + n)
        }
        self.first = first
        self.count = count
        self.kernels = kernels
        inputSpan = lowest < highest ? lowest ..< highest : 0 ..< 0
    }

    /// The bilinear (triangle) filter: 1 − |x| on (−1, 1), else 0.
    static func triangle(_ x: Double) -> Double {
        let a = abs(x)
        return a < 1 ? 1 - a : 0
    }

    /// Pillow's clip8: the 22-bit fixed-point sum to 0…255.
    @inline(__always)
    static func clip8(_ value: Int) -> UInt8 {
        if value >= (1 << precisionBits) << 8 { return 255 }
        if value <= 0 { return 0 }
        return UInt8(truncatingIfNeeded: value >> precisionBits)
    }
}
