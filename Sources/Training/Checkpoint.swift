import _Support
import Datasets
import Foundation
import Tensors

/// Saving a `SmallCNN` as a safetensors file.
///
/// Names are PyTorch's (`conv1.weight`, `bn1.running_var`, …); conv weights are HWIO (permute
/// `[3, 2, 0, 1]` for PyTorch's OIHW). The metadata records the widths and input size, so a
/// checkpoint says which network it belongs to. A checkpoint never holds NaN or ±∞.
public enum Checkpoint {
    /// Writes every parameter and buffer of `model` to `path`, atomically.
    ///
    /// - Throws: `TrainingError.nonFiniteWeight` when a value is NaN or ±∞ (nothing is written),
    ///   `FileError` naming the path.
    public static func save(_ model: SmallCNN, to path: String) throws {
        try stage(model, to: path).commit()
    }

    /// Writes the checkpoint of `model` to a temporary file beside `path`, flushed, for the
    /// caller to `commit()` (or `discard()`); until then `path` keeps its previous content.
    ///
    /// - Throws: as `save(_:to:)`.
    public static func stage(_ model: SmallCNN, to path: String) throws -> StagedFile {
        if let bad = firstNonFinite(model.stateDict) {
            throw TrainingError.nonFiniteWeight(name: bad.name, index: bad.index, value: bad.value)
        }
        let (c1, c2) = model.widths
        let metadata = ["model": "SmallCNN", "widths": "\(c1),\(c2)", "layout": "NHWC/HWIO",
                        "input": "\(model.inputShape.height)x\(model.inputShape.width)x\(model.inputShape.channels)",
                        "classes": "\(model.classCount)"]
        let data = try SafeTensors.encode(model.stateDict, metadata: metadata)
        let staged = try StagedFile(for: path)
        try staged.append([UInt8](data))
        try staged.synchronize()
        return staged
    }

    /// The first tensor (in `tensors` order) holding NaN or ±∞, with the flat index and value.
    static func firstNonFinite(_ tensors: [(name: String, tensor: Tensor)]) -> (name: String, index: Int, value: Float)? {
        for (name, tensor) in tensors {
            let bad: (Int, Float)? = tensor.withUnsafeBufferPointer { values in
                for i in values.indices where !values[i].isFinite { return (i, values[i]) }
                return nil
            }
            if let (index, value) = bad { return (name, index, value) }
        }
        return nil
    }
}
