import Datasets
import Tensors

/// Mini-batches of a `LabeledImages` set as model inputs.
public enum Batch {
    /// The images at `indices` as a `[n, H, W, C]` tensor of 0–1 floats (8-bit value / 255), and
    /// their labels.
    public static func make(_ set: LabeledImages, indices: ArraySlice<Int>) -> (images: Tensor, labels: [Int]) {
        let size = set.imageSize
        var scalars = [Float](repeating: 0, count: indices.count * size)
        var labels = [Int]()
        labels.reserveCapacity(indices.count)
        set.pixels.withUnsafeBufferPointer { pixels in
            scalars.withUnsafeMutableBufferPointer { out in
                for (row, i) in indices.enumerated() {
                    let source = i * size, target = row * size
                    for j in 0 ..< size { out[target + j] = Float(pixels[source + j]) * (1 / 255) }
                }
            }
        }
        for i in indices { labels.append(Int(set.labels[i])) }
        return (Tensor(shape: [indices.count, set.height, set.width, set.channels], scalars: scalars), labels)
    }

    /// Consecutive index ranges of at most `size` covering `0 ..< count`.
    public static func ranges(count: Int, size: Int) -> [Range<Int>] {
        stride(from: 0, to: count, by: size).map { $0 ..< Swift.min($0 + size, count) }
    }
}
