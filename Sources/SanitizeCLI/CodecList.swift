import Imaging

extension CodecSetting {
    /// Parses one `--codec` value: a codec and comma-separated parameters, e.g. `jpeg:10,50,90`,
    /// `jpeg2000:100,20`, or a codec that takes none (`none`, `png`).
    static func parseList(_ text: String) throws -> [CodecSetting] {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return [try CodecSetting(parsing: text)] }
        let values = parts[1].split(separator: ",", omittingEmptySubsequences: false)
        return try values.map { try CodecSetting(parsing: "\(parts[0]):\($0.trimmingCharacters(in: .whitespaces))") }
    }
}
