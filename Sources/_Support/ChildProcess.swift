#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a program as a child process and collects what it writes, with a time limit: the way
/// untrusted work (decoding a file nobody vetted) is kept from taking the caller down.
public enum ChildProcess {
    /// What a finished child left.
    public struct Outcome: Sendable {
        /// The exit status, or 128 + the signal number when a signal ended it.
        public var status: Int32
        /// Everything it wrote to stdout.
        public var stdout: [UInt8]
        /// Everything it wrote to stderr, as text.
        public var stderr: String
        /// Whether it was killed for running past the time limit.
        public var timedOut: Bool
    }

    /// The path of the running executable (`/proc/self/exe` resolved), or nil where there is none.
    public static let currentExecutable: String? = {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return PlatformPath.decode(buffer.prefix(n).map { UInt8(bitPattern: $0) })
    }()

    /// Runs `executable` with `arguments` (the first being its name) and no stdin, waits for it,
    /// and returns its output. A child still running after `timeout` seconds is killed.
    /// Throws ``FileError`` naming the executable when it cannot be started.
    public static func run(_ executable: String, _ arguments: [String], timeout: Double) throws -> Outcome {
        var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        guard pipe(&outPipe) == 0 else { throw FileError(path: executable, reason: "cannot create a pipe: \(String(cString: strerror(errno)))") }
        guard pipe(&errPipe) == 0 else {
            close(outPipe[0]); close(outPipe[1])
            throw FileError(path: executable, reason: "cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        for fd in [outPipe[0], outPipe[1], errPipe[0], errPipe[1]] { posix_spawn_file_actions_addclose(&actions, fd) }

        let cArguments = arguments.map { argument in
            PlatformPath.withCString(argument) { strdup($0) }
        }
        defer { cArguments.forEach { free($0) } }
        var argv: [UnsafeMutablePointer<CChar>?] = cArguments + [nil]
        var pid: pid_t = 0
        let spawned = PlatformPath.withCString(executable) { path in
            argv.withUnsafeMutableBufferPointer { posix_spawn(&pid, path, &actions, nil, $0.baseAddress!, environ) }
        }
        close(outPipe[1]); close(errPipe[1])
        guard spawned == 0 else {
            close(outPipe[0]); close(errPipe[0])
            throw FileError(path: executable, reason: "cannot start: \(String(cString: strerror(spawned)))")
        }

        var out: [UInt8] = [], err: [UInt8] = []
        var open = [outPipe[0], errPipe[0]]
        var timedOut = false
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        let end = Double(deadline.tv_sec) + Double(deadline.tv_nsec) / 1e9 + timeout
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while !open.isEmpty {
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            let left = end - (Double(now.tv_sec) + Double(now.tv_nsec) / 1e9)
            if left <= 0 {
                kill(pid, SIGKILL)
                timedOut = true
                break
            }
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&fds, nfds_t(fds.count), Int32(min(left, 1) * 1000) + 1)
            if ready < 0 && errno != EINTR { break }
            for entry in fds where entry.revents != 0 {
                let n = chunk.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress!, $0.count) }
                if n > 0 {
                    if entry.fd == outPipe[0] { out += chunk[0..<n] } else if err.count < 1 << 16 { err += chunk[0..<n] }
                } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                    open.removeAll { $0 == entry.fd }
                }
            }
        }
        close(outPipe[0]); close(errPipe[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code: Int32 = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return Outcome(status: code, stdout: out, stderr: String(decoding: err, as: UTF8.self), timedOut: timedOut)
    }
}
