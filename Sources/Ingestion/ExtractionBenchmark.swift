/// Extraction throughput over files already in memory: media-type detection plus text
/// extraction, no I/O. What `easykv extract --bench` prints and `easykv bench` can call.
public enum ExtractionBenchmark {
    public struct Result: Sendable {
        public var files: Int
        public var bytes: Int
        public var seconds: Double
        public var iterations: Int
        /// Input megabytes (10^6 bytes) extracted per second.
        public var megabytesPerSecond: Double { seconds > 0 ? Double(bytes * iterations) / 1e6 / seconds : 0 }
        /// Files whose extraction failed (counted once, not per iteration).
        public var failures: Int
    }

    /// Reads `paths`, then extracts all of them `iterations` times on the calling thread.
    public static func run(paths: [String], iterations: Int = 3, loader: DocumentLoader = DocumentLoader())
        throws(IngestionError) -> Result
    {
        var inputs: [(String, [UInt8])] = []
        for path in paths {
            inputs.append((path, try FileSystem.readFile(path, limit: loader.options.maxBytes, source: path)))
        }
        let bytes = inputs.reduce(0) { $0 + $1.1.count }
        var failures = 0
        // One untimed pass warms caches and counts failures.
        for (path, data) in inputs {
            do throws(IngestionError) {
                _ = try loader.extract(bytes: data, name: path, contentType: nil, source: path)
            } catch {
                failures += 1
            }
        }
        let start = HTTPFetcher.now()
        for _ in 0..<max(1, iterations) {
            for (path, data) in inputs {
                _ = try? loader.extract(bytes: data, name: path, contentType: nil, source: path)
            }
        }
        let seconds = HTTPFetcher.now() - start
        return Result(
            files: inputs.count, bytes: bytes, seconds: seconds, iterations: max(1, iterations), failures: failures)
    }
}
