import ArgumentParser
import Foundation
import Kernels

/// Small helpers every command shares: diagnostics to stderr, results to stdout, errors as one line.
enum CLI {
    /// Runs `body`; an error becomes one line on stderr naming what failed, and exit code 1.
    static func report<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ValidationError {
            throw error
        } catch let error as ExitCode {
            throw error
        } catch {
            FileHandle.standardError.write(Data("easykv: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// Sets the worker threads (`--threads`); a count above the cores is clamped, with a note.
    static func configureThreads(_ requested: Int?) {
        let used = Parallel.configure(threads: requested)
        if let requested, requested > used {
            warn("--threads \(requested) is more than the \(used) cores here; using \(used)", prefix: "note: ")
        }
    }

    static func warn(_ message: String, prefix: String = "warning: ") {
        FileHandle.standardError.write(Data("\(prefix)\(message)\n".utf8))
    }

    /// Writes to stdout unbuffered, for streamed text.
    static func writeOut(_ text: String) {
        guard !text.isEmpty else { return }
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
