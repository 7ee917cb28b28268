import Foundation
import Imaging

extension ImageQuality {
    /// Peak signal-to-noise ratio in dB, 10 log10(255² / MSE), the mean squared error taken over
    /// all samples of all three channels (as numpy's `10 * log10(255**2 / mean((a - b)**2))`).
    ///
    /// The squared errors are summed exactly in integers, so the result is exact to Double rounding.
    /// - Returns: `.infinity` for identical images; otherwise at least 0 (at most 255 per sample
    ///   gives MSE ≤ 255²).
    /// - Throws: `ImageQualityError.sizeMismatch` when the sizes differ.
    public static func psnr(_ reference: RGBImage, _ distorted: RGBImage) throws -> Double {
        try checkSameSize(reference, distorted)
        let sum = squaredErrorSum(reference.pixels, distorted.pixels)
        guard sum > 0 else { return .infinity }
        let mse = Double(sum) / Double(reference.pixels.count)
        return 10 * log10(255.0 * 255.0 / mse)
    }

    /// Σ (a − b)² over two equally long sample arrays, exact. Blocks of 4096 samples accumulate
    /// in 32-bit lanes (4096 · 255² < 2³¹) before widening, which lets the loop vectorise.
    static func squaredErrorSum(_ a: [UInt8], _ b: [UInt8]) -> Int {
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                var total = 0
                var start = 0
                while start < pa.count {
                    let end = min(start + 4096, pa.count)
                    var block: Int32 = 0
                    for i in start..<end {
                        let d = Int32(pa[i]) - Int32(pb[i])
                        block &+= d &* d
                    }
                    total += Int(block)
                    start = end
                }
                return total
            }
        }
    }
}
