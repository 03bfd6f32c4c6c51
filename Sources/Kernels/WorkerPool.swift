import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Persistent worker threads for the forward pass's parallel loops.
///
/// Decode runs about 120 parallel loops per token, each a few tens of microseconds long; waking
/// GCD workers for each cost as much as the work (perf: 8% of decode in scheduler calls). Here
/// workers wait for the next loop by spinning briefly, then yielding, then parking on a condition
/// variable, as llama.cpp's thread pool does. Items are claimed from one atomic word holding
/// (loop number, item count, next item), so the caller never waits for a worker that has not
/// woken up: whoever is running takes the items, and a late worker's claim for an old loop
/// fails. Yielding matters on shared machines, where a spinning thread would steal the core the
/// thread it waits for needs.
final class WorkerPool: @unchecked Sendable {
    // @unchecked Sendable: `job` is written only by the caller holding `callerLock`, before the
    // claim word announcing the loop is published, and read only after a successful claim.

    /// Threads taking part, the caller included.
    let size: Int
    /// Bits 32–63: loop number; 16–31: item count; 0–15: next item.
    private let claims = Atomic<UInt64>(0)
    private let completed = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    nonisolated(unsafe) private var job: (Int) -> Void = { _ in }
    private let callerLock = Mutex<UInt64>(0)
    private let parkMutex: UnsafeMutablePointer<pthread_mutex_t>
    private let parkCondition: UnsafeMutablePointer<pthread_cond_t>

    /// Loads of the claim word before a waiting thread starts yielding, and yields before a
    /// worker parks.
    private static let spinLimit = 2_000
    private static let yieldLimit = 2_000

    /// Marks pool threads (and a caller inside `run`), so nested loops run inline.
    private static let insideKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    init(size: Int) {
        self.size = max(1, size)
        parkMutex = .allocate(capacity: 1)
        parkCondition = .allocate(capacity: 1)
        pthread_mutex_init(parkMutex, nil)
        pthread_cond_init(parkCondition, nil)
        for _ in 1..<self.size {
            let context = Unmanaged.passRetained(self).toOpaque()
            var thread = pthread_t()
            pthread_create(
                &thread, nil,
                { raw in
                    Unmanaged<WorkerPool>.fromOpaque(raw!).takeRetainedValue().workerLoop()
                    return nil
                }, context)
            pthread_detach(thread)
        }
    }

    /// Runs `body(i)` for every `i` in `0..<count` on the pool; returns when all are done.
    /// Concurrent callers take turns; a call from inside a pool loop runs inline.
    func run(_ count: Int, _ body: (Int) -> Void) {
        if size == 1 || count <= 1 || count >= 1 << 16 || pthread_getspecific(Self.insideKey) != nil {
            for i in 0..<count { body(i) }
            return
        }
        callerLock.withLock { loop in
            loop = (loop + 1) & 0xFFFF_FFFF
            withoutActuallyEscaping(body) { body in
                job = body
                completed.store(0, ordering: .relaxed)
                claims.store(loop << 32 | UInt64(count) << 16, ordering: .sequentiallyConsistent)
                if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                    pthread_mutex_lock(parkMutex)
                    pthread_cond_broadcast(parkCondition)
                    pthread_mutex_unlock(parkMutex)
                }
                pthread_setspecific(Self.insideKey, UnsafeRawPointer(bitPattern: 1))
                work(loop: loop)
                pthread_setspecific(Self.insideKey, nil)
                var spins = 0
                while completed.load(ordering: .acquiring) < count {
                    spins += 1
                    if spins > Self.spinLimit { sched_yield() }
                }
                job = { _ in }
            }
        }
    }

    /// Claims and runs items of loop `loop` until none are left.
    private func work(loop: UInt64) {
        while true {
            var word = claims.load(ordering: .acquiring)
            var item = 0
            while true {
                let count = Int((word >> 16) & 0xFFFF)
                item = Int(word & 0xFFFF)
                guard word >> 32 == loop, item < count else { return }
                let (exchanged, current) = claims.compareExchange(
                    expected: word, desired: word + 1, ordering: .acquiringAndReleasing)
                if exchanged { break }
                word = current
            }
            job(item)
            completed.add(1, ordering: .releasing)
        }
    }

    private func workerLoop() {
        pthread_setspecific(Self.insideKey, UnsafeRawPointer(bitPattern: 1))
        var seen: UInt64 = 0
        while true {
            var spins = 0
            var loop = claims.load(ordering: .acquiring) >> 32
            while loop == seen {
                spins += 1
                if spins > Self.spinLimit + Self.yieldLimit {
                    pthread_mutex_lock(parkMutex)
                    sleepers.add(1, ordering: .sequentiallyConsistent)
                    while claims.load(ordering: .sequentiallyConsistent) >> 32 == seen {
                        pthread_cond_wait(parkCondition, parkMutex)
                    }
                    sleepers.subtract(1, ordering: .sequentiallyConsistent)
                    pthread_mutex_unlock(parkMutex)
                    spins = 0
                } else if spins > Self.spinLimit {
                    sched_yield()
                }
                loop = claims.load(ordering: .acquiring) >> 32
            }
            seen = loop
            work(loop: loop)
        }
    }
}
