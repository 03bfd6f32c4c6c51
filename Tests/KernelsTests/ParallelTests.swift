import Foundation
import Testing

@testable import Kernels

@Suite struct ParallelTests {
    /// Issue 16 item 7: more threads than cores are clamped to the cores (`--threads 100000`
    /// started 100,000 threads). Asks for three times the cores, so an unclamped pool would be
    /// visibly larger; the clamped count equals the default, so no other test sees a new pool.
    @Test func threadCountIsClampedToTheCores() {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let used = Parallel.configure(threads: 3 * cores)
        #expect(used == cores)
        #expect(Parallel.threadCount == cores)
        #expect(Parallel.maxThreads == cores)
        #expect(Parallel.configure(threads: 0) == 1)
        #expect(Parallel.configure(threads: nil) == cores)
    }
}
