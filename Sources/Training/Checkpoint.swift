import Datasets
import Foundation
import Tensors

/// Saving a `SmallCNN` as a safetensors file.
///
/// Layout (the safetensors format of Hugging Face): an 8-byte little-endian header length, a
/// JSON header mapping each tensor name to `{"dtype":"F32","shape":[…],"data_offsets":[b,e]}`
/// plus `__metadata__`, padded with spaces to a multiple of 8, then the raw little-endian float32
/// data in the header's order. Names are PyTorch's (`conv1.weight`, `bn1.running_var`, …); conv
/// weights are HWIO (permute `[3, 2, 0, 1]` for PyTorch's OIHW).
public enum Checkpoint {
    /// Writes every parameter and buffer of `model` to `path`, atomically.
    ///
    /// - Throws: `DatasetError.unwritable` naming the path.
    public static func save(_ model: SmallCNN, to path: String) throws {
        var entries = [String]()
        var data = [UInt8]()
        for (name, tensor) in model.stateDict {
            let begin = data.count
            tensor.withUnsafeBufferPointer { buffer in
                for v in buffer { withUnsafeBytes(of: v.bitPattern.littleEndian) { data += $0 } }
            }
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append("\"\(name)\":{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(begin),\(data.count)]}")
        }
        let (c1, c2) = model.widths
        let metadata = "\"__metadata__\":{\"format\":\"pt\",\"model\":\"SmallCNN\",\"widths\":\"\(c1),\(c2)\","
            + "\"input\":\"\(model.inputShape.height)x\(model.inputShape.width)x\(model.inputShape.channels)\",\"layout\":\"NHWC/HWIO\"}"
        var header = Array(("{" + ([metadata] + entries).joined(separator: ",") + "}").utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var bytes = [UInt8]()
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes += $0 }
        bytes += header
        bytes += data
        try FileIO.writeAtomically(bytes, to: path)
    }
}
