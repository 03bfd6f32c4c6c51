import Foundation
import TestSupport
import Testing

@testable import BatchPipeline

#if canImport(Glibc)
    import Glibc
#endif

extension ModelBackedTests {
    /// `easykv run` as a process: killed with SIGKILL mid-run and resumed, interrupted with
    /// SIGINT, and its exit statuses. The binary is the one built next to this test bundle.
    @Suite struct RunProcessTests {
        /// `easykv` in the build folder that holds the running test bundle.
        static func binary() throws -> String {
            if let path = ProcessInfo.processInfo.environment["EASYKV_BINARY"] { return path }
            let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            var dir = exe.deletingLastPathComponent()
            for _ in 0..<4 {
                let candidate = dir.appendingPathComponent("easykv").path
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
                dir = dir.deletingLastPathComponent()
            }
            throw PipelineError.model(
                "no easykv binary next to \(exe.path): build it first (swift build --product easykv with the same flags)"
            )
        }

        let folder: String
        let pipeline: String

        init() throws {
            folder = try PipelineFixtures.folder("process")
            pipeline = folder + "/p.yaml"
            try PipelineFixtures.write(
                """
                model: \(PipelineFixtures.modelPath)
                generation: {max_tokens: 12}
                kv: {budget: 0.5, stride: 64}
                batch_size: 2
                """, to: pipeline)
        }

        func start(_ arguments: [String], directory: String? = nil, stdout: Pipe? = nil) throws -> Process {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try Self.binary())
            process.arguments = arguments
            if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
            process.standardOutput = stdout ?? FileHandle.nullDevice
            process.standardError = Pipe()
            try process.run()
            return process
        }

        /// Runs to the end; returns the exit status and stderr.
        func run(_ arguments: [String]) throws -> (Int32, String) {
            let process = try start(arguments)
            let stderr = (process.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: stderr, as: UTF8.self))
        }

        func lineCount(_ path: String) -> Int {
            guard let data = FileManager.default.contents(atPath: path) else { return 0 }
            return data.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        }

        /// Waits until `path` has `lines` lines or the process ends.
        func waitForLines(_ path: String, _ lines: Int, _ process: Process) -> Bool {
            let deadline = Date().addingTimeInterval(300)
            while Date() < deadline, process.isRunning {
                if lineCount(path) >= lines { return true }
                usleep(10_000)
            }
            return false
        }

        @Test func killedRunResumesWithNothingMissingAndNothingTwice() throws {
            let names = try PipelineFixtures.writeGoodDocuments(in: folder + "/in", count: 10)
            let output = folder + "/out.jsonl"
            // One sequence at a time, so lines come out through the run (see the SIGINT test).
            let arguments = [
                "run", pipeline, "--input", folder + "/in", "--output", output, "--quiet", "--batch-size", "1",
            ]
            let process = try start(arguments)
            let reached = waitForLines(output, 2, process)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            try #require(reached, "the run ended before it could be killed")
            #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL)
            let before = try PipelineFixtures.records(output)
            #expect(before.count >= 2 && before.count < names.count)

            // A torn line, as a kill during a write on a full disk would leave.
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
            handle.seekToEndOfFile()
            handle.write(Data(#"{"id":"doc9-notes.txt","index":9,"sta"#.utf8))
            try handle.close()

            let (status, stderr) = try run(arguments + ["--resume"])
            #expect(status == 0, "\(stderr)")
            #expect(stderr.isEmpty || stderr.contains("torn last line"), "\(stderr)")
            let after = try PipelineFixtures.records(output)
            #expect(after.count == names.count)
            #expect(Set(after.map(\.id)) == Set(names))
            #expect(after.allSatisfy { $0.status == .ok })
            #expect(Array(after.prefix(before.count)) == before)  // lines written before the kill are kept as they were
            #expect(after.map(\.index) == after.map(\.index).sorted())  // still in input order
        }

        @Test func sigintFinishesLinesInFlightAndExits130() throws {
            let names = try PipelineFixtures.writeGoodDocuments(in: folder + "/in", count: 9)
            let output = folder + "/out.jsonl"
            // One sequence at a time: documents finish in input order, so the first line comes
            // out while most of the run is still ahead (with a batch, a slow first document can
            // hold every line back until the end).
            let arguments = ["run", pipeline, "--input", folder + "/in", "--output", output, "--batch-size", "1"]
            let process = try start(arguments)
            let errors = (process.standardError as! Pipe).fileHandleForReading
            let reached = waitForLines(output, 1, process)
            kill(process.processIdentifier, SIGINT)
            let stderr = String(decoding: errors.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            try #require(reached, "the run ended before the signal")
            #expect(process.terminationReason == .exit && process.terminationStatus == 130, "\(stderr)")
            #expect(stderr.contains("SIGINT: finishing the documents in flight"))
            #expect(stderr.contains("run again with --resume"))
            let partial = try PipelineFixtures.records(output)
            #expect(partial.count < names.count && partial.allSatisfy { $0.status == .ok })

            let (status, _) = try run(arguments + ["--resume", "--quiet"])
            #expect(status == 0)
            #expect(try Set(PipelineFixtures.records(output).map(\.id)) == Set(names))
        }

        /// Issue 16 item 16: SIGTERM while pages are being fetched ends the run within seconds
        /// (batch systems allow about 30 s before SIGKILL; a fetch may take 60), not when the
        /// fetches finish. The interrupted inputs get no line, as inputs the run never reached,
        /// and `--resume` does them.
        @Test func sigtermCancelsFetchesInFlight() throws {
            let server = try TestHTTPServer()
            defer { server.stop() }
            server.route("/slow") { _, c in
                c.send("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n")
                for _ in 0..<240 {
                    guard c.send("a") else { return }
                    Thread.sleep(forTimeInterval: 0.25)
                }
            }
            let list = folder + "/pages.urls"
            try PipelineFixtures.write("\(server.baseURL)/slow/1\n\(server.baseURL)/slow/2\n", to: list)
            let output = folder + "/pages.jsonl"
            let process = try start([
                "run", pipeline, "--input", list, "--output", output, "--set", "input.block_private_addresses=false",
                "--set", "input.timeout=120",
            ])
            let errors = (process.standardError as! Pipe).fileHandleForReading
            let deadline = Date().addingTimeInterval(300)
            while Date() < deadline, process.isRunning, server.requests.count < 2 { usleep(20_000) }
            try #require(server.requests.count == 2, "the fetches never started")
            let signalled = Date()
            kill(process.processIdentifier, SIGTERM)
            while process.isRunning, Date().timeIntervalSince(signalled) < 20 { usleep(20_000) }
            let seconds = Date().timeIntervalSince(signalled)
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            let stderr = String(decoding: errors.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(seconds < 5, "exited \(seconds) s after SIGTERM")
            #expect(process.terminationReason == .exit && process.terminationStatus == 143, "\(stderr)")
            if FileManager.default.fileExists(atPath: output) { #expect(try PipelineFixtures.records(output).isEmpty) }
            #expect(stderr.contains("run again with --resume"), "\(stderr)")
        }

        @Test func exitStatuses() throws {
            _ = try PipelineFixtures.writeHostileDocuments(in: folder + "/bad")
            let (allFailed, stderr) = try run([
                "run", pipeline, "--input", folder + "/bad", "--output", folder + "/bad.jsonl",
            ])
            #expect(allFailed == 1)
            #expect(stderr.contains("easykv run: all 4 inputs failed"), "\(stderr)")

            try PipelineFixtures.write("task: summarize\nbatch_sise: 3\n", to: folder + "/typo.yaml")
            let (invalid, message) = try run(["run", folder + "/typo.yaml", "--input", folder + "/bad"])
            #expect(invalid == 2)
            #expect(message.contains("\(folder)/typo.yaml:2: batch_sise: unknown key"), "\(message)")

            let (badFlag, flagMessage) = try run(["run", pipeline, "--set", "kv.budget=lots"])
            #expect(badFlag == 2)
            #expect(flagMessage.contains("--set kv.budget=lots: kv.budget: 'lots' is not a budget"))

            let (badShard, shardMessage) = try run(["run", pipeline, "--shard", "3/3"])
            #expect(badShard == 2 && shardMessage.contains("--shard 3/3"))
        }

        @Test func mergeCommandJoinsShards() throws {
            _ = try PipelineFixtures.writeGoodDocuments(in: folder + "/in", count: 4)
            var parts: [String] = []
            for i in 0..<2 {
                let path = folder + "/part\(i).jsonl"
                let (status, stderr) = try run([
                    "run", pipeline, "--input", folder + "/in", "--output", path, "--shard", "\(i)/2", "--quiet",
                ])
                #expect(status == 0, "\(stderr)")
                parts.append(path)
            }
            let (status, stderr) = try run(["merge"] + parts + ["-o", folder + "/merged.jsonl"])
            #expect(status == 0)
            #expect(stderr.contains("easykv merge: 2 files, 4 records (4 ok, 0 failed)"), "\(stderr)")
            let merged = try PipelineFixtures.records(folder + "/merged.jsonl")
            #expect(merged.map(\.index) == [0, 1, 2, 3])
        }

        /// Issue 16 items 10 and 12: a second writer of one output is refused (exit 2, naming the
        /// holder) whatever it asks — a new run, a resume, a merge — and no record is lost when
        /// the holder is killed and a resume finishes the job. The output sits inside the input
        /// folder and is never read as an input.
        @Test func oneWriterPerOutputAndNothingLost() throws {
            let names = try PipelineFixtures.writeGoodDocuments(in: folder + "/in", count: 3)
            let output = folder + "/in/out.jsonl"
            let arguments = ["run", pipeline, "--input", folder + "/in", "--output", output, "--batch-size", "1"]
            func refused(_ extra: [String], holder: Process) throws {
                let (status, stderr) = try run(extra.isEmpty ? arguments : arguments + extra)
                #expect(status == 2, "\(extra): \(stderr)")
                #expect(
                    stderr.contains(
                        "\(output): another easykv process (pid \(holder.processIdentifier)) is writing this output"),
                    "\(stderr)")
            }

            // A holds the output (stopped while loading); B, a resume and a merge are refused.
            let a = try start(arguments + ["--quiet"])
            let deadline = Date().addingTimeInterval(60)
            // The pid goes into the lock file once the lock is held.
            while (try? String(contentsOfFile: output + ".lock", encoding: .utf8)) != "\(a.processIdentifier)\n",
                a.isRunning, Date() < deadline
            {
                usleep(2_000)
            }
            kill(a.processIdentifier, SIGSTOP)
            try refused([], holder: a)
            try refused(["--resume"], holder: a)
            let (mergeStatus, mergeError) = try run(["merge", folder + "/none.jsonl", "-o", output])
            #expect(mergeStatus == 2 && mergeError.contains("is writing this output"), "\(mergeError)")

            // A is killed with its lock file still there: the kernel dropped the lock, so a resume runs.
            kill(a.processIdentifier, SIGKILL)
            a.waitUntilExit()
            let (status, stderr) = try run(arguments + ["--resume", "--quiet"])
            #expect(status == 0, "\(stderr)")
            #expect(try PipelineFixtures.records(output).map(\.id).sorted() == names.sorted())
            #expect(!FileManager.default.fileExists(atPath: output + ".lock"))

            // A writer mid-run (lines already out) is not disturbed by a refused resume.
            // (The old file goes first, so the lines waited for are c's own.)
            try FileManager.default.removeItem(atPath: output)
            let c = try start(arguments + ["--overwrite", "--quiet"])
            let reached = waitForLines(output, 1, c)
            try refused(["--resume"], holder: c)
            c.waitUntilExit()
            try #require(reached, "the run ended before the second writer tried")
            #expect(c.terminationStatus == 0)
            let records = try PipelineFixtures.records(output)
            #expect(records.map(\.id) == names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
            #expect(
                records.allSatisfy { $0.status == .ok && $0.configHash?.count == 64 && $0.contentHash?.count == 64 })
        }

        /// Issue 16 items 20 and 22: `--output -` writes the records to standard output (it used
        /// to crash, as did any one-character name), and `run` takes `--threads`.
        @Test func standardOutputOneCharacterNamesAndThreads() throws {
            let names = try PipelineFixtures.writeGoodDocuments(in: folder + "/in", count: 2)
            let common = ["run", pipeline, "--input", folder + "/in", "--max-tokens", "4", "--threads", "1"]
            let stdout = Pipe()
            let process = try start(common + ["--output", "-"], stdout: stdout)
            let printed = stdout.fileHandleForReading.readDataToEndOfFile()
            let stderr = String(
                decoding: (process.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(stderr)")
            let lines = String(decoding: printed, as: UTF8.self).split(separator: "\n")
            let records = try lines.map { try JSONDecoder().decode(OutputRecord.self, from: Data($0.utf8)) }
            #expect(records.map(\.id) == names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
            #expect(records.allSatisfy { $0.status == .ok && $0.generatedTokens <= 4 })
            #expect(stderr.contains("output: standard output"), "\(stderr)")

            let inFolder = try start(common + ["--output", "o", "--quiet"], directory: folder)
            inFolder.waitUntilExit()
            #expect(inFolder.terminationStatus == 0)
            #expect(try PipelineFixtures.records(folder + "/o").count == 2)
        }
    }
}
