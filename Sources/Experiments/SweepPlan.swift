import _Support
import Foundation
import Imaging

/// What one sweep does: which budgets, which codec settings, which labels.
///
/// Rows come out in a fixed order: image (as listed), eps (as given), then `none` followed by
/// the codec settings (as given). That order, and the deterministic pipeline, make two runs
/// — or a run and a resumed run — write identical CSVs.
public struct SweepPlan: Sendable {
    /// FGSM budgets in 8-bit levels, in the order given, without repeats.
    public var epsilons: [Int]
    /// The codec settings, `none` first, without repeats.
    public var settings: [CodecSetting]
    /// Ground-truth labels by image name; images without one are attacked at their clean top-1.
    public var labels: [String: Int]
    /// A description of the classifier's weights (path and size), recorded with the settings.
    public var weights: String

    /// Builds a plan; `none` is added as the baseline when absent and repeats are dropped.
    public init(epsilons: [Int], settings: [CodecSetting], labels: [String: Int] = [:], weights: String) throws {
        var seenEps = Set<Int>()
        self.epsilons = epsilons.filter { seenEps.insert($0).inserted }
        let baseline = try CodecSetting(codec: .none, quality: 0)
        var seen = Set<String>()
        self.settings = ([baseline] + settings).filter { seen.insert($0.description).inserted }
        self.labels = labels
        self.weights = weights
    }

    /// The number of rows each image contributes.
    public var rowsPerImage: Int { epsilons.count * settings.count }

    /// The text recorded beside the results CSV; a resumed sweep must match it exactly.
    public var recordedSettings: String {
        let labelText = labels.isEmpty ? "clean top-1"
            : labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ";")
        return """
            sanitize evaluate, results format 1
            eps: \(epsilons.map(String.init).joined(separator: ","))
            codecs: \(settings.map(\.description).joined(separator: ","))
            labels: \(labelText)
            weights: \(weights)

            """
    }

    /// Reads a labels CSV with the header `image,label`; labels are class indices 0…999.
    public static func readLabels(path: String, classCount: Int = 1000) throws -> [String: Int] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ResultsFileError(description: "\(path): cannot read the labels file")
        }
        var lines = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
        guard let header = lines.first, CSV.split(header).map({ $0.trimmingCharacters(in: .whitespaces) }) == ["image", "label"] else {
            throw ResultsFileError(description: "\(path): the labels file must start with the header 'image,label'")
        }
        lines.removeFirst()
        var labels: [String: Int] = [:]
        for (i, line) in lines.enumerated() {
            let f = CSV.split(line)
            guard f.count == 2, let label = Int(f[1].trimmingCharacters(in: .whitespaces)), (0..<classCount).contains(label) else {
                throw ResultsFileError(description: "\(path): line \(i + 2) is not 'image,label' with a label 0…\(classCount - 1): '\(line)'")
            }
            labels[f[0]] = label
        }
        return labels
    }
}
