import ArgumentParser
import Experiments
import Foundation
import Imaging
import Models

/// `sanitize-bench sweep`: the evaluate sweep's time per row against the Python stack.
struct BenchSweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Time the evaluate sweep per row against the same sweep in PyTorch + Pillow + pytorch_msssim.",
        discussion: """
            Runs the issue's sweep — eps 0,1,2,4,8,16 × (none + jpeg 10,25,50,75,90 + webp 10,25,50,75,90 \
            + jpeg2000 100,50,20,10) — over the images --repeats times into a temporary folder and \
            prints the median wall time per row. The anchor is Scripts/reference/sweep_python.py, \
            the same experiment in the Python stack with 2 threads, run with --python on the same \
            images; the ratio is ours / Python (below 1 is faster; the goal is at most 1/3).

            Example:
              sanitize-bench sweep Fixtures/images --repeats 3
            """)

    @Argument(help: "Image files or folders, as for evaluate.")
    var inputs: [String] = ["Fixtures/images"]

    @Option(help: "Timed sweeps (the median is reported), at least 1.")
    var repeats = 3

    @OptionGroup var anchorPython: AnchorOptions

    @Option(help: "The EfficientNet-Lite0 safetensors file (default: the installed one).")
    var weights: String?

    func validate() throws {
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1, got \(repeats)") }
    }

    func run() throws {
        let settings = try ["jpeg:10,25,50,75,90", "webp:10,25,50,75,90", "jpeg2000:100,50,20,10"].flatMap(CodecSetting.parseList)
        let files = try SweepImage.list(inputs).files
        let classifier = try EfficientNetLite(weights: weights, verifyChecksum: weights == nil)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sanitize-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        var perRow: [Double] = []
        var rowsPerImage = 0
        for repeat_ in 0..<repeats {
            let path = folder.appendingPathComponent("run\(repeat_).csv").path
            let start = DispatchTime.now()
            let plan = try SweepPlan(images: SweepImage.identify(files).images, model: "bench",
                                     epsilons: [0, 1, 2, 4, 8, 16], settings: settings, weights: "bench")
            let results = try ResultsFile(path: path, settings: plan.recordedSettings, resume: false)
            _ = try Sweep(plan: plan, classifier: classifier).run(results: results)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            perRow.append(1000 * seconds / Double(plan.images.count * plan.rowsPerImage))
            rowsPerImage = plan.rowsPerImage
        }
        let ours = perRow.sorted()[perRow.count / 2]
        print("sweep: \(files.count) images × \(rowsPerImage) rows, median of \(repeats)")
        print(String(format: "sanitize evaluate   %8.1f ms/row", ours))
        guard let python = anchorPython.interpreter() else { return }
        let folderArgument = inputs.count == 1 ? inputs[0] : ""
        guard !folderArgument.isEmpty else { print("(Python anchor takes one folder; skipped)"); return }
        if let anchor = pythonAnchor(python: python, folder: folderArgument, scratch: folder) {
            print(String(format: "Python stack        %8.1f ms/row   ratio %.2f (goal ≤ 0.33)", anchor, ours / anchor))
        } else {
            print("(Python anchor did not report a time)")
        }
    }

    /// Runs Scripts/reference/sweep_python.py and reads its "median … ms per row" line.
    private func pythonAnchor(python: String, folder: String, scratch: URL) -> Double? {
        let text = PythonAnchor.run(python: python, script: "Scripts/reference/sweep_python.py",
                                    arguments: [folder, scratch.appendingPathComponent("python.csv").path])
        return text.flatMap { PythonAnchor.number(after: "median ", in: $0) }
    }
}
