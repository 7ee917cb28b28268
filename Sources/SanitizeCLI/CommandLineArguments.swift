import _Support

/// The command line before ArgumentParser sees it.
enum CommandLineArguments {
    /// The arguments after the program name, decoded so that file names that are not UTF-8 survive
    /// (see ``PlatformPath``).
    static func raw() -> [String] {
        (1..<Int(CommandLine.argc)).map { PlatformPath.decode(CommandLine.unsafeArgv[$0]!) }
    }

    /// `--eps -1` becomes `--eps=-1`, so that a negative value reaches the option's own check
    /// ("--eps must be 0…255") instead of being read as an unknown option.
    static func normalized(_ arguments: [String]) -> [String] {
        var out: [String] = []
        var i = 0
        while i < arguments.count {
            let argument = arguments[i]
            if argument == "--" {
                out += arguments[i...]
                break
            }
            if argument.hasPrefix("--"), !argument.contains("="), i + 1 < arguments.count, isNegativeNumber(arguments[i + 1]) {
                out.append(argument + "=" + arguments[i + 1])
                i += 2
                continue
            }
            out.append(argument)
            i += 1
        }
        return out
    }

    /// A usage problem ArgumentParser would mishandle: a single-dash word such as `-dash.jpg`,
    /// which it would read as the short flags `-d -a -s -h` (and print help).
    static func problem(in arguments: [String]) -> String? {
        for argument in arguments {
            if argument == "--" { return nil }
            if argument.hasPrefix("-"), !argument.hasPrefix("--"), argument != "-h", argument.count > 1,
               !isNegativeNumber(argument) {
                let shown = PlatformPath.display(argument)
                return "unknown option '\(shown)'; to name a file that begins with '-', write './\(shown)' or put it after '--'"
            }
        }
        return nil
    }

    private static func isNegativeNumber(_ text: String) -> Bool {
        guard text.hasPrefix("-"), text.count > 1 else { return false }
        return Double(text) != nil || text.dropFirst().allSatisfy { $0.isNumber || $0 == "," || $0 == "." }
    }
}

/// Writes `prefix: message` and a line break to stderr.
func warn(_ message: String, prefix: String = "warning") {
    eprint("\(prefix): \(message)")
}
