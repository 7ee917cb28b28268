import Foundation

/// A progress line on stderr: rewritten in place on a terminal, one line per update otherwise
/// (at most every few seconds, so logs stay short).
final class ProgressLine {
    private let label: String
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private var lastPrint = Date.distantPast
    private var pending: String?

    init(label: String) { self.label = label }

    /// Shows `text` now on a terminal, or when 5 s have passed since the last logged line.
    func update(_ text: String) {
        if isTerminal {
            FileHandle.standardError.write(Data("\r\u{1B}[K\(label): \(text)".utf8))
        } else if Date().timeIntervalSince(lastPrint) >= 5 {
            FileHandle.standardError.write(Data("\(label): \(text)\n".utf8))
            lastPrint = Date()
            pending = nil
            return
        }
        pending = text
    }

    /// Ends the line on a terminal, or logs the last update if it was not printed.
    func finish() {
        if isTerminal {
            FileHandle.standardError.write(Data("\n".utf8))
        } else if let pending {
            FileHandle.standardError.write(Data("\(label): \(pending)\n".utf8))
        }
    }

    /// `75` → `1m15s`.
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(s % 3600 / 60)m" : s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
    }
}
