import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Resident memory of this process (Linux `/proc/self/status` and `statm`; `getrusage` elsewhere).
public enum ProcessMemory {
    /// The most resident memory the process has had, in bytes.
    ///
    /// On Linux this is `VmHWM` of `/proc/self/status`, the high-water mark of this process's own
    /// address space. `getrusage`'s `ru_maxrss` survives `execve`: a probe spawned from the
    /// benchmark process reported the parent's 1 GB as its own peak.
    public static func peakResidentBytes() -> Int {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kib = line.split(separator: " ").dropFirst().compactMap({ Int($0) }).first
        {
            return kib * 1024
        }
        var usage = rusage()
        #if os(Linux)
            getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
            getrusage(RUSAGE_SELF, &usage)
        #endif
        #if os(macOS)
            return Int(usage.ru_maxrss)  // bytes on macOS
        #else
            return Int(usage.ru_maxrss) * 1024  // KiB on Linux
        #endif
    }

    /// Resident memory now, in bytes (0 where `/proc` is missing).
    public static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
