import _Support
import Foundation
import Imaging

/// Turns command-line inputs (files and folders) into the named images of a sweep.
enum ImageList {
    /// Files as given, and each folder's regular, non-hidden files sorted by name. Names are
    /// the path as given for files, and the path relative to the folder for folder entries.
    static func expand(_ inputs: [String]) throws -> [(name: String, path: String)] {
        let fm = FileManager.default
        var out: [(name: String, path: String)] = []
        for input in inputs {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: input, isDirectory: &isDir) else {
                throw ImageFileError(path: input, reason: "no such file or folder")
            }
            if isDir.boolValue {
                let entries = try fm.contentsOfDirectory(atPath: input).filter { !$0.hasPrefix(".") }.sorted()
                for entry in entries {
                    let path = (input as NSString).appendingPathComponent(entry)
                    var entryIsDir: ObjCBool = false
                    if fm.fileExists(atPath: path, isDirectory: &entryIsDir), !entryIsDir.boolValue {
                        out.append((entry, path))
                    }
                }
            } else {
                out.append((input, input))
            }
        }
        guard !out.isEmpty else { throw ImageFileError(path: inputs.joined(separator: " "), reason: "no image files found") }
        return out
    }

    /// `results.csv` → `results-summary.csv`.
    static func summaryPath(for output: String) -> String {
        let ext = (output as NSString).pathExtension
        let stem = ext.isEmpty ? output : String(output.dropLast(ext.count + 1))
        return stem + "-summary." + (ext.isEmpty ? "csv" : ext)
    }
}
