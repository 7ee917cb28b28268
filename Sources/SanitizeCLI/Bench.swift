import ArgumentParser

/// `sanitize bench`: the benchmarks behind the README's speed table, one subcommand per area.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure speed: median timings and ratios against the anchors named in the issues.",
        discussion: """
            Each subcommand times one area many times and prints the median. Run on an idle \
            machine; anchors (Pillow, pytorch_msssim, numpy, PyTorch) are measured by the scripts \
            in Scripts/anchors/ on the same machine.
            """,
        subcommands: [BenchCodecs.self, BenchMetrics.self, BenchKernels.self, BenchModel.self, BenchSweep.self, BenchTrain.self])
}
