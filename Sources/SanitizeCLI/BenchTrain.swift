import ArgumentParser

/// Placeholder until its issue lands.
struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train", abstract: "Not built yet.")
    func run() throws { throw ValidationError("'train' is not built yet") }
}
