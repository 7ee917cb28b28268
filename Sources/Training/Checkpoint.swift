import Foundation
import Tensors

/// Saving a `SmallCNN` as a safetensors file.
///
/// Names are PyTorch's (`conv1.weight`, `bn1.running_var`, …); conv weights are HWIO (permute
/// `[3, 2, 0, 1]` for PyTorch's OIHW). The metadata records the widths and input size, so a
/// checkpoint says which network it belongs to.
public enum Checkpoint {
    /// Writes every parameter and buffer of `model` to `path`, atomically.
    ///
    /// - Throws: `SafeTensorsError` naming the path.
    public static func save(_ model: SmallCNN, to path: String) throws {
        let (c1, c2) = model.widths
        let metadata = ["model": "SmallCNN", "widths": "\(c1),\(c2)", "layout": "NHWC/HWIO",
                        "input": "\(model.inputShape.height)x\(model.inputShape.width)x\(model.inputShape.channels)",
                        "classes": "\(model.classCount)"]
        try SafeTensors.write(model.stateDict, metadata: metadata, to: URL(fileURLWithPath: path))
    }
}
