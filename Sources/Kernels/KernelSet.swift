import CKernels

/// The C kernel set the process runs (`Sources/CKernels`): the quantized products and the
/// activation quantization are compiled once per instruction set with per-function target
/// attributes, and the best set this CPU has is chosen at the first call, the way ggml's CPU
/// backend picks its variant. `easykv inspect` and `easykv bench` print `current.name`, as
/// llama.cpp prints its CPU features.
///
/// The environment variable `EASYKV_KERNELS` (a name from `available`) chooses another set, for
/// comparisons and tests.
public struct KernelSet: Sendable, Equatable, CustomStringConvertible {
    /// `avx512-vnni`, `avx2` or `portable`.
    public let name: String

    public var description: String { name }

    /// The set in use.
    public static var current: KernelSet { KernelSet(name: String(cString: ck_kernel_set_name())) }

    /// The sets this CPU can run, best first.
    public static var available: [KernelSet] {
        String(cString: ck_available_kernel_sets()).split(separator: ",").map { KernelSet(name: String($0)) }
    }

    /// Uses `set` from now on (tests run every set this CPU has).
    public static func select(_ set: KernelSet) throws(KernelError) {
        guard ck_select_kernel_set(set.name) == 0 else {
            throw .unknownKernelSet(set.name, available: available.map(\.name))
        }
    }

    public init(name: String) { self.name = name }

    /// The C side's position of this set (-1: not usable here, so the current set runs).
    var index: Int32 { ck_kernel_set_index(name) }
}

extension Optional where Wrapped == KernelSet {
    /// The C side's `set` argument: this set, or -1 for the current one.
    var index: Int32 { self?.index ?? -1 }
}
